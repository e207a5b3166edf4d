"""Tower files as found: which format a file is, which columns hold which quantity, and when each
record starts. Part of the tower reader (``flux_towers.py``, whose docstring describes the formats);
split off so that the reader module stays readable, with no change of behaviour.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf.errors import DataFileError

log = logging.getLogger("agroflux_hf.data.sources.flux_towers")  # one logger name for the whole reader

MISSING_VALUE = -9999.0
MISSING_TEXT: tuple[str, ...] = ("", "NaN", "nan")
"""Text read as missing in a number column (``"NA"`` or ``"n/a"`` is not: an error, not a silent gap)."""


class FluxFormat(StrEnum):
    AMERIFLUX_BASE = "ameriflux_base"
    FLUXNET = "fluxnet"
    EUROPE_FLUXDATA = "europe_fluxdata"
    REDDYPROC = "reddyproc"


# ------------------------------------------------------------------------------------------ file header
@dataclass
class _Header:
    format: FluxFormat
    columns: list[str]
    sep: str
    skiprows: list[int]  # line numbers (0-based) that are not data: comments, units row
    header_line: int
    site_id: str | None
    units: dict[str, str]


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _first_lines(path: Path, n: int = 64) -> list[str]:
    try:
        with _open_text(path) as f:
            lines = []
            for line in f:
                lines.append(line.rstrip("\r\n"))
                if len(lines) >= n:
                    break
    except (OSError, EOFError, UnicodeError) as err:
        raise DataFileError(path, f"cannot read the file: {err}") from err
    return lines


def _split(line: str, sep: str) -> list[str]:
    return [c.strip().strip('"') for c in line.split(sep)]


def _guess_sep(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (",", "\t", ";")}
    return max(counts, key=counts.get)


_SITE_ID_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}-[A-Za-z0-9]{3})(?![A-Za-z0-9])")
_FLUXNET_MARKERS = ("_VUT_REF", "_CUT_REF", "_F_MDS")
_FLUXNET_NAMES = {"TA_F", "SW_IN_F", "VPD_F", "P_F", "LE_F_MDS", "NEE_VUT_REF"}
_KNOWN_VARIABLE_RE = re.compile(
    r"^(FC|NEE|GPP|RECO|LE|H|TA|SW_IN|VPD|P|RH|Rg|Tair|rH|Ustar|USTAR|LE_F_MDS)(_|$)", re.IGNORECASE
)


_BASE_FLUX_COLUMNS = (
    "FC",
    "NEE_PI",
    "NEE",
    "FC_PI_F",
    "NEE_PI_F",
    "FC_F",
    "NEE_F",
    "LE",
    "LE_PI",
    "LE_PI_F",
    "LE_F",
)
"""AmeriFlux BASE's CO2 and latent heat flux columns (with or without qualifiers such as ``_1_1_1``)."""


def _looks_like_fluxnet(columns: list[str]) -> bool:
    """A FLUXNET (ONEFlux) file: a ONEFlux flux product (``_VUT_REF``, ``_CUT_REF``, ``_F_MDS``), or its
    gap-filled meteorology (``TA_F``, ``SW_IN_F``...) without any BASE flux column. BASE files may carry
    ``TA_F`` too (the PI's gap-filled series); read as FLUXNET, their ``FC`` and ``LE`` would be dropped."""
    if any(marker in c for c in columns for marker in _FLUXNET_MARKERS):
        return True
    return bool(set(columns) & _FLUXNET_NAMES) and _find_column(columns, list(_BASE_FLUX_COLUMNS)) is None


