"""Benchmark reports: scores -> leaderboard rows, tables, figures, the output folder's README.

Every test split is scored with ``agroflux_hf.metrics.core.score_targets`` (networks and baselines
alike) during execution; this module turns the outcomes into ``leaderboard.csv``, ``leaderboard.md``,
``tables/<metric>.tex``, ``figures/`` (chosen in ``report_figures``), ``site_scores.csv``,
``run_config.json`` and ``README.md``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from agroflux_hf import schema
from agroflux_hf.benchmark import leaderboard, transfer_gain
from agroflux_hf.benchmark.execution import BenchmarkContext, RunOutcome, cpu_model
from agroflux_hf.benchmark.planning import RunSpec
from agroflux_hf.benchmark.presets import BenchmarkPreset
from agroflux_hf.benchmark.report_figures import held_out_labels, make_figures, site_coordinates
from agroflux_hf.benchmark.selection import render_selection_section
from agroflux_hf.files import atomic_write_text, write_json


def untrained_targets(info: Any) -> set[str]:
    """Targets the config's training split never observes (their training statistics are null).

    A network still outputs them (its head exists), but a score for a target it never saw a value of
    says nothing about the model: such rows are left out of the leaderboard.
    """
    stats = (getattr(info, "stats", None) or {}).get("targets", {})
    return {name for name, entry in stats.items() if entry.get("mean") is None}


def leaderboard_rows(outcome: RunOutcome, skip_targets: set[str] = frozenset()) -> list[dict]:
    """One row per target of a successful run: pooled test metrics, per-site mean/median R², the pooled
    validation R² (``val_r2``, NaN when the run has no validation score of the target) and, for a
    target scored by cumulative emission (N2O_FLUX), the ``cum_*`` columns."""
    if outcome.status != "ok" or not outcome.scores or "test" not in outcome.scores:
        return []
    spec, rows = outcome.spec, []
    for target, entry in outcome.scores["test"].items():
        if target in skip_targets:
            continue
        pooled, per_site = entry["pooled"], entry.get("per_site") or {}
        row = {
            "model": spec.model,
            "kind": spec.kind,
            "task": spec.task,
            "dataset": spec.dataset,
            "source_dataset": spec.source_dataset or "",
            "config": spec.config,
            "source_config": spec.source_config or "",
            "scheme": spec.scheme,
            "fold": spec.fold,
            "seed": spec.seed,
            "target": target,
            "run_id": spec.run_id,
            "sees_future": outcome.sees_future,
            "steps": outcome.steps,
            "stopped_early": outcome.stopped_early,
            "n": int(pooled["n"]),
            "n_failed": int(pooled.get("n_failed", 0)),  # observed days predicted NaN: scores are NaN
        }
        row.update({m: pooled[m] for m in leaderboard.METRICS})
        row["site_r2_mean"] = per_site.get("mean", {}).get("r2", math.nan)
        row["site_r2_median"] = per_site.get("median", {}).get("r2", math.nan)
        row["n_sites"] = per_site.get("n_sites", 0)
        validation = (outcome.scores.get("validation") or {}).get(target) or {}
        row["val_r2"] = validation.get("pooled", {}).get("r2", math.nan)
        if entry.get("cumulative"):  # N2O: the error of each test sequence's cumulative emission
            row.update(leaderboard.cumulative_columns(entry["cumulative"]))
        rows.append(row)
    return rows


def site_score_rows(outcome: RunOutcome) -> list[dict]:
    """One row per (site, target) of a successful run's test split."""
    if outcome.status != "ok" or not outcome.scores or "test" not in outcome.scores:
        return []
    spec = outcome.spec
    return [
        {
            "model": spec.model,
            "task": spec.task,
            "dataset": spec.dataset,
            "config": spec.config,
            "scheme": spec.scheme,
            "fold": spec.fold,
            "seed": spec.seed,
            "source_dataset": spec.source_dataset or "",
            "target": target,
            "site_id": site,
            **metrics,
        }
        for target, entry in outcome.scores["test"].items()
        for site, metrics in entry.get("sites", {}).items()
    ]


