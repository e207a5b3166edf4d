"""The Accelerate training loop behind every task (T0, T1, T2 fine-tune, T2 adversarial).

One loop from one CPU process to DDP: the same code runs under ``python`` and under
``ACCELERATE_USE_CPU=1 torchrun --nproc_per_node 2``. Choices that matter:

* ``batch_size`` is the *global* batch: Accelerate splits each batch across processes
  (``split_batches=True``), so 1 and 2 processes take the same optimiser steps on the same data: the
  rows Accelerate repeats to fill an epoch's short last batch are not trained on
  (:func:`~agroflux_hf.training.steps.mask_padding_rows`), and each process's loss is its part of the whole batch's
  (:func:`~agroflux_hf.training.steps.loss_across_processes`), so DDP's mean of the gradients is the one-process gradient.
* Shuffling is a permutation seeded by (seed, epoch), independent of any global RNG, so a resumed
  run sees the same batches; the position inside an epoch is restored with ``skip_first_batches``.
* Early stopping and the kept ``best_model/`` both follow the validation loss (defect 7 of the
  published code kept the last epoch). Training and validation use the model's one loss
  (``agroflux_hf.models.loss``: per-target mean squared error over observed days in standardised
  units, then the mean over targets weighted by ``config.target_weights``); validation computes it
  on predictions gathered with ``gather_for_metrics`` so no sequence is dropped or counted twice.
* ``metrics.json`` holds the scores of the best model, not of the last epoch.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from agroflux_hf.data.loading import recorded_data_dir
from agroflux_hf.errors import SchemaError
from agroflux_hf.files import write_json
from agroflux_hf.training import hub_push, launch, plans, transfer
from agroflux_hf.training.arguments import TrainingArguments
from agroflux_hf.training.checkpointing import (
    TrainerState,
    check_resumable,
    restore_state,
    save_model,
    save_state,
    weights_fingerprint,
    write_history,
)
from agroflux_hf.training.evaluation import evaluate_best, validation_loss
from agroflux_hf.training.plans import (
    TASKS,
    TaskPlan,
    plan_adversarial,
    plan_finetune,
    plan_supervised,
    use_target_weights,
)
from agroflux_hf.training.steps import (
    StepFn,
    adversarial_step,
    mask_padding_rows,
    supervised_step,
)
from agroflux_hf.training.tensors import (
    EpochPermutationSampler,
    SplitTensors,
    StepBatchSampler,
    model_inputs,
    train_loader,
)

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a finished (or deliberately stopped) run leaves behind."""

    output_dir: Path
    best_model_dir: Path
    metrics: dict
    history: list[dict]
    interrupted: bool = False  # True when ``stop_after_steps`` ended the run before it finished
    steps: int = 0  # optimiser steps taken
    stopped_early: bool = False  # True when the patience ran out before the budget
    hub_url: str | None = None  # the commit of ``push_to_hub`` (main process)


@dataclass
class LoopSetup:
    """What :func:`fit` trains: prepared objects plus the evaluation data of the task."""

    accelerator: Any
    model: Any  # prepared (maybe DDP-wrapped)
    optimizer: Any
    train_dataloader: Any
    sampler: EpochPermutationSampler
    step_fn: StepFn
    validation: SplitTensors
    extra_modules: tuple[Any, ...] = ()  # e.g. the domain discriminator
    scheduler: Any = None  # the prepared learning-rate schedule; None = constant rate
    total_steps: int = 1  # the run's optimiser-step budget (TrainingArguments.total_steps)


