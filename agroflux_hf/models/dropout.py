"""Dropout with a cheaper random mask on CPU: the same Bernoulli(1 - p) keep mask and 1 / (1 - p) scale.

torch's CPU dropout draws one ``bernoulli_`` number per element, which took 10-36 % of a training step of
the AgroFlux models (issue 13). Here one 64-bit draw of torch's generator gives four 16-bit uniforms, about
seven times faster, so ``p`` is rounded to a multiple of 1/65536 (0.2 -> 0.199997; torch's float ``rand``
rounds to 1/2^24). Seeding with ``torch.manual_seed`` makes it reproducible. Off the CPU (CUDA's fused
kernel is fast) and in eval mode it is ``torch.nn.functional.dropout`` itself, so eval outputs are identical.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.nn import functional as F

_FAST = True
"""Module switch, for measuring against torch's dropout (``torch_dropout()``)."""

_UNIFORM_LEVELS = 2**16


@contextlib.contextmanager
def torch_dropout() -> Iterator[None]:
    """Within the block, :func:`dropout` is torch's own (the baseline ``scripts/bench_models.py`` times)."""
    global _FAST
    previous, _FAST = _FAST, False
    try:
        yield
    finally:
        _FAST = previous


def uniform_levels(shape: torch.Size, device: torch.device) -> torch.Tensor:
    """int16 uniforms on [-32768, 32767] of ``shape``, four from each 64-bit draw of torch's generator."""
    count = 1
    for size in shape:
        count *= size
    draws = torch.randint(-(2**63), 2**63 - 1, ((count + 3) // 4,), dtype=torch.int64, device=device)
    return draws.view(torch.int16)[:count].view(shape)


def keep_mask(shape: torch.Size, p: float, device: torch.device) -> torch.Tensor:
    """Boolean mask, False with probability p (rounded to 1/65536): the elements :func:`dropout` keeps."""
    return uniform_levels(shape, device) >= _lowest_kept_level(p)


def keep_scale(shape: torch.Size, p: float, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The mask of :func:`keep_mask` (same draws) as ``dtype``: 1 / (1 - p) where kept, 0 where dropped.

    Written straight into a float tensor by the comparison (one pass, no boolean tensor converted later).
    """
    uniforms = uniform_levels(shape, device)
    scale = torch.empty(shape, device=device, dtype=dtype)
    torch.ge(uniforms, _lowest_kept_level(p), out=scale)
    return scale.mul_(1 / kept_fraction(p))


def dropped_levels(p: float) -> int:
    """How many of the 65536 uniform levels drop an element: p rounded to 1/65536."""
    return round(p * _UNIFORM_LEVELS)


def kept_fraction(p: float) -> float:
    """1 - p as the mask realises it (p rounded to 1/65536): kept elements are divided by this."""
    return 1 - dropped_levels(p) / _UNIFORM_LEVELS


def _lowest_kept_level(p: float) -> int:
    """The int16 uniforms below this level are dropped (the lowest ``dropped_levels(p)`` of 65536)."""
    return dropped_levels(p) - _UNIFORM_LEVELS // 2


def draws_fast_masks(x: torch.Tensor) -> bool:
    """True when :func:`dropout` in training draws :func:`keep_scale` for ``x`` (CPU, outside
    :func:`torch_dropout`); off that path it is torch's own, so layers with a dropout of their own
    (``nn.LSTM``'s between layers) need not be replaced by :func:`dropout` there."""
    return x.device.type == "cpu" and _FAST


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``F.dropout(x, p, training)`` with :func:`keep_scale` on CPU while training.

    One product each way, and the float mask is what the backward keeps (four bytes per element, as
    torch's own CPU dropout keeps). Multiplying by the boolean mask instead (``(x / (1 - p)) * keep``, one
    byte kept) converted the mask to float and took an extra product in the forward and again in the
    backward: 1.03-1.18x slower training steps (issue 13; ``masked_fill_`` instead was no faster).
    """
    if not training or p == 0 or not draws_fast_masks(x):
        return F.dropout(x, p, training)
    return x * keep_scale(x.shape, p, x.device, x.dtype)


class Dropout(nn.Dropout):
    """``nn.Dropout`` with :func:`dropout`: same arguments, no parameters, so checkpoints are unaffected."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.inplace:
            return super().forward(x)
        return dropout(x, self.p, self.training)
