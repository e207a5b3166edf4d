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
"""What every published AgroFlux model holds: transformers config, weights, model card (and the generated
remote code, ``modeling_agroflux.py``, added while staging)."""

DEFAULT_COMMIT_MESSAGE = "Upload AgroFlux model (agroflux_hf)"
CARD_FILE_NAME = "README.md"
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
    """The folder must be an AgroFlux checkpoint: the one folder check, ``hub.read_checkpoint_config``."""
    from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError
    from agroflux_hf.hub import read_checkpoint_config

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


def _copy_files(source: Path, names: Sequence[str], staging: Path) -> None:
    for name in names:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target)


def _stage_model(model_dir: Path, names: Sequence[str], staging: Path) -> None:
    """Copy the files, then add the remote code and point config.json's ``auto_map`` at it."""
    _copy_files(model_dir, names, staging)
    add_remote_code(staging)


def add_remote_code(folder: Path) -> None:
    """Write ``modeling_agroflux.py`` into ``folder`` and add ``auto_map`` to its config.json.

    transformers reads ``auto_map`` only under ``trust_remote_code=True``; with agroflux_hf imported,
    the registered classes load the folder and the file is ignored.
    """
    from agroflux_hf.errors import AgroFluxError as _Error
    from agroflux_hf.remote_code import MODELING_FILE, auto_map_for, current_modeling_source

    config_file = folder / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    try:
        source = current_modeling_source()
        config["auto_map"] = auto_map_for(source, config["model_type"])
    except _Error as err:
        raise PublishError(str(err)) from None
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (folder / MODELING_FILE).write_text(source, encoding="utf-8")


# ----------------------------------------------------------------------------- publishing


def training_data_terms(model_dir: Path) -> list[str]:
    """What the publisher of these weights should know of the terms of the data they were trained on:
    one line per source of its training data (``config.json``'s ``training_data``) whose terms forbid
    redistribution or state none, as ``agroflux data publish`` gates the data itself. Weights are not
    the data, so nothing is blocked; the model card states each source's terms. Empty when the record
    or its data cannot be read (then the card says the licence is not recorded)."""
    try:
        record = (
            json.loads((model_dir / "config.json").read_text(encoding="utf-8")).get("training_data") or {}
        )
        from agroflux_hf.data.folder_format import read_configs_document
        from agroflux_hf.data.loading import config_info, recorded_data_location

        sources = set()
        for config in (record.get("config"), record.get("source_config")):
            if config:
                info = config_info(str(config), recorded_data_location(record.get("data_dir")))
                document = read_configs_document(Path(info.data_dir))
                sources |= {
                    (name, entry.get("redistributable") or "unstated")
                    for name, entry in (document.get("sources") or {}).items()
                    if entry.get("source") == info.source
                }
    except Exception:  # a foreign checkpoint, a folder moved, the Hub offline: nothing to say
        return []
    meaning = {"no": "its terms forbid redistribution", "unstated": "its terms do not state redistribution"}
    return [
        f"trained on data source `{name}`, {meaning[flag]}: publishing weights derived from it is your decision"
        for name, flag in sorted(sources)
        if flag in meaning
    ]


def publish_model(
    model_dir: str | os.PathLike,
    repo_id: str,
    *,
    api: Any = None,
    token: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    dry_run_dir: str | os.PathLike | None = None,
    commit_message: str = DEFAULT_COMMIT_MESSAGE,
    extra_files: Sequence[str] = (),
) -> str:
    """Upload the model in ``model_dir`` to the Hub model repo ``repo_id``; return the commit (or PR) URL.

    Sends ``config.json`` (with ``auto_map`` added), the safetensors weights, ``README.md`` (the model
    card, required), the generated ``modeling_agroflux.py`` (so the checkpoint loads with
    ``trust_remote_code=True`` where agroflux_hf is not installed; see ``agroflux_hf.remote_code``) and
    ``extra_files`` (paths relative to ``model_dir``), staged in a temporary folder, through
    :func:`upload_to_hub` (``api`` is an ``HfApi`` or any object with its ``create_repo``,
    ``create_branch`` and ``upload_folder``; default ``HfApi()``). ``private=None`` leaves visibility to
    the account's default; ``revision`` is the branch to commit to (created when missing);
    ``create_pr`` opens a pull request instead of committing.

    With ``dry_run_dir`` nothing is sent: the staged folder is renamed to ``dry_run_dir`` (which must not
    exist yet) and its path returned.

    Raises :class:`PublishError` when the folder does not load as a model config, has no weights or no
    card, the repo id is invalid, or the committed remote code is stale.
    """
    model_dir = Path(model_dir)
    _check_repo_id(repo_id)
    names = files_to_upload(model_dir, extra_files)
    for line in training_data_terms(model_dir):
        logger.warning("%s: %s", model_dir, line)
    if dry_run_dir is not None:
        return str(_dry_run(model_dir, names, Path(dry_run_dir), stage=_stage_model))
    with tempfile.TemporaryDirectory(prefix="agroflux-publish-") as staging:
        _stage_model(model_dir, names, Path(staging))
        logger.info("publishing %d files of %s to %s", len(names), model_dir, repo_id)
        return upload_to_hub(
            staging,
            repo_id,
            repo_type="model",
            api=api,
            token=token,
            private=private,
            revision=revision,
            create_pr=create_pr,
            commit_message=commit_message,
        )


