"""``agroflux train``: one training run (tasks t0, t1, t2-finetune, t2-adversarial).

Examples::

    agroflux train --task t0 --model lstm --config temporal_dssat_ceres_maize --output-dir runs/t0 --epochs 10
    agroflux train --task t2-finetune --model lstm --config temporal_co2 --pretrained runs/t0/best_model \\
        --output-dir runs/t2
    agroflux train --task t2-finetune --model lstm --config temporal_co2 \\
        --pretrained ORG/agroflux-lstm-temporal_dssat_ceres_maize --output-dir runs/t2
    ACCELERATE_USE_CPU=1 torchrun --nproc_per_node 2 -m agroflux_hf.cli train --task t1 ...

    agroflux train --run-file run.yaml --epochs 3      # the whole run from one file, a flag overrides it
    agroflux train ... --report-to wandb --push-to-hub --hub-model-id ORG/agroflux-lstm-co2

Settings come from ``TrainingArguments`` defaults, then the run file's ``training_arguments``, then
``--args-file`` (YAML/JSON), then flags. A run file (``training.arguments.read_run_file``) holds any
of the flags by name (``task``, ``model``, ``config``, ``data_dir``, ``output_dir``, ...); a flag given
on the command line wins over it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
from typing import Any

from agroflux_hf.benchmark.presets import NETWORK_MODELS
from agroflux_hf.schema import REPORT_TO_CHOICES, RUN_FILE_KEYS, TASKS

RUN_FIELDS: tuple[str, ...] = tuple(
    key for key in RUN_FILE_KEYS if key not in ("model_overrides", "resume", "training_arguments")
)
"""Flags a run file may also give (under the same names, ``_`` for ``-``); a given flag wins."""
REQUIRED_FIELDS: tuple[str, ...] = ("task", "model", "config", "output_dir")

# flag -> TrainingArguments field; a flag not given leaves the field as the file or default has it
ARGUMENT_FLAGS: dict[str, tuple[type, str]] = {
    "epochs": (int, "epochs (the budget unless --max-steps is given)"),
    "max_steps": (int, "budget in optimiser steps; replaces --epochs"),
    "eval_every_steps": (int, "validate every N optimiser steps (0 = at epoch ends)"),
    "lr_schedule": (str, "constant or cosine (warm-up, then cosine decay to 0)"),
    "warmup_steps": (int, "linear warm-up steps of the cosine schedule"),
    "batch_size": (int, "global batch size (sequences per optimiser step over all processes)"),
    "eval_batch_size": (int, "batch size of evaluation"),
    "learning_rate": (float, "learning rate (for t2-finetune also the fine-tune rate unless given)"),
    "weight_decay": (float, "AdamW weight decay"),
    "patience": (int, "early-stopping patience in validations (0 = off)"),
    "seed": (int, "random seed"),
    "grad_accumulation": (int, "gradient accumulation steps"),
    "max_grad_norm": (float, "gradient clipping norm"),
    "mixed_precision": (str, "no, bf16 or fp16 (default: what accelerate launch or accelerate config say)"),
    "save_every_steps": (int, "accelerator.save_state every N optimiser steps (0 = epoch ends only)"),
    "num_workers": (int, "DataLoader workers"),
    "finetune_learning_rate": (float, "t2-finetune learning rate (paper 1e-4)"),
    "finetune_batch_size": (int, "t2-finetune batch size (paper 2)"),
    "adversarial_weight": (float, "t2-adversarial: maximum reversal weight lambda"),
    "adversarial_schedule": (str, "t2-adversarial: ganin or constant"),
    "target_batch_size": (int, "t2-adversarial: observation sequences per step (0 = batch size)"),
    "stop_after_steps": (int, "stop after N optimiser steps as if killed (for testing --resume)"),
    "num_processes": (int, "processes the run is meant to have: a warning when the launch gives another"),
    "hub_model_id": (str, "--push-to-hub: ORG/NAME of the Hub model repo"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` to the top-level ``agroflux`` command."""
    train = subparsers.add_parser("train", help="train a model (tasks t0, t1, t2-finetune, t2-adversarial)")
    train.add_argument(
        "--run-file", type=Path, default=None, help="YAML or JSON file describing the whole run"
    )
    train.add_argument("--task", choices=TASKS, help="required (here or in --run-file)")
    train.add_argument(
        "--model", choices=NETWORK_MODELS, help="architecture; required (here or in --run-file)"
    )
    train.add_argument(
        "--config", help="dataset config (observation config for T2); required (or --run-file)"
    )
    train.add_argument(
        "--data-dir",
        default=None,
        help="dataset folder or Hub dataset repo ORG/NAME[@REVISION] (default: the embedded AgroFlux-mini); also the --source-config data",
    )
    train.add_argument("--output-dir", type=Path, help="required (here or in --run-file)")
    train.add_argument(
        "--pretrained",
        default=None,
        help="t2-finetune: a T0 checkpoint, a best_model/ folder or a Hub model repo id ORG/NAME[@REVISION]",
    )
    train.add_argument(
        "--pretrained-revision", default=None, help="Hub revision of --pretrained (branch, tag or commit)"
    )
    train.add_argument("--source-config", default=None, help="t2-adversarial: the simulation config")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints")
    train.add_argument("--targets", nargs="+", default=None, help="target names or one module (e.g. Carbon)")
    train.add_argument("--args-file", type=Path, default=None, help="YAML or JSON TrainingArguments")
    train.add_argument("--freeze", nargs="+", default=None, help="t2-finetune: parameter prefixes to freeze")
    train.add_argument(
        "--model-override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model config field (JSON value)",
    )
    for name, (kind, text) in ARGUMENT_FLAGS.items():
        train.add_argument("--" + name.replace("_", "-"), type=kind, default=None, help=text)
    train.add_argument(
        "--report-to",
        nargs="+",
        choices=REPORT_TO_CHOICES,
        default=None,
        help="experiment trackers (Accelerate log_with); auto = tensorboard when installed",
    )
    train.add_argument(
        "--push-to-hub",
        action="store_true",
        default=None,
        help="after training, write the model card and publish best_model/ to --hub-model-id",
    )
    train.add_argument(
        "--hub-private-repo",
        action="store_true",
        default=None,
        help="--push-to-hub: create the repo as private (default: the account's default visibility)",
    )
    train.add_argument(
        "--compile-attention",
        action="store_true",
        default=None,
        help="torch.compile the Pyraformer's sparse attention (1.5x a step on CPU; ~1 min to compile)",
    )
    train.add_argument(
        "--bound-statics",
        action="store_true",
        default=None,
        help="clip each static attribute to the range of the training data (config.static_bounds), so a "
        "site far outside the training sites enters at the edge of that range",
    )
    train.set_defaults(func=run)


