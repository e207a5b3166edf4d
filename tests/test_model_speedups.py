"""The fast paths of issue 13 against the slow ones they replace, on the same weights.

Sparse pyramidal attention vs the dense mask, the EA-LSTM's hand-written recurrence vs the autograd loop,
the cheaper dropout mask vs torch's, and the shipped checkpoints vs reference implementations of the
code they were trained with (kept here, in this file, as the old code path).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from agroflux_hf.checkpoints import available_checkpoints, checkpoint_path
from agroflux_hf.models import build_model, load_model
from agroflux_hf.models.attention import fused_attention
from agroflux_hf.models.base import repeat_static_daily, sinusoidal_positions
from agroflux_hf.models.dropout import dropout, dropped_levels, keep_mask, keep_scale, torch_dropout
from agroflux_hf.models.ealstm import EALSTMLayer
from agroflux_hf.models.pyraformer import (
    dense_pyramidal_attention,
    pyramid_layout,
    pyramid_neighbours,
    pyramid_sizes,
    pyramidal_attention,
)

LAYOUTS = [
    (365, (4, 4, 4), 3),
    (10, (3, 3), 3),
    (23, (2, 3), 5),
    (17, (4,), 1),
    (50, (3, 2, 2), 4),
    (7, (8,), 3),
]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ----- Pyraformer -----
@pytest.mark.parametrize(("days", "strides", "inner"), LAYOUTS)
def test_sparse_pyramidal_attention_equals_the_dense_mask(days, strides, inner):
    forbidden, _ = pyramid_layout(days, strides, inner)
    nodes = forbidden.shape[0]
    generator = torch.Generator().manual_seed(days)
    q, k, v = (torch.randn(2, nodes, 3, 4, dtype=torch.float64, generator=generator) for _ in range(3))
    for x in (q, k, v):
        x.requires_grad_(True)
    dense = dense_pyramidal_attention(q, k, v, forbidden)
    sparse = pyramidal_attention(q, k, v, pyramid_neighbours(days, strides, inner))
    torch.testing.assert_close(sparse, dense)
    upstream = torch.randn(dense.shape, dtype=torch.float64, generator=generator)
    dense_grads = torch.autograd.grad(dense, (q, k, v), upstream)
    sparse_grads = torch.autograd.grad(sparse, (q, k, v), upstream)
    for got, expected in zip(sparse_grads, dense_grads, strict=True):
        torch.testing.assert_close(got, expected)


def test_pyramid_neighbours_grow_linearly_with_the_days():
    slots = {}
    for days in (365, 730, 1460):
        neighbours = pyramid_neighbours(days, (4, 4, 4), 3)
        assert sum(s.size for s in neighbours) == sum(pyramid_sizes(days, (4, 4, 4)))
        slots[days] = sum(s.bias.numel() for s in neighbours)
    assert slots[1460] <= 4.1 * slots[365]  # O(nodes) slots, not O(nodes²)
    allowed = ~pyramid_layout(365, (4, 4, 4), 3)[0]
    real = sum(int(torch.isfinite(s.bias).sum()) for s in pyramid_neighbours(365, (4, 4, 4), 3))
    assert real == int(allowed.sum())  # exactly the dense mask's pairs


def test_pyramidal_attention_refuses_another_node_count():
    neighbours = pyramid_neighbours(10, (3, 3), 3)
    q = torch.randn(1, 15, 2, 4)
    with pytest.raises(ValueError, match=r"16 nodes.*15"):
        pyramidal_attention(q, q, q, neighbours)


def small_pyraformer(**overrides) -> nn.Module:
    torch.manual_seed(0)
    sizes = dict(hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16)
    sizes.update(pyramid_strides=[3, 2], bottleneck_size=4, dropout=0.0, **overrides)
    return build_model(
        "pyraformer", input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE"], **sizes
    )


def test_pyraformer_sparse_and_dense_agree_on_the_same_weights_forward_and_backward():
    model = small_pyraformer().train()  # dropout 0: training mode is deterministic
    daily, static, targets = torch.randn(3, 40, 2), torch.randn(3, 1), torch.randn(3, 40, 1)
    results = {}
    for dense in (True, False):
        model.backbone.encoder.dense = dense
        model.zero_grad()
        out = model(daily, static, target_values=targets)
        out.loss.backward()
        results[dense] = (out.predictions, {n: p.grad.clone() for n, p in model.named_parameters()})
    torch.testing.assert_close(results[False][0], results[True][0], rtol=1e-5, atol=1e-5)
    for name, grad in results[True][1].items():
        torch.testing.assert_close(results[False][1][name], grad, rtol=1e-4, atol=1e-6, msg=name)


def pyraformer_step(model: nn.Module) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Predictions and gradients of one training step on fixed data."""
    generator = torch.Generator().manual_seed(1)
    daily, static = torch.randn(3, 40, 2, generator=generator), torch.randn(3, 1, generator=generator)
    model.zero_grad()
    out = model(daily, static, target_values=torch.randn(3, 40, 1, generator=generator))
    out.loss.backward()
    return out.predictions, {n: p.grad.clone() for n, p in model.named_parameters()}


