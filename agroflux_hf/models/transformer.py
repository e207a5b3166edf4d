"""Transformer baseline: an encoder attending across the days of one sample (configuration and model)."""

from __future__ import annotations

import math

import torch
from torch import nn

from agroflux_hf.models import attention
from agroflux_hf.models.base import (
    FluxConfig,
    FluxPreTrainedModel,
    repeat_static_daily,
    sinusoidal_positions,
)
from agroflux_hf.models.config_doc import with_common_config_doc
from agroflux_hf.models.dropout import Dropout
from agroflux_hf.models.strict_config import strict_config


@with_common_config_doc
@strict_config
class TransformerConfig(FluxConfig):
    r"""Configuration of :class:`TransformerForFluxRegression`.

    Args:
    {common_args}
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Encoder layers.
        num_attention_heads (`int`, *optional*, defaults to 5):
            Attention heads; must divide ``hidden_size``.
        attention_dropout (`float`, *optional*, defaults to 0.0):
            Dropout on the attention weights (``dropout`` still applies to the embeddings, residual branches
            and feed-forward). 0 lets torch use its fused attention kernel, about 5x faster on CPU.
        intermediate_size (`int`, *optional*, defaults to 200):
            Width of the feed-forward layer (4 x hidden_size, Vaswani et al.'s ratio).
        activation (`str`, *optional*, defaults to `"relu"`):
            Feed-forward activation, ``"relu"`` or ``"gelu"``.
        causal (`bool`, *optional*, defaults to `False`):
            Mask attention so day t attends to days <= t only.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.transformer import TransformerConfig, TransformerForFluxRegression
    >>> config = TransformerConfig(input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE"])
    >>> model = TransformerForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 1), output_hidden_states=True)
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 1), (2, 365, 50))

    ```
    """

    model_type = "agroflux_transformer"

    num_hidden_layers: int = 3
    num_attention_heads: int = 5
    intermediate_size: int = 200
    attention_dropout: float | int = 0.0
    activation: str = "relu"
    causal: bool = False


class TransformerBackbone(nn.Module):
    """Linear embedding of each day's inputs + sinusoidal day positions -> post-norm encoder over days."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.embedding = nn.Linear(config.num_daily_features + len(config.static_names), config.hidden_size)
        self.embedding_scale = math.sqrt(config.hidden_size)
        self.dropout = Dropout(config.dropout)
        self.encoder = attention.Encoder(config, config.activation, causal=config.causal)  # post-norm

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        x = self.embedding(repeat_static_daily(daily, static)) * self.embedding_scale  # (B, T, hidden)
        days = x.shape[1]
        x = self.dropout(x + sinusoidal_positions(days, x.shape[-1], x.device, x.dtype))
        return self.encoder(x)  # (B, T, hidden), attention within each sample


class TransformerPreTrainedModel(FluxPreTrainedModel):
    config_class = TransformerConfig


class TransformerForFluxRegression(TransformerPreTrainedModel):
    """Transformer encoder, Vaswani et al. (2017), "Attention Is All You Need", NeurIPS.

    Each day's inputs (with the static attributes appended) are embedded linearly, scaled by
    sqrt(hidden_size) and given sinusoidal positional encodings over days; a post-norm encoder then
    attends across the days of each sample (``batch_first``), optionally with a causal mask. Unlike the
    published AgroFlux code, there is a positional encoding and a sample never attends to its batch
    neighbours. Differences from the plain encoder: physical-unit inputs and outputs, NaN inputs filled
    with the training mean (and flagged), and a per-day linear head instead of a decoder.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
    """

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__(config)
        self.backbone = TransformerBackbone(config)
        self.post_init()


__all__ = [
    "TransformerBackbone",
    "TransformerConfig",
    "TransformerForFluxRegression",
    "TransformerPreTrainedModel",
]
