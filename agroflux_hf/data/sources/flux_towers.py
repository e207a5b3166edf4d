"""Eddy-covariance tower files -> the canonical daily table (source ``tower``), with visible QC.

Formats, told apart from the header (first lines) of the file, plain or ``.gz``:

* **AmeriFlux BASE** (half-hourly or hourly): ``# Site: XX-Xxx`` comment lines, then
  ``TIMESTAMP_START,TIMESTAMP_END,...`` (``YYYYMMDDHHMM``); variables ``FC``, ``LE``, ``TA``, ``SW_IN``,
  ``VPD_PI``, ``P`` ..., optionally with position qualifiers (``LE_1_1_1``) or PI gap-filled versions
  (``FC_PI_F``, ``GPP_PI_F``, ``RECO_PI_F``).
* **FLUXNET2015 / ONEFlux** (``HH``, ``HR``, ``DD``; ``FULLSET`` or ``SUBSET``): ``NEE_VUT_REF``,
  ``GPP_NT_VUT_REF``, ``RECO_NT_VUT_REF``, ``LE_F_MDS``, ``TA_F``, ``SW_IN_F``, ``VPD_F``, ``P_F`` with
  ``*_QC`` flags; sub-daily files have ``TIMESTAMP_START/END``, daily (``DD``) files ``TIMESTAMP``
  (``YYYYMMDD``) and are already daily means (carbon fluxes in g C m-2 d-1).
* **European fluxdata** (europe-fluxdata.eu, the ICOS precursor): ``TIMESTAMP_END`` only, no comment
  lines, position qualifiers (``FC_1_1_1``, ``TA_1_1_1``, ``SW_IN_1_1_1``, ``VPD_PI_1_1_1``).
* **REddyProc text** (also hesseflux's examples): tab- or comma-separated, a units row under the header,
  time as ``Year, DoY, Hour`` (``Hour`` = end of the period, 0.5 ... 24) or ``Day, Month, Year, Hour,
  Minute`` (middle of the period); variables ``NEE``, ``LE``, ``Rg``, ``Tair``, ``VPD``, ``GPP_f``,
  ``Reco``. A file without a ``Year`` column needs ``year=``.

``-9999`` is missing everywhere. Every record is assigned to the day of its period *start*.

**Daily coverage rule.** A day gets a value for a variable when at least ``40 of 48`` half-hours (``20
of 24`` hours) hold a usable value (:data:`COVERAGE_FRACTION` of the records of a day); otherwise the day
is NaN, never filled. Daily value = mean of the usable records (``TMAX``/``TMIN`` = their max/min,
``PRECIP`` = their mean times the records per day, i.e. the daily total scaled to a full day).

**Measured versus gap-filled.** For the targets (``NEE``, ``GPP``, ``RECO``, ``ET``) only measured records
count by default (``measured_only=True``): FLUXNET records with ``*_QC == 0`` (daily files: ``*_QC`` =
fraction of measured or good gap-filled records >= the coverage fraction), and in BASE / European files
the measured columns (``FC``, ``LE``; REddyProc ``NEE``, ``LE``); with ``measured_only=False`` the PI's
gap-filled columns (``FC_PI_F``, ``LE_PI_F``; ``NEE_f``) fill their gaps. ``GPP`` and ``RECO`` are always
products of partitioning gap-filled NEE, so a record of them counts as measured only where measured NEE
exists for that record. Drivers take the measured column, or the gap-filled one when that is all the
file has (FLUXNET ``TA_F``, ``SW_IN_F``, ``VPD_F``, ``P_F``). SSITC quality flags (``FC_SSITC_TEST``,
flag 2 = reject) are applied only with ``use_ssitc_flags=True``: BASE data are already PI-filtered.

**Units.** CO2 fluxes: daily mean µmol CO2 m-2 s-1 × 12.011e-6 g C µmol-1 × 86400 s d-1 = × 1.0378
-> g C m-2 d-1. Latent heat: W m-2 × 86400 s / 2.45e6 J kg-1 = × 0.03527 -> mm d-1 of ET. Shortwave:
W m-2 × 0.0864 -> MJ m-2 d-1. Signs follow FLUXNET (``NEE > 0`` = release), as in the schema.

**QC rules**, applied in this order per site and variable; each rejected day is counted by the first
rule that rejects it, and its value becomes NaN (see :data:`QC_RULES`):
``coverage``, ``gap_filled``, ``quality_flag``, ``range`` (:data:`DAILY_RANGES`), ``sw_spike``
(daily SW_IN above :data:`SW_IN_MAX_TRANSMISSIVITY` × the extraterrestrial radiation of the site's latitude
and day of year; FAO-56 eq. 21). Every calendar day is kept, February 29 included (the 365-day sequence
builder drops it later and counts it).

**Kept by the site team.** Where an AmeriFlux BASE file carries the team's own gap-filled series beside
the measured one (``FC`` and ``FC_PI_F``, ``LE`` and ``LE_PI_F``), a record counts as measured only where
the two agree: a value the team replaced in its gap-filled series (quality flag 2, mostly at night) was
rejected by the team. A day is accepted by its share of such measured records, and its value is the
mean of the team's series over the whole day; ``GPP``/``RECO`` likewise are the team's partitioning of
the whole day, accepted by the day's share of measured NEE records.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.weather import extraterrestrial_radiation
from agroflux_hf.errors import DataFileError

log = logging.getLogger(__name__)

MISSING_VALUE = -9999.0
COVERAGE_FRACTION = 40 / 48
"""A day counts when at least this fraction of its records is usable (40 of 48 half-hours, 20 of 24 hours)."""

UMOL_CO2_TO_G_C_PER_DAY = 12.011e-6 * 86400.0
"""1.0378: a daily mean in µmol CO2 m-2 s-1 (12.011e-6 g C per µmol, 86400 s) -> g C m-2 d-1."""
LATENT_HEAT_OF_VAPORISATION = 2.45e6  # J kg-1 (FAO-56)
LE_TO_ET_MM_PER_DAY = 86400.0 / LATENT_HEAT_OF_VAPORISATION
"""0.03527: a daily mean LE in W m-2 -> mm d-1 of evapotranspiration (1 kg m-2 of water = 1 mm)."""
W_M2_TO_MJ_PER_DAY = 0.0864
"""A daily mean irradiance in W m-2 -> MJ m-2 d-1 (86400 s / 1e6)."""

SW_IN_MAX_TRANSMISSIVITY = 0.85
"""Daily SW_IN above this fraction of the extraterrestrial radiation is a sensor fault (``sw_spike``).

