"""Attention blocks shared by the Transformer, iTransformer and Pyraformer baselines.

The three models use the same post-norm encoder layer (torch's ``nn.TransformerEncoderLayer``: multi-head
self-attention, then a two-layer feed-forward, each with dropout, a residual and a LayerNorm). It is
defined here once, so the three files cannot drift apart, and its parameter names
(``layers.<i>.self_attn.in_proj_weight``, ``linear1``, ``norm1``...) stay those of the shipped checkpoints.

:class:`EncoderLayer` runs that layer with an attention function of the caller's choice: the Transformer
and iTransformer use :func:`fused_attention` (through :class:`Encoder`), the Pyraformer its sparse
pyramidal attention. Parameters and initialisation are torch's.
"""

from __future__ import annotations

import functools
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


def fused_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    causal: bool = False,
    dropout: float = 0.0,
    pad_heads: bool = True,
) -> torch.Tensor:
    """torch's fused ``scaled_dot_product_attention`` with the head size padded to a multiple of 8.

    (B, tokens, heads, d) in and out. Zero columns add nothing to a query-key product and give zero output
    columns, which are cut off, so the result is the unpadded attention (scale 1/sqrt(d) of the real head
    size); the CPU kernel runs about twice as fast with 16 columns as with the paper's 10 (issue 13).
    """
    size = query.shape[-1]
    padding = -size % 8 if pad_heads else 0
    q, k, v = (
        F.pad(x.transpose(1, 2), (0, padding)) for x in (query, key, value)
    )  # (B, heads, tokens, d+pad)
    mixed = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=causal, scale=size**-0.5)
    return mixed[..., :size].transpose(1, 2)


class Encoder(nn.Module):
    """``config.num_hidden_layers`` :class:`EncoderLayer` (``layers.<i>``, the parameter names of torch's
    ``nn.TransformerEncoder``) running :func:`fused_attention`, optionally causal; no final norm.
    ``pad_heads = False`` turns the head-size padding off (for measuring what it gains)."""

    def __init__(self, config: FluxConfig, activation: str, causal: bool = False) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(config, activation) for _ in range(config.num_hidden_layers))
        self.causal, self.attention_dropout = causal, config.attention_dropout
        self.pad_heads = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dropout = self.attention_dropout if self.training else 0.0
        attention = functools.partial(
            fused_attention, causal=self.causal, dropout=dropout, pad_heads=self.pad_heads
        )
        for layer in self.layers:
            x = layer(x, attention)
        return x


def use_fast_dropout(layer: nn.TransformerEncoderLayer, p: float) -> None:
    """Swap the layer's three ``nn.Dropout`` (feed-forward, after attention, after feed-forward) for
    :class:`~agroflux_hf.models.dropout.Dropout`: same probability, cheaper mask on CPU."""
    layer.dropout, layer.dropout1, layer.dropout2 = Dropout(p), Dropout(p), Dropout(p)
