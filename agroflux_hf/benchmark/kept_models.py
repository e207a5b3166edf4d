"""Which runs' saved models a benchmark keeps: those a figure, a T2 run, a shipped checkpoint or a
diagnostic reads again; ``--keep-models needed`` deletes the rest (:func:`prune_models`).

Why a module: the rule decides what a long benchmark's committed folder can still do (draw its figures,
start T2, install the shipped checkpoints, diagnose a fold), so it is kept in one place, apart from the
running of the runs (``execution``).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from agroflux_hf import schema
from agroflux_hf.benchmark.planning import RUN_RECORD, RunSpec
from agroflux_hf.benchmark.presets import BenchmarkPreset
from agroflux_hf.checkpoints import SHIPPED_T2_SOURCE


def prune_models(root: Path, specs: Sequence[RunSpec], preset: BenchmarkPreset) -> int:
    """Delete the saved models that nothing reads again; returns how many were deleted.

    Kept: the models of runs whose test predictions the figures draw (:func:`needs_predictions`), the
    T0 models that a planned T2 run starts from, those the shipped checkpoints are installed from
    (:func:`ships_as_checkpoint`) and the networks' T0 models of every spatial fold
    (:func:`scored_at_new_regions`). Everything else a report needs is in each run's
    ``benchmark_run.json``, so a long benchmark (the paper preset) stays small enough to commit.
    """
    starts = {spec.pretrain_run_id for spec in specs if spec.pretrain_run_id}
    deleted = 0
    for spec in specs:
        if (
            needs_predictions(spec, preset)
            or spec.run_id in starts
            or ships_as_checkpoint(spec)
            or scored_at_new_regions(spec)
        ):
            continue
        run_dir = root / "runs" / spec.run_id
        if not (run_dir / RUN_RECORD).is_file():
            continue  # unfinished: its checkpoint may still be resumed
        for folder in (run_dir / "best_model", run_dir / "model"):
            if folder.is_dir():
                shutil.rmtree(folder)
                deleted += 1
    return deleted


def scored_at_new_regions(spec: RunSpec) -> bool:
    """Whether ``scripts/static_extrapolation.py`` reads this run's model: a network's T0 run on a spatial
    fold, whose test regions may lie outside the training range of the static features (a network's
    score there depends on it; the diagnostic needs the model, 0.2-0.5 MB each at width 50)."""
    return spec.kind == "network" and spec.task == "t0" and spec.scheme == schema.SPATIAL


def ships_as_checkpoint(spec: RunSpec) -> bool:
    """Whether ``scripts/train_default_checkpoints.py --from-benchmark`` installs this run's model: the
    networks' temporal T0 and T1 runs and their T2 fine-tuning from CERES-Maize's T0, every seed."""
    if spec.kind != "network" or spec.scheme != "temporal":
        return False
    return spec.task in ("t0", "t1") or (
        spec.task == "t2-finetune" and spec.source_config == SHIPPED_T2_SOURCE
    )


def needs_predictions(spec: RunSpec, preset: BenchmarkPreset) -> bool:
    """Whether a figure draws this run's daily predictions (T0/T1 on the temporal config)."""
    if spec.task not in ("t0", "t1") or spec.fold != 0:
        return False
    return spec.scheme == "temporal" or "temporal" not in preset.split_schemes