Clear-sky days transmit about 0.75 of the top-of-atmosphere radiation (FAO-56 eq. 37); 0.85 leaves room
for very clear, dry air, and catches US-Tw3's 2014 calibration drift (daily means up to 742 W m-2)."""

TARGETS = ("NEE", "GPP", "RECO", "ET", "TS_1", "SWC_1")
DRIVERS = ("TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")
TOWER_VARIABLES: tuple[str, ...] = (*DRIVERS, *TARGETS)
"""Daily variables every tower table carries (NaN where a site lacks them), in this order."""
STATIC_VARIABLES = ("CROPLAND", "LATITUDE", "LONGITUDE", "ELEVATION", "IRRIGATED")
"""Site attributes, from the metadata given to the reader (NaN when not given)."""
METADATA_COLUMNS = ("latitude", "longitude", "igbp")

DAILY_RANGES: dict[str, tuple[float, float]] = schema.PLAUSIBLE_DAILY_RANGES
"""Physical plausibility of daily values in schema units (rule ``range``)."""

QC_RULES: dict[str, str] = {
    "coverage": (
        f"fewer than {COVERAGE_FRACTION:.4f} of the day's records (40 of 48 half-hours, 20 of 24 hours) "
        "hold a value, counting gap-filled ones"
    ),
    "gap_filled": (
        "targets only, measured_only=True: enough records with a value, but not enough measured ones "
        "(FLUXNET *_QC > 0, PI gap-filled *_F columns; GPP/RECO need measured NEE)"
    ),
    "quality_flag": "enough measured records, but not after removing flagged ones (SSITC test flag 2, opt-in)",
    "range": "daily value outside DAILY_RANGES for the variable (schema units)",
    "sw_spike": (
        f"daily SW_IN above {SW_IN_MAX_TRANSMISSIVITY} x extraterrestrial radiation for the latitude and "
        "day of year (FAO-56 eq. 21; without a latitude, the largest value over all latitudes)"
    ),
}


