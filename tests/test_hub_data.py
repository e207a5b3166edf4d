"""Datasets on the Hub: publish a folder to a fake Hub, load it back by repo id (API and CLI), offline."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import huggingface_hub
import numpy as np
import pytest
import yaml

from agroflux_hf.cli import build_parser
from agroflux_hf.data import hub as data_hub
from agroflux_hf.data.export import export_dataset
from agroflux_hf.data.folder_format import CARD_FILE, CONFIGS_FILE
from agroflux_hf.data.hub import HUB_PREFIX, HubDataError, locate_data
from agroflux_hf.data.loading import config_info, list_configs, load_agroflux
from agroflux_hf.data.publishing import publish_dataset
from agroflux_hf.errors import DataFileError
from tests.hub_fake import FakeHub, fake_hub  # noqa: F401  (the fixture)
from tests.test_export_load import sim_spec, tower_spec

REAL_DOWNLOAD = data_hub.download_snapshot
REPO = "org/agroflux-test"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A small two-source export whose terms allow publishing."""
    specs = [dataclasses.replace(s, redistributable="yes") for s in (tower_spec(), sim_spec())]
    return export_dataset(specs, tmp_path_factory.mktemp("hubdata") / "agroflux", progress=False)


@pytest.fixture
def published(fake_hub: FakeHub, folder: Path) -> FakeHub:  # noqa: F811
    publish_dataset(folder, REPO)
    return fake_hub


def test_publish_creates_a_dataset_repo_with_message_and_description(fake_hub, folder):  # noqa: F811
    url = publish_dataset(folder, REPO, commit_message="AgroFlux v1")
    repo = fake_hub.repos[REPO]
    assert repo.repo_type == "dataset" and repo.private is None  # left to the organisation's default
    head = repo.commits[repo.branches["main"]]
    assert url.endswith(head.oid) and head.message == "AgroFlux v1"
    assert "temporal_co2" in head.description and "redistributable: yes" in head.description
    local = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(set(fake_hub.files(REPO)) - {".gitattributes"}) == local
    assert fake_hub.files(REPO)[CARD_FILE] == (folder / CARD_FILE).read_bytes()


def test_load_by_repo_id_equals_the_local_folder(published, folder):
    assert list_configs(REPO) == list_configs(folder)
    info = config_info("spatial_co2", REPO)
    local = config_info("spatial_co2", folder)
    assert (info.repo_id, info.revision) == (REPO, None)
    assert info.input_names == local.input_names and info.stats == local.stats and info.sites == local.sites
    assert info.data_dir != folder and (info.data_dir / CONFIGS_FILE).is_file()
    hub_ds, local_ds = load_agroflux("spatial_co2", REPO), load_agroflux("spatial_co2", folder)
    assert set(hub_ds) == set(local_ds)
    for split in local_ds:
        a = np.asarray(hub_ds[split].with_format("numpy")["target_values"])
        b = np.asarray(local_ds[split].with_format("numpy")["target_values"])
        np.testing.assert_array_equal(a, b)  # NaN where missing on both sides
        assert hub_ds[split]["site_id"] == local_ds[split]["site_id"]


