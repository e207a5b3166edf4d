"""The benchmark runner: plan every (model, task, config) run, train or fit it, score it, report.

``run_benchmark`` is what ``agroflux benchmark`` calls. It

1. lists the configs of the chosen data (embedded AgroFlux-mini unless ``data_dir``) and plans the runs
   of a :class:`~agroflux_hf.benchmark.presets.BenchmarkPreset`: T0 on simulation configs, T1 on
   observation configs, T2 (fine-tune, adversarial) from a simulation's T0 weights to each observation
   config, temporal and spatial schemes, every fold the preset keeps; the two reference baselines run
   on T0 and T1;
2. runs them in that order under a progress bar, each in ``runs/<run-id>/``; a failed run is recorded
   (``error.txt``, the README) and does not stop the others, and T2 runs whose T0 weights failed are
   skipped with that reason;
3. scores every test split with ``agroflux_hf.metrics.core.score_targets`` (networks and baselines
   alike) and writes ``leaderboard.csv``, ``leaderboard.md``, ``tables/<metric>.tex``, ``figures/``,
   ``site_scores.csv``, ``run_config.json`` and ``README.md``;
4. builds all of it in ``OUT.tmp-<random>`` and only then swaps it in for ``OUT``, so a re-run replaces
   stale results whole and an interrupted run leaves the previous results untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import platform
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.benchmark import leaderboard, plots
from agroflux_hf.benchmark.baselines import SplitArrays, build_baseline
from agroflux_hf.benchmark.presets import BASELINES, TASKS, TRANSFER_TASKS, BenchmarkPreset, get_preset
from agroflux_hf.schema import parse_config_name  # the one config-name rule

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSpec:
    """One training (or baseline fit) and its test-split evaluation."""

    model: str
    task: str
    config: str
    dataset: str
    split: str
    fold: int
    source_config: str | None = None  # T2: the simulation config whose T0 weights are the start
    source_dataset: str | None = None

    @property
    def kind(self) -> str:
        return "baseline" if self.model in BASELINES else "network"

    @property
    def run_id(self) -> str:
        run_id = f"{self.task}__{self.model}__{self.config}"
        return f"{run_id}__from_{self.source_config}" if self.source_config else run_id

    @property
    def pretrain_run_id(self) -> str | None:
        """The T0 run whose best model T2 starts from."""
        if self.source_config is None:
            return None
        return RunSpec(self.model, "t0", self.source_config, self.source_dataset or "", self.split, 0).run_id


@dataclass(frozen=True)
class ConfigRef:
    config: str
    dataset: str
    split: str
    fold: int
    domain: str


def describe_configs(infos: Mapping[str, Any]) -> list[ConfigRef]:
    """Every config as (dataset, split scheme, fold, domain), in a stable order."""
    refs = []
    for config, info in infos.items():
        split, dataset, fold = parse_config_name(config)
        info_fold = getattr(info, "fold", None)  # None for temporal configs
        refs.append(
            ConfigRef(
                config,
                dataset,
                str(getattr(info, "split", split)),
                fold if info_fold is None else int(info_fold),
                str(info.domain),
            )
        )
    return sorted(refs, key=lambda r: (r.dataset, ("temporal", "spatial").index(r.split), r.fold))


def _select(
    refs: Sequence[ConfigRef],
    domain: str,
    datasets: tuple[str, ...] | None,
    schemes: tuple[str, ...],
    spatial_folds: int | None,
) -> list[ConfigRef]:
    chosen = [r for r in refs if r.domain == domain and r.split in schemes]
    if datasets is not None:
        available = sorted({r.dataset for r in refs if r.domain == domain})
        missing = [d for d in datasets if d not in available]
        if missing:
            raise ValueError(f"the data has no {domain} dataset(s) {missing}; it has {available}")
        chosen = [r for r in chosen if r.dataset in datasets]
    if spatial_folds is not None:
        chosen = [r for r in chosen if r.split != "spatial" or r.fold < spatial_folds]
    return chosen


def plan_runs(preset: BenchmarkPreset, infos: Mapping[str, Any]) -> list[RunSpec]:
    """Every run of ``preset`` on the configs described by ``infos`` (config name -> ConfigInfo), T0
    first so that T2 finds its pretrained weights. T0 runs that T2 needs are added even when T0 itself
    was not asked for."""
    refs = describe_configs(infos)
    simulations = _select(
        refs, "simulation", preset.simulation_datasets, preset.split_schemes, preset.t0_spatial_folds
    )
    observations = _select(
        refs, "observation", preset.observation_datasets, preset.split_schemes, preset.t1_spatial_folds
    )
    by_name = {r.config: r for r in refs}
    runs: list[RunSpec] = []

    def add(model: str, task: str, ref: ConfigRef, source: ConfigRef | None = None) -> None:
        spec = RunSpec(
            model,
            task,
            ref.config,
            ref.dataset,
            ref.split,
            ref.fold,
            source.config if source else None,
            source.dataset if source else None,
        )
        if spec not in runs:
            runs.append(spec)

    t0_models = preset.models + preset.baselines if "t0" in preset.tasks else ()
    for ref in simulations:
        for model in t0_models:
            add(model, "t0", ref)
    if "t1" in preset.tasks:
        for ref in observations:
            for model in preset.models + preset.baselines:
                add(model, "t1", ref)
    transfer = [t for t in preset.tasks if t in TRANSFER_TASKS]
    sources = sorted({r.dataset for r in simulations})
    for task in transfer:
        for ref in observations:
            for dataset in sources:
                source = by_name.get(f"{ref.split}_{dataset}")
                if source is None:
                    continue
                for model in preset.models:
                    add(model, "t0", source)  # no-op when T0 already planned it
                    add(model, task, ref, source)
    order = {task: i for i, task in enumerate(TASKS)}
    return sorted(runs, key=lambda s: order[s.task])


# ---------------------------------------------------------------------------------------------
# Running one spec
# ---------------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    spec: RunSpec
    status: str  # "ok", "failed", "skipped"
    seconds: float = 0.0
    predictions: Any = None  # test-split Predictions / ArrayPredictions
    scores: dict | None = None
    error: str | None = None
    run_dir: Path | None = None


@dataclass
class BenchmarkContext:
    """What every run needs: the preset, the data location, the output folder, cached datasets."""

    preset: BenchmarkPreset
    data_dir: str | None
    root: Path
    infos: dict[str, Any]
    _datasets: dict[str, Any] = field(default_factory=dict)

    def dataset(self, config: str):
        if config not in self._datasets:
            from agroflux_hf.data.loading import load_agroflux

            self._datasets[config] = load_agroflux(config, data_dir=self.data_dir)
        return self._datasets[config]


def run_baseline(spec: RunSpec, ctx: BenchmarkContext, run_dir: Path) -> tuple[Any, dict]:
    """Fit a reference baseline on the train split; predictions and scores of validation and test."""
    info = ctx.infos[spec.config]
    data = ctx.dataset(spec.config)
    baseline = build_baseline(
        spec.model,
        input_names=info.input_names,
        static_names=info.static_names,
        target_names=info.target_names,
        settings=ctx.preset.baseline_settings,
        seed=ctx.preset.seed,
    )
    baseline.fit(SplitArrays.from_dataset(data["train"]))
    scores = {}
    test_predictions = None
    for split in ("validation", "test"):
        if split not in data or len(data[split]) == 0:
            continue
        predictions = baseline.predict(SplitArrays.from_dataset(data[split]))
        scores[split] = score_predictions(predictions)
        if split == "test":
            test_predictions = predictions
    _save_baseline(baseline, run_dir)
    _write_json(run_dir / "metrics.json", scores)
    _write_json(
        run_dir / "run_config.json",
        {
            "model": spec.model,
            "task": spec.task,
            "config": spec.config,
            "data_dir": ctx.data_dir,
            "settings": ctx.preset.baseline_settings,
            "seed": ctx.preset.seed,
            "input_names": list(info.input_names),
            "static_names": list(info.static_names),
            "target_names": list(info.target_names),
            "feature_names": getattr(baseline, "feature_names", None),
            "train_rows": getattr(baseline, "train_rows", None),
        },
    )
    return test_predictions, scores


def _save_baseline(baseline, run_dir: Path) -> None:
    """The fitted baseline in ``run_dir/model/``: the climatology as CSV, the trees with joblib."""
    model_dir = run_dir / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    if baseline.name == "climatology":
        baseline.to_frame().to_csv(model_dir / "climatology.csv", index=False)
    else:
        import joblib

        joblib.dump(baseline, model_dir / "gbt.joblib")


def training_arguments(preset: BenchmarkPreset, task: str):
    """``TrainingArguments`` of one task of the preset (fine-tuning fields set from the same stage)."""
    from agroflux_hf.training.arguments import TrainingArguments

    stage = preset.stage(task)
    overrides = stage.training_overrides()
    overrides.update(
        seed=preset.seed,
        eval_batch_size=preset.prediction_batch_size,
        finetune_learning_rate=stage.learning_rate,
        finetune_batch_size=stage.batch_size,
        log_tensorboard=False,
    )
    return TrainingArguments().replace(**overrides)


def run_network(
    spec: RunSpec, ctx: BenchmarkContext, run_dir: Path, pretrained: Path | None
) -> tuple[Any, dict]:
    """Train one architecture with ``agroflux_hf.training.train`` and take its test scores.

    ``train`` already scores its best checkpoint with ``metrics.core.score_targets`` (the code that
    scores the baselines); the test predictions are recomputed only for the runs the figures draw.
    The resumable ``checkpoints/`` are removed after success: the benchmark keeps ``best_model/``.
    """
    from agroflux_hf.models import load_model
    from agroflux_hf.training import train
    from agroflux_hf.training.predict import predict_dataset

    result = train(
        spec.task,
        spec.model,
        spec.config,
        output_dir=run_dir,
        data_dir=ctx.data_dir,
        args=training_arguments(ctx.preset, spec.task),
        pretrained=pretrained,
        source_config=spec.source_config,
        model_overrides=ctx.preset.overrides_for(spec.model) or None,
    )
    shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
    scores = dict(result.metrics)
    test_scored = isinstance(scores.get("test"), dict) and "error" not in scores["test"]
    if test_scored and not needs_predictions(spec, ctx.preset):
        return None, scores
    model = load_model(result.best_model_dir)
    predictions = predict_dataset(
        model,
        ctx.dataset(spec.config)["test"],
        batch_size=ctx.preset.prediction_batch_size,
        info=ctx.infos[spec.config],
    )
    return predictions, {**scores, "test": score_predictions(predictions)}


def needs_predictions(spec: RunSpec, preset: BenchmarkPreset) -> bool:
    """Whether a figure draws this run's daily predictions (T0/T1 on the temporal config)."""
    if spec.task not in ("t0", "t1") or spec.fold != 0:
        return False
    return spec.split == "temporal" or "temporal" not in preset.split_schemes


