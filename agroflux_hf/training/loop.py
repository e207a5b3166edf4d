"""The Accelerate training loop behind every task (T0, T1, T2 fine-tune, T2 adversarial).

One loop from one CPU process to DDP: the same code runs under ``python`` and under
``ACCELERATE_USE_CPU=1 torchrun --nproc_per_node 2``. Choices that matter:

* ``batch_size`` is the *global* batch: Accelerate splits each batch across processes
  (``split_batches=True``), so 1 and 2 processes take the same optimiser steps on the same data.
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

import importlib.util
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from agroflux_hf import schema
from agroflux_hf.errors import AllNaNError, IncompatibleCheckpointError, MissingCheckpointError, SchemaError
from agroflux_hf.training import transfer
from agroflux_hf.training.arguments import TrainingArguments
from agroflux_hf.training.predict import (
    IndexDataset,
    Predictions,
    SplitTensors,
    TensorBatchCollator,
    align_to_model,
    model_inputs,
    predict_dataset,
    split_tensors,
)

logger = logging.getLogger(__name__)

TASKS = ("t0", "t1", "t2-finetune", "t2-adversarial")
SPLITS = ("train", "validation", "test")
STATE_FILE = "trainer_state.json"


@dataclass
class RunResult:
    """What a finished (or deliberately stopped) run leaves behind."""

    output_dir: Path
    best_model_dir: Path
    metrics: dict
    history: list[dict]
    interrupted: bool = False  # True when ``stop_after_steps`` ended the run before it finished


@dataclass
class ConfigData:
    """A config's description (``ConfigInfo``) and its splits as in-memory tensors."""

    info: Any
    splits: dict[str, SplitTensors]


# ---------------------------------------------------------------- data and model (patchable seams)
def load_config_data(config: str, data_dir: str | Path | None = None) -> ConfigData:
    """Load every split of ``config`` into memory once (``load_agroflux`` + ``config_info``)."""
    from agroflux_hf.data.loading import config_info, load_agroflux

    info = config_info(config, data_dir=data_dir)
    dataset = load_agroflux(config, data_dir=data_dir)
    splits = {
        name: split_tensors(dataset[name], info.input_names, info.static_names, info.target_names)
        for name in SPLITS
        if name in dataset
    }
    return ConfigData(info=info, splits=splits)


def build_model_for(model_name: str, **kwargs: Any) -> Any:
    """``agroflux_hf.models.build_model``; a seam so tests can put a stand-in model here."""
    from agroflux_hf.models import build_model

    return build_model(model_name, **kwargs)


def load_model(path: str | Path, model_name: str | None = None) -> Any:
    """``agroflux_hf.models.load_model``, the one checkpoint loader (imported when first needed)."""
    from agroflux_hf.models import load_model as load

    return load(path, model_name=model_name)


def resolve_targets(available: Sequence[str], targets: str | Sequence[str] | None) -> tuple[str, ...]:
    """All ``available`` targets, or a module's (``"Carbon"``), or a list of names, in data order."""
    available = tuple(available)
    if targets is None or (not isinstance(targets, str) and len(targets) == 0):
        return available
    if isinstance(targets, str):
        targets = [targets]
    modules = {m.value.lower(): m for m in schema.Module}
    chosen: list[str] = []
    for item in targets:
        if item.lower() in modules:
            module = modules[item.lower()]
            chosen += [n for n in available if n in schema.VARIABLES and schema.VARIABLES[n].module == module]
        elif item in available:
            chosen.append(item)
        else:
            raise SchemaError(
                f"target {item!r} is neither a module {list(schema.Module)} nor in {list(available)}"
            )
    selected = tuple(n for n in available if n in set(chosen))
    if not selected:
        raise SchemaError(f"targets {list(targets)} select none of the config's targets {list(available)}")
    return selected


def stats_for(
    stats: dict, input_names: Sequence[str], static_names: Sequence[str], targets: Sequence[str]
) -> dict:
    """The training-split statistics restricted to the variables a model uses, made usable.

    A variable constant over the training split (std 0, e.g. a crop flag in a maize-only
    simulation) or never observed there (NaN) cannot be z-scored: it gets std 1 (and mean 0 when
    the mean is unknown), so it enters the model as a constant instead of failing the run.
    """
    return {
        group: {n: usable_stat(group, n, stats[group][n]) for n in names if n in stats.get(group, {})}
        for group, names in (("inputs", input_names), ("static", static_names), ("targets", targets))
    }


