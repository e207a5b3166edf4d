"""The committed chamber N2O table (``n2o.parquet``) and the ``n2o`` configs built from it.

The Saha et al. (2021) file is CC0, so the whole original is committed gzipped under ``tests/data/n2o``
(its sha256 after decompression is checked against the manifest): every one of its plot-days is
followed into the committed table. The table's weather comes from files that are not committed here;
what the tests check of it is what the issue promises (coverage, origin, terms).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data.default import DEFAULT_TABLE_DIR
from agroflux_hf.data.loading import list_configs, load_agroflux
from agroflux_hf.data.sources import chambers, station_weather, terms
from agroflux_hf.default_data import derive_n2o
from agroflux_hf.default_data.originals import manifest, sha256_of
from agroflux_hf.errors import DataFileError

SAHA_GZ = Path(__file__).parent / "data" / "n2o" / "Saha_et_al_2020_ERL_Data.csv.gz"
TABLE = DEFAULT_TABLE_DIR / "n2o.parquet"
DRIVERS = ("TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")


@pytest.fixture(scope="module")
def saha_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("saha") / "Saha_et_al_2020_ERL_Data.csv"
    with gzip.open(SAHA_GZ, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_parquet(TABLE)


@pytest.fixture(scope="module")
def obs(saha_csv) -> pd.DataFrame:
    return chambers.read_saha(saha_csv)


def test_fixture_is_the_original_file(saha_csv):
    assert sha256_of(saha_csv) == manifest()[chambers.SAHA_FILE].sha256


# (plot, date, line of the original file, N2O there in g N2O-N ha-1 d-1) -> g N m-2 d-1 = value x 1e-4
HAND_PICKED = [
    ("KBS-BCSE-R1", "2012-02-09", 2, 3.896741682, 3.896741682e-4),
    ("KBS-BCSE-R1", "2014-08-27", 639, -7.415296604, -7.415296604e-4),  # uptake stays negative
    ("ARL-R4", "2010-06-14", 1126, 593.072, 5.93072e-2),  # the largest flux of the file
    ("ARL-R2", "2010-03-22", 1097, 108.885, 1.08885e-2),
    ("KBS-MCSE-T2-R4", "2002-07-18", 1605, 12.39, 1.239e-3),
]


@pytest.mark.parametrize(("site", "date", "line", "source_value", "expected"), HAND_PICKED)
def test_unit_conversion_on_hand_picked_rows(table, saha_csv, site, date, line, source_value, expected):
    original = saha_csv.read_text(encoding="utf-8-sig").splitlines()[line - 1].split(",")
    assert float(original[8]) == source_value  # column N2O of that line
    row = table[(table["site_id"] == site) & (table["date"] == pd.Timestamp(date))]
    assert len(row) == 1
    assert row["N2O_FLUX"].iloc[0] == pytest.approx(expected, rel=1e-6)


def test_every_saha_plot_day_lands_on_its_plot_rate_and_date(table, obs):
    observed = table[table["N2O_FLUX"].notna()]
    assert len(observed) == len(obs) == 2246  # nothing lost, nothing added
    merged = obs.merge(observed, on=["site_id", "date"], how="left", validate="one_to_one")
    assert merged["N2O_FLUX_y"].notna().all()
    assert np.allclose(merged["N2O_FLUX_y"], (merged["n2o_g_ha"] * 1e-4).astype(np.float32), rtol=1e-6)
    assert (merged["replicate_x"] == merged["replicate_y"]).all()
    fields = merged["field_x"].map(lambda f: chambers.FIELDS[f].prefix)
    assert (fields == merged["field_y"]).all()
    # experiment = the N rate of the crop harvested that year; Saha's own rate differs only on the 13
    # MCSE-T2 plot-days of spring 2002 that still carry the previous crop's 170 kg N ha-1
    differ = merged[merged["experiment"] != merged["n_rate"]]
    assert len(differ) == 13
    assert set(differ["field_x"]) == {"MCSE-T2"} and set(differ["year"]) == {2002}
    assert set(differ["n_rate"]) == {170} and set(differ["experiment"]) == {162}
    assert (differ["date"] < pd.Timestamp("2002-05-30")).all()


def test_one_sequence_per_plot_rate_year_with_every_day(table):
    years = table["date"].dt.year
    sizes = table.groupby(["site_id", "experiment", years]).size()
    assert len(sizes) == 82 and table["site_id"].nunique() == 10
    full = sizes.index.get_level_values(2).map(
        lambda y: 366 if pd.Timestamp(int(y), 1, 1).is_leap_year else 365
    )
    assert (sizes.to_numpy() == np.asarray(full)).all()
    assert table.groupby(["site_id", years])["experiment"].nunique().max() == 1


def test_drivers_observed_on_95_percent_of_days_of_every_sequence(table):
    noleap = table[~((table["date"].dt.month == 2) & (table["date"].dt.day == 29))]
    share = noleap.groupby(["site_id", "experiment", noleap["date"].dt.year])[list(DRIVERS)].agg(
        lambda s: s.notna().mean()
    )
    assert (share >= schema.MIN_DRIVER_COVERAGE).all().all(), share.min()
    for name in DRIVERS:  # every value says where it came from, and a missing one says so
        origin = table[f"origin_{name}"]
        assert ((origin == "") == table[name].isna()).all()


def test_weather_origin_and_terms_recorded_for_the_publish_step(table):
    records, flag = terms.read_sources(TABLE)
    sources = {s["key"]: s for s in records}
    assert set(sources) == {"saha2021", "nasa_power", "uw_awon", "noaa_ghcn"}  # no KBS LTER table
    assert {k: s["redistributable"] for k, s in sources.items()} == {
        "saha2021": "yes",
        "nasa_power": "yes",
        "uw_awon": "unstated",
        "noaa_ghcn": "yes",
    }
    assert flag == "unstated"
    kbs = table[table["site_id"].str.startswith("KBS")]
    arl = table[table["site_id"].str.startswith("ARL")]
    assert set(kbs[[f"origin_{n}" for n in DRIVERS]].stack()) == {"nasa_power"}
    assert set(arl["origin_TMAX"]) == {"uw_awon", "noaa_ghcn"}
    assert "TA" not in table  # NASA POWER has no daily mean temperature: TA would exist at Arlington only


def test_fertilizer_days_rates_crops_and_soils(table):
    t = table.set_index(["site_id", "date"])
    # Arlington 2010: one application on 2010-06-07 (Saha: DAF_TD = DAF_SD = 7 on 2010-06-14) of 213 kg N ha-1
    assert t.loc[("ARL-R1", pd.Timestamp("2010-06-07")), "N_FERT"] == pytest.approx(21.3)
    assert t.loc[("ARL-R5", pd.Timestamp("2010-06-07")), "N_FERT"] == pytest.approx(13.4)
    r1_2010 = table[(table["site_id"] == "ARL-R1") & (table["date"].dt.year == 2010)]
    assert r1_2010["N_FERT"].sum() == pytest.approx(21.3) and r1_2010["N_FERT_DAY"].sum() == 1
    # MCSE-T2 2004 wheat: its N went on in autumn 2003 and on 2004-04-16, split not published -> NaN
    assert np.isnan(t.loc[("KBS-MCSE-T2-R1", pd.Timestamp("2004-04-16")), "N_FERT"])
    assert t.loc[("KBS-MCSE-T2-R1", pd.Timestamp("2003-10-08")), "N_FERT_DAY"] == 1
    soy = table[(table["site_id"] == "KBS-MCSE-T2-R2") & (table["date"].dt.year == 2006)]
    assert (soy["CROP"] == 0).all() and (soy["N_FERT"] == 0).all() and (soy["N_RATE"] == 0).all()
    assert ((table["N_FERT_DAY"] == 0) == (table["N_FERT"] == 0)).all()  # a known non-application day
    assert np.allclose(table["N_RATE"], table["experiment"] / 10.0)
    bcse = t.loc["KBS-BCSE-R1"].iloc[0]  # Saha: Clay 62.5, Sand 637.5, SOM 1.174072 %
    assert (bcse["CLAY"], bcse["SAND"], bcse["SILT"]) == (62.5, 637.5, 300.0)
    assert bcse["SOIL_OM"] == pytest.approx(11.74072) and bcse["CROP"] == 1
    assert "PLANTING" not in table and "HARVEST" not in table  # not in the open data: unknown, not 0


def test_application_amount_only_when_a_crop_got_all_its_n_at_once():
    rates = {2003: 0, 2004: 90, 2005: 157}
    days = [pd.Timestamp(d) for d in ("2003-10-08", "2004-04-16", "2005-05-12")]
    amounts = chambers.application_amounts(days, rates)
    assert np.isnan(amounts[days[0]]) and np.isnan(amounts[days[1]])  # both feed the 2004 wheat
    assert amounts[days[2]] == pytest.approx(15.7)


def test_spatial_folds_hold_out_whole_fields_and_test_each_once():
    configs = [c for c in list_configs() if schema.parse_config_name(c)[:2] == ("spatial", "n2o")]
    assert len(configs) == 3  # three fields: KBS-BCSE, KBS-MCSE-T2, ARL
    tested = []
    for config in configs:
        ds = load_agroflux(config)
        fields = {split: {chambers.field_of_site(s) for s in ds[split]["site_id"]} for split in ds}
        assert not (fields["train"] & fields["test"]) and not (fields["validation"] & fields["test"])
        assert not (fields["train"] & fields["validation"])
        tested.extend(sorted(set(ds["test"]["site_id"])))
    assert sorted(tested) == sorted(pd.read_parquet(TABLE, columns=["site_id"])["site_id"].unique())


def test_temporal_config_has_every_plot_and_n2o_only_on_sampling_days():
    ds = load_agroflux("temporal_n2o")
    assert [len(ds[s]) for s in ("train", "validation", "test")] == [65, 10, 7]
    target = np.asarray(ds["train"][schema.TARGET_VALUES], dtype=np.float32)[..., 0]
    assert 0 < np.isfinite(target).mean() < 0.2  # sparse sampling days, NaN elsewhere


def test_saha_reader_and_derive_name_the_bad_file(tmp_path):
    bad = tmp_path / "n2o" / "saha2020" / "Saha_et_al_2020_ERL_Data.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("Date,N2O\n1/1/12,3\n")
    with pytest.raises(DataFileError, match=r"Saha_et_al_2020_ERL_Data\.csv: lacks the column"):
        chambers.read_saha(bad)
    with pytest.raises(DataFileError, match=r"Saha_et_al_2020_ERL_Data\.csv: sha256"):
        derive_n2o.derive(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out" / "n2o.parquet").exists()


def test_terms_round_trip_and_withhold_a_forbidden_source(tmp_path):
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2013-07-01", periods=3),
            "TMAX": [25.0, 26.0, np.nan],
            "origin_TMAX": ["kbs_lter_station", "nasa_power", ""],
            "N2O_FLUX": [1e-4, np.nan, 2e-4],
        }
    )
    records = derive_n2o.source_records(frame)
    flags = {r["key"]: r["redistributable"] for r in records}
    assert flags == {"saha2021": "yes", "kbs_lter_station": "no", "nasa_power": "yes"}
    assert terms.overall_flag(records) == "no"
    out = terms.write_table_with_sources(frame, tmp_path / "t.parquet", records)
    assert terms.read_sources(out) == (records, "no")
    kept, withheld = terms.withhold(pd.read_parquet(out), records)
    assert withheld == {"TMAX": 1}
    assert (
        np.isnan(kept["TMAX"].iloc[0]) and kept["origin_TMAX"].iloc[0] == "" and kept["TMAX"].iloc[1] == 26.0
    )
    assert kept["N2O_FLUX"].iloc[2] == pytest.approx(2e-4)  # CC0 values stay
    assert terms.read_sources(TABLE)[1] != "no"  # the committed table holds no forbidden source


def _weather_from_table(table: pd.DataFrame) -> dict[str, station_weather.StationWeather]:
    """The committed drivers as each weather site's series (the weather files are not committed)."""
    weather = {}
    for station in ("KBS", "ARL"):
        rows = table[table["site_id"].str.startswith(station)].drop_duplicates("date").sort_values("date")
        days = pd.DataFrame({"date": pd.date_range(rows["date"].min(), rows["date"].max())})
        frame = days.merge(rows[["date", *DRIVERS, *(f"origin_{n}" for n in DRIVERS)]], on="date", how="left")
        frame["TA"], frame["origin_TA"] = np.nan, ""
        weather[station] = station_weather.StationWeather(station, 0.0, 0.0, 0.0, frame)
    return weather


