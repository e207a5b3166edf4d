"""The benchmark runner: plan every (model, task, config) run, train or fit it, score it, report.

``run_benchmark`` is what ``agroflux benchmark`` calls. It

1. lists the configs of the chosen data (embedded AgroFlux-mini unless ``data_dir``) and plans the runs
   of a :class:`~agroflux_hf.benchmark.presets.BenchmarkPreset`: T0 on simulation configs, T1 on
   observation configs, T2 (fine-tune, adversarial) from a simulation's T0 weights to each observation
   config, temporal and spatial schemes, every fold the preset keeps; the two reference baselines run
   on T0 and T1;
2. runs them in that order under a progress bar, each in ``OUT/runs/<run-id>/`` (written in place, so
   that a killed benchmark keeps its finished runs); a run that finished before on the same folder
   under the same settings is reused, not run again (``restart=True`` runs everything); a failed run
   is recorded (``error.txt``, the README) and does not stop the others, and T2 runs whose T0 weights
   failed are skipped with that reason;
3. scores every test split with ``agroflux_hf.metrics.core.score_targets`` (networks and baselines
   alike) and writes ``leaderboard.csv``, ``leaderboard.md``, ``tables/<metric>.tex``, ``figures/``,
   ``site_scores.csv``, ``run_config.json`` and ``README.md``;
4. builds the reports in a hidden sibling folder (``files.building_directory``), moves the planned
   runs into it and only then swaps it in for ``OUT``: stale reports and runs the plan no longer has
   are dropped whole, and an interrupted benchmark leaves the previous reports untouched.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from agroflux_hf.benchmark.execution import BenchmarkContext, RunOutcome
from agroflux_hf.benchmark.kept_models import prune_models
from agroflux_hf.benchmark.planning import RunSpec, plan_runs, run_folder_names
from agroflux_hf.benchmark.presets import BenchmarkPreset, get_preset
from agroflux_hf.benchmark.reports import leaderboard_rows, write_reports
from agroflux_hf.benchmark.scheduling import run_all
from agroflux_hf.files import building_directory

__all__ = ["BenchmarkResult", "RunOutcome", "RunSpec", "leaderboard_rows", "plan_runs", "run_benchmark"]

logger = logging.getLogger(__name__)


@dataclass
class BenchmarkResult:
    output_dir: Path
    leaderboard: pd.DataFrame
    outcomes: list[RunOutcome]
    figures: list[Path]
    seconds: float

    @property
    def failed(self) -> list[RunOutcome]:
        """Runs that failed, or were skipped because the T0 run they start from failed."""
        return [o for o in self.outcomes if o.status in ("failed", "skipped")]

    @property
    def pending(self) -> list[RunOutcome]:
        """Runs not run yet (``report_only``)."""
        return [o for o in self.outcomes if o.status == "pending"]


def run_benchmark(
    output_dir: str | Path,
    *,
    preset: str | BenchmarkPreset = "quick",
    data_dir: str | Path | None = None,
    models: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    restart: bool = False,
    report_only: bool = False,
    keep_models: str = "all",
    bound_statics: Sequence[str] | None = None,
    command: str | None = None,
    progress: bool = True,
) -> BenchmarkResult:
    """Train and evaluate every run of ``preset`` and write the leaderboard folder ``output_dir``.

    ``models`` (architectures and/or ``gbt``, ``climatology``) and ``tasks`` (``t0``, ``t1``,
    ``t2-finetune``, ``t2-adversarial``, ``t2`` = both) narrow the preset; ``seeds`` replace its seeds.
    Runs that finished in ``output_dir`` under the same settings are reused unless ``restart``; run
    folders there that this call does not plan are kept untouched (and counted in its README), the
    reports are rebuilt.
    ``report_only`` runs nothing: the reports cover the finished runs and list the others as pending.
    ``bound_statics`` (split schemes; empty = all) trains those schemes' networks with
    ``TrainingArguments.bound_statics`` (their runs do not reuse unbounded ones).
    ``keep_models="needed"`` deletes the saved models that nothing reads again
    (:func:`~agroflux_hf.benchmark.kept_models.prune_models`), for a results folder small enough to commit.
    ``command`` is the command line written into the README and ``run_config.json``.
    """
    if keep_models not in ("all", "needed"):
        raise ValueError(f"keep_models must be 'all' or 'needed', got {keep_models!r}")
    if report_only and restart:
        raise ValueError("report_only reports the finished runs; restart would discard them")
    from agroflux_hf.data.loading import config_infos

    started = time.perf_counter()
    preset = get_preset(preset) if isinstance(preset, str) else preset
    preset = preset.restricted(tuple(models) if models else None, tuple(tasks) if tasks else None)
    preset = preset.with_seeds(tuple(seeds) if seeds else None).with_bound_statics(bound_statics)
    data_dir = str(data_dir) if data_dir is not None else None
    out = Path(output_dir).resolve()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: benchmark output must be a directory, found a file")
    infos = config_infos(data_dir)
    specs = plan_runs(preset, infos)
    if not specs:
        raise ValueError(f"preset {preset.name!r} plans no run on the configs {sorted(infos)}")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    ctx = BenchmarkContext(preset, data_dir, out, infos, restart, report_only, command=command)
    outcomes = run_all(specs, ctx, progress and not report_only)
    if keep_models == "needed":
        prune_models(out, specs, preset)
    others = unplanned_runs(out, specs)
    with building_directory(out) as tmp:
        frame, figures = write_reports(ctx, outcomes, infos, started, tmp, unplanned=others)
        move_runs(out, tmp, [*(s.run_id for s in specs), *others])  # last step before the swap
        warn_about_dropped_files(out, tmp)
    figures = [out / f.relative_to(tmp) for f in figures]
    return BenchmarkResult(out, frame, outcomes, figures, time.perf_counter() - started)


def unplanned_runs(out: Path, specs: Sequence[RunSpec]) -> list[str]:
    """Run folders in ``out/runs`` that this call does not plan (other seeds, models or tasks than it
    was asked for): kept as they are, since each may hold hours of training that a later call reuses."""
    return sorted(run_folder_names(out) - {spec.run_id for spec in specs})


def warn_about_dropped_files(out: Path, built: Path) -> None:
    """Name the entries of ``out`` that the rebuilt folder does not have (a user's own notes, or a
    report an older version wrote): the swap drops them, and a warning beats silent loss."""
    dropped = sorted({p.name for p in out.iterdir()} - {p.name for p in built.iterdir()})
    if dropped:
        logger.warning(
            "%s: dropping %s, not written by this benchmark (the output folder is the benchmark's; "
            "keep your own files beside it)",
            out,
            ", ".join(dropped),
        )


def move_runs(out: Path, built: Path, run_ids: Sequence[str]) -> None:
    """The named run folders (and the workers' logs) from ``out`` into the folder about to replace it;
    everything else of the old folder (its reports) goes with it."""
    (built / "runs").mkdir(exist_ok=True)
    for run_id in run_ids:
        run_dir = out / "runs" / run_id
        if run_dir.is_dir():
            os.replace(run_dir, built / "runs" / run_id)
    if (out / "logs").is_dir():
        os.replace(out / "logs", built / "logs")