def usable_stat(group: str, name: str, entry: dict) -> dict:
    """``entry`` ({"mean", "std"}) with a non-finite mean set to 0 and a zero/non-finite std to 1.

    The exporter writes ``None`` for a variable with no training value (JSON has no NaN): same as NaN.
    """
    mean, std = (_as_float(entry.get(key)) for key in ("mean", "std"))
    fixed = {
        "mean": mean if math.isfinite(mean) else 0.0,
        "std": std if math.isfinite(std) and std > 0 else 1.0,
    }
    if fixed["mean"] != mean or fixed["std"] != std:
        logger.warning("stats[%r][%r] = %s cannot scale; using %s", group, name, entry, fixed)
    return fixed


def _as_float(value: object) -> float:
    return math.nan if value is None else float(value)


# ---------------------------------------------------------------- sampling
class EpochPermutationSampler(Sampler[int]):
    """A permutation of ``range(n)`` drawn from (seed, epoch) only: restartable, the same on every process.

    Deliberately no ``set_epoch``/``generator`` attribute: Accelerate would otherwise drive or
    re-seed it; the loop sets :attr:`epoch` itself.
    """

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        yield from torch.randperm(self.n, generator=generator).tolist()


class StepBatchSampler:
    """Random batches of a (small) split keyed by (seed, step, process): the observation side of
    adversarial training, which cycles independently of the source epoch and needs no resume state."""

    def __init__(self, data: SplitTensors, batch_size: int, seed: int, process_index: int) -> None:
        self.data = data
        self.batch_size = min(batch_size, len(data))
        self.seed = seed
        self.process_index = process_index

    def __call__(self, step: int, device: torch.device) -> dict[str, torch.Tensor]:
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + step) * 97 + self.process_index)
        index = torch.randperm(len(self.data), generator=generator)[: self.batch_size]
        return {k: v.to(device) for k, v in self.data.batch(index).items()}


def train_loader(data: SplitTensors, batch_size: int, seed: int, num_workers: int) -> DataLoader:
    return DataLoader(
        IndexDataset(len(data)),
        batch_size=batch_size,
        sampler=EpochPermutationSampler(len(data), seed),
        collate_fn=TensorBatchCollator(data),
        num_workers=num_workers,
        # its own generator: creating an iterator must not consume the global RNG (resume exactness)
        generator=torch.Generator().manual_seed(seed),
    )


# ---------------------------------------------------------------- run state and files
@dataclass
class TrainerState:
    """Everything besides weights/optimiser/RNG that a resumed run needs (saved as JSON)."""

    epoch: int = 0  # epoch in progress (or next to start)
    batches_in_epoch: int = 0
    global_step: int = 0  # optimiser steps
    best_val_loss: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0
    finished: bool = False
    saves: int = 0
    running: dict[str, float] = field(default_factory=dict)  # sums over the epoch in progress
    history: list[dict] = field(default_factory=list)


