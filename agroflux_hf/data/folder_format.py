"""The exported dataset folder's format: its file names, version and ``agroflux_configs.json``.

Why a module of its own: the exporter writes this format and ``loading.py`` reads it, and a reader
that imports the whole writer (parquet writers, card rendering, the split rules) to learn three file
names loads far more than it needs. Both sides take the format from here, so it is written down once.

Layout of a folder::

    OUT/README.md                      dataset card with the ``configs:`` front matter
    OUT/agroflux_configs.json          FORMAT_VERSION, sources, configs (names, stats, splits, sites)
    OUT/data/<source>/<period>/<site>.parquet   period = train_years | validation_years | test_years
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agroflux_hf import schema
from agroflux_hf.errors import DataFileError
from agroflux_hf.files import write_json

CONFIGS_FILE = "agroflux_configs.json"
CARD_FILE = "README.md"
DATA_SUBDIR = "data"
FORMAT_VERSION = 1
"""Bump when a reader of the old version would misread a new folder (a new optional field is no bump)."""
PERIOD_DIRS: dict[str, str] = {split: f"{split}_years" for split in schema.SPLITS}
CONFIGS_JSON_INDENT = 1  # the committed folders use it: keep it, so re-exports stay byte-identical


def data_file_relpath(source_name: str, period: str, stem: str) -> str:
    """POSIX path, relative to the folder, of one site's examples in one temporal period."""
    return f"{DATA_SUBDIR}/{source_name}/{PERIOD_DIRS[period]}/{stem}.parquet"


def is_dataset_folder(folder: Path) -> bool:
    """True when ``folder`` has both index files (a half-written or foreign folder has not)."""
    return (folder / CONFIGS_FILE).is_file() and (folder / CARD_FILE).is_file()


def check_dataset_folder(folder: Path) -> Path:
    """``folder`` itself, or a :class:`DataFileError` naming the index file it lacks."""
    for name in (CONFIGS_FILE, CARD_FILE):
        if not (folder / name).is_file():
            raise DataFileError(
                folder / name,
                "missing: not an AgroFlux dataset folder (write one with `agroflux data export`)",
            )
    return folder


def read_configs_document(folder: Path) -> dict[str, Any]:
    """The parsed ``agroflux_configs.json`` of ``folder``; errors name the file and say what is wrong."""
    file = folder / CONFIGS_FILE
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(file, "missing: not an AgroFlux dataset folder") from None
    except json.JSONDecodeError as err:
        raise DataFileError(file, f"not valid JSON ({err})") from None
    if not isinstance(document, dict) or document.get("format_version") != FORMAT_VERSION:
        version = document.get("format_version") if isinstance(document, dict) else None
        raise DataFileError(file, f"format_version {version!r}, this code reads {FORMAT_VERSION}")
    return document


def write_configs_document(folder: Path, document: dict[str, Any]) -> Path:
    """Write ``document`` as strict JSON (no NaN token) to ``folder/agroflux_configs.json``, atomically."""
    return write_json(folder / CONFIGS_FILE, document, indent=CONFIGS_JSON_INDENT)


def config_fingerprint(folder: Path, config: str) -> str:
    """sha256 (16 hex) of what a run on ``config`` reads: its entry in ``agroflux_configs.json`` (splits,
    statistics, names) and the bytes of its source's data files. A finished benchmark run is reused only
    under the same fingerprint, so that new data (a corrected table, another folder) is never reported
    with scores of the old."""
    document = read_configs_document(folder)
    entry = document.get("configs", {}).get(config)
    if not isinstance(entry, dict):
        raise DataFileError(folder / CONFIGS_FILE, f"has no config {config!r}")
    digest = hashlib.sha256(json.dumps(entry, sort_keys=True).encode())
    data = folder / DATA_SUBDIR / str(entry["name"])
    for file in sorted(data.rglob("*.parquet")):
        digest.update(file.relative_to(data).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]