def write_reports(
    ctx: BenchmarkContext,
    outcomes: list[RunOutcome],
    infos: Mapping[str, Any],
    started: float,
    root: Path,
    unplanned: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[Path]]:
    """Every report file into ``root`` (the folder that replaces the output folder); ``unplanned``:
    run folders kept beside this call's runs, which the README names but no table counts."""
    preset = ctx.preset
    frame = leaderboard.leaderboard_frame(
        [row for o in outcomes for row in leaderboard_rows(o, untrained_targets(infos.get(o.spec.config)))]
    )
    site_frame = pd.DataFrame([row for o in outcomes for row in site_score_rows(o)])
    leaderboard.write_csv(frame, root / "leaderboard.csv")
    leaderboard.write_csv(site_frame, root / "site_scores.csv")
    notes = [f"Preset `{preset.name}`: {preset.description}", *preset.notes]
    pending = sum(o.status == "pending" for o in outcomes)
    if pending:
        notes.append(
            f"Partial: {pending} of {len(outcomes)} planned runs have not run yet (README.md lists them); "
            "means are over the runs that finished."
        )
    sections = [
        *render_selection_section(frame),
        *transfer_gain.render_gain_sections(frame, models=preset.models),
    ]
    leaderboard.write_markdown(frame, root / "leaderboard.md", notes=notes, sections=sections)
    leaderboard.write_latex_tables(frame, root / "tables")
    coordinates = site_coordinates(infos)
    figures = make_figures(
        frame,
        outcomes,
        site_frame,
        coordinates,
        root / "figures",
        max_sites=preset.sites_per_series_plot,
        held_out=held_out_labels(infos),
    )
    seconds = time.perf_counter() - started
    write_json(
        root / "run_config.json",
        {
            "command": ctx.command,
            "preset": preset.to_dict(),
            "data_dir": ctx.data_dir,
            "configs": sorted(infos),
            "runs": [
                {
                    "run_id": o.spec.run_id,
                    "status": o.status,
                    "seconds": o.seconds,
                    "steps": o.steps,
                    "stopped_early": o.stopped_early,
                    "reused": o.reused,
                    "error": o.error,
                }
                for o in outcomes
            ],
            "versions": versions(),
            "wall_seconds": seconds,
        },
    )
    reach = [
        *static_reach_section(ctx, sorted({o.spec.config for o in outcomes})),
        *unplanned_section(unplanned),
    ]
    atomic_write_text(
        root / "README.md",
        render_readme(
            preset, ctx.data_dir, outcomes, figures, root, seconds, command=ctx.command, extra=reach
        ),
    )
    return frame, figures


def unplanned_section(run_ids: Sequence[str], shown: int = 12) -> list[str]:
    """README lines naming the run folders kept in ``runs/`` outside this call's plan (none: no lines)."""
    if not run_ids:
        return []
    listed = ", ".join(f"`{r}`" for r in run_ids[:shown])
    more = f" and {len(run_ids) - shown} more" if len(run_ids) > shown else ""
    return [
        "## Other runs kept in this folder",
        "",
        f"`runs/` also holds {len(run_ids)} run folder(s) that this call did not plan (other seeds, models, "
        "tasks or presets): kept untouched, counted in no table above; a call that plans them reuses the "
        f"finished ones. {listed}{more}.",
        "",
    ]


def versions() -> dict[str, str]:
    """Versions of the software that produced the numbers."""
    import importlib.metadata as md

    import agroflux_hf

    found = {
        "python": platform.python_version(),
        "agroflux_hf": agroflux_hf.__version__,
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "cpu": cpu_model(),
    }
    for package in ("torch", "transformers", "datasets", "accelerate", "scikit-learn", "numpy", "pandas"):
        try:
            found[package] = md.version(package)
        except md.PackageNotFoundError:
            found[package] = "not installed"
    return found