def _write_json(path: Path, payload: Any) -> None:
    """Write to a temporary file, then rename, so a killed run never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_jsonable(payload), indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_history(output_dir: Path, history: list[dict]) -> None:
    """log.jsonl and log.csv rewritten whole from the history (so a resumed run has no stale lines)."""
    lines = "".join(json.dumps(_jsonable(entry), allow_nan=False) + "\n" for entry in history)
    tmp = output_dir / "log.jsonl.tmp"
    tmp.write_text(lines)
    os.replace(tmp, output_dir / "log.jsonl")
    columns = list(dict.fromkeys(k for entry in history for k in entry))
    rows = [",".join(columns)]
    rows += [",".join("" if e.get(c) is None else str(e.get(c)) for c in columns) for e in history]
    tmp = output_dir / "log.csv.tmp"
    tmp.write_text("\n".join(rows) + "\n")
    os.replace(tmp, output_dir / "log.csv")


def latest_checkpoint(output_dir: Path) -> Path | None:
    folder = output_dir / "checkpoints"
    found = sorted(p for p in folder.glob("ckpt_*") if (p / STATE_FILE).is_file()) if folder.is_dir() else []
    return found[-1] if found else None


# ---------------------------------------------------------------- the loop
StepFn = Callable[[dict[str, torch.Tensor], int, float], tuple[torch.Tensor, dict[str, float]]]


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


def fit(
    setup: LoopSetup, args: TrainingArguments, output_dir: Path, resume: bool
) -> tuple[TrainerState, bool]:
    """Train with early stopping on the validation loss; returns the state and whether it was stopped
    by ``stop_after_steps`` (the test hook that imitates a killed process)."""
    acc = setup.accelerator
    state = TrainerState()
    if resume:
        state = _restore(acc, output_dir)
    trainable = [p for m in (setup.model, *setup.extra_modules) for p in m.parameters() if p.requires_grad]
    batches_per_epoch = len(setup.train_dataloader)
    total_batches = max(1, args.epochs * batches_per_epoch)
    from tqdm.auto import tqdm

    while not state.finished and state.epoch < args.epochs:
        setup.sampler.epoch = state.epoch
        loader = setup.train_dataloader
        if state.batches_in_epoch:
            loader = acc.skip_first_batches(loader, state.batches_in_epoch)
        acc.step = state.batches_in_epoch  # keeps gradient accumulation aligned after a resume
        for module in (setup.model, *setup.extra_modules):
            module.train()
        bar = tqdm(
            total=batches_per_epoch,
            initial=state.batches_in_epoch,
            desc=f"epoch {state.epoch + 1}/{args.epochs}",
            disable=not acc.is_local_main_process,
            leave=False,
        )
        started = time.perf_counter()
        waited = 0.0
        rows = 0
        iterator = iter(loader)
        while True:
            fetch = time.perf_counter()
            try:
                batch = next(iterator)
            except StopIteration:
                break
            waited += time.perf_counter() - fetch
            progress = (state.epoch * batches_per_epoch + state.batches_in_epoch) / total_batches
            with acc.accumulate(setup.model, *setup.extra_modules):
                loss, logs = setup.step_fn(batch, state.global_step, progress)
                acc.backward(loss)
                if acc.sync_gradients and args.max_grad_norm is not None:
                    acc.clip_grad_norm_(trainable, args.max_grad_norm)
                setup.optimizer.step()
                setup.optimizer.zero_grad(set_to_none=True)
            state.batches_in_epoch += 1
            rows += int(batch["index"].shape[0]) * acc.num_processes
            _accumulate(state.running, {"train_loss": float(loss.detach()), **logs})
            elapsed = time.perf_counter() - started
            bar.update(1)
            bar.set_postfix(loss=f"{float(loss.detach()):.4f}", seq_per_s=f"{rows / max(elapsed, 1e-9):.0f}")
            if acc.sync_gradients:
                state.global_step += 1
                if args.save_every_steps and state.global_step % args.save_every_steps == 0:
                    _save(acc, output_dir, state, args.keep_checkpoints)
                if args.stop_after_steps is not None and state.global_step >= args.stop_after_steps:
                    bar.close()
                    return state, True
        bar.close()
        seconds = time.perf_counter() - started
        entry = _end_epoch(setup, args, output_dir, state, seconds, waited, rows)
        if acc.is_main_process:
            logger.info("epoch %d: %s", entry["epoch"], {k: entry[k] for k in ("train_loss", "val_loss")})
        _save(acc, output_dir, state, args.keep_checkpoints)
    return state, False


def _accumulate(running: dict[str, float], values: dict[str, float]) -> None:
    for key, value in values.items():
        running[key] = running.get(key, 0.0) + float(value)
    running["batches"] = running.get("batches", 0.0) + 1.0


def _end_epoch(
    setup: LoopSetup,
    args: TrainingArguments,
    output_dir: Path,
    state: TrainerState,
    seconds: float,
    waited: float,
    rows: int,
) -> dict:
    """Validate, keep the best model, update early stopping, append to the logs."""
    acc = setup.accelerator
    unwrapped = acc.unwrap_model(setup.model)
    val_loss = validation_loss(unwrapped, setup.validation, args.eval_batch_size, acc)
    improved = state.best_val_loss is None or val_loss < state.best_val_loss - args.min_delta
    if improved:
        state.best_val_loss, state.best_epoch, state.bad_epochs = val_loss, state.epoch + 1, 0
        save_model(acc, unwrapped, output_dir / "best_model")
    else:
        state.bad_epochs += 1
    batches = max(state.running.pop("batches", 1.0), 1.0)
    means = {k: _process_mean(acc, v / batches) for k, v in state.running.items()}
    entry = {
        "epoch": state.epoch + 1,
        "global_step": state.global_step,
        **means,
        "val_loss": val_loss,
        "best_val_loss": state.best_val_loss,
        "improved": improved,
        "seconds": seconds,
        "sequences_per_s": rows / max(seconds, 1e-9),
        "data_wait_share": waited / max(seconds, 1e-9),
    }
    state.history.append(entry)
    state.running = {}
    state.epoch += 1
    state.batches_in_epoch = 0
    if args.patience and state.bad_epochs >= args.patience:
        state.finished = True
    if state.epoch >= args.epochs:
        state.finished = True
    if acc.is_main_process:
        _write_history(output_dir, state.history)
    acc.log({k: v for k, v in entry.items() if isinstance(v, int | float)}, step=entry["epoch"])
    return entry


def _process_mean(acc: Any, value: float) -> float:
    if acc.num_processes == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=acc.device)
    return float(acc.reduce(tensor, reduction="mean").item())


def validation_loss(model: Any, data: SplitTensors, batch_size: int, acc: Any) -> float:
    """The model's own loss (``model.loss_of_predictions``) over the whole split, as training computes it."""
    predictions = predict_dataset(model, data, batch_size=_divisible(batch_size, acc), accelerator=acc)
    if not bool((~np.isnan(predictions.obs)).any()):
        raise AllNaNError("the validation split has no observed target value: cannot select a best model")
    loss = model.loss_of_predictions(
        torch.from_numpy(predictions.sim), torch.from_numpy(predictions.obs), predictions.target_names
    )
    return float(loss)


