"""Pyraformer baseline: pyramidal attention over days, weeks, months... (configuration and model)."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from agroflux_hf.models.attention import EncoderLayer
from agroflux_hf.models.base import (
    FluxConfig,
    FluxPreTrainedModel,
    repeat_static_daily,
    sinusoidal_positions,
)
from agroflux_hf.models.config_doc import with_common_config_doc
from agroflux_hf.models.dropout import Dropout
from agroflux_hf.models.dropout import dropout as fast_dropout
from agroflux_hf.models.strict_config import strict_config


@with_common_config_doc
@strict_config
class PyraformerConfig(FluxConfig):
    r"""Configuration of :class:`PyraformerForFluxRegression`.

    Args:
    {common_args}
        num_hidden_layers (`int`, *optional*, defaults to 3):
            Pyramidal attention layers.
        num_attention_heads (`int`, *optional*, defaults to 5):
            Attention heads; must divide ``hidden_size``.
        attention_dropout (`float`, *optional*, defaults to 0.0):
            Dropout on the attention weights of each node's pyramidal neighbours (``dropout`` still applies
            to the embeddings, residual branches and feed-forward).
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
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 1), output_hidden_states=True)
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
        if not self.pyramid_strides or any(s < 2 for s in self.pyramid_strides):
            raise ValueError(
                f"pyramid_strides must be a non-empty list of integers >= 2, got {self.pyramid_strides}"
            )

    def bottleneck(self) -> int:
        return self.bottleneck_size or max(1, self.hidden_size // 4)


def pyramid_sizes(days: int, strides: list[int] | tuple[int, ...]) -> list[int]:
    """Nodes per scale, finest first; a partial group at the end still gets a parent."""
    sizes = [days]
    for stride in strides:
        sizes.append(math.ceil(sizes[-1] / stride))
    return sizes


@functools.lru_cache(maxsize=16)
def pyramid_ancestors(days: int, strides: tuple[int, ...]) -> torch.Tensor:
    """(days, scales) long: the node of each day at every scale (the day, its parent, grandparent...)."""
    offsets = [0, *itertools.accumulate(pyramid_sizes(days, strides))][:-1]
    day = torch.arange(days)
    columns, span = [day], 1
    for scale, stride in enumerate(strides, start=1):
        span *= stride
        columns.append(day // span + offsets[scale])
    return torch.stack(columns, dim=1)


def pyramid_layout(days: int, strides: tuple[int, ...], inner_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The dense pyramidal attention mask and each day's ancestors: the reference the sparse attention
    (:func:`pyramidal_attention`) is tested against. O(nodes²) memory; the model never builds it.

    Returns ``(forbidden, ancestors)``: ``forbidden`` (nodes, nodes) bool, True where attention is not
    allowed (all scales concatenated, finest first); ``ancestors`` as :func:`pyramid_ancestors`.
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
    return ~allowed, pyramid_ancestors(days, tuple(strides))


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


@dataclass(frozen=True)
class ScaleNeighbours:
    """Whom the nodes of one scale attend to, as slices of the node sequence (no index tensors).

    Keys of a node at position i of scale s, in this order: the ``inner_size`` nodes of its own scale centred
    on it (``band``), its parent (``has_parent``: every scale but the coarsest) and its ``children`` (every
    scale but the finest). ``bias`` (nodes, keys, 1) is 0 for a real neighbour and -inf for a slot past a
    scale's edge or a missing child of the partial last group.
    """

    start: int
    size: int
    band: int
    parent_stride: int  # children per parent of this scale's parent (0: coarsest scale, no parent)
    parent_start: int
    parent_size: int
    children: int  # children per node (0: finest scale)
    child_start: int
    child_size: int
    bias: torch.Tensor


@functools.lru_cache(maxsize=16)
def pyramid_neighbours(days: int, strides: tuple[int, ...], inner_size: int) -> tuple[ScaleNeighbours, ...]:
    """The pyramidal neighbourhood of ``pyramid_layout``, scale by scale, in O(nodes) memory (cached)."""
    sizes = pyramid_sizes(days, strides)
    offsets = [0, *itertools.accumulate(sizes)][:-1]
    half = inner_size // 2
    band = 2 * half + 1
    scales = []
    for scale, (size, start) in enumerate(zip(sizes, offsets, strict=True)):
        node = torch.arange(size)
        parent_stride = strides[scale] if scale < len(strides) else 0
        children = strides[scale - 1] if scale > 0 else 0
        band_ok = (node[:, None] + torch.arange(-half, half + 1)[None, :] >= 0) & (
            node[:, None] + torch.arange(-half, half + 1)[None, :] < size
        )
        parent_ok = torch.ones(size, 1 if parent_stride else 0, dtype=torch.bool)
        child_ok = node[:, None] * children + torch.arange(children)[None, :] < (
            sizes[scale - 1] if scale else 0
        )
        allowed = torch.cat([band_ok, parent_ok, child_ok], dim=1)
        bias = torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))
        scales.append(
            ScaleNeighbours(
                start=start,
                size=size,
                band=band,
                parent_stride=parent_stride,
                parent_start=offsets[scale + 1] if parent_stride else 0,
                parent_size=sizes[scale + 1] if parent_stride else 0,
                children=children,
                child_start=offsets[scale - 1] if children else 0,
                child_size=sizes[scale - 1] if children else 0,
                bias=bias.unsqueeze(-1),  # (nodes, keys, 1 for heads)
            )
        )
    return tuple(scales)


def _grouped(x: torch.Tensor, groups: int, stride: int) -> torch.Tensor:
    """(B, n, ...) -> (B, groups, stride, ...), zero nodes appended to fill the last group."""
    padding = [0, 0] * (x.dim() - 2) + [0, groups * stride - x.shape[1]]
    return F.pad(x, padding).unflatten(1, (groups, stride))


def _band_shifts(half: int) -> range:
    """Offsets of a node's same-scale neighbours, -half..half, in the order of the score slots."""
    return range(-half, half + 1)


def _scale_attention(
    q: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None],
    k: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None],
    v: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None],
    scale: ScaleNeighbours,
    dropout: float,
) -> torch.Tensor:
    """Attention of one scale's nodes over their pyramidal neighbours; (B, scale nodes, heads, head_size).

    ``q``, ``k``, ``v`` are (this scale, its parent scale or None, its child scale or None), each
    (B, nodes, heads, head_size). Neighbours are read as shifted copies of the scale (the band: rolled, the
    wrapped-around slots are masked) and as groups of ``stride`` consecutive nodes (parents, children),
    so no (nodes x nodes) matrix and no index gather (whose backward is slow) is ever built.
    """
    query, key, value = q[0], k[0], v[0]
    size = query.shape[1]
    half = scale.band // 2
    scores = [(query * torch.roll(key, -shift, dims=1)).sum(-1) for shift in _band_shifts(half)]  # (B, n, H)
    if scale.parent_stride:
        siblings = _grouped(query, scale.parent_size, scale.parent_stride)  # (B, parents, stride, H, d)
        parent_scores = (siblings * k[1].unsqueeze(2)).sum(-1).flatten(1, 2)  # (B, parents * stride, H)
        scores.append(parent_scores[:, :size])
    scores = torch.stack(scores, dim=2)  # (B, n, band [+ parent], H)
    if scale.children:
        child_keys = _grouped(k[2], size, scale.children)  # (B, n, children, H, d)
        scores = torch.cat([scores, (query.unsqueeze(2) * child_keys).sum(-1)], dim=2)
    weights = torch.softmax(scores + scale.bias.to(query.device, query.dtype), dim=2)  # (B, n, keys, H)
    if dropout:
        weights = fast_dropout(weights, dropout, True)
    weights = weights.unsqueeze(-1)  # (B, n, keys, H, 1)
    mixed = sum(
        weights[:, :, slot] * torch.roll(value, -shift, dims=1)
        for slot, shift in enumerate(_band_shifts(half))
    )  # (B, n, H, d)
    if scale.parent_stride:
        parent_weights = _grouped(weights[:, :, scale.band], scale.parent_size, scale.parent_stride)
        mixed = mixed + (parent_weights * v[1].unsqueeze(2)).flatten(1, 2)[:, :size]
    if scale.children:
        child_weights = weights[:, :, scale.band + (1 if scale.parent_stride else 0) :]  # (B, n, c, H, 1)
        mixed = mixed + (child_weights * _grouped(v[2], size, scale.children)).sum(2)
    return mixed


