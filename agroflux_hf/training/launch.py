"""What the launch gives a run: its trackers (``report_to``), its hyperparameters for them, and a
check that the process count is the one asked for.

Why apart from the loop: these read the environment (installed packages, launcher variables,
``accelerate config``), not the model or data, and each rule is easier to test on its own.

* ``report_to`` -> Accelerate's ``log_with``: ``auto`` keeps the old behaviour (tensorboard when it is
  installed and ``log_tensorboard``), ``none`` logs nowhere, ``all`` every tracker that is installed,
  a list of names exactly those; a named tracker that is not installed is a
  :class:`TrackerUnavailableError` before anything is trained, never a silent run without it.
* The process count: ``accelerate launch`` and ``torchrun`` start the processes, the run only finds
  out how many it got. It warns when that differs from ``TrainingArguments.num_processes``, from the
  ``WORLD_SIZE`` that torchrun and multi-process ``accelerate launch`` set (or an
  ``ACCELERATE_NUM_PROCESSES`` a job script sets), or from the ``num_processes`` of the
  default ``accelerate config`` file when the run was started with plain ``python`` (which reads no
  config file), so a run meant for 4 processes does not silently train on 1.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agroflux_hf.errors import AgroFluxError
from agroflux_hf.schema import TRACKERS
from agroflux_hf.training.arguments import TrainingArguments

logger = logging.getLogger(__name__)


class TrackerUnavailableError(AgroFluxError, ValueError):
    """``report_to`` names a tracker whose package is not installed."""


def is_tracker_installed(name: str) -> bool:
    """True when Accelerate finds tracker ``name``'s package (its own ``is_<name>_available`` check)."""
    import accelerate.utils

    check = getattr(accelerate.utils, f"is_{name}_available", None)
    return bool(check()) if check is not None else importlib.util.find_spec(name) is not None


def log_with(args: TrainingArguments) -> list[str] | None:
    """Accelerate's ``log_with`` for ``args.report_to`` (None = no tracker); see the module docstring."""
    asked = list(args.report_to)
    if asked == ["none"]:
        return None
    if asked == ["auto"]:
        return ["tensorboard"] if args.log_tensorboard and is_tracker_installed("tensorboard") else None
    if asked == ["all"]:
        found = [name for name in TRACKERS if is_tracker_installed(name)]
        if not found:
            logger.info("report_to all: no experiment tracker is installed; logging to log.jsonl only")
        return found or None
    missing = [name for name in asked if not is_tracker_installed(name)]
    if missing:
        installed = [name for name in TRACKERS if is_tracker_installed(name)]
        raise TrackerUnavailableError(
            f"report_to asks for {missing}, not installed (pip install {' '.join(missing)}); "
            f"installed trackers: {installed or 'none'}; use --report-to none to log to log.jsonl only"
        )
    return asked


def tracker_config(values: Mapping[str, Any], prefix: str = "") -> dict[str, int | float | str | bool]:
    """``values`` flattened to the scalars every tracker takes as hyperparameters (tensorboard's
    ``add_hparams`` refuses lists, dicts and None): nested keys joined by ``/``, lists as JSON text,
    None as ``"None"``."""
    flat: dict[str, int | float | str | bool] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= tracker_config(value, f"{name}/")
        elif isinstance(value, bool | int | float | str):
            flat[name] = value
        elif value is None:
            flat[name] = "None"
        else:
            flat[name] = json.dumps(value, default=str)
    return flat


def _environment_count(env: Mapping[str, str]) -> tuple[str, int] | None:
    for variable in ("WORLD_SIZE", "ACCELERATE_NUM_PROCESSES"):
        text = env.get(variable)
        if text and text.strip().isdigit():
            return variable, int(text)
    return None


def _accelerate_config_count() -> tuple[str, int] | None:
    """``num_processes`` of the default ``accelerate config`` file, when there is one."""
    try:
        from accelerate.commands.config import default_config_file
    except ImportError:  # an accelerate without the config command
        return None
    path = Path(default_config_file)
    if not path.is_file():
        return None
    try:
        import yaml

        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        count = int(values.get("num_processes") or 0)
    except (OSError, ValueError, TypeError, yaml.YAMLError):
        return None
    return (str(path), count) if count > 0 else None


def process_count_warnings(
    num_processes: int, args: TrainingArguments, env: Mapping[str, str] | None = None
) -> list[str]:
    """Why ``num_processes`` (the Accelerator's) may not be what was asked; empty when nothing disagrees."""
    env = os.environ if env is None else env
    found = []
    if args.num_processes is not None and args.num_processes != num_processes:
        found.append(
            f"num_processes {args.num_processes} was asked but the run has {num_processes} process(es); "
            "start it with `accelerate launch --num_processes N` or `torchrun --nproc_per_node N`"
        )
    launcher = _environment_count(env)
    if launcher is not None and launcher[1] != num_processes:
        found.append(
            f"{launcher[0]}={launcher[1]} but the Accelerator has {num_processes} process(es) "
            "(is the process group initialised, e.g. ACCELERATE_USE_CPU=1 on a machine without GPUs?)"
        )
    if launcher is None and num_processes == 1 and args.num_processes is None:
        configured = _accelerate_config_count()
        if configured is not None and configured[1] > 1:
            found.append(
                f"{configured[0]} sets num_processes {configured[1]}, but this run was not started by "
                "`accelerate launch` and has 1 process (plain python reads no accelerate config)"
            )
    return found


def warn_on_process_count(accelerator: Any, args: TrainingArguments) -> None:
    """Log every :func:`process_count_warnings` once, from the main process."""
    if not accelerator.is_main_process:
        return
    for message in process_count_warnings(accelerator.num_processes, args):
        logger.warning(message)


def hyperparameters(run_config: Mapping[str, Any]) -> dict[str, int | float | str | bool]:
    """What ``init_trackers`` records: the run's settings (``run_config.json`` without the statistics,
    which are data, not settings), flattened by :func:`tracker_config`."""
    settings = {k: v for k, v in run_config.items() if k != "stats"}
    if isinstance(settings.get("model_config"), Mapping):
        settings["model_config"] = {k: v for k, v in settings["model_config"].items() if k != "stats"}
    return tracker_config(settings)
