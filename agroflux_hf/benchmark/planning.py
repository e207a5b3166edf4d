"""Benchmark planning: every (model, task, config) run of a preset, in an order T2 can rely on.

Why a module: which runs exist (T0 on simulation configs, T1 on observation configs, T2 from a
simulation's T0 weights to each observation config; temporal and spatial schemes, every fold the
preset keeps) is pure bookkeeping, testable without training anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agroflux_hf import schema
from agroflux_hf.benchmark.presets import BASELINES, TRANSFER_TASKS, BenchmarkPreset
from agroflux_hf.schema import parse_config_name  # the one config-name rule

RUN_RECORD = "benchmark_run.json"
"""Written last by a finished run (``runs/<run-id>/``): its settings, steps, scores (what a resumed
benchmark reuses)."""


@dataclass(frozen=True)
class RunSpec:
    """One training (or baseline fit) and its test-split evaluation."""

    model: str
    task: str
    config: str
    dataset: str
    scheme: str  # temporal or spatial
    fold: int
    source_config: str | None = None  # T2: the simulation config whose T0 weights are the start
    source_dataset: str | None = None
    seed: int = 0  # training seed (networks) or row-sampling seed (tree baseline)

    @property
    def kind(self) -> str:
        return "baseline" if self.model in BASELINES else "network"

    @property
    def run_id(self) -> str:
        run_id = f"{self.task}__{self.model}__{self.config}"
        if self.source_config:
            run_id += f"__from_{self.source_config}"
        return f"{run_id}__seed{self.seed}"

    @property
    def pretrain_spec(self) -> RunSpec | None:
        """The T0 run (same model, split scheme and seed) whose best model T2 starts from."""
        if self.source_config is None:
            return None
        source = RunSpec(self.model, "t0", self.source_config, self.source_dataset or "", self.scheme, 0)
        return replace(source, seed=self.seed)

    @property
    def pretrain_run_id(self) -> str | None:
        source = self.pretrain_spec
        return None if source is None else source.run_id


@dataclass(frozen=True)
class ConfigRef:
    config: str
    dataset: str
    scheme: str
    fold: int
    domain: str


def describe_configs(infos: Mapping[str, Any]) -> list[ConfigRef]:
    """Every config as (dataset, split scheme, fold, domain), in a stable order."""
    refs = []
    for config, info in infos.items():
        scheme, dataset, fold = parse_config_name(config)
        info_fold = getattr(info, "fold", None)  # None for temporal configs
        refs.append(
            ConfigRef(
                config,
                dataset,
                str(getattr(info, "scheme", None) or getattr(info, "split", scheme)),
                fold if info_fold is None else int(info_fold),
                str(info.domain),
            )
        )
    return sorted(refs, key=lambda r: (r.dataset, schema.SPLIT_SCHEMES.index(r.scheme), r.fold))


def _select(
    refs: Sequence[ConfigRef],
    domain: str,
    datasets: tuple[str, ...] | None,
    schemes: tuple[str, ...],
    spatial_folds: int | None,
) -> list[ConfigRef]:
    chosen = [r for r in refs if r.domain == domain and r.scheme in schemes]
    if datasets is not None:
        available = sorted({r.dataset for r in refs if r.domain == domain})
        missing = [d for d in datasets if d not in available]
        if missing:
            raise ValueError(f"the data has no {domain} dataset(s) {missing}; it has {available}")
        chosen = [r for r in chosen if r.dataset in datasets]
    if spatial_folds is not None:
        chosen = [r for r in chosen if r.scheme != "spatial" or r.fold < spatial_folds]
    return chosen


def plan_runs(preset: BenchmarkPreset, infos: Mapping[str, Any]) -> list[RunSpec]:
    """Every run of ``preset`` on the configs described by ``infos`` (config name -> ConfigInfo), once
    per seed, in :func:`run_order` (T2 after the T0 run whose weights it starts from, of the same
    seed). T0 runs that T2 needs are added even when T0 itself was not asked for."""
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
        for seed in preset.seeds:
            spec = RunSpec(
                model,
                task,
                ref.config,
                ref.dataset,
                ref.scheme,
                ref.fold,
                source.config if source else None,
                source.dataset if source else None,
                seed,
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
                source = by_name.get(f"{ref.scheme}_{dataset}")
                if source is None:
                    continue
                for model in preset.models:
                    add(model, "t0", source)  # no-op when T0 already planned it
                    add(model, task, ref, source)
    t2_sources = tuple(sorted({s.source_config for s in runs if s.source_config}))
    return sorted(runs, key=lambda s: run_order(s, preset, t2_sources))


RUN_TASK_ORDER: tuple[str, ...] = ("t1", "t0", "t2-finetune", "t2-adversarial")
"""Within a fold: T1 (observations, cheap: batches of 10), then T0, then T2 from T0's weights."""