def pyramidal_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    neighbours: tuple[ScaleNeighbours, ...],
    dropout: float = 0.0,
) -> torch.Tensor:
    """Scaled dot-product attention restricted to the pyramidal neighbours: O(nodes), not O(nodes²).

    query, key, value: (batch, nodes, heads, head_size), all scales concatenated finest first. Equal (to
    float rounding) to ``scaled_dot_product_attention`` with the dense mask of :func:`pyramid_layout`:
    the same scores over the same keys, softmax over the same set.
    """
    sizes = [scale.size for scale in neighbours]
    if sum(sizes) != query.shape[1]:
        raise ValueError(f"the pyramid has {sum(sizes)} nodes, the attention got {query.shape[1]}")
    query = query * query.shape[-1] ** -0.5
    per_scale = [x.split(sizes, dim=1) for x in (query, key, value)]  # one backward cat, not a zero fill each

    def around(scales: tuple[torch.Tensor, ...], index: int) -> tuple:
        parent = scales[index + 1] if index + 1 < len(scales) else None
        return scales[index], parent, scales[index - 1] if index > 0 else None

    mixed = [
        _scale_attention(*(around(scales, index) for scales in per_scale), scale, dropout)
        for index, scale in enumerate(neighbours)
    ]
    return torch.cat(mixed, dim=1)


