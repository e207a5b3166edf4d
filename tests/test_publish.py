"""Model cards from measured scores, and publishing through an HfApi-like object that writes to a folder."""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoModel

from agroflux_hf import cards, publish
from agroflux_hf.errors import MissingCheckpointError
from agroflux_hf.metrics.core import score_targets
from agroflux_hf.models import MODEL_NAMES, build_model

INPUTS = ["TMAX", "TMIN", "PRECIP", "SW_IN"]
STATIC = ["SAND", "PH"]
TARGETS = ["NEE", "GPP", "N2O_FLUX"]
SITES = ["US-Tw3", "US-Tw3", "FR-Hes", "DE-Tha"]
SECRET = "hf_SECRETtokenValue1234567890abcdef"

DATASET_INFO = {
    "name": "temporal_co2",
    "source": "tower",
    "domain": "observation",
    "split": "temporal",
    "fold": None,
    "sites": {
        "train": ["US-Tw3", "FR-Hes", "DE-Tha"],
        "validation": ["US-Tw3"],
        "test": ["US-Tw3", "FR-Hes"],
    },
    "years": {"train": [2013, 2014, 2015, 1998], "validation": [2016], "test": [2017, 2016]},
    "n_examples": {"train": 5, "validation": 1, "test": 2},
    "stats": {"targets": {"NEE": {"mean": 0.2, "std": 1.9}, "GPP": {"mean": 2.5, "std": 3.1}}},
}


def _save_tiny_model(folder: Path, name: str = "lstm") -> torch.nn.Module:
    torch.manual_seed(0)
    stats = {
        "inputs": {n: {"mean": 10.0, "std": 5.0} for n in INPUTS},
        "static": {n: {"mean": 100.0, "std": 50.0} for n in STATIC},
        "targets": {n: {"mean": 1.0, "std": 2.0} for n in TARGETS},
    }
    model = build_model(
        name, input_names=INPUTS, static_names=STATIC, target_names=TARGETS, stats=stats, hidden_size=10
    ).eval()
    model.save_pretrained(folder)
    return model


def _inputs(n: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(n, 365, len(INPUTS), generator=generator) * 5 + 10, torch.rand(
        n, len(STATIC), generator=generator
    ) * 100


def _measured_metrics(model: torch.nn.Module) -> dict:
    """Scores of the model's own predictions against noisy 'observations' with gaps; N2O never observed."""
    past, static = _inputs()
    with torch.no_grad():
        sim = model(past_values=past, static_real_features=static).predictions.numpy().astype(np.float64)
    rng = np.random.default_rng(2)
    obs = sim + rng.normal(0.0, 0.5, size=sim.shape)
    obs[rng.random(obs.shape) < 0.3] = np.nan
    obs[..., TARGETS.index("N2O_FLUX")] = np.nan
    return {
        "validation": score_targets(obs[:2], sim[:2], TARGETS, site_ids=SITES[:2]),
        "test": score_targets(obs, sim, TARGETS, site_ids=SITES),
    }


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> tuple[Path, torch.nn.Module, dict]:
    folder = tmp_path_factory.mktemp("model")
    model = _save_tiny_model(folder)
    return folder, model, _measured_metrics(model)


def _card_kwargs(metrics: dict, **overrides) -> dict:
    kwargs = {
        "model_name": "lstm",
        "task": "t1",
        "config_name": "temporal_co2",
        "dataset_info": DATASET_INFO,
        "hyperparameters": {"epochs": 20, "batch_size": 10, "learning_rate": 0.001},
        "metrics": metrics,
        "repo_id": "my-org/agroflux-lstm-co2",
    }
    return {**kwargs, **overrides}


def cli_main(argv: list[str]) -> int:
    """``agroflux publish`` / ``agroflux card`` as registered by their command modules (independent of
    the other command modules, so these tests do not fail on another part's import error)."""
    from agroflux_hf.commands import card
    from agroflux_hf.commands import publish as publish_command

    parser = argparse.ArgumentParser(prog="agroflux")
    subparsers = parser.add_subparsers(dest="command")
    publish_command.register(subparsers)
    card.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))