def fit(
    setup: LoopSetup, args: TrainingArguments, output_dir: Path, resume: bool
) -> tuple[TrainerState, bool]:
    """Train with early stopping on the validation loss; returns the state and whether it was stopped
    by ``stop_after_steps`` (the test hook that imitates a killed process).

    The budget is ``max_steps`` optimiser steps when set (epochs follow one another until it is
    spent), else ``epochs``; validation runs every ``eval_every_steps`` steps, else at epoch ends.
    """
    acc = setup.accelerator
    state = TrainerState()
    if resume:
        state = restore_state(acc, output_dir)
    trainable = [p for m in (setup.model, *setup.extra_modules) for p in m.parameters() if p.requires_grad]
    batches_per_epoch = len(setup.train_dataloader)
    total_batches = setup.total_steps * args.grad_accumulation
    if batches_per_epoch == 0 and args.max_steps is not None:
        raise SchemaError("the training split gives no batch: a step budget could never be spent")
    from agroflux_hf.progress import progress_bar

    window = _Window()  # the steps since the last validation, which may span epochs

    while not state.finished and (args.max_steps is not None or state.epoch < args.epochs):
        setup.sampler.epoch = state.epoch
        loader = setup.train_dataloader
        if state.batches_in_epoch:
            loader = acc.skip_first_batches(loader, state.batches_in_epoch)
        acc.step = state.batches_in_epoch  # keeps gradient accumulation aligned after a resume
        for module in (setup.model, *setup.extra_modules):
            module.train()
        budget = f"{args.epochs}" if args.max_steps is None else f"-, step budget {args.max_steps}"
        bar = progress_bar(
            total=batches_per_epoch,
            initial=state.batches_in_epoch,
            desc=f"epoch {state.epoch + 1}/{budget}",
            enabled=acc.is_local_main_process,
            leave=False,
        )
        iterator = iter(loader)
        while True:
            fetch = time.perf_counter()
            try:
                batch = next(iterator)
            except StopIteration:
                break
            window.waited += time.perf_counter() - fetch
            progress = min(1.0, (state.epoch * batches_per_epoch + state.batches_in_epoch) / total_batches)
            mask_padding_rows(batch, state.batches_in_epoch, batches_per_epoch, len(setup.sampler), acc)
            with acc.accumulate(setup.model, *setup.extra_modules):
                draw = (
                    state.global_step * args.grad_accumulation
                    + state.batches_in_epoch % args.grad_accumulation
                )
                loss, logs = setup.step_fn(batch, draw, progress)
                acc.backward(loss)
                if acc.sync_gradients and args.max_grad_norm is not None:
                    acc.clip_grad_norm_(trainable, args.max_grad_norm)
                setup.optimizer.step()
                if setup.scheduler is not None:
                    setup.scheduler.step()
                setup.optimizer.zero_grad(set_to_none=True)
            state.batches_in_epoch += 1
            window.rows += int(batch["index"].shape[0]) * acc.num_processes
            _accumulate(state.running, {"train_loss": float(loss.detach()), **logs})
            bar.update(1)
            bar.set_postfix(loss=f"{float(loss.detach()):.4f}", seq_per_s=f"{window.rate():.0f}")
            if acc.sync_gradients:
                state.global_step += 1
                spent = args.max_steps is not None and state.global_step >= args.max_steps
                if spent or (args.eval_every_steps and state.global_step % args.eval_every_steps == 0):
                    _end_evaluation_period(setup, args, output_dir, state, window, finish=spent)
                    window = _Window()
                elif args.save_every_steps and state.global_step % args.save_every_steps == 0:
                    save_state(acc, output_dir, state, args.keep_checkpoints)
                if args.stop_after_steps is not None and state.global_step >= args.stop_after_steps:
                    bar.close()
                    return state, True
                if state.finished:
                    break
        bar.close()
        if state.finished:
            break
        state.epoch += 1
        state.batches_in_epoch = 0
        last_epoch = args.max_steps is None and state.epoch >= args.epochs
        validated_now = bool(state.history) and state.history[-1]["global_step"] == state.global_step
        # validate at epoch ends; with eval_every_steps, once more after the last epoch for the steps
        # since the last validation (else they could never give the best model)
        if not args.eval_every_steps or (last_epoch and not validated_now):
            _end_evaluation_period(setup, args, output_dir, state, window, finish=last_epoch)
            window = _Window()
    return state, False


