"""Attention blocks shared by the Transformer, iTransformer and Pyraformer baselines.

The three models use the same post-norm encoder layer (torch's ``nn.TransformerEncoderLayer``: multi-head
self-attention, then a two-layer feed-forward, each with dropout, a residual and a LayerNorm). It is
built here once, so the three files cannot drift apart, and its parameter names
(``layers.<i>.self_attn.in_proj_weight``, ``linear1``, ``norm1``...) stay those of the shipped checkpoints.

:class:`EncoderLayer` runs the same layer with an attention function of the caller's choice (the
Pyraformer passes its sparse pyramidal attention); its parameters and initialisation are torch's.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from agroflux_hf.models.base import FluxConfig
from agroflux_hf.models.dropout import Dropout

AttentionFunction = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""``(query, key, value) -> output``, each (batch, tokens, heads, head_size); the query is not yet scaled."""


class EncoderLayer(nn.TransformerEncoderLayer):
    """Post-norm ``nn.TransformerEncoderLayer`` whose attention is any :data:`AttentionFunction`.

    Same parameters, same initialisation and the same arithmetic as torch's layer (``norm_first=False``):
    ``x = norm1(x + dropout1(attention(x)))``, ``x = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))``.
    The projections are torch's packed ``in_proj_weight`` (queries, keys, values) and ``out_proj``.
    """

    def __init__(self, config: FluxConfig, activation: str) -> None:
        super().__init__(
            d_model=config.hidden_size,
            nhead=config.num_attention_heads,
            dim_feedforward=config.intermediate_size,
            dropout=config.dropout,
            activation=activation,
            batch_first=True,
        )
        use_fast_dropout(self, config.dropout)
        self.self_attn.dropout = config.attention_dropout  # attention weights only
        self.heads = config.num_attention_heads

    def attend(self, x: torch.Tensor, attention: AttentionFunction) -> torch.Tensor:
        """Multi-head self-attention of x (batch, tokens, hidden) with ``attention`` doing the weighting."""
        batch, tokens, width = x.shape
        qkv = F.linear(x, self.self_attn.in_proj_weight, self.self_attn.in_proj_bias)
        query, key, value = qkv.view(batch, tokens, 3, self.heads, width // self.heads).unbind(2)
        mixed = attention(query, key, value)  # (B, tokens, heads, head_size)
        return self.self_attn.out_proj(mixed.reshape(batch, tokens, width))

    def forward(self, x: torch.Tensor, attention: AttentionFunction) -> torch.Tensor:  # type: ignore[override]
        x = self.norm1(x + self.dropout1(self.attend(x, attention)))
        return self.norm2(x + self._ff_block(x))


def use_fast_dropout(layer: nn.TransformerEncoderLayer, p: float) -> None:
    """Swap the layer's three ``nn.Dropout`` (feed-forward, after attention, after feed-forward) for
    :class:`~agroflux_hf.models.dropout.Dropout`: same probability, cheaper mask on CPU."""
    layer.dropout, layer.dropout1, layer.dropout2 = Dropout(p), Dropout(p), Dropout(p)


def encoder_layer(config: FluxConfig, activation: str) -> nn.TransformerEncoderLayer:
    """torch's batch-first post-norm encoder layer at the config's sizes, attention-weight dropout from
    ``config.attention_dropout`` (0 lets torch use its fused kernel)."""
    layer = nn.TransformerEncoderLayer(
        d_model=config.hidden_size,
        nhead=config.num_attention_heads,
        dim_feedforward=config.intermediate_size,
        dropout=config.dropout,
        activation=activation,
        batch_first=True,  # attention within a sample, never across the batch
    )
    use_fast_dropout(layer, config.dropout)
    layer.self_attn.dropout = config.attention_dropout  # attention weights only; see the configs
    return layer


def encoder(config: FluxConfig, activation: str) -> nn.TransformerEncoder:
    """``config.num_hidden_layers`` copies of :func:`encoder_layer`, no final norm."""
    return nn.TransformerEncoder(
        encoder_layer(config, activation), config.num_hidden_layers, enable_nested_tensor=False
    )