def _ready_model_dir(tmp_path: Path, saved_model) -> Path:
    """A copy of the saved model with its card written, plus a file that must never be uploaded."""
    folder, _, metrics = saved_model
    model_dir = tmp_path / "best_model"
    shutil.copytree(folder, model_dir)
    cards.write_model_card(model_dir, **_card_kwargs(metrics))
    (model_dir / "optimizer.pt").write_bytes(b"not for the hub")
    return model_dir


# ----------------------------------------------------------------------------- cards


def test_card_front_matter_parses_and_model_index_holds_the_measured_scores(saved_model):
    folder, _, metrics = saved_model
    text = cards.model_card(folder, **_card_kwargs(metrics, base_model="my-org/agroflux-lstm-t0"))
    data = ModelCard(text).data
    assert data.library_name == "transformers"  # plain transformers loads it, with the remote code
    assert data.pipeline_tag == cards.TASK_TYPE
    from agroflux_hf.data.sources.terms import UNKNOWN_LICENCE_ID

    assert data.license == UNKNOWN_LICENCE_ID  # DATASET_INFO names no dataset folder
    assert data.datasets == [cards.DEFAULT_DATASET_ID]
    assert data.base_model == "my-org/agroflux-lstm-t0"
    assert data.model_name == "agroflux-lstm-co2"
    assert "agroflux" in data.tags and "lstm" in data.tags
    got = {(r.dataset_split, r.metric_name): r for r in data.eval_results}
    for split, scores in metrics.items():
        for target in ("NEE", "GPP"):
            for key, label in (("r2", "R2"), ("rmse", "RMSE"), ("mae", "MAE")):
                (result,) = [
                    r for (s, name), r in got.items() if s == split and name.startswith(f"{target} {label} ")
                ]
                assert result.metric_type == key
                assert result.dataset_config == "temporal_co2"
                assert result.task_type == cards.TASK_TYPE
                assert result.metric_value == pytest.approx(scores[target]["pooled"][key], rel=1e-5)
    # N2O has no observation: no value in the model-index (no NaN in YAML), n/a in the table
    assert not any(name.startswith("N2O_FLUX") for _, name in got)
    assert "| N2O_FLUX | g N m-2 d-1 | 0 | n/a |" in text


def test_card_body_reports_measured_numbers_data_and_citations(saved_model):
    folder, _, metrics = saved_model
    text = cards.model_card(folder, **_card_kwargs(metrics))
    nee = metrics["test"]["NEE"]
    assert f"{nee['pooled']['r2']:.4g}" in text
    assert f"{nee['per_site']['mean']['r2']:.4g}" in text
    assert f"{nee['per_site']['median']['r2']:.4g}" in text
    assert "### test split" in text and "### validation split" in text
    assert "2013-2015" in text and "US-Tw3, FR-Hes, DE-Tha" in text
    assert "training split only" in text
    assert "arXiv:2602.01614" in text and "hochreiter1997lstm" in text
    assert "doi:10.17190/AMF/1246149" in text  # US-Tw3 data citation
    assert 'agroflux_hf.load_model("my-org/agroflux-lstm-co2")' in text
    assert (
        'repo_id = "my-org/agroflux-lstm-co2"\nmodel = AutoModel.from_pretrained(repo_id, trust_remote_code=True)'
        in text
    )
    assert cards.INSTALL_LINE in text and "pip install torch transformers" in text
    limitations = text.split("## Limitations")[1].split("## How to use")[0]
    assert "N2O" not in limitations  # a CO2 model: no N2O caveat
    n_parameters = sum(p.numel() for p in saved_model[1].parameters())
    assert f"{n_parameters:,} parameters" in text


def test_card_cites_the_sources_recorded_in_the_dataset_folder(saved_model, tmp_path):
    folder, _, metrics = saved_model
    record = {"source": "tower", "license": "CC BY 4.0", "citation": "Towers of\n  the test network"}
    (tmp_path / "agroflux_configs.json").write_text(json.dumps({"sources": {"co2": record}}))
    info = {**DATASET_INFO, "data_dir": tmp_path}
    text = cards.model_card(folder, **_card_kwargs(metrics, dataset_info=info))
    assert "- Dataset source `co2` (licence CC BY 4.0): Towers of the test network" in text


def test_card_task_type_is_the_one_the_dataset_card_uses():
    from agroflux_hf.data import dataset_card

    front = dataset_card._front_matter([], [], "")
    assert f"- {cards.TASK_TYPE}" in front.split("task_categories:")[1].split(":")[0]


