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


def keep_mask(shape: torch.Size, p: float, device: torch.device) -> torch.Tensor:
    """Boolean mask, False with probability p (rounded to 1/65536); from 16-bit uniforms, four per draw."""
    count = 1
    for size in shape:
        count *= size
    draws = torch.randint(-(2**63), 2**63 - 1, ((count + 3) // 4,), dtype=torch.int64, device=device)
    uniforms = draws.view(torch.int16)[:count].view(shape)  # uniform on [-32768, 32767]
    return uniforms >= dropped_levels(p) - _UNIFORM_LEVELS // 2


def dropped_levels(p: float) -> int:
    """How many of the 65536 uniform levels drop an element: p rounded to 1/65536."""
    return round(p * _UNIFORM_LEVELS)


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``F.dropout(x, p, training)`` with :func:`keep_mask` on CPU while training.

    Multiplying by the boolean mask keeps one byte per element for the backward, as torch's dropout does
    (a float mask was 1.8x faster but held four; ``torch.where`` was 3x slower).
    """
    if not training or p == 0 or x.device.type != "cpu" or not _FAST:
        return F.dropout(x, p, training)
    kept = 1 - dropped_levels(p) / _UNIFORM_LEVELS
    return (x * (1 / kept)) * keep_mask(x.shape, p, x.device)


class Dropout(nn.Dropout):
    """``nn.Dropout`` with :func:`dropout`: same arguments, no parameters, so checkpoints are unaffected."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.inplace:
            return super().forward(x)
        return dropout(x, self.p, self.training)
