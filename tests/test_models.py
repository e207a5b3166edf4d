"""The six baselines as transformers models: loading, independence, causality, learning, errors, precision.

Tiny sizes and short sequences keep the file fast; every check runs on all six architectures.
"""

from __future__ import annotations

import doctest
import json

import pytest
import torch
from transformers import AutoConfig, AutoModel
from transformers.utils import logging as hf_logging

import agroflux_hf.models as models_package
from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError, SchemaError
from agroflux_hf.models import (
    CONFIG_CLASSES,
    MODEL_CLASSES,
    MODEL_NAMES,
    FluxRegressionOutput,
    build_model,
    load_model,
)
from agroflux_hf.models import ealstm as ealstm_module
from agroflux_hf.models import itransformer as itransformer_module
from agroflux_hf.models import lstm as lstm_module
from agroflux_hf.models import pyraformer as pyraformer_module
from agroflux_hf.models import tcn as tcn_module
from agroflux_hf.models import transformer as transformer_module
from agroflux_hf.models.pyraformer import pyramid_layout, pyramid_sizes
from agroflux_hf.models.tcn import TCNConfig

hf_logging.disable_progress_bar()

INPUTS = ["TMAX", "TMIN", "PRECIP"]
STATIC = ["SAND", "PH"]
TARGETS = ["NEE", "GPP"]
DAYS = 24
STATS = {
    "inputs": {
        "TMAX": {"mean": 16.7, "std": 12.2},
        "TMIN": {"mean": 5.9, "std": 10.8},
        "PRECIP": {"mean": 2.8, "std": 7.3},
    },
    "static": {"SAND": {"mean": 188.3, "std": 157.8}, "PH": {"mean": 6.3, "std": 0.8}},
    "targets": {"NEE": {"mean": -0.35, "std": 2.7}, "GPP": {"mean": 2.8, "std": 4.9}},
}
CAUSAL = {"lstm": {}, "ealstm": {}, "tcn": {"causal": True}, "transformer": {"causal": True}}


def tiny(name: str, days: int = DAYS, **overrides) -> torch.nn.Module:
    """A small model of architecture ``name`` with the test's variables and statistics."""
    sizes = {"hidden_size": 8, "dropout": 0.0}
    if name != "tcn":
        sizes["num_hidden_layers"] = 2
    if name in ("transformer", "itransformer", "pyraformer"):
        sizes.update(num_attention_heads=2, intermediate_size=16)
    if name in ("tcn", "itransformer"):
        sizes["sequence_length"] = days
    if name == "pyraformer":
        sizes.update(pyramid_strides=[3, 3], bottleneck_size=4)
    sizes.update(overrides)
    torch.manual_seed(0)
    return build_model(
        name, input_names=INPUTS, static_names=STATIC, target_names=TARGETS, stats=STATS, **sizes
    )