def run_order(
    spec: RunSpec, preset: BenchmarkPreset, t2_sources: tuple[str, ...] = ()
) -> tuple[bool, int, int, int, tuple[int, int], int, int]:
    """T1 first; the first seed whole; then the other seeds' spread, cheapest first; within a part, seed,
    split scheme, per source T0 then T2 from it, then the other T0; fold; task.

    A benchmark stopped part way (the paper preset takes days on 2 cores) then has whole slices, and the
    headline tables their spread as early as it can be had: every T1 run of every seed (towers and
    chambers, both schemes: minutes each); every task of the first seed (temporal scheme, then spatial);
    then, seed by seed, the other seeds' temporal scheme (:func:`seed_stage` 1: T0 and T2 in held-out
    years, a few hours a seed), their spatial T2 with the T0 runs it starts from (stage 2), and last
    their T0 on the other spatial folds (stage 3: a day a seed at the paper's sizes). Within a scheme,
    simulator by simulator, the T0 config whose weights T2 starts from (``t2_sources``: T2 on any fold
    starts from T0's fold 0), then every T2 run from it (minutes each); then T0 on the other folds. So
    the transfer-gain table, the paper's question, is whole long before T0's spatial table is."""
    order = {task: i for i, task in enumerate(RUN_TASK_ORDER)}
    phase = _phase_within_scheme(spec, t2_sources)
    return (
        spec.task != "t1",
        seed_stage(spec, preset, phase),
        preset.seeds.index(spec.seed),
        schema.SPLIT_SCHEMES.index(spec.scheme),
        phase,
        spec.fold,
        order[spec.task],
    )


def seed_stage(spec: RunSpec, preset: BenchmarkPreset, phase: tuple[int, int]) -> int:
    """0 for the first seed (and T1); for another seed 1 its temporal scheme, 2 its spatial T2 and the T0
    runs T2 starts from, 3 its other spatial T0 runs: the cheaper spread first (see :func:`run_order`)."""
    if spec.task == "t1" or spec.seed == preset.seeds[0]:
        return 0
    if spec.scheme == schema.TEMPORAL:
        return 1
    return 3 if phase[1] == 2 else 2


def _phase_within_scheme(spec: RunSpec, t2_sources: tuple[str, ...]) -> tuple[int, int]:
    """(source, step): per T2 source (``t2_sources``, in name order), (i, 0) its T0 run and (i, 1) the T2
    runs from it; (len, 2) the T0 runs no T2 run reads; T1 runs (0, 0) (ordered before all of these)."""
    if spec.task in TRANSFER_TASKS:
        return t2_sources.index(spec.source_config), 1
    if spec.task == "t0":
        return (t2_sources.index(spec.config), 0) if spec.config in t2_sources else (len(t2_sources), 2)
    return 0, 0


def run_folder_names(out: Path) -> set[str]:
    """The run folder names of a benchmark output folder (none if it has no ``runs/`` yet)."""
    runs = out / "runs"
    return {p.name for p in runs.iterdir() if p.is_dir()} if runs.is_dir() else set()