def training_arguments(ns: argparse.Namespace, from_run_file: dict | None = None) -> Any:
    """Defaults, then the run file's ``training_arguments``, then the args file, then the given flags."""
    from agroflux_hf.training.arguments import TrainingArguments, read_mapping

    values = dict(from_run_file or {})
    if ns.args_file:
        TrainingArguments.from_file(ns.args_file)  # its own errors name its own file
        values |= read_mapping(ns.args_file, "training arguments")
    args = TrainingArguments.from_dict(values, origin="training arguments")
    given = {name: getattr(ns, name) for name in ARGUMENT_FLAGS if getattr(ns, name) is not None}
    for name in ("report_to", "push_to_hub", "hub_private_repo", "compile_attention", "bound_statics"):
        if getattr(ns, name, None) is not None:
            given[name] = getattr(ns, name)
    if ns.task == "t2-finetune":
        if "learning_rate" in given:
            given.setdefault("finetune_learning_rate", given["learning_rate"])
        if "batch_size" in given:
            given.setdefault("finetune_batch_size", given["batch_size"])
    if ns.freeze:
        given["freeze"] = list(ns.freeze)
    return args.replace(**given)


PYTHON_LITERALS: dict[str, object] = {"True": True, "False": False, "None": None}
"""Python's spellings of JSON's true/false/null: ``causal=False`` means the bool, not the text "False"."""