class FluxFormat(StrEnum):
    AMERIFLUX_BASE = "ameriflux_base"
    FLUXNET = "fluxnet"
    EUROPE_FLUXDATA = "europe_fluxdata"
    REDDYPROC = "reddyproc"


# --------------------------------------------------------------------------------------------- QC report
@dataclass
class VariableQC:
    """Days of one variable at one site: how many had data, passed, and were rejected by each rule."""

    column: str  # the file column(s) it came from, "" when the file does not carry it
    days_available: int = 0
    days_passed: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)  # years with at least one passed day
    first_date: str = ""
    last_date: str = ""


@dataclass
class SiteQC:
    site_id: str
    file: str
    format: str
    resolution: str  # "30min", "60min" or "1D"
    days: int  # rows in the daily table (every calendar day)
    first_date: str
    last_date: str
    measured_only: bool
    duplicate_records: int
    variables: dict[str, VariableQC]


@dataclass
class QCReport:
    """Per site and variable: days available, passed, and rejected by each rule (rules described)."""

    coverage_rule: str
    rules: dict[str, str]
    daily_ranges: dict[str, list[float]]
    sites: list[SiteQC]

    def to_dict(self) -> dict:
        return asdict(self)

    def write_json(self, path: str | Path) -> Path:
        return _atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

    def site(self, site_id: str) -> SiteQC:
        for s in self.sites:
            if s.site_id == site_id:
                return s
        raise KeyError(f"no site {site_id!r} in the QC report; it has {[s.site_id for s in self.sites]}")


def _new_report(sites: list[SiteQC]) -> QCReport:
    return QCReport(
        coverage_rule=(
            "a day counts when at least 40 of 48 half-hours (20 of 24 hours) hold a usable value; "
            "otherwise NaN (never filled)"
        ),
        rules=dict(QC_RULES),
        daily_ranges={k: list(v) for k, v in DAILY_RANGES.items()},
        sites=sites,
    )


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
    is_fluxnet = bool(colset & _FLUXNET_NAMES) or any(m in c for c in columns for m in _FLUXNET_MARKERS)
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


# ------------------------------------------------------------------------------------ daily aggregation
def _records_per_day(step: pd.Timedelta) -> int:
    return int(pd.Timedelta(days=1) / step)


def _required_records(step: pd.Timedelta) -> int:
    return math.ceil(COVERAGE_FRACTION * _records_per_day(step) - 1e-9)


@dataclass
class _DailyCounts:
    """Per day: records with any value, measured records, measured and unflagged records, and the value."""

    n_any: pd.Series
    n_measured: pd.Series
    n_good: pd.Series
    value: pd.Series  # aggregated from usable records, NaN below coverage


def _aggregate(
    values: pd.Series,
    measured: pd.Series,
    flag_ok: pd.Series,
    day: pd.Series,
    how: str,
    required: int,
    per_day: int,
    use_measured: bool,
    whole_day: bool = False,
) -> _DailyCounts:
    """Daily counts and value. ``whole_day``: the value averages every present record of the day (a
    gap-filled series), while acceptance still counts the usable (measured, unflagged) records."""
    present = values.notna()
    usable = present & flag_ok & (measured if use_measured else True)
    grouped = pd.DataFrame(
        {"any": present, "meas": present & measured, "good": present & measured & flag_ok, "use": usable}
    ).groupby(day)
    counts = grouped.sum()
    kept = values.where(present if whole_day else usable).groupby(day)
    agg = {"mean": kept.mean, "max": kept.max, "min": kept.min}[how if how != "total" else "mean"]()
    if how == "total":
        agg = agg * per_day
    agg = agg.where((counts["use"] >= required) & (counts["any"] >= required))
    return _DailyCounts(counts["any"], counts["meas"], counts["good"], agg)