@pytest.mark.parametrize(
    ("licences", "hub_id"),
    [
        (["CC BY 4.0 (FLUXNET2015: cite Pastorello et al. 2020)"], "cc-by-4.0"),
        (["CC0 (Saha et al. 2021)"], "cc0-1.0"),
        (["simulations: CC BY 4.0; weather drivers: not stated"], "other"),
        (["CC BY 4.0", "CC0"], "other"),
        # AgroFlux-mini's towers: CC BY 4.0 flux data plus an MIT table and a source with no licence
        (
            [
                "CC BY 4.0 (FLUXNET2015: cite each site); management: site table MIT, field operations (no licence)"
            ],
            "other",
        ),
    ],
)
def test_card_licence_is_that_of_the_training_data(saved_model, tmp_path, licences, hub_id):
    folder, _, metrics = saved_model
    sources = {f"s{i}": {"source": "tower", "license": text} for i, text in enumerate(licences)}
    sources["other"] = {"source": "chamber", "license": "proprietary"}  # another source: not counted
    (tmp_path / "agroflux_configs.json").write_text(json.dumps({"sources": sources}))
    info = {**DATASET_INFO, "data_dir": tmp_path}
    text = cards.model_card(folder, **_card_kwargs(metrics, dataset_info=info, dataset_id="my-org/agroflux"))
    data = ModelCard(text).data
    assert data.license == hub_id
    assert "proprietary" not in text
    for licence in licences:
        assert licence in text
    if hub_id == "other":
        assert data.license_name == "agroflux-data-terms"
        assert data.license_link == "https://huggingface.co/datasets/my-org/agroflux"


def test_card_ids_must_be_hub_repo_ids(saved_model):
    folder, _, metrics = saved_model
    with pytest.raises(cards.CardError, match="dataset_id must be a Hub repo id"):
        cards.model_card(folder, **_card_kwargs(metrics, dataset_id="agroflux"))
    with pytest.raises(cards.CardError, match="base_model must be a Hub repo id"):
        cards.model_card(folder, **_card_kwargs(metrics, base_model="runs/t0/best_model"))
    text = cards.model_card(folder, **_card_kwargs(metrics, base_model="my-org/t0@v1"))
    assert ModelCard(text).data.base_model == "my-org/t0"
    assert "`my-org/t0@v1`" in text


def test_card_names_the_published_code_defect_of_the_architecture(tmp_path):
    _save_tiny_model(tmp_path, "transformer")
    metrics = {"test": score_targets(np.ones((1, 3, 3)), np.ones((1, 3, 3)), TARGETS)}
    text = cards.model_card(
        tmp_path, **_card_kwargs(metrics, model_name="transformer", task="t2-adversarial")
    )
    assert "positional encoding" in text and "vaswani2017attention" in text
    assert "gradient-reversal" in text


def test_every_architecture_has_a_citation():
    assert set(cards.ARCHITECTURES) == set(MODEL_NAMES)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_card_of_every_architecture_parses_and_describes_it(name, tmp_path):
    _save_tiny_model(tmp_path, name)
    metrics = {"test": score_targets(np.arange(9.0).reshape(1, 3, 3), np.ones((1, 3, 3)), TARGETS)}
    text = cards.model_card(tmp_path, **_card_kwargs(metrics, model_name=name))
    architecture = cards.ARCHITECTURES[name]
    assert ModelCard(text).data.eval_results
    assert architecture.bibtex.split("{", 1)[1].split(",", 1)[0] in text  # the bibtex key
    assert architecture.published_code_defect in text
    description = text.split("## Model description")[1].split("### Differences")[0]
    assert "Differences from" in description or "Unlike the published" in description


def test_card_refuses_inconsistent_inputs(saved_model, tmp_path):
    folder, _, metrics = saved_model
    with pytest.raises(cards.CardError, match="model_type is 'agroflux_lstm', not agroflux_tcn"):
        cards.model_card(folder, **_card_kwargs(metrics, model_name="tcn"))
    with pytest.raises(cards.CardError, match="not a score_targets result"):
        cards.model_card(folder, **_card_kwargs({"test": {"NEE": 0.9}}))
    with pytest.raises(cards.CardError, match="unknown task"):
        cards.model_card(folder, **_card_kwargs(metrics, task="t9"))
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    with pytest.raises(MissingCheckpointError, match=r"model\.safetensors"):
        cards.model_card(tmp_path, **_card_kwargs(metrics))


