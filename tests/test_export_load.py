"""Export synthetic canonical frames to a dataset folder, then load every config the Hugging Face way."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from agroflux_hf import schema
from agroflux_hf.data.builder import SourceSpec
from agroflux_hf.data.export import export_dataset
from agroflux_hf.data.folder_format import CONFIGS_FILE
from agroflux_hf.data.loading import (
    config_info,
    list_configs,
    load_agroflux,
    resolve_data_dir,
    site_attributes,
)
from agroflux_hf.data.sources import release_layout as layout
from agroflux_hf.errors import DataFileError, SchemaError

TOWER_INPUTS = ("TMAX", "TMIN", "PRECIP")
TOWER_STATIC = ("CROPLAND",)
TOWER_TARGETS = ("GPP", "NEE")
# site -> years; an odd mix of record lengths, as real towers have
TOWER_YEARS = {
    "US-A": range(2001, 2006),
    "US-B": range(2003, 2006),
    "FR-C": range(2000, 2002),
    "DE-D": range(2010, 2020),
    "US-E": range(2004, 2005),
    "US-F": range(2002, 2006),
    "US-G": range(2001, 2004),
}
NAN_DAY = ("US-A", "2002-07-04")  # NEE removed here: must stay NaN
NO_COORDINATES = "US-E"  # a tower whose source does not state where it is


def tower_coordinates(site: str) -> tuple[float, float]:
    """A distinct made-up (latitude, longitude) per synthetic tower."""
    k = sorted(TOWER_YEARS).index(site)
    return 30.0 + 1.5 * k, -100.0 + 2.25 * k


def tower_frame(site: str, years) -> pd.DataFrame:
    rng = np.random.default_rng(abs(hash(site)) % 2**32)
    dates = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-12-31", freq="D")
    df = pd.DataFrame(
        {"source": "tower", "domain": "observation", "site_id": site, "experiment": -1, "date": dates}
    )
    df["experiment"] = df["experiment"].astype("int64")
    df["TMAX"] = (20 + 10 * rng.standard_normal(len(df))).astype(np.float32)
    df["TMIN"] = (df["TMAX"] - 8).astype(np.float32)
    df["PRECIP"] = rng.gamma(0.5, 4.0, len(df)).astype(np.float32)
    df["CROPLAND"] = np.float32(site.startswith("US"))
    df["GPP"] = rng.gamma(2.0, 2.0, len(df)).astype(np.float32)
    df["NEE"] = (rng.standard_normal(len(df)) - 0.5).astype(np.float32)
    df.loc[rng.random(len(df)) < 0.2, "GPP"] = np.nan  # gaps
    if site == NAN_DAY[0]:
        df.loc[df.date == NAN_DAY[1], "NEE"] = np.nan
    df = df[~((df.date.dt.month == 2) & (df.date.dt.day == 29))]
    if site != NO_COORDINATES:
        df["latitude"], df["longitude"] = tower_coordinates(site)
        df["igbp"] = "CRO"
    return df.reset_index(drop=True)


def tower_spec(overrides: dict[str, pd.DataFrame] | None = None) -> SourceSpec:
    overrides = overrides or {}

    def frames():
        for site, years in TOWER_YEARS.items():
            yield overrides.get(site, tower_frame(site, years))

    return SourceSpec(
        "co2",
        schema.Source.TOWER,
        frames,
        TOWER_INPUTS,
        TOWER_STATIC,
        TOWER_TARGETS,
        description="synthetic towers",
        license="CC BY 4.0",
        citation="@misc{towers, title={synthetic}}",
        n_folds=5,
    )


def sim_spec(n_counties: int = 4, years=range(2001, 2007)) -> SourceSpec:
    def frames():
        for c in range(n_counties):
            rng = np.random.default_rng(c)
            dates = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-12-31", freq="D")
            dates = dates[~((dates.month == 2) & (dates.day == 29))]
            parts = []
            for exp in range(2):
                df = pd.DataFrame({"site_id": f"county{c:02d}", "experiment": np.int64(exp), "date": dates})
                df["TMAX"] = rng.standard_normal(len(df)).astype(np.float32)
                df["N_FERT"] = np.float32(exp)
                df["SAND"] = np.float32(100 + c)
                df["NEE"] = rng.standard_normal(len(df)).astype(np.float32)
                parts.append(df)
            yield pd.concat(parts, ignore_index=True).assign(source="ecosys", domain="simulation")

    return SourceSpec(
        "ecosys",
        schema.Source.ECOSYS,
        frames,
        ("TMAX", "N_FERT"),
        ("SAND",),
        ("NEE",),
        license="CC BY 4.0",  # the official release's simulations
        n_folds=3,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "agroflux"
    return export_dataset([tower_spec(), sim_spec()], out, progress=False)


def test_a_source_stating_no_licence_is_not_given_one(tmp_path):
    """A card claims no licence a source does not give: none stated is the Hub's ``unknown``, and with a
    licensed source beside it ``other``, the terms in the card's Sources section."""
    from agroflux_hf.data.dataset_card import _hub_license

    unlicensed = dataclasses.replace(sim_spec(n_counties=3, years=range(2001, 2004)), license="")
    folder = export_dataset([unlicensed], tmp_path / "unlicensed", progress=False)
    front = yaml.safe_load((folder / "README.md").read_text().split("---")[1])
    assert front["license"] == "unknown"
    assert _hub_license([unlicensed, tower_spec()]) == "other"
    assert _hub_license([tower_spec()]) == "cc-by-4.0"


