"""Evaluation: the validation loss behind early stopping, and the scores of a saved model.

Validation reports the model's own loss (``model.loss_of_predictions``, the same function as
``outputs.loss`` in training) on predictions gathered across processes; scores are
``metrics.core.score_targets`` of the best checkpoint, reloaded through ``models.load_model`` as a
user would load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from agroflux_hf.errors import AllNaNError, MissingCheckpointError
from agroflux_hf.training import plans
from agroflux_hf.training.plans import ConfigData, load_model
from agroflux_hf.training.tensors import Predictions, SplitTensors, predict_dataset


def validation_loss(model: Any, data: SplitTensors, batch_size: int, acc: Any) -> float:
    """The model's own loss (``model.loss_of_predictions``) over the whole split, as training computes it."""
    predictions = predict_dataset(model, data, batch_size=divisible_batch(batch_size, acc), accelerator=acc)
    if not bool((~np.isnan(predictions.obs)).any()):
        raise AllNaNError("the validation split has no observed target value: cannot select a best model")
    loss = model.loss_of_predictions(
        torch.from_numpy(predictions.predicted), torch.from_numpy(predictions.obs), predictions.target_names
    )
    return float(loss)


def divisible_batch(batch_size: int, acc: Any) -> int:
    """``batch_size`` rounded down to a multiple of the processes (at least one row each)."""
    n = acc.num_processes
    return max(n, batch_size - batch_size % n)


def evaluate_best(acc: Any, best_dir: Path, data: ConfigData, batch_size: int) -> dict:
    """Validation and test scores of the best checkpoint, reloaded through ``models.load_model`` as
    users will load it (so a checkpoint that does not load back fails the run, not a later user)."""
    if not best_dir.is_dir():
        raise MissingCheckpointError(f"{best_dir}: the run saved no best model")
    best = load_model(best_dir).to(acc.device)
    metrics = {}
    for split in ("validation", "test"):
        if split in data.splits:
            predictions = predict_dataset(best, data.splits[split], divisible_batch(batch_size, acc), acc)
            metrics[split] = score_predictions(predictions)
    return metrics


def score_predictions(predictions: Predictions) -> dict:
    """``score_targets`` with site ids; a split without any observation is reported, not fatal."""
    try:
        return predictions.scores(per_site=True)
    except AllNaNError as err:
        return {"error": str(err)}


def evaluate_model(
    model_dir: str | Path,
    config: str,
    *,
    split: str = "test",
    data_dir: str | Path | None = None,
    batch_size: int = 256,
) -> dict:
    """Scores (``metrics.core.score_targets``, per site) of a saved model on one split of ``config``."""
    model = load_model(model_dir)
    data = plans.load_config_data(config, data_dir)
    if split not in data.splits:
        raise ValueError(f"config {config} has no split {split!r}; it has {sorted(data.splits)}")
    return score_predictions(predict_dataset(model, data.splits[split], batch_size=batch_size))