def _detect_header(path: Path) -> _Header:
    """Which format the file is, where its header is, and its columns; clear errors otherwise."""
    if not path.exists():
        raise DataFileError(path, "file does not exist")
    lines = _first_lines(path)
    if not any(line.strip() for line in lines):
        raise DataFileError(path, "file is empty")
    idx = 0
    comments: list[str] = []
    while idx < len(lines) and (lines[idx].lstrip().startswith("#") or not lines[idx].strip()):
        comments.append(lines[idx])
        idx += 1
    # ONEFlux ``*_qca_*`` files: a "key,value" preamble (site, year, lat, ...) before the header line.
    preamble = next(
        (i for i, line in enumerate(lines) if i > idx and line.lstrip('"').startswith("TIMESTAMP_START,")),
        None,
    )
    if preamble is not None and not lines[idx].lstrip('"').startswith("TIMESTAMP"):
        comments.extend("# " + line.replace(",", ": ", 1) for line in lines[idx:preamble])
        idx = preamble
    if idx >= len(lines):
        raise DataFileError(path, "no header line after the comment lines (file is empty)")
    sep = _guess_sep(lines[idx])
    columns = _split(lines[idx], sep)
    colset = set(columns)
    site_id = None
    for c in comments:
        m = re.search(r"[Ss]ite:\s*([A-Za-z0-9-]+)", c)
        if m:
            site_id = m.group(1)
    if site_id is None:
        m = _SITE_ID_RE.search(path.name)
        site_id = m.group(1) if m else None

    units: dict[str, str] = {}
    skip = list(range(idx))
    lower = {c.lower() for c in columns}
    is_fluxnet = _looks_like_fluxnet(columns)
    if "hour" in lower and ({"doy", "day"} & lower):
        fmt = FluxFormat.REDDYPROC
        if idx + 1 < len(lines):
            second = _split(lines[idx + 1], sep)
            if second and not _looks_numeric(second[0]):
                units = dict(zip(columns, second, strict=False))
                skip.append(idx + 1)
    elif "TIMESTAMP_START" in colset and "TIMESTAMP_END" in colset:
        fmt = FluxFormat.FLUXNET if is_fluxnet else FluxFormat.AMERIFLUX_BASE
    elif "TIMESTAMP" in colset and is_fluxnet:
        fmt = FluxFormat.FLUXNET
    elif "TIMESTAMP_END" in colset:
        fmt = FluxFormat.EUROPE_FLUXDATA
    elif any(_KNOWN_VARIABLE_RE.match(c) for c in columns):
        raise DataFileError(
            path,
            "missing timestamp columns: expected TIMESTAMP_START and TIMESTAMP_END (AmeriFlux BASE, "
            "FLUXNET), TIMESTAMP (FLUXNET DD), TIMESTAMP_END (European fluxdata) or Year/DoY/Hour "
            f"(REddyProc); the header has {columns[:8]}",
        )
    else:
        raise DataFileError(
            path,
            "unknown format: not AmeriFlux BASE, FLUXNET2015/ONEFlux, European fluxdata or REddyProc text "
            f"(header starts {lines[idx][:120]!r})",
        )
    if idx + 1 + (1 if units else 0) >= len(lines) or not any(
        line.strip() for line in lines[idx + 1 + (1 if units else 0) :]
    ):
        raise DataFileError(path, "file has a header but no data rows (empty)")
    return _Header(fmt, columns, sep, skip, idx, site_id, units)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -------------------------------------------------------------------------------------- column choice
@dataclass(frozen=True)
class _Quantity:
    """How one record-level quantity is read from a file."""

    value: str  # column name
    measured_from: str | None = None  # column whose presence/QC marks a record as measured
    measured_qc: str | None = None  # FLUXNET *_QC column: 0 = measured (HH/HR), fraction (DD)
    all_gap_filled: bool = False  # the column holds only gap-filled / modelled values
    filled: str | None = None  # gap-filled version of ``value``: fills its gaps (they count as not measured)
    flag: str | None = None  # SSITC test column (0, 1 = keep, 2 = reject)
    # The site team's gap-filled series of this quantity (e.g. FC_PI_F for NEE): a day's value is the
    # mean of this series over the whole day (the measured column where the series has a gap).
    whole_day_series: str | None = None
    # The gap-filled series a record is checked against: it counts as measured only where the measured
    # column equals it (the team kept the value). NEE and LE: their own whole-day series; GPP and RECO:
    # NEE's (their partitioning of the whole day is accepted by the day's share of measured NEE).
    kept_check: str | None = None


_QUALIFIER_RE = r"(?:_(\d+)_(\d+)_(\d+)|_(\d+))?"