def test_only_the_files_of_the_asked_config_are_downloaded(published, folder):
    document = json.loads((folder / CONFIGS_FILE).read_text())
    load_agroflux("temporal_ecosys", REPO)
    fetched = {f.split(":", 1)[1] for f in published.downloaded}
    wanted = {
        f
        for c in ("temporal_ecosys", "temporal_co2")
        for s in document["configs"][c]["splits"].values()
        for f in s["data_files"]
    }  # the card's first config: datasets resolves its files
    assert fetched == wanted | {CONFIGS_FILE, CARD_FILE}
    every_parquet = {p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")}
    assert fetched & every_parquet == wanted  # all files here are in those two configs, in this fixture
    assert ".gitattributes" not in fetched


def test_a_revision_is_a_branch_or_the_at_suffix(fake_hub, folder, tmp_path):  # noqa: F811
    publish_dataset(folder, REPO)
    changed = tmp_path / "v2"
    shutil.copytree(folder, changed)
    document = json.loads((changed / CONFIGS_FILE).read_text())
    document["configs"]["temporal_co2"]["stats"]["targets"]["NEE"]["mean"] = 123.0
    (changed / CONFIGS_FILE).write_text(json.dumps(document))
    publish_dataset(changed, REPO, revision="v2")
    assert config_info("temporal_co2", REPO).stats["targets"]["NEE"]["mean"] != 123.0
    assert config_info("temporal_co2", REPO, revision="v2").stats["targets"]["NEE"]["mean"] == 123.0
    assert config_info("temporal_co2", f"{REPO}@v2").stats["targets"]["NEE"]["mean"] == 123.0
    assert config_info("temporal_co2", f"{HUB_PREFIX}{REPO}@v2").revision == "v2"
    with pytest.raises(HubDataError, match="two revisions"):
        config_info("temporal_co2", f"{REPO}@v2", revision="main")


def test_create_pr_leaves_the_branch_alone(fake_hub, folder):  # noqa: F811
    publish_dataset(folder, REPO)
    before = fake_hub.repos[REPO].branches["main"]
    url = publish_dataset(folder, REPO, create_pr=True, private=True)
    assert url.endswith("/discussions/1") and fake_hub.repos[REPO].branches["main"] == before
    assert len(fake_hub.repos[REPO].pulls) == 1


def test_offline_uses_the_cached_snapshot_and_says_what_is_missing(published, folder, monkeypatch):
    load_agroflux("temporal_co2", REPO)  # online once: caches the index and this config's files
    monkeypatch.setattr(data_hub, "download_snapshot", REAL_DOWNLOAD)
    assert huggingface_hub.constants.HF_HUB_OFFLINE  # conftest: the tests never reach the network
    ds = load_agroflux("temporal_co2", REPO)  # the real client, offline, from the cache
    assert len(ds["train"]) == config_info("temporal_co2", REPO).n_examples["train"]
    with pytest.raises(
        HubDataError, match=r"config spatial_ecosys_fold1 not in the cached snapshot.*HF_HUB_OFFLINE is set"
    ):
        load_agroflux("spatial_ecosys_fold1", REPO)
    with pytest.raises(
        HubDataError, match=r"org/never-downloaded: not in the local Hub cache.*online"
    ) as err:
        list_configs("org/never-downloaded")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "repo_id", "revision"),
    [
        ("org/name", "org/name", None),
        ("org/name@v1.0", "org/name", "v1.0"),
        ("org/name@refs/pr/3", "org/name", "refs/pr/3"),
        (f"{HUB_PREFIX}org/name", "org/name", None),
    ],
)
def test_repo_ids_are_recognised(text, repo_id, revision, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    location = locate_data(text)
    assert (location.repo_id, location.revision, location.folder) == (repo_id, revision, None)


def test_folders_and_bare_words(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(folder.parent)
    assert locate_data("agroflux").folder == folder  # an existing folder, written as a path or not
    assert locate_data("./agroflux").folder == folder
    assert locate_data(folder).folder == folder
    monkeypatch.chdir(tmp_path)
    with pytest.raises(HubDataError, match=r"'agroflux' is neither.*\./agroflux.*ORG/agroflux"):
        locate_data("agroflux")
    with pytest.raises(DataFileError, match="no such folder"):
        locate_data("./agroflux")
    (tmp_path / "org" / "name").mkdir(parents=True)  # a folder shadowing a repo id, not an export
    with pytest.raises(DataFileError, match=rf"not an AgroFlux dataset folder.*{HUB_PREFIX}org/name"):
        locate_data("org/name")
    assert locate_data(f"{HUB_PREFIX}org/name").repo_id == "org/name"
    with pytest.raises(HubDataError, match="Hub repo ids only"):
        locate_data(folder, revision="v1")


def test_env_variable_may_name_a_repo(published, monkeypatch):
    monkeypatch.setenv("AGROFLUX_DATA_DIR", REPO)
    assert config_info("temporal_co2").repo_id == REPO


def test_cli_publish_options_reach_the_hub(fake_hub, folder, capsys):  # noqa: F811
    parser = build_parser()
    args = parser.parse_args(
        [
            "data",
            "publish",
            str(folder),
            "--repo-id",
            REPO,
            "--revision",
            "staging",
            "--private",
            "--commit-message",
            "first",
            "--commit-description",
            "why",
        ]
    )
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    repo = fake_hub.repos[REPO]
    head = repo.commits[repo.branches["staging"]]
    assert (head.message, head.description, repo.private) == ("first", "why", True)
    assert printed["revision"] == "staging" and printed["commit_url"].endswith(head.oid)
    assert repo.branches["main"] != head.oid
    args = parser.parse_args(["data", "publish", str(folder), "--repo-id", REPO, "--create-pr"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["pr_url"].endswith("/discussions/1")


def test_cli_train_and_evaluate_on_a_hub_dataset(published, tmp_path, capsys):
    from agroflux_hf.cli import main

    (tmp_path / "args.json").write_text(json.dumps({"epochs": 1, "batch_size": 8, "eval_batch_size": 8}))
    out = tmp_path / "run"
    code = main(
        [
            *("train", "--task", "t1", "--model", "lstm", "--config", "temporal_co2", "--data-dir", REPO),
            *("--output-dir", str(out), "--args-file", str(tmp_path / "args.json")),
            *("--model-override", "hidden_size=8", "--model-override", "num_hidden_layers=1"),
        ]
    )
    assert code == 0
    assert json.loads((out / "run_config.json").read_text())["data_dir"] == REPO
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["test"]) <= {"GPP", "NEE"} and metrics["test"]
    capsys.readouterr()
    score_file = tmp_path / "scores.json"
    argv = ["evaluate", str(out / "best_model"), "--config", "temporal_co2", "--data-dir", REPO]
    assert main([*argv, "--output", str(score_file)]) == 0
    scores = json.loads(score_file.read_text())
    assert scores["NEE"]["pooled"]["n"] == metrics["test"]["NEE"]["pooled"]["n"]


# ---------------------------------------------------------------- the dataset card's Hub metadata
def front_matter(folder: Path) -> dict:
    return yaml.safe_load((folder / CARD_FILE).read_text().split("---\n")[1])


def test_card_dataset_info_matches_the_folder(folder):
    front = front_matter(folder)
    infos = {item["config_name"]: item for item in front["dataset_info"]}
    assert list(infos) == list_configs(folder)
    assert front["size_categories"] == ["n<1K"]  # 28 tower + 48 simulated examples
    assert front["license"] == "cc-by-4.0" and "license_name" not in front
    for config, item in infos.items():
        info = config_info(config, folder)
        assert {s["name"]: s["num_examples"] for s in item["splits"]} == {
            s: n for s, n in info.n_examples.items() if n
        }
        assert all(s["num_bytes"] > 0 for s in item["splits"])
        features = {f["name"]: f for f in item["features"]}
        assert features["past_values"]["dtype"]["array2_d"]["shape"] == [365, len(info.input_names)]
        assert features["target_values"]["dtype"]["array2_d"]["shape"] == [365, len(info.target_names)]
        assert features["static_real_features"]["length"] == len(info.static_names)
        files = {
            f
            for s in json.loads((folder / CONFIGS_FILE).read_text())["configs"][config]["splits"].values()
            for f in s["data_files"]
        }
        assert item["download_size"] == sum((folder / f).stat().st_size for f in files)


def test_datasets_reads_the_card_split_sizes(folder, tmp_path):
    """datasets checks the card's num_examples when it loads: a wrong count is caught, not ignored."""
    import datasets

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    card = (copy / CARD_FILE).read_text()
    front = front_matter(copy)
    front["dataset_info"][0]["splits"][0]["num_examples"] += 1
    body = card.split("---\n", 2)[2]
    (copy / CARD_FILE).write_text("---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n" + body)
    with pytest.raises(datasets.exceptions.NonMatchingSplitsSizesError):
        load_agroflux(front["dataset_info"][0]["config_name"], copy)


def test_card_names_every_array_column_with_its_unit(folder):
    from agroflux_hf import schema

    card = (folder / CARD_FILE).read_text()
    for config in ("temporal_co2", "spatial_ecosys_fold2"):
        info = config_info(config, folder)
        for i, name in enumerate(info.input_names):
            assert f"| `past_values[..., {i}]` | `{name}` | {schema.unit(name) or '-'} |" in card
        for i, name in enumerate(info.static_names):
            assert f"| `static_real_features[{i}]` | `{name}` | {schema.unit(name) or '-'} |" in card
        for i, name in enumerate(info.target_names):
            assert f"| `target_values[..., {i}]` | `{name}` | {schema.unit(name) or '-'} |" in card
    assert "### `temporal_ecosys`, `spatial_ecosys`, `spatial_ecosys_fold<k>` (k = 1-2)" in card


def test_other_licence_gets_a_name_and_a_link(tmp_path):
    specs = [
        dataclasses.replace(tower_spec(), license="CC0 (public domain dedication)"),
        dataclasses.replace(sim_spec(), license="CC BY 4.0"),
    ]
    front = front_matter(export_dataset(specs, tmp_path / "mixed", progress=False))
    assert front["license"] == "other"
    assert front["license_name"] == "agroflux-source-terms" and front["license_link"] == "README.md#sources"


@pytest.mark.parametrize(
    ("n", "bucket"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (123_456, "100K<n<1M")]
)
def test_size_categories(n, bucket):
    from agroflux_hf.data.dataset_card import size_category

    assert size_category(n) == bucket


def test_default_export_cache_lives_under_hf_home(monkeypatch, tmp_path):
    from agroflux_hf.data.default import default_cache_root

    monkeypatch.delenv("AGROFLUX_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert default_cache_root() == tmp_path / "hf" / "agroflux"
    monkeypatch.setenv("AGROFLUX_CACHE", str(tmp_path / "mine"))
    assert default_cache_root() == tmp_path / "mine"


def test_cli_adversarial_run_takes_both_configs_from_the_hub(published, tmp_path):
    """t2-adversarial reads its --source-config (simulation) from the same --data-dir repo."""
    from agroflux_hf.cli import main

    (tmp_path / "args.json").write_text(json.dumps({"epochs": 1, "batch_size": 8, "eval_batch_size": 8}))
    out = tmp_path / "dann"
    code = main(
        [
            *("train", "--task", "t2-adversarial", "--model", "lstm", "--config", "temporal_co2"),
            *("--source-config", "temporal_ecosys", "--data-dir", REPO, "--output-dir", str(out)),
            *("--args-file", str(tmp_path / "args.json"), "--model-override", "hidden_size=8"),
        ]
    )
    assert code == 0
    run = json.loads((out / "run_config.json").read_text())
    assert (run["data_dir"], run["source_config"]) == (REPO, "temporal_ecosys")
    fetched = {f.split(":", 1)[1] for f in published.downloaded}
    assert any(f.startswith("data/ecosys/") for f in fetched) and any(
        f.startswith("data/co2/") for f in fetched
    )


def test_cli_data_dir_errors_are_one_line(fake_hub, tmp_path, monkeypatch, capsys):  # noqa: F811
    """A bare word, and a repo never cached while offline: exit 1 and one line naming the problem."""
    from agroflux_hf.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(data_hub, "download_snapshot", REAL_DOWNLOAD)  # the real client, offline
    base = ["train", "--task", "t1", "--model", "lstm", "--config", "temporal_co2", "--output-dir", "run"]
    base.append("--data-dir")
    for data_dir, expected in (
        ("agroflux", "neither an existing folder"),
        ("org/nowhere", "org/nowhere: not in"),
    ):
        assert main([*base, data_dir]) == 1
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1 and "Traceback" not in err
