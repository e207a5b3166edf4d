"""Training with Accelerate: tasks T0, T1, T2 (pretrain -> fine-tune, adversarial), prediction, evaluation.

``train(task, model_name, config, output_dir=...)`` writes ``OUT/best_model/`` (``save_pretrained``),
``run_config.json``, ``metrics.json`` (validation and test scores of the best model), ``log.jsonl``
and ``log.csv`` (per epoch), and resumable states in ``OUT/checkpoints/``.
"""

from __future__ import annotations

from agroflux_hf.training.arguments import TrainingArguments
from agroflux_hf.training.loop import TASKS, RunResult, evaluate_model, train
from agroflux_hf.training.predict import Predictions, SplitTensors, predict_dataset, split_tensors
from agroflux_hf.training.transfer import DomainDiscriminator, ganin_lambda, grad_reverse

__all__ = [
    "TASKS",
    "DomainDiscriminator",
    "Predictions",
    "RunResult",
    "SplitTensors",
    "TrainingArguments",
    "evaluate_model",
    "ganin_lambda",
    "grad_reverse",
    "predict_dataset",
    "split_tensors",
    "train",
]
