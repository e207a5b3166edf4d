"""The one AgroFlux loss: masked mean squared error in standardised units, per target, then weighted.

Why one function: training, validation, early stopping and the benchmark must optimise and report
the same quantity; with two losses ``train_loss`` and ``val_loss`` in ``log.jsonl`` measured
different things. Why per target first: pooled over all observed target-days, a target observed
every day (ET at a tower) outweighs one observed on a few days (N2O chambers) by its number of
observations; averaged per target first, each target weighs what ``target_weights`` says (equal by
default) whatever its number of observed days. Standardised units (each target divided by its
training std) make targets of different magnitudes comparable.

Like NeuralHydrology's ``training/loss.py``, NaN targets are masked, never filled into the error.
"""

from __future__ import annotations

import torch


def masked_target_loss(
    predicted: torch.Tensor,
    target_values: torch.Tensor,
    weights: torch.Tensor | None = None,
    counts: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weighted mean over targets of each target's mean squared error over its observed days.

    Args:
        predicted: (..., targets) predictions, already standardised.
        target_values: (..., targets) observations, standardised the same way; NaN = not observed.
        weights: (targets,) non-negative weight of each target (default equal).
        counts: (targets,) observed days per target of the whole batch when this is one process's share
            of it (:func:`observed_counts` summed over processes): the result is then this share's part
            of the whole batch's loss, and the parts add up to it. Default: this batch's own counts.

    A target with no observation drops out of the mean over targets; with none observed at all the loss
    is 0 and still carries the graph, so every process can call backward.
    """
    if predicted.shape != target_values.shape:
        raise ValueError(
            f"predicted shape {tuple(predicted.shape)} differs from target_values {tuple(target_values.shape)}"
        )
    observed = ~torch.isnan(target_values)
    # Fill before subtracting: a NaN in an unused branch would still poison the gradient.
    target = torch.where(observed, target_values.float(), 0.0)
    squared = torch.where(observed, (predicted.float() - target) ** 2, 0.0)
    count = observed.flatten(0, -2).sum(0) if counts is None else counts.to(squared.device)  # (targets,)
    per_target = squared.flatten(0, -2).sum(0) / count.clamp_min(1)
    if weights is None:
        weights = torch.ones_like(per_target)
    weight = weights.to(per_target.device, torch.float32) * (count > 0)
    return (per_target * weight).sum() / weight.sum().clamp_min(1e-12)


def observed_counts(target_values: torch.Tensor) -> torch.Tensor:
    """(targets,) observed (non-NaN) days per target: what :func:`masked_target_loss` divides by."""
    return (~torch.isnan(target_values)).flatten(0, -2).sum(0).float()
