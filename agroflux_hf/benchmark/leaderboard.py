"""Leaderboard files: one CSV row per score, a Markdown summary over folds, LaTeX tables per metric.

The CSV is the record (one row per model, task, config, split scheme, fold and target); the Markdown
and LaTeX files are views of it aggregated over folds as mean ± std, so every number in a table can be
traced back to rows of the CSV. When a target is scored by cumulative emission (N2O_FLUX, see
``agroflux_hf.metrics.core.cumulative_scores``) the CSV gains the ``cum_*`` columns and the Markdown a
cumulative table per section.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.files import atomic_write_text
from agroflux_hf.metrics.core import BEST_VALUE, CUMULATIVE_METRIC_NAMES, METRIC_NAMES

METRICS: tuple[str, ...] = METRIC_NAMES
"""Pooled test-split metrics of ``agroflux_hf.metrics.core``, in leaderboard column order."""

METRIC_LABELS: dict[str, str] = {
    "r2": "R²",
    "rmse": "RMSE",
    "mae": "MAE",
    "nse": "NSE",
    "kge": "KGE",
    "bias": "bias",
}

ID_COLUMNS: tuple[str, ...] = (
    "model",
    "kind",
    "task",
    "dataset",
    "source_dataset",
    "config",
    "source_config",
    "scheme",
    "fold",
    "seed",
    "target",
    "unit",
)
SITE_COLUMNS: tuple[str, ...] = ("site_r2_mean", "site_r2_median", "n_sites")
VALIDATION_COLUMNS: tuple[str, ...] = ("val_r2",)
"""The run's pooled R² of the target on the validation split: what a model is chosen by (choosing the
architecture by its test score would report the best of six draws as if it had been picked in advance)."""
RUN_COLUMNS: tuple[str, ...] = ("sees_future", "steps", "stopped_early")
"""Per run: whether the model reads later days (whole-year, not causal), optimiser steps taken, and
whether early stopping ended it before its step budget (blank for the baselines' steps)."""
LEADERBOARD_COLUMNS: tuple[str, ...] = (
    *ID_COLUMNS, *METRICS, "n", "n_failed", *SITE_COLUMNS, *VALIDATION_COLUMNS, *RUN_COLUMNS, "run_id",
)  # fmt: skip
WHOLE_YEAR_MARK = "†"
"""After a model's name in the tables: it sees the whole year, later days included (not causal)."""

CUMULATIVE_METRICS: tuple[str, ...] = tuple(f"cum_{m}" for m in CUMULATIVE_METRIC_NAMES)
"""Cumulative-emission metrics (``cumulative_scores`` keys with ``cum_``), in the unit of the flux x days."""
CUMULATIVE_COLUMNS: tuple[str, ...] = (*CUMULATIVE_METRICS, "cum_n", "cum_excluded")
"""Added before ``run_id`` when some row has them: the metrics, the sequences scored and those excluded."""
CUMULATIVE_LABELS: dict[str, str] = {
    "cum_mae": "MAE",
    "cum_rmse": "RMSE",
    "cum_bias": "bias",
    "cum_relative_bias": "relative bias",
    "cum_r2": "R² of sums",
}
GROUP_COLUMNS: tuple[str, ...] = ("task", "dataset", "source_dataset", "scheme", "model", "kind", "target")
RESULT_COLUMNS: tuple[str, ...] = tuple(c for c in GROUP_COLUMNS if c not in ("model", "kind"))
"""One result the models compete for: task, data, split scheme and target."""

HEADLINE_TARGET_PRIORITY: tuple[str, ...] = (
    "NEE", "GPP", "RECO", "N2O_FLUX", "ET", "YIELD", "LAI", "SWC_1", "NO3_1",
)  # fmt: skip
"""Targets shown first in tables and figures: the fluxes the paper reports, then water and crop states."""

MAX_HEADLINE_TARGETS = 4


def headline_targets(names: Sequence[str], limit: int = MAX_HEADLINE_TARGETS) -> list[str]:
    """At most ``limit`` of ``names``: the paper's fluxes first, then the rest in the given order."""
    ranked = [t for t in HEADLINE_TARGET_PRIORITY if t in names]
    ranked += [t for t in names if t not in HEADLINE_TARGET_PRIORITY]
    return ranked[:limit]


METRIC_LATEX: dict[str, str] = {
    "r2": "$R^2$",
    "rmse": "RMSE",
    "mae": "MAE",
    "nse": "NSE",
    "kge": "KGE",
    "bias": "bias",
}

TASK_LABELS: dict[str, str] = {
    "t0": "T0",
    "t1": "T1",
    "t2-finetune": "T2 fine-tune",
    "t2-adversarial": "T2 adv.",
}


def cumulative_columns(scores: dict) -> dict[str, float]:
    """The ``cum_*`` leaderboard cells of one ``cumulative_scores`` dict (None read back from JSON -> NaN)."""
    cells = {f"cum_{k}": scores.get(k) for k in CUMULATIVE_METRIC_NAMES}
    cells |= {"cum_n": scores.get("n", 0), "cum_excluded": scores.get("n_excluded", 0)}
    return {k: math.nan if v is None else float(v) for k, v in cells.items()}


def cumulative_unit(target: str) -> str:
    """Unit of a daily flux summed over days: ``g N m-2 d-1`` -> ``g N m-2``."""
    unit = schema.unit(target)
    return unit.removesuffix(" d-1") if unit.endswith(" d-1") else f"{unit} d"


def columns_of(frame: pd.DataFrame) -> list[str]:
    """The leaderboard's columns, with the cumulative ones before ``run_id`` when the frame has any."""
    columns = list(LEADERBOARD_COLUMNS)
    if any(c in frame.columns for c in CUMULATIVE_COLUMNS):
        columns[-1:-1] = CUMULATIVE_COLUMNS
    return columns


def leaderboard_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Rows as a frame with the leaderboard's columns in order (missing columns become NaN)."""
    frame = pd.DataFrame(list(rows))
    columns = columns_of(frame)
    for column in columns:
        if column not in frame.columns:
            frame[column] = np.nan
    if not frame.empty:
        frame["unit"] = [schema.unit(t) if isinstance(t, str) else "" for t in frame["target"]]
    for count in ("cum_n", "cum_excluded", "steps"):
        if count in frame.columns:  # counts, blank where not scored cumulatively (or not trained)
            frame[count] = pd.to_numeric(frame[count]).astype("Int64")
    return in_task_order(frame[columns])


def in_task_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by task (T0, T1, T2 fine-tune, T2 adversarial), then dataset as first listed, temporal
    before spatial, the rest in their order: the CSV and the tables read the same whatever order the
    runs ran in (a resumed or partial benchmark runs them in slices)."""
    if frame.empty or not {"task", "dataset", "scheme"} <= set(frame.columns):
        return frame
    tasks, schemes = schema.TASKS, schema.SPLIT_SCHEMES
    sources = frame["source_dataset"].astype(object).fillna("") if "source_dataset" in frame.columns else ""
    data = (
        list(zip(frame["dataset"], sources, strict=True))
        if "source_dataset" in frame.columns
        else list(frame["dataset"])
    )
    first = {key: i for i, key in enumerate(dict.fromkeys(data))}
    keys = pd.DataFrame(
        {
            "task": frame["task"].map({t: i for i, t in enumerate(tasks)}).fillna(len(tasks)),
            "data": [first[key] for key in data],
            "scheme": frame["scheme"].map({s: i for i, s in enumerate(schemes)}).fillna(len(schemes)),
        },
        index=frame.index,
    )
    order = keys.sort_values(["task", "data", "scheme"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def seeds_over_every_fold(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the seeds that ran as many folds as the most of any seed, per model, task, data,
    split scheme and target. A long benchmark runs a new seed's fold 0 (which T2 starts from) long before
    its other folds; a mean over folds and seeds would otherwise weigh fold 0 more, and a mean over seeds
    mix different regions. The seeds left out count again once their folds have run."""
    if frame.empty or "seed" not in frame.columns or "fold" not in frame.columns:
        return frame
    keys = [frame[c] for c in GROUP_COLUMNS if c in frame.columns]
    per_seed = frame.groupby([*keys, frame["seed"].fillna(0)], sort=False, dropna=False)
    folds = per_seed["fold"].transform("nunique")
    most = folds.groupby(keys, sort=False, dropna=False).transform("max")
    return frame[(folds == most).to_numpy()]


def failed_runs(frame: pd.DataFrame) -> pd.Series:
    """Per row: did the model fail (a prediction that is not a finite number on an observed day,
    ``n_failed`` > 0)? Its scores are NaN, as are those of a fold that observed nothing (``n`` 0); a mean
    that skips NaN would drop the first silently, so every mean over runs asks this first."""
    if "n_failed" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["n_failed"].fillna(0) > 0


def aggregate_over_folds(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 1; NaN with one row) and fold and seed counts of every metric per
    model/task/target, over its folds and the seeds that ran them all (:func:`seeds_over_every_fold`);
    ``n`` = scored site-days summed over folds (every seed scores the same days). ``folds`` counts the
    folds that scored the target: a fold whose test sites never observe it (``n`` 0, R² NaN, not a failure) is left out of the mean and of the count."""
    if frame.empty:
        return pd.DataFrame(columns=[*GROUP_COLUMNS, "folds", "seeds"])
    frame = seeds_over_every_fold(frame)
    keyed = frame.assign(source_dataset=frame["source_dataset"].fillna(""))
    if "seed" not in keyed.columns:
        keyed["seed"] = 0
    keyed["seed"] = keyed["seed"].fillna(0)
    # a fold whose test sites never observe the target (n 0) is not a scored fold
    observed = keyed["n"].fillna(0) > 0 if "n" in keyed.columns else keyed["fold"].notna()
    keyed["scored_fold"] = keyed["fold"].where(observed)
    grouped = keyed.groupby(list(GROUP_COLUMNS), sort=False, dropna=False)
    stats = grouped[list(METRICS)].agg(["mean", "std"])
    stats.columns = [f"{metric}_{stat}" for metric, stat in stats.columns]
    stats["folds"] = grouped["scored_fold"].nunique()
    stats["seeds"] = grouped["seed"].nunique()
    stats["n"] = grouped["n"].sum() // stats["seeds"].clip(lower=1)
    if "sees_future" in keyed.columns:
        stats["sees_future"] = grouped["sees_future"].agg(
            lambda v: bool(v.astype("boolean").fillna(False).any())
        )
    if "cum_n" in frame.columns:
        cumulative = grouped[list(CUMULATIVE_METRICS)].agg(["mean", "std"])
        cumulative.columns = [f"{metric}_{stat}" for metric, stat in cumulative.columns]
        stats = stats.join(cumulative)
        stats["cum_n"] = grouped["cum_n"].sum(min_count=1)
        stats["cum_excluded"] = grouped["cum_excluded"].sum(min_count=1)
    if "n_failed" in frame.columns:  # a fold whose model predicted NaN fails the model: no mean hides it
        stats["n_failed"] = grouped["n_failed"].sum(min_count=1)
        failed = failed_runs(stats)
        stats.loc[failed, [c for c in stats.columns if c.endswith(("_mean", "_std"))]] = np.nan
    return stats.reset_index()


def dataset_label(task: str, dataset: str, source_dataset: str | float | None) -> str:
    """``T1 co2``, ``T2 fine-tune co2 ← dssat_ceres_maize``: the column group a score belongs to."""
    label = f"{TASK_LABELS.get(task, task)} {dataset}"
    if isinstance(source_dataset, str) and source_dataset:
        label += f" ← {source_dataset}"
    return label


def format_number(value: float, digits: int = 3) -> str:
    """``digits`` decimals, or ``digits`` significant figures for magnitudes below 0.01 (daily N2O in
    g N m-2 d-1 is about 1e-3 and would otherwise print as 0.000)."""
    if value != 0 and abs(value) < 0.01:
        return f"{value:.{digits}g}"
    return f"{value:.{digits}f}"


def format_mean_std(mean: float, std: float, digits: int = 3) -> str:
    if mean is None or not np.isfinite(mean):
        return "–"
    if std is None or not np.isfinite(std):
        return format_number(mean, digits)
    return f"{format_number(mean, digits)} ± {format_number(std, digits)}"


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write_text(path, frame.to_csv(index=False))


def markdown_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in body]
    return "\n".join(lines)


def render_markdown(
    frame: pd.DataFrame,
    *,
    title: str = "AgroFlux benchmark",
    notes: Sequence[str] = (),
    sections: Sequence[str] = (),
) -> str:
    """One section per (task, dataset, split scheme): models x targets, metrics as mean ± std over folds."""
    summary = aggregate_over_folds(frame)
    parts = [f"# {title}", ""]
    parts += [f"- {note}" for note in notes]
    parts += [
        "- Test-split scores pooled over all test days, mean ± std over folds and seeds (std blank with "
        "one fold and one seed); `folds` = folds whose test sites observe the target (one without a "
        "single observed day is left out); `n` = scored site-days summed over folds. Every number comes from "
        f"`leaderboard.csv`. {WHOLE_YEAR_MARK} = the model sees the whole year, later days included "
        "(Transformer, iTransformer, Pyraformer; not causal); the others are causal.",
        "",
    ]
    if summary.empty:
        return "\n".join([*parts, "No scores were produced.", ""])
    for (task, dataset, source, scheme), section in summary.groupby(
        ["task", "dataset", "source_dataset", "scheme"], sort=False
    ):
        parts += [f"## {dataset_label(task, dataset, source)}, {scheme} scheme", ""]
        body = []
        for _, row in section.sort_values(["target", "r2_mean"], ascending=[True, False]).iterrows():
            cells = [f"{row['target']} ({schema.unit(row['target'])})", model_label(row)]
            cells += [format_mean_std(row[f"{m}_mean"], row[f"{m}_std"]) for m in METRICS]
            cells += [str(int(row["folds"])), str(int(row["seeds"])), str(int(row["n"]))]
            body.append(cells)
        header = ["target", "model", *(METRIC_LABELS[m] for m in METRICS), "folds", "seeds", "n"]
        parts += [markdown_table(header, body), ""]
        parts += _cumulative_markdown(section)
    parts += list(sections)
    return "\n".join(parts)


def model_label(row: pd.Series | dict) -> str:
    """The model's name, marked when it sees the whole year (later days included)."""
    value = row.get("sees_future")
    marked = bool(pd.notna(value) and value not in (False, "False"))
    return f"{row['model']}{WHOLE_YEAR_MARK if marked else ''}"


def _cumulative_markdown(section: pd.DataFrame) -> list[str]:
    """The cumulative-emission table of one section, for its rows that scored at least one sequence."""
    if "cum_n" not in section.columns:
        return []
    scored = section[section["cum_n"].fillna(0) > 0]
    if scored.empty:
        return []
    body = []
    for _, row in scored.sort_values(["target", "cum_mae_mean"]).iterrows():
        cells = [f"{row['target']} ({cumulative_unit(row['target'])})", model_label(row)]
        cells += [format_mean_std(row[f"{m}_mean"], row[f"{m}_std"]) for m in CUMULATIVE_METRICS]
        cells += [str(int(row["folds"])), f"{int(row['cum_n'])} ({int(row['cum_excluded'])})"]
        body.append(cells)
    header = ["target", "model", *(CUMULATIVE_LABELS[m] for m in CUMULATIVE_METRICS), "folds", "sequences"]
    note = (
        "Cumulative emission per test sequence: the flux interpolated linearly between its observed "
        "sampling days and integrated from the first to the last, the model sampled on the same days; "
        "`sequences` = scored (excluded for fewer than 2 sampling days), summed over folds."
    )
    return [note, "", markdown_table(header, body), ""]


def write_markdown(
    frame: pd.DataFrame, path: Path, *, notes: Sequence[str] = (), sections: Sequence[str] = ()
) -> Path:
    """``leaderboard.md``; ``sections`` (Markdown lines) follow the tables, e.g. the transfer gain."""
    return atomic_write_text(path, render_markdown(frame, notes=notes, sections=sections))


# ---------------------------------------------------------------------------------------------
# LaTeX, laid out like the paper's tables: models as rows; dataset x split x target as columns
# ---------------------------------------------------------------------------------------------

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "←": r"$\leftarrow$",
    "±": r"$\pm$",
    "²": r"$^2$",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _best_per_column(table: pd.DataFrame, metric: str) -> dict:
    """Best model of every column (largest R²/NSE/KGE, smallest RMSE/MAE/|bias|); None when empty."""
    best: dict = {}
    for column in table.columns:
        values = table[column].dropna()
        if BEST_VALUE[metric] == "zero":
            values = values.abs()
        if values.empty:
            best[column] = None
        else:
            best[column] = values.idxmax() if BEST_VALUE[metric] == "max" else values.idxmin()
    return best


def render_latex(frame: pd.DataFrame, metric: str, *, max_targets: int | None = MAX_HEADLINE_TARGETS) -> str:
    """A booktabs table of ``metric``: one row per model (networks, then baselines), one column per
    (task and dataset, split scheme, target), cells mean ± std over folds, the best of each column in
    bold. Like the paper's tables it shows the headline targets (at most ``max_targets`` per dataset,
    :func:`headline_targets`); every target is in ``leaderboard.md`` and ``leaderboard.csv``."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {METRICS}")
    summary = aggregate_over_folds(frame)
    if summary.empty:
        return f"% no scores for {metric}\n"
    if max_targets is not None:
        keep = {
            dataset: headline_targets(list(dict.fromkeys(part["target"])), max_targets)
            for dataset, part in summary.groupby("dataset", sort=False)
        }
        summary = summary[[t in keep[d] for d, t in zip(summary["dataset"], summary["target"], strict=True)]]
    summary["column"] = [
        (dataset_label(r.task, r.dataset, r.source_dataset), r.scheme, r.target)
        for r in summary.itertuples(index=False)
    ]
    columns = list(dict.fromkeys(summary["column"]))
    networks = list(dict.fromkeys(summary.loc[summary["kind"] != "baseline", "model"]))
    baselines = list(dict.fromkeys(summary.loc[summary["kind"] == "baseline", "model"]))
    means = summary.pivot_table(index="model", columns="column", values=f"{metric}_mean", aggfunc="first")
    stds = summary.pivot_table(index="model", columns="column", values=f"{metric}_std", aggfunc="first")
    means = means.reindex(index=networks + baselines, columns=columns)
    stds = stds.reindex(index=networks + baselines, columns=columns)
    best = _best_per_column(means, metric)
    marked = summary["sees_future"].astype(bool) if "sees_future" in summary.columns else []
    whole_year = set(summary.loc[marked, "model"]) if len(marked) else set()

    lines = [
        "% Generated by agroflux benchmark from leaderboard.csv; needs \\usepackage{booktabs,graphicx}.",
        "\\begin{table}[ht]",
        "\\centering",
        "\\scriptsize",
        "\\resizebox{\\textwidth}{!}{%",
        "\\begin{tabular}{l" + "c" * len(columns) + "}",
        "\\toprule",
    ]
    lines += _latex_header_rows(columns)
    lines.append("\\midrule")
    for model in networks + baselines:
        if model == (baselines[0] if baselines else None) and networks:
            lines.append("\\midrule")
        cells = [latex_escape(model) + ("$^\\dagger$" if model in whole_year else "")]
        for column in columns:
            text = latex_escape(format_mean_std(means.at[model, column], stds.at[model, column]))
            cells.append(f"\\textbf{{{text}}}" if best.get(column) == model else text)
        lines.append(" & ".join(cells) + " \\\\")
    caption = (
        f"Test {METRIC_LATEX[metric]} (mean $\\pm$ std over folds and seeds) per model, task and dataset, split scheme "
        "and target; best of each column in bold; baselines below the rule; $^\\dagger$ sees the whole year "
        "(later days included)."
    )
    lines += [
        "\\bottomrule",
        "\\end{tabular}}",
        f"\\caption{{{caption}}}",
        f"\\label{{tab:agroflux-{metric}}}",
        "\\end{table}",
        "",
    ]
    return "\n".join(lines)


def _latex_header_rows(columns: list[tuple[str, str, str]]) -> list[str]:
    """Three header rows (dataset, split, target with unit) with spanning cells and cmidrules."""
    rows = []
    for level in (0, 1):
        cells, rules, start = ["model" if level == 0 else ""], [], 2
        for key, width in _runs([c[: level + 1] for c in columns]):
            label = latex_escape(key[-1])
            cells.append(f"\\multicolumn{{{width}}}{{c}}{{{label}}}" if width > 1 else label)
            rules.append(f"\\cmidrule(lr){{{start}-{start + width - 1}}}")
            start += width
        rows += [" & ".join(cells) + " \\\\", " ".join(rules)]
    targets = [f"{latex_escape(c[2])} ({latex_escape(schema.unit(c[2]))})" for c in columns]
    rows.append(" & ".join(["", *targets]) + " \\\\")
    return rows


def _runs(keys: list[tuple]) -> list[tuple[tuple, int]]:
    """Consecutive equal keys collapsed to (key, count)."""
    runs: list[tuple[tuple, int]] = []
    for key in keys:
        if runs and runs[-1][0] == key:
            runs[-1] = (key, runs[-1][1] + 1)
        else:
            runs.append((key, 1))
    return runs


def write_latex_tables(frame: pd.DataFrame, folder: Path, metrics: Sequence[str] = METRICS) -> list[Path]:
    """``folder/<metric>.tex`` for every metric."""
    folder.mkdir(parents=True, exist_ok=True)
    return [atomic_write_text(folder / f"{m}.tex", render_latex(frame, m)) for m in metrics]