def physical_batch(batch: int, days: int = DAYS, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs in physical units around the statistics' means."""
    generator = torch.Generator().manual_seed(seed)
    daily = torch.randn(batch, days, len(INPUTS), generator=generator) * 10 + 5
    static = torch.randn(batch, len(STATIC), generator=generator) * torch.tensor([150.0, 0.8]) + torch.tensor(
        [190.0, 6.3]
    )
    return daily, static


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run fastest on one thread, and OpenMP spinning on a busy 2-core machine costs 20x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(params=MODEL_NAMES)
def name(request) -> str:
    return request.param


# ----- loading and saving -----
def test_round_trip_through_auto_model_gives_identical_outputs(name, tmp_path):
    model = tiny(name).eval()
    daily, static = physical_batch(3)
    model.save_pretrained(tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "model.safetensors" in files and "pytorch_model.bin" not in files, files
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == f"agroflux_{name}"
    assert config["target_names"] == TARGETS and config["stats"]["targets"]["GPP"] == {
        "mean": 2.8,
        "std": 4.9,
    }
    loaded = AutoModel.from_pretrained(tmp_path).eval()
    assert type(loaded) is MODEL_CLASSES[name]
    assert type(AutoConfig.from_pretrained(tmp_path)) is CONFIG_CLASSES[name]
    with torch.no_grad():
        expected, got = model(daily, static), loaded(daily, static)
        again = load_model(tmp_path).eval()(daily, static)
    assert torch.equal(expected.predictions, got.predictions)
    assert torch.equal(again.predictions, expected.predictions)


def test_loading_another_architecture_is_refused(tmp_path):
    tiny("tcn").save_pretrained(tmp_path)
    with pytest.raises(IncompatibleCheckpointError, match=r"agroflux_lstm.*agroflux_tcn"):
        MODEL_CLASSES["lstm"].from_pretrained(tmp_path)


def test_loading_with_other_names_is_refused_or_mapped(tmp_path):
    tiny("lstm").save_pretrained(tmp_path)
    with pytest.raises(IncompatibleCheckpointError, match="N2O_FLUX"):
        MODEL_CLASSES["lstm"].from_pretrained(tmp_path, target_names=["N2O_FLUX"])
    with pytest.raises(IncompatibleCheckpointError, match="input_names"):
        MODEL_CLASSES["lstm"].from_pretrained(tmp_path, input_names=["TMAX", "PRECIP"])
    # through AutoModel transformers hands the names to the config: other names are refused, not taken
    swapped = ["TMIN", "TMAX", *INPUTS[2:]] if INPUTS[:2] == ["TMAX", "TMIN"] else list(reversed(INPUTS))
    with pytest.raises(IncompatibleCheckpointError, match="input_names"):
        AutoModel.from_pretrained(tmp_path, input_names=swapped)
    with pytest.raises(IncompatibleCheckpointError, match="target_names"):
        AutoModel.from_pretrained(tmp_path, target_names=list(reversed(TARGETS)))
    assert AutoModel.from_pretrained(tmp_path, input_names=list(INPUTS)).config.input_names == list(INPUTS)
    mapped = load_model(tmp_path, target_names=["GPP", "RECO"])
    assert mapped.config.target_names == ["GPP", "RECO"] and mapped.head.out_features == 2
    with pytest.raises(MissingCheckpointError):
        load_model(tmp_path / "missing")


def test_select_targets_keeps_shared_predictions_in_physical_units(name):
    model = tiny(name).eval()
    daily, static = physical_batch(2)
    with torch.no_grad():
        before = model(daily, static).predictions
        model.select_targets(
            ["RECO", "GPP"], {"GPP": {"mean": 10.0, "std": 0.5}, "RECO": {"mean": 1.0, "std": 2.0}}
        )
        after = model(daily, static)
    assert model.config.target_names == ["RECO", "GPP"]
    assert model.config.stats["targets"]["GPP"] == {"mean": 10.0, "std": 0.5}
    torch.testing.assert_close(after.predictions[..., 1], before[..., 1], rtol=1e-4, atol=1e-4)
    assert after.predictions.shape == (2, DAYS, 2)
    with pytest.raises(IncompatibleCheckpointError):
        model.select_targets(["N2O_FLUX"])


# ----- documented shapes and behaviour -----
@pytest.mark.parametrize(
    "module",
    [
        models_package,
        lstm_module,
        ealstm_module,
        tcn_module,
        transformer_module,
        itransformer_module,
        pyraformer_module,
    ],
    ids=lambda m: m.__name__.rsplit(".", 1)[-1],
)
def test_docstring_examples_run_and_show_the_documented_shapes(module):
    torch.manual_seed(0)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_output_shapes_and_types(name):
    model = tiny(name).eval()
    daily, static = physical_batch(3)
    targets = torch.randn(3, DAYS, len(TARGETS))
    out = model(daily, static, target_values=targets, output_hidden_states=True)
    assert isinstance(out, FluxRegressionOutput)
    assert out.predictions.shape == (3, DAYS, len(TARGETS)) and out.predictions.dtype == torch.float32
    assert out.hidden_states.shape == (3, DAYS, model.config.hidden_size)
    assert out.loss.shape == () and out.loss.requires_grad
    assert model(daily, static).loss is None


def test_wrong_input_width_names_both_numbers(name):
    model = tiny(name)
    daily, static = physical_batch(2)
    with pytest.raises(SchemaError, match=r"\(batch, days, 3\).*\(2, 24, 2\)"):
        model(daily[..., :2], static)
    with pytest.raises(SchemaError, match="static_real_features"):
        model(daily, static[:, :1])


def test_sample_output_does_not_depend_on_batch_neighbours(name):
    model = tiny(name).eval()
    daily, static = physical_batch(4)
    other_daily, other_static = physical_batch(4, seed=7)
    with torch.no_grad():
        alone = model(daily[:1], static[:1]).predictions
        with_batch = model(daily, static).predictions[:1]
        with_others = model(
            torch.cat([daily[:1], other_daily[1:]]), torch.cat([static[:1], other_static[1:]])
        )
    torch.testing.assert_close(with_batch, alone, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(with_others.predictions[:1], alone, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("causal_name", sorted(CAUSAL))
def test_causal_models_ignore_the_future(causal_name):
    model = tiny(causal_name, **CAUSAL[causal_name]).eval()
    daily, static = physical_batch(2)
    changed = daily.clone()
    day = 10
    changed[:, day + 1 :] += 20.0
    with torch.no_grad():
        before, after = model(daily, static).predictions, model(changed, static).predictions
    torch.testing.assert_close(after[:, : day + 1], before[:, : day + 1], rtol=1e-5, atol=1e-5)
    assert not torch.allclose(after[:, day + 1 :], before[:, day + 1 :], atol=1e-4)


def test_non_causal_tcn_sees_the_next_days():
    model = tiny("tcn", causal=False).eval()
    daily, static = physical_batch(2)
    changed = daily.clone()
    changed[:, 11:] += 20.0
    with torch.no_grad():
        assert not torch.allclose(
            model(changed, static).predictions[:, 10], model(daily, static).predictions[:, 10]
        )


def test_tcn_receptive_field_covers_the_sequence():
    config = TCNConfig()
    assert config.levels() == 7 and config.receptive_field() >= 365
    assert tcn_module.receptive_field(config.levels() - 1, config.kernel_size) < 365
    model = tiny("tcn", days=40).eval()
    daily, static = physical_batch(1, days=40)
    daily.requires_grad_(True)
    model(daily, static).predictions[:, -1].sum().backward()
    assert daily.grad[:, 0].abs().sum() > 0, "the last day should see the first"


def test_ealstm_sees_weather_after_day_one():
    model = tiny("ealstm").eval()
    daily, static = physical_batch(2)
    changed = daily.clone()
    changed[:, 5:15, :2] += 15.0  # temperatures only, well after day 1
    with torch.no_grad():
        before, after = model(daily, static).predictions, model(changed, static).predictions
    assert not torch.allclose(after[:, 5:], before[:, 5:], atol=1e-4)


def test_ealstm_keeps_its_initial_forget_bias_after_post_init():
    model = tiny("ealstm", initial_forget_bias=2.5)
    hidden = model.config.hidden_size
    for layer in model.backbone.layers:
        assert torch.all(layer.bias[:hidden] == 2.5) and torch.all(layer.bias[hidden:] == 0)
        torch.testing.assert_close(layer.weight_hidden, torch.eye(hidden).repeat(1, 3))


def test_pyramid_mask_links_neighbours_parents_and_children():
    forbidden, ancestors = pyramid_layout(10, (3, 3), 3)
    sizes = pyramid_sizes(10, (3, 3))
    assert sizes == [10, 4, 2] and forbidden.shape == (16, 16)
    allowed = ~forbidden
    assert torch.equal(allowed, allowed.T) and allowed.diagonal().all()
    assert allowed[0, 1] and not allowed[0, 2]  # neighbours within A = 3
    assert allowed[9, 10 + 3] and allowed[10 + 3, 9]  # day 9 <-> its parent (the partial last group)
    assert not allowed[0, 14]  # no direct link to the grandparent
    assert ancestors[9].tolist() == [9, 13, 15]


def test_predictions_can_fall_below_the_training_mean(name):
    model = tiny(name).eval()
    daily, static = physical_batch(8)
    with torch.no_grad():
        predictions = model(daily, static).predictions
    means = torch.tensor([STATS["targets"][n]["mean"] for n in TARGETS])
    assert (predictions < means).any() and (predictions > means).any()


def test_inference_head_with_folded_statistics_equals_the_head_then_denormalisation(name):
    """Without targets the head's weights carry the target statistics (one pass instead of three);
    with targets (the loss needs the standardised output) the head runs unfolded, then denormalisation."""
    model = tiny(name).eval()
    daily, static = physical_batch(8)
    targets = torch.full((8, DAYS, len(TARGETS)), float("nan"))
    head_calls = []
    model.head.register_forward_hook(lambda *_: head_calls.append(1))
    with torch.no_grad():
        folded = model(daily, static).predictions
        assert not head_calls  # the folded weights, not the head module
        unfolded = model(daily, static, target_values=targets).predictions
        assert len(head_calls) == 1
        hidden = model.backbone(*model._normalised_inputs(daily, static, None))
        by_hand = model.scaler.denormalise(model.head(hidden), "targets")
    torch.testing.assert_close(folded, unfolded, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(unfolded, by_hand, rtol=0, atol=0)


# ----- learning -----
def test_gradients_reach_every_parameter(name):
    model = tiny(name).train()
    daily, static = physical_batch(3)
    targets = torch.randn(3, DAYS, len(TARGETS)) * 3
    model(daily, static, target_values=targets).loss.backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not dead, f"no gradient reaches {dead}"


def synthetic_task(days: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Targets that depend on today's inputs, the running mean of an input and a static attribute."""
    daily, static = physical_batch(4, days=days, seed=3)
    z = (daily - torch.tensor([16.7, 5.9, 2.8])) / torch.tensor([12.2, 10.8, 7.3])
    running = torch.cumsum(z[..., 1], dim=1) / torch.arange(1, days + 1)
    nee = -0.35 + 2.7 * (0.8 * z[..., 0] + 0.3 * (static[:, None, 1] - 6.3) / 0.8)
    gpp = 2.8 + 4.9 * (running - 0.5 * z[..., 2])
    targets = torch.stack([nee, gpp], dim=-1)
    targets[0, ::3, 1] = torch.nan  # unobserved days must not matter
    return daily, static, targets


def test_each_model_overfits_a_small_batch(name):
    days = 12
    model = tiny(name, days=days, hidden_size=12).train()
    daily, static, targets = synthetic_task(days)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    first = model(daily, static, target_values=targets).loss.item()
    best = first
    for _ in range(250):
        optimizer.zero_grad()
        loss = model(daily, static, target_values=targets).loss
        loss.backward()
        optimizer.step()
        best = min(best, loss.item())
        if best < first / 100:
            break
    assert best < first / 100, f"{name}: loss {first:.4f} -> {best:.4f}"


# ----- loss -----
def test_loss_is_per_target_masked_mse_then_weighted_mean_in_normalised_space():
    model = tiny("lstm", target_weights={"GPP": 3.0}).eval()
    daily, static = physical_batch(2)
    targets = torch.randn(2, DAYS, 2) * 3
    targets[0, :5, 0] = torch.nan
    out = model(daily, static, target_values=targets)
    std = torch.tensor([2.7, 4.9])
    error = ((out.predictions - targets) / std) ** 2
    per_target = torch.stack([torch.nanmean(error[..., k]) for k in range(2)])
    expected = (per_target * torch.tensor([1.0, 3.0])).sum() / 4.0
    torch.testing.assert_close(out.loss, expected, rtol=1e-4, atol=1e-5)


def test_no_observed_target_gives_zero_loss_with_a_graph(name):
    model = tiny(name)
    daily, static = physical_batch(2)
    loss = model(daily, static, target_values=torch.full((2, DAYS, 2), torch.nan)).loss
    assert loss.item() == 0.0 and loss.requires_grad
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


# ----- robustness -----
def test_nan_inputs_do_not_give_nan_outputs_and_equal_a_zero_mask(name):
    model = tiny(name).eval()
    daily, static = physical_batch(2)
    holes = torch.zeros_like(daily, dtype=torch.bool)
    holes[0, 3:9, 0] = True
    holes[1, :, 2] = True
    with_nan = daily.masked_fill(holes, torch.nan)
    static_nan = static.clone()
    static_nan[1, 0] = torch.nan
    with torch.no_grad():
        out = model(with_nan, static_nan, target_values=torch.randn(2, DAYS, 2))
        masked = model(daily, static_nan, past_observed_mask=(~holes).float())
        static_inf = static_nan.clone()
        static_inf[1, 0] = torch.inf  # an infinite attribute is unknown too (the Transformers gave NaN)
        infinite = model(with_nan, static_inf)
    assert torch.isfinite(out.predictions).all() and torch.isfinite(out.loss)
    torch.testing.assert_close(masked.predictions, out.predictions)
    torch.testing.assert_close(infinite.predictions, out.predictions)


def test_batch_of_one_trains(name):
    model = tiny(name, dropout=0.2).train()
    daily, static = physical_batch(1)
    loss = model(daily, static, target_values=torch.randn(1, DAYS, 2)).loss
    loss.backward()
    assert torch.isfinite(loss)


def test_other_sequence_lengths(name):
    days = 41
    model = tiny(name, days=days).eval()
    daily, static = physical_batch(2, days=days)
    assert model(daily, static).predictions.shape == (2, days, 2)


def test_itransformer_refuses_another_length_clearly():
    model = tiny("itransformer", days=DAYS)
    daily, static = physical_batch(1, days=DAYS + 1)
    with pytest.raises(SchemaError, match=f"sequence_length={DAYS}.*{DAYS + 1}"):
        model(daily, static)


def test_bf16_forward_on_cpu(name):
    model = tiny(name).eval()
    daily, static = physical_batch(2)
    with torch.no_grad():
        full = model(daily, static).predictions
        half = model.to(torch.bfloat16)(daily, static, output_hidden_states=True)
    assert half.hidden_states.dtype == torch.bfloat16 and half.predictions.dtype == torch.float32
    assert model.scaler.static_mean.dtype == torch.float32 and model.scaler.static_mean[0] == 188.3
    assert torch.isfinite(half.predictions).all()
    scale = torch.tensor([2.7, 4.9])
    assert ((half.predictions - full).abs() / scale).max() < 0.1


# ----- configuration -----
def test_config_refuses_unknown_names_bad_stats_and_bad_sizes():
    with pytest.raises(SchemaError, match="NOT_A_VARIABLE"):
        CONFIG_CLASSES["lstm"](input_names=["NOT_A_VARIABLE"], target_names=["NEE"])
    # a target among the inputs or statics: the model would read what it predicts
    with pytest.raises(SchemaError, match=r"input_names: \{'NEE': 'target'\}"):
        CONFIG_CLASSES["lstm"](input_names=["TMAX", "NEE"], target_names=["NEE"])
    with pytest.raises(SchemaError, match="static_names"):
        CONFIG_CLASSES["lstm"](input_names=["TMAX"], static_names=["GPP"], target_names=["NEE"])
    with pytest.raises(SchemaError, match="lacks"):
        CONFIG_CLASSES["lstm"](
            input_names=["TMAX"], target_names=["NEE"], stats={"inputs": {"TMIN": {"mean": 0, "std": 1}}}
        )
    with pytest.raises(SchemaError, match="std > 0"):
        CONFIG_CLASSES["lstm"](
            input_names=["TMAX"], target_names=["NEE"], stats={"inputs": {"TMAX": {"mean": 0, "std": 0}}}
        )
    with pytest.raises(ValueError, match="divisible"):
        CONFIG_CLASSES["transformer"](hidden_size=50, num_attention_heads=4)
    with pytest.raises(ValueError, match="num_attention_heads"):
        build_model(
            "lstm", input_names=INPUTS, static_names=STATIC, target_names=TARGETS, num_attention_heads=5
        )
    with pytest.raises(ValueError, match="unknown model"):
        build_model("gru", input_names=INPUTS, static_names=STATIC, target_names=TARGETS)


@pytest.mark.parametrize(
    ("field", "value"),
    [("causal", "False"), ("observed_mask_inputs", "no"), ("hidden_size", 10.5), ("dropout", "0.1")],
)
def test_config_values_of_the_wrong_type_are_refused(field, value):
    """The text "False" is truthy: taken as given, it built a causal TCN recorded as not seeing the future
    (huggingface_hub's @strict skipped every annotation, all strings under postponed annotations)."""
    from huggingface_hub.errors import StrictDataclassError

    with pytest.raises(StrictDataclassError, match=field):
        TCNConfig(input_names=INPUTS, target_names=TARGETS, **{field: value})
    config = TCNConfig(input_names=INPUTS, target_names=TARGETS, dropout=0)  # an int is a number
    with pytest.raises(StrictDataclassError, match="causal"):
        config.causal = "False"  # assignment is checked too


def test_model_override_reads_python_literals_as_json_does():
    from agroflux_hf.commands.train import parse_overrides

    assert parse_overrides(["causal=False", "a=true", "b=None", "c=8", "d=text"]) == {
        "causal": False, "a": True, "b": None, "c": 8, "d": "text",
    }  # fmt: skip


def test_every_architecture_refuses_the_shared_impossible_sizes(name):
    """The size checks live once in FluxConfig and reach every config that has the field."""
    from agroflux_hf.models.sizes import POSITIVE_SIZES

    config_class = CONFIG_CLASSES[name]
    fields = vars(config_class())
    shared = [f for f in POSITIVE_SIZES if fields.get(f) is not None]
    own = {
        "lstm": {"num_hidden_layers"},
        "ealstm": {"num_hidden_layers"},
        "tcn": {"sequence_length"},
        "transformer": {"num_hidden_layers", "num_attention_heads", "intermediate_size"},
        "itransformer": {"num_hidden_layers", "num_attention_heads", "sequence_length", "intermediate_size"},
        "pyraformer": {"num_hidden_layers", "num_attention_heads", "inner_size", "intermediate_size"},
    }
    assert set(shared) == {"hidden_size"} | own[name]
    for field_name in shared:
        with pytest.raises(ValueError, match=f"{field_name} must be >= 1, got 0"):
            config_class(**{field_name: 0})
    if "num_attention_heads" in fields:
        with pytest.raises(ValueError, match="not divisible by num_attention_heads 3"):
            config_class(hidden_size=50, num_attention_heads=3)
    if "activation" in fields:
        with pytest.raises(ValueError, match="'swish'"):
            config_class(activation="swish")


def test_default_sizes_follow_the_paper(name):
    config = CONFIG_CLASSES[name]()
    assert config.hidden_size == 50 and config.dropout == 0.2
    assert getattr(config, "num_hidden_layers", 3) == 3
    assert getattr(config, "num_attention_heads", 5) == 5
    assert AutoConfig.for_model(f"agroflux_{name}").__class__ is CONFIG_CLASSES[name]


def test_static_bounds_clip_a_site_to_the_training_range_and_keep_nan():
    kwargs = dict(
        input_names=["TMAX"], static_names=["SAND", "ELEVATION"], target_names=["NEE"], hidden_size=8
    )
    torch.manual_seed(0)
    model = build_model("tcn", static_bounds={"ELEVATION": [200, 500]}, **kwargs).eval()
    daily = torch.randn(3, 20, 1)
    far = torch.tensor([[300.0, 4000.0], [300.0, 100.0], [float("nan"), 350.0]])
    edge = torch.tensor([[300.0, 500.0], [300.0, 200.0], [float("nan"), 350.0]])
    with torch.no_grad():
        torch.testing.assert_close(model(daily, far).predictions, model(daily, edge).predictions)
        assert torch.isnan(model.scaler.bound_static(far)[2, 0])  # a missing value stays missing
        unbounded = build_model("tcn", **kwargs).eval()
        unbounded.load_state_dict(model.state_dict())
        assert not torch.allclose(unbounded(daily, far).predictions, unbounded(daily, edge).predictions)
    with pytest.raises(SchemaError, match="not among static_names"):
        build_model("tcn", static_bounds={"CLAY": [0, 1]}, **kwargs)
    with pytest.raises(SchemaError, match="low <= high"):
        build_model("tcn", static_bounds={"SAND": [5, 1]}, **kwargs)
