"""Station weather at the N2O sites: units, rejected values, GHCN's one-day shift and recorded gap fill.

NASA POWER and GHCN are read from cuts of the original files (``tests/data/n2o/``, see its README for
their terms). The KBS LTER and AWON files may not be redistributed or state no licence, so their readers
are tested on small files written here in the originals' layout with made-up values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf.data.sources import station_weather as sw
from agroflux_hf.errors import DataFileError

DATA = Path(__file__).parent / "data" / "n2o"
POWER = DATA / "nasa_power_kbs_2013-07.csv"
GHCN = DATA / "ghcn_usc00470308_2013-07.csv"

# Layout of KBS LTER datatable 12: a variate block mixing '#' lines and quoted '"# ..."' lines, then the table.
KBS_HEAD = """# LTER Weather Station - Daily Weather- All Variates,,,,,,,,,,,,,,,,,,,,,,,,,
# These Data are copyrighted and use in a publication requires written permission,,,,,,,,,,,,,,,,,,,,,,,,,
"# date		date of observation",,,,,,,,,,,,,,,,,,,,,,,,,
"# flag_precip		quality flag", first letter only,,,,,,,,,,,,,,,,,,,,,,,,
#,millimeter,,celsius,,celsius,,celsius,,millibar,,number,,kilopascal,,metersPerSecond,,degree,,wattsPerSquareMeter,,microEinsteinPerMeterSquaredPerSecond,,celsius,celsius,
date,precipitation,flag_precip,Air_temp_mean,Flag_Air_Temp_Mean,air_temp_max,flag_air_temp_max,Air_Temp_Min,Flag_Air_Temp_Min,Air_Pressure,Flag_Air_Pressure,RH,Flag_RH,AH,Flag_AH,Wind_Speed_Mean,Flag_Wind_Speed,Wind_Direction_Mean,Flag_Wind_Dir,Solar_Radiation,Flag_Sol_Rad,PAR,Flag_Par,soil_temp_5_cm_bare_avg,soil_temp_5_cm_sod_avg,Year
"""
# Made-up days (newest first, as the original): a normal day, a day whose max/min are flagged missing, a day
# with an impossible absolute humidity and a 24-h radiation mean above what the sky can give.
KBS_ROWS = [
    "7/3/2013,0,,20,,26,,14,,980,,70,,1.5,,2,,180,,250,,10,,NaN,NaN,2013",
    "7/2/2013,5.5,,18,,,M,,M,980,,80,,1.6,,2,,180,,150,,10,,NaN,NaN,2013",
    "7/1/2013,12.25,E,19,,24,,15,,980,,90,,2739.88,,2,,180,,631.85,,10,,NaN,NaN,2013",
]


def _kbs_file(tmp_path: Path) -> Path:
    path = tmp_path / "12-lter-weather.csv"
    path.write_text(KBS_HEAD + "\n".join(KBS_ROWS) + "\n")
    return path


def test_kbs_station_units_flags_and_impossible_values(tmp_path):
    frame = sw.read_kbs_station(_kbs_file(tmp_path), latitude=42.4).set_index("date")
    day = frame.loc["2013-07-03"]
    assert day["TA"] == 20 and day["TMAX"] == 26 and day["TMIN"] == 14 and day["PRECIP"] == 0
    assert day["SW_IN"] == pytest.approx(250 * 0.0864)  # 24-h mean W m-2 -> MJ m-2 d-1
    es = 0.5 * (6.108 * np.exp(17.27 * 26 / (26 + 237.3)) + 6.108 * np.exp(17.27 * 14 / (14 + 237.3)))
    assert day["VPD"] == pytest.approx(es - 15.0)  # AH 1.5 kPa = 15 hPa actual vapour pressure
    flagged = frame.loc["2013-07-02"]
    assert np.isnan(flagged["TMAX"]) and np.isnan(flagged["TMIN"]) and np.isnan(flagged["VPD"])
    assert flagged["PRECIP"] == 5.5 and flagged["TA"] == 18
    faulty = frame.loc["2013-07-01"]
    assert np.isnan(faulty["VPD"]) and np.isnan(faulty["SW_IN"])  # 2739.88 kPa; 54.6 MJ > 0.85 Ra
    assert faulty["PRECIP"] == 12.25  # an 'E' (estimated) value is the station's own and stays


def test_kbs_station_refuses_a_file_of_another_layout(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("year,month,day\n2013,7,1\n")
    with pytest.raises(DataFileError, match=r"other\.csv.*not the KBS LTER daily table 12"):
        sw.read_kbs_station(path, latitude=42.4)


def test_nasa_power_cut_units_and_no_daily_mean_temperature():
    frame = sw.read_nasa_power(POWER, latitude=42.4).set_index("date")
    day = frame.loc[
        "2013-07-01"
    ]  # original row: radn_MJm2 19.33, maxt 20.79, mint 11.96, rain 2.81, RH 81.44
    assert (day["SW_IN"], day["TMAX"], day["TMIN"], day["PRECIP"]) == (19.33, 20.79, 11.96, 2.81)
    es = 0.5 * (6.108 * np.exp(17.27 * 20.79 / 258.09) + 6.108 * np.exp(17.27 * 11.96 / 249.26))
    assert day["VPD"] == pytest.approx(es * (1 - 0.8144))
    assert frame["TA"].isna().all()


def test_ghcn_keeps_measured_values_one_day_back():
    frame = sw.read_ghcn_measured(GHCN).set_index("date")
    # GHCN row 2013-07-02: TMAX 25.6, TMIN 10, PRCP 0, all measured -> the AWON day 2013-07-01
    assert (frame.loc["2013-07-01", "TMAX"], frame.loc["2013-07-01", "TMIN"]) == (25.6, 10.0)
    # GHCN row 2013-07-30: TMAX and TMIN 'Gap-Filled' by the repository author -> missing on 2013-07-29
    assert np.isnan(frame.loc["2013-07-29", "TMAX"]) and frame.loc["2013-07-29", "PRECIP"] == 0
    assert frame[["TA", "SW_IN", "VPD"]].isna().all().all()


def _awon_file(tmp_path: Path) -> Path:
    """AWON layout with the original's -699 sentinel days of 2013-07-15..19 (values made up)."""
    rows = ["date,DToPcpn,DAvSol,DAvTAir,DMxTAir,DMnTAir,DAvRHum,DAvWind"]
    for day in pd.date_range("2013-07-10", "2013-07-20"):
        if pd.Timestamp("2013-07-15") <= day <= pd.Timestamp("2013-07-19"):
            rows.append(f"{day.date()},0.00,250.0,-699.00,-699.00,-699.0,-699.00,1.80")
        else:
            rows.append(f"{day.date()},1.5,260.0,22.0,28.0,15.0,103.1,2.0")
    path = tmp_path / "ArlingtonWI_Metdata.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_arlington_fills_awon_sentinel_days_from_ghcn_and_records_it(tmp_path):
    weather = sw.arlington_weather(_awon_file(tmp_path), GHCN, "2013-07-10", "2013-07-20")
    frame = weather.frame.set_index("date")
    ghcn = sw.read_ghcn_measured(GHCN).set_index("date")
    gap = pd.date_range("2013-07-15", "2013-07-19")
    assert (frame.loc[gap, "origin_TMAX"] == "noaa_ghcn").all()
    assert (frame.loc[gap, ["TMAX", "TMIN"]].to_numpy() == ghcn.loc[gap, ["TMAX", "TMIN"]].to_numpy()).all()
    # no second source of mean temperature, radiation or humidity: those stay missing on the gap days
    assert frame.loc[gap, "TA"].isna().all() and (frame.loc[gap, "origin_TA"] == "").all()
    assert (frame.loc[gap, "origin_SW_IN"] == "uw_awon").all()  # AWON radiation was valid on those days
    ok = frame.loc["2013-07-10"]
    assert ok["origin_TMAX"] == "uw_awon" and ok["TMAX"] == 28.0 and ok["VPD"] == 0.0  # RH 103.1: saturated
    assert weather.origin_counts()["TMAX"] == {"uw_awon": 6, "noaa_ghcn": 5}
    assert weather.redistributable is None  # AWON states no terms