def _divisible(batch_size: int, acc: Any) -> int:
    n = acc.num_processes
    return max(n, batch_size - batch_size % n)


def save_model(acc: Any, model: Any, folder: Path) -> None:
    """``save_pretrained`` into a temporary folder, then swap it in (main process only)."""
    acc.wait_for_everyone()
    if acc.is_main_process:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    acc.wait_for_everyone()


def _save(acc: Any, output_dir: Path, state: TrainerState, keep: int) -> None:
    """``accelerator.save_state`` (weights, optimiser, RNG of every process) plus the loop's JSON state."""
    state.saves += 1
    folder = output_dir / "checkpoints" / f"ckpt_{state.saves:06d}"
    acc.wait_for_everyone()
    acc.save_state(str(folder))
    if acc.is_main_process:
        _write_json(folder / STATE_FILE, asdict(state))
        older = sorted((output_dir / "checkpoints").glob("ckpt_*"))[:-keep]
        for stale in older:
            shutil.rmtree(stale, ignore_errors=True)
    acc.wait_for_everyone()


def _restore(acc: Any, output_dir: Path) -> TrainerState:
    folder = latest_checkpoint(output_dir)
    if folder is None:
        if acc.is_main_process:
            logger.warning(
                "%s: nothing to resume (no checkpoint yet); starting from the beginning", output_dir
            )
        return TrainerState()
    acc.load_state(str(folder))
    values = json.loads((folder / STATE_FILE).read_text())
    if acc.is_main_process:
        logger.info("resuming from %s (epoch %d, step %d)", folder, values["epoch"], values["global_step"])
    return TrainerState(**values)


# ---------------------------------------------------------------- step functions
def supervised_step(model: Any) -> StepFn:
    """The task loss on one batch: the model's own loss (``outputs.loss``)."""

    def step(batch: dict[str, torch.Tensor], _step: int, _progress: float) -> tuple[torch.Tensor, dict]:
        return model(**model_inputs(batch, with_targets=True)).loss, {}

    return step


