"""agroflux_hf: the AgroFlux carbon and nitrogen flux benchmark as Hugging Face datasets, models and metric.

Importing the package registers the six architectures with ``AutoConfig`` / ``AutoModel``, so
``AutoModel.from_pretrained(path)`` works on any agroflux checkpoint after ``import agroflux_hf``.
"""

from __future__ import annotations

from agroflux_hf import models  # noqa: F401  (registers the Auto classes)
from agroflux_hf.checkpoints import available_checkpoints, checkpoint_path
from agroflux_hf.data.loading import ConfigInfo, config_info, list_configs, load_agroflux
from agroflux_hf.metrics import METRIC_PATH
from agroflux_hf.metrics.core import score_targets
from agroflux_hf.models import MODEL_NAMES, build_model, load_model
from agroflux_hf.training import TrainingArguments, evaluate_model, predict_dataset, train

__version__ = "0.1.0"

__all__ = [
    "METRIC_PATH",
    "MODEL_NAMES",
    "ConfigInfo",
    "TrainingArguments",
    "available_checkpoints",
    "build_model",
    "checkpoint_path",
    "config_info",
    "evaluate_model",
    "list_configs",
    "load_agroflux",
    "load_model",
    "predict_dataset",
    "score_targets",
    "train",
]