def _find_column(columns: Iterable[str], bases: Iterable[str]) -> str | None:
    """The first column named ``base`` or ``base`` + a position qualifier, for the first base that exists.

    Among qualified columns the lowest indices win (``_1_1_1``: first horizontal position, the top one).
    """
    columns = list(columns)
    for base in bases:
        if base in columns:
            return base
        pattern = re.compile("^" + re.escape(base) + _QUALIFIER_RE + "$")
        hits = []
        for c in columns:
            m = pattern.match(c)
            if m:
                hits.append((tuple(int(g) for g in m.groups() if g is not None), c))
        if hits:
            return min(hits)[1]
    return None


def _qualifier(column: str, base: str) -> str:
    return column[len(base) :] if column.startswith(base) else ""


def _base_quantities(columns: list[str], use_flags: bool) -> dict[str, _Quantity]:
    """AmeriFlux BASE and European fluxdata: measured columns first, the PI's gap-filled ones as fallback."""
    out: dict[str, _Quantity] = {}

    def measured_or_filled(name: str, measured: list[str], filled: list[str], flag_base: str | None):
        col = _find_column(columns, measured)
        gap_filled = _find_column(columns, filled)
        if col is not None:
            flag = None
            if use_flags and flag_base is not None:
                base = next(b for b in measured if col.startswith(b))
                flag = _find_column(columns, [f"{flag_base}_SSITC_TEST{_qualifier(col, base)}"])
            out[name] = _Quantity(col, measured_from=col, flag=flag, filled=gap_filled)
        elif gap_filled is not None:
            out[name] = _Quantity(gap_filled, all_gap_filled=True)

    measured_or_filled("NEE", ["FC", "NEE_PI", "NEE"], ["FC_PI_F", "NEE_PI_F", "FC_F", "NEE_F"], "FC")
    measured_or_filled("LE", ["LE", "LE_PI"], ["LE_PI_F", "LE_F"], "LE")
    for name in ("NEE", "LE"):  # measured = kept by the site team in its own gap-filled series
        q = out.get(name)
        if q is not None and q.measured_from is not None and q.filled is not None:
            out[name] = _Quantity(
                q.value,
                measured_from=q.measured_from,
                flag=q.flag,
                whole_day_series=q.filled,
                kept_check=q.filled,
            )
    for name, bases in {
        "TS": ["TS", "TS_PI", "TS_PI_F", "TS_F"],
        "SWC": ["SWC", "SWC_PI", "SWC_PI_F", "SWC_F"],
    }.items():
        col = _find_column(columns, bases)
        if col is not None:
            out[name] = _Quantity(col, measured_from=col)
    for name, bases in {
        "TA": ["TA", "TA_PI", "TA_PI_F", "TA_F"],
        "SW_IN": ["SW_IN", "SW_IN_PI", "SW_IN_PI_F", "SW_IN_F"],
        "VPD": ["VPD", "VPD_PI", "VPD_PI_F", "VPD_F"],
        "P": ["P", "P_PI", "P_PI_F", "P_F"],
    }.items():
        col = _find_column(columns, bases)
        if col is not None:
            out[name] = _Quantity(col)
    nee_measured = out["NEE"].measured_from if "NEE" in out else None
    nee_flag = out["NEE"].flag if "NEE" in out else None
    nee_kept_check = out["NEE"].kept_check if "NEE" in out else None
    for name, bases in {
        "GPP": ["GPP_PI_F", "GPP_F", "GPP_PI", "GPP"],
        "RECO": ["RECO_PI_F", "RECO_F", "RECO_PI", "RECO"],
    }.items():
        col = _find_column(columns, bases)
        if col is not None:
            # The partitioning of the whole day, accepted by the day's share of measured NEE records.
            out[name] = _Quantity(
                col,
                measured_from=nee_measured,
                all_gap_filled=nee_measured is None,
                flag=nee_flag,
                kept_check=nee_kept_check,
            )
    return out


