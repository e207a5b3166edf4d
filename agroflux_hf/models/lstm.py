"""LSTM baseline: a stacked LSTM over days with a per-day linear head (configuration and model)."""

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
from agroflux_hf.models.dropout import draws_fast_masks, dropout
from agroflux_hf.models.strict_config import strict_config


@with_common_config_doc
@strict_config
class LSTMConfig(FluxConfig):
    r"""Configuration of :class:`LSTMForFluxRegression`.

    Args:
    {common_args}
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Stacked LSTM layers (the AgroFlux baselines use 3).
        initial_forget_bias (`float`, *optional*, defaults to 0.0):
            Initial value of the forget-gate bias of every layer. A positive value (e.g. 3) makes the cell
            keep its memory at the start of training (Gers et al. 2000); 0 keeps transformers' init.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.lstm import LSTMConfig, LSTMForFluxRegression
    >>> config = LSTMConfig(input_names=["TMAX", "TMIN", "PRECIP"], static_names=["SAND"], target_names=["NEE"])
    >>> model = LSTMForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 365, 3), torch.randn(2, 1), output_hidden_states=True)
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 1), (2, 365, 50))

    ```
    """

    model_type = "agroflux_lstm"

    num_hidden_layers: int = 3
    initial_forget_bias: float | int = 0.0

    @property
    def sees_future(self) -> bool:
        """Never: the recurrence runs forward in time, so day t reads days <= t only."""
        return False


class LSTMBackbone(nn.Module):
    """Stacked ``nn.LSTM`` over days; the static attributes are appended to the inputs of every day."""

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            input_size=config.num_daily_features + len(config.static_names),
            hidden_size=config.hidden_size,
            num_layers=config.num_hidden_layers,
            dropout=config.dropout if config.num_hidden_layers > 1 else 0.0,
            batch_first=True,
        )

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        inputs = repeat_static_daily(daily, static)
        if self.training and self.lstm.dropout > 0 and draws_fast_masks(inputs):
            return self.layer_by_layer(inputs)
        hidden, _ = self.lstm(inputs)  # (B, T, hidden)
        return hidden

    def layer_by_layer(self, inputs: torch.Tensor) -> torch.Tensor:
        """``self.lstm(inputs)`` in training with :func:`~agroflux_hf.models.dropout.dropout` between layers.

        ``nn.LSTM`` drops out between its layers with one ``bernoulli_`` per element, about 7 % of a
        training step at the paper's sizes on CPU (issue 13); the cheaper mask needs the layers run one at
        a time. They run days first, the fused kernel's own layout, so that no layer transposes in and out
        of it; the same kernel and parameters as ``nn.LSTM``, so eval mode (which stays on ``nn.LSTM``) and
        checkpoints are unaffected.
        """
        lstm = self.lstm
        hidden = inputs.transpose(0, 1)  # (T, B, n)
        initial = inputs.new_zeros(1, inputs.shape[0], lstm.hidden_size)
        for layer in range(lstm.num_layers):
            if layer > 0:
                hidden = dropout(hidden, lstm.dropout, True)
            weights = lstm.all_weights[layer]  # [weight_ih, weight_hh, bias_ih, bias_hh] of this layer
            hidden, _, _ = torch.lstm(hidden, (initial, initial), weights, True, 1, 0.0, True, False, False)
        return hidden.transpose(0, 1)  # (B, T, hidden)


class LSTMPreTrainedModel(FluxPreTrainedModel):
    config_class = LSTMConfig

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)  # xavier weights, zero biases for nn.LSTM
        if isinstance(module, nn.LSTM) and self.config.initial_forget_bias:
            hidden = module.hidden_size
            for layer in range(module.num_layers):
                # PyTorch gate order is (input, forget, cell, output); one of the two biases suffices.
                init.constant_(
                    getattr(module, f"bias_hh_l{layer}")[hidden : 2 * hidden], self.config.initial_forget_bias
                )


class LSTMForFluxRegression(LSTMPreTrainedModel):
    """Stacked LSTM (Hochreiter & Schmidhuber 1997), the AgroFlux LSTM baseline.

    Differences from a plain ``nn.LSTM`` + ``nn.Linear``: inputs and predictions are in physical units
    (normalised inside with the training split's statistics from the config), static site attributes are
    appended to every day's inputs, NaN inputs are filled with the training mean and flagged by one 0/1
    observed channel per input (``observed_mask_inputs``), and the head is applied to every day
    (sequence-to-sequence, causal: day t sees days <= t only).

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
    """

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__(config)
        self.backbone = LSTMBackbone(config)
        self.post_init()


__all__ = ["LSTMBackbone", "LSTMConfig", "LSTMForFluxRegression", "LSTMPreTrainedModel"]
