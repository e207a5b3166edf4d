"""The benchmark README's figures: which runs each figure draws and how it is titled.

Why a module: the choice (the temporal config of each dataset, the lowest seed, the best model for the
series, the models a reused folder cannot draw) is policy apart from the drawing (``plots``) and from the
tables and README text (``reports``), which calls :func:`make_figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from agroflux_hf import schema
from agroflux_hf.benchmark import leaderboard, plots
from agroflux_hf.benchmark.execution import RunOutcome


def figure_targets(names: Sequence[str]) -> list[str]:
    """The targets the figures draw: the headline targets of the tables."""
    return leaderboard.headline_targets(names)


def best_model(frame: pd.DataFrame) -> str | None:
    """The model with the highest mean pooled R² over targets (and folds) in ``frame``."""
    means = frame.groupby("model")["r2"].mean().dropna()
    return None if means.empty else str(means.idxmax())


def first_seed(part: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """The lowest seed and its rows: a figure draws one run per model, the same seed for every model and
    every call (with several seeds, one model's run would otherwise be whichever came last)."""
    seed = int(part["seed"].min())
    return seed, part[part["seed"] == seed]


def make_figures(
    frame: pd.DataFrame,
    outcomes: Sequence[RunOutcome],
    site_frame: pd.DataFrame,
    coordinates: Mapping[str, tuple[float, float]],
    folder: Path,
    *,
    max_sites: int = 3,
    held_out: Mapping[str, str] | None = None,
) -> list[Path]:
    """Every figure of the benchmark README; returns the files written. ``held_out``: what each spatial
    config's test split holds out (:func:`held_out_labels`), to name the folds."""
    written: list[Path] = []
    ok = {o.spec.run_id: o for o in outcomes if o.status == "ok" and o.predictions is not None}
    for task in ("t0", "t1"):
        for dataset in dict.fromkeys(frame.loc[frame["task"] == task, "dataset"]):
            config = schema.config_name(schema.TEMPORAL, dataset)
            part = frame[(frame["task"] == task) & (frame["config"] == config)]
            if part.empty:  # no temporal scheme: fall back to the first config run
                config = str(
                    frame.loc[(frame["task"] == task) & (frame["dataset"] == dataset), "config"].iloc[0]
                )
                part = frame[(frame["task"] == task) & (frame["config"] == config)]
            written += _config_figures(task, config, part, ok, folder, max_sites)
            written += _site_figure(task, dataset, frame, site_frame, coordinates, folder)
            written += _fold_figure(task, dataset, frame, held_out or {}, folder)
    gains = plots.transfer_gains(frame)
    if not gains.dropna(subset=["gain"]).empty:
        written.append(
            plots.plot_transfer_gain(
                gains,
                folder / "transfer_gain.png",
                title="Transfer gain: test R² of T2 minus T1 (same model, config, fold, seed): bars the mean over folds and seeds, "
                "whiskers ± 1 std; best: the best T2 network's mean minus the best T1 network's",
            )
        )
    return written


def _config_figures(
    task: str, config: str, part: pd.DataFrame, ok: Mapping[str, RunOutcome], folder: Path, max_sites: int
) -> list[Path]:
    written = []
    best = best_model(part)  # over every seed
    seed, shown = first_seed(part)
    by_model = {m: ok[r].predictions for m, r in zip(shown["model"], shown["run_id"], strict=True) if r in ok}
    undrawn = [m for m in dict.fromkeys(shown["model"]) if m not in by_model]
    label = f"{leaderboard.TASK_LABELS[task]} {config}, seed {seed}:"
    targets = figure_targets(list(dict.fromkeys(part["target"])))
    if best in by_model:
        written.append(
            plots.plot_series(
                by_model[best],
                folder / f"series_{task}_{config}.png",
                max_sites=max_sites,
                targets=[t for t in targets if t in by_model[best].target_names],
                title=f"{label} observed and predicted daily test series, "
                f"{best} (best mean test R² over all targets)",
            )
        )
    for target in targets:
        with_target = {m: p for m, p in by_model.items() if target in p.target_names}
        if with_target:
            written.append(
                plots.plot_scatter(
                    with_target,
                    target,
                    folder / f"scatter_{task}_{config}_{target}.png",
                    title=f"{label} predicted vs observed {target} on the test split"
                    + _undrawn_note(undrawn),
                )
            )
    return written


def _undrawn_note(models: Sequence[str]) -> str:
    """A title's second line naming the models a figure leaves out: runs reused from a folder that kept
    their scores but not their saved model (``prune_models`` under an older rule, or a file too large to
    commit), so that a reader does not take a missing panel for a model that was never run."""
    if not models:
        return ""
    return f"\nnot drawn (no saved model; scores in the tables): {', '.join(models)}"


def _site_figure(
    task: str,
    dataset: str,
    frame: pd.DataFrame,
    site_frame: pd.DataFrame,
    coordinates: Mapping[str, tuple[float, float]],
    folder: Path,
) -> list[Path]:
    """Per-site R² of the best model; the spatial scheme (each site held out once) when it ran."""
    if site_frame.empty:
        return []
    sites = site_frame[(site_frame["task"] == task) & (site_frame["dataset"] == dataset)]
    scheme = schema.SPATIAL if (sites["scheme"] == schema.SPATIAL).any() else schema.TEMPORAL
    sites = sites[sites["scheme"] == scheme]
    best = best_model(
        frame[(frame["task"] == task) & (frame["dataset"] == dataset) & (frame["scheme"] == scheme)]
    )
    sites = sites[sites["model"] == best]
    if sites.empty:
        return []
    sites = sites[sites["target"].isin(figure_targets(list(dict.fromkeys(sites["target"]))))]
    table = sites.groupby(["site_id", "target"], sort=False)["r2"].mean().reset_index()
    known = [coordinates.get(s) for s in table["site_id"]]
    if all(k is not None for k in known):
        table["latitude"] = [k[0] for k in known]
        table["longitude"] = [k[1] for k in known]
    return [
        plots.plot_site_scores(
            table,
            folder / f"sites_{task}_{dataset}.png",
            title=f"{leaderboard.TASK_LABELS[task]} {dataset}, {scheme} scheme: per-site test R² of {best}",
        )
    ]


def _fold_figure(
    task: str, dataset: str, frame: pd.DataFrame, held_out: Mapping[str, str], folder: Path
) -> list[Path]:
    """Test R² per spatial fold of every model (mean over the seeds that ran every fold, as in the
    tables), when the dataset has two folds or more."""
    part = frame[
        (frame["task"] == task) & (frame["dataset"] == dataset) & (frame["scheme"] == schema.SPATIAL)
    ]
    part = leaderboard.seeds_over_every_fold(part.dropna(subset=["fold"]))
    part = part[part["target"].isin(figure_targets(list(dict.fromkeys(part["target"]))))]
    if part["fold"].nunique() < 2:
        return []
    scores = (
        part.assign(sees_future=part["sees_future"].fillna(False).astype(bool))
        .groupby(["fold", "target", "model", "kind"], sort=False)
        .agg(r2=("r2", "mean"), sees_future=("sees_future", "any"))
        .reset_index()
    )
    seeds = int(part.groupby(["model", "fold"])["seed"].nunique().max())
    labels = {int(f): held_out.get(str(c), "") for f, c in zip(part["fold"], part["config"], strict=True)}
    over = f"mean over {seeds} seeds" if seeds > 1 else f"seed {int(part['seed'].min())}"
    return [
        plots.plot_fold_scores(
            scores,
            folder / f"folds_{task}_{dataset}.png",
            title=f"{leaderboard.TASK_LABELS[task]} {dataset}, spatial scheme: test R² per held-out fold\n"
            f"({over}; {leaderboard.WHOLE_YEAR_MARK} sees the whole year)",
            fold_labels=labels,
            whole_year_mark=leaderboard.WHOLE_YEAR_MARK,
        )
    ]


def held_out_labels(infos: Mapping[str, Any]) -> dict[str, str]:
    """What each spatial config's test split holds out (``ConfigInfo.held_out``: site groups or sites),
    as a short label naming the fold in figures."""
    labels = {}
    for name, info in infos.items():
        units = getattr(info, "held_out", ())
        if getattr(info, "scheme", None) == schema.SPATIAL and units:
            labels[name] = (
                ", ".join(units) if len(units) <= 3 else f"{', '.join(units[:2])} +{len(units) - 2}"
            )
    return labels


def site_coordinates(infos: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Latitude and longitude per site, from the ``site_attributes`` each exported config carries
    (``ConfigInfo.site_coordinates``); sites without known coordinates are left out."""
    coordinates: dict[str, tuple[float, float]] = {}
    for info in infos.values():
        coordinates.update(getattr(info, "site_coordinates", None) or {})
    return coordinates