def test_compile_attention_switches_the_pyraformer_to_the_compiled_function(monkeypatch):
    """``TrainingArguments.compile_attention`` reaches the encoder, which then calls the compiled sparse
    attention (here a recording stand-in, so this test compiles nothing: the slow test below does)."""
    from agroflux_hf.models import pyraformer
    from agroflux_hf.training.plans import use_compiled_attention

    calls = []

    def recording(*args, **kwargs):
        calls.append(args[0].shape)
        return pyramidal_attention(*args, **kwargs)

    monkeypatch.setattr(pyraformer, "compiled_pyramidal_attention", lambda: recording)
    model = small_pyraformer().train()
    eager = pyraformer_step(model)
    assert calls == []
    use_compiled_attention(model, True)
    assert model.backbone.encoder.compile_attention
    compiled = pyraformer_step(model)
    assert len(calls) == model.config.num_hidden_layers
    torch.testing.assert_close(compiled[0], eager[0])
    with torch.no_grad():  # evaluation stays eager: a compile per evaluation batch shape would not pay
        model.eval()(torch.randn(2, 40, 2), torch.randn(2, 1))
    assert len(calls) == model.config.num_hidden_layers
    use_compiled_attention(
        build_model("lstm", input_names=["TMAX"], static_names=[], target_names=["NEE"]), True
    )


@pytest.mark.slow
def test_compiled_sparse_attention_equals_the_eager_one_forward_and_backward():
    """The real ``torch.compile`` (about a minute on CPU, needs a C++ compiler)."""
    from agroflux_hf.training.plans import use_compiled_attention

    model = small_pyraformer().train()
    eager = pyraformer_step(model)
    use_compiled_attention(model, True)
    compiled = pyraformer_step(model)
    torch.testing.assert_close(compiled[0], eager[0], rtol=1e-5, atol=1e-5)
    for name, grad in eager[1].items():
        torch.testing.assert_close(compiled[1][name], grad, rtol=1e-4, atol=1e-6, msg=name)