def test_committed_table_is_what_the_reader_makes_of_the_cc0_file(table, obs):
    """Rebuild every non-weather column from the committed Saha fixture and compare with the table."""
    rebuilt = derive_n2o.finish_table(chambers.chamber_table(obs, _weather_from_table(table)), list(DRIVERS))
    assert list(rebuilt.columns) == list(table.columns)
    pd.testing.assert_frame_equal(rebuilt, table, check_dtype=True)


# KBS field-log layouts (RFertilizer.csv, clean_ops_ext.csv) with made-up rows: KBS LTER data are not
# committed. Two same-day N applications, potash (no N), an unlogged amount, a two-day harvest.
FERTILIZER_LOG = """"obs_date","treatment","material","rate_kg_ha","n_rate_kg_ha","date","year","observation_type"
"4/26/2002","T2","Ammonium sulfate (AMS)",5,1,2002-04-26,2002,"Fertilizer application"
"5/10/2002","T2","19-17-0 liquid fertilizer",150,28,2002-05-10,2002,"Fertilizer application"
"5/10/2002","T2","28% UAN (28-0-0)",20,6,2002-05-10,2002,"Fertilizer application"
"5/10/2002","T1","28% UAN (28-0-0)",20,99,2002-05-10,2002,"Fertilizer application"
"4/20/2002","T2","0-0-60 potash fertilizer",100,NA,2002-04-20,2002,"Fertilizer application"
"9/24/2002","T2","Ammonium sulfate (AMS)",NA,NA,2002-09-24,2002,"Fertilizer application"
"""
OPERATIONS_LOG = """"year","treatment","observation_type","material","rate","units","equipment","date","crop"
2002,"T2","Planting","corn",NA,NA,"planter",2002-05-10,"Maize"
2002,"T2","Planting",NA,NA,NA,"tractor",2002-05-11,"Maize"
2002,"T2","Harvest",NA,NA,NA,"combine",2002-10-28,"Maize"
2002,"T2","Harvest",NA,NA,NA,"baler",2002-10-29,"Maize"
2002,"T1","Harvest",NA,NA,NA,"combine",2002-10-01,"Maize"
"""


