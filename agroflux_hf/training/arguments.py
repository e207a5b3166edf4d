"""Training settings: one typed dataclass, loadable from YAML/JSON, overridable by command-line flags.

Unknown keys are an error (a typo in a run file must not silently fall back to a default), and every
field is checked once in ``__post_init__`` so a bad value fails before any data is loaded.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agroflux_hf.errors import AgroFluxError
from agroflux_hf.schema import REPORT_TO_CHOICES, RUN_FILE_KEYS

MIXED_PRECISION_CHOICES = ("no", "bf16", "fp16")
LR_SCHEDULES = ("constant", "cosine")
NON_NEGATIVE = (
    "patience",
    "save_every_steps",
    "num_workers",
    "target_batch_size",
    "eval_every_steps",
    "warmup_steps",
)

SPEED_ONLY: frozenset[str] = frozenset({"compile_attention"})
"""Settings that change how fast a run trains, not its arithmetic beyond float rounding: not compared on
resume (they are in :data:`NOT_COMPARED_ON_RESUME`) and not part of a benchmark run's recorded settings."""


NOT_COMPARED_ON_RESUME: frozenset[str] = frozenset(
    {
        "stop_after_steps",
        "report_to",
        "log_tensorboard",
        "num_processes",
        "push_to_hub",
        "hub_model_id",
        "hub_private_repo",
    }
    | SPEED_ONLY
)
"""Settings that do not change what is trained: a resumed run may differ in them (and older runs lack them)."""


def without_new_defaults(arguments: dict, recorded: dict) -> dict:
    """``arguments`` (a ``TrainingArguments.to_dict()``, JSON-normalised) without the fields ``recorded``
    lacks that hold their default: a field added to TrainingArguments since a run was recorded, left at
    its default, is no change to that run."""
    defaults = json.loads(json.dumps(TrainingArguments().to_dict()))
    return {k: v for k, v in arguments.items() if k in recorded or k not in defaults or defaults[k] != v}


class ArgumentError(AgroFluxError, ValueError):
    """A training argument has an impossible value (the command line prints it as one line)."""


