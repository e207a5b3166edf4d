"""Checkpoints by Hub repo id: publish to a fake Hub (uploads land in the HF cache), then load back
offline through ``load_model``, fine-tuning, ``agroflux evaluate`` and ``checkpoint_path``; ``push_to_hub``
keeps the measured card. No test touches the network (conftest sets HF_HUB_OFFLINE=1)."""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import uuid
from pathlib import Path

import pytest
import torch
from hub_fixture import CachedHub

from agroflux_hf import cards, checkpoints, publish
from agroflux_hf.data.loading import config_info
from agroflux_hf.data.sources.terms import hub_licence_id
from agroflux_hf.errors import MissingCheckpointError
from agroflux_hf.models import build_model, load_model
from agroflux_hf.remote_code import MODELING_FILE

pytestmark = pytest.mark.usefixtures("one_thread")

INPUTS = ["TMAX", "PRECIP"]
STATIC = ["SAND"]
TARGETS = ["NEE", "GPP"]
CARD = "---\nlibrary_name: transformers\nlicense: cc-by-4.0\n---\n\n# measured card\n\nR2 0.42\n"


def _model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model(
        "lstm", input_names=INPUTS, static_names=STATIC, target_names=TARGETS, hidden_size=6
    ).eval()


def _folder(tmp_path: Path, seed: int, name: str = "model") -> tuple[Path, torch.nn.Module]:
    model = _model(seed)
    folder = tmp_path / name
    model.save_pretrained(folder)
    (folder / "README.md").write_text(CARD, encoding="utf-8")
    return folder, model


def _predict(model: torch.nn.Module) -> torch.Tensor:
    generator = torch.Generator().manual_seed(3)
    past = torch.randn(2, 365, len(INPUTS), generator=generator)
    static = torch.randn(2, len(STATIC), generator=generator)
    with torch.no_grad():
        return model(past_values=past, static_real_features=static).predictions


def _repo() -> str:
    """A fresh repo id per test: the HF cache is shared by the whole session."""
    return f"test-org/agroflux-{uuid.uuid4().hex[:8]}"


def test_published_checkpoint_loads_back_by_repo_id_offline(tmp_path):
    folder, model = _folder(tmp_path, 0)
    hub, repo_id = CachedHub(), _repo()
    url = publish.publish_model(folder, repo_id, api=hub)
    assert url.startswith(f"https://hub.example/{repo_id}/commit/")
    assert hub.calls[0] == ("create_repo", {"repo_id": repo_id, "repo_type": "model", "private": None})
    loaded = load_model(repo_id)
    torch.testing.assert_close(_predict(loaded), _predict(model))
    assert Path(loaded.name_or_path) == hub.snapshot(repo_id)
    assert (Path(loaded.name_or_path) / "README.md").read_text(encoding="utf-8") == CARD


def test_revision_picks_the_branch_and_is_created_when_missing(tmp_path):
    hub, repo_id = CachedHub(), _repo()
    first, model_a = _folder(tmp_path, 0, "a")
    second, model_b = _folder(tmp_path, 1, "b")
    publish.publish_model(first, repo_id, api=hub)
    publish.publish_model(second, repo_id, api=hub, revision="v2", commit_message="second")
    assert ("create_branch", {"repo_id": repo_id, "branch": "v2", "repo_type": "model"}) in hub.calls
    assert hub.calls[-1][1]["revision"] == "v2" and hub.calls[-1][1]["commit_message"] == "second"
    torch.testing.assert_close(_predict(load_model(repo_id)), _predict(model_a))
    torch.testing.assert_close(_predict(load_model(repo_id, revision="v2")), _predict(model_b))
    torch.testing.assert_close(_predict(load_model(f"{repo_id}@v2")), _predict(model_b))
    with pytest.raises(MissingCheckpointError, match="not in the cache"):
        load_model(repo_id, revision="v3")


def test_create_pr_and_private_reach_the_client(tmp_path):
    folder, _ = _folder(tmp_path, 0)
    hub, repo_id = CachedHub(), _repo()
    url = publish.publish_model(folder, repo_id, api=hub, private=True, create_pr=True)
    assert url.startswith(f"https://hub.example/{repo_id}/discussions/")
    assert hub.calls[0][1]["private"] is True
    assert [name for name, _ in hub.calls] == ["create_repo", "upload_folder"]  # a PR makes no branch
    assert hub.calls[-1][1]["create_pr"] is True