def test_awon_placeholder_zeros_on_sentinel_days_are_missing(tmp_path):
    """The original's 1998-02-26 row: sentinels 6999 beside TMAX, TMIN and precipitation of exactly 0."""
    path = tmp_path / "ArlingtonWI_Metdata.csv"
    path.write_text(
        "date,DToPcpn,DAvSol,DAvTAir,DMxTAir,DMnTAir,DAvRHum,DAvWind\n"
        "1998-02-25,2.0,100.0,1.0,4.0,-2.0,80.0,2.0\n"
        "1998-02-26,0.0,6999.0,6999.0,0.0,0.0,6999.0,0.0\n"
        "1998-02-27,0.0,90.0,-0.5,0.0,-1.0,85.0,2.0\n"  # a real day with TMAX 0 stays
    )
    frame = sw.read_awon(path, sw.ARLINGTON.latitude).set_index("date")
    assert frame.loc["1998-02-26", ["TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD"]].isna().all()
    assert frame.loc["1998-02-27", "TMAX"] == 0.0 and frame.loc["1998-02-27", "PRECIP"] == 0.0
    assert frame.loc["1998-02-25", "PRECIP"] == 2.0


def test_awon_day_with_contradictory_temperatures_is_missing_and_filled_from_ghcn(tmp_path):
    """The original's 2016-06-20 (TMIN -6.694 beside TMAX 28.9 and a 23.02 mean: a sensor failing within
    the day, which as a June frost killed the simulated crop) and a stuck TMIN of -53.6 in June 1999."""
    path = tmp_path / "ArlingtonWI_Metdata.csv"
    path.write_text(
        "date,DToPcpn,DAvSol,DAvTAir,DMxTAir,DMnTAir,DAvRHum,DAvWind\n"
        "2013-07-14,0.0,250.0,21.0,28.0,14.5,70.0,2.0\n"  # mean 21 vs midpoint 21.25: kept
        "2013-07-15,0.254,297.4,23.02,28.9,-6.694,60.23,4.83\n"  # mean 23 vs midpoint 11.1
        "2013-07-16,0.0,300.0,,32.2,-53.6,60.0,3.0\n"  # no mean, a range of 85.8 degC
        "2013-07-17,0.0,300.0,13.0,29.0,-2.0,60.0,3.0\n"  # a range of 31 with a consistent mean: kept
    )
    frame = sw.read_awon(path, sw.ARLINGTON.latitude).set_index("date")
    for day in ("2013-07-15", "2013-07-16"):
        assert frame.loc[day, ["TA", "TMAX", "TMIN", "VPD"]].isna().all()
        assert frame.loc[day, "PRECIP"] >= 0 and frame.loc[day, "SW_IN"] > 0  # the other drivers stay
    assert frame.loc["2013-07-14", "TMIN"] == 14.5 and frame.loc["2013-07-17", "TMIN"] == -2.0
    filled = sw.arlington_weather(path, GHCN, "2013-07-14", "2013-07-17").frame.set_index("date")
    ghcn = sw.read_ghcn_measured(GHCN).set_index("date")
    assert filled.loc["2013-07-15", "origin_TMIN"] == "noaa_ghcn"
    assert filled.loc["2013-07-15", "TMIN"] == ghcn.loc["2013-07-15", "TMIN"]