def compute_line(outcomes: Sequence[RunOutcome]) -> str:
    """Training and fitting time summed over the finished runs (reused ones included, as recorded when
    they ran): the cost of the whole protocol, which a resumed benchmark's wall time does not show."""
    ok = [o for o in outcomes if o.status == "ok"]
    total = sum(o.seconds for o in ok)
    by_task: dict[str, float] = {}
    for outcome in ok:
        by_task[outcome.spec.task] = by_task.get(outcome.spec.task, 0.0) + outcome.seconds
    parts = ", ".join(f"{task} {seconds / 3600:.2f} h" for task, seconds in by_task.items())
    where = "; ".join(
        f"{n} on {cpu}" if cpu else f"{n} not recorded (finished before 2026-12-04)"
        for cpu, n in Counter(o.cpu for o in ok).most_common()
    )
    return (
        f"- Compute: {total / 3600:.2f} h summed over the {len(ok)} finished runs ({parts}), each run's own "
        "time as recorded when it ran (several ran at once, one per worker process)"
        + (f"; the processor of the call that finished a run: {where}." if ok else ".")
    )


def render_readme(
    preset: BenchmarkPreset,
    data_dir: str | None,
    outcomes: Sequence[RunOutcome],
    figures: Sequence[Path],
    root: Path,
    seconds: float,
    *,
    command: str | None = None,
    extra: Sequence[str] = (),
) -> str:
    """The output folder's README: what ran, on what, with which software, how long, and the figures
    (``extra``: README lines placed before the figures)."""
    ok = [o for o in outcomes if o.status == "ok"]
    bad = [o for o in outcomes if o.status in ("failed", "skipped")]
    pending = [o for o in outcomes if o.status == "pending"]
    configs = sorted({o.spec.config for o in outcomes})
    lines = [
        f"# AgroFlux benchmark: preset `{preset.name}`",
        "",
        preset.description,
        "",
        *[f"- {note}" for note in preset.notes],
        f"- Data: {data_dir or 'embedded default AgroFlux-mini (agroflux_hf/default_data)'}; "
        f"configs: {', '.join(configs)}.",
        f"- Models: {', '.join(preset.models)}; baselines: {', '.join(preset.baselines)}; "
        f"tasks: {', '.join(preset.tasks)}.",
        f"- Model settings: `{json.dumps({m: preset.overrides_for(m) for m in preset.models})}`; training per task: "
        + "; ".join(
            f"{t} `{json.dumps(s.training_overrides())}`"
            for t, s in preset.stages.items()
            if t in preset.tasks or t == "t0"
        ),
        f"- Runs: {len(ok)} succeeded, {len(bad)} failed or skipped, {len(pending)} pending (not run yet), "
        f"of {len(outcomes)}; "
        f"{sum(o.reused for o in ok)} reused from an earlier benchmark on this folder (same settings); "
        f"this call's wall time {seconds / 60:.1f} min ({seconds:.0f} s; reused runs' time is in Compute).",
        compute_line(outcomes),
        *([f"- Command: `{command}`"] if command else []),
        f"- Seeds: {', '.join(map(str, preset.seeds))} (every run once per seed).",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
        "## Files",
        "",
        "- `leaderboard.csv`: one row per model, task, config, split scheme, fold, seed and target (test "
        "split); `steps` = optimiser steps taken, `stopped_early` = early stopping ended the run before "
        "its step budget, `sees_future` = the model reads the whole year, later days included.",
        "- `leaderboard.md`: the same aggregated over folds and seeds (mean ± std), with the transfer "
        "gain (T2 minus T1 R²); models marked † see the whole year (not causal).",
        "- `cum_*` columns (N2O_FLUX): error of each test sequence's cumulative emission over its "
        "sampling days (`agroflux_hf.metrics.core.cumulative_scores`); `cum_excluded` = sequences with "
        "fewer than 2 sampling days.",
        "- `tables/<metric>.tex`: LaTeX tables laid out like the paper's (models x dataset x split x target).",
        "- `site_scores.csv`: every site's test scores per run.",
        "- `runs/<run-id>/`: per run `metrics.json`, `run_config.json` and the model (`best_model/` or `model/`).",
        "- `run_config.json`: the resolved preset, data, run list with timings, versions.",
        "- `logs/`: the worker processes' output (training progress, warnings) when runs ran in parallel.",
        "- A target never observed in a config's training split (e.g. RECO in a tower fold whose training "
        "towers all lack it) is left out of the leaderboard for that config: no model saw a value of it, "
        "so its score would say nothing; `site_scores.csv` and the run folders keep everything.",
        "",
    ]
    if bad:
        lines += ["## Failed or skipped runs", ""]
        lines += [
            f"- `{o.spec.run_id}`: {o.status}: {o.error} (see `runs/{o.spec.run_id}/error.txt`)" for o in bad
        ]
        lines.append("")
    if pending:
        lines += pending_section(pending, len(outcomes), finished=ok)
    lines += extra
    if figures:
        lines += ["## Figures", ""]
        for figure in figures:
            relative = figure.relative_to(root).as_posix()
            lines += [f"### {figure.stem}", "", f"![{figure.stem}]({relative})", ""]
    return "\n".join(lines)