@dataclass
class _Window:
    """Timing of the optimiser steps since the last validation (for the log's throughput columns)."""

    started: float = field(default_factory=time.perf_counter)
    waited: float = 0.0
    rows: int = 0

    def rate(self) -> float:
        return self.rows / max(time.perf_counter() - self.started, 1e-9)


def _end_evaluation_period(
    setup: LoopSetup,
    args: TrainingArguments,
    output_dir: Path,
    state: TrainerState,
    window: _Window,
    finish: bool,
) -> None:
    """Validate, log, and save the resumable state; ``finish`` when the budget is spent."""
    acc = setup.accelerator
    entry = _validate(setup, args, output_dir, state, time.perf_counter() - window.started, window)
    state.finished = state.finished or finish
    if acc.is_main_process:
        logger.info("step %d: %s", state.global_step, {k: entry[k] for k in ("train_loss", "val_loss")})
    save_state(acc, output_dir, state, args.keep_checkpoints)


def _accumulate(running: dict[str, float], values: dict[str, float]) -> None:
    for key, value in values.items():
        running[key] = running.get(key, 0.0) + float(value)
    running["batches"] = running.get("batches", 0.0) + 1.0


def _validate(
    setup: LoopSetup,
    args: TrainingArguments,
    output_dir: Path,
    state: TrainerState,
    seconds: float,
    window: _Window,
) -> dict:
    """Validate, keep the best model, update early stopping (patience counts validations), log."""
    acc = setup.accelerator
    unwrapped = acc.unwrap_model(setup.model)
    val_loss = validation_loss(unwrapped, setup.validation, args.eval_batch_size, acc)
    # a NaN or infinite loss (a diverged model) is never the best: every later comparison with it is False
    improved = math.isfinite(val_loss) and (
        state.best_val_loss is None or val_loss < state.best_val_loss - args.min_delta
    )
    # the epoch a validation belongs to: the one in progress, or the one just ended (epoch ends)
    epoch = state.epoch + 1 if state.batches_in_epoch else state.epoch
    if improved:
        state.best_val_loss, state.best_epoch, state.bad_epochs = val_loss, epoch, 0
        state.best_step = state.global_step
        save_model(acc, unwrapped, output_dir / "best_model")
    else:
        state.bad_epochs += 1
    batches = max(state.running.pop("batches", 1.0), 1.0)
    means = {k: _process_mean(acc, v / batches) for k, v in state.running.items()}
    entry = {
        "epoch": epoch,
        "global_step": state.global_step,
        "learning_rate": setup.optimizer.param_groups[0]["lr"],
        **means,
        "val_loss": val_loss,
        "best_val_loss": state.best_val_loss,
        "improved": improved,
        "seconds": seconds,
        "sequences_per_s": window.rows / max(seconds, 1e-9),
        "data_wait_share": window.waited / max(seconds, 1e-9),
    }
    state.history.append(entry)
    state.running = {}
    if args.patience and state.bad_epochs >= args.patience:
        state.finished = True
        # patience running out at the budget's last validation stopped nothing
        state.stopped_early = state.global_step < setup.total_steps
    if acc.is_main_process:
        write_history(output_dir, state.history)
    acc.log({k: v for k, v in entry.items() if isinstance(v, int | float)}, step=entry["global_step"])
    return entry


def _process_mean(acc: Any, value: float) -> float:
    if acc.num_processes == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=acc.device)
    return float(acc.reduce(tensor, reduction="mean").item())