def test_card_accepts_metrics_json_with_nulls_and_error_splits(saved_model):
    folder, _, metrics = saved_model
    stored = json.loads(json.dumps(metrics, default=float).replace("NaN", "null"))
    stored["validation"] = {"error": "no pair where both obs and sim are present"}
    text = cards.model_card(folder, **_card_kwargs(stored))
    assert "Not scored: no pair where both obs and sim are present" in text
    splits = {r.dataset_split for r in ModelCard(text).data.eval_results}
    assert splits == {"test"}


def test_write_model_card_is_atomic_and_keeps_old_card_on_failure(saved_model, tmp_path):
    folder, _, metrics = saved_model
    model_dir = tmp_path / "m"
    shutil.copytree(folder, model_dir)
    path = cards.write_model_card(model_dir, **_card_kwargs(metrics))
    assert path == model_dir / "README.md"
    assert path.stat().st_mode & 0o777 == 0o644
    first = path.read_text()
    assert first == cards.model_card(model_dir, **_card_kwargs(metrics))
    with pytest.raises(cards.CardError):
        cards.write_model_card(model_dir, **_card_kwargs({"test": {"NEE": 1}}))
    assert path.read_text() == first
    assert sorted(p.name for p in model_dir.iterdir()) == ["README.md", "config.json", "model.safetensors"]


def test_write_model_card_from_run_folder(saved_model, tmp_path):
    folder, _, metrics = saved_model
    run = tmp_path / "run"
    shutil.copytree(folder, run / "best_model")
    run_config = {
        "task": "t1",
        "model_name": "lstm",
        "config": "temporal_co2",
        "data_dir": None,
        "learning_rate": 0.001,
        "batch_size": 10,
        "training_arguments": {"epochs": 20, "patience": 5},
    }
    (run / "run_config.json").write_text(json.dumps(run_config))
    (run / "metrics.json").write_text(json.dumps(metrics).replace("NaN", "null"))
    path = cards.write_model_card_from_run(run, repo_id="my-org/x", dataset_info=DATASET_INFO)
    text = path.read_text()
    assert path == run / "best_model" / "README.md"
    assert "| training.patience | 5 |" in text
    assert "| training.epochs | 20 |" in text  # no max_steps: epochs were the budget
    assert ModelCard(text).data.model_name == "x"
    assert ModelCard(text).data.base_model is None
    # a run fine-tuned from a Hub checkpoint names it as base_model; a local folder is not a Hub id
    for pretrained, base in (("my-org/agroflux-lstm-t0@v2", "my-org/agroflux-lstm-t0"), (str(run), None)):
        (run / "run_config.json").write_text(
            json.dumps({**run_config, "task": "t2-finetune", "pretrained": pretrained})
        )
        text = cards.write_model_card_from_run(run, repo_id="my-org/x", dataset_info=DATASET_INFO).read_text()
        assert ModelCard(text).data.base_model == base
    assert "outcome." not in text  # no validation log in this folder: nothing claimed


def test_the_card_says_how_long_the_run_trained_and_which_step_it_kept(saved_model, tmp_path):
    folder, _, metrics = saved_model
    run = tmp_path / "run"
    shutil.copytree(folder, run / "best_model")
    run_config = {"task": "t1", "model_name": "lstm", "config": "temporal_co2", "data_dir": None,
                  "training_arguments": {"epochs": 10, "max_steps": 400, "eval_every_steps": 10, "patience": 2}}  # fmt: skip
    (run / "run_config.json").write_text(json.dumps(run_config))
    (run / "metrics.json").write_text(json.dumps(metrics).replace("NaN", "null"))
    log = [(10, 0.9, True), (20, 0.7, True), (30, 0.69, False), (40, 0.8, False)]  # min_delta kept step 20
    (run / "log.jsonl").write_text(
        "".join(json.dumps({"global_step": s, "val_loss": v, "improved": i}) + "\n" for s, v, i in log)
    )
    text = cards.write_model_card_from_run(run, repo_id="my-org/x", dataset_info=DATASET_INFO).read_text()
    for row in ("steps_trained | 40", "validations | 4", "kept_model_step | 20", "stopped_early | true"):
        assert f"| outcome.{row} |" in text, row
    assert "| training.max_steps | 400 |" in text
    assert "training.epochs" not in text  # the step budget replaced it: the card does not list both
    assert cards.training_outcome(run / "log.jsonl", {})["kept_model_step"] == 20
    assert "stopped_early" not in cards.training_outcome(run / "log.jsonl", {"epochs": 4})
    assert cards.training_outcome(run / "missing.jsonl", {}) is None