def static_reach_section(ctx: BenchmarkContext, configs: Sequence[str]) -> list[str]:
    """README lines: per config, how far its test sites' static attributes lie from its training
    statistics (``data.statistics.static_reach``), so that a reader sees which scores are extrapolations."""
    from agroflux_hf.data.statistics import static_reach

    rows = []
    for config in configs:
        info = ctx.infos[config]
        splits = ctx.dataset(config)
        if not info.static_names or "test" not in splits or not len(splits["test"]):
            continue
        test = splits["test"].with_format("numpy", columns=[schema.STATIC_FEATURES])[:]
        static = test[schema.STATIC_FEATURES].astype("float64").reshape(len(splits["test"]), -1)
        reach = static_reach(static, info.static_names, info.stats.get("static", {}))
        largest = f"{reach.largest_z:.1f} ({reach.attribute})" if reach.attribute else "0.0"
        rows.append(f"| {config} | {largest} | {', '.join(reach.unseen) or '-'} |")
    if not rows:
        return []
    return [
        "## Test sites against the training range",
        "",
        "A network multiplies a normalised static attribute however far it lies from training; a tree stops at "
        "its last split. The largest |z| of a test site's static attribute (training mean and SD of the "
        "config), and the attributes constant over training that take another value in test: a config "
        "whose test sites lie many SDs out (tens on the simulations' spatial fold 1) scores its networks on "
        "an extrapolation that validation on the training regions does not show "
        "(`scripts/static_extrapolation.py CONFIG --checkpoints ...` measures what clipping does).",
        "",
        "| config | largest test \\|z\\| (attribute) | constant in training, another value in test |",
        "|---|---:|---|",
        *rows,
        "",
    ]