def score_predictions(predictions) -> dict:
    """``metrics.core.score_targets`` with per-site statistics, for any model's predictions."""
    from agroflux_hf.metrics.core import score_targets

    return score_targets(
        predictions.obs,
        predictions.sim,
        list(predictions.target_names),
        site_ids=[str(s) for s in predictions.site_ids],
    )


def execute_run(spec: RunSpec, ctx: BenchmarkContext, finished: Mapping[str, RunOutcome]) -> RunOutcome:
    """Run one spec in ``runs/<run-id>/``; an exception becomes a failed outcome with its traceback."""
    run_dir = ctx.root / "runs" / spec.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    pretrained = None
    if spec.pretrain_run_id is not None:
        source = finished.get(spec.pretrain_run_id)
        if source is None or source.status != "ok":
            reason = f"pretraining run {spec.pretrain_run_id} did not succeed"
            (run_dir / "error.txt").write_text(reason + "\n")
            return RunOutcome(spec, "skipped", error=reason, run_dir=run_dir)
        pretrained = source.run_dir / "best_model"
    start = time.perf_counter()
    try:
        if spec.kind == "baseline":
            predictions, scores = run_baseline(spec, ctx, run_dir)
            predictions = predictions if needs_predictions(spec, ctx.preset) else None
        else:
            predictions, scores = run_network(spec, ctx, run_dir, pretrained)
    except Exception as err:  # one broken run must not cost the other hundred
        logger.error("run %s failed: %s", spec.run_id, err)
        (run_dir / "error.txt").write_text(traceback.format_exc())
        return RunOutcome(
            spec, "failed", time.perf_counter() - start, error=f"{type(err).__name__}: {err}", run_dir=run_dir
        )
    seconds = time.perf_counter() - start
    _write_json(
        run_dir / "benchmark_run.json",
        {"spec": spec.__dict__, "run_id": spec.run_id, "seconds": seconds, "test": scores.get("test")},
    )
    return RunOutcome(spec, "ok", seconds, predictions, scores, run_dir=run_dir)


