"""Publish a trained model folder to the Hugging Face Hub: ``agroflux publish`` and ``agroflux card``.

Examples::

    agroflux card runs/t1 --repo-id my-org/agroflux-lstm-co2          # writes runs/t1/best_model/README.md
    agroflux publish runs/t1/best_model --repo-id my-org/agroflux-lstm-co2 --dry-run upload_preview
    HF_TOKEN=... agroflux publish runs/t1/best_model --repo-id my-org/agroflux-lstm-co2 --private

Why a staged folder: what goes to the Hub is exactly the files copied into one folder (weights, config,
card and any listed extras), never whatever else sits in a run folder (optimiser state, logs). A dry run
writes that same folder to OUT and sends nothing, so it shows precisely what an upload would contain.
The access token is handed to the Hub client only; it is never printed, logged or written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agroflux_hf.errors import AgroFluxError

logger = logging.getLogger(__name__)

REQUIRED_FILES: tuple[str, ...] = ("config.json", "model.safetensors", "README.md")
"""What every published AgroFlux model holds: transformers config, weights, model card."""

DEFAULT_COMMIT_MESSAGE = "Upload AgroFlux model (agroflux_hf)"
CARD_HELP = (
    "write one with `agroflux card RUN_DIR --repo-id ORG/NAME` (RUN_DIR = the `agroflux train` output "
    "folder) or agroflux_hf.cards.write_model_card(MODEL_DIR, ...)"
)


class PublishError(AgroFluxError, ValueError):
    """A model folder is not ready to publish (not a model, no card, bad repo id, output exists)."""


# ----------------------------------------------------------------------------- checks


def _check_repo_id(repo_id: str) -> None:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise PublishError(f"repo id {repo_id!r} is not valid: {err}") from None
    if repo_id.count("/") != 1:
        raise PublishError(f"repo id {repo_id!r} must be ORG/NAME (or USER/NAME)")


def _check_model_config(model_dir: Path) -> None:
    """The folder must be an AgroFlux checkpoint: the one folder check of ``models.read_checkpoint_config``."""
    from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError
    from agroflux_hf.models import read_checkpoint_config

    try:
        read_checkpoint_config(model_dir)
    except MissingCheckpointError as err:
        raise PublishError(str(err)) from None
    except IncompatibleCheckpointError as err:
        raise PublishError(f"{model_dir / 'config.json'}: does not load as a model config: {err}") from None


def _check_card(card_file: Path) -> None:
    """The card must exist and its front matter must parse as the Hub parses it."""
    from huggingface_hub import ModelCard

    if not card_file.is_file():
        raise PublishError(f"{card_file}: no model card (README.md) to publish; {CARD_HELP}")
    try:
        ModelCard(card_file.read_text(encoding="utf-8"))
    except ValueError as err:
        raise PublishError(f"{card_file}: the card's front matter does not parse: {err}") from None


def _weight_files(model_dir: Path) -> list[str]:
    """``model.safetensors``, or a sharded checkpoint's index and every shard it lists."""
    if (model_dir / "model.safetensors").is_file():
        return ["model.safetensors"]
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        return [index.name, *shards]
    raise PublishError(f"{model_dir}: no model.safetensors (save the model with save_pretrained first)")


def files_to_upload(model_dir: str | os.PathLike, extra_files: Sequence[str] = ()) -> list[str]:
    """Names (relative to ``model_dir``) of everything a publish sends, after checking the folder."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise PublishError(f"{model_dir}: not a folder")
    _check_model_config(model_dir)
    _check_card(model_dir / "README.md")
    names = ["config.json", *_weight_files(model_dir), "README.md"]
    for extra in extra_files:
        path = model_dir / extra
        if Path(extra).is_absolute() or ".." in Path(extra).parts:
            raise PublishError(f"extra file {extra!r} must be a path inside {model_dir}")
        if not path.is_file():
            raise PublishError(f"{path}: listed extra file does not exist")
        if extra not in names:
            names.append(extra)
    for name in names:
        if not (model_dir / name).is_file():
            raise PublishError(f"{model_dir / name}: missing")
    return names


def _stage(model_dir: Path, names: Sequence[str], staging: Path) -> None:
    for name in names:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model_dir / name, target)


# ----------------------------------------------------------------------------- publishing


def publish_model(
    model_dir: str | os.PathLike,
    repo_id: str,
    *,
    api: Any = None,
    token: str | None = None,
    private: bool = False,
    dry_run_dir: str | os.PathLike | None = None,
    commit_message: str = DEFAULT_COMMIT_MESSAGE,
    extra_files: Sequence[str] = (),
) -> str:
    """Upload the model in ``model_dir`` to the Hub model repo ``repo_id``; return the commit URL.

    Sends ``config.json``, the safetensors weights, ``README.md`` (the model card, required) and
    ``extra_files`` (paths relative to ``model_dir``), staged in a temporary folder, through ``api``
    (an ``HfApi`` or any object with its ``create_repo`` and ``upload_folder``; default
    ``HfApi()``): ``create_repo(repo_id, repo_type="model", private=..., exist_ok=True)`` then
    ``upload_folder(folder_path=..., repo_id=..., repo_type="model", commit_message=...)``. ``token``
    is passed to those calls only when given (else the client's own login is used).

    With ``dry_run_dir`` nothing is sent: the staged folder is renamed to ``dry_run_dir`` (which must not
    exist yet) and its path returned.

    Raises :class:`PublishError` when the folder does not load as a model config, has no weights or no
    card, or the repo id is invalid.
    """
    model_dir = Path(model_dir)
    _check_repo_id(repo_id)
    names = files_to_upload(model_dir, extra_files)
    if dry_run_dir is not None:
        return str(_dry_run(model_dir, names, Path(dry_run_dir)))
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    auth = {"token": token} if token is not None else {}
    with tempfile.TemporaryDirectory(prefix="agroflux-publish-") as staging:
        _stage(model_dir, names, Path(staging))
        logger.info("publishing %d files of %s to %s (private=%s)", len(names), model_dir, repo_id, private)
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True, **auth)
        commit = api.upload_folder(
            folder_path=staging,
            repo_id=repo_id,
            repo_type="model",
            commit_message=commit_message,
            **auth,
        )
    url = getattr(commit, "commit_url", None) or str(commit)
    logger.info("published %s: %s", repo_id, url)
    return url


def _dry_run(model_dir: Path, names: Sequence[str], out: Path) -> Path:
    """Stage next to ``out``, then rename: OUT is either absent or the complete upload folder."""
    if out.exists():
        raise PublishError(
            f"{out}: already exists; the dry run writes a new folder (remove it or pick another)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        _stage(model_dir, names, staging)
        staging.chmod(0o755)  # mkdtemp makes it private; OUT should look like any other output folder
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("dry run: wrote the %d files that would go to the Hub to %s; nothing sent", len(names), out)
    return out


def _token_from_env(name: str) -> str | None:
    """The token in ``$name``; an error naming the variable (never its value) when a custom one is unset."""
    token = os.environ.get(name) or None
    if token is None and name != "HF_TOKEN":
        raise PublishError(f"environment variable {name} is not set (it should hold the Hub access token)")
    return token