def pending_section(
    pending: Sequence[RunOutcome], total: int, finished: Sequence[RunOutcome] = ()
) -> list[str]:
    """README lines for a partial benchmark: per task, split scheme and seed, the runs finished and
    pending, the compute spent and about how much the pending runs need by the runs that did, and the
    folds whose every run has finished (the ones the tables count), so that nobody reads the tables as
    the whole protocol's and whoever continues can plan the machine."""
    typical = typical_seconds(finished)
    groups: dict[tuple[str, str, int], list[RunOutcome]] = {}
    for outcome in sorted([*finished, *pending], key=progress_order):
        groups.setdefault((outcome.spec.task, outcome.spec.scheme, outcome.spec.seed), []).append(outcome)
    rows, known, unknown = [], 0.0, 0
    for (task, scheme, seed), outcomes in groups.items():
        done = [o.seconds for o in outcomes if o.status != "pending"]
        left = [typical.get(run_kind(o.spec)) for o in outcomes if o.status == "pending"]
        estimate = [t for t in left if t is not None]
        known, unknown = known + sum(estimate), unknown + len(left) - len(estimate)
        spent = hours_cell([t for t in done if t is not None])
        cells = [task, scheme, seed, len(done), len(left), spent, hours_cell(estimate), whole_folds(outcomes)]
        rows.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return [
        "## Progress",
        "",
        f"This is a partial benchmark: {len(pending)} of {total} planned runs have not run yet, so the "
        "tables cover only the finished ones (a mean over folds is over the folds that finished). Run "
        "the same command again on this folder to continue; finished runs are reused. The compute "
        "estimate is each pending run's median recorded time among the finished runs of the same model, "
        "task and data, on the machines that ran them"
        + (f" (not counted, no finished run of their kind: {unknown} pending runs)" if unknown else "")
        + f": about {known / 3600:.1f} h in all. `whole`: the data (for T2 the simulation it starts "
        "from) all of whose runs have finished, on every fold or on the folds named.",
        "",
        "| task | split scheme | seed | runs finished | runs pending | compute spent (h) | "
        "compute estimate (h) | whole |",
        "|---|---|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
    ]


def progress_order(outcome: RunOutcome) -> tuple[int, int, int, int]:
    """Seed, then task (T0, T1, T2 fine-tune, T2 adversarial), then split scheme, then fold."""
    spec = outcome.spec
    task = schema.TASKS.index(spec.task) if spec.task in schema.TASKS else len(schema.TASKS)
    schemes = schema.SPLIT_SCHEMES
    scheme = schemes.index(spec.scheme) if spec.scheme in schemes else len(schemes)
    return spec.seed, task, scheme, spec.fold


def hours_cell(seconds: Sequence[float]) -> str:
    """Hours with one decimal, two below 0.1 h; ``-`` when nothing is known."""
    if not seconds:
        return "-"
    hours = sum(seconds) / 3600
    return f"{hours:.1f}" if hours >= 0.1 else f"{hours:.2f}"


def whole_folds(outcomes: Sequence[RunOutcome]) -> str:
    """What of a group has no run pending: ``all``, ``-``, or per data (the T2 runs' simulator, else
    the dataset) ``name`` when all its folds are whole and ``name fold 0, 2`` when some are."""
    folds: dict[str, dict[int, bool]] = {}
    for outcome in outcomes:
        data = outcome.spec.source_dataset or outcome.spec.dataset
        by_fold = folds.setdefault(data, {})
        by_fold[outcome.spec.fold] = by_fold.get(outcome.spec.fold, True) and outcome.status != "pending"
    if all(all(by_fold.values()) for by_fold in folds.values()):
        return "all"
    parts = []
    for data, by_fold in folds.items():
        whole = [str(fold) for fold, done in sorted(by_fold.items()) if done]
        if len(whole) == len(by_fold):
            parts.append(data)
        elif whole:
            parts.append(f"{data} fold {', '.join(whole)}")
    return "; ".join(parts) or "-"


def run_kind(spec: RunSpec) -> tuple[str, str, str]:
    """What a run's cost depends on: the model, the task and the data (its dataset); not the fold, the
    seed or the split scheme, which change the sites, not the step budget."""
    return spec.model, spec.task, spec.dataset


def typical_seconds(finished: Sequence[RunOutcome]) -> dict[tuple[str, str, str], float]:
    """The median recorded time of the finished runs of each :func:`run_kind` (a median, since a run's
    record can hold a pause of its machine)."""
    times: dict[tuple[str, str, str], list[float]] = {}
    for outcome in finished:
        times.setdefault(run_kind(outcome.spec), []).append(outcome.seconds)
    return {kind: statistics.median(values) for kind, values in times.items()}