def test_kbs_field_log_gives_amounts_planting_and_harvest(tmp_path, table, obs):
    (tmp_path / "fert.csv").write_text(FERTILIZER_LOG)
    (tmp_path / "ops.csv").write_text(OPERATIONS_LOG)
    log = chambers.read_kbs_field_log(tmp_path / "fert.csv", tmp_path / "ops.csv", "T2")
    assert log.applications.loc["2002-05-10"] == 34.0 and log.applications.loc["2002-04-26"] == 1.0
    assert np.isnan(log.applications.loc["2002-09-24"]) and pd.Timestamp("2002-04-20") not in log.applications
    assert log.planting == (pd.Timestamp("2002-05-10"),) and log.harvest == (pd.Timestamp("2002-10-28"),)
    local = chambers.chamber_table(obs, _weather_from_table(table), {"MCSE-T2": log})
    t = local.set_index(["site_id", "date"])
    day = t.loc[("KBS-MCSE-T2-R3", pd.Timestamp("2002-05-10"))]
    assert (day["N_FERT"], day["N_FERT_DAY"], day["PLANTING"]) == (pytest.approx(3.4), 1.0, 1.0)
    assert day["origin_N_FERT"] == chambers.FIELD_LOG_SOURCE
    assert t.loc[("KBS-MCSE-T2-R3", pd.Timestamp("2002-10-28")), "HARVEST"] == 1.0
    arl = local[local["site_id"] == "ARL-R1"]
    assert arl["PLANTING"].isna().all() and (arl["origin_PLANTING"] == "").all()
    assert ((arl["origin_N_FERT"] == "saha2021") == arl["N_FERT"].notna()).all()  # "" on unknown amounts
    records = derive_n2o.source_records(local)
    assert terms.overall_flag(records) == "no"
    kept, withheld = terms.withhold(local, records)
    assert withheld["PLANTING"] == int(local["origin_PLANTING"].eq(chambers.FIELD_LOG_SOURCE).sum())
    assert kept.loc[kept["site_id"].str.startswith("KBS-MCSE"), "N_FERT"].isna().all()
    assert kept.loc[kept["site_id"] == "ARL-R1", "N_FERT"].equals(arl["N_FERT"])  # Saha's (CC0) stays


def test_temporal_config_keeps_each_station_year_of_weather_in_one_split():
    """Both KBS fields run on one NASA POWER series: a year trains or tests at both, never one each
    (split per plot, BCSE trained on 2012-2014, MCSE's validation and test years)."""
    ds = load_agroflux("temporal_n2o")
    split_of: dict[tuple[str, int], set[str]] = {}
    for split in ds:
        for site, year in zip(ds[split]["site_id"], ds[split]["year"], strict=True):
            split_of.setdefault((chambers.station_of_plot(site), int(year)), set()).add(split)
    assert all(len(splits) == 1 for splits in split_of.values()), split_of
    assert split_of[("KBS", 2013)] == {"train"} and split_of[("KBS", 2017)] == {"test"}
    assert {chambers.station_of_plot(s) for s in ds["test"]["site_id"]} == {"KBS", "ARL"}
