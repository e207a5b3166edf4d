"""Benchmark figures (matplotlib, Agg backend): daily series, scatter per target, per-site maps, T2 gain.

Every axis label carries the variable's unit from :mod:`agroflux_hf.schema`; every figure is written to
a temporary file beside its destination and renamed, like every other output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on the machines that run the benchmark

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.benchmark.leaderboard import TASK_LABELS
from agroflux_hf.benchmark.transfer_gain import BEST, failures, paired_gains, summarise_pairs
from agroflux_hf.files import atomic_path

OBS_COLOUR, PREDICTED_COLOUR = "black", "tab:orange"


def axis_label(target: str, prefix: str = "") -> str:
    """``observed NEE (g C m-2 d-1)``: the label of a target's axis, unit from the schema."""
    return f"{prefix}{target} ({schema.unit(target)})".strip()


def save_figure(fig: plt.Figure, path: Path, dpi: int = 110) -> Path:
    """Save to a temporary PNG beside ``path``, then rename (``files.atomic_path``: a plain file's
    permissions, not mkstemp's 0600); closes the figure."""
    path = Path(path)
    try:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def _site_series(predictions, site: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates (or day numbers), obs and predicted of one site's test sequences in time order.

    Only the site's first experiment is drawn, so simulated treatments do not overlap in one line.
    """
    site_ids = np.asarray(predictions.site_ids).astype(str)
    rows = np.flatnonzero(site_ids == site)
    experiments = np.asarray(predictions.experiments)[rows]
    rows = rows[experiments == experiments.min()]
    rows = rows[np.argsort(np.asarray(predictions.years)[rows], kind="stable")]
    days = predictions.obs.shape[1]
    x_parts = []
    for row in rows:
        first = str(np.asarray(predictions.first_dates)[row] or "")
        if first:
            start = pd.Timestamp(first)
            dates = pd.date_range(start, periods=days + 1, freq="D")
            dates = dates[~((dates.month == 2) & (dates.day == 29))][:days]  # the no-leap calendar
            x_parts.append(np.asarray(dates))
        else:
            year = int(np.asarray(predictions.years)[row])
            x_parts.append(year + np.arange(days) / days)
    x = np.concatenate(x_parts)
    return (
        x,
        predictions.obs[rows].reshape(-1, predictions.obs.shape[2]),
        predictions.predicted[rows].reshape(-1, predictions.predicted.shape[2]),
    )


def plot_series(
    predictions, path: Path, *, title: str, max_sites: int = 3, targets: Sequence[str] | None = None
) -> Path:
    """Observed and predicted daily series: one row per site (the first ``max_sites`` test sites with
    observations), one column per target (``targets``, default all)."""
    targets = list(predictions.target_names if targets is None else targets)
    site_ids = np.asarray(predictions.site_ids).astype(str)
    columns = [list(predictions.target_names).index(t) for t in targets]
    sites = [
        s for s in dict.fromkeys(site_ids) if np.isfinite(predictions.obs[site_ids == s][..., columns]).any()
    ]
    sites = sites[:max_sites] or list(dict.fromkeys(site_ids))[:1]
    fig, axes = plt.subplots(
        len(sites), len(targets), figsize=(4.2 * len(targets), 2.6 * len(sites)), squeeze=False
    )
    for i, site in enumerate(sites):
        x, obs, predicted = _site_series(predictions, site)
        for j, target in enumerate(targets):
            ax, k = axes[i, j], list(predictions.target_names).index(target)
            ax.plot(x, obs[:, k], ".", ms=2.5, color=OBS_COLOUR, label="observed")
            ax.plot(x, predicted[:, k], "-", lw=1.0, color=PREDICTED_COLOUR, label="predicted")
            ax.set_title(f"{site}: {target}", fontsize=9)
            ax.set_ylabel(axis_label(target), fontsize=8)
            ax.tick_params(labelsize=7)
            if np.issubdtype(np.asarray(x).dtype, np.datetime64):
                fig.autofmt_xdate()
            else:
                ax.set_xlabel("year", fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=11, y=1.02)
    return save_figure(fig, path)


def plot_scatter(predictions_by_model: Mapping[str, object], target: str, path: Path, *, title: str) -> Path:
    """Predicted against observed daily values of ``target``, one panel per model, 1:1 line and R²."""
    from agroflux_hf.metrics.core import all_metrics

    models = list(predictions_by_model)
    columns = min(4, max(1, len(models)))
    rows = math.ceil(len(models) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.4 * columns, 3.3 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.ravel()[len(models) :]:
        ax.set_visible(False)
    for ax, model in zip(axes.ravel(), models, strict=False):
        predictions = predictions_by_model[model]
        k = list(predictions.target_names).index(target)
        obs, predicted = predictions.obs[..., k].ravel(), predictions.predicted[..., k].ravel()
        keep = np.isfinite(obs) & np.isfinite(predicted)
        scores = all_metrics(obs, predicted)
        ax.scatter(obs[keep], predicted[keep], s=3, alpha=0.3, color="tab:blue", edgecolors="none")
        low, high = _limits(obs[keep], predicted[keep])
        ax.plot([low, high], [low, high], "--", color="grey", lw=1, label="1:1")
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_title(f"{model}: R² = {_fmt(scores['r2'])} (n = {scores['n']})", fontsize=9)
        ax.set_xlabel(axis_label(target, "observed "), fontsize=8)
        ax.set_ylabel(axis_label(target, "predicted "), fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=11)  # placed by the constrained layout: a two-line title gets its room
    return save_figure(fig, path)


def _limits(*arrays: np.ndarray) -> tuple[float, float]:
    values = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if values.size == 0:
        return 0.0, 1.0
    low, high = float(values.min()), float(values.max())
    pad = 0.05 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _fmt(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.2f}"


def plot_site_scores(site_scores: pd.DataFrame, path: Path, *, title: str, metric: str = "r2") -> Path:
    """Per-site ``metric`` of each target: a longitude/latitude map when every site has coordinates of
    its own, else a bar chart per site.

    ``site_scores`` has columns ``site_id``, ``target``, ``metric`` and optionally ``latitude``,
    ``longitude``. Maps share one colour scale (and one colour bar) so panels compare directly.
    """
    targets = list(dict.fromkeys(site_scores["target"]))
    has_coordinates = _distinct_coordinates(site_scores)
    columns = min(2, len(targets))
    rows = math.ceil(len(targets) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(5.6 * columns, 3.9 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.ravel()[len(targets) :]:
        ax.set_visible(False)
    values = site_scores[metric].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(min(finite.min(), 0.0)), 1.0) if finite.size else (0.0, 1.0)
    label = _metric_label(metric)
    points = None
    for ax, target in zip(axes.ravel(), targets, strict=False):
        part = site_scores[site_scores["target"] == target]
        if has_coordinates:
            points = _site_map(ax, part, metric, vmin, vmax)
        else:
            _site_bars(ax, part, metric)
        ax.set_title(f"{target}: per-site {label}", fontsize=9)
    if points is not None:
        fig.colorbar(points, ax=axes.ravel().tolist(), shrink=0.85).set_label(f"test {label}", fontsize=9)
    fig.suptitle(title, fontsize=11)
    return save_figure(fig, path)


def _distinct_coordinates(site_scores: pd.DataFrame) -> bool:
    """Whether every site has coordinates of its own: sites sharing a location (simulated soils at one
    weather station) would hide each other on a map, so they get the bar chart instead."""
    if not {"latitude", "longitude"} <= set(site_scores.columns):
        return False
    sites = site_scores.drop_duplicates("site_id")[["latitude", "longitude"]]
    return bool(sites.notna().all().all()) and len(sites.drop_duplicates()) == len(sites)


def _metric_label(metric: str) -> str:
    return "R²" if metric == "r2" else metric.upper()


def _site_map(ax, part: pd.DataFrame, metric: str, vmin: float, vmax: float):
    """Sites at their coordinates coloured by score; unscored sites as grey crosses; labels staggered."""
    score = part[metric].to_numpy(dtype=float)
    scored, unscored = part[np.isfinite(score)], part[~np.isfinite(score)]
    points = ax.scatter(
        scored["longitude"],
        scored["latitude"],
        c=scored[metric],
        cmap="viridis",
        vmin=vmin,
        vmax=vmax,
        s=90,
        edgecolors="black",
    )
    if len(unscored):
        ax.scatter(
            unscored["longitude"], unscored["latitude"], marker="x", color="grey", s=60, label="not scored"
        )
        ax.legend(fontsize=7, loc="lower left")
    part = part.sort_values("latitude")
    for i, row in enumerate(part.itertuples(index=False)):
        right = i % 2 == 0  # neighbours in latitude get their labels on opposite sides
        ax.annotate(
            f"{row.site_id} ({_fmt(getattr(row, metric))})",
            (row.longitude, row.latitude),
            fontsize=7,
            xytext=(8 if right else -8, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
        )
    ax.set_xlabel("longitude (degrees east)", fontsize=8)
    ax.set_ylabel("latitude (degrees north)", fontsize=8)
    lon, lat = part["longitude"].to_numpy(float), part["latitude"].to_numpy(float)
    ax.set_xlim(lon.min() - 50, lon.max() + 45)  # room for the labels beside the points
    ax.set_ylim(lat.min() - 6, lat.max() + 6)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    return points


def _site_bars(ax, part: pd.DataFrame, metric: str) -> None:
    part = part.sort_values("site_id")
    values = part[metric].to_numpy(dtype=float)
    ax.bar(np.arange(len(part)), np.nan_to_num(values, nan=0.0), color="tab:blue")
    for i, value in enumerate(values):
        if not np.isfinite(value):
            ax.annotate("n/a", (i, 0), ha="center", fontsize=7)
    ax.set_xticks(np.arange(len(part)), part["site_id"], rotation=60, fontsize=7)
    ax.set_xlabel("site", fontsize=8)
    ax.set_ylabel(_metric_label(metric), fontsize=8)
    ax.axhline(0, color="grey", lw=0.8)


GAIN_LIMIT = 1.0
"""The largest |R² gain| a transfer-gain axis shows."""


def gain_bars(part: pd.DataFrame, target: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Bar labels, heights and whiskers of one panel's target, from :func:`summarise_pairs`: first
    ``best`` (the best T2 network's mean R² minus the best T1 network's, no whisker: the figure's
    headline, as in the leaderboard), then each architecture's mean paired gain with its std over folds
    and seeds (NaN with a single pair)."""
    labels = [BEST, *dict.fromkeys(part["model"])]
    rows = part[part["target"] == target]
    # a pair NaN because its fold observed nothing is not scored; one NaN because a run failed stays in
    rows = rows[rows["gain"].notna() | failures(rows) | failures(rows, "failed_t1")]
    if rows.empty:
        return labels, np.full(len(labels), np.nan), np.full(len(labels), np.nan)
    summary = summarise_pairs(rows, ["target"]).set_index("model").reindex(labels)
    return labels, summary["gain_mean"].to_numpy(dtype=float), summary["gain_std"].to_numpy(dtype=float)


def plot_transfer_gain(gains: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Grouped bars of R²(T2) - R²(T1) per model and target, whiskers ± one std over folds and seeds, the
    first group the best T2 network against the best T1 network (:func:`gain_bars`): one row per (T2
    task, simulation source), one column per split scheme. Each column has its own y scale, at most
    ± ``GAIN_LIMIT``: spatial gains measured from T1 scores far below zero would flatten the rest; a bar
    beyond it is cut at the edge with its value written there.

    ``gains`` has columns ``task``, ``source_dataset``, ``scheme``, ``model``, ``target``, ``gain`` and,
    for the ``best`` group, ``r2`` and ``r2_t1`` (:func:`transfer_gains`).
    """
    rows = list(dict.fromkeys(gains[["task", "source_dataset"]].itertuples(index=False, name=None)))
    schemes = list(dict.fromkeys(gains["scheme"]))
    targets = list(dict.fromkeys(gains["target"]))
    width = max(4.5, 0.9 * (gains["model"].nunique() + 1) + 2)
    fig, axes = plt.subplots(
        len(rows),
        len(schemes),
        figsize=(width * len(schemes), 3.4 * len(rows)),
        squeeze=False,
        sharey="col",
        layout="constrained",
    )
    bar = 0.8 / max(1, len(targets))
    for r, (task, source) in enumerate(rows):
        for c, scheme in enumerate(schemes):
            ax = axes[r, c]
            part = gains[
                (gains["task"] == task) & (gains["source_dataset"] == source) & (gains["scheme"] == scheme)
            ]
            labels: list[str] = []
            for i, target in enumerate(targets):
                labels, values, spread = gain_bars(part, target)
                x = np.arange(len(labels)) + (i - (len(targets) - 1) / 2) * bar
                ax.bar(x, values, bar, label=target, color=f"C{i}")
                ax.errorbar(x, values, yerr=spread, fmt="none", ecolor="0.25", elinewidth=0.7, capsize=1.5)
                for xi, value in zip(x, values, strict=True):
                    if abs(value) > GAIN_LIMIT:
                        _label_cut_bar(ax, xi, value)
            ax.axvspan(-0.5, 0.5, color="0.92", zorder=0)  # the headline group
            ax.axhline(0, color="black", lw=0.8)
            ax.set_xticks(np.arange(len(labels)), labels, rotation=30, fontsize=8)
            ax.set_xlim(-0.5, len(labels) - 0.5)
            ax.set_title(f"{TASK_LABELS.get(task, task)} from {source}, {scheme} scheme", fontsize=9)
            ax.grid(axis="y", alpha=0.3)
            if c == 0:
                ax.set_ylabel("test R² gain over T1 (T2 - T1)", fontsize=8)
    for ax in axes[0]:  # y is shared within a column: clip the column's autoscaled range
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, -GAIN_LIMIT), min(high, GAIN_LIMIT))
    axes[0, 0].legend(fontsize=7, title="target", title_fontsize=7)
    fig.suptitle(title, fontsize=11)
    return save_figure(fig, path)


def _label_cut_bar(ax, x: float, value: float) -> None:
    """Write a bar's value at the ± ``GAIN_LIMIT`` edge that cuts it."""
    ax.annotate(f"{value:+.1f}", (x, math.copysign(GAIN_LIMIT, value)), textcoords="offset points",
                xytext=(-2, -4 if value > 0 else 4), ha="right", va="top" if value > 0 else "bottom",
                fontsize=6, color="0.15")  # fmt: skip


FOLD_FLOOR = -1.0
"""The lowest R² a fold figure's axis shows: a failing model (R² -7) would otherwise flatten the rest;
lower scores sit on the floor as a down-pointing marker with their value written beside."""


def plot_fold_scores(
    scores: pd.DataFrame, path: Path, *, title: str, fold_labels: Mapping[int, str], whole_year_mark: str = ""
) -> Path:
    """Test R² per held-out fold of every model, one panel per target: where a mean over folds hides a
    region in which every network fails, or one in which they beat the trees.

    ``scores`` has columns ``fold``, ``target``, ``model``, ``kind``, ``r2`` and ``sees_future``. Per fold,
    the climatology is a grey line across it (the reference), the trees a black square at its left, the
    networks coloured dots side by side, whole-year ones hollow and marked ``whole_year_mark``.
    """
    targets = list(dict.fromkeys(scores["target"]))
    folds = sorted(int(f) for f in scores["fold"].unique())
    networks = list(dict.fromkeys(scores.loc[scores["kind"] != "baseline", "model"]))
    whole_year = set(scores.loc[scores["sees_future"].astype(bool), "model"])
    offsets = {
        "gbt": -0.34,
        **dict(zip(networks, np.linspace(-0.18, 0.36, len(networks)), strict=True)),
    }
    colours = {
        "gbt": "black",
        "climatology": "grey",
        **dict(zip(networks, plt.get_cmap("tab10").colors, strict=False)),
    }
    cols = min(2, len(targets))
    rows = math.ceil(len(targets) / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(6.0, 1.5 * len(folds) + 2) * cols, 3.6 * rows), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax, target in zip(axes.flat, targets, strict=False):
        part, floor_labels = scores[scores["target"] == target], {}
        for model, group in part.groupby("model", sort=False):
            x = np.array([folds.index(int(f)) for f in group["fold"]], dtype=float)
            r2, colour = group["r2"].to_numpy(dtype=float), colours.get(model, "grey")
            label = f"{model}{whole_year_mark if model in whole_year else ''}"
            shown, below = r2 >= FOLD_FLOOR, (r2 < FOLD_FLOOR) & np.isfinite(r2)
            if model == "climatology":
                ax.hlines(r2[shown], x[shown] - 0.42, x[shown] + 0.42, color=colour, lw=1.6, label=label)
                x = x - 0.42
            else:
                face = "none" if model in whole_year else colour
                marker, size = ("s", 7) if model == "gbt" else ("o", 6)
                x = x + offsets.get(model, 0.0)
                ax.plot(x[shown], r2[shown], marker, color=colour, mfc=face, ms=size, mew=1.6, ls="none",
                        label=label)  # fmt: skip
            _mark_below_floor(ax, x[below], r2[below], colour, floor_labels)
        ax.axhline(0, color="grey", lw=0.6, ls=":")
        ax.set_ylim(FOLD_FLOOR - 0.08, 1.0)
        ax.set_xlim(-0.5, len(folds) - 0.5)
        ax.set_xticks(range(len(folds)), [f"{f}\n{fold_labels.get(f, '')}" for f in folds], fontsize=7)
        ax.set_title(f"{target}: test R² per held-out fold", fontsize=9)
        ax.set_ylabel("test R² (pooled)", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(targets) :]:
        ax.set_visible(False)
    legend = {}  # every model once, whichever panel drew it
    for ax in axes.flat:
        legend.update({label: handle for handle, label in zip(*ax.get_legend_handles_labels(), strict=True)})
    fig.legend(list(legend.values()), list(legend), loc="outside right upper", fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def _mark_below_floor(ax, x: np.ndarray, r2: np.ndarray, colour, placed: dict[int, int]) -> None:
    """Scores below the axis floor: a triangle on the floor and the value above it, the labels of one
    fold alternating in height (``placed`` counts them per fold) so that neighbours stay legible."""
    ax.plot(x, np.full(len(x), FOLD_FLOOR), "v", color=colour, ms=6, ls="none")
    for xi, value in zip(x, r2, strict=True):
        fold = round(xi)
        placed[fold] = placed.get(fold, -1) + 1
        ax.annotate(f"{value:.1f}", (xi, FOLD_FLOOR), textcoords="offset points",
                    xytext=(0, 6 + 8 * (placed[fold] % 2)), ha="center", fontsize=6, color=colour)  # fmt: skip


def transfer_gains(frame: pd.DataFrame) -> pd.DataFrame:
    """R² of each T2 run minus the T1 run of the same model, config (split scheme and fold), seed and
    target (:func:`agroflux_hf.benchmark.transfer_gain.paired_gains`)."""
    pairs = paired_gains(frame)
    columns = [
        "task",
        "scheme",
        "model",
        "target",
        "gain",
        "source_dataset",
        "r2",
        "r2_t1",
        "failed",
        "failed_t1",
    ]
    return pairs[columns]
