"""EA-LSTM baseline: the entity-aware LSTM of Kratzert et al. (2019) (configuration and model)."""

from __future__ import annotations

import torch
from huggingface_hub.dataclasses import strict
from torch import nn
from transformers import initialization as init

from agroflux_hf.models.base import FluxConfig, FluxPreTrainedModel, with_common_config_doc
from agroflux_hf.models.dropout import Dropout


@with_common_config_doc
@strict
class EALSTMConfig(FluxConfig):
    r"""Configuration of :class:`EALSTMForFluxRegression`.

    Args:
    {common_args}
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Stacked EA-LSTM layers. The paper uses one; every layer here has its own static input gate.
        initial_forget_bias (`float`, *optional*, defaults to 0.0):
            Initial forget-gate bias. Kratzert et al. start it positive (5 in their published experiment
            settings) so the cell remembers by default early in training. Over 365-day sequences with three
            stacked layers and identity recurrent weights a positive bias saturates the cells and the model
            does not learn: on AgroFlux-mini ``temporal_co2`` at the paper's sizes (25 epochs, batch 10,
            Adam 1e-3) the test R² of NEE was -0.01 with a bias of 3 and 0.36 with 0 (measured
            2026-12-02), so the default is 0; set 3-5 for one layer as in the paper.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.ealstm import EALSTMConfig, EALSTMForFluxRegression
    >>> config = EALSTMConfig(input_names=["TMAX", "PRECIP"], static_names=["SAND", "PH"], target_names=["NEE"])
    >>> model = EALSTMForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 2))
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 1), (2, 365, 50))

    ```
    """

    model_type = "agroflux_ealstm"

    num_hidden_layers: int = 3
    initial_forget_bias: float | int = 0.0

    def check_sizes(self) -> None:
        super().check_sizes()
        if self.num_hidden_layers < 1:
            raise ValueError(f"num_hidden_layers must be >= 1, got {self.num_hidden_layers}")