def test_one_upload_path_for_models_and_datasets_opens_a_pr_against_a_new_branch(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: cc-by-4.0\n---\n")
    hub, repo_id = CachedHub(), _repo()
    url = publish.upload_to_hub(
        folder,
        repo_id,
        repo_type="dataset",
        api=hub,
        revision="v2",
        create_pr=True,
        commit_message="m",
        commit_description="what is in it",
    )
    assert url.startswith(f"https://hub.example/{repo_id}/discussions/")
    assert [name for name, _ in hub.calls] == ["create_repo", "create_branch", "upload_folder"]
    assert all(call["repo_type"] == "dataset" for _, call in hub.calls)
    assert "private" not in hub.calls[0][1] or hub.calls[0][1]["private"] is None
    upload = hub.calls[-1][1]
    assert (upload["revision"], upload["create_pr"], upload["commit_description"]) == (
        "v2",
        True,
        "what is in it",
    )


def test_a_bare_name_or_an_uncached_repo_is_an_error_naming_both_possibilities(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        MissingCheckpointError, match="neither an existing checkpoint folder nor a Hub model repo"
    ):
        load_model("lstm")
    with pytest.raises(MissingCheckpointError, match=r"no local folder .*not in the cache"):
        load_model("nobody/never-published")
    with pytest.raises(MissingCheckpointError, match="does not exist"):
        load_model(tmp_path / "nobody" / "x")  # a Path is always local
    folder, _ = _folder(tmp_path, 0)
    with pytest.raises(MissingCheckpointError, match="revision"):
        load_model(folder, revision="main")


def test_an_existing_local_folder_wins_over_the_same_repo_id(tmp_path, monkeypatch):
    hub, repo_id = CachedHub(), _repo()
    remote, _ = _folder(tmp_path, 0, "remote")
    publish.publish_model(remote, repo_id, api=hub)
    monkeypatch.chdir(tmp_path)
    local_model = _model(5)
    local_model.save_pretrained(tmp_path / repo_id)
    torch.testing.assert_close(_predict(load_model(repo_id)), _predict(local_model))


def test_fine_tuning_and_evaluate_take_a_repo_id(tmp_path, monkeypatch):
    from agroflux_hf.commands import evaluate as evaluate_command
    from agroflux_hf.commands import train as train_command
    from agroflux_hf.training import plans

    folder, model = _folder(tmp_path, 0)
    hub, repo_id = CachedHub(), _repo()
    publish.publish_model(folder, repo_id, api=hub, revision="t0")
    torch.testing.assert_close(_predict(plans.load_model(f"{repo_id}@t0", "lstm")), _predict(model))

    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    train_command.register(subparsers)
    evaluate_command.register(subparsers)
    ns = parser.parse_args(
        ["train", "--task", "t2-finetune", "--model", "lstm", "--config", "temporal_co2", "--output-dir", "o",
         "--pretrained", repo_id, "--pretrained-revision", "t0"]
    )  # fmt: skip
    assert train_command.pretrained_reference(ns) == f"{repo_id}@t0"

    seen = {}

    def fake_evaluate(model_ref, config, **kwargs):
        seen["model"] = load_model(model_ref)
        return {"NEE": {"pooled": {"r2": 0.5}}}

    monkeypatch.setattr("agroflux_hf.training.evaluate_model", fake_evaluate)
    ns = parser.parse_args(["evaluate", repo_id, "--revision", "t0", "--config", "temporal_co2"])
    assert ns.func(ns) == 0
    torch.testing.assert_close(_predict(seen["model"]), _predict(model))


def test_push_to_hub_keeps_the_measured_card_and_adds_the_remote_code(tmp_path):
    folder, model = _folder(tmp_path, 0)
    hub, repo_id = CachedHub(), _repo()
    loaded = load_model(folder)
    loaded.push_to_hub(repo_id, api=hub, commit_message="fine-tuned")
    snapshot = hub.snapshot(repo_id)
    assert (snapshot / "README.md").read_text(encoding="utf-8") == CARD
    assert (snapshot / MODELING_FILE).is_file()
    assert json.loads((snapshot / "config.json").read_text())["auto_map"]["AutoModel"].endswith(
        ".LSTMForFluxRegression"
    )
    torch.testing.assert_close(_predict(load_model(repo_id)), _predict(model))
    # A model pushed from the Hub snapshot keeps the card it came with.
    again = _repo()
    load_model(repo_id).push_to_hub(again, api=hub)
    assert (hub.snapshot(again) / "README.md").read_text(encoding="utf-8") == CARD


def test_push_to_hub_without_a_card_is_refused_before_anything_is_sent(tmp_path):
    class Refusing:
        def __getattr__(self, name):
            raise AssertionError(f"nothing may be sent ({name})")

    with pytest.raises(publish.PublishError, match="no model card"):
        _model(0).push_to_hub(_repo(), api=Refusing())
    pushed = _repo()
    hub = CachedHub()
    _model(0).push_to_hub(pushed, api=hub, card=CARD)
    assert (hub.snapshot(pushed) / "README.md").read_text(encoding="utf-8") == CARD


def test_checkpoint_path_names_follow_the_hub_scheme_with_the_shipped_fallback(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(checkpoints.HUB_ORG_ENV, f"org-{uuid.uuid4().hex[:6]}")
    repo_id = checkpoints.hub_repo_id("lstm", "temporal_co2")
    assert repo_id.endswith("/agroflux-lstm-temporal_co2")
    shipped = checkpoints.checkpoint_path("lstm")
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.checkpoints"):
        assert checkpoints.checkpoint_path("lstm", hub=True) == shipped  # not published: offline fallback
    assert repo_id in caplog.text
    staged = tmp_path / "lstm"
    shutil.copytree(shipped, staged)
    hub = CachedHub()
    publish.publish_model(staged, repo_id, api=hub)
    assert checkpoints.checkpoint_path("lstm", hub=True) == hub.snapshot(repo_id)
    with pytest.raises(MissingCheckpointError, match="no shipped checkpoint"):
        checkpoints.checkpoint_path("lstm", "temporal_nowhere", hub=True)


def test_publish_command_options_reach_the_hub_and_the_model_loads_by_id(tmp_path, monkeypatch, capsys):
    from agroflux_hf.commands import publish as publish_command

    folder, model = _folder(tmp_path, 0)
    hub, repo_id = CachedHub(), _repo()
    monkeypatch.setattr("huggingface_hub.HfApi", lambda: hub)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    parser = argparse.ArgumentParser()
    publish_command.register(parser.add_subparsers())
    argv = ["publish", str(folder), "--repo-id", repo_id, "--revision", "v1", "--commit-message", "baseline"]
    ns = parser.parse_args(argv)
    assert ns.func(ns) == 0
    assert json.loads(capsys.readouterr().out)["commit_url"].startswith(f"https://hub.example/{repo_id}/")
    assert hub.calls[0][1]["private"] is None  # visibility left to the account unless --private
    assert hub.calls[-1][1]["revision"] == "v1" and hub.calls[-1][1]["commit_message"] == "baseline"
    torch.testing.assert_close(_predict(load_model(f"{repo_id}@v1")), _predict(model))
    ns = parser.parse_args(["publish", str(folder), "--repo-id", repo_id, "--private", "--create-pr"])
    assert ns.func(ns) == 0
    assert hub.calls[-2][1]["private"] is True and hub.calls[-1][1]["create_pr"] is True


SHIPPED_TASKS = {  # checkpoint config -> the task its card names; T2 folders start with "t2-"
    "temporal_co2": "t1",
    "temporal_n2o": "t1",
    "temporal_dssat_ceres_maize": "t0",
    "temporal_dssat_ixim_maize": "t0",
    "t2-temporal_co2": "t2-finetune",
    "t2-temporal_n2o": "t2-finetune",
}


@pytest.mark.parametrize("config", sorted(SHIPPED_TASKS))
def test_every_architecture_ships_t0_t1_and_t2_checkpoints_with_consistent_cards(config):
    """The baselines the README promises: T0 on both DSSAT simulators, T1 and T2 on towers and chambers."""
    import yaml

    from agroflux_hf.schema import ARCHITECTURES

    for arch in ARCHITECTURES:
        folder = checkpoints.checkpoint_path(arch, config)
        card = (folder / "README.md").read_text(encoding="utf-8")
        meta = yaml.safe_load(card.split("---")[1])
        assert meta["model-index"][0]["name"] == f"agroflux-{arch}-{config}"
        # the front matter's licence is the one the body's data terms give: never a plain CC BY 4.0 for
        # terms that add an MIT table and a source without a licence
        terms = re.search(r"^- Data licence \(this card's `license`\): (.*)$", card, flags=re.MULTILINE)
        assert meta["license"] == hub_licence_id(terms.group(1)), (arch, config, meta["license"])
        # a model whose inputs are not its data config's (T2 keeps the simulation's) says how to align them
        model_config = json.loads((folder / "config.json").read_text())
        data_info = config_info(config.removeprefix("t2-"))
        aligned = {"input_names": data_info.input_names, "static_names": data_info.static_names}
        claims_same_order = "in the order the config expects" in card
        assert claims_same_order == cards._same_columns(model_config, aligned), (arch, config)
        assert SHIPPED_TASKS[config] in meta["tags"], (arch, config, meta["tags"])
        if config.startswith("t2-"):  # fine-tuned from the shipped T0 checkpoint, named by its Hub id
            assert meta["base_model"] == checkpoints.hub_repo_id(arch, "temporal_dssat_ceres_maize")
            assert f"- The weights started from `{meta['base_model']}`, trained on other data" in card
        else:
            assert "base_model" not in meta
