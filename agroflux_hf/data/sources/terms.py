"""Per-source terms of a committed table, kept in its parquet metadata, and the redistributable flag.

Why in the file: a table may mix sources with different terms (CC0 fluxes, weather one may not publish
without permission). The derive script that knows the sources writes them into the table, so whoever
later publishes the table (``agroflux publish``) reads the terms from the table itself instead of from
a separate note that can drift.

Metadata keys of the parquet file (UTF-8 JSON values):

- ``agroflux_sources``: a list of records ``{key, title, licence, citation, redistributable, columns}``;
  ``redistributable`` is ``"yes"``, ``"no"`` (the terms forbid it, e.g. KBS LTER tables: "use in a
  publication requires written permission") or ``"unstated"`` (the source gives no terms);
  ``columns`` are the table columns the source gives values to. Where a column mixes sources day by day,
  an ``origin_<column>`` column names the source of each value (see ``station_weather.fill_gaps``).
- ``agroflux_redistributable``: the table's overall flag, the most restrictive of its sources.

How the publish step should use it: refuse a table whose overall flag is ``no`` unless told to leave the
``no`` sources out, which :func:`withhold` does (values of a ``no`` source become NaN, saying how many);
publish a table flagged ``unstated`` only on explicit request, naming the unstated sources in the card.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agroflux_hf.errors import DataFileError

SOURCES_KEY = b"agroflux_sources"
REDISTRIBUTABLE_KEY = b"agroflux_redistributable"
FLAGS = ("yes", "no", "unstated")
ORIGIN_PREFIX = "origin_"


UNKNOWN_LICENCE_ID = "unknown"
"""The Hub's licence id for data whose terms nobody stated or recorded: no licence is claimed for it."""


def hub_licence_id(text: str) -> str:
    """A licence text -> the Hub's licence id: ``cc-by-4.0`` or ``cc0-1.0`` for that one licence with at
    most one note in brackets, ``unknown`` for no text at all, else ``other``. "CC BY 4.0 (...);
    management: ... MIT, ... (no licence file)" names several terms and is ``other``: the brackets may
    not span the rest of the text."""
    text = " ".join(text.lower().split())
    if not text:
        return UNKNOWN_LICENCE_ID
    if re.fullmatch(r"cc[- ]by[- ]4\.0( \([^()]*\))?", text):
        return "cc-by-4.0"
    if re.fullmatch(r"cc0( 1\.0)?( \([^()]*\))?", text):
        return "cc0-1.0"
    return "other"


def overall_flag(records: list[dict]) -> str:
    """``no`` if any source forbids redistribution, ``unstated`` if one states no terms, else ``yes``."""
    flags = {r["redistributable"] for r in records}
    bad = flags - set(FLAGS)
    if bad:
        raise ValueError(f"redistributable must be one of {FLAGS}, got {sorted(bad)}")
    return "no" if "no" in flags else "unstated" if "unstated" in flags else "yes"


def write_table_with_sources(table: pd.DataFrame, out: Path, records: list[dict]) -> Path:
    """Write ``table`` (zstd) with the source records in its metadata: temporary file, then rename."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    metadata = dict(arrow.schema.metadata or {})
    metadata[SOURCES_KEY] = json.dumps(records).encode()
    metadata[REDISTRIBUTABLE_KEY] = overall_flag(records).encode()
    arrow = arrow.replace_schema_metadata(metadata)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        pq.write_table(arrow, tmp, compression="zstd")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def read_sources(path: str | Path) -> tuple[list[dict], str | None]:
    """(source records, overall flag) of a table; ([], None) for a table written without them."""
    path = Path(path)
    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise DataFileError(path, f"not a readable parquet table ({err})") from None
    if SOURCES_KEY not in metadata:
        return [], None
    return json.loads(metadata[SOURCES_KEY]), metadata[REDISTRIBUTABLE_KEY].decode()


def withhold(table: pd.DataFrame, records: list[dict]) -> tuple[pd.DataFrame, dict[str, int]]:
    """The table without the values of sources flagged ``no``: per-day values (``origin_<column>``) of
    such a source become NaN with origin "", a column it alone gives becomes all NaN. Returns the
    counts of values withheld per column, for the publish step to report."""
    out = table.copy()
    withheld: dict[str, int] = {}
    for record in records:
        if record["redistributable"] != "no":
            continue
        for column in record["columns"]:
            origin = ORIGIN_PREFIX + column
            if origin in out:
                rows = out[origin] == record["key"]
                out.loc[rows, column] = np.nan
                out.loc[rows, origin] = ""
            else:
                rows = out[column].notna()
                out[column] = np.nan
            withheld[column] = withheld.get(column, 0) + int(rows.sum())
    return out, withheld
