"""What ``agroflux evaluate CKPT --towers FILE...`` shows and writes (see :mod:`.towers`).

The per-site table on the terminal, ``scores.csv`` (one row per site and target, then the pooled rows),
``scores.json`` (the full ``score_targets`` dict with the input report), ``predictions.csv`` (daily
observed and predicted values), and ``<site>.png``: the predicted and observed daily series of every
observed target of a site. Every file is written beside its destination and renamed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.benchmark.towers import SiteInputs, TowerEvaluation
from agroflux_hf.data.calendar import noleap_dates
from agroflux_hf.files import atomic_path, write_json
from agroflux_hf.metrics.core import METRIC_NAMES

ALL_SITES = "(all sites)"
"""Site column of the pooled rows of ``scores.csv``: every site's observed days scored together."""
TABLE_METRICS: tuple[str, ...] = ("r2", "rmse", "mae", "bias")
"""Metrics in the printed table (``scores.csv`` has all of METRIC_NAMES)."""


def score_rows(evaluation: TowerEvaluation) -> list[dict[str, Any]]:
    """One row per (site, target) with observed days, sites sorted, then one pooled row per target."""
    rows = []
    for site in sorted(evaluation.sites):
        for target, entry in evaluation.scores.items():
            metrics = entry["sites"].get(site)
            if metrics is not None and metrics["n"] > 0:
                rows.append(_row(site, target, metrics))
    if len(evaluation.sites) > 1:
        rows += [_row(ALL_SITES, target, entry["pooled"]) for target, entry in evaluation.scores.items()]
    return rows


def _row(site: str, target: str, metrics: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"site_id": site, "target": target, "unit": schema.unit(target)}
    row["n"] = int(metrics["n"])
    row.update({name: metrics[name] for name in METRIC_NAMES})
    row["n_failed"] = int(metrics.get("n_failed", 0))
    return row


def _fmt(value: float) -> str:
    return "nan" if value is None or not math.isfinite(value) else f"{value:.3f}"