def old_pyraformer_hidden(model: nn.Module, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
    """The backbone as it was before issue 13: torch's ``nn.TransformerEncoder`` with the dense mask."""
    backbone, config = model.backbone, model.config
    layer = nn.TransformerEncoderLayer(
        config.hidden_size,
        config.num_attention_heads,
        config.intermediate_size,
        config.dropout,
        "gelu",
        batch_first=True,
    )
    encoder = nn.TransformerEncoder(layer, config.num_hidden_layers, enable_nested_tensor=False)
    encoder.load_state_dict(backbone.encoder.state_dict())
    encoder.eval()
    x = backbone.embedding(repeat_static_daily(daily, static))
    batch, days, width = x.shape
    x = x + sinusoidal_positions(days, width, x.device, x.dtype)
    forbidden, ancestors = pyramid_layout(days, tuple(config.pyramid_strides), config.inner_size)
    nodes = encoder(backbone.construction(x), mask=forbidden)
    return backbone.decoder(nodes[:, ancestors].reshape(batch, days, -1))


def old_torch_encoder(backbone: nn.Module, config, activation: str) -> nn.TransformerEncoder:
    """torch's ``nn.TransformerEncoder`` (what the attention models ran before issue 13), same weights."""
    layer = nn.TransformerEncoderLayer(
        config.hidden_size,
        config.num_attention_heads,
        config.intermediate_size,
        config.dropout,
        activation,
        batch_first=True,
    )
    encoder = nn.TransformerEncoder(layer, config.num_hidden_layers, enable_nested_tensor=False)
    encoder.load_state_dict(backbone.encoder.state_dict())
    return encoder.train(backbone.training)


def old_transformer_hidden(model: nn.Module, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
    backbone, config = model.backbone, model.config
    x = backbone.embedding(repeat_static_daily(daily, static)) * backbone.embedding_scale
    days = x.shape[1]
    x = backbone.dropout(x + sinusoidal_positions(days, x.shape[-1], x.device, x.dtype))
    mask = torch.ones(days, days, dtype=torch.bool).triu(1) if config.causal else None
    return old_torch_encoder(backbone, config, config.activation)(x, mask=mask, is_causal=config.causal)


def old_itransformer_hidden(model: nn.Module, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
    backbone, config = model.backbone, model.config
    tokens = backbone.dropout(backbone.embedding(repeat_static_daily(daily, static).transpose(1, 2)))
    tokens = backbone.norm(old_torch_encoder(backbone, config, config.activation)(tokens))
    return backbone.variable_mix(backbone.projection(tokens).transpose(1, 2))


def old_ealstm_hidden(model: nn.Module, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
    hidden = daily
    for layer in model.backbone.layers:
        hidden = layer.day_loop(hidden, static)  # eval: no dropout between layers
    return hidden


OLD_HIDDEN = {
    "pyraformer": old_pyraformer_hidden,
    "ealstm": old_ealstm_hidden,
    "transformer": old_transformer_hidden,
    "itransformer": old_itransformer_hidden,
}


@pytest.mark.parametrize(
    ("name", "overrides"), [("transformer", {}), ("transformer", {"causal": True}), ("itransformer", {})]
)
def test_fused_attention_models_equal_torch_encoder_on_the_same_weights(name, overrides):
    """Training mode with dropout 0 (the slow path of ``nn.TransformerEncoder``) and eval mode (its fast path)."""
    torch.manual_seed(0)
    sizes = dict(
        hidden_size=20, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16, dropout=0.0
    )
    if name == "itransformer":
        sizes["sequence_length"] = 30
    model = build_model(
        name,
        input_names=["TMAX", "PRECIP"],
        static_names=["SAND"],
        target_names=["NEE"],
        **sizes,
        **overrides,
    )
    daily, static = torch.randn(3, 30, 2), torch.randn(3, 1)
    for training in (True, False):
        model.train(training)
        normalised = model._normalised_inputs(daily, static, None)
        torch.testing.assert_close(
            model.backbone(*normalised), OLD_HIDDEN[name](model, *normalised), rtol=1e-5, atol=1e-5
        )


def physical_inputs(config, batch: int, days: int = 365) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)

    def around(group: str, shape: tuple[int, ...]) -> torch.Tensor:
        mean, std = (torch.tensor(v) for v in config.statistics(group))
        return torch.randn(*shape, len(mean), generator=generator) * std + mean

    daily = around("inputs", (batch, days))
    daily[0, 10:20, 0] = float("nan")  # a gap, filled and flagged
    return daily, around("static", (batch,))


@pytest.mark.parametrize("name", sorted(OLD_HIDDEN))
def test_shipped_checkpoints_predict_as_with_the_old_code(name):
    if f"{name}-temporal_co2" not in available_checkpoints():
        pytest.skip(f"no shipped {name} checkpoint")
    model = load_model(checkpoint_path(name)).eval()
    daily, static = physical_inputs(model.config, batch=2)
    with torch.no_grad():
        out = model(daily, static, output_hidden_states=True)
        normalised_daily, normalised_static = model._normalised_inputs(daily, static, None)
        old_hidden = OLD_HIDDEN[name](model, normalised_daily, normalised_static)
        old_predictions = model.scaler.denormalise(model.head(old_hidden), "targets")
    torch.testing.assert_close(out.hidden_states, old_hidden, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out.predictions, old_predictions, rtol=1e-4, atol=1e-5)


def test_every_shipped_checkpoint_predicts_the_same_with_torch_dropout():
    for entry in available_checkpoints():
        model = load_model(checkpoint_path(*entry.split("-", 1))).eval()
        daily, static = physical_inputs(model.config, batch=1)
        with torch.no_grad():
            fast = model(daily, static).predictions
            with torch_dropout():
                reference = model(daily, static).predictions
        assert torch.isfinite(fast).all(), entry
        torch.testing.assert_close(fast, reference, rtol=0, atol=0, msg=entry)


# ----- EA-LSTM -----
def test_ealstm_layer_equals_the_autograd_loop_forward_and_backward():
    torch.manual_seed(0)
    layer = EALSTMLayer(5, 3, 6)
    for parameter in layer.parameters():
        nn.init.normal_(parameter, std=0.5)
    dynamic, static = torch.randn(4, 30, 5), torch.randn(4, 3)
    upstream = torch.randn(4, 30, 6)
    expected = layer.day_loop(dynamic, static)
    expected_grads = torch.autograd.grad(expected, list(layer.parameters()), upstream)
    got = layer(dynamic, static)
    got_grads = torch.autograd.grad(got, list(layer.parameters()), upstream)
    torch.testing.assert_close(got, expected)
    for g, e in zip(got_grads, expected_grads, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


def test_ealstm_layer_gradcheck_and_no_gradient_to_the_zero_blocks():
    torch.manual_seed(0)
    layer = EALSTMLayer(3, 2, 4).double()
    for parameter in layer.parameters():
        nn.init.normal_(parameter, std=0.5)
    dynamic = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    static = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (dynamic, static))
    weight_ih, weight_hh, _, _ = layer.lstm_weights()
    assert torch.all(weight_ih[:4, :3] == 0) and torch.all(weight_ih[4:, 3:] == 0)  # i: static only
    assert torch.all(weight_hh[:4] == 0)  # the input gate does not read the hidden state


# ----- dropout -----
def test_fast_dropout_keeps_one_minus_p_scaled_and_is_seeded():
    x = torch.ones(400, 500, requires_grad=True)
    torch.manual_seed(5)
    y = dropout(x, 0.2, True)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.8) < 0.005
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / (1 - 13107 / 65536)))
    (y.sum()).backward()
    torch.testing.assert_close(x.grad, y.detach())  # gradient is the mask itself
    torch.manual_seed(5)
    assert torch.equal(dropout(torch.ones(400, 500), 0.2, True), y.detach())
    assert torch.equal(dropout(x, 0.2, False), x)  # eval: identity
    assert keep_mask(torch.Size([3, 5]), 0.5, x.device).dtype == torch.bool


