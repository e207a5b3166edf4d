"""Training with Accelerate: tasks T0, T1, T2 (pretrain -> fine-tune, adversarial), prediction, evaluation.

``train(task, model_name, config, output_dir=...)`` writes ``OUT/best_model/`` (``save_pretrained``),
``run_config.json``, ``metrics.json`` (validation and test scores of the best model), ``log.jsonl``
and ``log.csv`` (per epoch), and resumable states in ``OUT/checkpoints/``.

Modules, by concern: :mod:`.tensors` (in-memory splits, batches, samplers, prediction),
:mod:`.plans` (a task resolved into a model and its data), :mod:`.checkpointing` (run state and
files), :mod:`.evaluation` (validation loss and scores), :mod:`.loop` (the Accelerate loop and
``train``), :mod:`.transfer` (DANN parts, statistics of fine-tuning), :mod:`.arguments`,
:mod:`.hf_trainer` (splits as a torch Dataset for transformers' ``Trainer``), :mod:`.launch`
(``report_to`` trackers, the process-count check) and :mod:`.hub_push` (``push_to_hub`` of a run).
The names below are imported on first use, so importing this package does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "TASKS": "agroflux_hf.training.plans",
    "DomainDiscriminator": "agroflux_hf.training.transfer",
    "FluxTrainerDataset": "agroflux_hf.training.hf_trainer",
    "Predictions": "agroflux_hf.training.tensors",
    "RunResult": "agroflux_hf.training.loop",
    "SplitTensors": "agroflux_hf.training.tensors",
    "TrainingArguments": "agroflux_hf.training.arguments",
    "evaluate_model": "agroflux_hf.training.evaluation",
    "ganin_lambda": "agroflux_hf.training.transfer",
    "grad_reverse": "agroflux_hf.training.transfer",
    "model_for_config": "agroflux_hf.training.hf_trainer",
    "predict_dataset": "agroflux_hf.training.tensors",
    "split_tensors": "agroflux_hf.training.tensors",
    "train": "agroflux_hf.training.loop",
    "trainer_datasets": "agroflux_hf.training.hf_trainer",
}
"""Public name -> module that defines it."""

__all__ = [
    "TASKS",
    "DomainDiscriminator",
    "FluxTrainerDataset",
    "Predictions",
    "RunResult",
    "SplitTensors",
    "TrainingArguments",
    "evaluate_model",
    "ganin_lambda",
    "grad_reverse",
    "model_for_config",
    "predict_dataset",
    "split_tensors",
    "train",
    "trainer_datasets",
]

if TYPE_CHECKING:
    from agroflux_hf.training.arguments import TrainingArguments
    from agroflux_hf.training.evaluation import evaluate_model
    from agroflux_hf.training.hf_trainer import FluxTrainerDataset, model_for_config, trainer_datasets
    from agroflux_hf.training.loop import RunResult, train
    from agroflux_hf.training.plans import TASKS
    from agroflux_hf.training.tensors import Predictions, SplitTensors, predict_dataset, split_tensors
    from agroflux_hf.training.transfer import DomainDiscriminator, ganin_lambda, grad_reverse


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'agroflux_hf.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