def format_table(rows: list[dict[str, Any]]) -> str:
    """The per-site scores as an aligned text table (days = observed days scored)."""
    header = ["site", "target", "days", *(m.upper() if m != "r2" else "R2" for m in TABLE_METRICS), "unit"]
    body = [
        [r["site_id"], r["target"], str(r["n"]), *(_fmt(r[m]) for m in TABLE_METRICS), r["unit"]]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = set(range(2, 2 + 1 + len(TABLE_METRICS)))
    lines = []
    for line in [header, *body]:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def input_notes(evaluation: TowerEvaluation) -> list[str]:
    """One line per site saying which years were scored and which inputs the model did not get."""
    masked = "NaN, masked" if evaluation.observed_mask_inputs else "NaN, set to the training mean, unflagged"
    notes = []
    for site, info in sorted(evaluation.sites.items()):
        parts = [f"{site}: {len(info.years)} site-year(s) scored {info.years}"]
        if info.skipped_years:
            parts.append(f"skipped {info.skipped_years}")
        if info.missing_inputs:
            parts.append(f"inputs missing ({masked}): {', '.join(info.missing_inputs)}")
        if info.partial_inputs:
            partial = ", ".join(f"{n} {f:.0%}" for n, f in info.partial_inputs.items())
            parts.append(f"inputs observed on part of the days only: {partial}")
        if info.missing_statics:
            parts.append(
                f"site attributes unknown (set to the training mean): {', '.join(info.missing_statics)}"
            )
        notes.append("; ".join(parts))
        if info.far_statics:
            far = ", ".join(f"{n} {z:+.1f}" for n, z in info.far_statics.items())
            bounded = set(info.far_statics) <= set(evaluation.static_bounds or {})
            consequence = (
                "the checkpoint clips them to its training range (static_bounds)"
                if bounded
                else "a network's predictions here are an extrapolation"
            )
            notes.append(
                f"{site}: site attributes far outside the training range ({far} training standard "
                f"deviations): {consequence}"
            )
        if info.unseen_statics:
            unseen = ", ".join(
                f"{n} {v:g} ({evaluation.constant_statics.get(n, math.nan):g} at every training site-year)"
                for n, v in info.unseen_statics.items()
            )
            notes.append(
                f"{site}: site attributes at a value training never showed: {unseen}; the model saw no "
                "variation to learn from, so its predictions here are an extrapolation"
            )
        if info.agroflux_mini_years is not None:
            notes.append(
                seen_note(
                    site,
                    info.years,
                    info.agroflux_mini_years,
                    config=info.training_config or "temporal_co2",
                    known=info.training_config_known,
                )
            )
    if evaluation.training_data_problem:
        notes.append(
            "note: cannot tell whether any scored site-year was seen in training: the checkpoint's "
            f"training data, {evaluation.training_data_problem}"
        )
    if evaluation.unscored_targets:
        notes.append(
            f"targets of the checkpoint that no file observes: {', '.join(evaluation.unscored_targets)}"
        )
    notes.extend(few_days_notes(evaluation))
    notes.extend(partial_year_notes(evaluation))
    return notes


def partial_year_notes(evaluation: TowerEvaluation) -> list[str]:
    """A note per scored site-year the files cover only in part: its other days are padding.

    Why: a sequence is a whole calendar year; the days before a file starts (or after it ends) enter
    the model as NaN inputs, i.e. the training means, so a model reading the year from January 1
    reaches the first real day without the weather before it (on US-Ne1 2004 cut to July-December, the
    shipped LSTM's GPP R² on those days is 0.58 against 0.64 with the whole year).
    """
    notes = []
    for site, info in sorted(evaluation.sites.items()):
        for year in info.years:
            covered = int(covered_days(info, row_dates("", year)).sum())
            if covered < schema.SEQUENCE_LENGTH:
                notes.append(
                    f"note: {site} {year}: the files cover {covered} of its {schema.SEQUENCE_LENGTH} days "
                    f"({info.first_day} to {info.last_day}); the other days are padding (NaN inputs, seen "
                    "as the training means), left out of predictions.csv and the plot, and a model reading "
                    "the year from January 1 starts the covered days without the weather before them"
                )
    return notes


def covered_days(info: SiteInputs, dates: np.ndarray) -> np.ndarray:
    """True on the days of ``dates`` within the span the site's files cover (all, when not recorded)."""
    if not info.first_day:
        return np.ones(len(dates), dtype=bool)
    return (dates >= np.datetime64(info.first_day)) & (dates <= np.datetime64(info.last_day))


def few_days_notes(evaluation: TowerEvaluation) -> list[str]:
    """A note per (site, target) scored on fewer observed days than a site needs in the per-site summary:
    an R² of two or three days is printed in the table like any other, and says little."""
    from agroflux_hf.metrics.core import DEFAULT_MIN_SITE_OBS

    notes = []
    for site in sorted(evaluation.sites):
        for target, entry in evaluation.scores.items():
            n = int((entry["sites"].get(site) or {}).get("n", 0))
            if 0 < n < DEFAULT_MIN_SITE_OBS:
                notes.append(
                    f"note: {site} {target}: only {n} observed day(s) scored (a site needs "
                    f"{DEFAULT_MIN_SITE_OBS} in the per-site summary): its scores say little"
                )
    return notes


def seen_note(site: str, scored: list[int], splits: dict[str, list[int]], *, config: str, known: bool) -> str:
    """Tell whether the scores at ``site`` are those of a site the checkpoint never saw.

    ``splits`` are the site's years per split of ``config``, the data the checkpoint was trained on
    (``known``), or of AgroFlux-mini's temporal_co2 when the checkpoint does not record its data.
    """
    spans = ", ".join(f"{split} {_years_text(ys)}" for split, ys in splits.items() if ys)
    trained = splits.get("train", []) + splits.get("validation", [])
    seen = [y for y in scored if y in trained]
    if known:
        head = f"note: {site} is in {config}, the data this checkpoint was trained on ({spans})"
        if not trained:
            return (
                f"{head}: held out of training and validation, so these are the scores of a site it never saw"
            )
    else:
        head = (
            f"note: {site} is an AgroFlux-mini tower ({config}, assumed: the checkpoint does not record its "
            f"training data; the config of the shipped T1 checkpoints: {spans})"
        )
    if seen:
        return f"{head}; scored year(s) {_years_text(seen)} were seen in training: not the scores of an unseen site"
    return f"{head}; no scored year was seen in training, but other years of this site were"


def _years_text(years: list[int]) -> str:
    years = sorted(years)
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def row_dates(first_date: str, year: int) -> np.ndarray:
    """The 365 days of one sequence (February 29 is not in the sequences)."""
    start = pd.Timestamp(first_date).year if first_date else int(year)
    return noleap_dates(int(start), 1)


def daily_table(evaluation: TowerEvaluation) -> pd.DataFrame:
    """site_id, date, then ``<target>_observed`` and ``<target>_predicted`` for each scored target.

    ``_predicted`` is empty on the days of a sequence the files do not cover (:func:`covered_days`): the
    model's output there comes from padding, not from anything the user gave."""
    p = evaluation.predictions
    frames = []
    for i in range(p.obs.shape[0]):
        site = str(p.site_ids[i])
        dates = row_dates(str(p.first_dates[i]), p.years[i])
        padding = ~covered_days(evaluation.sites[site], dates)
        frame = pd.DataFrame({"site_id": site, "date": dates})
        for j, target in enumerate(p.target_names):
            frame[f"{target}_observed"] = p.obs[i, :, j]
            frame[f"{target}_predicted"] = np.where(padding, np.nan, p.predicted[i, :, j])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).sort_values(["site_id", "date"], ignore_index=True)