def _extraterrestrial_mj(latitude: float | None, doy: np.ndarray) -> np.ndarray:
    """FAO-56 eq. 21 (``weather.extraterrestrial_radiation``), >= 0; max over latitudes when unknown."""
    if latitude is None or not np.isfinite(latitude):
        lats = np.linspace(-90, 90, 181)
        return np.max([_extraterrestrial_mj(float(lat), doy) for lat in lats], axis=0)
    return np.maximum(extraterrestrial_radiation(float(latitude), doy), 0.0)


_SCHEMA_OF = {
    # schema name: (record quantity, aggregation, conversion factor)
    "NEE": ("NEE", "mean", UMOL_CO2_TO_G_C_PER_DAY),
    "GPP": ("GPP", "mean", UMOL_CO2_TO_G_C_PER_DAY),
    "RECO": ("RECO", "mean", UMOL_CO2_TO_G_C_PER_DAY),
    "ET": ("LE", "mean", LE_TO_ET_MM_PER_DAY),
    "TS_1": ("TS", "mean", 1.0),
    "SWC_1": ("SWC", "mean", 0.01),  # percent -> m3 m-3
    "TA": ("TA", "mean", 1.0),
    "TMAX": ("TA", "max", 1.0),
    "TMIN": ("TA", "min", 1.0),
    "PRECIP": ("P", "total", 1.0),
    "SW_IN": ("SW_IN", "mean", W_M2_TO_MJ_PER_DAY),
    "VPD": ("VPD", "mean", 1.0),
}
# FLUXNET DD files carry daily values: carbon fluxes already in g C m-2 d-1, P in mm d-1.
_DAILY_FILE_FACTOR = {
    "NEE": 1.0,
    "GPP": 1.0,
    "RECO": 1.0,
    "ET": LE_TO_ET_MM_PER_DAY,
    "PRECIP": 1.0,
    "SWC_1": 0.01,
}


def _daily_variable(
    name: str,
    records: pd.DataFrame,
    quantities: dict[str, _Quantity],
    step: pd.Timedelta,
    measured_only: bool,
) -> tuple[pd.Series, dict[str, pd.Series], str]:
    """One schema variable per day, and boolean day masks of the rules that rejected it (before range)."""
    quantity, how, factor = _SCHEMA_OF[name]
    day = records["day"]
    days_index = pd.Index(sorted(day.unique()))
    empty = pd.Series(np.nan, index=days_index)
    if quantity not in quantities:
        return empty, {}, ""
    q = quantities[quantity]
    values = records[q.value]
    if q.whole_day_series is not None:  # the site team's gap-filled series over the whole day
        values = records[q.whole_day_series].fillna(values)
    elif (
        q.filled is not None and q.kept_check is None
    ):  # measured where measured, the gap-filled series in the gaps
        values = values.fillna(records[q.filled])
    is_target = name in TARGETS
    daily_file = step == pd.Timedelta(days=1)
    if daily_file and how in ("max", "min"):
        return empty, {}, ""  # FLUXNET DD has no daily extremes
    if q.measured_qc is not None:
        qc = records[q.measured_qc]
        measured = qc >= COVERAGE_FRACTION if daily_file else qc == 0
    elif q.measured_from is not None:
        measured = records[q.measured_from].notna()
        if q.kept_check is not None:  # replaced by the team in its own gap-filled series: not measured
            measured &= np.isclose(records[q.measured_from], records[q.kept_check], rtol=1e-4, atol=1e-3)
    else:
        measured = pd.Series(not q.all_gap_filled, index=records.index)
    flag_ok = records[q.flag] < 2 if q.flag is not None else pd.Series(True, index=records.index)
    use_measured = measured_only and is_target
    required = 1 if daily_file else _required_records(step)
    per_day = 1 if daily_file else _records_per_day(step)
    whole_day = q.kept_check is not None and use_measured
    c = _aggregate(values, measured, flag_ok, day, how, required, per_day, use_measured, whole_day)
    factor = _DAILY_FILE_FACTOR.get(name, factor) if daily_file else factor
    value = c.value.reindex(days_index) * factor
    masks = {
        "available": (c.n_any > 0).reindex(days_index, fill_value=False),
        "coverage": ((c.n_any > 0) & (c.n_any < required)).reindex(days_index, fill_value=False),
        "gap_filled": (
            (c.n_any >= required) & (c.n_measured < required) if use_measured else c.n_any < 0
        ).reindex(days_index, fill_value=False),
        "quality_flag": (
            ((c.n_measured if use_measured else c.n_any) >= required) & (c.n_good < required)
            if q.flag is not None
            else c.n_any < 0
        ).reindex(days_index, fill_value=False),
    }
    source = q.value + (
        f" (measured: {q.measured_qc or q.measured_from})" if is_target and use_measured else ""
    )
    return value, masks, source