def test_fill_takes_max_and_min_from_one_source_and_keeps_unfilled_days_missing():
    days = pd.to_datetime(["2013-07-01", "2013-07-02", "2013-07-03"])
    primary = pd.DataFrame({"date": days, "TMAX": [25.0, 26.0, np.nan], "TMIN": [10.0, np.nan, np.nan]})
    fill = pd.DataFrame({"date": days[:2], "TMAX": [99.0, 30.0], "TMIN": [99.0, 12.0]})
    out = sw.fill_gaps(primary, "a", fill, "b", "2013-07-01", "2013-07-03").set_index("date")
    assert list(out["TMAX"].iloc[:2]) == [25.0, 30.0] and list(out["TMIN"].iloc[:2]) == [10.0, 12.0]
    assert list(out["origin_TMAX"]) == ["a", "b", ""] and np.isnan(out["TMAX"].iloc[2])
    assert out["PRECIP"].isna().all()  # a driver neither source has


def test_kbs_weather_is_marked_not_redistributable_and_power_alone_is(tmp_path):
    station = sw.kbs_weather(_kbs_file(tmp_path), POWER, "2013-07-01", "2013-07-05")
    frame = station.frame.set_index("date")
    assert frame.loc["2013-07-02", "origin_TMAX"] == "nasa_power"  # flagged M at the station
    assert frame.loc["2013-07-04", "origin_PRECIP"] == "nasa_power"  # a day the station file lacks
    assert station.redistributable is False
    power = sw.kbs_power_weather(POWER, "2013-07-01", "2013-07-31")
    assert power.redistributable is True and power.sources_used() == ["nasa_power"]
    daily = power.to_daily_weather("KBS_np.csv")
    assert list(daily.frame.columns) == ["date", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD"]
    with pytest.raises(DataFileError, match="days without a value"):
        sw.kbs_power_weather(POWER, "2013-07-01", "2013-08-31").to_daily_weather()


def test_daily_weather_for_dssat_estimates_radiation_only_when_asked(tmp_path):
    awon = _awon_file(tmp_path)
    text = awon.read_text().replace("2013-07-12,1.5,260.0", "2013-07-12,1.5,-6999")  # a radiation sentinel
    awon.write_text(text)
    weather = sw.arlington_weather(awon, GHCN, "2013-07-10", "2013-07-20")
    assert weather.frame["SW_IN"].isna().sum() == 1
    with pytest.raises(DataFileError, match=r"days without a value \{'SW_IN': 1\}"):
        weather.to_daily_weather()
    daily = weather.to_daily_weather(estimate_radiation=True)
    estimated = daily.frame.set_index("date").loc["2013-07-12", "SW_IN"]
    assert 10 < estimated < 30 and any("Hargreaves-Samani on 1 days" in n for n in daily.notes)
    assert weather.frame["SW_IN"].isna().sum() == 1  # the series itself is left as measured