def test_fast_dropout_equals_the_boolean_mask_product_it_replaced():
    """Same generator state, same mask: the float-mask product gives the values and gradients of the
    earlier ``(x / (1 - p)) * keep_mask`` bit for bit (so runs trained before the change reproduce)."""
    x = torch.randn(300, 70, requires_grad=True)
    upstream = torch.randn(300, 70)
    torch.manual_seed(11)
    y = dropout(x, 0.2, True)
    (gradient,) = torch.autograd.grad(y, x, upstream)
    torch.manual_seed(11)
    kept = 1 - dropped_levels(0.2) / 65536
    reference = (x * (1 / kept)) * keep_mask(x.shape, 0.2, x.device)
    (reference_gradient,) = torch.autograd.grad(reference, x, upstream)
    assert torch.equal(y, reference) and torch.equal(gradient, reference_gradient)
    assert 0 < (y == 0).sum() < y.numel()  # the mask drops some, keeps most
    torch.manual_seed(11)
    scale = keep_scale(x.shape, 0.2, x.device, torch.float32)
    assert scale.dtype == torch.float32
    assert scale.unique().tolist() == [0.0, torch.tensor(1 / kept).item()]


def test_fast_dropout_is_not_correlated_between_neighbours():
    torch.manual_seed(1)
    kept = (dropout(torch.ones(1000, 400), 0.5, True) != 0).float()
    neighbours = torch.corrcoef(torch.stack([kept[:, :-1].flatten(), kept[:, 1:].flatten()]))[0, 1]
    assert abs(neighbours.item()) < 0.01


