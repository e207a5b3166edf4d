"""Baseline checkpoints shipped with the package, trained on the embedded AgroFlux-mini.

Each folder is a ``save_pretrained`` folder (config.json, model.safetensors, README.md model card),
made by ``python scripts/train_default_checkpoints.py``; ``AutoModel.from_pretrained(checkpoint_path("lstm"))``
loads one after ``import agroflux_hf``.
"""

from __future__ import annotations

from pathlib import Path

CHECKPOINT_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = "temporal_co2"


def available_checkpoints() -> list[str]:
    """Names of the shipped checkpoints, ``<arch>-<config>``."""
    return sorted(p.name for p in CHECKPOINT_DIR.iterdir() if (p / "config.json").is_file())


def checkpoint_path(model_name: str, config: str = DEFAULT_CONFIG) -> Path:
    """Folder of the shipped checkpoint of ``model_name`` (e.g. "lstm") trained on ``config``."""
    path = CHECKPOINT_DIR / f"{model_name}-{config}"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path}: no shipped checkpoint for model {model_name!r} on config {config!r}; "
            f"available: {available_checkpoints()}"
        )
    return path
