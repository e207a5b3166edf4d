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
    log_tensorboard: bool = True  # only when tensorboard is installed
    stop_after_steps: int | None = None  # test hook: stop like a killed process after N optimiser steps

    def __post_init__(self) -> None:
        self._check_positive("epochs", "batch_size", "eval_batch_size", "grad_accumulation")
        self._check_positive("finetune_batch_size", "keep_checkpoints", "discriminator_hidden")
        for name in ("learning_rate", "finetune_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"TrainingArguments.{name} must be > 0, got {getattr(self, name)!r}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"TrainingArguments.max_steps must be >= 1 or None, got {self.max_steps!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"TrainingArguments.lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}"
            )
        for name in NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise ValueError(f"TrainingArguments.{name} must be >= 0, got {getattr(self, name)!r}")
        if self.mixed_precision is not None and self.mixed_precision not in MIXED_PRECISION_CHOICES:
            raise ValueError(
                f"TrainingArguments.mixed_precision must be one of {MIXED_PRECISION_CHOICES}, "
                f"got {self.mixed_precision!r}"
            )
        if self.adversarial_schedule not in ("ganin", "constant"):
            raise ValueError(
                f"TrainingArguments.adversarial_schedule must be 'ganin' or 'constant', "
                f"got {self.adversarial_schedule!r}"
            )
        if self.max_grad_norm is not None and self.max_grad_norm <= 0:
            raise ValueError(f"TrainingArguments.max_grad_norm must be > 0 or None, got {self.max_grad_norm}")
        self.freeze = list(self.freeze)
        self.target_weights = {str(k): float(v) for k, v in self.target_weights.items()}

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
                raise ValueError(f"TrainingArguments.{name} must be >= 1, got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **overrides: Any) -> TrainingArguments:
        """A copy with ``overrides`` applied (``None`` values are ignored: "flag not given")."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"unknown training arguments {unknown}")
        return dataclasses.replace(self, **given)

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, origin: str = "arguments") -> TrainingArguments:
        """Build from a mapping; unknown keys name ``origin`` (the file) and the allowed keys."""
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValueError(f"{origin}: unknown training arguments {unknown}; allowed: {sorted(allowed)}")
        return cls(**values)

    @classmethod
    def from_file(cls, path: str | Path) -> TrainingArguments:
        """Read a YAML (``.yaml``/``.yml``) or JSON file holding one mapping of field -> value."""
        from agroflux_hf.errors import DataFileError

        path = Path(path)
        if not path.is_file():
            raise DataFileError(path, "training arguments file does not exist")
        text = path.read_text()
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                values = yaml.safe_load(text) or {}
            else:
                values = json.loads(text)
        except Exception as err:  # parse errors of either format
            raise DataFileError(path, f"cannot parse training arguments: {err}") from err
        if not isinstance(values, dict):
            raise DataFileError(path, f"expected a mapping of argument -> value, got {type(values).__name__}")
        try:
            return cls.from_dict(values, origin=str(path))
        except (TypeError, ValueError) as err:
            raise DataFileError(path, str(err)) from err