def dense_pyramidal_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, forbidden: torch.Tensor, dropout: float = 0.0
) -> torch.Tensor:
    """The reference: fused dense attention over all (nodes x nodes) pairs with the mask of
    :func:`pyramid_layout` (what the model computed before :func:`pyramidal_attention`). Same shapes."""
    mixed = F.scaled_dot_product_attention(
        query.transpose(1, 2),
        key.transpose(1, 2),
        value.transpose(1, 2),
        attn_mask=~forbidden,
        dropout_p=dropout,
    )
    return mixed.transpose(1, 2)  # (B, nodes, H, d)


@functools.lru_cache(maxsize=1)
def compiled_pyramidal_attention() -> Callable[..., torch.Tensor]:
    """:func:`pyramidal_attention` through ``torch.compile`` (inductor), made once per process.

    On the 2-core Intel machine one layer's sparse attention at batch 256 and 365 days trained about 5x
    faster and a Pyraformer training step about 1.5x (README, Speed). Static shapes: a kernel compiled for
    any shape (torch's choice after the second shape) lost the whole gain, so each batch shape compiles
    once (about a minute; inductor keeps it on disk), which pays off only for long runs (the paper
    preset's T0). Needs a C++ compiler on CPU. Equal to the eager function to float rounding (a slow test).
    """
    return torch.compile(pyramidal_attention, dynamic=False)


