"""Task plans: a task (T0, T1, T2 fine-tune, T2 adversarial) resolved into a model and its data.

Why a module: what a task means (which config trains, which statistics scale, which checkpoint
starts, which targets are shared) is separate from how the loop trains. Also holds the data and
model seams (``load_config_data``, ``build_model_for``, ``load_model``) tests replace, and the
statistics repair (``usable_stat``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from agroflux_hf import schema
from agroflux_hf.errors import MissingCheckpointError, SchemaError
from agroflux_hf.training import transfer
from agroflux_hf.training.arguments import TrainingArguments
from agroflux_hf.training.tensors import SplitTensors, align_to_model, split_tensors

logger = logging.getLogger(__name__)

TASKS: tuple[str, ...] = schema.TASKS


SPLITS: tuple[str, ...] = schema.SPLITS
"""Dataset splits (train/validation/test; ``scheme`` is temporal/spatial)."""


@dataclass
class ConfigData:
    """A config's description (``ConfigInfo``) and its splits as in-memory tensors."""

    info: Any
    splits: dict[str, SplitTensors]
    fingerprint: str | None = None  # of the files read (:func:`info_fingerprint`), once known


def load_config_data(config: str, data_dir: str | Path | None = None) -> ConfigData:
    """Load every split of ``config`` into memory once (``load_agroflux`` + ``config_info``)."""
    from agroflux_hf.data.loading import config_info, load_agroflux

    return config_data(config_info(config, data_dir=data_dir), load_agroflux(config, data_dir=data_dir))


def config_data(info: Any, dataset: Any) -> ConfigData:
    """A loaded config (its ``ConfigInfo`` and ``DatasetDict``) as in-memory tensors, split by split.

    Separate from :func:`load_config_data` so that a caller that already holds the dataset (the
    benchmark, running hundreds of runs on a few configs) does not read it again for every run.
    """
    splits = {
        name: split_tensors(dataset[name], info.input_names, info.static_names, info.target_names)
        for name in SPLITS
        if name in dataset
    }
    return ConfigData(info=info, splits=splits)


def config_data_of(
    config: str, data_dir: str | Path | None, loaded: Mapping[str, ConfigData] | None
) -> ConfigData:
    """``loaded[config]`` when the caller holds it in memory, else :func:`load_config_data` (the seam
    tests replace)."""
    if loaded is not None and config in loaded:
        return loaded[config]
    return load_config_data(config, data_dir)


def record_training_data(
    model: Any, config: str, data_dir: str | Path | None, source_config: str | None
) -> None:
    """Write into the model's config (and so into every checkpoint's ``config.json``) the data it was
    trained on: ``agroflux evaluate --towers`` reads it to tell a user whether a site, and which of its
    years, the checkpoint saw in training. ``data_dir`` None is the embedded AgroFlux-mini. A model
    fine-tuned from a checkpoint without ``source_config`` given records the data its base model
    recorded (``agroflux train --task t2-finetune --pretrained`` takes no source config)."""
    from agroflux_hf.data.loading import recorded_data_dir

    base = getattr(model.config, "training_data", None) or {}
    base_config = base.get("config") if isinstance(base, dict) else None
    record = training_data_record(config, recorded_data_dir(data_dir), source_config or base_config)
    model.config.training_data = record


def training_data_record(config: str, data_dir: str | Path | None, source_config: str | None) -> dict:
    """The ``training_data`` entry of a checkpoint's ``config.json`` (:func:`record_training_data`);
    ``data_dir`` as recorded (``data.loading.recorded_data_dir``: None is the embedded AgroFlux-mini)."""
    return {
        "config": config,
        "data_dir": str(data_dir) if data_dir else None,
        "source_config": source_config,
    }


def info_fingerprint(info: Any) -> str | None:
    """``folder_format.config_fingerprint`` of the folder a ``ConfigInfo`` was read from; None for a
    config held in memory without a folder (the tests' synthetic loaders)."""
    from agroflux_hf.data.folder_format import config_fingerprint

    folder = getattr(info, "data_dir", None)
    return None if folder is None else config_fingerprint(Path(folder), info.name)


def data_fingerprints(read: list[ConfigData | None]) -> dict[str, str]:
    """config -> fingerprint of the data a run reads, so that a run killed mid-way resumes only on the
    same data. Taken from ``ConfigData.fingerprint`` when the caller (the benchmark) computed it, so
    that a run does not hash its files again (~28 MB for a simulation config)."""
    out = {}
    for data in read:
        if data is None:
            continue
        if data.fingerprint is None:
            data.fingerprint = info_fingerprint(data.info)
        if data.fingerprint is not None:
            out[data.info.name] = data.fingerprint
    return out


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
        for group, names in zip(schema.STAT_GROUPS, (input_names, static_names, targets), strict=True)
    }


