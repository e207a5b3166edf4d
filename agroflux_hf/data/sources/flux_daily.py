"""Daily values and quality control of tower records: the coverage, gap-filled, quality-flag, range and
SW_IN spike rules, the unit conversions and the per-site QC report. Part of the tower reader
(``flux_towers.py``, whose docstring states the rules); split off so that the reader module stays
readable, with no change of behaviour.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.flux_file_format import _Quantity
from agroflux_hf.data.sources.weather import extraterrestrial_radiation
from agroflux_hf.files import atomic_write_text

log = logging.getLogger("agroflux_hf.data.sources.flux_towers")  # one logger name for the whole reader

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
        return atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

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