# ---------------------------------------------------------------------------------------------
# Scores -> leaderboard rows
# ---------------------------------------------------------------------------------------------


def untrained_targets(info: Any) -> set[str]:
    """Targets the config's training split never observes (their training statistics are null).

    A network still outputs them (its head exists), but a score for a target it never saw a value of
    says nothing about the model: such rows are left out of the leaderboard.
    """
    stats = (getattr(info, "stats", None) or {}).get("targets", {})
    return {name for name, entry in stats.items() if entry.get("mean") is None}


def leaderboard_rows(outcome: RunOutcome, skip_targets: set[str] = frozenset()) -> list[dict]:
    """One row per target of a successful run: pooled test metrics, per-site mean/median R² and, for a
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
            "split": spec.split,
            "fold": spec.fold,
            "target": target,
            "run_id": spec.run_id,
            "n": int(pooled["n"]),
        }
        row.update({m: pooled[m] for m in leaderboard.METRICS})
        row["site_r2_mean"] = per_site.get("mean", {}).get("r2", math.nan)
        row["site_r2_median"] = per_site.get("median", {}).get("r2", math.nan)
        row["n_sites"] = per_site.get("n_sites", 0)
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
            "split": spec.split,
            "fold": spec.fold,
            "source_dataset": spec.source_dataset or "",
            "target": target,
            "site_id": site,
            **metrics,
        }
        for target, entry in outcome.scores["test"].items()
        for site, metrics in entry.get("sites", {}).items()
    ]


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def figure_targets(names: Sequence[str]) -> list[str]:
    """The targets the figures draw: the headline targets of the tables."""
    return leaderboard.headline_targets(names)


def best_model(frame: pd.DataFrame) -> str | None:
    """The model with the highest mean pooled R² over targets (and folds) in ``frame``."""
    means = frame.groupby("model")["r2"].mean().dropna()
    return None if means.empty else str(means.idxmax())


def make_figures(
    frame: pd.DataFrame,
    outcomes: Sequence[RunOutcome],
    site_frame: pd.DataFrame,
    coordinates: Mapping[str, tuple[float, float]],
    folder: Path,
    *,
    max_sites: int = 3,
) -> list[Path]:
    """Every figure of the benchmark README; returns the files written."""
    written: list[Path] = []
    ok = {o.spec.run_id: o for o in outcomes if o.status == "ok" and o.predictions is not None}
    for task in ("t0", "t1"):
        for dataset in dict.fromkeys(frame.loc[frame["task"] == task, "dataset"]):
            config = schema.config_name("temporal", dataset)
            part = frame[(frame["task"] == task) & (frame["config"] == config)]
            if part.empty:  # no temporal scheme: fall back to the first config run
                config = str(
                    frame.loc[(frame["task"] == task) & (frame["dataset"] == dataset), "config"].iloc[0]
                )
                part = frame[(frame["task"] == task) & (frame["config"] == config)]
            written += _config_figures(task, config, part, ok, folder, max_sites)
            written += _site_figure(task, dataset, frame, site_frame, coordinates, folder)
    gains = plots.transfer_gains(frame)
    if not gains.dropna(subset=["gain"]).empty:
        written.append(
            plots.plot_transfer_gain(
                gains,
                folder / "transfer_gain.png",
                title="Transfer gain: test R² of T2 minus T1 (same model, config and fold; mean over folds)",
            )
        )
    return written


def _config_figures(
    task: str, config: str, part: pd.DataFrame, ok: Mapping[str, RunOutcome], folder: Path, max_sites: int
) -> list[Path]:
    written = []
    by_model = {m: ok[r].predictions for m, r in zip(part["model"], part["run_id"], strict=True) if r in ok}
    best = best_model(part)
    label = leaderboard.TASK_LABELS[task]
    targets = figure_targets(list(dict.fromkeys(part["target"])))
    if best in by_model:
        written.append(
            plots.plot_series(
                by_model[best],
                folder / f"series_{task}_{config}.png",
                max_sites=max_sites,
                targets=[t for t in targets if t in by_model[best].target_names],
                title=f"{label} {config}: observed and predicted daily test series, best model {best}",
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
                    title=f"{label} {config}, test split: predicted vs observed {target}",
                )
            )
    return written


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
    split = "spatial" if (sites["split"] == "spatial").any() else "temporal"
    sites = sites[sites["split"] == split]
    best = best_model(
        frame[(frame["task"] == task) & (frame["dataset"] == dataset) & (frame["split"] == split)]
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
            title=f"{leaderboard.TASK_LABELS[task]} {dataset}, {split} split: per-site test R² of {best}",
        )
    ]


def site_coordinates(data_dir: str | None, infos: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Latitude and longitude per site: from the configs' info when it has them, else the embedded
    default's daily tables (their ``latitude``/``longitude`` columns); empty when neither has them."""
    coordinates: dict[str, tuple[float, float]] = {}
    for info in infos.values():
        for site, latlon in (getattr(info, "site_coordinates", None) or {}).items():
            coordinates[str(site)] = (float(latlon[0]), float(latlon[1]))
    if coordinates or data_dir is not None:
        return coordinates
    import pyarrow.parquet as pq

    folder = Path(__file__).resolve().parent.parent / "default_data"
    for table in sorted(folder.glob("*.parquet")):
        names = set(pq.read_schema(table).names)
        if not {"site_id", "latitude", "longitude"} <= names:
            continue
        sites = pd.read_parquet(table, columns=["site_id", "latitude", "longitude"]).drop_duplicates(
            "site_id"
        )
        for row in sites.dropna().itertuples(index=False):
            coordinates[str(row.site_id)] = (float(row.latitude), float(row.longitude))
    return coordinates


