"""Rules that pick one network per fold from a leaderboard without reading the score they report.

The leaderboard's "best network" is the best of six test means, optimistic by that choice. A user must
choose before seeing a test set: on validation data (:func:`chosen_on_validation`) or, for a region
never seen, on how each architecture did at the other held-out regions (:func:`chosen_on_other_folds`).
``leaderboard.md``'s section on it (:func:`render_selection_section`), ``scripts/readme_tables.py``,
the transfer gain and ``scripts/zero_shot.py`` read these rules, so that every table chooses the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from agroflux_hf.benchmark.leaderboard import (
    RESULT_COLUMNS,
    WHOLE_YEAR_MARK,
    dataset_label,
    failed_runs,
    in_task_order,
    seeds_over_every_fold,
)

__all__ = [
    "chosen_on_other_folds",
    "chosen_on_validation",
    "render_selection_section",
    "sees_future",
    "summarise_choices",
    "validation_choices",
    "with_choice_columns",
]


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
            if len(row) and row["_score"].notna().iloc[0]:  # NaN: the region does not observe the target
                chosen.extend(row.index[:1])
    return frame.loc[chosen]


def sees_future(frame: pd.DataFrame) -> pd.Series | bool:
    """The ``sees_future`` column as booleans (False where unknown or absent: older leaderboards)."""
    if "sees_future" not in frame.columns:
        return False
    return frame["sees_future"].astype("boolean").fillna(False)


def with_choice_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """What the summaries group and mark by: ``source_dataset`` "" for none, ``seed`` 0 where unknown,
    ``sees_future`` and ``failed`` as booleans."""
    return frame.assign(
        source_dataset=frame["source_dataset"].astype(object).fillna(""),
        seed=frame["seed"].fillna(0) if "seed" in frame.columns else 0,
        sees_future=sees_future(frame),
        failed=failed_runs(frame),
    )


def summarise_choices(best: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``: the chosen rows' test R² (mean over folds of each seed, NaN if a chosen run
    failed), then mean and std over seeds, and the names chosen (``chosen``: name -> how many times).
    A choice in a fold whose test sites do not observe the target (R² NaN, not failed) is not counted."""
    best = best[best["r2"].notna() | best["failed"]]
    if best.empty:
        return pd.DataFrame(columns=[*keys, "r2", "r2_std", "site_r2_median", "chosen"])
    best = best.assign(name=best["model"] + np.where(best["sees_future"], WHOLE_YEAR_MARK, ""))
    per_seed = best.groupby([*keys, "seed"], sort=False).agg(
        r2=("r2", "mean"), site_r2_median=("site_r2_median", "mean"), failed=("failed", "any")
    )
    per_seed.loc[per_seed["failed"], ["r2", "site_r2_median"]] = np.nan  # a failed choice fails its mean
    chosen = (
        per_seed.reset_index()
        .groupby(keys, sort=False)
        .agg(r2=("r2", "mean"), r2_std=("r2", "std"), site_r2_median=("site_r2_median", "mean"))
    )
    names = best.groupby(keys, sort=False)["name"].agg(lambda n: dict(n.value_counts()))
    return chosen.assign(chosen=names).reset_index()


def validation_choices(frame: pd.DataFrame, keys: list[str], within: list[str]) -> pd.DataFrame:
    """Per ``keys``: the network chosen on validation in each ``within`` group (folds, say) and seed,
    summarised by :func:`summarise_choices`."""
    frame = with_choice_columns(frame)
    return summarise_choices(chosen_on_validation(frame, [*keys, *within, "seed"]), keys)


def choice_cell(row: pd.Series | None) -> str:
    """``0.34 ± 0.03 (transformer† 9/15)``: the score and the architecture chosen most often, in how
    many of the fold x seed choices; ``-`` for none or a failed choice."""
    if row is None or pd.isna(row["r2"]):
        return "-"
    counts: dict[str, int] = row["chosen"]
    name, times = max(counts.items(), key=lambda item: (item[1], item[0]))
    score = f"{row['r2']:.2f}" if pd.isna(row["r2_std"]) else f"{row['r2']:.2f} ± {row['r2_std']:.2f}"
    return f"{score} ({name} {times}/{sum(counts.values())})"


def spatial_choices(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The spatial rows' networks chosen on validation and on the other held-out regions, each
    summarised per :data:`RESULT_COLUMNS` (:func:`summarise_choices`), over the seeds that ran every fold."""
    frame = with_choice_columns(seeds_over_every_fold(frame[frame["scheme"] == "spatial"]))
    keys = list(RESULT_COLUMNS)
    by_validation = validation_choices(frame, keys, within=["fold"])
    by_other = summarise_choices(chosen_on_other_folds(frame, [*keys, "seed"]), keys)
    return by_validation, by_other


def render_selection_section(frame: pd.DataFrame) -> list[str]:
    """``leaderboard.md``'s section on choosing an architecture for a region never seen: per spatial
    task, data and target with at least two folds, the network chosen on validation against the one
    chosen on the other held-out regions. Empty when no spatial scheme has two folds (one seed's quick
    T0, say) or the leaderboard has no validation scores."""
    by_validation, by_other = spatial_choices(frame)
    if by_other.empty or by_validation.empty:
        return []
    keys = list(RESULT_COLUMNS)
    validation = {tuple(r[k] for k in keys): r for _, r in by_validation.iterrows()}
    rows = []
    for _, row in in_task_order(by_other).iterrows():
        key = tuple(row[k] for k in keys)
        label = dataset_label(row["task"], row["dataset"], row["source_dataset"])
        rows.append(
            f"| {label} | {row['target']} | {choice_cell(validation.get(key))} | {choice_cell(row)} |"
        )
    return [
        "## Choosing an architecture for a region never seen",
        "",
        "The best network of each table above is the best of six test scores, optimistic by that choice. "
        "Per spatial scheme, two rules that do not read the held-out region's test score: in each fold "
        "and seed the network of highest validation R² (validation sites of the training regions), and "
        "the network of highest mean test R² over the seed's other folds (the other held-out regions; "
        "their models trained on this region among others, so lighter than a nested cross-validation). "
        "Test R² pooled, mean over folds of each seed, then mean ± std over seeds; in brackets the "
        "architecture chosen most often and in how many of the fold × seed choices.",
        "",
        "| task and data, spatial | target | chosen on validation | chosen on the other regions |",
        "|---|---|---:|---:|",
        *rows,
        "",
    ]
