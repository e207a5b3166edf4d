"""Publish an exported dataset folder to the Hub: ``agroflux data publish FOLDER --repo-id ORG/NAME``.

What may leave the machine is decided by the terms each source states, recorded at export in the
folder's ``agroflux_configs.json`` (``sources.<name>.redistributable`` and ``terms``, taken from the
tables' own metadata; see ``agroflux_hf.data.sources.terms``):

* a source flagged ``no`` (its terms forbid redistribution, e.g. KBS LTER tables: "use in a publication
  requires written permission") is never uploaded: it is left out of the upload with its configs, data
  files and card entries, and the command says which and why (``agroflux_hf.data.redistribution``);
  the rest is published, and only a folder where nothing would remain is refused;
* a source flagged ``unstated`` (no licence given, e.g. the ICOS field-operation table, the UW AWON
  station) is uploaded only with ``--allow-unstated``, and the command names what it is unsure of;
* ``yes`` sources go as they are. The dataset card lists every source with its own terms either way.

The upload goes through an ``HfApi``-like object (``create_repo``, ``create_branch`` for a new
``--revision`` branch, ``upload_folder``; repo type ``dataset``) so tests can pass a fake one; the
commit carries a message and a description listing the configs and each source's terms;
``--create-pr`` opens a pull request instead of committing to the branch; ``--dry-run OUT`` copies
exactly the folder that would be sent. ``private`` is left to the Hub's (the organisation's) default
unless ``--private`` is given. Once published, ``load_agroflux(config, data_dir="ORG/NAME")``,
``--data-dir ORG/NAME`` and ``datasets.load_dataset("ORG/NAME", config)`` read it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agroflux_hf.data.folder_format import CARD_FILE, CONFIGS_FILE
from agroflux_hf.data.redistribution import LeftOut, left_out_sources, stage_without
from agroflux_hf.publish import PublishError, _check_repo_id, _dry_run, upload_to_hub

logger = logging.getLogger(__name__)

DEFAULT_DATASET_COMMIT_MESSAGE = "Upload AgroFlux dataset (agroflux_hf)"


def redistribution_flags(folder: Path) -> dict[str, str]:
    """Source name -> ``yes`` / ``no`` / ``unstated`` from the folder's ``agroflux_configs.json``.

    A folder exported before the flag existed has none: its sources count as ``unstated``.
    """
    configs = folder / CONFIGS_FILE
    if not (configs.is_file() and (folder / CARD_FILE).is_file()):
        raise PublishError(
            f"{folder}: not an exported AgroFlux dataset folder ({CONFIGS_FILE} and {CARD_FILE} are needed; "
            "make one with `agroflux data export` or `agroflux data build-default --out DIR`)"
        )
    document = json.loads(configs.read_text(encoding="utf-8"))
    return {name: str(s.get("redistributable", "unstated")) for name, s in document["sources"].items()}


def check_redistribution(folder: Path, allow_unstated: bool = False) -> dict[str, str]:
    """The flags of the sources that would be uploaded; :class:`PublishError` when every source is
    forbidden (nothing would remain) or, without ``allow_unstated``, a kept source's terms are unstated."""
    flags = redistribution_flags(folder)
    forbidden = sorted(n for n, f in flags.items() if f == "no")
    if forbidden and len(forbidden) == len(flags):
        raise PublishError(
            f"{folder}: source(s) {forbidden} come from data whose terms forbid redistribution, and no other "
            "source remains to publish (see the dataset card's Sources)"
        )
    flags = {n: f for n, f in flags.items() if f != "no"}
    unstated = sorted(n for n, f in flags.items() if f == "unstated")
    if unstated and not allow_unstated:
        raise PublishError(
            f"{folder}: source(s) {unstated} include data whose terms are not stated (see the dataset "
            "card's Sources); publish only if you may, with --allow-unstated"
        )
    for name in unstated:
        logger.warning("publishing source %s although some of its terms are not stated", name)
    return flags


def hub_api() -> Any:
    """A ``huggingface_hub.HfApi``, behind one name that tests replace with a fake Hub."""
    from huggingface_hub import HfApi

    return HfApi()


def commit_description(folder: Path, left_out: list[LeftOut] = ()) -> str:
    """What the commit holds, for its description: configs, each source with its licence and flag, and
    the sources left out (``folder`` is the folder as uploaded)."""
    document = json.loads((folder / CONFIGS_FILE).read_text(encoding="utf-8"))
    configs = list(document["configs"])
    lines = [
        f"AgroFlux dataset folder exported by agroflux_hf: {len(configs)} configs ({', '.join(configs)})."
    ]
    lines.append("")
    for name, source in document["sources"].items():
        lines.append(
            f"- {name} ({source.get('domain', '?')}): {source.get('n_examples', '?')} examples; licence: "
            f"{source.get('license') or 'not stated'}; redistributable: {source.get('redistributable', 'unstated')}"
        )
    lines += [f"- {x.describe()}" for x in left_out]
    return "\n".join(lines)


def publish_dataset(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    api: Any = None,
    token: str | None = None,
    private: bool | None = None,
    allow_unstated: bool = False,
    dry_run_dir: str | os.PathLike | None = None,
    commit_message: str = DEFAULT_DATASET_COMMIT_MESSAGE,
    description: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
) -> str:
    """Upload an exported dataset folder to the Hub dataset repo ``repo_id``; return the commit (or PR) URL.

    ``private=None`` leaves visibility to the organisation's default. ``revision`` is the branch to
    commit to (created from the default branch when missing); ``create_pr`` opens a pull request
    against it instead. ``description`` defaults to :func:`commit_description`. With ``dry_run_dir``
    nothing is sent: the folder is copied there (it must not exist) and its path returned. Sources
    whose terms forbid redistribution are left out (logged as a warning, see :func:`left_out_sources`).
    Raises :class:`PublishError` for a folder that is not an export, a bad repo id, a folder where
    nothing may be uploaded, or unstated terms without ``allow_unstated`` (see the module docstring).
    """
    folder = Path(folder)
    _check_repo_id(repo_id)
    check_redistribution(folder, allow_unstated)
    left_out = left_out_sources(folder)
    for item in left_out:
        logger.warning("%s: %s", folder, item.describe())
    if dry_run_dir is not None:
        gone = {f for item in left_out for f in item.files}
        names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        names = [n for n in names if n not in gone]
        stage = (lambda _src, _names, out: stage_without(folder, left_out, out)) if left_out else None
        return str(_dry_run(folder, names, Path(dry_run_dir), stage=stage))
    with _folder_to_send(folder, left_out) as sending:
        url = upload_to_hub(
            sending,
            repo_id,
            repo_type="dataset",
            api=api if api is not None else hub_api(),
            token=token,
            private=private,
            revision=revision,
            create_pr=create_pr,
            commit_message=commit_message,
            commit_description=description
            if description is not None
            else commit_description(sending, left_out),
        )
    logger.info("published %s: %s", repo_id, url)
    return url


@contextlib.contextmanager
def _folder_to_send(folder: Path, left_out: list[LeftOut]) -> Iterator[Path]:
    """``folder`` itself, or a temporary copy without the left-out sources."""
    if not left_out:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="agroflux-data-publish-") as staging:
        stage_without(folder, left_out, Path(staging))
        yield Path(staging)
