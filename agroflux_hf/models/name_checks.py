"""The names a checkpoint's weights were trained for, and the loading requests that may not change them.

Why a module: ``from_pretrained`` on the model class and the config path that ``AutoModel`` takes both
need the same rule (input and static names size the weights; target names re-point the head only
through the model class), and ``base.py`` holds the model itself.
"""

from __future__ import annotations

from typing import Any

from agroflux_hf.errors import IncompatibleCheckpointError

SHAPE_FIELDS: tuple[str, ...] = ("input_names", "static_names", "observed_mask_inputs")
"""Config fields that size the weights: ``from_pretrained`` refuses a request that differs from them."""

LEGACY_FIELDS: dict[str, Any] = {"observed_mask_inputs": False}

_HEAD_FIELDS: tuple[str, ...] = ("target_names", "target_stats")
"""Keyword arguments that re-point the head (the model class's ``from_pretrained``, ``select_targets``)."""


def refuse_name_overrides(config_dict: dict[str, Any], kwargs: dict[str, Any]) -> None:
    """Refuse ``AutoModel.from_pretrained(path, input_names=...)`` and the like when they differ from the
    checkpoint: transformers hands such keyword arguments to the config, which would take them as they
    are, relabelling weights sized and trained for other names (predictions silently wrong). Equal
    values are dropped; the model class's ``from_pretrained`` checks and re-targets before this."""
    for field in (*SHAPE_FIELDS, *_HEAD_FIELDS):
        if field not in kwargs:
            continue
        wanted = kwargs.pop(field)
        wanted = list(wanted) if isinstance(wanted, (list, tuple)) else wanted
        saved = config_dict.get(field)
        saved = list(saved) if isinstance(saved, (list, tuple)) else saved
        if field == "target_stats" or wanted != saved:
            raise IncompatibleCheckpointError(
                f"checkpoint {field} {saved} differ from the requested {wanted}: through AutoModel or "
                "AutoConfig they would relabel weights trained for the checkpoint's names. Re-point the "
                "head with agroflux_hf.load_model(path, target_names=...) or model.select_targets(...); "
                "input and static names size the weights (retrain instead)"
            )


def refuse_partial_load(path: Any, info: dict) -> None:
    """Raise when transformers' loading report has missing, unexpected or mismatched weights.

    Why: transformers fills a missing weight with a fresh random one and only logs it, so a damaged
    checkpoint, or ``from_pretrained(path, num_hidden_layers=4)`` (a fourth, random layer) or
    ``sequence_length=100`` on a TCN (two trained blocks dropped), gave a partly random model whose
    scores looked like any other's.
    """
    problems = {
        kind: sorted(info.get(kind) or [])[:6]
        for kind in ("missing_keys", "unexpected_keys", "mismatched_keys")
        if info.get(kind)
    }
    if problems:
        raise IncompatibleCheckpointError(
            f"{path}: the weights do not fit the model its config (and any keyword arguments) builds: "
            f"{problems}; a damaged checkpoint, or an override of its architecture (retrain instead)"
        )
