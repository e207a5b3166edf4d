"""agroflux_hf: the AgroFlux carbon and nitrogen flux benchmark as Hugging Face datasets, models and metric.

The public names below are imported on first use (module ``__getattr__``, PEP 562), so
``import agroflux_hf`` and ``agroflux --help`` do not pay for transformers, datasets or accelerate.
The first use of any of them also imports :mod:`agroflux_hf.models`, which registers the six
architectures with ``AutoConfig`` / ``AutoModel``: after ``agroflux_hf.checkpoint_path(...)`` (or
``import agroflux_hf.models``), ``AutoModel.from_pretrained(path)`` works on any agroflux checkpoint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "METRIC_PATH": "agroflux_hf.metrics",
    "MODEL_NAMES": "agroflux_hf.models",
    "ConfigInfo": "agroflux_hf.data.loading",
    "TrainingArguments": "agroflux_hf.training.arguments",
    "available_checkpoints": "agroflux_hf.checkpoints",
    "build_model": "agroflux_hf.models",
    "checkpoint_path": "agroflux_hf.checkpoints",
    "config_info": "agroflux_hf.data.loading",
    "evaluate_model": "agroflux_hf.training",
    "list_configs": "agroflux_hf.data.loading",
    "load_agroflux": "agroflux_hf.data.loading",
    "load_model": "agroflux_hf.models",
    "predict_dataset": "agroflux_hf.training",
    "score_targets": "agroflux_hf.metrics.core",
    "train": "agroflux_hf.training",
}
"""Public name -> module that defines it."""

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

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names come from __getattr__
    from agroflux_hf.checkpoints import available_checkpoints, checkpoint_path
    from agroflux_hf.data.loading import ConfigInfo, config_info, list_configs, load_agroflux
    from agroflux_hf.metrics import METRIC_PATH
    from agroflux_hf.metrics.core import score_targets
    from agroflux_hf.models import MODEL_NAMES, build_model, load_model
    from agroflux_hf.training import TrainingArguments, evaluate_model, predict_dataset, train


def __getattr__(name: str) -> Any:
    """Import a public name on first use (and register the models with the Auto classes)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'agroflux_hf' has no attribute {name!r}")
    importlib.import_module("agroflux_hf.models")  # registers AutoConfig / AutoModel
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
