"""File helpers every layer shares: atomic writes, folder swaps, strict JSON, the cache root.

Why one module: a killed run, a full disk or a crash must never leave half a file or half a
folder behind (the house rule), and the same rule written five times drifted five ways. Each
writer here writes beside its destination and renames, so a reader sees the old file or the new
one, never a mix. Nothing here imports the rest of the package.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

CACHE_ENV = "AGROFLUX_CACHE"


def cache_root() -> Path:
    """``$AGROFLUX_CACHE``, else ``~/.cache/agroflux``: every derived-file cache lives under it."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "agroflux"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _umask_mode() -> int:
    """Permissions a plain ``open`` would give a file (mkstemp makes files 0600)."""
    return 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; rename it onto ``path`` only if the block succeeds.

    For writers that want a file name (``DataFrame.to_parquet``, ``np.save``, ``fig.savefig``):
    on any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) beside ``path`` and rename: never half a file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Binary twin of :func:`atomic_write_text`."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def json_safe(value: Any) -> Any:
    """Strict-JSON form: NaN/inf -> None; dataclasses, tuples, numpy scalars and paths -> JSON types."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        return json_safe(dict(value.__dict__))
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def dumps_json(payload: Any, indent: int | None = 2) -> str:
    """Strict JSON text (no NaN tokens, which many readers reject) ending in a newline."""
    return json.dumps(json_safe(payload), indent=indent, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, payload: Any, indent: int | None = 2) -> Path:
    """:func:`dumps_json` written atomically."""
    return atomic_write_text(path, dumps_json(payload, indent=indent))


def replace_directory(built: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Swap a fully built folder in for ``destination``; the old one is deleted only afterwards.

    ``built`` must be on the same file system (build it beside the destination, see
    :func:`building_directory`), so each rename is atomic.
    """
    built, destination = Path(built), Path(destination)
    if destination.exists():
        old = destination.with_name(f".{destination.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(destination, old)
        os.replace(built, destination)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(built, destination)
    return destination


@contextlib.contextmanager
def building_directory(destination: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty sibling folder to build in; swap it in for ``destination`` if the block succeeds.

    On an exception the half-built folder is removed and ``destination`` keeps its old contents.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{destination.name}.building-", dir=destination.parent))
    try:
        yield built
        os.chmod(built, 0o777 & ~_current_umask())  # mkdtemp makes folders 0700
        replace_directory(built, destination)
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)


def save_directory_atomically(destination: str | os.PathLike, save: Callable[[Path], object]) -> Path:
    """Call ``save(folder)`` on a fresh sibling folder, then swap it in (e.g. ``save_pretrained``)."""
    with building_directory(destination) as built:
        save(built)
    return Path(destination)