def test_folder_layout_and_card(exported):
    assert sorted(p.name for p in exported.iterdir()) == ["README.md", CONFIGS_FILE, "data"]
    card = (exported / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "cc-by-4.0"
    names = [c["config_name"] for c in front["configs"]]
    assert names == list_configs(exported)
    assert names[:2] == ["temporal_co2", "spatial_co2"] and "spatial_co2_fold4" in names
    assert "temporal_ecosys" in names and "spatial_ecosys_fold2" in names
    assert [c["config_name"] for c in front["configs"] if c.get("default")] == ["temporal_co2"]
    assert "2602.01614" in card and "| `NEE` | g C m-2 d-1 |" in card and "synthetic towers" in card
    assert "{{" not in card


def test_examples_are_written_once(exported):
    files = sorted((exported / "data").rglob("*.parquet"))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    tower_examples = sum(len(list(y)) for y in TOWER_YEARS.values())
    assert rows == tower_examples + 4 * 2 * 6
    for config in list_configs(exported):  # every config covers all examples exactly once
        info = config_info(config, exported)
        expected = tower_examples if config.endswith(("co2",)) or "_co2_" in config else 48
        assert sum(info.n_examples.values()) == expected


def test_load_by_absolute_path_and_torch_shapes(exported, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    ds = datasets.load_dataset(str(exported), "temporal_co2")
    assert set(ds) == {"train", "validation", "test"}
    feats = ds["train"].features
    assert isinstance(feats["past_values"], datasets.Array2D) and feats["past_values"].shape == (365, 3)
    assert isinstance(feats["target_values"], datasets.Array2D) and feats["target_values"].dtype == "float32"
    batch = ds["train"].with_format("torch")[:5]
    assert tuple(batch["past_values"].shape) == (5, 365, 3)
    assert tuple(batch["static_real_features"].shape) == (5, 1)
    assert tuple(batch["target_values"].shape) == (5, 365, 2)


def test_load_by_bare_name_from_the_parent_folder(exported, monkeypatch):
    monkeypatch.chdir(exported.parent)
    ds = datasets.load_dataset("agroflux", "spatial_co2")
    info = config_info("spatial_co2", exported)
    assert sorted(set(ds["test"]["site_id"])) == list(info.sites["test"])


def test_values_units_and_nan_are_the_frames(exported):
    ds = load_agroflux("temporal_co2", exported)
    found = 0
    for split in ds:
        for ex in ds[split].with_format("numpy"):
            if ex["site_id"] != "US-A" or ex["year"] != 2002:
                continue
            found += 1
            frame = tower_frame("US-A", TOWER_YEARS["US-A"])
            frame = frame[frame.date.dt.year == 2002].reset_index(drop=True)
            np.testing.assert_array_equal(ex["past_values"], frame[list(TOWER_INPUTS)].to_numpy(np.float32))
            np.testing.assert_array_equal(
                ex["target_values"], frame[list(TOWER_TARGETS)].to_numpy(np.float32)
            )
            day = pd.Timestamp(NAN_DAY[1]).day_of_year - 1
            assert np.isnan(ex["target_values"][day, 1])
            assert np.isnan(ex["target_values"][:, 0]).sum() == frame["GPP"].isna().sum() > 0
            assert ex["first_date"] == "2002-01-01" and ex["experiment"] == -1
            assert ex["static_real_features"].tolist() == [1.0]
    assert found == 1
    info = config_info("temporal_co2", exported)
    assert info.units["NEE"] == schema.unit("NEE") and info.units["TMAX"] == "degC"


@pytest.mark.parametrize("config", ["temporal_co2", "spatial_co2", "spatial_co2_fold3", "temporal_ecosys"])
def test_splits_are_disjoint_and_match_config_info(exported, config):
    ds = load_agroflux(config, exported)
    info = config_info(config, exported)
    pairs = {}
    for split in ds:
        pairs[split] = set(zip(ds[split]["site_id"], ds[split]["year"], ds[split]["experiment"], strict=True))
        expected = {(s, y) for s, ys in info.site_years[split].items() for y in ys}
        assert {(s, y) for s, y, _ in pairs[split]} == expected
        assert sorted({s for s, _, _ in pairs[split]}) == list(info.sites[split])
    splits = list(pairs)
    for i, a in enumerate(splits):
        for b in splits[i + 1 :]:
            assert not pairs[a] & pairs[b]
            assert not {(s, y) for s, y, _ in pairs[a]} & {(s, y) for s, y, _ in pairs[b]}
            if info.split == "spatial":
                assert not set(info.sites[a]) & set(info.sites[b])


def test_every_site_is_tested_once_across_spatial_folds(exported):
    for source, sites in (("co2", set(TOWER_YEARS)), ("ecosys", {f"county{c:02d}" for c in range(4)})):
        folds = [c for c in list_configs(exported) if c.startswith(f"spatial_{source}")]
        tested = [s for c in folds for s in config_info(c, exported).sites["test"]]
        assert sorted(tested) == sorted(sites)
        assert all(config_info(c, exported).sites["validation"] for c in folds)


def test_simulation_years_are_shared_by_all_sites(exported):
    info = config_info("temporal_ecosys", exported)
    assert info.years == {"train": (2001, 2002, 2003), "validation": (2004,), "test": (2005, 2006)}
    assert set(info.sites["test"]) == {f"county{c:02d}" for c in range(4)}


def test_stats_come_from_the_train_split_only(exported, tmp_path):
    info = config_info("temporal_co2", exported)
    train = load_agroflux("temporal_co2", exported)["train"].with_format("numpy")
    past = np.concatenate([x["past_values"] for x in train]).astype(np.float64)
    target = np.concatenate([x["target_values"] for x in train]).astype(np.float64)
    assert info.stats["inputs"]["TMAX"]["mean"] == pytest.approx(np.nanmean(past[:, 0]), rel=1e-9)
    assert info.stats["inputs"]["PRECIP"]["std"] == pytest.approx(np.nanstd(past[:, 2]), rel=1e-9)
    assert info.stats["targets"]["GPP"]["mean"] == pytest.approx(np.nanmean(target[:, 0]), rel=1e-9)
    assert info.stats["targets"]["GPP"]["std"] == pytest.approx(np.nanstd(target[:, 0]), rel=1e-9)

    # change a TEST-split value by a lot: the statistics must not move
    test_year = info.site_years["test"]["DE-D"][0]
    changed = tower_frame("DE-D", TOWER_YEARS["DE-D"])
    changed.loc[changed.date.dt.year == test_year, ["TMAX", "GPP"]] = np.float32(1e4)
    other = export_dataset([tower_spec({"DE-D": changed})], tmp_path / "changed", progress=False)
    assert config_info("temporal_co2", other).stats == info.stats
    spatial = config_info("spatial_co2", exported)
    if "DE-D" in spatial.sites["train"]:  # then the spatial statistics must move
        assert config_info("spatial_co2", other).stats != spatial.stats
    # and a TRAIN value does move them
    train_year = info.site_years["train"]["DE-D"][0]
    changed.loc[changed.date.dt.year == train_year, "TMAX"] = np.float32(1e4)
    third = export_dataset([tower_spec({"DE-D": changed})], tmp_path / "third", progress=False)
    assert config_info("temporal_co2", third).stats["inputs"]["TMAX"] != info.stats["inputs"]["TMAX"]


def test_failed_export_leaves_no_folder(tmp_path):
    def broken():
        yield tower_frame("US-A", TOWER_YEARS["US-A"])
        raise OSError("disk gone")

    spec = SourceSpec("co2", schema.Source.TOWER, broken, TOWER_INPUTS, TOWER_STATIC, TOWER_TARGETS)
    with pytest.raises(OSError, match="disk gone"):
        export_dataset([spec], tmp_path / "agroflux", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_all_nan_target_fails_the_export_naming_it(tmp_path):
    no_nee = {s: tower_frame(s, y).drop(columns=["NEE"]) for s, y in TOWER_YEARS.items()}
    with pytest.raises(SchemaError, match=r"'co2'.*NEE"):
        export_dataset([tower_spec(no_nee)], tmp_path / "agroflux", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_overwrite_is_refused_then_atomic(tmp_path):
    out = tmp_path / "agroflux"
    export_dataset([sim_spec(3)], out, progress=False)
    with pytest.raises(FileExistsError, match="overwrite"):
        export_dataset([sim_spec(3)], out, progress=False)
    export_dataset([sim_spec(5)], out, overwrite=True, progress=False)
    assert json.loads((out / CONFIGS_FILE).read_text())["sources"]["ecosys"]["n_sites"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agroflux"]


def test_simulation_site_outside_the_years_is_an_error(tmp_path):
    spec = sim_spec()
    first = list(spec.frames())
    late = first[1].copy()
    late["date"] = late["date"] + pd.DateOffset(years=3)
    bad = SourceSpec(
        "ecosys", spec.source, lambda: iter([first[0], late]), ("TMAX", "N_FERT"), ("SAND",), ("NEE",)
    )
    with pytest.raises(SchemaError, match="outside the simulation"):
        export_dataset([bad], tmp_path / "x", progress=False)


def test_unknown_config_lists_the_available_ones(exported):
    with pytest.raises(KeyError, match="temporal_co2"):
        load_agroflux("temporal_nope", exported)
    with pytest.raises(KeyError, match="spatial_ecosys_fold2"):
        config_info("nope", exported)


def test_data_dir_resolution(exported, monkeypatch, tmp_path):
    monkeypatch.setenv("AGROFLUX_DATA_DIR", str(exported))
    assert resolve_data_dir() == exported
    assert list_configs() == list_configs(exported)
    with pytest.raises(DataFileError, match=CONFIGS_FILE):
        resolve_data_dir(tmp_path)


def test_export_cli_is_registered():
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    from agroflux_hf.commands import data_export

    data_export.register(sub)
    args = parser.parse_args(
        ["export", "--release", "R", "--out", "O", "--subsets", "co2,n2o", "--overwrite"]
    )
    assert args.func is data_export.run and args.overwrite and args.subsets == "co2,n2o"


def test_tiny_release_exports_and_every_config_loads(tmp_path):
    """End to end: official release layout -> reader -> export -> load_dataset of every config."""
    release_fixture = pytest.importorskip("release_fixture")
    release_module = pytest.importorskip("agroflux_hf.data.sources.release")
    tiny = release_fixture.make_tiny_release(
        tmp_path / "release", n_counties=3, mw_years=3, dc_years=3, n_chambers=3, tower_years=(2, 1, 3)
    )
    specs = release_module.release_source_specs(tiny.root)
    assert [s.name for s in specs] == ["ecosys", "daycent", "n2o", "co2"]
    out = export_dataset(specs, tmp_path / "agroflux", progress=False)
    configs = list_configs(out)
    for name in ("ecosys", "daycent", "n2o", "co2"):
        assert f"temporal_{name}" in configs and f"spatial_{name}" in configs
    for config in configs:
        ds = datasets.load_dataset(str(out), config)
        info = config_info(config, out)
        assert sum(d.num_rows for d in ds.values()) == sum(info.n_examples.values())
        for split, d in ds.items():
            assert sorted(set(d["site_id"])) == list(info.sites[split])
            assert d.features["past_values"].shape == (365, len(info.input_names))
    # physical values in, physical values out: Ecosys county 1, regime 7, second year
    ds = load_agroflux("temporal_ecosys", out)
    rows = [
        ex
        for split in ds
        for ex in ds[split].with_format("numpy")
        if ex["site_id"] == "county_001" and ex["experiment"] == 7 and ex["year"] == 2002
    ]
    assert len(rows) == 1
    expected = tiny.expected["ecosys"][0]
    site, days = 1 * 20 + 7, slice(365, 730)
    info = config_info("temporal_ecosys", out)
    cols = [layout.release_column(n).index for n in info.input_names]
    np.testing.assert_allclose(
        rows[0]["past_values"], expected.inputs[days, site][:, cols], rtol=1e-5, atol=1e-4
    )
    tcols = [expected.target_names.index(n) for n in info.target_names]
    np.testing.assert_allclose(
        rows[0]["target_values"], expected.targets[days, site][:, tcols], rtol=1e-5, atol=1e-4
    )
    assert rows[0]["first_date"] == "2002-01-01"
    # towers carry no year in the release: first_date is empty
    co2 = load_agroflux("temporal_co2", out)
    assert set(co2["train"]["first_date"]) == {""}


_FULL_SIZE_CHILD = """
import sys, resource, numpy as np, pandas as pd
sys.path.insert(0, {repo!r})
from agroflux_hf import schema
from agroflux_hf.data.sources import release_layout as layout
from agroflux_hf.data.builder import SourceSpec
from agroflux_hf.data.export import export_dataset

INPUTS = schema.dynamic_input_names(layout.RELEASE_INPUT_NAMES)
STATICS = schema.static_input_names(layout.RELEASE_INPUT_NAMES)
dates = pd.date_range("2001-01-01", "2018-12-31", freq="D")
dates = dates[~((dates.month == 2) & (dates.day == 29))]

def frames():
    rng = np.random.default_rng(0)
    for county in range(99):  # the Ecosys release: 99 counties x 20 regimes x 18 years
        n = 20 * len(dates)
        data = {{"site_id": f"county_{{county:03d}}", "experiment": np.repeat(np.arange(20), len(dates)),
                "date": np.tile(dates.values, 20)}}
        for name in INPUTS + layout.RELEASE_TARGET_NAMES:
            data[name] = rng.standard_normal(n, dtype=np.float32)
        for name in STATICS:
            data[name] = np.float32(rng.random())
        yield pd.DataFrame(data)

spec = SourceSpec("ecosys", schema.Source.ECOSYS, frames, INPUTS, STATICS, layout.RELEASE_TARGET_NAMES, n_sites=99)
export_dataset([spec], {out!r}, progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_full_size_ecosys_export_peak_rss_under_2gb(tmp_path):
    """1980 site-experiments x 18 years stream through the exporter in well under 2 GB of RAM."""
    import subprocess
    import sys

    code = _FULL_SIZE_CHILD.format(
        repo=str(Path(__file__).resolve().parents[1]), out=str(tmp_path / "agroflux")
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_kib = int(result.stdout.strip().splitlines()[-1])
    assert peak_kib < 2 * 1024 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"
    info = config_info("temporal_ecosys", tmp_path / "agroflux")
    assert sum(info.n_examples.values()) == 1980 * 18


def test_cli_exports_a_tiny_release(tmp_path, capsys):
    release_fixture = pytest.importorskip("release_fixture")
    pytest.importorskip("agroflux_hf.data.sources.release")
    from agroflux_hf.cli import main

    root = release_fixture.write_tiny_release(tmp_path / "release", subsets=("co2", "n2o"))
    out = tmp_path / "agroflux"
    argv = [
        "data",
        "export",
        "--release",
        str(root),
        "--out",
        str(out),
        "--subsets",
        "co2,n2o",
        "--no-progress",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(out.resolve())
    assert sorted(c for c in list_configs(out) if c.startswith("temporal")) == [
        "temporal_co2",
        "temporal_n2o",
    ]
    assert main(argv) == 1  # refuses to overwrite, says why
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports (``import x`` and ``from x import y``), read with ast."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_reader_does_not_import_the_writer():
    """loading.py takes the folder format from folder_format.py, never from the exporter."""
    from agroflux_hf.data import folder_format, loading

    assert "agroflux_hf.data.export" not in _imported_modules(Path(loading.__file__))
    assert "agroflux_hf.data.folder_format" in _imported_modules(Path(loading.__file__))
    assert "agroflux_hf.data.export" not in _imported_modules(Path(folder_format.__file__))


def test_configs_document_with_another_format_version_is_refused(tmp_path):
    from agroflux_hf.data.folder_format import read_configs_document, write_configs_document

    write_configs_document(tmp_path, {"format_version": 999, "configs": {}})
    with pytest.raises(DataFileError, match="format_version 999"):
        read_configs_document(tmp_path)
    (tmp_path / CONFIGS_FILE).write_text("{not json")
    with pytest.raises(DataFileError, match="not valid JSON"):
        read_configs_document(tmp_path)


def test_site_attributes_travel_in_the_configs_file(exported):
    info = config_info("spatial_co2_fold1", exported)
    config_sites = {s for sites in info.sites.values() for s in sites}
    assert set(info.site_attributes) == config_sites
    site = next(s for s in sorted(config_sites) if s != NO_COORDINATES)
    assert info.site_attributes[site] == {
        "latitude": tower_coordinates(site)[0],
        "longitude": tower_coordinates(site)[1],
        "elevation": pytest.approx(float("nan"), nan_ok=True),  # no column: unknown, NaN
        "igbp": "CRO",
    }
    assert site_attributes("temporal_co2", exported)[site]["latitude"] == tower_coordinates(site)[0]
    unknown = site_attributes("temporal_co2", exported)[NO_COORDINATES]
    assert np.isnan(unknown["latitude"]) and np.isnan(unknown["longitude"]) and "igbp" not in unknown
    coordinates = config_info("temporal_co2", exported).site_coordinates
    assert set(coordinates) == set(TOWER_YEARS) - {NO_COORDINATES}
    # a simulation without coordinates: every coordinate NaN, none to map
    assert config_info("temporal_ecosys", exported).site_coordinates == {}
    document = json.loads((exported / CONFIGS_FILE).read_text())
    assert document["configs"]["temporal_co2"]["site_attributes"][NO_COORDINATES]["latitude"] is None


def test_a_folder_without_site_attributes_still_loads(exported, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(exported, old)
    document = json.loads((old / CONFIGS_FILE).read_text())
    for entry in document["configs"].values():
        del entry["site_attributes"]
    (old / CONFIGS_FILE).write_text(json.dumps(document))
    assert site_attributes("temporal_co2", old) == {}
    assert config_info("temporal_co2", old).site_coordinates == {}
    assert len(load_agroflux("temporal_co2", old)["train"]) > 0


def test_an_export_in_place_with_files_of_the_same_size_is_not_read_from_the_old_cache(tmp_path):
    """datasets keys a local folder's cache on its README and paths: a corrected value in files of the
    same size was served from the old Arrow cache until every export forgot the caches of its path."""

    def constant_spec(value: float) -> SourceSpec:
        def frames():
            for site in range(4):
                dates = pd.date_range("2001-01-01", "2004-12-31")
                yield pd.DataFrame(
                    {"site_id": f"S{site}", "experiment": -1, "date": dates, "TA": np.arange(len(dates), dtype=float),
                     "NEE": np.full(len(dates), value + site)}
                )  # fmt: skip

        return SourceSpec("x", schema.Source.TOWER, frames, ("TA",), (), ("NEE",))

    out = tmp_path / "AgroFlux"  # datasets snake-cases the name of its cache folder: agro_flux
    export_dataset([constant_spec(1.0)], out, progress=False)
    before = np.asarray(load_agroflux("temporal_x", out)["train"]["target_values"], dtype=np.float32)
    readme = (out / "README.md").read_text()
    export_dataset([constant_spec(7.0)], out, overwrite=True, progress=False)
    assert (out / "README.md").read_text() == readme  # the same key for datasets
    after = np.asarray(load_agroflux("temporal_x", out)["train"]["target_values"], dtype=np.float32)
    assert np.nanmax(after) == np.nanmax(before) + 6.0
    shutil.rmtree(out)  # deleted by hand, then exported again: no replacement for the export to notice
    export_dataset([constant_spec(3.0)], out, progress=False)
    again = np.asarray(load_agroflux("temporal_x", out)["train"]["target_values"], dtype=np.float32)
    assert np.nanmax(again) == np.nanmax(before) + 2.0
