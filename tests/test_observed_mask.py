"""The observed mask reaches every model (issue 9): one 0/1 flag per daily input beside its filled value.

A model with ``observed_mask_inputs`` must tell a measured value from the training mean that fills a
gap; a model without it (checkpoints saved before the field) must see exactly what it saw before.
"""

from __future__ import annotations

import json

import pytest
import torch
from test_models import DAYS, INPUTS, STATIC, STATS, physical_batch, tiny

from agroflux_hf.errors import IncompatibleCheckpointError
from agroflux_hf.models import CONFIG_CLASSES, MODEL_CLASSES, MODEL_NAMES, load_model

pytestmark = pytest.mark.usefixtures("one_thread")

MEANS = torch.tensor([STATS["inputs"][n]["mean"] for n in INPUTS])
STDS = torch.tensor([STATS["inputs"][n]["std"] for n in INPUTS])


@pytest.fixture(params=MODEL_NAMES)
def name(request) -> str:
    return request.param


def backbone_input(model: torch.nn.Module, *args, **kwargs) -> torch.Tensor:
    """The normalised daily tensor the backbone receives for one forward call."""
    seen = []
    handle = model.backbone.register_forward_pre_hook(lambda _module, inputs: seen.append(inputs[0]))
    try:
        with torch.no_grad():
            model(*args, **kwargs)
    finally:
        handle.remove()
    return seen[0]


def first_layer_width(model: torch.nn.Module) -> int:
    """Input width of each backbone's first layer (for EA-LSTM: its dynamic input only)."""
    backbone = model.backbone
    widths = {
        "lstm": lambda: backbone.lstm.input_size,
        "ealstm": lambda: backbone.layers[0].weight_dynamic.shape[0],
        "tcn": lambda: backbone.blocks[0].conv1.in_channels,
        "transformer": lambda: backbone.embedding.in_features,
        "itransformer": lambda: backbone.variable_mix.in_features,  # one column per token
        "pyraformer": lambda: backbone.embedding.in_features,
    }
    return widths[model.config.model_type.removeprefix("agroflux_")]()


def holes_and_values() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Daily inputs with NaN in one place and a ``past_observed_mask`` zero in another."""
    daily, static = physical_batch(2)
    with_nan = daily.clone()
    with_nan[0, 3:9, 0] = torch.nan
    with_nan[1, 0, 1], with_nan[0, 20, 2] = torch.inf, -torch.inf  # infinite = missing, as NaN
    mask = torch.ones_like(daily)
    mask[1, 5:12, 2] = 0.0
    return with_nan, static, mask


# ----- what the backbone reads -----
@pytest.mark.parametrize("flag", [True, False])
def test_backbone_width_counts_the_mask_channels(name, flag):
    model = tiny(name, observed_mask_inputs=flag)
    n_daily = len(INPUTS) * (2 if flag else 1)
    assert model.config.num_daily_features == n_daily
    static_width = 0 if name == "ealstm" else len(STATIC)  # EA-LSTM: statics drive the input gate only
    assert first_layer_width(model) == n_daily + static_width


def test_backbone_reads_filled_values_then_observed_flags(name):
    model = tiny(name).eval()
    daily, static, mask = holes_and_values()
    features = backbone_input(model, daily, static, past_observed_mask=mask)
    observed = torch.isfinite(daily) & mask.bool()
    expected_values = torch.where(observed, (daily - MEANS) / STDS, 0.0)
    assert features.shape == (2, DAYS, 2 * len(INPUTS))
    torch.testing.assert_close(features[..., : len(INPUTS)], expected_values)
    assert torch.equal(features[..., len(INPUTS) :], observed.float())
    assert torch.isnan(daily[0, 3:9, 0]).all(), "the caller's missing values must stay missing"


def test_flag_off_backbone_reads_only_the_filled_values(name):
    model = tiny(name, observed_mask_inputs=False).eval()
    daily, static, mask = holes_and_values()
    features = backbone_input(model, daily, static, past_observed_mask=mask)
    observed = torch.isfinite(daily) & mask.bool()
    assert features.shape == (2, DAYS, len(INPUTS))
    torch.testing.assert_close(features, torch.where(observed, (daily - MEANS) / STDS, 0.0))


def test_zero_mask_and_nan_give_the_same_backbone_input(name):
    model = tiny(name).eval()
    daily, static = physical_batch(2)
    holes = torch.zeros_like(daily, dtype=torch.bool)
    holes[1, 2:7, 1] = True
    with_nan = backbone_input(model, daily.masked_fill(holes, torch.nan), static)
    with_mask = backbone_input(model, daily, static, past_observed_mask=(~holes).float())
    assert torch.equal(with_nan, with_mask)
    assert with_mask[1, 2:7, len(INPUTS) + 1].eq(0).all() and with_mask[0, :, len(INPUTS) :].eq(1).all()


# ----- the flag changes predictions -----
def masked_at_the_mean() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs whose masked entries equal the training mean, so masking changes only the flag channel."""
    daily, static = physical_batch(2)
    daily[:, 6:14, 0] = MEANS[0]
    mask = torch.ones_like(daily)
    mask[:, 6:14, 0] = 0.0
    return daily, static, mask


