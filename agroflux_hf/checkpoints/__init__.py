"""Baseline checkpoints shipped with the package, trained on the embedded AgroFlux-mini, and their Hub names.

Each folder is a ``save_pretrained`` folder (config.json, model.safetensors, README.md model card),
made by ``python scripts/train_default_checkpoints.py``; ``AutoModel.from_pretrained(checkpoint_path("lstm"))``
loads one once the architectures are registered: after ``import agroflux_hf.models``, or any use of a
public name of the package (``agroflux_hf.checkpoint_path(...)``); ``import agroflux_hf`` alone, or
importing this module, does not register them (imports stay light).

Hub naming scheme: the folder ``<arch>-<config>`` is published as the model repo
``<ORG>/agroflux-<arch>-<config>`` (e.g. ``agroflux-hf/agroflux-lstm-temporal_co2``; T0 checkpoints on
the simulations are named by their simulation config, ``agroflux-lstm-temporal_dssat_ceres_maize``),
``ORG`` being ``$AGROFLUX_HUB_ORG`` or ``DEFAULT_HUB_ORG``. ``checkpoint_path(..., hub=True)`` fetches
that repo through the Hub cache and falls back to the folder inside the package when the Hub cannot
give it (offline, not published yet).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKPOINT_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = "temporal_co2"
HUB_ORG_ENV = "AGROFLUX_HUB_ORG"
DEFAULT_HUB_ORG = "agroflux-hf"
"""Hub organisation of the published baselines unless ``$AGROFLUX_HUB_ORG`` names another."""


SHIPPED_T2_SOURCE = "temporal_dssat_ceres_maize"
"""The T0 config whose checkpoint the shipped T2 checkpoints were fine-tuned from (DSSAT CERES-Maize)."""

TRANSFER_PREFIX = "t2-"
"""Prefix of a fine-tuned (T2) checkpoint's config name: ``<arch>-t2-temporal_co2``."""


def checkpoint_config(task: str, config: str) -> str:
    """The config part of a shipped checkpoint's name: the dataset config, ``t2-`` first for T2 tasks."""
    return f"{TRANSFER_PREFIX}{config}" if task.startswith("t2") else config


def hub_org() -> str:
    """``$AGROFLUX_HUB_ORG`` or ``DEFAULT_HUB_ORG``."""
    return os.environ.get(HUB_ORG_ENV) or DEFAULT_HUB_ORG


def hub_repo_id(model_name: str, config: str = DEFAULT_CONFIG, org: str | None = None) -> str:
    """The Hub model repo of the baseline ``model_name`` trained on ``config``: ``ORG/agroflux-<arch>-<config>``."""
    return f"{org or hub_org()}/agroflux-{model_name}-{config}"


def available_checkpoints() -> list[str]:
    """Names of the shipped checkpoints, ``<arch>-<config>``."""
    return sorted(p.name for p in CHECKPOINT_DIR.iterdir() if (p / "config.json").is_file())


def checkpoint_path(
    model_name: str,
    config: str = DEFAULT_CONFIG,
    *,
    hub: bool = False,
    revision: str | None = None,
    org: str | None = None,
) -> Path:
    """Folder of the baseline checkpoint of ``model_name`` (e.g. "lstm") trained on ``config``.

    By default the folder shipped inside the package. With ``hub=True`` the snapshot of
    :func:`hub_repo_id` (at ``revision``) from the Hub cache, downloaded when needed; when the Hub cannot
    give it (offline and not cached, not published) the shipped folder, with a warning. Raises
    ``FileNotFoundError`` (``MissingCheckpointError``) when neither exists.
    """
    from agroflux_hf.errors import MissingCheckpointError

    path = CHECKPOINT_DIR / f"{model_name}-{config}"
    shipped = (path / "config.json").is_file()
    if hub:
        from agroflux_hf.hub import resolve_checkpoint

        repo_id = hub_repo_id(model_name, config, org)
        try:
            return resolve_checkpoint(repo_id, revision)
        except MissingCheckpointError as err:
            if not shipped:
                raise MissingCheckpointError(f"{err}; and no shipped checkpoint {path.name}") from None
            logger.warning("%s; using the checkpoint shipped in the package, %s", err, path)
    if not shipped:
        raise MissingCheckpointError(
            f"{path}: no shipped checkpoint for model {model_name!r} on config {config!r}; "
            f"available: {available_checkpoints()} (others: checkpoint_path(..., hub=True))"
        )
    return path