@dataclass
class TrainingArguments:
    """Everything that shapes one training run, apart from the task, model and data.

    Defaults follow the paper's T0 set-up (Adam 1e-3, batch 256, 10 epochs); the fine-tune fields
    carry the paper's T2 set-up (Adam 1e-4, batch 2, patience 5).
    """

    epochs: int = 10  # the budget when max_steps is None (kept for run files written before max_steps)
    # Budget in optimiser steps: when set it replaces epochs (the data is cycled epoch after epoch), so
    # a budget means the same amount of training whatever the size of the training split.
    max_steps: int | None = None
    # Validate (and keep the best model, count patience) every N optimiser steps; 0 = at epoch ends.
    eval_every_steps: int = 0
    lr_schedule: str = "constant"  # "constant" or "cosine" (linear warm-up, then cosine decay to 0)
    warmup_steps: int = 0  # linear warm-up of the cosine schedule, in optimiser steps
    batch_size: int = 256  # sequences per optimiser step, summed over processes (global batch)
    eval_batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    # validations (epoch ends, or every eval_every_steps) without a better validation loss before
    # stopping; 0 = never stop early
    patience: int = 5
    min_delta: float = 0.0  # an improvement must beat the best validation loss by more than this
    seed: int = 42
    grad_accumulation: int = 1
    max_grad_norm: float | None = 1.0  # None = no clipping
    # "no", "bf16" or "fp16" (fp16 needs a GPU); None = what `accelerate launch --mixed_precision`,
    # `accelerate config` or ACCELERATE_MIXED_PRECISION say, else "no" (a default never overrides them)
    mixed_precision: str | None = None
    save_every_steps: int = 0  # accelerator.save_state every N optimiser steps; 0 = only at epoch ends
    keep_checkpoints: int = 2  # newest resumable states kept in OUT/checkpoints
    num_workers: int = 0  # DataLoader workers; 0 is fastest for in-memory tensors
    # pretrain -> fine-tune (T2): the paper's Adam 1e-4, batch 2, patience 5
    finetune_learning_rate: float = 1e-4
    finetune_batch_size: int = 2
    freeze: list[str] = field(default_factory=list)  # parameter-name prefixes kept fixed in fine-tuning
    # adversarial adaptation (T2, DANN): lambda_p = adversarial_weight * (2 / (1 + exp(-gamma p)) - 1)
    adversarial_weight: float = 1.0
    adversarial_gamma: float = 10.0
    adversarial_schedule: str = "ganin"  # "ganin" (the schedule above) or "constant" (lambda = weight)
    discriminator_hidden: int = 32
    target_batch_size: int = 0  # observation sequences per adversarial step; 0 = same as batch_size
    target_weights: dict[str, float] = field(default_factory=dict)  # per-target loss weights, default 1
    log_tensorboard: bool = True  # report_to "auto": tensorboard when installed
    # experiment trackers (Accelerate's log_with): "auto", "none", "all" or tracker names (TRACKERS);
    # a named tracker that is not installed is an error, "auto" and "all" take what is installed
    report_to: list[str] | str = "auto"
    num_processes: int | None = None  # processes the run is meant to have: a warning if the launch differs
    # after training: write the model card and publish best_model/ to the Hub model repo hub_model_id
    push_to_hub: bool = False
    hub_model_id: str | None = None  # ORG/NAME
    hub_private_repo: bool | None = None  # None = the account's default visibility
    # compile the parts that gain from torch.compile (today: the Pyraformer's sparse attention, 1.5x a
    # step on CPU; the other architectures ran no faster compiled); the first step compiles for ~1 min
    compile_attention: bool = False
    # clip each static attribute of the model to the range of its training data (config.static_bounds), so
    # a site far outside the training sites does not blow up a network's predictions (README, the paper
    # preset's spatial T0 fold 1); T2 widens a pretrained model's bounds by its new training data
    bound_statics: bool = False
    stop_after_steps: int | None = None  # test hook: stop like a killed process after N optimiser steps

    def __post_init__(self) -> None:
        self._check_positive("epochs", "batch_size", "eval_batch_size", "grad_accumulation")
        self._check_positive("finetune_batch_size", "keep_checkpoints", "discriminator_hidden")
        for name in ("learning_rate", "finetune_learning_rate"):
            if not getattr(self, name) > 0:
                raise ArgumentError(f"TrainingArguments.{name} must be > 0, got {getattr(self, name)!r}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ArgumentError(f"TrainingArguments.max_steps must be >= 1 or None, got {self.max_steps!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ArgumentError(
                f"TrainingArguments.lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}"
            )
        for name in NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise ArgumentError(f"TrainingArguments.{name} must be >= 0, got {getattr(self, name)!r}")
        if self.mixed_precision is not None and self.mixed_precision not in MIXED_PRECISION_CHOICES:
            raise ArgumentError(
                f"TrainingArguments.mixed_precision must be one of {MIXED_PRECISION_CHOICES}, "
                f"got {self.mixed_precision!r}"
            )
        if self.adversarial_schedule not in ("ganin", "constant"):
            raise ArgumentError(
                f"TrainingArguments.adversarial_schedule must be 'ganin' or 'constant', "
                f"got {self.adversarial_schedule!r}"
            )
        if self.max_grad_norm is not None and self.max_grad_norm <= 0:
            raise ArgumentError(
                f"TrainingArguments.max_grad_norm must be > 0 or None, got {self.max_grad_norm}"
            )
        self.report_to = self._checked_report_to(self.report_to)
        if self.num_processes is not None and self.num_processes < 1:
            raise ArgumentError(f"TrainingArguments.num_processes must be >= 1, got {self.num_processes!r}")
        if self.push_to_hub and not self.hub_model_id:
            raise ArgumentError(
                "TrainingArguments.push_to_hub needs hub_model_id (ORG/NAME of the model repo)"
            )
        self.freeze = list(self.freeze)
        self.target_weights = {str(k): float(v) for k, v in self.target_weights.items()}

    @staticmethod
    def _checked_report_to(value: list[str] | str) -> list[str]:
        """``report_to`` as a list of known names; ``auto``/``none``/``all`` only on their own."""
        names = [value] if isinstance(value, str) else list(value)
        unknown = [n for n in names if n not in REPORT_TO_CHOICES]
        if unknown or not names:
            raise ArgumentError(
                f"TrainingArguments.report_to: unknown tracker(s) {unknown}; choose from {list(REPORT_TO_CHOICES)}"
            )
        alone = [n for n in names if n in ("auto", "none", "all")]
        if alone and len(names) > 1:
            raise ArgumentError(f"TrainingArguments.report_to: {alone[0]!r} cannot be combined with {names}")
        return names

    def total_steps(self, steps_per_epoch: int) -> int:
        """The run's optimiser-step budget: ``max_steps``, else ``epochs`` of ``steps_per_epoch``."""
        return self.max_steps if self.max_steps is not None else max(1, self.epochs * steps_per_epoch)

    def learning_rate_factor(self, step: int, total_steps: int) -> float:
        """Multiplier of the learning rate at optimiser step ``step`` (0-based) of ``total_steps``.

        Cosine: linear warm-up over ``warmup_steps``, then half a cosine down to 0 at the budget's end,
        so a short budget still ends with small steps near the minimum it found.
        """
        if self.lr_schedule == "constant":
            return 1.0
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        span = max(1, total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / span)
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    def _check_positive(self, *names: str) -> None:
        for name in names:
            if getattr(self, name) < 1:
                raise ArgumentError(f"TrainingArguments.{name} must be >= 1, got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **overrides: Any) -> TrainingArguments:
        """A copy with ``overrides`` applied (``None`` values are ignored: "flag not given")."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ArgumentError(f"unknown training arguments {unknown}")
        return dataclasses.replace(self, **given)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, origin: str = "arguments") -> TrainingArguments:
        """Build from a mapping; unknown keys name ``origin`` (the file) and the allowed keys."""
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ArgumentError(f"{origin}: unknown training arguments {unknown}; allowed: {sorted(allowed)}")
        return cls(**values)

    @classmethod
    def from_file(cls, path: str | Path) -> TrainingArguments:
        """Read a YAML (``.yaml``/``.yml``) or JSON file holding one mapping of field -> value."""
        from agroflux_hf.errors import DataFileError

        values = read_mapping(path, "training arguments")
        try:
            return cls.from_dict(values, origin=str(path))
        except (TypeError, ValueError) as err:
            raise DataFileError(path, str(err)) from err


def read_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """One mapping from a YAML (``.yaml``/``.yml``) or JSON file; ``DataFileError`` naming the file."""
    from agroflux_hf.errors import DataFileError

    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, f"{what} file does not exist")
    text = path.read_text()
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            values = yaml.safe_load(text) or {}
        else:
            values = json.loads(text)
    except Exception as err:  # parse errors of either format
        raise DataFileError(path, f"cannot parse {what}: {err}") from err
    if not isinstance(values, dict):
        raise DataFileError(path, f"expected a mapping of {what} -> value, got {type(values).__name__}")
    return values


def read_run_file(path: str | Path) -> dict[str, Any]:
    """A whole training run from one YAML/JSON file, checked: unknown keys, a non-mapping
    ``model_overrides`` and invalid ``training_arguments`` are ``DataFileError`` naming the file.

    Example (``run.yaml``)::

        task: t1
        model: lstm
        config: temporal_co2
        output_dir: runs/t1
        model_overrides: {hidden_size: 32}
        training_arguments: {epochs: 20, learning_rate: 0.001, report_to: none}
    """
    from agroflux_hf.errors import DataFileError

    values = read_mapping(path, "run")
    unknown = sorted(set(values) - set(RUN_FILE_KEYS))
    if unknown:
        raise DataFileError(path, f"unknown run file keys {unknown}; allowed: {list(RUN_FILE_KEYS)}")
    for key in ("model_overrides", "training_arguments"):
        if not isinstance(values.get(key) or {}, dict):
            raise DataFileError(path, f"{key} must be a mapping, got {type(values[key]).__name__}")
    targets = values.get("targets")
    if targets is not None and not (
        isinstance(targets, str) or (isinstance(targets, list) and all(isinstance(x, str) for x in targets))
    ):
        raise DataFileError(path, f"targets must be a name or a list of names, got {targets!r}")
    try:
        TrainingArguments.from_dict(values.get("training_arguments") or {}, origin="training_arguments")
    except (TypeError, ValueError) as err:
        raise DataFileError(path, str(err)) from err
    return values