def adversarial_step(
    model: Any,
    discriminator: Any,
    target_batches: StepBatchSampler,
    args: TrainingArguments,
    device: torch.device,
    loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> StepFn:
    """DANN: task loss on a source (simulation) and a target (observation) batch, plus the domain loss
    through the gradient reversal layer. Both batches go through ONE forward pass (DDP allows one
    forward per backward), then are split again. ``loss_of`` is the unwrapped model's
    ``loss_of_predictions``: the same loss as ``outputs.loss``, on each half."""

    def step(batch: dict[str, torch.Tensor], global_step: int, progress: float) -> tuple[torch.Tensor, dict]:
        target = target_batches(global_step, device)
        n_source = batch["past_values"].shape[0]
        joined = {k: torch.cat([batch[k], target[k]]) for k in ("past_values", "static_real_features")}
        outputs = model(**model_inputs(joined, with_targets=False))
        predictions, hidden = outputs.predictions, outputs.hidden_states
        if hidden is None or hidden.ndim != 3:
            raise SchemaError(
                "adversarial training needs outputs.hidden_states of shape (batch, days, hidden)"
            )
        source_loss = loss_of(predictions[:n_source], batch["target_values"])
        target_loss = loss_of(predictions[n_source:], target["target_values"])
        if args.adversarial_schedule == "ganin":
            lambd = args.adversarial_weight * transfer.ganin_lambda(progress, args.adversarial_gamma)
        else:
            lambd = args.adversarial_weight
        domain_loss, accuracy = transfer.domain_loss_and_accuracy(
            discriminator, hidden[:n_source], hidden[n_source:], lambd
        )
        logs = {
            "source_loss": float(source_loss.detach()),
            "target_loss": float(target_loss.detach()),
            "domain_loss": float(domain_loss.detach()),
            "domain_accuracy": float(accuracy),
            "lambda": lambd,
        }
        return source_loss + target_loss + domain_loss, logs

    return step


# ---------------------------------------------------------------- tasks
@dataclass
class TaskPlan:
    """A task resolved into a model, its training data and its evaluation data."""

    model: Any
    train: SplitTensors
    evaluation: ConfigData  # validation/test are scored on this config
    learning_rate: float
    batch_size: int
    stats: dict
    source_train: SplitTensors | None = None  # adversarial: the simulation side
    notes: dict = field(default_factory=dict)


def plan_supervised(
    task: str, model_name: str, data: ConfigData, targets: Any, overrides: dict, args: TrainingArguments
) -> TaskPlan:
    """T0 / T1: a fresh model on one config."""
    info = data.info
    wanted = "simulation" if task == "t0" else "observation"
    if str(info.domain) != wanted:
        logger.warning("task %s expects a %s config; %s is %s", task, wanted, info.name, info.domain)
    chosen = resolve_targets(info.target_names, targets)
    stats = stats_for(info.stats, info.input_names, info.static_names, chosen)
    model = build_model_for(
        model_name,
        input_names=list(info.input_names),
        static_names=list(info.static_names),
        target_names=list(chosen),
        stats=stats,
        **overrides,
    )
    train = data.splits["train"].select(target_names=chosen)
    return TaskPlan(model, train, data, args.learning_rate, args.batch_size, stats)


def plan_finetune(
    model_name: str, data: ConfigData, targets: Any, pretrained: Any, args: TrainingArguments
) -> TaskPlan:
    """T2 pretrain -> fine-tune: targets mapped by name, pretrained input statistics kept."""
    if pretrained is None:
        raise MissingCheckpointError("task t2-finetune needs a pretrained checkpoint (--pretrained DIR)")
    info = data.info
    base = load_model(pretrained, model_name)
    chosen = resolve_targets(info.target_names, targets)
    shared = _shared(base, chosen)  # before select_targets re-points base in place
    model, stats = finetune_model(base, chosen, info.stats)
    frozen = transfer.freeze_parameters(model, args.freeze)
    train = align_to_model(data.splits["train"], model)
    notes = {"pretrained": str(pretrained), "frozen": frozen, "shared_targets": shared}
    return TaskPlan(
        model, train, data, args.finetune_learning_rate, args.finetune_batch_size, stats, notes=notes
    )


def _shared(base: Any, targets: Sequence[str]) -> list[str]:
    return [n for n in targets if n in base.config.target_names]


def finetune_model(base: Any, targets: Sequence[str], new_stats: dict) -> tuple[Any, dict]:
    """``base`` re-pointed at ``targets`` (shared head rows kept) with merged statistics.

    Through the model's own ``select_targets``, passing statistics only for the new targets, so
    shared targets keep their pretrained scale (see ``transfer``'s docstring).
    """
    known = set(base.config.target_names)
    fresh_stats = {
        n: usable_stat("targets", n, new_stats["targets"][n])
        for n in targets
        if n not in known and n in new_stats.get("targets", {})
    }
    model = base.select_targets(list(targets), fresh_stats)
    return model, model.config.stats


def plan_adversarial(
    model_name: str,
    target_data: ConfigData,
    source_data: ConfigData,
    targets: Any,
    overrides: dict,
    pretrained: Any,
    args: TrainingArguments,
) -> TaskPlan:
    """T2 adversarial: one model over the source's inputs and the union of both configs' targets."""
    src, tgt = source_data.info, target_data.info
    shared_inputs = set(src.input_names) & set(tgt.input_names)
    if not shared_inputs:
        raise SchemaError(
            f"source config {src.name} inputs {list(src.input_names)} and target config {tgt.name} inputs "
            f"{list(tgt.input_names)} share no variable: nothing to adapt"
        )
    source_targets = resolve_targets(src.target_names, targets)
    target_targets = resolve_targets(tgt.target_names, targets)
    union = schema.target_names_of(list(source_targets) + list(target_targets))
    union = union + tuple(n for n in (*source_targets, *target_targets) if n not in union)
    if pretrained is not None:
        model, stats = finetune_model(load_model(pretrained, model_name), union, tgt.stats)
    else:
        stats = transfer.merged_stats(
            stats_for(src.stats, src.input_names, src.static_names, source_targets),
            stats_for(tgt.stats, (), (), target_targets),
            union,
        )
        model = build_model_for(
            model_name,
            input_names=list(src.input_names),
            static_names=list(src.static_names),
            target_names=list(union),
            stats=stats,
            **overrides,
        )
    source_train = align_to_model(source_data.splits["train"], model)
    target_train = align_to_model(target_data.splits["train"], model)
    notes = {
        "source_config": src.name,
        "inputs_fed_as_nan": [n for n in src.input_names if n not in tgt.input_names],
        "target_inputs_unused": [n for n in tgt.input_names if n not in src.input_names],
    }
    return TaskPlan(
        model, target_train, target_data, args.learning_rate, args.batch_size, stats, source_train, notes
    )


# ---------------------------------------------------------------- public entry point
def make_accelerator(args: TrainingArguments, output_dir: Path) -> Any:
    """The Accelerator, created before anything touches process state (seeds, data, models)."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration

    log_with = None
    if args.log_tensorboard and importlib.util.find_spec("tensorboard") is not None:
        log_with = "tensorboard"
    return Accelerator(
        mixed_precision=args.mixed_precision,
        gradient_accumulation_steps=args.grad_accumulation,
        dataloader_config=DataLoaderConfiguration(split_batches=True, even_batches=True),
        project_config=ProjectConfiguration(project_dir=str(output_dir), logging_dir=str(output_dir / "tb")),
        log_with=log_with,
    )


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
) -> RunResult:
    """Train ``model_name`` for ``task`` on ``config`` and write OUT (see the package docstring).

    ``targets``: None (all of the config's), a module name (``"Carbon"``) or a list of names.
    ``source_config`` is the simulation config of ``t2-adversarial``; ``pretrained`` the T0
    checkpoint of ``t2-finetune`` (optional for ``t2-adversarial``: start from it).
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")
    if task == "t2-adversarial" and not source_config:
        raise ValueError("task t2-adversarial needs source_config (the simulation config)")
    args = args or TrainingArguments()
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
        "data_dir": str(data_dir) if data_dir else None,
        "targets": targets if targets is None or isinstance(targets, str) else list(targets),
        "model_overrides": dict(model_overrides or {}),
        "training_arguments": args.to_dict(),
        "num_processes": acc.num_processes,
        "mixed_precision": acc.mixed_precision,
    }
    if resume:
        _check_resumable(output_dir, run_config)
    with acc.main_process_first():
        data = load_config_data(config, data_dir)
        source = load_config_data(source_config, data_dir) if task == "t2-adversarial" else None
    set_seed(args.seed)  # the same initial weights whatever data loading did to the RNG
    overrides = dict(model_overrides or {})
    if task in ("t0", "t1"):
        plan = plan_supervised(task, model_name, data, targets, overrides, args)
    elif task == "t2-finetune":
        plan = plan_finetune(model_name, data, targets, pretrained, args)
    else:
        plan = plan_adversarial(model_name, data, source, targets, overrides, pretrained, args)
    use_target_weights(plan.model, args.target_weights)
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
        _write_json(output_dir / "run_config.json", run_config)
    setup = _prepare(acc, plan, args)
    if acc.trackers == [] and acc.log_with:
        acc.init_trackers("agroflux", config={"task": task, "model": model_name, "config": config})
    state, interrupted = fit(setup, args, output_dir, resume)
    best_dir = output_dir / "best_model"
    if interrupted:
        return RunResult(output_dir, best_dir, {}, state.history, interrupted=True)
    metrics = evaluate_best(acc, setup.model, best_dir, plan.evaluation, args.eval_batch_size)
    if acc.is_main_process:
        _write_json(output_dir / "metrics.json", metrics)
    for tracker in acc.trackers:  # not acc.end_training(): it would end the process group of a later run
        tracker.finish()
    return RunResult(output_dir, best_dir, metrics, state.history)


def _check_resumable(output_dir: Path, run_config: dict) -> None:
    """A resumed run must be the same run: same task, model, data and settings (bar the stop hook)."""
    saved_file = output_dir / "run_config.json"
    if not saved_file.is_file():
        return
    saved = json.loads(saved_file.read_text())
    for key in ("task", "model_name", "config", "source_config", "pretrained", "targets", "model_overrides"):
        if saved.get(key) != _jsonable(run_config[key]):
            raise IncompatibleCheckpointError(
                f"{saved_file}: cannot resume, {key} was {saved.get(key)!r}, now {run_config[key]!r}"
            )
    before = {k: v for k, v in saved.get("training_arguments", {}).items() if k != "stop_after_steps"}
    now = {k: v for k, v in _jsonable(run_config["training_arguments"]).items() if k != "stop_after_steps"}
    if before != now:
        changed = sorted(k for k in now if before.get(k) != now[k])
        raise IncompatibleCheckpointError(
            f"{saved_file}: cannot resume, training arguments changed: {changed}"
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
    if plan.source_train is not None:
        per_process = max(1, (args.target_batch_size or plan.batch_size) // acc.num_processes)
        batches = StepBatchSampler(plan.train, per_process, args.seed, acc.process_index)
        loss_of = acc.unwrap_model(model).loss_of_predictions
        step_fn = adversarial_step(model, extra[0], batches, args, acc.device, loss_of)
    else:
        step_fn = supervised_step(model)
    return LoopSetup(acc, model, optimizer, loader, sampler, step_fn, validation, tuple(extra))


def use_target_weights(model: Any, weights: dict[str, float]) -> None:
    """Write ``TrainingArguments.target_weights`` into the model config, where the one loss reads them.

    Given weights replace the config's (a checkpoint's or a ``--model-override``'s); none given
    keeps them. Saved with the model, so a reloaded model reports the loss it was trained on.
    """
    if not weights:
        return
    target_names = list(model.config.target_names)
    unknown = sorted(set(weights) - set(target_names))
    if unknown:
        raise ValueError(f"target_weights names {unknown} are not targets of the model {target_names}")
    model.config.target_weights = model.config._cleaned_weights(dict(weights))
    model.scaler.refill(model.config)


@torch.no_grad()
def _hidden_size(model: Any, data: SplitTensors) -> int:
    was = model.training
    model.eval()
    outputs = model(**model_inputs(data.batch(torch.arange(min(1, len(data)))), with_targets=False))
    model.train(was)
    if outputs.hidden_states is None:
        raise SchemaError("adversarial training needs the model to return hidden_states")
    return int(outputs.hidden_states.shape[-1])


def evaluate_best(acc: Any, model: Any, best_dir: Path, data: ConfigData, batch_size: int) -> dict:
    """Validation and test scores of the best checkpoint (reloaded from disk, as users will load it)."""
    if not best_dir.is_dir():
        raise MissingCheckpointError(f"{best_dir}: the run saved no best model")
    best = load_model(best_dir).to(acc.device)
    metrics = {}
    for split in ("validation", "test"):
        if split in data.splits:
            predictions = predict_dataset(best, data.splits[split], _divisible(batch_size, acc), acc)
            metrics[split] = score_predictions(predictions)
    return metrics


def score_predictions(predictions: Predictions) -> dict:
    """``score_targets`` with site ids; a split without any observation is reported, not fatal."""
    try:
        return predictions.scores(per_site=True)
    except AllNaNError as err:
        return {"error": str(err)}


def evaluate_model(
    model_dir: str | Path,
    config: str,
    *,
    split: str = "test",
    data_dir: str | Path | None = None,
    batch_size: int = 256,
) -> dict:
    """Scores (``metrics.core.score_targets``, per site) of a saved model on one split of ``config``."""
    model = load_model(model_dir)
    data = load_config_data(config, data_dir)
    if split not in data.splits:
        raise ValueError(f"config {config} has no split {split!r}; it has {sorted(data.splits)}")
    return score_predictions(predict_dataset(model, data.splits[split], batch_size=batch_size))
