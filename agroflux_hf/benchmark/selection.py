"""Rules that pick one network per fold from a leaderboard without reading the score they report.

The leaderboard's "best network" is the best of six test means, optimistic by that choice. A user must
choose before seeing a test set: on validation data (:func:`chosen_on_validation`) or, for a region
never seen, on how each architecture did at the other held-out regions (:func:`chosen_on_other_folds`).
``scripts/readme_tables.py``, the transfer gain and ``scripts/zero_shot.py`` read these rules, so that
every table chooses the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from agroflux_hf.benchmark.leaderboard import failed_runs

__all__ = ["chosen_on_other_folds", "chosen_on_validation"]


def chosen_on_validation(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per ``by`` group (one fold and seed, say) the network row of highest validation R² (``val_r2``):
    the model a user picks without looking at the test set. Baselines and runs without a validation
    score are never chosen; empty without a ``val_r2`` column (leaderboards before 2026-12-05)."""
    if "val_r2" not in frame.columns:
        return frame.iloc[0:0]
    networks = frame[frame["val_r2"].notna()]
    if "kind" in networks.columns:
        networks = networks[networks["kind"] != "baseline"]
    if networks.empty:
        return networks
    return networks.loc[networks.groupby(list(by), sort=False)["val_r2"].idxmax()]


def chosen_on_other_folds(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per ``by`` group (task, data, split scheme, target and seed, say) and fold k: the network row of
    fold k whose mean test R² over the group's *other* folds is highest. In a spatial scheme that picks,
    for each held-out region, the architecture that extrapolated best to the other held-out regions, the
    choice a user makes for a new region from a finished benchmark. It never reads fold k's own test
    score, but the other folds' models trained on region k among others, so it is lighter than a nested
    cross-validation (which would retrain without k). A run that failed (:func:`failed_runs`) makes its
    model's mean fail, never chosen; a fold that does not observe the target (R² NaN, ``n`` 0) is
    skipped. Groups with one fold choose nothing."""
    networks = frame if "kind" not in frame.columns else frame[frame["kind"] != "baseline"]
    networks = networks.assign(_score=networks["r2"].where(~failed_runs(networks), -np.inf))
    chosen = []
    for _, group in networks.groupby(list(by), sort=False, dropna=False):
        scores = group.pivot_table(index="fold", columns="model", values="_score", aggfunc="mean")
        if len(scores) < 2:
            continue
        for fold in scores.index:
            others = scores.drop(index=fold).mean(skipna=True).dropna()
            if others.empty or not np.isfinite(others.max()):
                continue
            row = group[(group["fold"] == fold) & (group["model"] == others.idxmax())]
            chosen.extend(row.index[:1])
    return frame.loc[chosen]
