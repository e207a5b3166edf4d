"""`agroflux data publish` leaves out a source whose terms forbid redistribution (configs, files, card
entries), says which and why, publishes the rest, and what is published loads back by repo id."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import yaml
from huggingface_hub import DatasetCard

from agroflux_hf.cli import build_parser
from agroflux_hf.data.export import export_dataset
from agroflux_hf.data.folder_format import CARD_FILE, CONFIGS_FILE
from agroflux_hf.data.loading import config_info, list_configs, load_agroflux
from agroflux_hf.data.publishing import publish_dataset
from agroflux_hf.data.redistribution import left_out_sources
from tests.hub_fake import FakeHub, fake_hub  # noqa: F401  (the fixture)
from tests.test_export_load import sim_spec, tower_spec

REPO = "org/agroflux-partly-closed"
CLOSED = "written permission required for publication"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Towers whose terms allow publishing, and a simulation whose terms forbid it."""
    specs = [
        dataclasses.replace(tower_spec(), redistributable="yes"),
        dataclasses.replace(sim_spec(), redistributable="no", license=CLOSED),
    ]
    return export_dataset(specs, tmp_path_factory.mktemp("closed") / "agroflux", progress=False)


def front_matter(card: str) -> dict:
    return yaml.safe_load(card.split("---\n")[1])


def test_the_forbidden_source_is_found_with_its_configs_and_files(folder):
    (left,) = left_out_sources(folder)
    assert left.source == "ecosys" and CLOSED in left.reason
    assert set(left.configs) == {c for c in list_configs(folder) if c.endswith("ecosys") or "ecosys_" in c}
    assert left.files and all(f.startswith("data/ecosys/") for f in left.files)
    assert len(left.files) == len(list((folder / "data" / "ecosys").rglob("*.parquet")))


def test_publish_leaves_it_out_says_why_and_the_rest_loads_back(fake_hub, folder, caplog):  # noqa: F811
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.data.publishing"):
        publish_dataset(folder, REPO)
    (warning,) = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert "'ecosys'" in warning and "forbid redistribution" in warning and CLOSED in warning
    files = set(fake_hub.files(REPO))
    assert not any(f.startswith("data/ecosys/") for f in files)
    assert any(f.startswith("data/co2/") for f in files)
    head = fake_hub.repos[REPO].commits[fake_hub.repos[REPO].branches["main"]]
    assert "left out source 'ecosys'" in head.description and "- ecosys" not in head.description
    # the index and the card describe exactly what was sent
    document = json.loads(fake_hub.files(REPO)[CONFIGS_FILE])
    assert set(document["sources"]) == {"co2"} and all("ecosys" not in c for c in document["configs"])
    card = fake_hub.files(REPO)[CARD_FILE].decode()
    meta = front_matter(card)
    assert {c["config_name"] for c in meta["configs"]} == set(document["configs"])
    assert {c["config_name"] for c in meta["dataset_info"]} == set(document["configs"])
    assert meta["license"] == "cc-by-4.0" and "license_name" not in meta  # only the open source's licence
    referenced = {p for c in meta["configs"] for s in c["data_files"] for p in s["path"]}
    assert referenced <= files
    assert "`ecosys` is not in this repository" in card and CLOSED in card
    assert "### `ecosys`" not in card and "`temporal_ecosys`" not in card and "| `N_FERT` |" not in card
    assert "from the sources `co2`:" in card
    DatasetCard(card)  # the Hub parses it
    # loads back by repo id, the same as the local folder
    assert list_configs(REPO) == [c for c in list_configs(folder) if "ecosys" not in c]
    assert config_info("spatial_co2", REPO).stats == config_info("spatial_co2", folder).stats
    hub, local = load_agroflux("temporal_co2", REPO), load_agroflux("temporal_co2", folder)
    for split in local:
        np.testing.assert_array_equal(
            np.asarray(hub[split].with_format("numpy")["target_values"]),
            np.asarray(local[split].with_format("numpy")["target_values"]),
        )


def test_the_default_config_moves_when_its_source_is_left_out(tmp_path, fake_hub):  # noqa: F811
    specs = [
        dataclasses.replace(sim_spec(), redistributable="no", license=CLOSED),
        dataclasses.replace(tower_spec(), redistributable="yes"),
    ]
    folder = export_dataset(specs, tmp_path / "closed-first", progress=False)
    assert json.loads((folder / CONFIGS_FILE).read_text())["default"] == "temporal_ecosys"
    publish_dataset(folder, REPO)
    document = json.loads(fake_hub.files(REPO)[CONFIGS_FILE])
    meta = front_matter(fake_hub.files(REPO)[CARD_FILE].decode())
    assert document["default"] == "temporal_co2"
    assert [c["config_name"] for c in meta["configs"] if c.get("default")] == ["temporal_co2"]
    assert "Default config: `temporal_co2`." in fake_hub.files(REPO)[CARD_FILE].decode()


def test_cli_dry_run_reports_what_was_left_out(folder, tmp_path, capsys):
    parser = build_parser()
    out = tmp_path / "upload"
    args = parser.parse_args(["data", "publish", str(folder), "--repo-id", REPO, "--dry-run", str(out)])
    assert args.func(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (
        set(report["left_out"]) == {"ecosys"}
        and "forbid redistribution" in report["left_out"]["ecosys"]["reason"]
    )
    assert "temporal_ecosys" in report["left_out"]["ecosys"]["configs"]
    assert not (out / "data" / "ecosys").exists() and (out / "data" / "co2").is_dir()
    assert (folder / "data" / "ecosys").is_dir()  # the local folder is untouched
    assert "ecosys" in json.loads((folder / CONFIGS_FILE).read_text())["sources"]
