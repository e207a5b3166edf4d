"""EA-LSTM baseline: the entity-aware LSTM of Kratzert et al. (2019) (configuration and model)."""

from __future__ import annotations

import torch
from torch import nn
from transformers import initialization as init

from agroflux_hf.models.base import (
    FluxConfig,
    FluxPreTrainedModel,
    repeat_static_daily,
)
from agroflux_hf.models.config_doc import with_common_config_doc
from agroflux_hf.models.dropout import Dropout
from agroflux_hf.models.strict_config import strict_config


@with_common_config_doc
@strict_config
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
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 2), output_hidden_states=True)
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 1), (2, 365, 50))

    ```
    """

    model_type = "agroflux_ealstm"

    num_hidden_layers: int = 3
    initial_forget_bias: float | int = 0.0

    @property
    def sees_future(self) -> bool:
        """Never: the recurrence runs forward in time, so day t reads days <= t only."""
        return False


class EALSTMLayer(nn.Module):
    """One entity-aware LSTM layer: input gate from the static attributes, other gates from the day.

    i = sigmoid(W_s s + b_s)                        (once per sequence)
    f_t, o_t, g_t = W_d x_t + U h_{t-1} + b          (every day)
    c_t = sigmoid(f_t) * c_{t-1} + i * tanh(g_t);  h_t = sigmoid(o_t) * tanh(c_t)

    This is an LSTM layer over ``[x_t, s]`` whose input gate has zero weights on the day and on the hidden
    state, and whose other gates have zero weights on the static attributes. The forward assembles those
    weights (:meth:`lstm_weights`) and runs torch's fused LSTM kernel (oneDNN on CPU, cuDNN on GPU), so the
    day loop is compiled code instead of about ten autograd nodes per day in Python; gradients flow through
    the assembly to the five parameters (the zero blocks get none). Same result, to float rounding, as the
    loop over days (tested against it).
    """

    def __init__(self, dynamic_size: int, static_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_dynamic = nn.Parameter(torch.empty(dynamic_size, 3 * hidden_size))  # gates f, o, g
        self.weight_hidden = nn.Parameter(torch.empty(hidden_size, 3 * hidden_size))
        self.bias = nn.Parameter(torch.empty(3 * hidden_size))
        self.weight_static = nn.Parameter(torch.empty(static_size, hidden_size))
        self.bias_static = nn.Parameter(torch.empty(hidden_size))

    def lstm_weights(self) -> list[torch.Tensor]:
        """``[weight_ih, weight_hh, bias_ih, bias_hh]`` of one ``nn.LSTM`` layer (gate order i, f, g, o) over
        the inputs ``[dynamic, static]`` computing this layer."""
        n_dynamic, n_static = self.weight_dynamic.shape[0], self.weight_static.shape[0]
        forget, output, cell = self.weight_dynamic.t().chunk(3)  # each (H, n_dynamic)
        zero_static = forget.new_zeros(self.hidden_size, n_static)
        weight_ih = torch.cat(
            [
                torch.cat([forget.new_zeros(self.hidden_size, n_dynamic), self.weight_static.t()], dim=1),
                torch.cat([forget, zero_static], dim=1),
                torch.cat([cell, zero_static], dim=1),
                torch.cat([output, zero_static], dim=1),
            ]
        )  # (4H, n_dynamic + n_static)
        recurrent_forget, recurrent_output, recurrent_cell = self.weight_hidden.t().chunk(3)  # each (H, H)
        weight_hh = torch.cat(
            [
                recurrent_forget.new_zeros(self.hidden_size, self.hidden_size),
                recurrent_forget,
                recurrent_cell,
                recurrent_output,
            ]
        )
        bias_forget, bias_output, bias_cell = self.bias.chunk(3)
        bias_ih = torch.cat([self.bias_static, bias_forget, bias_cell, bias_output])
        return [weight_ih, weight_hh, bias_ih, torch.zeros_like(bias_ih)]

    def forward(self, dynamic: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        """(B, T, n_dynamic) and (B, n_static) -> (B, T, hidden)."""
        return self.forward_time_major(dynamic.transpose(0, 1), static).transpose(0, 1)

    def forward_time_major(self, dynamic: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        """(T, B, n_dynamic) and (B, n_static) -> (T, B, hidden): the fused kernel's own layout, so that
        stacked layers (:class:`EALSTMBackbone`) do not transpose in and out of it at every layer (removing
        those two copies per layer took inference from 0.68 to 0.85 of ``nn.LSTM``'s, ``scripts/bench_models.py``)."""
        inputs = repeat_static_daily(dynamic, static, days_first=True)  # (T, B, n_dynamic + n_static)
        initial = dynamic.new_zeros(1, dynamic.shape[1], self.hidden_size)
        weights = [w.to(inputs.dtype) for w in self.lstm_weights()]
        hidden, _, _ = torch.lstm(
            inputs, (initial, initial), weights, True, 1, 0.0, self.training, False, False
        )
        return hidden

    def day_loop(self, dynamic: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        """The equations above as autograd over a Python loop of days (the layer before issue 13): the
        reference :meth:`forward` is tested against and ``scripts/bench_models.py`` times, as the
        Pyraformer's ``dense_pyramidal_attention``. Same shapes as :meth:`forward`; much slower."""
        input_gate = torch.sigmoid(static @ self.weight_static + self.bias_static)
        projected = dynamic @ self.weight_dynamic + self.bias
        h = dynamic.new_zeros(dynamic.shape[0], self.hidden_size)
        c = dynamic.new_zeros(dynamic.shape[0], self.hidden_size)
        outputs = []
        for day_projection in projected.unbind(dim=1):
            forget, output, cell = (day_projection + h @ self.weight_hidden).chunk(3, dim=-1)
            c = torch.sigmoid(forget) * c + input_gate * torch.tanh(cell)
            h = torch.sigmoid(output) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1)


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
        hidden = daily.transpose(0, 1)  # (T, B, n): days first through all layers, one transpose each way
        for index, layer in enumerate(self.layers):
            if index > 0:
                # between layers, as nn.LSTM does; the mask drawn in (B, T, hidden) order as before
                hidden = self.dropout(hidden.transpose(0, 1)).transpose(0, 1)
            hidden = layer.forward_time_major(hidden, static)
        return hidden.transpose(0, 1)  # (B, T, hidden)


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
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
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
]