def upload_to_hub(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    repo_type: str,
    api: Any = None,
    token: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    commit_message: str,
    commit_description: str | None = None,
) -> str:
    """Create the repo if needed, then upload ``folder`` as one commit (or PR); return its URL.

    The one upload path of models and datasets (``data.publishing`` sends a dataset folder with
    ``repo_type="dataset"``). Only the options that are set are passed on, so visibility
    (``private=None``) stays the account's default and a fake client in tests needs only the
    arguments it is asked for. A ``revision`` branch other than main that does not exist yet is
    created from main (``upload_folder``, and a pull request against it, would refuse it). The token
    goes to the client calls only, never to a log.
    """
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    auth = {"token": token} if token is not None else {}
    visibility = {"private": private} if private is not None else {}
    api.create_repo(repo_id, repo_type=repo_type, exist_ok=True, **visibility, **auth)
    target: dict[str, Any] = {}
    if revision is not None:
        target["revision"] = revision
        if revision != "main":
            api.create_branch(repo_id, repo_type=repo_type, branch=revision, exist_ok=True, **auth)
    if create_pr:
        target["create_pr"] = True
    if commit_description is not None:
        target["commit_description"] = commit_description
    commit = api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type=repo_type,
        commit_message=commit_message,
        **target,
        **auth,
    )
    url = getattr(commit, "pr_url", None) or getattr(commit, "commit_url", None) or str(commit)
    logger.info("published %s (%s): %s", repo_id, repo_type, url)
    return url


def _dry_run(model_dir: Path, names: Sequence[str], out: Path, stage: Any = None) -> Path:
    """Stage next to ``out``, then rename: OUT is either absent or the complete upload folder.

    ``stage(source, names, folder)`` fills the folder (default: copy the named files)."""
    if out.exists():
        raise PublishError(
            f"{out}: already exists; the dry run writes a new folder (remove it or pick another)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        (stage or _copy_files)(model_dir, names, staging)
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


def model_card_text(model: Any, card: str | os.PathLike | None = None) -> str:
    """The card to push with ``model``: ``card`` (text, or a README.md path), else the README.md of the
    folder the model was loaded from (``model.name_or_path``); a :class:`PublishError` when neither."""
    if card is not None:
        as_path = Path(card)
        if isinstance(card, os.PathLike) or (len(str(card)) < 4096 and "\n" not in str(card)):
            if not as_path.is_file():
                raise PublishError(f"{as_path}: model card file does not exist")
            return as_path.read_text(encoding="utf-8")
        return str(card)
    loaded_from = str(getattr(model, "name_or_path", "") or "")  # "" for a model built in code
    if loaded_from and (Path(loaded_from) / CARD_FILE_NAME).is_file():
        return (Path(loaded_from) / CARD_FILE_NAME).read_text(encoding="utf-8")
    raise PublishError(
        f"this model has no model card (it was not loaded from a folder with {CARD_FILE_NAME}); pass "
        f"card=TEXT_OR_PATH, or save it and {CARD_HELP}"
    )


def push_model_to_hub(
    model: Any,
    repo_id: str,
    *,
    card: str | os.PathLike | None = None,
    api: Any = None,
    token: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    commit_message: str | None = None,
    max_shard_size: int | str = "50GB",
) -> str:
    """``model.push_to_hub`` for AgroFlux models: save, add the measured card and the remote code, publish.

    transformers' own ``push_to_hub`` writes the Hub's existing card or its blank template over
    README.md; this one sends the card the model was loaded with (see :func:`model_card_text`), so a
    model that goes Hub -> fine-tune code -> Hub never loses its measured numbers, and the same files
    as ``agroflux publish`` (checked the same way).
    """
    text = model_card_text(model, card)
    with tempfile.TemporaryDirectory(prefix="agroflux-push-") as folder:
        model.save_pretrained(folder, max_shard_size=max_shard_size)
        (Path(folder) / CARD_FILE_NAME).write_text(text, encoding="utf-8")
        return publish_model(
            folder,
            repo_id,
            api=api,
            token=token,
            private=private,
            revision=revision,
            create_pr=create_pr,
            commit_message=commit_message or DEFAULT_COMMIT_MESSAGE,
        )
