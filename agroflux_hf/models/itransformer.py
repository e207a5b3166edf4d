"""iTransformer baseline: variables as tokens, attention across variables (configuration and model)."""

from __future__ import annotations

import torch
from torch import nn

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError
from agroflux_hf.models import attention
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
class ITransformerConfig(FluxConfig):
    r"""Configuration of :class:`ITransformerForFluxRegression`.

    Args:
    {common_args}
        sequence_length (`int`, *optional*, defaults to 365):
            Days per sample. The iTransformer embeds each variable's whole series with one linear layer, so
            the model takes exactly this many days (another length raises ``SchemaError``).
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Encoder layers.
        num_attention_heads (`int`, *optional*, defaults to 5):
            Attention heads; must divide ``hidden_size``.
        attention_dropout (`float`, *optional*, defaults to 0.0):
            Dropout on the attention weights (``dropout`` still applies to the embeddings, residual branches
            and feed-forward). 0 lets torch use its fused attention kernel, about 5x faster on CPU.
        intermediate_size (`int`, *optional*, defaults to 200):
            Width of the feed-forward layer (4 x hidden_size).
        activation (`str`, *optional*, defaults to `"gelu"`):
            Feed-forward activation, ``"relu"`` or ``"gelu"``.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.itransformer import ITransformerConfig, ITransformerForFluxRegression
    >>> config = ITransformerConfig(
    ...     input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE"], sequence_length=100
    ... )
    >>> model = ITransformerForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 100, 2), torch.randn(2, 1), output_hidden_states=True)
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 100, 1), (2, 100, 50))

    ```
    """

    model_type = "agroflux_itransformer"

    sequence_length: int = schema.SEQUENCE_LENGTH
    num_hidden_layers: int = 3
    num_attention_heads: int = 5
    intermediate_size: int = 200
    attention_dropout: float | int = 0.0
    activation: str = "gelu"


class ITransformerBackbone(nn.Module):
    """Series -> token per variable -> encoder across variables -> tokens projected back to days -> mixed."""

    def __init__(self, config: ITransformerConfig) -> None:
        super().__init__()
        n_tokens = config.num_daily_features + len(config.static_names)
        self.sequence_length = config.sequence_length
        self.embedding = nn.Linear(config.sequence_length, config.hidden_size)  # a whole series -> one token
        self.dropout = Dropout(config.dropout)
        self.encoder = attention.Encoder(config, config.activation)  # post-norm, across variables
        self.norm = nn.LayerNorm(config.hidden_size)
        self.projection = nn.Linear(config.hidden_size, config.sequence_length)  # token -> one value per day
        self.variable_mix = nn.Linear(n_tokens, config.hidden_size)  # per day: variables -> hidden

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        days = daily.shape[1]
        if days != self.sequence_length:
            raise SchemaError(
                f"this iTransformer embeds series of sequence_length={self.sequence_length} days, got {days} days"
            )
        # variables = num_daily_features + n_static: inputs, their observed flags, constant statics
        series = repeat_static_daily(daily, static).transpose(1, 2)  # (B, variables, T)
        tokens = self.dropout(self.embedding(series))  # (B, variables, hidden)
        tokens = self.norm(self.encoder(tokens))  # attention across variables; no positional encoding
        per_day = self.projection(tokens).transpose(1, 2)  # (B, T, variables), no ReLU: any sign
        return self.variable_mix(per_day)  # (B, T, hidden)


class ITransformerPreTrainedModel(FluxPreTrainedModel):
    config_class = ITransformerConfig


class ITransformerForFluxRegression(ITransformerPreTrainedModel):
    """iTransformer, Liu et al. (2024), "iTransformer: Inverted Transformers Are Effective for Time Series
    Forecasting", ICLR.

    Each variable's whole series is one token (a linear embedding of its ``sequence_length`` days);
    the static attributes are tokens of constant series, and with ``observed_mask_inputs`` each daily
    input's 0/1 observed series is a token too (2 x n_inputs + n_static tokens). The encoder attends
    across variables; each token is then projected back to one value per day, as in the paper's
    projector. Differences from the paper: the targets are not among the input variables, so a linear
    layer mixes the per-day values of all tokens into the per-day ``hidden_states`` read by the linear
    head; no per-series stationarisation (the inputs are normalised with training statistics instead);
    physical-unit inputs and outputs, NaN inputs filled with the training mean (and flagged). Unlike the
    published AgroFlux code there is no output ReLU, so
    predictions below the training mean are possible.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
    """

    def __init__(self, config: ITransformerConfig) -> None:
        super().__init__(config)
        self.backbone = ITransformerBackbone(config)
        self.post_init()


__all__ = [
    "ITransformerBackbone",
    "ITransformerConfig",
    "ITransformerForFluxRegression",
    "ITransformerPreTrainedModel",
]
