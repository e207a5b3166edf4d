"""Benchmark execution: run one planned spec (train a network or fit a baseline), or all of them.

Each run works in ``runs/<run-id>/``; a failed run is recorded (``error.txt``) and does not stop the
others; T2 runs whose T0 weights failed are skipped with that reason. With ``preset.workers > 1``
runs are spread over spawned worker processes, a T2 run starting once its T0 run is done.

Resuming: a run that finished writes ``benchmark_run.json`` last, with the settings it ran under
(:func:`run_settings`); a later benchmark on the same folder reuses it when those settings are the
same, unless ``restart``. A network run killed mid-training continues from its newest Accelerate
checkpoint (saved at every validation) when its settings are the same, else starts again.

Reporting without running (``report_only``): every finished run is reused and every other one is
"pending", so that a benchmark too long for one sitting (the paper preset) can be reported, and
committed, part by part.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
import shutil
import time
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agroflux_hf import schema
from agroflux_hf.benchmark.baselines import SplitArrays, build_baseline
from agroflux_hf.benchmark.kept_models import needs_predictions
from agroflux_hf.benchmark.planning import RUN_RECORD, RunSpec
from agroflux_hf.benchmark.presets import BenchmarkPreset
from agroflux_hf.files import write_json

logger = logging.getLogger(__name__)

TENSORS_KEPT = 3
"""Configs a benchmark process keeps as in-memory tensors (a T2 adversarial run needs two at once)."""


@dataclass
class RunOutcome:
    spec: RunSpec
    status: str  # "ok", "failed", "skipped" (its T0 failed) or "pending" (not run yet: report only)
    seconds: float = 0.0
    predictions: Any = None  # test-split Predictions / ArrayPredictions
    scores: dict | None = None
    error: str | None = None
    run_dir: Path | None = None
    steps: int | None = None  # optimiser steps taken (networks)
    stopped_early: bool | None = None  # early stopping fired before the step budget (networks)
    sees_future: bool | None = None  # the model reads days after the one it predicts (whole-year)
    reused: bool = False  # taken from an earlier benchmark on the same folder, not run again
    cpu: str | None = None  # the processor of the call that finished it (None: recorded before 2026-12-04)


@dataclass
class BenchmarkContext:
    """What every run needs: the preset, the data location, the output folder, cached datasets."""

    preset: BenchmarkPreset
    data_dir: str | None
    root: Path
    infos: dict[str, Any]
    restart: bool = False  # run everything again, ignoring finished runs in ``root/runs``
    report_only: bool = False  # run nothing: reuse finished runs, mark the others pending
    command: str | None = None  # the command line that made the reports (README, run_config.json)
    _datasets: dict[str, Any] = field(default_factory=dict)
    _tensors: dict[str, Any] = field(default_factory=dict)  # ConfigData, newest last
    _fingerprints: dict[str, str | None] = field(default_factory=dict)

    def data_fingerprint(self, config: str) -> str | None:
        """:func:`~agroflux_hf.data.folder_format.config_fingerprint` of ``config``, computed once
        (None for configs held in memory, without a folder: the tests' synthetic loaders)."""
        if config not in self._fingerprints:
            from agroflux_hf.training.plans import info_fingerprint

            self._fingerprints[config] = info_fingerprint(self.infos[config])
        return self._fingerprints[config]

    def dataset(self, config: str):
        if config not in self._datasets:
            from agroflux_hf.data.loading import load_agroflux

            self._datasets[config] = load_agroflux(config, data_dir=self.data_dir)
        return self._datasets[config]

    def config_data(self, config: str):
        """``config`` as the training loop's in-memory tensors, kept for the next runs on it: reading
        the data again cost 0.5-0.7 s per run (``scripts/bench_run_overhead.py``). Only the
        :data:`TENSORS_KEPT` most recently used configs stay in memory (a paper-size simulation
        config is about 100 MB)."""
        from agroflux_hf.training.plans import config_data

        data = self._tensors.pop(config, None)
        if data is None:
            data = config_data(self.infos[config], self.dataset(config))
            data.fingerprint = self.data_fingerprint(config)  # train() need not hash the files again
        self._tensors[config] = data
        while len(self._tensors) > TENSORS_KEPT:
            del self._tensors[next(iter(self._tensors))]
        return data


def run_settings(spec: RunSpec, ctx: BenchmarkContext) -> dict:
    """Everything that decides a run's result besides the code, the data's fingerprint included: a
    finished run is reused only when the settings it recorded equal these (JSON-normalised)."""
    from agroflux_hf.files import json_safe

    settings: dict[str, Any] = {"spec": spec.__dict__, "data_dir": ctx.data_dir}
    settings["data"] = ctx.data_fingerprint(spec.config)  # the same folder may hold new data
    if spec.kind == "baseline":  # only the settings of this baseline (gbt_*, lag_windows or climatology_*)
        own = {"gbt": ("gbt_", "lag_windows"), "climatology": ("climatology_",)}[spec.model]
        fields = asdict(ctx.preset.baseline_settings)
        settings["baseline_settings"] = {k: v for k, v in fields.items() if k.startswith(own)}
    else:
        from agroflux_hf.training.arguments import SPEED_ONLY

        arguments = training_arguments(ctx.preset, spec.task, spec.seed, scheme=spec.scheme).to_dict()
        settings["training_arguments"] = {k: v for k, v in arguments.items() if k not in SPEED_ONLY}
        settings["model_overrides"] = ctx.preset.overrides_for(spec.model)
    if spec.pretrain_spec is not None:  # T2: new T0 weights make a new T2 run
        settings["pretraining"] = run_settings(spec.pretrain_spec, ctx)
    return json_safe(settings)


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
        seed=spec.seed,
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
    write_json(run_dir / "metrics.json", scores)
    write_json(
        run_dir / "run_config.json",
        {
            "model": spec.model,
            "task": spec.task,
            "config": spec.config,
            "data_dir": ctx.data_dir,
            "settings": ctx.preset.baseline_settings,
            "seed": spec.seed,
            "input_names": list(info.input_names),
            "static_names": list(info.static_names),
            "target_names": list(info.target_names),
            "feature_names": getattr(baseline, "feature_names", None),
            "train_rows": getattr(baseline, "train_rows", None),
        },
    )
    return test_predictions, scores


def _save_baseline(baseline, run_dir: Path) -> None:
    """The fitted baseline in ``run_dir/model/`` with joblib (reloaded when a benchmark resumes), the
    climatology also as CSV."""
    import joblib

    model_dir = run_dir / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    if baseline.name == "climatology":
        baseline.to_frame().to_csv(model_dir / "climatology.csv", index=False)
    joblib.dump(baseline, model_dir / f"{baseline.name}.joblib")


def training_arguments(preset: BenchmarkPreset, task: str, seed: int, *, scheme: str):
    """``TrainingArguments`` of one task of the preset, seed and split scheme (fine-tuning fields from the
    same stage)."""
    from agroflux_hf.training.arguments import TrainingArguments

    stage = preset.stage(task)
    overrides = stage.training_overrides()
    overrides.update(
        seed=seed,
        eval_batch_size=preset.prediction_batch_size,
        finetune_learning_rate=stage.learning_rate,
        finetune_batch_size=stage.batch_size,
        log_tensorboard=False,
        compile_attention=task in preset.compile_attention,
        bound_statics=scheme in preset.bound_statics,
    )
    return TrainingArguments().replace(**overrides)


def run_network(
    spec: RunSpec, ctx: BenchmarkContext, run_dir: Path, pretrained: Path | None
) -> tuple[Any, dict, dict]:
    """Train one architecture with ``agroflux_hf.training.train`` and take its test scores.

    ``train`` already scores its best checkpoint with ``metrics.core.score_targets`` (the code that
    scores the baselines); the test predictions are recomputed only for the runs the figures draw.
    The resumable ``checkpoints/`` are removed after success: the benchmark keeps ``best_model/``.
    """
    from agroflux_hf.errors import IncompatibleCheckpointError
    from agroflux_hf.training import train
    from agroflux_hf.training.checkpointing import latest_checkpoint

    def run(resume: bool):
        return train(
            spec.task,
            spec.model,
            spec.config,
            output_dir=run_dir,
            data_dir=ctx.data_dir,
            args=training_arguments(ctx.preset, spec.task, spec.seed, scheme=spec.scheme),
            pretrained=pretrained,
            source_config=spec.source_config,
            model_overrides=ctx.preset.overrides_for(spec.model) or None,
            resume=resume,
            loaded={c: ctx.config_data(c) for c in configs_trained_on(spec)},
        )

    earlier = trained_seconds_before(run_dir)
    try:  # a run killed mid-training continues from its newest checkpoint
        result = run(resume=latest_checkpoint(run_dir) is not None)
    except IncompatibleCheckpointError:  # ... unless it ran under other settings
        shutil.rmtree(run_dir, ignore_errors=True)
        earlier = 0.0
        result = run(resume=False)
    shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
    scores = dict(result.metrics)
    training = {
        "steps": result.steps,
        "stopped_early": result.stopped_early,
        "sees_future": sees_future(result.best_model_dir),
        "seconds_before_resume": earlier,
    }
    test_scored = isinstance(scores.get("test"), dict) and "error" not in scores["test"]
    if test_scored and not needs_predictions(spec, ctx.preset):
        return None, scores, training
    predictions = network_predictions(spec, ctx, run_dir)
    return predictions, {**scores, "test": score_predictions(predictions)}, training


def trained_seconds_before(run_dir: Path) -> float:
    """Training seconds a run stopped mid-way already spent: the validation periods its newest checkpoint
    holds (``trainer_state.json``'s history). Added to the resumed call's own time, so that a run's
    recorded ``seconds`` is its whole cost, not only its last call's (pauses within a call still count)."""
    from agroflux_hf.training.checkpointing import STATE_FILE, latest_checkpoint

    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        return 0.0
    try:
        history = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8")).get("history", [])
        return float(sum(entry.get("seconds") or 0.0 for entry in history))
    except (OSError, ValueError, AttributeError):  # an unreadable state restarts the run anyway
        return 0.0


def configs_trained_on(spec: RunSpec) -> tuple[str, ...]:
    """The configs whose data a network run trains on: T2 adversarial's simulation config too (T2
    fine-tuning reads only its T0 weights)."""
    if spec.task == schema.T2_ADVERSARIAL and spec.source_config:
        return (spec.config, spec.source_config)
    return (spec.config,)


def network_predictions(spec: RunSpec, ctx: BenchmarkContext, run_dir: Path):
    """Test-split predictions of a run's best model (for the figures)."""
    from agroflux_hf.models import load_model
    from agroflux_hf.training.tensors import predict_dataset

    return predict_dataset(
        load_model(run_dir / "best_model"),
        ctx.dataset(spec.config)["test"],
        batch_size=ctx.preset.prediction_batch_size,
        info=ctx.infos[spec.config],
    )


def sees_future(model_dir: Path) -> bool:
    """Whether the saved model reads days after the one it predicts (its config's ``sees_future``)."""
    from agroflux_hf.hub import read_checkpoint_config
    from agroflux_hf.models import CONFIG_CLASSES

    values = read_checkpoint_config(model_dir)
    by_type = {config.model_type: config for config in CONFIG_CLASSES.values()}
    return bool(by_type[values["model_type"]].from_dict(values).sees_future)


def reusable_outcome(spec: RunSpec, ctx: BenchmarkContext, run_dir: Path) -> RunOutcome | None:
    """The outcome of this run from an earlier benchmark on the same folder, when it finished under
    the same settings; ``None`` when it must run (again)."""
    record_file = run_dir / RUN_RECORD
    if ctx.restart or not record_file.is_file():
        return None
    try:
        record = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None
    if not same_settings(record.get("settings"), run_settings(spec, ctx)) or not isinstance(
        record.get("scores"), dict
    ):
        return None
    predictions = None
    if needs_predictions(spec, ctx.preset) and not saved_model_path(spec, run_dir).exists():
        # a folder kept without its model (``prune_models`` keeps the drawn runs' models, but a copy
        # may lack them): its scores still count, the figures leave it out
        logger.warning("%s: no saved model; its scores are reused, the figures leave it out", run_dir)
    elif needs_predictions(spec, ctx.preset):
        try:
            predictions = _saved_model_predictions(spec, ctx, run_dir)
        except Exception as err:  # a damaged run folder: run it again rather than stop the benchmark
            logger.warning("%s: cannot reuse (%s); running it again", run_dir, err)
            return None
    return RunOutcome(
        spec,
        "ok",
        float(record.get("seconds", 0.0)),
        predictions,
        record["scores"],
        run_dir=run_dir,
        steps=record.get("steps"),
        stopped_early=recorded_stopped_early(record),
        sees_future=record.get("sees_future"),
        reused=True,
        cpu=record.get("cpu"),
    )


def recorded_stopped_early(record: Mapping[str, Any]) -> bool | None:
    """Whether early stopping ended a recorded run before its step budget. Records written before
    2026-12-04 also said so when the patience ran out at the budget's last validation; a run that took
    its whole budget did not stop early, whatever its record says."""
    stopped = record.get("stopped_early")
    arguments = (record.get("settings") or {}).get("training_arguments") or {}
    budget, steps = arguments.get("max_steps"), record.get("steps")
    if stopped and budget is not None and steps is not None and steps >= budget:
        return False
    return stopped


def same_settings(recorded: Any, current: dict) -> bool:
    """Whether a finished run's recorded settings are the current ones.

    A training argument added to the code after the run was recorded is absent from its record; at
    its default value it changes nothing the run did, so it does not make the run stale (else every
    new option would throw away days of a resumable benchmark). Any other difference does.
    """
    if recorded == current:
        return True
    if not isinstance(recorded, dict) or set(recorded) != set(current):
        return False
    from agroflux_hf.training.arguments import without_new_defaults

    trimmed = json.loads(json.dumps(current))

    def drop_new_defaults(settings: dict, record: dict) -> None:
        arguments, old = settings.get("training_arguments"), record.get("training_arguments")
        if isinstance(arguments, dict) and isinstance(old, dict):
            settings["training_arguments"] = without_new_defaults(arguments, old)
        if isinstance(settings.get("pretraining"), dict) and isinstance(record.get("pretraining"), dict):
            drop_new_defaults(settings["pretraining"], record["pretraining"])

    drop_new_defaults(trimmed, recorded)
    return recorded == trimmed


def saved_model_path(spec: RunSpec, run_dir: Path) -> Path:
    """Where a finished run keeps its model: a network's ``best_model/``, a baseline's joblib."""
    if spec.kind == "network":
        return run_dir / "best_model"
    return run_dir / "model" / f"{spec.model}.joblib"


def _saved_model_predictions(spec: RunSpec, ctx: BenchmarkContext, run_dir: Path):
    """Test-split predictions of a finished run's saved model (a baseline's joblib or best_model/)."""
    if spec.kind == "network":
        return network_predictions(spec, ctx, run_dir)
    import joblib

    baseline = joblib.load(run_dir / "model" / f"{spec.model}.joblib")
    return baseline.predict(SplitArrays.from_dataset(ctx.dataset(spec.config)["test"]))


def score_predictions(predictions) -> dict:
    """``metrics.core.score_targets`` with per-site statistics, for any model's predictions."""
    from agroflux_hf.metrics.core import score_targets

    return score_targets(
        predictions.obs,
        predictions.predicted,
        list(predictions.target_names),
        site_ids=[str(s) for s in predictions.site_ids],
    )


def discard_checkpoint_of_other_weights(run_dir: Path, pretrained: Path) -> None:
    """Start a T2 run over when its checkpoint grew from other pretrained weights than ``pretrained``
    holds now (its T0 was trained again after it stopped): resuming would continue from the old T0."""
    from agroflux_hf.training.checkpointing import started_from_other_weights, weights_fingerprint

    try:
        started = json.loads((run_dir / "run_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # nothing started, or nothing readable: the run's own check decides
    if isinstance(started, dict) and started_from_other_weights(started, weights_fingerprint(pretrained)):
        logger.warning(
            "%s: its pretrained model was trained again since it stopped; starting it over", run_dir
        )
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True, exist_ok=True)


def execute_run(spec: RunSpec, ctx: BenchmarkContext, finished: Mapping[str, RunOutcome]) -> RunOutcome:
    """Run one spec in ``runs/<run-id>/``; an exception becomes a failed outcome with its traceback."""
    run_dir = ctx.root / "runs" / spec.run_id
    reused = reusable_outcome(spec, ctx, run_dir)
    if reused is not None:
        return reused
    if ctx.report_only:
        return RunOutcome(spec, "pending", error="not run yet", run_dir=run_dir)
    (run_dir / RUN_RECORD).unlink(missing_ok=True)
    (run_dir / "error.txt").unlink(missing_ok=True)
    if spec.kind == "baseline" or ctx.restart:  # a network run may continue from its checkpoint
        shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    pretrained = None
    if spec.pretrain_run_id is not None:
        source = finished.get(spec.pretrain_run_id)
        if source is None or source.status != "ok":
            reason = f"pretraining run {spec.pretrain_run_id} did not succeed"
            (run_dir / "error.txt").write_text(reason + "\n")
            return RunOutcome(spec, "skipped", error=reason, run_dir=run_dir)
        pretrained = source.run_dir / "best_model"
        discard_checkpoint_of_other_weights(run_dir, pretrained)
    start, earlier = time.perf_counter(), 0.0
    try:
        if spec.kind == "baseline":
            predictions, scores = run_baseline(spec, ctx, run_dir)
            predictions = predictions if needs_predictions(spec, ctx.preset) else None
            # neither baseline reads a later day: the trees' weather windows trail the day predicted,
            # the climatology reads only the day of year
            training = {"steps": None, "stopped_early": None, "sees_future": False}
        else:
            predictions, scores, training = run_network(spec, ctx, run_dir, pretrained)
            earlier = training.pop("seconds_before_resume")  # its whole training, not this call's alone
    except Exception as err:  # one broken run must not cost the other hundred
        logger.error("run %s failed: %s", spec.run_id, err)
        (run_dir / "error.txt").write_text(traceback.format_exc())
        return RunOutcome(
            spec, "failed", time.perf_counter() - start, error=f"{type(err).__name__}: {err}", run_dir=run_dir
        )
    seconds = time.perf_counter() - start + earlier
    cpu = cpu_model()  # what its seconds mean: machines of one core count differ 2x in speed
    record = {"run_id": spec.run_id, "settings": run_settings(spec, ctx), "seconds": seconds, "cpu": cpu}
    write_json(run_dir / RUN_RECORD, {**record, **training, "scores": scores})  # last: the run is finished
    return RunOutcome(spec, "ok", seconds, predictions, scores, run_dir=run_dir, cpu=cpu, **training)


def cpu_model() -> str:
    """The processor's name (Linux ``/proc/cpuinfo``; else ``platform.processor()``): absolute times
    differ between machines of the same core count."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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