# ---------------------------------------------------------------------------------------------
# The whole benchmark
# ---------------------------------------------------------------------------------------------


@dataclass
class BenchmarkResult:
    output_dir: Path
    leaderboard: pd.DataFrame
    outcomes: list[RunOutcome]
    figures: list[Path]
    seconds: float

    @property
    def failed(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]


def run_benchmark(
    output_dir: str | Path,
    *,
    preset: str | BenchmarkPreset = "quick",
    data_dir: str | Path | None = None,
    models: Sequence[str] | None = None,
    tasks: Sequence[str] | None = None,
    progress: bool = True,
) -> BenchmarkResult:
    """Train and evaluate every run of ``preset`` and write the leaderboard folder ``output_dir``.

    ``models`` (architectures and/or ``gbt``, ``climatology``) and ``tasks`` (``t0``, ``t1``,
    ``t2-finetune``, ``t2-adversarial``, ``t2`` = both) narrow the preset.
    """
    from agroflux_hf.data.loading import config_info, list_configs

    started = time.perf_counter()
    preset = get_preset(preset) if isinstance(preset, str) else preset
    preset = preset.restricted(tuple(models) if models else None, tuple(tasks) if tasks else None)
    data_dir = str(data_dir) if data_dir is not None else None
    out = Path(output_dir).resolve()
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: benchmark output must be a directory, found a file")
    infos = {c: config_info(c, data_dir=data_dir) for c in list_configs(data_dir=data_dir)}
    specs = plan_runs(preset, infos)
    if not specs:
        raise ValueError(f"preset {preset.name!r} plans no run on the configs {sorted(infos)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f"{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        ctx = BenchmarkContext(preset, data_dir, tmp, infos)
        outcomes = _run_all(specs, ctx, progress)
        frame, figures = _write_reports(ctx, outcomes, infos, started)
        _replace_directory(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    figures = [out / f.relative_to(tmp) for f in figures]
    return BenchmarkResult(out, frame, outcomes, figures, time.perf_counter() - started)


def _run_all(specs: Sequence[RunSpec], ctx: BenchmarkContext, progress: bool) -> list[RunOutcome]:
    """Every run, in plan order; with ``preset.workers > 1`` in that many processes at once."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(specs), desc="benchmark runs", unit="run", disable=not progress)
    if ctx.preset.workers > 1:
        finished = _run_in_processes(specs, ctx, bar)
    else:
        finished = {}
        with torch_threads(ctx.preset.torch_threads):
            for spec in specs:
                bar.set_postfix_str(spec.run_id, refresh=False)
                finished[spec.run_id] = execute_run(spec, ctx, finished)
                bar.update(1)
    bar.close()
    return [finished[spec.run_id] for spec in specs]


def _run_in_processes(specs: Sequence[RunSpec], ctx: BenchmarkContext, bar) -> dict[str, RunOutcome]:
    """Runs spread over worker processes (one per core): a T2 run starts once its T0 run is done.

    Runs are independent apart from T2's pretrained weights, so on 2 cores two small networks train
    at once instead of one network on two threads, which small models cannot use.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    planned = {spec.run_id for spec in specs}
    pending, running, finished = list(specs), {}, {}
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds torch threads
    init = (ctx.preset, ctx.data_dir, str(ctx.root), ctx.infos)
    with ProcessPoolExecutor(
        ctx.preset.workers, mp_context=context, initializer=_init_worker, initargs=init
    ) as pool:
        while pending or running:
            for spec in list(pending):
                if len(running) >= ctx.preset.workers:
                    break
                dependency = spec.pretrain_run_id
                if dependency in planned and dependency not in finished:
                    continue  # its T0 weights are not there yet
                source = finished.get(dependency)
                source = None if source is None else replace(source, predictions=None)
                pending.remove(spec)
                running[pool.submit(_run_in_worker, spec, source)] = spec
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                spec = running.pop(future)
                finished[spec.run_id] = future.result()
                bar.set_postfix_str(spec.run_id, refresh=False)
                bar.update(1)
    return finished


@contextlib.contextmanager
def _environment(**values: str):
    """Environment variables set for the block (inherited by processes started in it), then restored."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_WORKER_CONTEXT: BenchmarkContext | None = None


def _init_worker(preset: BenchmarkPreset, data_dir: str | None, root: str, infos: dict) -> None:
    """Per worker process: its context (with its own dataset cache) and threads. Its stderr (training's
    per-epoch bars, warnings) goes to ``OUT/logs/worker-<pid>.log``: the terminal shows one bar."""
    global _WORKER_CONTEXT
    logs = Path(root) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"worker-{os.getpid()}.log", "a", buffering=1)  # noqa: SIM115 (lives with the process)
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    if preset.torch_threads is not None:
        import torch

        torch.set_num_threads(preset.torch_threads)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _WORKER_CONTEXT = BenchmarkContext(preset, data_dir, Path(root), infos)


def _run_in_worker(spec: RunSpec, source: RunOutcome | None) -> RunOutcome:
    finished = {} if source is None else {source.spec.run_id: source}
    return execute_run(spec, _WORKER_CONTEXT, finished)


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Run the block with ``threads`` torch intra-op threads (None: unchanged), then restore."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _write_reports(
    ctx: BenchmarkContext, outcomes: list[RunOutcome], infos: Mapping[str, Any], started: float
) -> tuple[pd.DataFrame, list[Path]]:
    root, preset = ctx.root, ctx.preset
    frame = leaderboard.leaderboard_frame(
        [row for o in outcomes for row in leaderboard_rows(o, untrained_targets(infos.get(o.spec.config)))]
    )
    site_frame = pd.DataFrame([row for o in outcomes for row in site_score_rows(o)])
    leaderboard.write_csv(frame, root / "leaderboard.csv")
    leaderboard.write_csv(site_frame, root / "site_scores.csv")
    notes = [f"Preset `{preset.name}`: {preset.description}", *preset.notes]
    leaderboard.write_markdown(frame, root / "leaderboard.md", notes=notes)
    leaderboard.write_latex_tables(frame, root / "tables")
    coordinates = site_coordinates(ctx.data_dir, infos)
    figures = make_figures(
        frame, outcomes, site_frame, coordinates, root / "figures", max_sites=preset.sites_per_series_plot
    )
    seconds = time.perf_counter() - started
    _write_json(
        root / "run_config.json",
        {
            "preset": preset.to_dict(),
            "data_dir": ctx.data_dir,
            "configs": sorted(infos),
            "runs": [
                {"run_id": o.spec.run_id, "status": o.status, "seconds": o.seconds, "error": o.error}
                for o in outcomes
            ],
            "versions": versions(),
            "wall_seconds": seconds,
        },
    )
    _write_text(root / "README.md", render_readme(preset, ctx.data_dir, outcomes, figures, root, seconds))
    return frame, figures


def versions() -> dict[str, str]:
    """Versions of the software that produced the numbers."""
    import importlib.metadata as md

    import agroflux_hf

    found = {
        "python": platform.python_version(),
        "agroflux_hf": agroflux_hf.__version__,
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
    }
    for package in ("torch", "transformers", "datasets", "accelerate", "scikit-learn", "numpy", "pandas"):
        try:
            found[package] = md.version(package)
        except md.PackageNotFoundError:
            found[package] = "not installed"
    return found


def render_readme(
    preset: BenchmarkPreset,
    data_dir: str | None,
    outcomes: Sequence[RunOutcome],
    figures: Sequence[Path],
    root: Path,
    seconds: float,
) -> str:
    """The output folder's README: what ran, on what, with which software, how long, and the figures."""
    ok = [o for o in outcomes if o.status == "ok"]
    bad = [o for o in outcomes if o.status != "ok"]
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
        f"- Runs: {len(ok)} succeeded, {len(bad)} failed or skipped, of {len(outcomes)}; "
        f"wall time {seconds / 60:.1f} min ({seconds:.0f} s).",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
        "## Files",
        "",
        "- `leaderboard.csv`: one row per model, task, config, split scheme, fold and target (test split).",
        "- `leaderboard.md`: the same aggregated over folds (mean ± std).",
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
    if figures:
        lines += ["## Figures", ""]
        for figure in figures:
            relative = figure.relative_to(root).as_posix()
            lines += [f"### {figure.stem}", "", f"![{figure.stem}]({relative})", ""]
    return "\n".join(lines)


def _replace_directory(tmp: Path, out: Path) -> None:
    """Swap the freshly built folder in for ``out``; the old results are deleted only afterwards."""
    if out.exists():
        old = out.parent / f"{out.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _json_safe(value: Any) -> Any:
    """NaN/inf -> None, dataclasses/tuples/numpy scalars -> JSON types (strict JSON for every reader)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _json_safe(value.__dict__)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _write_text(path: Path, text: str) -> None:
    leaderboard._atomic_write_text(path, text)


def _write_json(path: Path, payload: Any) -> None:
    _write_text(path, json.dumps(_json_safe(payload), indent=2, allow_nan=False) + "\n")
