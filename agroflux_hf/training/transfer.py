"""Transfer from simulation to observation (task T2): pretrain -> fine-tune, and adversarial adaptation.

Fine-tuning loads a T0 checkpoint, maps its output targets to the observation targets *by name*
(head rows of shared targets are copied, new targets start fresh) and never falls back to training
from scratch: a missing checkpoint is :class:`MissingCheckpointError`, a wrong one
:class:`IncompatibleCheckpointError` (the published code's defect 10).

Normalisation of a fine-tuned model: the input statistics stay the pretrained ones, because the
encoder's weights were learnt on inputs scaled by them; a target shared with the checkpoint keeps
its pretrained statistics too (its head rows were learnt on that scale); only a target the
checkpoint did not predict takes its statistics from the observation config's training split.

Adversarial adaptation follows DANN (Ganin et al. 2016, "Domain-Adversarial Training of Neural
Networks", JMLR 17): a domain discriminator reads the per-day hidden sequence through a gradient
reversal layer, so minimising its loss trains the discriminator while pushing the encoder towards
features that do not tell simulation from observation. Unlike the published code (defect 6) the
reversal is real and the discriminator is trained (its parameters are in the optimiser).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

SOURCE_DOMAIN_LABEL = 0.0  # simulation
TARGET_DOMAIN_LABEL = 1.0  # observation


# ---------------------------------------------------------------- gradient reversal (DANN)
class _GradientReversal(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by ``-lambda`` (Ganin et al. 2016, eq. 13)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, lambd: float) -> torch.Tensor:
        ctx.lambd = float(lambd)
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.lambd * grad_output, None


def grad_reverse(x: torch.Tensor, lambd: float) -> torch.Tensor:
    """``x`` unchanged; gradients flowing back through it are scaled by ``-lambd``."""
    return _GradientReversal.apply(x, lambd)


def ganin_lambda(progress: float, gamma: float = 10.0) -> float:
    """Reversal weight 2 / (1 + exp(-gamma p)) - 1 at training progress p in [0, 1] (0 -> 0, 1 -> ~1).

    Ganin et al. ramp the weight up so the discriminator's noisy early signal does not swamp the
    task loss while the encoder is still random.
    """
    p = min(max(float(progress), 0.0), 1.0)
    return 2.0 / (1.0 + math.exp(-gamma * p)) - 1.0


class DomainDiscriminator(nn.Module):
    """A small MLP giving, for every day, the logit that the hidden state comes from observations.

    Input (batch, days, hidden) -> logits (batch, days). Per-day rather than pooled, so the encoder
    is pushed to make every day's representation domain-invariant, which is what the per-day
    regression head reads.
    """

    def __init__(self, hidden_size: int, width: int = 32) -> None:
        super().__init__()
        # Leaky units: at the start the encoder's features are near zero and a plain-ReLU
        # discriminator this small can die (constant logit, stuck at log 2) before it learns anything.
        self.net = nn.Sequential(
            nn.Linear(hidden_size, width),
            nn.LeakyReLU(0.2),
            nn.Linear(width, width),
            nn.LeakyReLU(0.2),
            nn.Linear(width, 1),
        )

    def forward(self, hidden_states: torch.Tensor, lambd: float) -> torch.Tensor:
        return self.net(grad_reverse(hidden_states, lambd)).squeeze(-1)


def domain_loss_and_accuracy(
    discriminator: nn.Module,
    source_hidden: torch.Tensor,
    target_hidden: torch.Tensor,
    lambd: float,
    source_rows: torch.Tensor | None = None,
    acc: Any = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Binary cross-entropy of the discriminator on both domains, and its accuracy (no gradient).

    One forward pass over both halves (a DDP-wrapped discriminator allows one forward per
    backward). Each domain's loss is averaged separately and the two halves weighted equally, so a
    smaller target batch does not let the discriminator win by predicting "simulation" everywhere.
    ``source_rows`` (bool, source rows) leaves out Accelerate's padding rows; under several processes
    (``acc``) each domain is averaged over the days of the whole batch, summed over processes, so the
    processes' parts add up to the one-process loss (as ``steps.loss_across_processes`` does for the task).
    """
    n_source = source_hidden.shape[0]
    logits = discriminator(torch.cat([source_hidden, target_hidden]).float(), lambd)
    processes = 1 if acc is None else int(acc.num_processes)
    losses, correct = [], []
    for part, label, rows in (
        (logits[:n_source], SOURCE_DOMAIN_LABEL, source_rows),
        (logits[n_source:], TARGET_DOMAIN_LABEL, None),
    ):
        labels = torch.full_like(part, label)
        weight = (
            torch.ones_like(part) if rows is None else rows.to(part.dtype).view(-1, *[1] * (part.ndim - 1))
        )
        weight = weight.expand_as(part)
        count = weight.sum().detach()
        if processes > 1:
            count = acc.reduce(count, reduction="sum")
        bce = nn.functional.binary_cross_entropy_with_logits(part, labels, reduction="none")
        losses.append((bce * weight).sum() / count.clamp(min=1.0) * processes)
        hits = ((part.detach() > 0).float() == labels).float()
        correct.append((hits * weight).sum() / weight.sum().clamp(min=1.0))
    return 0.5 * (losses[0] + losses[1]), 0.5 * (correct[0] + correct[1])


# ---------------------------------------------------------------- statistics and freezing
def merged_stats(pretrained_stats: dict | None, new_stats: dict, new_targets: Sequence[str]) -> dict:
    """Pretrained input/static statistics kept; pretrained target statistics kept for shared targets;
    new targets get ``new_stats`` (the observation training split). See the module docstring."""
    old = pretrained_stats or {}
    targets = {}
    for name in new_targets:
        if name in old.get("targets", {}):
            targets[name] = old["targets"][name]
        elif name in new_stats.get("targets", {}):
            targets[name] = new_stats["targets"][name]
    return {
        "inputs": dict(old.get("inputs") or new_stats.get("inputs", {})),
        "static": dict(old.get("static") or new_stats.get("static", {})),
        "targets": targets,
    }


def freeze_parameters(model: nn.Module, prefixes: Sequence[str]) -> list[str]:
    """Fix every parameter whose name starts with one of ``prefixes``; unknown prefixes are an error."""
    if not prefixes:
        return []
    names = [n for n, _ in model.named_parameters()]
    frozen = []
    for prefix in prefixes:
        hits = [n for n in names if n == prefix or n.startswith(prefix.rstrip(".") + ".")]
        if not hits:
            roots = sorted({n.split(".")[0] for n in names})
            raise ValueError(f"freeze: no parameter starts with {prefix!r}; top-level parts are {roots}")
        frozen.extend(hits)
    for name, parameter in model.named_parameters():
        if name in frozen:
            parameter.requires_grad_(False)
    return sorted(set(frozen))