@pytest.mark.parametrize("name", ["lstm", "ealstm", "tcn", "transformer", "itransformer", "pyraformer"])
def test_every_model_trains_under_bf16_autocast(name):
    """The GPU bench runs under bf16 autocast; the custom EA-LSTM node and the sparse attention must too."""
    sizes = dict(hidden_size=16, dropout=0.1)
    if name in ("tcn", "itransformer"):
        sizes["sequence_length"] = 40
    if name in ("transformer", "itransformer", "pyraformer"):
        sizes["num_attention_heads"] = 2
    torch.manual_seed(0)
    model = build_model(
        name, input_names=["TMAX"], static_names=["SAND"], target_names=["NEE"], **sizes
    ).train()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.randn(2, 40, 1), torch.randn(2, 1), target_values=torch.randn(2, 40, 1))
    out.loss.backward()
    assert torch.isfinite(out.loss)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_padded_heads_give_the_unpadded_attention(monkeypatch):
    from agroflux_hf.models import attention

    widths, kernel = [], attention.F.scaled_dot_product_attention
    monkeypatch.setattr(
        attention.F,
        "scaled_dot_product_attention",
        lambda q, *a, **k: widths.append(q.shape[-1]) or kernel(q, *a, **k),
    )
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 30, 5, 10, generator=generator) for _ in range(3))
    for causal in (False, True):
        padded = fused_attention(q, k, v, causal=causal)
        reference = fused_attention(q, k, v, causal=causal, pad_heads=False)
        torch.testing.assert_close(padded, reference)
    assert widths == [16, 10, 16, 10]  # the kernel saw padded heads, then the paper's 10 columns


def small_lstm(layers: int = 3, p: float = 0.3) -> nn.Module:
    torch.manual_seed(0)
    return build_model(
        "lstm",
        input_names=["TMAX", "PRECIP"],
        static_names=["SAND"],
        target_names=["NEE"],
        hidden_size=6,
        num_hidden_layers=layers,
        dropout=p,
    )


def test_lstm_layers_one_at_a_time_equal_nn_lstm_without_dropout(monkeypatch):
    """Same kernel, weights and layout as nn.LSTM: with the mask replaced by 1, values and gradients agree."""
    model = small_lstm().train()
    backbone = model.backbone
    inputs = torch.randn(4, 30, backbone.lstm.input_size, requires_grad=True)
    monkeypatch.setattr("agroflux_hf.models.lstm.dropout", lambda x, p, training: x)
    ours = backbone.layer_by_layer(inputs)
    expected, _ = backbone.lstm.eval()(inputs)  # eval: nn.LSTM without its dropout
    torch.testing.assert_close(ours, expected, rtol=1e-6, atol=1e-6)
    grads = torch.autograd.grad(ours.square().sum(), [inputs, *backbone.lstm.parameters()])
    expected_grads = torch.autograd.grad(expected.square().sum(), [inputs, *backbone.lstm.parameters()])
    for got, want in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_lstm_training_drops_out_between_layers_with_the_fast_mask():
    """One nn.LSTM layer at a time with dropout() on each layer's output but the last, as nn.LSTM places it."""
    model = small_lstm().train()
    lstm = model.backbone.lstm
    daily, static = torch.randn(4, 30, 4), torch.randn(4, 1)  # 2 inputs + their observed flags
    torch.manual_seed(7)
    ours = model.backbone(daily, static)
    singles = [nn.LSTM(lstm.input_size if i == 0 else lstm.hidden_size, lstm.hidden_size) for i in range(3)]
    for layer, single in enumerate(singles):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").data = getattr(lstm, f"{name}_l{layer}").data
    torch.manual_seed(7)  # after building them: their init draws numbers too
    hidden = repeat_static_daily(daily, static).transpose(0, 1)
    for layer, single in enumerate(singles):
        if layer > 0:
            hidden = dropout(hidden, lstm.dropout, True)
        hidden, _ = single(hidden)
    torch.testing.assert_close(ours, hidden.transpose(0, 1), rtol=1e-6, atol=1e-6)
    torch.manual_seed(7)
    assert not torch.equal(model.backbone(daily, static), model.backbone.eval()(daily, static))


def test_lstm_keeps_nn_lstm_in_eval_and_under_torch_dropout(monkeypatch):
    model = small_lstm()
    calls = []
    monkeypatch.setattr(type(model.backbone), "layer_by_layer", lambda self, x: calls.append(x) or x)
    daily, static = torch.randn(2, 10, 4), torch.randn(2, 1)
    model.backbone.eval()(daily, static)
    with torch_dropout():
        model.backbone.train()(daily, static)
    assert calls == []
    model.backbone.train()(daily, static)
    assert len(calls) == 1