def _apply_daily_rules(
    name: str, value: pd.Series, masks: dict[str, pd.Series], latitude: float | None
) -> tuple[pd.Series, dict[str, int]]:
    """Range and SW_IN spike rules on daily values; counts of every rule (first rule that rejects wins)."""
    rejected: dict[str, int] = {}
    if not masks:
        return value, {rule: 0 for rule in QC_RULES}
    taken = pd.Series(False, index=value.index)
    for rule in ("coverage", "gap_filled", "quality_flag"):
        hit = masks[rule] & ~taken
        rejected[rule] = int(hit.sum())
        taken |= hit
    lo, hi = DAILY_RANGES[name]
    out_of_range = value.notna() & ((value < lo) | (value > hi)) & ~taken
    rejected["range"] = int(out_of_range.sum())
    value = value.mask(out_of_range)
    spike = pd.Series(False, index=value.index)
    if name == "SW_IN":
        doy = pd.DatetimeIndex(value.index).day_of_year.to_numpy()
        bound = SW_IN_MAX_TRANSMISSIVITY * _extraterrestrial_mj(latitude, doy)
        spike = value.notna() & (value > bound)
    rejected["sw_spike"] = int(spike.sum())
    return value.mask(spike), rejected


# ------------------------------------------------------------------------------------------ the reader
def _read_records(path: Path, header: _Header, needed: set[str]) -> pd.DataFrame:
    usecols = [c for c in header.columns if c in needed]
    try:
        data = pd.read_csv(
            path,
            sep=header.sep,
            skiprows=header.skiprows,
            header=0,
            usecols=usecols,
            dtype={c: str for c in usecols if c.upper().startswith("TIMESTAMP")},
            low_memory=False,
            keep_default_na=False,  # "n/a" or "NA" in a value column is an error, not a silent gap
            na_values=["", "NaN", "nan"],
        )
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as err:
        raise DataFileError(path, f"cannot parse the table: {err}") from err
    if data.empty:
        raise DataFileError(path, "file has a header but no data rows (empty)")
    return data