def usable_stat(group: str, name: str, entry: dict) -> dict:
    """``entry`` ({"mean", "std"}) made usable by the one convention (:meth:`schema.VariableStats.usable`),
    with a warning when it had to change: a variable that cannot be z-scored enters as a constant."""
    mean, std = schema.VariableStats.from_entry(entry).usable()
    fixed = {"mean": mean, "std": std}
    if entry.get("mean") != mean or entry.get("std") != std:
        logger.warning("stats[%r][%r] = %s cannot scale; using %s", group, name, entry, fixed)
    return fixed


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
    model_name: str,
    data: ConfigData,
    targets: Any,
    pretrained: Any,
    args: TrainingArguments,
    overrides: dict | None = None,
) -> TaskPlan:
    """T2 pretrain -> fine-tune: targets mapped by name, pretrained input statistics kept."""
    if pretrained is None:
        raise MissingCheckpointError("task t2-finetune needs a pretrained checkpoint (--pretrained DIR)")
    info = data.info
    base = load_model(pretrained, model_name)
    refuse_overrides_of_pretrained(base, overrides or {}, pretrained)
    chosen = resolve_targets(info.target_names, targets)
    shared = _shared(base, chosen)  # before select_targets re-points base in place
    model, stats = finetune_model(base, chosen, info.stats)
    frozen = transfer.freeze_parameters(model, args.freeze)
    train = align_to_model(data.splits["train"], model)
    notes = {"pretrained": str(pretrained), "frozen": frozen, "shared_targets": shared}
    return TaskPlan(
        model, train, data, args.finetune_learning_rate, args.finetune_batch_size, stats, notes=notes
    )


def refuse_freeze_without_pretrained(task: str, pretrained: Any, args: TrainingArguments) -> None:
    """Raise for ``freeze`` without pretrained weights: it acts only on them, so it would be recorded
    in ``run_config.json`` and not applied."""
    if args.freeze and pretrained is None:
        raise ValueError(
            f"freeze {args.freeze}: only a model grown from pretrained weights (t2-finetune, or "
            f"t2-adversarial with --pretrained) has parameters to keep fixed; task {task} has none"
        )


def refuse_overrides_of_pretrained(base: Any, overrides: dict, pretrained: Any) -> None:
    """Raise for a ``model_overrides`` value other than the pretrained model's (``base``, as loaded).

    Why: a model grown from pretrained weights keeps the pretrained architecture and dropout (its
    modules are built), so such a value never takes effect although ``run_config.json`` records it.
    Overrides equal to the pretrained config (the benchmark passes T0's own) are fine.
    """
    config = base.config
    differ = {k: v for k, v in overrides.items() if getattr(config, k, object()) != v}
    if differ:
        kept = {k: getattr(config, k, "(not a setting of the model)") for k in differ}
        raise ValueError(
            f"model_overrides {differ} differ from the pretrained checkpoint {pretrained} ({kept}): a model "
            "grown from pretrained weights keeps their architecture and dropout; train the pretrained "
            "model with them, or drop them"
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
        base = load_model(pretrained, model_name)
        refuse_overrides_of_pretrained(base, overrides, pretrained)
        model, stats = finetune_model(base, union, tgt.stats)
        frozen = transfer.freeze_parameters(model, args.freeze)
    else:
        frozen = []
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
        "frozen": frozen,
    }
    return TaskPlan(
        model, target_train, target_data, args.learning_rate, args.batch_size, stats, source_train, notes
    )


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


def observed_range(static: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(low, high) of each column of ``static`` [rows, columns] over its rows, NaN left out; NaN for a
    column never observed (or no rows)."""
    if not len(static):
        empty = torch.full(static.shape[1:], torch.nan, dtype=static.dtype)
        return empty, empty.clone()
    observed = ~torch.isnan(static)
    never = ~observed.any(0)
    low = torch.where(observed, static, torch.inf).amin(0).masked_fill(never, torch.nan)
    high = torch.where(observed, static, -torch.inf).amax(0).masked_fill(never, torch.nan)
    return low, high


def static_range(split: SplitTensors) -> dict[str, list[float]]:
    """``{name: [min, max]}`` of each static attribute over the split's sequences (NaN left out; an
    attribute the split never observes is left out)."""
    low, high = observed_range(split.static.double())
    return {
        name: [lo, hi]
        for name, lo, hi in zip(split.static_names, low.tolist(), high.tolist(), strict=True)
        if math.isfinite(lo) and math.isfinite(hi)
    }


def widened_bounds(*ranges: Mapping[str, Sequence[float]] | None) -> dict[str, list[float]]:
    """The union of several ``{name: [low, high]}`` ranges, per name."""
    merged: dict[str, list[float]] = {}
    for bounds in ranges:
        for name, (low, high) in (bounds or {}).items():
            old = merged.get(name, [low, high])
            merged[name] = [min(old[0], low), max(old[1], high)]
    return merged


def use_static_bounds(plan: TaskPlan, on: bool) -> None:
    """``TrainingArguments.bound_statics``: set the model's ``static_bounds`` to the range of the static
    attributes it trains on (both sides of an adversarial run), widening those a pretrained model brings.

    Why: a network multiplies a normalised attribute however far it lies from training; bounded, a new
    site enters at the edge of what training showed (README, the paper preset's spatial fold 1). The
    training data lie inside their own range, so bounding changes no training input; validation and test
    sites outside it are clipped. A pretrained model with bounds keeps bounding (widened) even when
    ``on`` is False: its weights were trained on bounded inputs.
    """
    config = plan.model.config
    if not (on or config.static_bounds):
        return
    sides = [plan.train] + ([plan.source_train] if plan.source_train is not None else [])
    bounds = widened_bounds(config.static_bounds, *(static_range(side) for side in sides))
    config.static_bounds = {n: bounds[n] for n in config.static_names if n in bounds} or None
    plan.model.scaler.refill(config)


def use_compiled_attention(model: Any, on: bool) -> None:
    """``TrainingArguments.compile_attention``: switch every module of ``model`` that offers a compiled
    attention (the Pyraformer's encoder) to it; the weights and what is computed stay the same."""
    for module in model.modules():
        if hasattr(module, "compile_attention"):
            module.compile_attention = on
