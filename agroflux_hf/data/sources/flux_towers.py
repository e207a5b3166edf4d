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

import csv
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema

# The reader's parts, split off to keep this module readable; every name stays importable from here.
from agroflux_hf.data.sources.flux_daily import COVERAGE_FRACTION as COVERAGE_FRACTION
from agroflux_hf.data.sources.flux_daily import DAILY_RANGES as DAILY_RANGES
from agroflux_hf.data.sources.flux_daily import DRIVERS as DRIVERS
from agroflux_hf.data.sources.flux_daily import LATENT_HEAT_OF_VAPORISATION as LATENT_HEAT_OF_VAPORISATION
from agroflux_hf.data.sources.flux_daily import LE_TO_ET_MM_PER_DAY as LE_TO_ET_MM_PER_DAY
from agroflux_hf.data.sources.flux_daily import METADATA_COLUMNS as METADATA_COLUMNS
from agroflux_hf.data.sources.flux_daily import QC_RULES as QC_RULES
from agroflux_hf.data.sources.flux_daily import STATIC_VARIABLES as STATIC_VARIABLES
from agroflux_hf.data.sources.flux_daily import SW_IN_MAX_TRANSMISSIVITY as SW_IN_MAX_TRANSMISSIVITY
from agroflux_hf.data.sources.flux_daily import TARGETS as TARGETS
from agroflux_hf.data.sources.flux_daily import TOWER_VARIABLES as TOWER_VARIABLES
from agroflux_hf.data.sources.flux_daily import UMOL_CO2_TO_G_C_PER_DAY as UMOL_CO2_TO_G_C_PER_DAY
from agroflux_hf.data.sources.flux_daily import W_M2_TO_MJ_PER_DAY as W_M2_TO_MJ_PER_DAY
from agroflux_hf.data.sources.flux_daily import QCReport as QCReport
from agroflux_hf.data.sources.flux_daily import SiteQC as SiteQC
from agroflux_hf.data.sources.flux_daily import VariableQC as VariableQC
from agroflux_hf.data.sources.flux_daily import _apply_daily_rules, _daily_variable, _new_report
from agroflux_hf.data.sources.flux_daily import _extraterrestrial_mj as _extraterrestrial_mj
from agroflux_hf.data.sources.flux_file_format import MISSING_TEXT as MISSING_TEXT
from agroflux_hf.data.sources.flux_file_format import MISSING_VALUE as MISSING_VALUE
from agroflux_hf.data.sources.flux_file_format import FluxFormat as FluxFormat
from agroflux_hf.data.sources.flux_file_format import (
    _base_quantities,
    _check_reddyproc_units,
    _detect_header,
    _fluxnet_quantities,
    _Header,
    _open_text,
    _period_starts,
    _reddyproc_quantities,
)
from agroflux_hf.data.sources.flux_table import read_imported_table
from agroflux_hf.errors import DataFileError
from agroflux_hf.files import atomic_path, atomic_write_text

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ the reader
def _check_field_counts(path: Path, header: _Header) -> None:
    """Every data row has as many fields as the header: with ``usecols`` pandas no longer checks, and a
    stray separator would shift a row's values into the wrong columns without a word. Counting
    separators is the fast path; a line that disagrees is parsed with quotes respected before it fails."""
    expected, skipped, sep = len(header.columns), set(header.skiprows) | {header.header_line}, header.sep
    try:
        with _open_text(path) as lines:
            for number, line in enumerate(lines):
                if line.count(sep) + 1 == expected or number in skipped:
                    continue
                text = line.rstrip("\r\n")
                if not text.strip() or text.lstrip().startswith("#"):
                    continue
                found = len(next(csv.reader([text], delimiter=sep)))
                if found != expected:
                    raise DataFileError(
                        path,
                        f"line {number + 1} has {found} fields, the header has {expected}: a stray or "
                        "missing separator",
                    )
    except (OSError, EOFError, csv.Error) as err:
        raise DataFileError(path, f"cannot read the file: {err}") from err


def _read_records(path: Path, header: _Header, needed: set[str]) -> pd.DataFrame:
    _check_field_counts(path, header)
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
            na_values=list(MISSING_TEXT),
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


def static_values(
    latitude: float | None,
    longitude: float | None,
    igbp: str | None,
    elevation: float | None = None,
    irrigated: bool | None = None,
) -> dict[str, float | None]:
    """A site's static attributes in schema names (None = not stated); ``CROPLAND`` is 1 for IGBP
    ``CRO``, 0 for any other class. One rule for files read here and for imported tables."""
    return {
        "CROPLAND": None if not igbp else float(str(igbp).upper() == "CRO"),
        "LATITUDE": latitude,
        "LONGITUDE": longitude,
        "ELEVATION": elevation,
        "IRRIGATED": None if irrigated is None else float(bool(irrigated)),
    }


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
    statics = static_values(latitude, longitude, igbp, elevation, irrigated)
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
    ``towers.parquet``), checked by :func:`~agroflux_hf.data.sources.flux_table.read_imported_table`
    (key columns, dates, numbers, plausible ranges); any other path is a tower file, read with :func:`read_flux_file` (metadata as in
    :func:`import_flux_files`). Files of the same site are joined; the same day twice is an error.
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    frames: list[pd.DataFrame] = []
    for p in map(Path, paths):
        if p.suffix == ".parquet":
            frames.append(_table_with_metadata(read_imported_table(p), p, site_metadata or {}))
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


def _table_with_metadata(
    table: pd.DataFrame, path: Path, site_metadata: Mapping[str, Mapping[str, object]]
) -> pd.DataFrame:
    """An imported table with the site attributes the user gives (by site id, or by file name for a
    table of one site) written over its static columns: a table has no header to read them from, and
    an option the user gave must not be ignored. ``site_id`` cannot rename a table's site."""
    sites = sorted(map(str, table[schema.SITE_ID].unique())) if schema.SITE_ID in table else []
    by_file = dict(site_metadata.get(path.name, {}))
    if by_file.get(schema.SITE_ID) not in (None, *sites):
        raise DataFileError(path, f"a table's site ids ({sites}) cannot be renamed; drop --site-id for it")
    by_file.pop(schema.SITE_ID, None)
    if by_file and len(sites) != 1:
        raise DataFileError(
            path, f"holds {len(sites)} sites {sites}: give their attributes by site id in --site-metadata"
        )
    table = table.copy()
    for site in sites:
        meta = {**dict(site_metadata.get(site, {})), **by_file}
        rows = table[schema.SITE_ID].astype(str) == site
        columns = static_values(
            meta.get("latitude"),
            meta.get("longitude"),
            meta.get("igbp"),
            meta.get("elevation"),
            meta.get("irrigated"),
        )
        for name, value in columns.items():
            if value is not None:
                table.loc[rows, name] = np.float32(value)
        for name in ("latitude", "longitude"):
            if meta.get(name) is not None and name in table:
                table.loc[rows, name] = float(meta[name])
        if meta.get("igbp") and "igbp" in table:
            table.loc[rows, "igbp"] = str(meta["igbp"]).upper()
    return table


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


def write_parquet(table: pd.DataFrame, out: Path) -> Path:
    """zstd parquet written beside ``out`` and renamed (files.atomic_path): no half-written table."""
    with atomic_path(out) as tmp:
        table.to_parquet(tmp, compression="zstd", index=False)
    return Path(out)


_atomic_write_text = atomic_write_text  # the old private name (derive scripts used it)
