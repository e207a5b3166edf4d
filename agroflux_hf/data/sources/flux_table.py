"""An imported tower table read back (``agroflux data import-flux``'s parquet), checked like a file.

Why: ``agroflux evaluate --towers`` and :func:`~agroflux_hf.data.sources.flux_towers.iter_site_frames`
take such a table as well as raw tower files, and the README's route for management is to add
schema-named columns to it. A table edited by hand skips every check of the importer: a flux left
in µmol m-2 s-1 (48 times too large once read as g C m-2 d-1) was scored as if it were right, and a
table without a ``date`` column failed with a bare ``KeyError``. Here the same plausibility ranges as
the importer (:data:`agroflux_hf.schema.PLAUSIBLE_DAILY_RANGES`) hold, but a value outside them is an
error naming the file, the column and the value: the importer sets a doubtful day missing, while a
table whose values are wrong is wrong as a whole (units, a shifted column) and is not to be repaired
day by day.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.contract import FRAME_KEY_COLUMNS
from agroflux_hf.data.sources.flux_file_format import MISSING_TEXT
from agroflux_hf.errors import DataFileError


def read_imported_table(path: Path) -> pd.DataFrame:
    """The table at ``path`` with its key columns present, dates as dates and every schema variable
    numeric and within its plausible daily range; a DataFileError names the file and the first problem found."""
    if not path.is_file():
        raise DataFileError(path, "file does not exist")
    try:
        table = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises its own types for a file that is not parquet
        raise DataFileError(path, f"cannot read it as a parquet table ({error})") from error
    missing = [c for c in FRAME_KEY_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(
            path,
            f"lacks the column(s) {missing} of a table written by `agroflux data import-flux` "
            f"(it has {list(table.columns)[:12]})",
        )
    table = table.copy()
    table[schema.DATE_COLUMN] = _dates(path, table[schema.DATE_COLUMN])
    for column in table.columns:
        if column in schema.VARIABLES or column == schema.EXPERIMENT:
            table[column] = _numbers(path, table[column])
    for name, (low, high) in schema.PLAUSIBLE_DAILY_RANGES.items():
        if name in table.columns:
            _check_range(path, table, name, low, high)
    return table


def _dates(path: Path, values: pd.Series) -> pd.Series:
    """Calendar days (datetime64, time of day 00:00): text dates are parsed, anything else is an error."""
    try:
        dates = pd.to_datetime(values, errors="raise")
    except (ValueError, TypeError) as error:
        raise DataFileError(path, f"column 'date' holds values that are not dates ({error})") from error
    if dates.isna().any():
        raise DataFileError(path, f"column 'date' is empty on {int(dates.isna().sum())} row(s)")
    if (dates != dates.dt.normalize()).any():
        raise DataFileError(path, "column 'date' holds times of day: a table has one row per day")
    return dates


def _numbers(path: Path, values: pd.Series) -> pd.Series:
    """The column as numbers; text that is not a number (nor :data:`MISSING_TEXT`) is an error, never
    read as missing."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna() & ~values.astype(str).str.strip().isin(MISSING_TEXT)
    if bad.any():
        example = values[bad].iloc[0]
        raise DataFileError(
            path,
            f"column {values.name!r} holds text that is not a number ({example!r}, {int(bad.sum())} row(s))",
        )
    return numbers.astype(np.float32)


def _check_range(path: Path, table: pd.DataFrame, name: str, low: float, high: float) -> None:
    values = table[name].to_numpy(np.float64)
    outside = np.isfinite(values) & ((values < low) | (values > high))
    if outside.any():
        row = table.loc[outside].iloc[0]
        raise DataFileError(
            path,
            f"column {name} has {int(outside.sum())} value(s) outside its plausible daily range "
            f"[{low:g}, {high:g}] {schema.unit(name)} (e.g. {float(row[name]):g} on "
            f"{pd.Timestamp(row[schema.DATE_COLUMN]).date()} at {row[schema.SITE_ID]}): "
            "values in other units than the schema's?",
        )