class PyraformerEncoder(nn.Module):
    """Post-norm encoder layers (``layers.<i>``, torch's parameters) with sparse pyramidal attention.

    ``dense = True`` switches to :func:`dense_pyramidal_attention` on the same weights (the reference for
    tests and ``scripts/bench_models.py``; O(nodes²)). ``compile_attention = True`` runs the sparse
    attention through ``torch.compile`` (:func:`compiled_pyramidal_attention`; ``TrainingArguments.
    compile_attention``): its many small elementwise passes fuse into a few loops.
    """

    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(config, "gelu") for _ in range(config.num_hidden_layers))
        self.attention_dropout = config.attention_dropout
        self.strides, self.inner_size = tuple(config.pyramid_strides), config.inner_size
        self.dense = False
        self.compile_attention = False

    def forward(self, nodes: torch.Tensor, days: int) -> torch.Tensor:
        dropout = self.attention_dropout if self.training else 0.0
        if self.dense:
            forbidden = pyramid_layout(days, self.strides, self.inner_size)[0].to(nodes.device)
            attention = functools.partial(dense_pyramidal_attention, forbidden=forbidden, dropout=dropout)
        else:
            neighbours = pyramid_neighbours(days, self.strides, self.inner_size)
            compiled = self.compile_attention and torch.is_grad_enabled()  # training steps, not evaluation
            sparse = compiled_pyramidal_attention() if compiled else pyramidal_attention
            attention = functools.partial(sparse, neighbours=neighbours, dropout=dropout)
        for layer in self.layers:
            nodes = layer(nodes, attention)
        return nodes


class PyraformerBackbone(nn.Module):
    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__()
        self.strides = tuple(config.pyramid_strides)
        self.inner_size = config.inner_size
        self.embedding = nn.Linear(config.num_daily_features + len(config.static_names), config.hidden_size)
        self.dropout = Dropout(config.dropout)
        self.construction = CoarserScaleConstruction(config)
        self.encoder = PyraformerEncoder(config)
        self.decoder = nn.Linear((len(self.strides) + 1) * config.hidden_size, config.hidden_size)

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        x = self.embedding(repeat_static_daily(daily, static))  # (B, T, hidden)
        batch, days, width = x.shape
        x = self.dropout(x + sinusoidal_positions(days, width, x.device, x.dtype))
        nodes = self.encoder(self.construction(x), days)  # (B, all nodes, hidden)
        ancestors = pyramid_ancestors(days, self.strides).to(x.device)
        gathered = nodes[:, ancestors]  # (B, T, scales, hidden): each day and its ancestors
        return self.decoder(gathered.reshape(batch, days, -1))  # (B, T, hidden)


class PyraformerPreTrainedModel(FluxPreTrainedModel):
    config_class = PyraformerConfig


class PyraformerForFluxRegression(PyraformerPreTrainedModel):
    """Pyraformer, Liu et al. (2022), "Pyraformer: Low-Complexity Pyramidal Attention for Long-Range Time
    Series Modeling and Forecasting", ICLR.

    Days are embedded (linear + sinusoidal positions); the coarser-scale construction module builds
    coarser scales with strided convolutions (e.g. 365 days -> 92 -> 23 -> 6 nodes); the encoder attends
    over the pyramidal neighbours only (``inner_size`` neighbours within a scale, parent and children across
    scales): each node's scores are computed for its few neighbours through views of the node sequence,
    so time and memory grow linearly with the days (:func:`pyramidal_attention`; equal to dense attention
    with the (nodes x nodes) mask of :func:`pyramid_layout`, which the shipped checkpoints were trained with).
    Each day is decoded
    from its own node and all its ancestors (concatenated, then a linear layer), as the paper does for
    single-step prediction; unlike the published AgroFlux code, the year is not decoded from the last day's
    vector. Differences from the paper: LayerNorm instead of BatchNorm in the construction module, a
    partial last group still gets a parent, static attributes appended to every day, physical-unit inputs
    and outputs, NaN inputs filled with the training mean (and flagged), and a per-day linear head.
    Not causal.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
    """

    def __init__(self, config: PyraformerConfig) -> None:
        super().__init__(config)
        self.backbone = PyraformerBackbone(config)
        self.post_init()


__all__ = [
    "CoarserScaleConstruction",
    "PyraformerBackbone",
    "PyraformerConfig",
    "PyraformerEncoder",
    "PyraformerForFluxRegression",
    "PyraformerPreTrainedModel",
    "ScaleNeighbours",
    "dense_pyramidal_attention",
    "pyramid_ancestors",
    "pyramid_layout",
    "pyramid_neighbours",
    "pyramid_sizes",
    "pyramidal_attention",
]
