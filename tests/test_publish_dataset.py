"""`agroflux data publish`: what may leave the machine follows each source's stated terms (fake Hub)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from agroflux_hf.cli import build_parser
from agroflux_hf.data.default import default_source_specs
from agroflux_hf.data.export import export_dataset
from agroflux_hf.data.folder_format import CONFIGS_FILE
from agroflux_hf.data.publishing import check_redistribution, publish_dataset, redistribution_flags
from agroflux_hf.publish import PublishError
from tests.test_export_load import tower_spec


class FakeHub:
    """Records the calls an HfApi would get; 'uploads' by listing the folder."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo_id: str, **kwargs):
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, *, folder_path: str, **kwargs):
        files = sorted(
            p.relative_to(folder_path).as_posix() for p in Path(folder_path).rglob("*") if p.is_file()
        )
        self.calls.append(("upload_folder", {"files": files, **kwargs}))
        return type("Commit", (), {"commit_url": f"https://hub.example/{kwargs['repo_id']}/commit/1"})()


def export_with(tmp_path: Path, flag: str) -> Path:
    terms = ({"key": "k", "title": "synthetic", "licence": "x", "redistributable": flag, "columns": []},)
    spec = dataclasses.replace(tower_spec(), terms=terms, redistributable=flag)
    return export_dataset([spec], tmp_path / f"ds-{flag}", progress=False)


def test_flags_reach_the_folder_and_the_card(tmp_path):
    folder = export_with(tmp_path, "unstated")
    assert redistribution_flags(folder) == {"co2": "unstated"}
    document = json.loads((folder / CONFIGS_FILE).read_text())
    assert document["sources"]["co2"]["terms"][0]["key"] == "k"
    assert "may be redistributed: not stated" in (folder / "README.md").read_text()


def test_yes_uploads_the_folder_as_a_dataset_repo(tmp_path):
    folder = export_with(tmp_path, "yes")
    hub = FakeHub()
    url = publish_dataset(folder, "org/agroflux", api=hub)
    assert url.endswith("/commit/1")
    (create, kwargs), (upload, upload_kwargs) = hub.calls
    assert create == "create_repo" and kwargs["repo_type"] == "dataset" and "private" not in kwargs
    assert upload == "upload_folder" and upload_kwargs["repo_type"] == "dataset"
    assert {CONFIGS_FILE, "README.md"} <= set(upload_kwargs["files"])
    assert any(f.endswith(".parquet") for f in upload_kwargs["files"])


def test_a_folder_of_only_forbidden_sources_is_refused_and_nothing_is_sent(tmp_path):
    folder = export_with(tmp_path, "no")
    hub = FakeHub()
    with pytest.raises(PublishError, match=r"\['co2'\].*forbid redistribution.*no other source remains"):
        publish_dataset(folder, "org/agroflux", api=hub, allow_unstated=True)
    assert hub.calls == []


def test_unstated_needs_explicit_permission(tmp_path):
    folder = export_with(tmp_path, "unstated")
    with pytest.raises(PublishError, match="--allow-unstated"):
        check_redistribution(folder)
    hub = FakeHub()
    publish_dataset(folder, "org/agroflux", api=hub, allow_unstated=True, private=True)
    assert hub.calls[0][1]["private"] is True


def test_dry_run_copies_the_folder_and_cli_errors_are_one_line(tmp_path, capsys):
    folder = export_with(tmp_path, "yes")
    parser = build_parser()
    args = parser.parse_args(
        ["data", "publish", str(folder), "--repo-id", "org/x", "--dry-run", str(tmp_path / "out")]
    )
    assert args.func(args) == 0
    assert (tmp_path / "out" / CONFIGS_FILE).is_file()
    args = parser.parse_args(
        ["data", "publish", str(tmp_path), "--repo-id", "org/x", "--dry-run", str(tmp_path / "o2")]
    )
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert "not an exported AgroFlux dataset folder" in err and "Traceback" not in err


def test_embedded_tables_carry_their_terms():
    """Towers: CC BY 4.0 fluxes, but the ICOS field operations state no licence; chambers and the DSSAT
    simulations (Arlington's weather): UW AWON states none; the simulations' SoilGrids + HC27 soil
    profiles: no terms found either."""
    specs = {s.name: s for s in default_source_specs()}
    assert specs["co2"].redistributable == "unstated"
    assert {t["key"]: t["redistributable"] for t in specs["co2"].terms}["icos_field_operations"] == "unstated"
    assert specs["n2o"].redistributable == "unstated"
    simulations = [s for s in specs.values() if s.domain == "simulation"]
    assert simulations and all(s.redistributable == "unstated" for s in simulations)
    for spec in simulations:
        flags = {t["key"]: t["redistributable"] for t in spec.terms}
        assert flags["uw_awon"] == "unstated" and flags["agroflux_dssat"] == "yes"
        assert {k for k, f in flags.items() if f != "yes"} == {"uw_awon", "soilgrids_hc27_dssat"}
