"""Our metric as transformers ``Trainer``'s ``compute_metrics``: EvalPrediction in, flat {name: float} out.

Why a helper: ``Trainer`` hands ``compute_metrics`` one ``EvalPrediction`` (predictions and labels as
arrays of shape (examples, days, targets)) and logs only a flat dict of numbers, while the
``evaluate`` metric (``agroflux_hf.METRIC_PATH``) takes one flattened sequence per example and
returns nested scores per target. :func:`trainer_compute_metrics` bridges the two, and
:func:`flatten_scores` turns the nested scores into ``"NEE/pooled/rmse"``-style keys (Trainer adds
its ``eval_`` prefix), dropping what is not one number (the per-example cumulative totals).

    >>> flatten_scores({"NEE": {"pooled": {"rmse": 1.5, "n": 10}, "per_site": None}})
    {'NEE/pooled/rmse': 1.5, 'NEE/pooled/n': 10.0}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

SEPARATOR = "/"


def flatten_scores(scores: Mapping[str, Any], *, per_site_details: bool = False) -> dict[str, float]:
    """The metric's nested output as ``{"TARGET/group/metric": float}``.

    Numbers (and booleans) are kept, ``None`` and lists (per-example totals) are left out; the
    per-site table ``sites`` is kept only with ``per_site_details`` (one key per site and metric).
    """
    flat: dict[str, float] = {}

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key == "sites" and not per_site_details:
                    continue
                walk(inner, (*path, str(key)))
        elif isinstance(value, bool | int | float | np.integer | np.floating):
            flat[SEPARATOR.join(path)] = float(value)

    walk(scores, ())
    return flat


def _predictions_array(predictions: Any) -> np.ndarray:
    """The predictions of an EvalPrediction: the array itself, or the first of a tuple (when a model
    also returned hidden states that ``keys_to_ignore_at_inference`` did not remove)."""
    if isinstance(predictions, tuple | list):
        predictions = predictions[0]
    return np.asarray(predictions, dtype=np.float64)


def trainer_compute_metrics(
    target_names: Sequence[str],
    *,
    site_ids: Sequence[str] | None = None,
    min_site_obs: int | None = None,
    cumulative_targets: Sequence[str] | None = None,
    per_site_details: bool = False,
    metric: Any = None,
) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics`` for ``transformers.Trainer`` that scores with the AgroFlux metric.

    ``target_names`` names the last axis of the predictions (``model.config.target_names``);
    ``site_ids`` (one per evaluation example, in dataset order) adds per-site means and medians;
    ``min_site_obs`` and ``cumulative_targets`` are passed to the metric. ``metric`` is an
    ``evaluate`` module (default ``evaluate.load(agroflux_hf.METRIC_PATH)``, loaded on first use).
    Labels are physical units with NaN where not observed, as ``labels`` / ``target_values`` take them.
    """
    names = list(target_names)
    loaded: list[Any] = [metric]

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        predictions = _predictions_array(eval_prediction.predictions)
        references = np.asarray(eval_prediction.label_ids, dtype=np.float64)
        if predictions.shape != references.shape or predictions.shape[-1:] != (len(names),):
            raise ValueError(
                f"predictions {predictions.shape} and labels {references.shape} must both be "
                f"(examples, days, {len(names)}) for target_names {names}"
            )
        if site_ids is not None and len(site_ids) != len(predictions):
            raise ValueError(f"site_ids has {len(site_ids)} ids for {len(predictions)} evaluated examples")
        if loaded[0] is None:
            import evaluate

            from agroflux_hf.metrics import METRIC_PATH

            loaded[0] = evaluate.load(METRIC_PATH)
        scores = loaded[0].compute(
            predictions=[row.ravel().tolist() for row in predictions],
            references=[row.ravel().tolist() for row in references],
            target_names=names,
            site_ids=list(site_ids) if site_ids is not None else None,
            min_site_obs=min_site_obs,
            cumulative_targets=list(cumulative_targets) if cumulative_targets is not None else None,
        )
        return flatten_scores(scores, per_site_details=per_site_details)

    return compute_metrics
