"""What one optimiser step computes: the supervised loss, or DANN's task and domain losses.

Why a module: the loop (:mod:`agroflux_hf.training.loop`) owns the schedule of steps, validation and
checkpoints; these functions own the loss of one batch, including what makes several processes
train like one (the whole batch's observed days in every process's loss, no repeated padding rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from agroflux_hf.errors import SchemaError
from agroflux_hf.models.loss import observed_counts
from agroflux_hf.training import transfer
from agroflux_hf.training.arguments import TrainingArguments
from agroflux_hf.training.tensors import StepBatchSampler, model_inputs

PADDING_ROWS = "padding_rows"
"""Batch key of the rows :func:`mask_padding_rows` found to be Accelerate's padding (bool, rows)."""

StepFn = Callable[[dict[str, torch.Tensor], int, float], tuple[torch.Tensor, dict[str, float]]]
"""One micro-batch's loss: (batch, draw, progress 0-1) -> (loss, numbers to log). ``draw`` numbers the
micro-batches of the run: global step x gradient accumulation + position in the accumulation window."""


def supervised_step(model: Any, acc: Any = None) -> StepFn:
    """The task loss on one batch: the model's own loss (``outputs.loss``); under several processes the
    same loss of the whole batch (:func:`loss_across_processes`)."""
    if acc is not None and acc.num_processes > 1:
        loss_of = acc.unwrap_model(model).loss_of_predictions

        def shared(batch: dict[str, torch.Tensor], _step: int, _progress: float) -> tuple[torch.Tensor, dict]:
            predictions = model(**model_inputs(batch, with_targets=False)).predictions
            return loss_across_processes(loss_of, predictions, batch["target_values"], acc), {}

        return shared

    def step(batch: dict[str, torch.Tensor], _step: int, _progress: float) -> tuple[torch.Tensor, dict]:
        return model(**model_inputs(batch, with_targets=True)).loss, {}

    return step


def loss_across_processes(
    loss_of: Callable[..., torch.Tensor], predictions: torch.Tensor, target_values: torch.Tensor, acc: Any
) -> torch.Tensor:
    """This process's part of the whole batch's loss, times the number of processes.

    Why: DDP averages the processes' gradients; if each process averaged each target over its own share
    of the batch, a target observed in one share only (N2O on a few chamber days) would weigh half what
    it weighs in one process. Dividing by the observed days of the whole batch (summed over processes)
    makes the parts add up to the one-process loss, and the factor undoes DDP's mean.
    """
    if acc.num_processes == 1:
        return loss_of(predictions, target_values)
    counts = acc.reduce(observed_counts(target_values), reduction="sum")
    return loss_of(predictions, target_values, counts=counts) * acc.num_processes


def mask_padding_rows(
    batch: dict[str, torch.Tensor], batch_number: int, batches_per_epoch: int, n_sequences: int, acc: Any
) -> None:
    """Unobserve (NaN targets) the rows Accelerate adds to an epoch's last batch under several processes.

    With ``split_batches`` and ``even_batches`` a short last batch is filled up from the epoch's first
    sequences so that every process gets as many rows; trained on, those sequences would count twice.
    Process ``p`` holds rows ``p * rows`` to ``(p + 1) * rows - 1`` of the global batch; those past the
    real sequences are padding.
    """
    if acc.num_processes == 1 or batch_number != batches_per_epoch - 1:
        return
    rows = int(batch["target_values"].shape[0])
    real = n_sequences - batch_number * rows * acc.num_processes
    position = acc.process_index * rows + torch.arange(rows, device=batch["target_values"].device)
    padded = position >= real
    if bool(padded.any()):
        batch["target_values"] = batch["target_values"].masked_fill(padded[:, None, None], float("nan"))
        batch[PADDING_ROWS] = padded  # the domain loss of adversarial training leaves them out too


def adversarial_step(
    model: Any,
    discriminator: Any,
    target_batches: StepBatchSampler,
    args: TrainingArguments,
    acc: Any,
    loss_of: Callable[..., torch.Tensor],
) -> StepFn:
    """DANN: task loss on a source (simulation) and a target (observation) batch, plus the domain loss
    through the gradient reversal layer. Both batches go through ONE forward pass (DDP allows one
    forward per backward), then are split again. ``loss_of`` is the unwrapped model's
    ``loss_of_predictions``: the same loss as ``outputs.loss``, on each half (of the whole batch under
    several processes, :func:`loss_across_processes`)."""
    device = acc.device

    def step(batch: dict[str, torch.Tensor], draw: int, progress: float) -> tuple[torch.Tensor, dict]:
        target = target_batches(draw, device)
        n_source = batch["past_values"].shape[0]
        joined = {k: torch.cat([batch[k], target[k]]) for k in ("past_values", "static_real_features")}
        outputs = model(**model_inputs(joined, with_targets=False), output_hidden_states=True)
        predictions, hidden = outputs.predictions, outputs.hidden_states
        if hidden is None or hidden.ndim != 3:
            raise SchemaError(
                "adversarial training needs outputs.hidden_states of shape (batch, days, hidden)"
            )
        source_loss = loss_across_processes(loss_of, predictions[:n_source], batch["target_values"], acc)
        target_loss = loss_across_processes(loss_of, predictions[n_source:], target["target_values"], acc)
        if args.adversarial_schedule == "ganin":
            lambd = args.adversarial_weight * transfer.ganin_lambda(progress, args.adversarial_gamma)
        else:
            lambd = args.adversarial_weight
        padding = batch.get(PADDING_ROWS)
        domain_loss, accuracy = transfer.domain_loss_and_accuracy(
            discriminator,
            hidden[:n_source],
            hidden[n_source:],
            lambd,
            source_rows=None if padding is None else ~padding,
            acc=acc,
        )
        logs = {
            "source_loss": float(source_loss.detach()),
            "target_loss": float(target_loss.detach()),
            "domain_loss": float(domain_loss.detach()),
            "domain_accuracy": float(accuracy),
            "lambda": lambd,
        }
        return source_loss + target_loss + domain_loss, logs

    return step