def _recurrence_forward(
    projected: torch.Tensor, input_gate: torch.Tensor, weight_hidden: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    """The day loop with no autograd, every result written in place into day-major buffers.

    projected (T, B, 3H) -> hidden h_t (T, B, H), and for the backward: cells c_t, tanh(c_t) (T, B, H),
    sigmoid of the forget and output gates (T, B, 2H) and tanh of the cell candidate (T, B, H).
    """
    days, batch, width = projected.shape[0], projected.shape[1], input_gate.shape[1]
    hidden, cells, tanh_cells, candidates = (projected.new_empty(days, batch, width) for _ in range(4))
    forget_output = projected.new_empty(days, batch, 2 * width)
    h = projected.new_zeros(batch, width)
    c = projected.new_zeros(batch, width)
    for day in range(days):
        gates = torch.addmm(projected[day], h, weight_hidden)  # (B, 3H): f, o, g
        fo = torch.sigmoid(gates[:, : 2 * width], out=forget_output[day])
        g = torch.tanh(gates[:, 2 * width :], out=candidates[day])
        c = torch.addcmul(fo[:, :width] * c, input_gate, g, out=cells[day])
        h = torch.mul(fo[:, width:], torch.tanh(c, out=tanh_cells[day]), out=hidden[day])
    return hidden, cells, tanh_cells, forget_output, candidates


def _recurrence_backward(
    grad_hidden: torch.Tensor,
    saved: tuple[torch.Tensor, ...],
    input_gate: torch.Tensor,
    weight_hidden: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Backpropagation through the days: gradients of the gate pre-activations (T, B, 3H) and of the
    input gate (B, H). The weight gradient is one matmul over all days afterwards."""
    _, cells, tanh_cells, forget_output, candidates = saved
    days, batch, width = grad_hidden.shape
    grad_gates = grad_hidden.new_empty(days, batch, 3 * width)
    grad_h = grad_hidden.new_zeros(batch, width)
    grad_c = grad_hidden.new_zeros(batch, width)
    grad_input_gate = grad_hidden.new_zeros(batch, width)
    zeros = grad_hidden.new_zeros(batch, width)
    weight_t = weight_hidden.t()
    for day in range(days - 1, -1, -1):
        fo, g, tanh_c = forget_output[day], candidates[day], tanh_cells[day]
        dh = grad_hidden[day] + grad_h
        dc = torch.addcmul(grad_c, dh * fo[:, width:], 1 - tanh_c * tanh_c)
        grad_input_gate.addcmul_(dc, g)
        grad_c = dc * fo[:, :width]
        out = grad_gates[day]
        torch.mul(dc, cells[day - 1] if day > 0 else zeros, out=out[:, :width])  # d c_t / d f_t
        torch.mul(dh, tanh_c, out=out[:, width : 2 * width])  # d h_t / d o_t
        out[:, : 2 * width].mul_(fo - fo * fo)  # through the sigmoids
        torch.mul(dc * input_gate, 1 - g * g, out=out[:, 2 * width :])  # through the tanh
        grad_h = out @ weight_t
    return grad_gates, grad_input_gate


class EALSTMRecurrence(torch.autograd.Function):
    """The EA-LSTM day loop as one autograd node with a hand-written backward.

    Autograd over a Python loop records about ten nodes per day and replays them one by one; here the
    forward stores the gate activations and cells, and the backward is one reverse loop plus one matmul
    for the recurrent weights, so per day only the arithmetic remains. Exact (to float rounding) to the
    autograd loop (tests compare both and run ``gradcheck``); not twice differentiable.
    """

    @staticmethod
    def forward(
        ctx, projected: torch.Tensor, input_gate: torch.Tensor, weight_hidden: torch.Tensor
    ) -> torch.Tensor:
        # Under autocast the day projection may be bf16: run the loop in its dtype, autocast off.
        input_gate, weight_hidden = input_gate.to(projected.dtype), weight_hidden.to(projected.dtype)
        with torch.autocast(projected.device.type, enabled=False):
            saved = _recurrence_forward(projected.contiguous(), input_gate, weight_hidden)
        ctx.save_for_backward(*saved, input_gate, weight_hidden)
        return saved[0]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        *saved, input_gate, weight_hidden = ctx.saved_tensors
        grad_gates, grad_input_gate = _recurrence_backward(
            grad_hidden.contiguous(), saved, input_gate, weight_hidden
        )
        hidden = saved[0]
        previous_hidden = torch.cat([hidden.new_zeros(1, *hidden.shape[1:]), hidden[:-1]])  # h_{t-1}
        grad_weight = previous_hidden.flatten(0, 1).t() @ grad_gates.flatten(
            0, 1
        )  # (H, 3H), all days at once
        return grad_gates, grad_input_gate, grad_weight


class EALSTMLayer(nn.Module):
    """One entity-aware LSTM layer: input gate from the static attributes, other gates from the day.

    i = sigmoid(W_s s + b_s)                        (once per sequence)
    f_t, o_t, g_t = W_d x_t + U h_{t-1} + b          (every day; W_d x_t + b for all days in one matmul)
    c_t = sigmoid(f_t) * c_{t-1} + i * tanh(g_t);  h_t = sigmoid(o_t) * tanh(c_t)
    """

    def __init__(self, dynamic_size: int, static_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_dynamic = nn.Parameter(torch.empty(dynamic_size, 3 * hidden_size))  # gates f, o, g
        self.weight_hidden = nn.Parameter(torch.empty(hidden_size, 3 * hidden_size))
        self.bias = nn.Parameter(torch.empty(3 * hidden_size))
        self.weight_static = nn.Parameter(torch.empty(static_size, hidden_size))
        self.bias_static = nn.Parameter(torch.empty(hidden_size))

    def forward(self, dynamic: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        input_gate = torch.sigmoid(static @ self.weight_static + self.bias_static)  # (B, hidden)
        # all days at once, day-major so every day of the loop is one contiguous (B, 3H) block
        projected = torch.addmm(self.bias, dynamic.transpose(0, 1).flatten(0, 1), self.weight_dynamic)
        projected = projected.view(dynamic.shape[1], dynamic.shape[0], -1)  # (T, B, 3H)
        hidden = EALSTMRecurrence.apply(projected, input_gate, self.weight_hidden)  # (T, B, H)
        return hidden.transpose(0, 1)  # (B, T, hidden)


class EALSTMBackbone(nn.Module):
    def __init__(self, config: EALSTMConfig) -> None:
        super().__init__()
        n_dynamic, n_static, hidden = config.num_daily_features, len(config.static_names), config.hidden_size
        self.layers = nn.ModuleList(
            EALSTMLayer(n_dynamic if i == 0 else hidden, n_static, hidden)
            for i in range(config.num_hidden_layers)
        )
        self.dropout = Dropout(config.dropout)

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        hidden = daily
        for index, layer in enumerate(self.layers):
            if index > 0:
                hidden = self.dropout(hidden)  # between layers, as nn.LSTM does
            hidden = layer(hidden, static)
        return hidden


class EALSTMPreTrainedModel(FluxPreTrainedModel):
    config_class = EALSTMConfig

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, EALSTMLayer):
            # Kratzert et al.'s reference code: orthogonal input weights, identity recurrent weights per gate,
            # zero biases except the forget gate.
            hidden = module.hidden_size
            for weight in (module.weight_dynamic, module.weight_static):
                if weight.numel():  # no static attributes: an empty matrix, the gate is sigmoid(bias)
                    init.orthogonal_(weight)
            init.copy_(module.weight_hidden, torch.eye(hidden).repeat(1, 3))
            init.copy_(
                module.bias,
                torch.cat(
                    [torch.full((hidden,), float(self.config.initial_forget_bias)), torch.zeros(2 * hidden)]
                ),
            )
            init.zeros_(module.bias_static)


class EALSTMForFluxRegression(EALSTMPreTrainedModel):
    """Entity-Aware LSTM, Kratzert et al. (2019), "Towards learning universal, regional, and local
    hydrological behaviors via machine learning applied to large-sample datasets", HESS 23, 5089-5110.

    The static attributes (soil properties, site flags: ``static_names``) alone drive the input gate, once
    per sequence; the daily weather and management (``input_names``, followed by their 0/1 observed flags
    when ``observed_mask_inputs``) are the dynamic input of the forget,
    output and cell gates on every day. Unlike the published AgroFlux code, every day's weather is seen.
    Differences from the paper: ``num_hidden_layers`` layers may be stacked (the paper uses 1), each with its
    own static input gate and dropout between layers; physical-unit inputs and outputs, NaN inputs filled
    with the training mean (and flagged), and a per-day linear head. Causal: day t sees days <= t only.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) and ``loss`` when targets are given.
    """

    def __init__(self, config: EALSTMConfig) -> None:
        super().__init__(config)
        self.backbone = EALSTMBackbone(config)
        self.post_init()


__all__ = [
    "EALSTMBackbone",
    "EALSTMConfig",
    "EALSTMForFluxRegression",
    "EALSTMLayer",
    "EALSTMPreTrainedModel",
    "EALSTMRecurrence",
]