def _numeric_columns(path: Path, data: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Value columns as float64 with -9999 as NaN; a text value in a numeric column is an error."""
    out = {}
    for c in columns:
        if pd.api.types.is_numeric_dtype(data[c]):  # the parser found numbers only: nothing to check
            values = data[c].astype("float64")
            out[c] = values.mask(values == MISSING_VALUE)
            continue
        values = pd.to_numeric(data[c], errors="coerce").astype("float64")
        bad = values.isna() & data[c].notna() & (data[c].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFileError(
                path, f"column {c} has a non-numeric value {data[c].iloc[i]!r} (data row {i + 1})"
            )
        out[c] = values.mask(values == MISSING_VALUE)
    return pd.DataFrame(out, index=data.index)


def read_flux_file_with_qc(
    path: str | Path,
    *,
    site_id: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    igbp: str | None = None,
    year: int | None = None,
    measured_only: bool = True,
    use_ssitc_flags: bool = False,
    elevation: float | None = None,
    irrigated: bool | None = None,
) -> tuple[pd.DataFrame, SiteQC]:
    """Like :func:`read_flux_file`, and the QC figures of the file (see the module docstring)."""
    path = Path(path)
    header = _detect_header(path)
    site = site_id or header.site_id
    if not site:
        raise DataFileError(path, "cannot tell the site id from the file or its name; pass site_id=")
    if header.format == FluxFormat.FLUXNET:
        quantities = _fluxnet_quantities(header.columns)
    elif header.format == FluxFormat.REDDYPROC:
        quantities = _reddyproc_quantities(header.columns)
        _check_reddyproc_units(path, header, quantities)
    else:
        quantities = _base_quantities(header.columns, use_ssitc_flags)
    if not quantities:
        raise DataFileError(path, f"no flux or weather variable this importer knows in {header.columns[:12]}")
    time_cols = {c for c in header.columns if c.upper().startswith("TIMESTAMP")} | {
        c for c in header.columns if c.lower() in ("year", "doy", "day", "month", "hour", "minute")
    }
    value_cols = {
        v
        for q in quantities.values()
        for v in (q.value, q.measured_from, q.measured_qc, q.flag, q.filled, q.whole_day_series, q.kept_check)
        if v
    }
    data = _read_records(path, header, time_cols | value_cols)
    starts, step = _period_starts(path, header, data, year)
    records = _numeric_columns(path, data, sorted(value_cols))
    records["start"] = starts.to_numpy()
    duplicates = int(records["start"].duplicated().sum())
    records = records.drop_duplicates("start").sort_values("start")
    records["day"] = records["start"].dt.floor("D")

    daily: dict[str, pd.Series] = {}
    qc_vars: dict[str, VariableQC] = {}
    for name in TOWER_VARIABLES:
        value, masks, column = _daily_variable(name, records, quantities, step, measured_only)
        value, rejected = _apply_daily_rules(name, value, masks, latitude)
        daily[name] = value
        passed = value.dropna()
        qc_vars[name] = VariableQC(
            column=column,
            days_available=int(masks["available"].sum()) if masks else 0,
            days_passed=int(passed.size),
            rejected=rejected,
            years=sorted({int(d.year) for d in passed.index}),
            first_date=str(passed.index.min().date()) if passed.size else "",
            last_date=str(passed.index.max().date()) if passed.size else "",
        )
    frame = _canonical_frame(site, daily, latitude, longitude, igbp, elevation, irrigated)
    qc = SiteQC(
        site_id=site,
        file=str(path),
        format=header.format.value,
        resolution="1D" if step == pd.Timedelta(days=1) else f"{int(step / pd.Timedelta(minutes=1))}min",
        days=len(frame),
        first_date=str(frame["date"].min().date()) if len(frame) else "",
        last_date=str(frame["date"].max().date()) if len(frame) else "",
        measured_only=measured_only,
        duplicate_records=duplicates,
        variables=qc_vars,
    )
    log.info("%s: %s %s, %d days", path.name, site, header.format.value, len(frame))
    return frame, qc


def read_flux_file(
    path: str | Path,
    *,
    site_id: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    igbp: str | None = None,
    year: int | None = None,
    measured_only: bool = True,
    use_ssitc_flags: bool = False,
    elevation: float | None = None,
    irrigated: bool | None = None,
) -> pd.DataFrame:
    """One tower file (any supported format) -> the canonical daily table of its site.

    ``site_id`` overrides the one in the file or its name; ``latitude`` sharpens the SW_IN spike rule;
    ``igbp`` sets ``CROPLAND`` (1 for ``CRO``, 0 otherwise, NaN when unknown); ``year`` is needed only by
    REddyProc text without a Year column. ``measured_only=False`` lets gap-filled target records count.
    ``use_ssitc_flags=True`` drops BASE / European records whose SSITC flag is 2 (off by default: the PI
    has already filtered BASE data, and US-Tw3 flags 56 % of its FC records as 2). Raises
    :class:`DataFileError` naming the file for an empty, unknown or malformed file.
    """
    frame, _ = read_flux_file_with_qc(
        path,
        site_id=site_id,
        latitude=latitude,
        longitude=longitude,
        igbp=igbp,
        year=year,
        measured_only=measured_only,
        use_ssitc_flags=use_ssitc_flags,
        elevation=elevation,
        irrigated=irrigated,
    )
    return frame


def _canonical_frame(
    site_id: str,
    daily: dict[str, pd.Series],
    latitude: float | None,
    longitude: float | None,
    igbp: str | None,
    elevation: float | None = None,
    irrigated: bool | None = None,
) -> pd.DataFrame:
    """Daily series -> the canonical table: every calendar day from the first to the last with any value
    (February 29 included: only the 365-day sequence builder drops it, and counts it)."""
    values = pd.DataFrame(daily)
    has_any = values.notna().any(axis=1)
    if has_any.any():
        first, last = has_any[has_any].index.min(), has_any[has_any].index.max()
        dates = pd.date_range(first, last, freq="D")
    else:
        dates = pd.DatetimeIndex([])
    values = values.reindex(dates)
    frame = pd.DataFrame(
        {
            schema.SOURCE_FIELD: schema.Source.TOWER.value,
            schema.DOMAIN_FIELD: schema.SOURCE_DOMAIN[schema.Source.TOWER].value,
            schema.SITE_ID: site_id,
            schema.EXPERIMENT: np.int64(schema.NO_EXPERIMENT),
            "date": dates.astype("datetime64[ns]"),
        },
        index=range(len(dates)),
    )
    for name in TOWER_VARIABLES:
        frame[name] = values[name].to_numpy(dtype="float32")
    cropland = np.nan if not igbp else float(igbp.upper() == "CRO")
    statics = {
        "CROPLAND": cropland,
        "LATITUDE": latitude,
        "LONGITUDE": longitude,
        "ELEVATION": elevation,
        "IRRIGATED": None if irrigated is None else float(irrigated),
    }
    for name in STATIC_VARIABLES:
        frame[name] = np.float32(np.nan if statics[name] is None else statics[name])
    frame["latitude"] = np.float64(latitude if latitude is not None else np.nan)
    frame["longitude"] = np.float64(longitude if longitude is not None else np.nan)
    frame["igbp"] = (igbp or "").upper()
    frame[schema.EXPERIMENT] = frame[schema.EXPERIMENT].astype("int64")
    return frame


# ------------------------------------------------------------------------------------------ the importer
def import_flux_files(
    paths: Iterable[str | Path],
    out_parquet: str | Path,
    site_metadata: Mapping[str, Mapping[str, object]] | None = None,
    **read_options: object,
) -> QCReport:
    """Import tower files into one canonical parquet table (zstd) and its QC report as JSON beside it.

    ``site_metadata`` maps a site id to ``{"latitude", "longitude", "igbp"}`` (and optionally
    ``"site_id"`` overrides and ``"year"``); it may also be keyed by file name. ``read_options`` go to
    :func:`read_flux_file`. The JSON is ``<out stem>_qc.json``. Two files giving the same (site, day)
    are an error.
    """
    site_metadata = site_metadata or {}
    frames, sites = [], []
    for p in paths:
        frame, qc = _read_with_metadata(Path(p), site_metadata, read_options)
        frames.append(frame)
        sites.append(qc)
    if not frames:
        raise ValueError("import_flux_files: no files given")
    table = pd.concat(frames, ignore_index=True)
    dup = table.duplicated([schema.SITE_ID, "date"])
    if dup.any():
        row = table[dup].iloc[0]
        files = [s.file for s in sites if s.site_id == row[schema.SITE_ID]]
        raise DataFileError(
            files[-1], f"site {row['site_id']} has day {row['date'].date()} in more than one file: {files}"
        )
    table = table.sort_values([schema.SITE_ID, "date"], ignore_index=True)
    out = Path(out_parquet)
    write_parquet(table, out)
    report = _new_report(sites)
    report.write_json(qc_json_path(out))
    return report


def iter_site_frames(
    paths: str | Path | Iterable[str | Path],
    site_metadata: Mapping[str, Mapping[str, object]] | None = None,
    **read_options: object,
) -> Iterator[pd.DataFrame]:
    """One canonical daily frame per site (sorted by site id), from tower files or an imported table.

    A ``.parquet`` path is a table written by :func:`import_flux_files` (e.g. the embedded
    ``towers.parquet``); any other path is a tower file, read with :func:`read_flux_file` (metadata as in
    :func:`import_flux_files`). Files of the same site are joined; the same day twice is an error.
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    frames: list[pd.DataFrame] = []
    for p in map(Path, paths):
        if p.suffix == ".parquet":
            if not p.is_file():
                raise DataFileError(p, "file does not exist")
            frames.append(pd.read_parquet(p))
            continue
        frames.append(_read_with_metadata(p, site_metadata or {}, read_options)[0])
    if not frames:
        return
    table = pd.concat(frames, ignore_index=True)
    for site_id, site in table.groupby(schema.SITE_ID, sort=True):
        if site["date"].duplicated().any():
            day = site.loc[site["date"].duplicated(), "date"].iloc[0].date()
            raise DataFileError(
                paths[0], f"site {site_id} has day {day} more than once in {[str(p) for p in paths]}"
            )
        yield site.sort_values("date").reset_index(drop=True)


def _read_with_metadata(
    path: Path, site_metadata: Mapping[str, Mapping[str, object]], read_options: Mapping[str, object]
) -> tuple[pd.DataFrame, SiteQC]:
    """Read one file with its metadata: entries keyed by file name override those keyed by site id."""
    header_site = _detect_header(path).site_id
    file_meta = dict(site_metadata.get(path.name, {}))
    sid = file_meta.get(schema.SITE_ID) or read_options.get(schema.SITE_ID) or header_site
    meta = {**dict(site_metadata.get(str(sid), {})), **file_meta}
    options = dict(read_options)
    keys = (schema.SITE_ID, "latitude", "longitude", "igbp", "year", "elevation", "irrigated")
    options.update({k: meta[k] for k in keys if k in meta})
    return read_flux_file_with_qc(path, **options)


def qc_json_path(out_parquet: str | Path) -> Path:
    out = Path(out_parquet)
    return out.with_name(out.stem + "_qc.json")


def _umask_mode() -> int:
    """Permissions a plain ``open`` would give (mkstemp makes 0600 files, unreadable to others)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_parquet(table: pd.DataFrame, out: Path) -> Path:
    """Write with zstd to a temporary file in the same folder, then rename (no half-written table)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        table.to_parquet(tmp, compression="zstd", index=False)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _atomic_write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ------------------------------------------------------------------------------------------------- CLI
def register_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-flux",
        help="import eddy-covariance tower files (AmeriFlux BASE, FLUXNET, European fluxdata, REddyProc)",
        description="Tower files -> one canonical daily parquet table and a QC report (<out>_qc.json).",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, help="output parquet path")
    p.add_argument("--site-id", action="append", help="site id, once per file (default: from the file)")
    p.add_argument("--latitude", type=float, action="append", help="site latitude, once per file")
    p.add_argument("--longitude", type=float, action="append", help="site longitude, once per file")
    p.add_argument("--igbp", action="append", help="IGBP class (CRO = cropland), once per file")
    p.add_argument("--year", type=int, help="year of REddyProc text files without a Year column")
    p.add_argument("--site-metadata", help="JSON: {site_id: {latitude, longitude, igbp}}")
    p.add_argument("--include-gap-filled", action="store_true", help="let gap-filled target records count")
    p.add_argument("--use-ssitc-flags", action="store_true", help="drop records whose SSITC flag is 2")
    p.set_defaults(func=_import_flux_command)