def make_accelerator(args: TrainingArguments, output_dir: Path) -> Any:
    """The Accelerator, created before anything touches process state (seeds, data, models)."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration

    accelerator = Accelerator(
        mixed_precision=args.mixed_precision,
        gradient_accumulation_steps=args.grad_accumulation,
        dataloader_config=DataLoaderConfiguration(split_batches=True, even_batches=True),
        project_config=ProjectConfiguration(project_dir=str(output_dir), logging_dir=str(output_dir / "tb")),
        log_with=launch.log_with(args),
    )
    launch.warn_on_process_count(accelerator, args)
    return accelerator


def train(
    task: str,
    model_name: str,
    config: str,
    *,
    output_dir: str | Path,
    data_dir: str | Path | None = None,
    args: TrainingArguments | None = None,
    pretrained: str | Path | None = None,
    source_config: str | None = None,
    resume: bool = False,
    model_overrides: dict | None = None,
    targets: str | Sequence[str] | None = None,
    loaded: Mapping[str, plans.ConfigData] | None = None,
) -> RunResult:
    """Train ``model_name`` for ``task`` on ``config`` and write OUT (see the package docstring).

    ``targets``: None (all of the config's), a module name (``"Carbon"``) or a list of names.
    ``source_config`` is the simulation config of ``t2-adversarial``; ``pretrained`` the T0
    checkpoint of ``t2-finetune`` (optional for ``t2-adversarial``: start from it). ``loaded`` holds
    configs already in memory by name (:func:`~agroflux_hf.training.plans.config_data` of the same
    ``data_dir``): the benchmark passes them so that a run does not read its data again (0.5-0.7 s
    per config and run); any config not in it is loaded.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")
    if task == "t2-adversarial" and not source_config:
        raise ValueError("task t2-adversarial needs source_config (the simulation config)")
    args = args or TrainingArguments()
    hub_push.check_push_target(args)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    acc = make_accelerator(args, output_dir)
    from accelerate.utils import set_seed

    set_seed(args.seed)
    run_config = {
        "task": task,
        "model_name": model_name,
        "config": config,
        "source_config": source_config,
        "pretrained": str(pretrained) if pretrained else None,
        "pretrained_fingerprint": weights_fingerprint(pretrained),
        "data_dir": recorded_data_dir(data_dir),  # None: the embedded AgroFlux-mini
        "data_fingerprints": {},  # filled once the data is read
        "targets": targets if targets is None or isinstance(targets, str) else list(targets),
        "model_overrides": dict(model_overrides or {}),
        "training_arguments": args.to_dict(),
        "num_processes": acc.num_processes,
        "mixed_precision": acc.mixed_precision,
    }
    with acc.main_process_first():
        data = plans.config_data_of(config, data_dir, loaded)
        source = plans.config_data_of(source_config, data_dir, loaded) if task == "t2-adversarial" else None
    run_config["data_fingerprints"] = plans.data_fingerprints([data, source])
    if resume:
        check_resumable(output_dir, run_config)
    set_seed(args.seed)  # the same initial weights whatever data loading did to the RNG
    overrides = dict(model_overrides or {})
    plans.refuse_freeze_without_pretrained(task, pretrained, args)
    if task in ("t0", "t1"):
        plan = plan_supervised(task, model_name, data, targets, overrides, args)
    elif task == "t2-finetune":
        plan = plan_finetune(model_name, data, targets, pretrained, args, overrides)
    else:
        plan = plan_adversarial(model_name, data, source, targets, overrides, pretrained, args)
    use_target_weights(plan.model, args.target_weights)
    plans.use_compiled_attention(plan.model, args.compile_attention)
    plans.use_static_bounds(plan, args.bound_statics)
    plans.record_training_data(plan.model, config, data_dir, source_config)
    run_config.update(
        {
            "target_names": list(plan.model.config.target_names),
            "learning_rate": plan.learning_rate,
            "batch_size": plan.batch_size,
            "stats": plan.stats,
            "model_config": plan.model.config.to_dict(),
            **plan.notes,
        }
    )
    if acc.is_main_process:
        write_json(output_dir / "run_config.json", run_config)
    setup = _prepare(acc, plan, args)
    if acc.trackers == [] and acc.log_with:
        acc.init_trackers("agroflux", config=launch.hyperparameters(run_config))
    state, interrupted = fit(setup, args, output_dir, resume)
    best_dir = output_dir / "best_model"
    if interrupted:
        return RunResult(
            output_dir, best_dir, {}, state.history, True, state.global_step, state.stopped_early
        )
    metrics = evaluate_best(acc, best_dir, plan.evaluation, args.eval_batch_size)
    if acc.is_main_process:
        write_json(output_dir / "metrics.json", metrics)
    for tracker in acc.trackers:  # not acc.end_training(): it would end the process group of a later run
        tracker.finish()
    url = hub_push.push_run_to_hub(output_dir, args) if args.push_to_hub and acc.is_main_process else None
    return RunResult(
        output_dir,
        best_dir,
        metrics,
        state.history,
        steps=state.global_step,
        stopped_early=state.stopped_early,
        hub_url=url,
    )


def _prepare(acc: Any, plan: TaskPlan, args: TrainingArguments) -> LoopSetup:
    """Optimiser, data loader and (adversarial) discriminator, all passed through ``accelerator.prepare``."""
    if plan.batch_size % acc.num_processes:
        raise ValueError(
            f"batch size {plan.batch_size} is the global batch and must be divisible by the "
            f"{acc.num_processes} processes"
        )
    model = plan.model
    if "validation" not in plan.evaluation.splits:
        raise SchemaError(
            f"config {plan.evaluation.info.name} has no validation split: early stopping and the best "
            "checkpoint need one"
        )
    validation = plan.evaluation.splits["validation"]
    training = plan.source_train if plan.source_train is not None else plan.train
    loader = train_loader(training, plan.batch_size, args.seed, args.num_workers)
    sampler = loader.sampler
    extra: tuple[Any, ...] = ()
    if plan.source_train is not None:
        hidden = _hidden_size(model, training)
        torch.manual_seed(args.seed + 1)
        extra = (transfer.DomainDiscriminator(hidden, args.discriminator_hidden),)
    parameters = [p for m in (model, *extra) for p in m.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=plan.learning_rate, weight_decay=args.weight_decay)
    model, optimizer, loader, *extra = acc.prepare(model, optimizer, loader, *extra)
    if acc.num_processes > 1:  # weights are equal (DDP broadcasts them); dropout masks must not be
        torch.manual_seed(args.seed * 1_000 + acc.process_index)
    # Accelerate also steps at the end of an epoch whose batches do not fill the last accumulation
    total_steps = args.total_steps(max(1, math.ceil(len(loader) / args.grad_accumulation)))
    scheduler = None
    if args.lr_schedule != "constant":
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: args.learning_rate_factor(step, total_steps)
        )
        scheduler = acc.prepare(schedule)  # saved and restored with the resumable state
    if plan.source_train is not None:
        per_process = max(1, (args.target_batch_size or plan.batch_size) // acc.num_processes)
        batches = StepBatchSampler(plan.train, per_process, args.seed, acc.process_index, acc.num_processes)
        loss_of = acc.unwrap_model(model).loss_of_predictions
        step_fn = adversarial_step(model, extra[0], batches, args, acc, loss_of)
    else:
        step_fn = supervised_step(model, acc)
    return LoopSetup(
        acc, model, optimizer, loader, sampler, step_fn, validation, tuple(extra), scheduler, total_steps
    )


@torch.no_grad()
def _hidden_size(model: Any, data: SplitTensors) -> int:
    was = model.training
    model.eval()
    first = model_inputs(data.batch(torch.arange(min(1, len(data)))), with_targets=False)
    outputs = model(**first, output_hidden_states=True)
    model.train(was)
    if outputs.hidden_states is None:
        raise SchemaError("adversarial training needs the model to return hidden_states")
    return int(outputs.hidden_states.shape[-1])
