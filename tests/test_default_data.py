"""The embedded default AgroFlux-mini: committed tables -> specs -> a cached, atomically built folder."""

from __future__ import annotations

import multiprocessing
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data import default as default_module
from agroflux_hf.data.default import (
    DEFAULT_TABLE_DIR,
    default_data_dir,
    default_source_specs,
)
from agroflux_hf.data.loading import config_info, list_configs, load_agroflux, site_attributes
from agroflux_hf.errors import DataFileError

TOWERS = {"US-Tw3": (2014, 2017), "US-ARM": (2005, 2008), "FR-Hes": (2016, 2016), "DE-Tha": (1998, 1999)}


def _days(first: int, last: int) -> pd.DatetimeIndex:
    dates = pd.date_range(f"{first}-01-01", f"{last}-12-31", freq="D")
    return dates[~((dates.month == 2) & (dates.day == 29))]


def write_towers(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    parts = []
    for site, (first, last) in TOWERS.items():
        dates = _days(first, last)
        n = len(dates)
        df = pd.DataFrame(
            {
                "source": "tower",
                "domain": "observation",
                "site_id": site,
                "experiment": np.full(n, -1, dtype=np.int64),
                "date": dates,
                # columns deliberately not in schema order: the spec must put them in schema order
                "VPD": rng.gamma(2, 3, n).astype(np.float32),
                "TMAX": rng.normal(15, 8, n).astype(np.float32),
                "SW_IN": rng.gamma(3, 5, n).astype(np.float32),
                "TMIN": rng.normal(5, 8, n).astype(np.float32),
                "NEE": rng.normal(-0.5, 2, n).astype(np.float32),
                "GPP": rng.gamma(2, 2, n).astype(np.float32),
                "ET": rng.gamma(2, 1, n).astype(np.float32),
                "RECO": np.full(n, np.nan, dtype=np.float32),  # a target nobody measured: left out
                "CROPLAND": np.float32(site in ("US-Tw3", "US-ARM")),
                "latitude": 40.0,
                "longitude": -90.0,
                "igbp": "CRO",
            }
        )
        df.loc[rng.random(n) < 0.3, "NEE"] = np.nan
        parts.append(df)
    folder.mkdir(parents=True, exist_ok=True)
    pd.concat(parts, ignore_index=True).to_parquet(folder / "towers.parquet", compression="zstd")
    return folder


def write_dssat(folder: Path, name: str = "dssat_ceres_maize") -> Path:
    rng = np.random.default_rng(2)
    parts = []
    for site in ("IA-1", "IL-2", "IN-3"):
        for exp in (0, 1):
            dates = _days(2010, 2013)
            n = len(dates)
            parts.append(
                pd.DataFrame(
                    {
                        "source": name,
                        "domain": "simulation",
                        "site_id": site,
                        "experiment": np.full(n, exp, dtype=np.int64),
                        "date": dates,
                        "TMAX": rng.normal(15, 8, n).astype(np.float32),
                        "N_FERT": np.where(dates.day_of_year == 120, 10.0 * exp, 0.0).astype(np.float32),
                        "SAND": np.float32(150.0),
                        "NEE": rng.normal(0, 2, n).astype(np.float32),
                        "N2O_FLUX": rng.gamma(1, 1e-3, n).astype(np.float32),
                    }
                )
            )
    pd.concat(parts, ignore_index=True).to_parquet(folder / f"{name}.parquet", compression="zstd")
    return folder


@pytest.fixture
def tables(tmp_path) -> Path:
    folder = write_towers(tmp_path / "tables")
    write_dssat(folder)
    (folder / "SOURCES.md").write_text(
        "# Sources\n\n## towers.parquet\n\nAmeriFlux and ICOS, DOI 10.0/xyz.\n"
    )
    return folder


def test_specs_use_schema_names_in_schema_order(tables):
    specs = {s.name: s for s in default_source_specs(tables)}
    assert set(specs) == {"co2", "dssat_ceres_maize"}  # dssat_ixim_maize is missing: skipped
    co2 = specs["co2"]
    assert co2.source == schema.Source.TOWER
    assert co2.input_names == ("TMAX", "TMIN", "SW_IN", "VPD")
    assert co2.static_names == ("CROPLAND",)
    assert co2.target_names == ("GPP", "NEE", "ET")  # schema order; RECO is empty in the table
    assert "DOI 10.0/xyz" in co2.description and "CC BY 4.0" in co2.license and "SOURCES.md" in co2.license
    sim = specs["dssat_ceres_maize"]
    assert sim.source == schema.Source.DSSAT_CERES_MAIZE and sim.domain == schema.Domain.SIMULATION
    assert (sim.input_names, sim.static_names, sim.target_names) == (
        ("TMAX", "N_FERT"),
        ("SAND",),
        ("NEE", "N2O_FLUX"),
    )


def test_dssat_spatial_folds_hold_out_whole_stations(tmp_path):
    tables = write_dssat(tmp_path)
    rows = pd.read_parquet(tables / "dssat_ceres_maize.parquet")
    soils = rows.assign(site_id=rows["site_id"] + "-SL")
    rows = pd.concat([rows.assign(site_id=rows["site_id"] + "-L"), soils], ignore_index=True)
    rows.to_parquet(tables / "dssat_ceres_maize.parquet")
    out = default_data_dir(tables, cache_dir=tmp_path / "cache")
    folds = [c for c in list_configs(out) if c.startswith("spatial_dssat_ceres_maize")]
    assert len(folds) == 3  # three stations
    for config in folds:
        info = config_info(config, out)
        station = {split: {s.rsplit("-", 1)[0] for s in sites} for split, sites in info.sites.items()}
        assert len(info.sites["test"]) == 2 and not station["test"] & (
            station["train"] | station["validation"]
        )
        assert info.held_out == tuple(station["test"])  # what a figure names the fold by


def test_no_table_is_a_clear_error(tmp_path):
    with pytest.raises(DataFileError, match="none of the default tables"):
        default_source_specs(tmp_path)
    with pytest.raises(DataFileError, match="AGROFLUX_DATA_DIR"):
        default_data_dir(tmp_path, cache_dir=tmp_path / "cache")


def test_default_dir_is_built_once_and_keyed_by_content(tables, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = default_data_dir(tables, cache_dir=cache)
    assert first.parent == cache.resolve() and first.name.startswith("default-")
    assert list_configs(first)[:2] == ["temporal_co2", "spatial_co2"]
    assert "temporal_dssat_ceres_maize" in list_configs(first)

    def no_export(*args, **kwargs):
        raise AssertionError("the cached folder must be reused")

    monkeypatch.setattr(default_module, "export_dataset", no_export)
    assert default_data_dir(tables, cache_dir=cache) == first
    monkeypatch.undo()

    df = pd.read_parquet(tables / "towers.parquet")
    df.loc[0, "TMAX"] = 99.0
    df.to_parquet(tables / "towers.parquet")
    second = default_data_dir(tables, cache_dir=cache)
    assert second != first and sorted(p.name for p in cache.iterdir()) == sorted([first.name, second.name])


def test_lost_race_uses_the_winner(tables, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    real_export = default_module.export_dataset

    def racing_export(specs, out, **kwargs):
        real_export(specs, out, **kwargs)  # the other process wins ...
        return real_export(specs, out, **kwargs)  # ... then ours finds the folder in place

    monkeypatch.setattr(default_module, "export_dataset", racing_export)
    out = default_data_dir(tables, cache_dir=cache)
    assert (out / "agroflux_configs.json").is_file()
    assert [p.name for p in cache.iterdir()] == [out.name]  # no temporary folder left


def _build(args: tuple[str, str]) -> str:
    tables, cache = args
    return str(default_data_dir(Path(tables), cache_dir=Path(cache)))


def test_two_processes_building_at_once_agree(tables, tmp_path):
    cache = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_build, [(str(tables), str(cache))] * 2)
    assert results[0] == results[1]
    assert [p.name for p in cache.iterdir()] == [Path(results[0]).name]


def test_load_agroflux_without_data_dir_uses_the_default(tables, tmp_path, monkeypatch):
    monkeypatch.setattr(default_module, "DEFAULT_TABLE_DIR", tables)
    monkeypatch.setenv("AGROFLUX_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AGROFLUX_DATA_DIR", raising=False)
    ds = load_agroflux("temporal_co2")
    info = config_info("temporal_co2")
    assert info.input_names == ("TMAX", "TMIN", "SW_IN", "VPD")
    batch = ds["train"].with_format("torch")[:2]
    assert tuple(batch["past_values"].shape) == (2, 365, 4)
    assert tuple(batch["target_values"].shape) == (2, 365, 3)
    assert info.sites["train"]


@pytest.mark.skipif(
    not (DEFAULT_TABLE_DIR / "towers.parquet").is_file(), reason="towers.parquet not committed yet"
)
def test_committed_tables_export(tmp_path):
    out = default_data_dir(cache_dir=tmp_path / "cache")
    configs = list_configs(out)
    assert "temporal_co2" in configs
    info = config_info("temporal_co2", out)
    assert set(info.target_names) >= {"NEE", "GPP"}
    # US-Tw3 is in the table but none of its site-years has the core drivers (precipitation from 2017-05)
    towers = {"US-Ne1", "US-ARM", "DE-Geb", "DE-Kli", "DE-Seh", "IT-BCi", "CH-Oe2"}
    assert {s for split in info.sites.values() for s in split} == towers
    assert {"TA", "PRECIP", "SW_IN", "N_FERT", "PLANTING", "HARVEST", "CROP"} <= set(info.input_names)
    assert {"LATITUDE", "IRRIGATED"} <= set(info.static_names)
    # the DSSAT tables: one calendar for every site's temporal split, though US-Ne1 keeps 2002-2011
    sim = config_info("temporal_dssat_ceres_maize", out)
    assert sim.years == {"train": tuple(range(2002, 2014)), "validation": (2014,), "test": (2015, 2016)}
    ne1 = {s for split in sim.site_years.values() for s in split if s.startswith("US-Ne1-")}
    assert len(ne1) == 3 and all(s in sim.site_years["train"] for s in ne1)
    assert not any(s.startswith("US-Ne1-") for s in sim.sites["test"])
    assert set(sim.site_years["train"]["US-Ne1-US02532522"]) == set(range(2002, 2012)) - {2007}
    # the site attributes travel in the folder: the towers' coordinates as the tables state them
    ne1_tower = info.site_attributes["US-Ne1"]
    assert (ne1_tower["latitude"], ne1_tower["longitude"], ne1_tower["igbp"]) == (41.1651, -96.4766, "CRO")
    assert set(info.site_coordinates) == towers
    assert site_attributes("temporal_n2o", out)["ARL-R1"]["field"] == "ARL"


def test_build_default_cli(tables, tmp_path, monkeypatch, capsys):
    import argparse

    monkeypatch.setattr(default_module, "DEFAULT_TABLE_DIR", tables)
    parser = argparse.ArgumentParser()
    from agroflux_hf.commands import data_default

    data_default.register(parser.add_subparsers())
    args = parser.parse_args(["build-default", "--out", str(tmp_path / "mini")])
    assert args.func(args) == 0
    assert (tmp_path / "mini" / "README.md").is_file()
    assert capsys.readouterr().out.strip() == str((tmp_path / "mini").resolve())


def test_what_is_particular_to_the_chambers_is_in_their_own_sources_entry():
    """Not in the template, which describes every export (the release's too): in the `n2o` Sources
    entry, which `data publish` drops with the source should its terms leave it out."""
    card = (default_data_dir() / "README.md").read_text()
    chambers = card[card.index("### `n2o` (") :]
    chambers = chambers[: chambers.index("\n### `", 5)]  # up to the next source's entry
    assert "sampling days only" in chambers
    # its part of SOURCES.md is the N2O chambers', not the simulations' (which mentions n2o.parquet)
    assert "\n#### N2O chambers\n" in chambers and "Simulations (DSSAT-CSM)" not in chambers
    # SOURCES.md's headings sit below the card's `### <source>` entries, never beside `## Sources`
    sources = card[card.index("\n## Sources\n") + 1 :]
    assert [line for line in sources.splitlines() if line.startswith("## ")] == ["## Sources", "## Citation"]
    assert "Saha" not in resources.files("agroflux_hf.templates").joinpath("dataset_card.md").read_text()


def test_every_module_that_shapes_the_default_folder_is_hashed():
    """A change to any of them must give a new cache folder, never a stale one."""
    from agroflux_hf.data import default

    hashed = {p.name for p in default._pipeline_files()}
    shaping = {"builder.py", "calendar.py", "statistics.py", "encoding.py", "folder_format.py"}
    assert shaping | {"dataset_card.py", "export.py", "contract.py", "schema.py", "dataset_card.md"} <= hashed
