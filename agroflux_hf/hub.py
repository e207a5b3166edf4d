"""Where a checkpoint comes from: a local ``save_pretrained`` folder or a Hub model repo ``ORG/NAME``.

Why one resolver: ``load_model``, ``agroflux train --pretrained``, ``agroflux evaluate`` and the cards
take the same reference, so they accept and refuse the same things. The rules, in order:

* an existing path is a local folder (a ``Path`` object is always local, and so is a string starting
  with ``/``, ``.`` or ``~``): the current folder never shadows a Hub repo by accident, because a
  repo id is only tried when no such path exists;
* ``ORG/NAME`` (or ``ORG/NAME@REVISION``; ``revision=`` does the same) is a Hub model repo, fetched
  with ``huggingface_hub.snapshot_download`` into its cache (``$HF_HOME/hub``), so a second use, and
  any use with ``HF_HUB_OFFLINE=1`` once the snapshot is cached, needs no network;
* anything else (``lstm``, ``runs/t1/best_model`` that does not exist) is an error naming both
  possibilities.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agroflux_hf import schema
from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError

ARCHITECTURE_NAMES: tuple[str, ...] = schema.ARCHITECTURES
AGROFLUX_MODEL_TYPES: tuple[str, ...] = tuple(f"agroflux_{name}" for name in ARCHITECTURE_NAMES)

CHECKPOINT_FILES: tuple[str, ...] = ("config.json", "*.safetensors", "*.safetensors.index.json", "README.md")
"""What a snapshot download fetches: enough to load and describe a model, never optimiser states."""


def split_revision(reference: str, revision: str | None = None) -> tuple[str, str | None]:
    """``"org/name@v1"`` -> ``("org/name", "v1")``; a ``revision`` given twice must agree."""
    name, at, suffix = reference.partition("@")
    if not at:
        return reference, revision
    if not name or not suffix:
        raise MissingCheckpointError(f"{reference!r}: expected ORG/NAME@REVISION")
    if revision is not None and revision != suffix:
        raise MissingCheckpointError(f"{reference!r}: revision {suffix!r} differs from revision={revision!r}")
    return name, suffix


def is_repo_id(text: str) -> bool:
    """``ORG/NAME`` as the Hub spells model repo ids (exactly one slash, valid characters)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if text.count("/") != 1 or text.startswith((".", "/", "~")):
        return False
    try:
        validate_repo_id(text)
    except HFValidationError:
        return False
    return True


def _is_local_spelling(reference: str | os.PathLike) -> bool:
    return not isinstance(reference, str) or reference.startswith(("/", ".", "~"))


def describe(reference: str | os.PathLike, revision: str | None = None) -> str:
    """How a reference reads in a message or a card: ``org/name@rev``, or the path."""
    return f"{reference}@{revision}" if revision else str(reference)


def resolve_checkpoint(reference: str | os.PathLike, revision: str | None = None) -> Path:
    """The local folder of a checkpoint reference (see the module docstring); downloads a Hub snapshot.

    Raises ``MissingCheckpointError`` naming the reference when it is neither an existing path nor a
    Hub repo id, when the repo or revision does not exist, or when the Hub cannot be reached and the
    snapshot is not cached (the message says which).
    """
    path = Path(reference).expanduser()
    if path.exists() or _is_local_spelling(reference):
        if revision is not None:
            raise MissingCheckpointError(
                f"{reference}: a revision ({revision!r}) applies to Hub repo ids only"
            )
        return path
    repo_id, revision = split_revision(str(reference), revision)
    if not is_repo_id(repo_id):
        raise MissingCheckpointError(
            f"{reference!r} is neither an existing checkpoint folder nor a Hub model repo id ORG/NAME "
            "(the shipped baselines: agroflux_hf.checkpoint_path(NAME))"
        )
    return _download(repo_id, revision, reference)


def _download(repo_id: str, revision: str | None, reference: str | os.PathLike) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = describe(repo_id, revision)
    local = Path(str(reference)).expanduser()
    try:
        folder = snapshot_download(
            repo_id, repo_type="model", revision=revision, allow_patterns=list(CHECKPOINT_FILES)
        )
    except GatedRepoError:
        raise MissingCheckpointError(
            f"{where}: the Hub model repo is gated; accept its terms on the Hub and log in"
        ) from None
    except RevisionNotFoundError:
        raise MissingCheckpointError(f"{where}: the Hub model repo has no revision {revision!r}") from None
    except RepositoryNotFoundError:
        raise MissingCheckpointError(
            f"{reference}: no local folder {local}, and no Hub model repo {repo_id!r} "
            "(or it is private: log in with `hf auth login` or set HF_TOKEN)"
        ) from None
    except LocalEntryNotFoundError:
        raise MissingCheckpointError(
            f"{reference}: no local folder {local}, and the Hub model repo {where} is not in the cache "
            "while the Hub cannot be reached (offline: HF_HUB_OFFLINE=1, or no connection); download it "
            "once online"
        ) from None
    except HfHubHTTPError as err:
        raise MissingCheckpointError(f"{where}: the Hub refused the download: {err}") from None
    return Path(folder)


def read_checkpoint_config(path: str | os.PathLike) -> dict[str, Any]:
    """The ``config.json`` of an AgroFlux ``save_pretrained`` folder, after checking the folder.

    The one folder check (loading, evaluation, fine-tuning, cards and publishing all call it), so a
    bad folder fails with the same named error everywhere: ``MissingCheckpointError`` when the
    folder, its config.json or its weights are missing (never a silent fresh model),
    ``IncompatibleCheckpointError`` when it is a file, its config.json is not JSON or it is not an
    AgroFlux model.
    """
    folder = Path(path)
    if not folder.exists():
        raise MissingCheckpointError(f"{folder}: checkpoint folder does not exist")
    if not folder.is_dir():
        raise IncompatibleCheckpointError(f"{folder}: expected a save_pretrained folder, found a file")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise MissingCheckpointError(
            f"{config_file}: no config.json; is this a save_pretrained model folder?"
        )
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise MissingCheckpointError(
            f"{folder}: no weights file (model.safetensors); save the model with save_pretrained"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise IncompatibleCheckpointError(f"{config_file}: not valid JSON ({err})") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in AGROFLUX_MODEL_TYPES:
        raise IncompatibleCheckpointError(
            f"{config_file}: model_type {model_type!r} is not an AgroFlux model ({list(AGROFLUX_MODEL_TYPES)})"
        )
    return config
