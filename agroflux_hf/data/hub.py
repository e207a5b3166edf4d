"""Where a dataset lives: a local folder or a Hub dataset repo, and the download of what a call needs.

Why a module of its own: ``load_agroflux``, ``config_info``, ``list_configs`` and every ``--data-dir``
take one string, and a string like ``agroflux`` could mean a folder in the current directory or a Hub
repository. One rule, written once here, decides (:func:`locate_data`):

1. a ``pathlib.Path`` (any ``os.PathLike`` that is not a ``str``) is always a local folder;
2. ``hf://datasets/ORG/NAME[@REVISION]`` is always the Hub repo ``ORG/NAME``;
3. a string naming a folder that exists is that folder (it must be an AgroFlux export);
4. a string ``ORG/NAME[@REVISION]`` (one slash, Hub name characters) that is not an existing folder is
   the Hub dataset repo ``ORG/NAME``;
5. anything else is an error: a path-like string (``./x``, ``/x``, ``~/x``, ``a/b/c``) names a missing
   folder; a bare word (``agroflux``) that is no existing folder is neither, and the error says both ways
   to write what was meant (``./agroflux`` or ``ORG/agroflux``).

A bare word never reaches ``datasets.load_dataset``, so it can neither pick up a folder of the current
directory nor a stale ``datasets`` cache of another folder of the same name.

Downloads go through ``huggingface_hub.snapshot_download`` (repo type ``dataset``) with only the files a
call needs (``agroflux_configs.json`` and ``README.md``; then one config's parquet files), into the Hub
cache under ``$HF_HOME``. With ``HF_HUB_OFFLINE=1`` a cached snapshot is used as it is; without one the
call fails with one :class:`HubDataError` line saying what to download.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from agroflux_hf.data.folder_format import CARD_FILE, CONFIGS_FILE, check_dataset_folder
from agroflux_hf.errors import AgroFluxError, DataFileError
from agroflux_hf.hub import is_repo_id

HUB_PREFIX = "hf://datasets/"
"""Prefix that forces a Hub repo id even where a folder of that name exists."""
"""``ORG/NAME`` with an optional ``@REVISION`` (branch, tag or commit; a branch may hold ``/``)."""


class HubDataError(AgroFluxError, ValueError):
    """A Hub dataset repo cannot give what was asked: not found, offline without a cache, not an export."""


@dataclass(frozen=True)
class DataLocation:
    """A dataset argument resolved: exactly one of ``folder`` (local) or ``repo_id`` (Hub) is set."""

    folder: Path | None = None
    repo_id: str | None = None
    revision: str | None = None

    @property
    def is_hub(self) -> bool:
        """True for a Hub dataset repo."""
        return self.repo_id is not None

    def describe(self) -> str:
        """``ORG/NAME@REV`` or the folder, for messages and run records."""
        if self.repo_id is None:
            return str(self.folder)
        return self.repo_id + (f"@{self.revision}" if self.revision else "")


def split_repo_id(text: str) -> tuple[str, str | None] | None:
    """``("ORG/NAME", revision or None)`` when ``text`` has the shape of a Hub repo id, else None.

    The same spelling rule as checkpoints (:func:`agroflux_hf.hub.is_repo_id`, the Hub's own validator).
    """
    name, at, revision = text.partition("@")
    if (at and not revision) or "@" in revision or not is_repo_id(name):
        return None
    return name, revision or None


def _merge_revision(repo_id: str, in_text: str | None, given: str | None) -> DataLocation:
    if in_text and given and in_text != given:
        raise HubDataError(f"{repo_id}: two revisions given, @{in_text} and revision={given!r}")
    return DataLocation(repo_id=repo_id, revision=in_text or given)


def locate_data(data_dir: str | os.PathLike, revision: str | None = None) -> DataLocation:
    """Apply the module's rule to one dataset argument (see the module docstring)."""
    if not isinstance(data_dir, str):
        return _local(Path(data_dir), revision)
    text = data_dir.strip()
    if text.startswith(HUB_PREFIX):
        parts = split_repo_id(text[len(HUB_PREFIX) :].strip("/"))
        if parts is None:
            raise HubDataError(f"{text!r}: expected {HUB_PREFIX}ORG/NAME[@REVISION]")
        return _merge_revision(parts[0], parts[1], revision)
    path = Path(text).expanduser()
    parts = split_repo_id(text)
    if path.exists():
        if parts is not None and not (path / CONFIGS_FILE).is_file():
            raise DataFileError(
                path.resolve(),
                f"exists here but is not an AgroFlux dataset folder; for the Hub dataset repo write "
                f"{HUB_PREFIX}{text}",
            )
        return _local(path, revision)
    if parts is not None:  # the pattern starts with a letter or digit: never ./x, /x or ~/x
        return _merge_revision(parts[0], parts[1], revision)
    if text.startswith((".", "/", "~")) or "/" in text or "\\" in text:
        raise DataFileError(
            path.resolve(), "no such folder (an exported AgroFlux dataset folder is expected)"
        )
    raise HubDataError(
        f"{text!r} is neither an existing folder nor a Hub dataset repo id: write ./{text} (or an absolute "
        f"path) for a folder, ORG/{text} for a Hub dataset repository"
    )


def _local(path: Path, revision: str | None) -> DataLocation:
    if revision is not None:
        raise HubDataError(
            f"{path}: revision={revision!r} applies to Hub repo ids only, not to a local folder"
        )
    return DataLocation(folder=check_dataset_folder(path.expanduser().resolve()))


# ----------------------------------------------------------------------------- downloads
INDEX_FILES: tuple[str, ...] = (CONFIGS_FILE, CARD_FILE)


def snapshot(
    location: DataLocation, files: list[str] | tuple[str, ...] = INDEX_FILES, what: str = "the index files"
) -> Path:
    """The local snapshot folder of ``location`` holding at least ``files`` (downloaded when missing).

    ``what`` names the files in messages (e.g. ``config temporal_co2``).
    Every error of the Hub client becomes one :class:`HubDataError` line naming the repo and what to do.
    """
    from huggingface_hub import errors as hub_errors

    assert location.repo_id is not None, "snapshot() needs a Hub location"
    names = sorted(set(files))
    try:
        folder = download_snapshot(
            location.repo_id, repo_type="dataset", revision=location.revision, allow_patterns=names
        )
    except (hub_errors.LocalEntryNotFoundError, hub_errors.OfflineModeIsEnabled) as err:
        raise HubDataError(_offline_message(location, err)) from None
    except hub_errors.RevisionNotFoundError:
        raise HubDataError(f"{location.describe()}: no such revision in the Hub dataset repo") from None
    except hub_errors.RepositoryNotFoundError:
        raise HubDataError(
            f"{location.repo_id}: no such Hub dataset repo (or it is private: log in with `hf auth login`)"
        ) from None
    except hub_errors.HfHubHTTPError as err:
        raise HubDataError(f"{location.describe()}: the Hub refused the download ({err})") from None
    except _incomplete_snapshot_error() as err:
        raise HubDataError(_offline_message(location, err)) from None
    folder = Path(folder)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise HubDataError(_missing_message(location, folder, missing, what))
    return folder


def download_snapshot(repo_id: str, **kwargs) -> str:
    """``huggingface_hub.snapshot_download``, behind one name that tests replace with a fake Hub."""
    import huggingface_hub

    return huggingface_hub.snapshot_download(repo_id, **kwargs)


def _incomplete_snapshot_error() -> type[BaseException]:
    """huggingface_hub's IncompleteSnapshotError where the installed version has it."""
    from huggingface_hub import errors as hub_errors

    return getattr(hub_errors, "IncompleteSnapshotError", LookupError)


def _offline_message(location: DataLocation, err: BaseException) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return (
        f"{location.describe()}: not in the local Hub cache and the Hub cannot be reached ({first}); "
        "run the same command once online (HF_HUB_OFFLINE unset) to cache it"
    )


def _missing_message(location: DataLocation, folder: Path, missing: list[str], what: str) -> str:
    from huggingface_hub import constants

    shown = ", ".join(missing[:2]) + (f" and {len(missing) - 2} more" if len(missing) > 2 else "")
    if constants.HF_HUB_OFFLINE:
        return (
            f"{location.describe()}: {what} not in the cached snapshot {folder} ({shown} missing) and "
            "HF_HUB_OFFLINE is set; run the same command once online to cache it"
        )
    return f"{location.describe()}: {what} incomplete in the Hub dataset repo ({shown} missing; not an AgroFlux export?)"


def config_files(document: dict, config: str) -> list[str]:
    """The parquet files ``datasets`` reads to load ``config`` from a snapshot of the folder.

    ``datasets`` resolves the data files of the card's first config to choose its parquet reader
    whatever config is asked for, so those come too (the default config, listed first by the export).
    """
    configs = document["configs"]
    wanted = [config, document.get("default") or next(iter(configs)), next(iter(configs))]
    files: set[str] = set()
    for name in dict.fromkeys(wanted):
        for split in configs[name]["splits"].values():
            files.update(split.get("data_files", []))
    return sorted(files)