# ----------------------------------------------------------------------------- publishing


class FolderHub:
    """HfApi stand-in: a repo is a folder under ``root``; records every call (the token separately)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[tuple[str, dict]] = []
        self.tokens: list[str | None] = []

    def create_repo(self, repo_id, *, repo_type=None, private=None, exist_ok=False, token=None):
        self.tokens.append(token)
        self.calls.append(
            (
                "create_repo",
                {"repo_id": repo_id, "repo_type": repo_type, "private": private, "exist_ok": exist_ok},
            )
        )
        (self.root / repo_id).mkdir(parents=True, exist_ok=exist_ok)
        return f"https://hub.example/{repo_id}"

    def upload_folder(self, *, folder_path, repo_id, repo_type=None, commit_message=None, token=None):
        self.tokens.append(token)
        self.calls.append(
            ("upload_folder", {"repo_id": repo_id, "repo_type": repo_type, "commit_message": commit_message})
        )
        shutil.copytree(folder_path, self.root / repo_id, dirs_exist_ok=True)
        return f"https://hub.example/{repo_id}/commit/0001"


class RefusingHub:
    def __getattr__(self, name):
        raise AssertionError(f"a dry run must not call the hub ({name})")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _same_predictions(model_dir: Path, model: torch.nn.Module) -> None:
    loaded = AutoModel.from_pretrained(str(model_dir)).eval()
    assert type(loaded) is type(model)
    past, static = _inputs(2)
    with torch.no_grad():
        expected = model(past_values=past, static_real_features=static).predictions
        got = loaded(past_values=past, static_real_features=static).predictions
    torch.testing.assert_close(got, expected)


def test_publish_uploads_exactly_model_config_and_card(saved_model, tmp_path):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    hub = FolderHub(tmp_path / "hub")
    url = publish.publish_model(
        model_dir, "my-org/agroflux-lstm-co2", api=hub, private=True, commit_message="first"
    )
    assert url == "https://hub.example/my-org/agroflux-lstm-co2/commit/0001"
    assert [name for name, _ in hub.calls] == ["create_repo", "upload_folder"]
    assert hub.calls[0][1] == {
        "repo_id": "my-org/agroflux-lstm-co2",
        "repo_type": "model",
        "private": True,
        "exist_ok": True,
    }
    assert hub.calls[1][1]["commit_message"] == "first"
    uploaded = hub.root / "my-org/agroflux-lstm-co2"
    assert sorted(_tree(uploaded)) == [
        "README.md",
        "config.json",
        "model.safetensors",
        "modeling_agroflux.py",
    ]
    assert _tree(uploaded)["README.md"] == (model_dir / "README.md").read_bytes()
    _same_predictions(uploaded, saved_model[1])


def test_dry_run_writes_the_upload_folder_and_sends_nothing(saved_model, tmp_path):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    out = tmp_path / "preview" / "upload"
    result = publish.publish_model(model_dir, "my-org/agroflux-lstm-co2", api=RefusingHub(), dry_run_dir=out)
    assert result == str(out)
    hub = FolderHub(tmp_path / "hub")
    publish.publish_model(model_dir, "my-org/agroflux-lstm-co2", api=hub)
    assert _tree(out) == _tree(hub.root / "my-org/agroflux-lstm-co2")
    assert [p.name for p in out.parent.iterdir()] == ["upload"]  # no staging leftovers
    _same_predictions(out, saved_model[1])
    with pytest.raises(publish.PublishError, match="already exists"):
        publish.publish_model(model_dir, "my-org/agroflux-lstm-co2", dry_run_dir=out)


def test_extra_files_are_uploaded_only_when_listed(saved_model, tmp_path):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    (model_dir / "metrics.json").write_text("{}")
    out = tmp_path / "out"
    publish.publish_model(model_dir, "my-org/m", dry_run_dir=out, extra_files=["metrics.json"])
    assert sorted(_tree(out)) == [
        "README.md",
        "config.json",
        "metrics.json",
        "model.safetensors",
        "modeling_agroflux.py",
    ]
    with pytest.raises(publish.PublishError, match="inside"):
        publish.publish_model(model_dir, "my-org/m", dry_run_dir=tmp_path / "o2", extra_files=["../x"])


def test_publish_refuses_a_folder_without_card(saved_model, tmp_path):
    folder, _, _ = saved_model
    model_dir = tmp_path / "m"
    shutil.copytree(folder, model_dir)
    (model_dir / "README.md").unlink(missing_ok=True)
    with pytest.raises(publish.PublishError, match=r"no model card \(README.md\).*agroflux card RUN_DIR"):
        publish.publish_model(model_dir, "my-org/m", api=RefusingHub())


def test_publish_refuses_a_folder_that_is_not_a_model(saved_model, tmp_path):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    (model_dir / "config.json").write_text(json.dumps({"model_type": "no_such_architecture"}))
    with pytest.raises(publish.PublishError, match="does not load as a model config"):
        publish.publish_model(model_dir, "my-org/m", api=RefusingHub())
    (model_dir / "config.json").unlink()
    with pytest.raises(publish.PublishError, match=r"no config\.json"):
        publish.publish_model(model_dir, "my-org/m", api=RefusingHub())
    with pytest.raises(publish.PublishError, match="not a folder"):
        publish.publish_model(tmp_path / "absent", "my-org/m", api=RefusingHub())


def test_publish_refuses_a_bad_repo_id(saved_model, tmp_path):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    for bad in ("no-org", "a/b/c", "my org/x"):
        with pytest.raises(publish.PublishError, match="repo id"):
            publish.publish_model(model_dir, bad, api=RefusingHub())


def _assert_no_secret(folder: Path, texts: list[str]) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    for text in texts:
        assert SECRET not in text


def test_token_is_passed_to_the_hub_but_never_printed_logged_or_written(
    saved_model, tmp_path, monkeypatch, capsys, caplog
):
    import huggingface_hub

    model_dir = _ready_model_dir(tmp_path, saved_model)
    hub = FolderHub(tmp_path / "hub")
    monkeypatch.setattr(huggingface_hub, "HfApi", lambda *a, **k: hub)
    monkeypatch.setenv("MY_HUB_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    assert cli_main(["publish", str(model_dir), "--repo-id", "my-org/m", "--token-env", "MY_HUB_TOKEN"]) == 0
    assert hub.tokens == [SECRET, SECRET]  # the token did reach the client
    out_dir = tmp_path / "dry"
    argv = [
        "publish",
        str(model_dir),
        "--repo-id",
        "my-org/m",
        "--token-env",
        "MY_HUB_TOKEN",
        "--dry-run",
        str(out_dir),
    ]
    assert cli_main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1]) == {"repo_id": "my-org/m", "dry_run_dir": str(out_dir)}
    logs = [r.getMessage() for r in caplog.records]
    assert any("dry run" in m for m in logs)
    _assert_no_secret(out_dir, [captured.out, captured.err, *logs, caplog.text])
    _assert_no_secret(hub.root, [])
    _assert_no_secret(model_dir, [])


def test_unset_custom_token_variable_is_named_not_guessed(saved_model, tmp_path, monkeypatch):
    model_dir = _ready_model_dir(tmp_path, saved_model)
    monkeypatch.delenv("ABSENT_TOKEN_VAR", raising=False)
    with pytest.raises(publish.PublishError, match="ABSENT_TOKEN_VAR is not set"):
        cli_main(["publish", str(model_dir), "--repo-id", "my-org/m", "--token-env", "ABSENT_TOKEN_VAR"])


def test_card_command_writes_the_card_of_a_run(saved_model, tmp_path, monkeypatch, capsys):
    import agroflux_hf.data.loading as loading

    folder, _, metrics = saved_model
    run = tmp_path / "run"
    shutil.copytree(folder, run / "best_model")
    (run / "run_config.json").write_text(
        json.dumps({"task": "t1", "model_name": "lstm", "config": "temporal_co2"})
    )
    (run / "metrics.json").write_text(json.dumps(metrics).replace("NaN", "null"))
    seen = []
    monkeypatch.setattr(
        loading, "config_info", lambda config, data_dir=None: seen.append(config) or DATASET_INFO
    )
    assert cli_main(["card", str(run), "--repo-id", "my-org/m"]) == 0
    assert seen == ["temporal_co2"]
    card_file = run / "best_model" / "README.md"
    assert json.loads(capsys.readouterr().out) == {"model_card": str(card_file)}
    rmse = metrics["test"]["GPP"]["pooled"]["rmse"]
    assert f"{rmse:.4g}" in card_file.read_text()
    assert not math.isnan(rmse)


def test_mini_cards_cite_the_towers_and_the_chambers():
    """AgroFlux-mini's towers cite their networks and DOIs; its chamber plots cite Saha et al. (CC0)."""
    from agroflux_hf import cards

    towers = {"source": "tower", "domain": "observation", "sites": {"train": ["US-Ne1", "DE-Kli"]}}
    assert cards._is_mini(towers)
    cited = " ".join(cards._data_citations(towers))
    assert "doi:10.17190/AMF/1246084" in cited and "Pastorello" in cited and "DE-Kli" in cited
    chambers = {"source": "chamber", "domain": "observation", "sites": {"train": ["KBS-BCSE-R1", "ARL-R2"]}}
    assert cards._is_mini(chambers)
    assert "doi:10.5061/dryad.bnzs7h493" in " ".join(cards._data_citations(chambers))
    limits = " ".join(cards._limitations(chambers, "t1", ["N2O_FLUX"]))
    assert "cumulative emission" in limits


