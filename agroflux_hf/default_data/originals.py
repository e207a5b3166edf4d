"""The original files behind AgroFlux-mini's committed tables, and their sha256 check.

The derive scripts read original files (tower, chamber, weather and management tables as published
in public repositories) from a folder the user names (``--source DIR``), laid out as
``original_files.tsv`` beside this module lists them (``towers/...``, ``n2o/...``, ``weather/...``,
``management/...``). Every file is checked against the manifest's sha256 before it is read, so a
table rebuilt elsewhere from the same downloads is byte-for-byte the committed one, and a different
file is refused with its name instead of silently changing the data.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from agroflux_hf.errors import DataFileError

MANIFEST = Path(__file__).resolve().parent / "original_files.tsv"


@dataclass(frozen=True)
class OriginalFile:
    """One original file: where it sits under the source folder and where it was published."""

    path: str  # relative to the source folder
    sha256: str
    bytes: int
    repository: str
    commit: str
    path_in_repository: str


def manifest() -> dict[str, OriginalFile]:
    """The committed manifest, keyed by relative path."""
    with MANIFEST.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {
        r["path"]: OriginalFile(
            r["path"], r["sha256"], int(r["bytes"]), r["repository"], r["commit"], r["path_in_repository"]
        )
        for r in rows
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def original_file(source_dir: str | Path, relative_path: str) -> Path:
    """The checked path of one original file under ``source_dir``.

    Raises :class:`DataFileError` naming the file when the manifest does not list it, the file is
    absent, or its sha256 differs from the manifest's (a different download or an edited copy).
    """
    entry = manifest().get(relative_path)
    path = Path(source_dir) / relative_path
    if entry is None:
        raise DataFileError(path, f"not listed in {MANIFEST.name}; only listed original files are read")
    if not path.is_file():
        raise DataFileError(
            path,
            f"missing; download it from {entry.repository} at commit {entry.commit} "
            f"({entry.path_in_repository}) into this path",
        )
    found = sha256_of(path)
    if found != entry.sha256:
        raise DataFileError(
            path, f"sha256 {found} differs from the manifest's {entry.sha256} ({entry.repository})"
        )
    return path