def _import_flux_command(args: argparse.Namespace) -> int:
    meta: dict[str, dict] = {}
    if args.site_metadata:
        meta.update(json.loads(Path(args.site_metadata).read_text()))
    for option in (schema.SITE_ID, "latitude", "longitude", "igbp"):
        given = getattr(args, option)
        if given is not None and len(given) != len(args.files):
            raise SystemExit(
                f"--{option.replace('_', '-')} given {len(given)} times for {len(args.files)} files"
            )
        for f, v in zip(args.files, given or [], strict=False):
            meta.setdefault(Path(f).name, {})[option] = v
    options: dict[str, object] = {
        "measured_only": not args.include_gap_filled,
        "use_ssitc_flags": args.use_ssitc_flags,
    }
    if args.year is not None:
        options["year"] = args.year
    try:
        report = import_flux_files(args.files, args.out, site_metadata=meta, **options)
    except DataFileError as err:  # a bad input file is the user's to fix: say which and why, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 1
    for s in report.sites:
        passed = ", ".join(f"{k} {v.days_passed}" for k, v in s.variables.items())
        print(f"{s.site_id} ({s.format}, {s.resolution}): {s.days} days; passed: {passed}")
    print(f"wrote {args.out} and {qc_json_path(args.out)}")
    return 0
