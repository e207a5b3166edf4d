"""The SoilGrids + HC27 profiles of dssat_soils.sol: conversion, selection, distance from each site."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from agroflux_hf.data.sources import dssat_files, dssat_soilgrids
from agroflux_hf.default_data import derive_simulations, derive_soils

CUT = Path(__file__).resolve().parent / "data" / "soils" / "soilgrids_us_cut.parquet"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_parquet(CUT)


def test_committed_soil_file_is_what_the_script_writes_from_the_table(table, tmp_path):
    committed = dssat_files.SOIL_FILE.read_text()
    copy = tmp_path / "soils.sol"
    copy.write_text(committed)
    derive_soils.write_soil_file(table, copy)
    assert copy.read_text() == committed  # regenerable, byte for byte
    # the verbatim DSSAT-CSM profiles above the section are untouched by a rewrite
    head = committed.split(dssat_soilgrids.SECTION_MARKER)[0]
    assert "*IUBF950107" in head and "*US0" not in head


def test_converted_profile_keeps_the_table_values(table):
    profiles = dssat_files.read_soil_profiles()
    row = table[table["soil_profile_name"] == "US02532522"].iloc[0]
    layers = profiles["US02532522"].layers()
    assert layers["SLB"].tolist() == [5, 15, 30, 60, 100, 200]
    for field in ("SLLL", "SDUL", "SSAT", "SBDM", "SLOC", "SLCL", "SLSI", "SLHW", "SCEC"):
        expected = [dssat_soilgrids.layer_value(row, field, d) for d in dssat_soilgrids.DEPTHS]
        rounding = 0.5 * 10.0 ** -dssat_soilgrids.LAYER_DECIMALS[field] + 1e-9  # formatted, not changed
        assert layers[field].tolist() == pytest.approx(expected, abs=rounding), field
    assert layers["SLCF"].isna().all()  # -99 in the table stays missing
    statics = profiles["US02532522"].top_layer_statics()
    assert statics["CLAY"] == pytest.approx(float(row["soil_clay_5cm"]) * 10, abs=0.6)
    assert statics["SOIL_OM"] == pytest.approx(float(row["soil_organic_carbon_5cm"]) * 17.24, abs=0.1)
    first = profiles["US02532522"].text.splitlines()[0]
    assert first[13:24].strip() == dssat_soilgrids.SOURCE_LABEL and first[24:29].strip() == "SIL"


def test_every_us_site_runs_on_profiles_within_the_distance(table):
    soils = {**derive_simulations.STATION_SOILS, **derive_simulations.TOWER_SOILS}
    chosen = derive_soils.chosen_profiles(table)
    by_site = derive_soils.site_profile_ids(chosen)
    for site, (lat, lon) in derive_soils.SITE_COORDINATES.items():
        ids = by_site[site]
        assert len(ids) == derive_soils.PROFILES_PER_SITE[site] and len(set(ids)) == len(ids)
        assert set(ids) <= set(soils[site]) and len(soils[site]) == 3, site
        rows = table.set_index("soil_profile_name").loc[list(ids)]
        dist = dssat_soilgrids.distance_km(
            lat, lon, rows["latitude"].to_numpy(), rows["longitude"].to_numpy()
        )
        assert (dist <= dssat_soilgrids.MAX_DISTANCE_KM).all(), (site, dist)
    # Iowa and KBS keep their surveyed station profiles; CH-Oe2 has no US table
    assert soils["IA_central"][0] == "IUBF950107" and soils["KBS"][0] == "MSKB890006"
    assert not any(s.startswith("US0") for s in soils["CH-Oe2"])


def test_selection_rejects_non_agricultural_profiles_and_too_few(table):
    alaska = table.iloc[0]
    assert alaska["latitude"] > 60 and not dssat_soilgrids.looks_agricultural(alaska)  # SOC 30 %
    lat, lon = derive_soils.SITE_COORDINATES["US-Ne1"]
    with pytest.raises(ValueError, match="US-Ne1: only"):
        dssat_soilgrids.nearest_profiles(table, "US-Ne1", lat, lon, count=3, max_km=5.5)
    # an identical profile in a second cell is not a second soil
    twin = table[table["soil_profile_name"] == "US02532522"].assign(soil_profile_name="US09999999")
    chosen = dssat_soilgrids.nearest_profiles(pd.concat([table, twin]), "US-Ne1", lat, lon)
    assert "US09999999" not in [c.row["soil_profile_name"] for c in chosen]


def test_simulation_tables_name_the_soilgrids_terms():
    frame = pd.DataFrame({"site_id": ["US-Ne1-US02532522", "CH-Oe2-IB00000001", "KBS-MSKB890006"]})
    assert dssat_soilgrids.soilgrids_sites(frame) == ["US-Ne1-US02532522"]
    assert dssat_soilgrids.SOILGRIDS_TERMS["redistributable"] == "unstated"
