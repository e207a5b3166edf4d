"""``models.load_model``, the one checkpoint loader: a good folder loads, every bad one fails by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError
from agroflux_hf.models import build_model, load_model, read_checkpoint_config


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lstm")
    torch.manual_seed(0)
    build_model(
        "lstm", input_names=["TMAX"], static_names=[], target_names=["GPP", "NEE"], hidden_size=4
    ).save_pretrained(folder)
    return folder


def _copy(saved: Path, to: Path) -> Path:
    to.mkdir()
    for file in saved.iterdir():
        (to / file.name).write_bytes(file.read_bytes())
    return to


def test_a_saved_model_loads_and_can_be_re_pointed_by_name(saved):
    model = load_model(saved, model_name="lstm")
    assert type(model).__name__ == "LSTMForFluxRegression"
    assert load_model(saved, target_names=["NEE"]).config.target_names == ["NEE"]
    assert read_checkpoint_config(saved)["model_type"] == "agroflux_lstm"


def test_another_architecture_is_refused(saved):
    with pytest.raises(IncompatibleCheckpointError, match=r"'agroflux_lstm' model, the run asks for 'tcn'"):
        load_model(saved, model_name="tcn")


def test_missing_folder_config_or_weights_is_a_missing_checkpoint(saved, tmp_path):
    with pytest.raises(MissingCheckpointError, match="does not exist"):
        load_model(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingCheckpointError, match=r"no config\.json"):
        load_model(tmp_path / "empty")
    no_weights = _copy(saved, tmp_path / "no_weights")
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(MissingCheckpointError, match=r"model\.safetensors"):
        load_model(no_weights)


def test_a_file_bad_json_foreign_model_or_corrupt_weights_is_incompatible(saved, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(IncompatibleCheckpointError, match="found a file"):
        load_model(tmp_path / "file")
    bad_json = _copy(saved, tmp_path / "bad_json")
    (bad_json / "config.json").write_text("{")
    with pytest.raises(IncompatibleCheckpointError, match="not valid JSON"):
        load_model(bad_json)
    foreign = _copy(saved, tmp_path / "foreign")
    (foreign / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(IncompatibleCheckpointError, match="'bert' is not an AgroFlux model"):
        load_model(foreign)
    corrupt = _copy(saved, tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(IncompatibleCheckpointError, match=f"{corrupt}: cannot load the checkpoint"):
        load_model(corrupt)


def test_weights_that_do_not_fit_are_refused_not_filled_at_random(saved, tmp_path):
    """transformers fills a missing weight with a random one and only logs it: a damaged checkpoint
    or an architecture override gave a partly random model."""
    from safetensors.torch import load_file, save_file
    from transformers import AutoModel

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text((saved / "config.json").read_text())
    weights = load_file(saved / "model.safetensors")
    dropped = [k for k in weights if k.endswith("_l1")]
    assert dropped
    save_file({k: v for k, v in weights.items() if k not in dropped}, damaged / "model.safetensors")
    with pytest.raises(IncompatibleCheckpointError, match="missing_keys"):
        load_model(damaged)
    with pytest.raises(IncompatibleCheckpointError, match="missing_keys"):
        AutoModel.from_pretrained(saved, num_hidden_layers=4)  # a fourth, random layer
    model, info = AutoModel.from_pretrained(saved, output_loading_info=True)
    assert not any(info.values()) and model.config.num_hidden_layers == 3


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"target_weights": {"NEE": -5.0}}, "target_weights must be finite and >= 0"),
        ({"static_bounds": {"TMAX": [1.0, 0.0]}}, "static_bounds names"),
    ],
)
def test_from_pretrained_keyword_arguments_pass_the_config_checks(saved, override, problem):
    """transformers sets these on the config after it was built, past its checks: the model checks again."""
    from transformers import AutoModel

    from agroflux_hf.errors import SchemaError

    with pytest.raises(SchemaError, match=problem):
        AutoModel.from_pretrained(saved, **override)
    stats = json.loads((saved / "config.json").read_text())["stats"]
    stats["targets"]["NEE"]["std"] = 0.0
    with pytest.raises(SchemaError, match="std > 0"):
        AutoModel.from_pretrained(saved, stats=stats)


def test_target_stats_alone_rescale_the_head_and_keep_the_physical_predictions(saved):
    """target_stats without new target names were ignored without a word."""
    base = load_model(saved).eval()
    stats = {"NEE": {"mean": 5.0, "std": 0.5}}
    rescaled = load_model(saved, target_stats=stats).eval()
    assert rescaled.config.stats["targets"]["NEE"] == stats["NEE"]
    x = torch.randn(2, 10, 1)
    with torch.no_grad():
        torch.testing.assert_close(rescaled(x).predictions, base(x).predictions, rtol=1e-4, atol=1e-4)