def test_same_values_with_another_mask_give_other_predictions(name):
    model = tiny(name).eval()
    daily, static, mask = masked_at_the_mean()
    with torch.no_grad():
        all_observed = model(daily, static).predictions
        some_missing = model(daily, static, past_observed_mask=mask).predictions
    assert (some_missing - all_observed).abs().max() > 1e-6, f"{name} ignores the observed mask"


def test_flag_off_model_cannot_tell_a_filled_value_from_a_measured_mean(name):
    model = tiny(name, observed_mask_inputs=False).eval()
    daily, static, mask = masked_at_the_mean()
    with torch.no_grad():
        all_observed = model(daily, static).predictions
        some_missing = model(daily, static, past_observed_mask=mask).predictions
    assert torch.equal(some_missing, all_observed)


# ----- configuration and checkpoints -----
def test_new_configs_default_on_and_dict_round_trips_keep_the_value(name):
    config_class = CONFIG_CLASSES[name]
    assert config_class().observed_mask_inputs is True
    off = config_class(observed_mask_inputs=False)
    assert config_class.from_dict(off.to_dict()).observed_mask_inputs is False
    assert config_class.from_dict(config_class().to_dict()).observed_mask_inputs is True


@pytest.mark.parametrize("flag", [True, False])
def test_save_and_load_keep_the_flag_and_the_predictions(name, flag, tmp_path):
    model = tiny(name, observed_mask_inputs=flag).eval()
    daily, static, mask = holes_and_values()
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["observed_mask_inputs"] is flag
    loaded = load_model(tmp_path).eval()
    assert loaded.config.observed_mask_inputs is flag
    with torch.no_grad():
        expected = model(daily, static, past_observed_mask=mask).predictions
        got = loaded(daily, static, past_observed_mask=mask).predictions
    assert torch.equal(got, expected)


def test_config_saved_before_the_flag_loads_without_mask_channels(name, tmp_path):
    model = tiny(name, observed_mask_inputs=False).eval()
    model.save_pretrained(tmp_path)
    config_file = tmp_path / "config.json"
    legacy = json.loads(config_file.read_text())
    del legacy["observed_mask_inputs"]
    config_file.write_text(json.dumps(legacy))
    assert CONFIG_CLASSES[name].from_json_file(config_file).observed_mask_inputs is False
    loaded = MODEL_CLASSES[name].from_pretrained(tmp_path).eval()
    assert loaded.config.observed_mask_inputs is False
    daily, static, _ = holes_and_values()
    with torch.no_grad():
        assert torch.equal(loaded(daily, static).predictions, model(daily, static).predictions)


def test_asking_a_checkpoint_for_another_flag_is_refused_clearly(tmp_path):
    tiny("lstm", observed_mask_inputs=False).save_pretrained(tmp_path)
    with pytest.raises(IncompatibleCheckpointError, match=r"observed_mask_inputs False.*requested True"):
        MODEL_CLASSES["lstm"].from_pretrained(tmp_path, observed_mask_inputs=True)
    assert (
        MODEL_CLASSES["lstm"].from_pretrained(tmp_path, observed_mask_inputs=False).config.num_daily_features
        == 3
    )