def parse_overrides(items: list[str]) -> dict:
    """``KEY=VALUE`` items -> {key: JSON value (or Python's True/False/None), or the text otherwise}; the
    model config checks each value's type."""
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--model-override expects KEY=VALUE, got {item!r}")
        if value in PYTHON_LITERALS:
            overrides[key] = PYTHON_LITERALS[value]
            continue
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def pretrained_reference(ns: argparse.Namespace) -> str | None:
    """``--pretrained`` with ``--pretrained-revision`` folded in as ``ORG/NAME@REVISION`` (what run_config.json records)."""
    if ns.pretrained_revision and not ns.pretrained:
        raise SystemExit("--pretrained-revision needs --pretrained ORG/NAME")
    if ns.pretrained_revision:
        return f"{ns.pretrained}@{ns.pretrained_revision}"
    return ns.pretrained


def apply_run_file(ns: argparse.Namespace) -> tuple[dict, dict]:
    """Fill the flags not given from ``--run-file``; return its ``model_overrides`` and
    ``training_arguments``. A run without task, model, config or output folder is a one-line error."""
    from agroflux_hf.errors import DataFileError, UnknownNameError
    from agroflux_hf.training.arguments import read_run_file

    values = read_run_file(ns.run_file) if ns.run_file else {}
    for field in RUN_FIELDS:
        if getattr(ns, field, None) is None and values.get(field) is not None:
            setattr(ns, field, values[field])
    if isinstance(ns.targets, str):
        ns.targets = [ns.targets]
    if ns.output_dir is not None:
        ns.output_dir = Path(ns.output_dir)
    ns.resume = bool(ns.resume or values.get("resume", False))
    for field, choices in (("task", TASKS), ("model", NETWORK_MODELS)):
        if getattr(ns, field) is not None and getattr(ns, field) not in choices:
            raise UnknownNameError(
                f"{ns.run_file}: {field} {getattr(ns, field)!r}; choose one of {list(choices)}"
            )
    missing = [f"--{f.replace('_', '-')}" for f in REQUIRED_FIELDS if getattr(ns, f, None) is None]
    if missing:
        where = f"{ns.run_file}" if ns.run_file else "the command line"
        raise DataFileError(where, f"missing {missing} (give the flags or put them in --run-file)")
    return values.get("model_overrides") or {}, values.get("training_arguments") or {}


def run(ns: argparse.Namespace) -> int:
    """Train, then print the output folders (once, from the main process under torchrun)."""
    from agroflux_hf.training.loop import train

    if not getattr(ns, "verbose", False):  # accelerate logs every checkpoint file at INFO
        logging.getLogger("accelerate").setLevel(logging.WARNING)

    file_overrides, file_arguments = apply_run_file(ns)
    targets = ns.targets[0] if ns.targets and len(ns.targets) == 1 else ns.targets
    result = train(
        ns.task,
        ns.model,
        ns.config,
        output_dir=ns.output_dir,
        data_dir=ns.data_dir,
        args=training_arguments(ns, file_arguments),
        pretrained=pretrained_reference(ns),
        source_config=ns.source_config,
        resume=ns.resume,
        model_overrides={**file_overrides, **parse_overrides(ns.model_override)},
        targets=targets,
    )
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun: one report, from the main process
        return 0
    if result.interrupted:
        print(f"stopped after {result.history[-1]['global_step'] if result.history else '?'} steps as asked")
        return 0
    report = {"output_dir": str(result.output_dir), "best_model": str(result.best_model_dir)}
    if result.hub_url:
        report["hub_commit"] = result.hub_url
    print(json.dumps(report))
    return 0