def plot_site(daily: pd.DataFrame, evaluation: TowerEvaluation, site: str, path: Path) -> Path:
    """Observed (dots) and predicted (line) daily series of a site, one panel per observed target."""
    import matplotlib.pyplot as plt

    from agroflux_hf.benchmark.plots import OBS_COLOUR, PREDICTED_COLOUR, axis_label, save_figure

    part = daily[daily["site_id"] == site]
    targets = [t for t in evaluation.predictions.target_names if part[f"{t}_observed"].notna().any()]
    fig, axes = plt.subplots(
        len(targets),
        1,
        figsize=(10, 2.2 * len(targets) + 0.6),
        squeeze=False,
        sharex=True,
        layout="constrained",
    )
    for ax, target in zip(axes[:, 0], targets, strict=True):
        metrics = evaluation.scores[target]["sites"][site]
        ax.plot(part["date"], part[f"{target}_observed"], ".", ms=2.5, color=OBS_COLOUR, label="observed")
        ax.plot(
            part["date"], part[f"{target}_predicted"], "-", lw=1.0, color=PREDICTED_COLOUR, label="predicted"
        )
        ax.set_ylabel(axis_label(target), fontsize=8)
        ax.set_title(
            f"{target}: R² {_fmt(metrics['r2'])}, RMSE {_fmt(metrics['rmse'])}, {metrics['n']} observed days",
            fontsize=9,
        )
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="best")
    axes[-1, 0].tick_params(axis="x", labelrotation=30)
    fig.suptitle(f"{site}: {Path(evaluation.checkpoint).name} ({evaluation.model_type})", fontsize=11)
    return save_figure(fig, path)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path


def site_file_name(site: str) -> str:
    """A site id as a file name (a user's site id may hold characters a path cannot)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in site) or "site"


def write_outputs(evaluation: TowerEvaluation, output_dir: Path, rows: list[dict[str, Any]]) -> list[Path]:
    """scores.csv, scores.json, predictions.csv and one PNG per site in ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = [write_csv(pd.DataFrame(rows), output_dir / "scores.csv")]
    payload = {
        "checkpoint": evaluation.checkpoint,
        "model_type": evaluation.model_type,
        "files": evaluation.files,
        "observed_mask_inputs": evaluation.observed_mask_inputs,
        "sites": evaluation.sites,
        "unscored_targets": evaluation.unscored_targets,
        "training_data_problem": evaluation.training_data_problem,
        "constant_statics": evaluation.constant_statics,
        "dropped_feb29_rows": evaluation.dropped_feb29_rows,
        "scores": evaluation.scores,
    }
    written.append(write_json(output_dir / "scores.json", payload))
    daily = daily_table(evaluation)
    written.append(write_csv(daily, output_dir / "predictions.csv"))
    for site, info in sorted(evaluation.sites.items()):
        if info.years:
            written.append(plot_site(daily, evaluation, site, output_dir / f"{site_file_name(site)}.png"))
    return written