def _fluxnet_quantities(columns: list[str]) -> dict[str, _Quantity]:
    """FLUXNET2015 / ONEFlux: the reference (VUT) products, measured where their ``*_QC`` says so."""
    out: dict[str, _Quantity] = {}
    cols = set(columns)
    nee = _find_column(columns, ["NEE_VUT_REF", "NEE_CUT_REF"])
    nee_qc = f"{nee}_QC" if nee and f"{nee}_QC" in cols else None
    if nee:
        out["NEE"] = _Quantity(nee, measured_qc=nee_qc, all_gap_filled=nee_qc is None)
    part = "VUT" if nee in (None, "NEE_VUT_REF") else "CUT"
    for name in ("GPP", "RECO"):
        col = _find_column(columns, [f"{name}_NT_{part}_REF", f"{name}_DT_{part}_REF"])
        if col:
            out[name] = _Quantity(col, measured_qc=nee_qc, all_gap_filled=nee_qc is None)
    for name, col in {"LE": "LE_F_MDS", "TS": "TS_F_MDS_1", "SWC": "SWC_F_MDS_1"}.items():
        if col in cols:
            qc = f"{col}_QC" if f"{col}_QC" in cols else None
            out[name] = _Quantity(col, measured_qc=qc, all_gap_filled=qc is None)
    for name, col in {"TA": "TA_F", "SW_IN": "SW_IN_F", "VPD": "VPD_F", "P": "P_F"}.items():
        if col in cols:
            out[name] = _Quantity(col)
    return out


_REDDYPROC_NAMES = {
    "NEE": (["NEE"], ["NEE_f", "NEE_F"]),
    "LE": (["LE"], ["LE_f", "LE_F"]),
    "GPP": ([], ["GPP_f", "GPP_F", "GPP"]),
    "RECO": ([], ["Reco", "RECO", "Reco_f", "RECO_F"]),
    "TA": (["Tair", "TA"], ["Tair_f", "TA_F"]),
    "SW_IN": (["Rg", "SW_IN"], ["Rg_f", "SW_IN_F"]),
    "VPD": (["VPD"], ["VPD_f", "VPD_F"]),
    "P": (["Precip", "P"], ["Precip_f", "P_F"]),
}

# Units the REddyProc units row may give for each quantity (compared without spaces and underscores).
_REDDYPROC_UNITS = {
    "NEE": {"umolm-2s-1", "µmolm-2s-1", "umolco2m-2s-1"},
    "GPP": {"umolm-2s-1", "µmolm-2s-1", "umolco2m-2s-1"},
    "RECO": {"umolm-2s-1", "µmolm-2s-1", "umolco2m-2s-1"},
    "LE": {"wm-2", "wm-2s-1"},
    "TA": {"degc", "°c", "c"},
    "SW_IN": {"wm-2"},
    "VPD": {"hpa"},
    "P": {"mm"},
}


def _reddyproc_quantities(columns: list[str]) -> dict[str, _Quantity]:
    out: dict[str, _Quantity] = {}
    lookup = {c.lower(): c for c in columns}  # hesseflux writes "rg" where REddyProc writes "Rg"
    for name, (measured, filled) in _REDDYPROC_NAMES.items():
        col = next((lookup[c.lower()] for c in measured if c.lower() in lookup), None)
        gap_filled = next((lookup[c.lower()] for c in filled if c.lower() in lookup), None)
        if col is not None:
            out[name] = _Quantity(col, measured_from=col, filled=gap_filled)
        elif gap_filled is not None:
            out[name] = _Quantity(gap_filled, all_gap_filled=True)
    nee_measured = out["NEE"].measured_from if "NEE" in out else None
    for name in ("GPP", "RECO"):
        if name in out:
            out[name] = _Quantity(
                out[name].value, measured_from=nee_measured, all_gap_filled=nee_measured is None
            )
    for name in ("TA", "SW_IN", "VPD", "P"):  # drivers: the measured column, gap-filled only without one
        if name in out:
            out[name] = _Quantity(out[name].value)
    return out


def _check_reddyproc_units(path: Path, header: _Header, quantities: dict[str, _Quantity]) -> None:
    for name, q in quantities.items():
        unit = header.units.get(q.value, "")
        norm = unit.replace(" ", "").replace("_", "").lower()
        if norm in ("", "-", "--", "na") or name not in _REDDYPROC_UNITS:
            continue
        if norm not in _REDDYPROC_UNITS[name]:
            raise DataFileError(
                path,
                f"column {q.value!r} has unit {unit!r}; expected one of {sorted(_REDDYPROC_UNITS[name])}",
            )


