"""Pyraformer baseline: pyramidal attention over days, weeks, months... (configuration and model)."""

from __future__ import annotations

import functools
import itertools
import math

import torch
from huggingface_hub.dataclasses import strict
from torch import nn
from torch.nn import functional as F

from agroflux_hf.models.base import (
    FluxConfig,
    FluxPreTrainedModel,
    repeat_static_daily,
    sinusoidal_positions,
    with_common_config_doc,
)


@with_common_config_doc
@strict
class PyraformerConfig(FluxConfig):
    r"""Configuration of :class:`PyraformerForFluxRegression`.

    Args:
    {common_args}
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Pyramidal attention layers.
        num_attention_heads (`int`, *optional*, defaults to 5):
            Attention heads; must divide ``hidden_size``.
        attention_dropout (`float`, *optional*, defaults to 0.0):
            Dropout on the attention weights (``dropout`` still applies to the embeddings, residual branches
            and feed-forward). 0 lets torch use its fused attention kernel, about 5x faster on CPU.
        intermediate_size (`int`, *optional*, defaults to 200):
            Width of the feed-forward layer (4 x hidden_size).
        pyramid_strides (`list[int]`, *optional*, defaults to `[4, 4, 4]`):
            Children per parent at each coarser scale (the paper's C per level): 365 days -> 92 -> 23 -> 6
            nodes. One coarser scale per entry.
        inner_size (`int`, *optional*, defaults to 3):
            The paper's A: a node attends to the ``inner_size`` nodes of its own scale centred on it
            (itself and ``inner_size // 2`` on each side), plus its parent and its children.
        bottleneck_size (`int`, *optional*, defaults to `None`):
            Channels of the coarser-scale construction convolutions; ``None`` = ``hidden_size // 4``
            (the paper's 128 of 512), at least 1.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.pyraformer import PyraformerConfig, PyraformerForFluxRegression, pyramid_sizes
    >>> config = PyraformerConfig(input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE"])
    >>> pyramid_sizes(365, config.pyramid_strides)
    [365, 92, 23, 6]
    >>> model = PyraformerForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 1))
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 1), (2, 365, 50))

    ```
    """

    model_type = "agroflux_pyraformer"

    num_hidden_layers: int = 3
    num_attention_heads: int = 5
    intermediate_size: int = 200
    attention_dropout: float | int = 0.0
    pyramid_strides: list[int] | tuple[int, ...] = (4, 4, 4)
    inner_size: int = 3
    bottleneck_size: int | None = None

    def __post_init__(self, **kwargs) -> None:
        super().__post_init__(**kwargs)
        self.pyramid_strides = list(self.pyramid_strides)

    def check_sizes(self) -> None:
        super().check_sizes()
        if self.num_hidden_layers < 1:
            raise ValueError(f"num_hidden_layers must be >= 1, got {self.num_hidden_layers}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not divisible by num_attention_heads {self.num_attention_heads}"
            )
        if not self.pyramid_strides or any(s < 2 for s in self.pyramid_strides):
            raise ValueError(
                f"pyramid_strides must be a non-empty list of integers >= 2, got {self.pyramid_strides}"
            )
        if self.inner_size < 1:
            raise ValueError(f"inner_size must be >= 1, got {self.inner_size}")

    def bottleneck(self) -> int:
        return self.bottleneck_size or max(1, self.hidden_size // 4)


def pyramid_sizes(days: int, strides: list[int] | tuple[int, ...]) -> list[int]:
    """Nodes per scale, finest first; a partial group at the end still gets a parent."""
    sizes = [days]
    for stride in strides:
        sizes.append(math.ceil(sizes[-1] / stride))
    return sizes


@functools.lru_cache(maxsize=16)
def pyramid_layout(days: int, strides: tuple[int, ...], inner_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The pyramidal attention mask and each day's ancestors, for ``days`` days (cached per length).

    Returns ``(forbidden, ancestors)``: ``forbidden`` (nodes, nodes) bool, True where attention is not
    allowed (all scales concatenated, finest first); ``ancestors`` (days, scales) long, the node of each day
    at every scale (the day itself, its parent, grandparent...).
    """
    sizes = pyramid_sizes(days, strides)
    offsets = [0, *itertools.accumulate(sizes)][:-1]
    allowed = torch.zeros(sum(sizes), sum(sizes), dtype=torch.bool)
    half = inner_size // 2
    for size, offset in zip(sizes, offsets, strict=True):
        index = torch.arange(size)
        neighbours = (index[:, None] - index[None, :]).abs() <= half
        allowed[offset : offset + size, offset : offset + size] = neighbours
    for scale, stride in enumerate(strides):
        child = torch.arange(sizes[scale]) + offsets[scale]
        parent = torch.arange(sizes[scale]) // stride + offsets[scale + 1]
        allowed[child, parent] = True
        allowed[parent, child] = True
    day = torch.arange(days)
    columns, span = [day], 1
    for scale, stride in enumerate(strides, start=1):
        span *= stride
        columns.append(day // span + offsets[scale])
    return ~allowed, torch.stack(columns, dim=1)


class CoarserScaleConstruction(nn.Module):
    """The paper's CSCM (bottleneck variant): strided convolutions build each coarser scale from the finer.

    LayerNorm over channels replaces the paper's BatchNorm, so a sample never depends on its batch
    neighbours and batches of one train.
    """

    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__()
        width, bottleneck = config.hidden_size, config.bottleneck()
        self.strides = list(config.pyramid_strides)
        self.down = nn.Linear(width, bottleneck)
        self.convs = nn.ModuleList(nn.Conv1d(bottleneck, bottleneck, s, stride=s) for s in self.strides)
        self.conv_norms = nn.ModuleList(nn.LayerNorm(bottleneck) for _ in self.strides)
        self.up = nn.Linear(bottleneck, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, fine: torch.Tensor) -> torch.Tensor:  # fine: (B, T, hidden)
        x = self.down(fine).transpose(1, 2)  # (B, bottleneck, T)
        coarse = []
        for stride, conv, norm in zip(self.strides, self.convs, self.conv_norms, strict=True):
            x = F.pad(x, (0, (-x.shape[-1]) % stride))  # a partial last group still makes a node
            x = F.elu(norm(conv(x).transpose(1, 2)).transpose(1, 2))  # (B, bottleneck, nodes)
            coarse.append(x)
        coarse_nodes = self.up(torch.cat(coarse, dim=-1).transpose(1, 2))  # (B, coarse nodes, hidden)
        return self.norm(torch.cat([fine, coarse_nodes], dim=1))  # (B, all nodes, hidden)


class PyraformerBackbone(nn.Module):
    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__()
        self.strides = tuple(config.pyramid_strides)
        self.inner_size = config.inner_size
        self.embedding = nn.Linear(config.num_daily_features + len(config.static_names), config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.construction = CoarserScaleConstruction(config)
        layer = nn.TransformerEncoderLayer(
            d_model=config.hidden_size,
            nhead=config.num_attention_heads,
            dim_feedforward=config.intermediate_size,
            dropout=config.dropout,
            activation="gelu",
            batch_first=True,
        )
        layer.self_attn.dropout = config.attention_dropout  # attention weights only; see the config
        self.encoder = nn.TransformerEncoder(layer, config.num_hidden_layers, enable_nested_tensor=False)
        self.decoder = nn.Linear((len(self.strides) + 1) * config.hidden_size, config.hidden_size)

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        x = self.embedding(repeat_static_daily(daily, static))  # (B, T, hidden)
        batch, days, width = x.shape
        x = self.dropout(x + sinusoidal_positions(days, width, x.device, x.dtype))
        forbidden, ancestors = pyramid_layout(days, self.strides, self.inner_size)
        nodes = self.encoder(self.construction(x), mask=forbidden.to(x.device))  # (B, all nodes, hidden)
        gathered = nodes[:, ancestors.to(x.device)]  # (B, T, scales, hidden): each day and its ancestors
        return self.decoder(gathered.reshape(batch, days, -1))  # (B, T, hidden)


class PyraformerPreTrainedModel(FluxPreTrainedModel):
    config_class = PyraformerConfig


class PyraformerForFluxRegression(PyraformerPreTrainedModel):
    """Pyraformer, Liu et al. (2022), "Pyraformer: Low-Complexity Pyramidal Attention for Long-Range Time
    Series Modeling and Forecasting", ICLR.

    Days are embedded (linear + sinusoidal positions); the coarser-scale construction module builds
    coarser scales with strided convolutions (e.g. 365 days -> 92 -> 23 -> 6 nodes); the encoder attends
    with the pyramidal mask (``inner_size`` neighbours within a scale, parent and children across scales),
    through torch's scaled-dot-product attention with a (nodes x nodes) boolean mask. Each day is decoded
    from its own node and all its ancestors (concatenated, then a linear layer), as the paper does for
    single-step prediction; unlike the published AgroFlux code, the year is not decoded from the last day's
    vector. Differences from the paper: LayerNorm instead of BatchNorm in the construction module, a
    partial last group still gets a parent, static attributes appended to every day, physical-unit inputs
    and outputs, NaN inputs filled with the training mean (and flagged), and a per-day linear head.
    Not causal.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) and ``loss`` when targets are given.
    """

    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__(config)
        self.backbone = PyraformerBackbone(config)
        self.post_init()


__all__ = [
    "CoarserScaleConstruction",
    "PyraformerBackbone",
    "PyraformerConfig",
    "PyraformerForFluxRegression",
    "PyraformerPreTrainedModel",
    "pyramid_layout",
    "pyramid_sizes",
]