def test_a_card_tables_the_models_own_statistics_and_names_its_start_by_hub_id():
    """A fine-tuned model keeps its base model's statistics for shared targets: the card shows those
    (config.json's), not the fine-tuning data's; a local starting checkpoint shows by name only."""
    info = {"stats": {"targets": {"N2O_FLUX": {"mean": 8e-4, "std": 3e-3}}}}
    model_stats = {"targets": {"N2O_FLUX": {"mean": 2e-4, "std": 9e-4}}}
    (row,) = cards._dataset_section(info, model_stats)["target_stats"]
    assert (row["mean"], row["std"]) == (cards._fmt(2e-4), cards._fmt(9e-4))
    (row,) = cards._dataset_section(info)["target_stats"]  # no stats in the config: the dataset's
    assert row["mean"] == cards._fmt(8e-4)
    assert (
        cards._pretrained_label("/work/x/checkpoints/tcn-t0", "org/agroflux-tcn-t0") == "org/agroflux-tcn-t0"
    )
    assert cards._pretrained_label("/work/x/checkpoints/tcn-t0", None) == "local checkpoint tcn-t0"
    assert cards._pretrained_label("org/agroflux-tcn-t0", None) == "org/agroflux-tcn-t0"


def test_shipped_cards_credit_every_original_source_of_their_data():
    """Each table's terms records (title, licence, citation) reach the model card: the attribution CC BY
    data asks for. The DSSAT tables' weather came from FLUXNET, GHCN and AWON; the towers' management
    from the ICOS cropland field operations."""
    from agroflux_hf.checkpoints import checkpoint_path

    simulation = (checkpoint_path("lstm", "temporal_dssat_ceres_maize") / "README.md").read_text()
    for credit in ("Pastorello et al. (2020)", "Menne, M.J. et al. (2012)", "Han, E., Ines, A.V.M., Koo, J."):
        assert credit in simulation, credit
    towers = (checkpoint_path("lstm", "temporal_co2") / "README.md").read_text()
    assert "EF002788" in towers and "US-Ne1 BADM" in towers


def test_publishing_weights_says_which_training_data_states_no_redistribution(tmp_path, caplog):
    """The shipped tower LSTM was trained on `co2`, whose terms state no redistribution (the ICOS field
    operations): publishing its weights is not blocked, but the publisher is told."""
    import logging
    import shutil

    from agroflux_hf.checkpoints import checkpoint_path
    from agroflux_hf.publish import publish_model

    model_dir = tmp_path / "lstm"
    shutil.copytree(checkpoint_path("lstm", "temporal_co2"), model_dir)
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.publish"):
        publish_model(model_dir, "my-org/agroflux-lstm-co2", dry_run_dir=tmp_path / "staged")
    assert "data source `co2`, its terms do not state redistribution" in caplog.text
    assert (tmp_path / "staged" / "model.safetensors").is_file()