# ------------------------------------------------------------------------------------------ timestamps
def _parse_stamp(path: Path, raw: pd.Series, column: str, fmt: str) -> pd.Series:
    text = raw.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)
    stamps = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = stamps.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFileError(
            path,
            f"unparseable timestamp {text.iloc[i]!r} in column {column} (data row {i + 1}; expected {fmt})",
        )
    return stamps


def _step_of(path: Path, stamps: pd.Series) -> pd.Timedelta:
    diffs = stamps.diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        raise DataFileError(path, "cannot tell the time step: fewer than two distinct timestamps")
    step = diffs.mode().iloc[0]
    if step not in (pd.Timedelta(minutes=30), pd.Timedelta(minutes=60), pd.Timedelta(days=1)):
        raise DataFileError(
            path, f"time step of {step}; only half-hourly, hourly or daily (FLUXNET DD) files are supported"
        )
    return step


def _period_starts(
    path: Path, header: _Header, data: pd.DataFrame, year: int | None
) -> tuple[pd.Series, pd.Timedelta]:
    """The start of each record's period, and the record length."""
    cols = set(data.columns)
    if header.format in (FluxFormat.AMERIFLUX_BASE, FluxFormat.FLUXNET) and "TIMESTAMP_START" in cols:
        starts = _parse_stamp(path, data["TIMESTAMP_START"], "TIMESTAMP_START", "%Y%m%d%H%M")
        return starts, _step_of(path, starts)
    if header.format == FluxFormat.FLUXNET:
        days = _parse_stamp(path, data["TIMESTAMP"], "TIMESTAMP", "%Y%m%d")
        step = _step_of(path, days)
        if step != pd.Timedelta(days=1):
            raise DataFileError(
                path, f"FLUXNET TIMESTAMP file with a step of {step}; only DD files are supported"
            )
        return days, step
    if header.format == FluxFormat.EUROPE_FLUXDATA:
        ends = _parse_stamp(path, data["TIMESTAMP_END"], "TIMESTAMP_END", "%Y%m%d%H%M")
        step = _step_of(path, ends)
        return ends - step, step
    return _reddyproc_starts(path, data, year)


def _reddyproc_starts(path: Path, data: pd.DataFrame, year: int | None) -> tuple[pd.Series, pd.Timedelta]:
    lookup = {c.lower(): c for c in data.columns}

    def numeric(name: str) -> pd.Series:
        values = pd.to_numeric(data[lookup[name]], errors="coerce")
        if values.isna().any():
            i = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataFileError(
                path,
                f"unparseable timestamp: column {lookup[name]} has {data[lookup[name]].iloc[i]!r} (data row {i + 1})",
            )
        return values

    if "year" in lookup:
        years = numeric("year").astype(int)
    elif year is not None:
        years = pd.Series(int(year), index=data.index)
    else:
        raise DataFileError(path, "REddyProc text without a Year column: pass year= (e.g. year=1998)")
    hours = numeric("hour")
    if "month" in lookup and "day" in lookup:  # Day, Month, Year, Hour, Minute: middle of the period
        minutes = numeric("minute") if "minute" in lookup else pd.Series(0.0, index=data.index)
        try:
            stamps = pd.to_datetime(
                {"year": years, "month": numeric("month").astype(int), "day": numeric("day").astype(int)}
            ) + pd.to_timedelta(hours * 60 + minutes, unit="min")
        except (ValueError, OverflowError) as err:
            raise DataFileError(path, f"unparseable timestamp in Day/Month/Year columns: {err}") from err
        step = _step_of(path, stamps)
        offset = (stamps - stamps.dt.floor(step)) == step / 2
        return (stamps - step / 2 if offset.all() else stamps - step), step
    doy_col = "doy" if "doy" in lookup else "day"
    doy = numeric(doy_col)
    if (doy < 1).any() or (doy > 367).any() or (hours < 0).any() or (hours > 24).any():
        raise DataFileError(path, "unparseable timestamp: DoY outside 1..367 or Hour outside 0..24")
    ends = pd.to_datetime(years.astype(str) + "-01-01") + pd.to_timedelta((doy - 1) * 24 + hours, unit="h")
    step = _step_of(path, ends)
    return ends - step, step
