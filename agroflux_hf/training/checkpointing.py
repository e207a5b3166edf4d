"""Files of a training run: the resumable state, the best model, the per-epoch logs.

Why a module: resuming must be exact and a killed run must never leave half a file, so every
write here goes through :mod:`agroflux_hf.files` (temporary file or folder, then rename), and the
state a resumed run needs besides Accelerate's own (weights, optimiser, RNG) is one dataclass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agroflux_hf.errors import IncompatibleCheckpointError
from agroflux_hf.files import atomic_write_text, dumps_json, json_safe, save_directory_atomically, write_json
from agroflux_hf.training.arguments import NOT_COMPARED_ON_RESUME, without_new_defaults

logger = logging.getLogger(__name__)

STATE_FILE = "trainer_state.json"


@dataclass
class TrainerState:
    """Everything besides weights/optimiser/RNG that a resumed run needs (saved as JSON)."""

    epoch: int = 0  # epoch in progress (or next to start)
    batches_in_epoch: int = 0
    global_step: int = 0  # optimiser steps
    best_val_loss: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0  # validations since the best one (early stopping's count)
    best_step: int | None = None
    stopped_early: bool = False  # the patience ran out before the budget
    finished: bool = False
    saves: int = 0
    running: dict[str, float] = field(default_factory=dict)  # sums over the epoch in progress
    history: list[dict] = field(default_factory=list)


def write_history(output_dir: Path, history: list[dict]) -> None:
    """log.jsonl and log.csv rewritten whole from the history (so a resumed run has no stale lines)."""
    lines = "".join(dumps_json(entry, indent=None) for entry in history)
    atomic_write_text(output_dir / "log.jsonl", lines)
    columns = list(dict.fromkeys(k for entry in history for k in entry))
    rows = [",".join(columns)]
    rows += [",".join("" if e.get(c) is None else str(e.get(c)) for c in columns) for e in history]
    atomic_write_text(output_dir / "log.csv", "\n".join(rows) + "\n")


def latest_checkpoint(output_dir: Path) -> Path | None:
    """The newest complete resumable state in ``OUT/checkpoints`` (one with its JSON state), if any."""
    folder = output_dir / "checkpoints"
    found = sorted(p for p in folder.glob("ckpt_*") if (p / STATE_FILE).is_file()) if folder.is_dir() else []
    return found[-1] if found else None


def save_model(acc: Any, model: Any, folder: Path) -> None:
    """``save_pretrained`` into a temporary folder, then swap it in (main process only)."""
    acc.wait_for_everyone()
    if acc.is_main_process:
        save_directory_atomically(folder, model.save_pretrained)
    acc.wait_for_everyone()


def save_state(acc: Any, output_dir: Path, state: TrainerState, keep: int) -> None:
    """``accelerator.save_state`` (weights, optimiser, RNG of every process) plus the loop's JSON state."""
    state.saves += 1
    folder = output_dir / "checkpoints" / f"ckpt_{state.saves:06d}"
    acc.wait_for_everyone()
    acc.save_state(str(folder))
    if acc.is_main_process:
        write_json(folder / STATE_FILE, asdict(state))
        older = sorted((output_dir / "checkpoints").glob("ckpt_*"))[:-keep]
        for stale in older:
            shutil.rmtree(stale, ignore_errors=True)
    acc.wait_for_everyone()


def restore_state(acc: Any, output_dir: Path) -> TrainerState:
    """Load the newest resumable state into the prepared objects; a fresh state when there is none."""
    folder = latest_checkpoint(output_dir)
    if folder is None:
        if acc.is_main_process:
            logger.warning(
                "%s: nothing to resume (no checkpoint yet); starting from the beginning", output_dir
            )
        return TrainerState()
    acc.load_state(str(folder))
    values = json.loads((folder / STATE_FILE).read_text())
    # the JSON state writes a NaN or infinite sum (a diverged batch) as null: read it back as NaN
    values["running"] = {k: math.nan if v is None else v for k, v in values.get("running", {}).items()}
    if acc.is_main_process:
        logger.info("resuming from %s (epoch %d, step %d)", folder, values["epoch"], values["global_step"])
    return TrainerState(**values)


def weights_fingerprint(folder: str | Path | None) -> str | None:
    """sha256 (16 hex) of the weight files of a saved model folder; None for no folder (a Hub id).

    Why: a T2 run resumes on top of the T0 model it started from; a T0 trained again under the same
    path is other weights, and the resumed run must not silently continue from the old ones.
    """
    if folder is None or not Path(folder).is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(Path(folder).glob("*.safetensors")) + sorted(Path(folder).glob("*.bin")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def started_from_other_weights(saved: dict, fingerprint: str | None) -> bool:
    """Whether a run whose saved ``run_config.json`` is ``saved`` grew from other pretrained weights than
    those of ``fingerprint`` (:func:`weights_fingerprint`); a run saved before fingerprints were recorded
    cannot tell, and says no."""
    recorded = saved.get("pretrained_fingerprint")
    return recorded is not None and recorded != fingerprint


def check_resumable(output_dir: Path, run_config: dict) -> None:
    """A resumed run must be the same run: same task, model, data and settings (bar the stop hook), and
    the same pretrained weights where the checkpoint recorded them (runs saved before that did not).
    Where both sides hold the weights' fingerprint, the pretrained model's path is not compared: a
    benchmark folder copied to another machine or folder (the paper preset's committed runs) resumes
    from the same weights at their new path."""
    saved_file = output_dir / "run_config.json"
    if not saved_file.is_file():
        return
    saved = json.loads(saved_file.read_text())
    keys = ("task", "model_name", "config", "source_config", "pretrained", "targets", "model_overrides")
    if saved.get("pretrained_fingerprint") and run_config.get("pretrained_fingerprint"):
        keys = tuple(key for key in keys if key != "pretrained")  # the fingerprints are compared below
    for key in (*keys, "data_fingerprints"):
        if saved.get(key) != json_safe(run_config[key]):
            raise IncompatibleCheckpointError(
                f"{saved_file}: cannot resume, {key} was {saved.get(key)!r}, now {run_config[key]!r}"
            )
    if started_from_other_weights(saved, run_config.get("pretrained_fingerprint")):
        raise IncompatibleCheckpointError(
            f"{saved_file}: cannot resume, the pretrained model {run_config.get('pretrained')} holds other "
            "weights than when this run started (trained again?); start the run over (delete its folder "
            "or pass --restart)"
        )
    ignored = NOT_COMPARED_ON_RESUME
    before = {k: v for k, v in saved.get("training_arguments", {}).items() if k not in ignored}
    now = {k: v for k, v in json_safe(run_config["training_arguments"]).items() if k not in ignored}
    now = without_new_defaults(now, before)
    if before != now:
        changed = sorted(k for k in now if before.get(k) != now[k])
        raise IncompatibleCheckpointError(
            f"{saved_file}: cannot resume, training arguments changed: {changed}"
        )
