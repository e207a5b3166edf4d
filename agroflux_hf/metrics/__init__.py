"""Metrics: numpy functions in :mod:`agroflux_hf.metrics.core`, and an ``evaluate`` module over them.

``METRIC_PATH`` is the folder of the ``evaluate`` module, so ``evaluate.load(METRIC_PATH)`` loads it
(evaluate resolves a local folder ``.../agroflux`` to the script ``.../agroflux/agroflux.py``).
``trainer_compute_metrics`` makes that metric transformers ``Trainer``'s ``compute_metrics``.
"""

from __future__ import annotations

from pathlib import Path

from agroflux_hf.metrics.core import (
    CUMULATIVE_METRIC_NAMES,
    CUMULATIVE_TARGETS,
    METRIC_NAMES,
    all_metrics,
    bias,
    cumulative_scores,
    kge,
    mae,
    nse,
    r2,
    rmse,
    sampled_cumulative,
    score_targets,
)
from agroflux_hf.metrics.trainer import flatten_scores, trainer_compute_metrics

METRIC_PATH: str = str(Path(__file__).resolve().parent / "agroflux")

__all__ = [
    "CUMULATIVE_METRIC_NAMES",
    "CUMULATIVE_TARGETS",
    "METRIC_NAMES",
    "METRIC_PATH",
    "all_metrics",
    "bias",
    "cumulative_scores",
    "flatten_scores",
    "kge",
    "mae",
    "nse",
    "r2",
    "rmse",
    "sampled_cumulative",
    "score_targets",
    "trainer_compute_metrics",
]
