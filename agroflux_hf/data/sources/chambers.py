"""Real chamber N2O (Saha, Basso and Robertson 2021) -> a canonical daily table of plot-year sequences.

Why this layout: one sequence is one (field, replicate plot, year), so ``site_id`` is the plot
(``KBS-BCSE-R1``, ``KBS-MCSE-T2-R1`` .. ``R4``, ``ARL-R1`` .. ``R5``) and ``experiment`` is the N rate of
the crop harvested that calendar year in kg N ha-1 (Saha's ``N_rate``; the MCSE-T2 rotation and the
Arlington N-rate trial change it from year to year). Every day of a plot-year is a row with the site's
weather; N2O is observed on sampling days only and NaN elsewhere.

Source file (CC0, Dryad doi:10.5061/dryad.bnzs7h493): one row per plot and sampling day, N2O in
g N2O-N ha-1 d-1 (x 1e-4 -> the schema's g N m-2 d-1; > 0 = emission, negative uptake kept), N rate,
crop, replicate, soil clay, sand (g kg-1) and organic matter (%), and days after the last first
(``DAF_TD``) and side-dress (``DAF_SD``) N applications, from which the application dates follow.

Management honesty: the file gives application *dates* and the crop's total N rate but not the amount of
each application. ``N_FERT_DAY`` flags every application day; ``N_FERT`` holds the amount only where a
crop received all its N in one application, is NaN on other application days and 0 on every other day
of a year whose applications are known. These are the crop's main applications, those the DAF columns
count; smaller ones (e.g. ammonium sulfate with herbicides) are not in the file and show as 0.
``N_RATE`` (static) is the crop's total. Planting and harvest
dates are not in the file: those columns are absent (unknown), not zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.station_weather import (
    ARLINGTON,
    DRIVERS,
    KBS,
    ORIGIN_PREFIX,
    SiteLocation,
    StationWeather,
)
from agroflux_hf.errors import DataFileError

SAHA_FILE = "n2o/saha2020/Saha_et_al_2020_ERL_Data.csv"  # relative to the source folder
SAHA_SOURCE_KEY = "saha2021"
G_PER_HA_TO_G_PER_M2 = 1e-4  # g N2O-N ha-1 d-1 -> g N m-2 d-1
KG_PER_HA_TO_G_PER_M2 = 0.1  # kg N ha-1 -> g N m-2
PERCENT_TO_G_PER_KG = 10.0  # soil organic matter % -> g kg-1

SAHA_COLUMNS = (
    "Date",
    "Year",
    "Experiment",
    "Replication",
    "Vegetation",
    "N2O",
    "N_rate",
    "DAF_TD",
    "DAF_SD",
)
SAHA_SOIL_COLUMNS = ("Clay", "Sand", "SOM")
CROP_FLAG: dict[str, float] = {"Corn": 1.0, "GLYMX": 0.0, "TRIAE": 0.0}  # maize; soybean; winter wheat


@dataclass(frozen=True)
class ChamberField:
    """One experiment of Saha's file: its plot-id prefix, weather site and what it is."""

    saha_name: str
    prefix: str
    location: SiteLocation
    description: str


FIELDS: dict[str, ChamberField] = {
    f.saha_name: f
    for f in (
        ChamberField(
            "BCSE_KBS",
            "KBS-BCSE",
            KBS,
            "KBS GLBRC Biofuel Cropping System Experiment, continuous maize, automated chambers, one plot",
        ),
        ChamberField(
            "MCSE-T2",
            "KBS-MCSE-T2",
            KBS,
            "KBS LTER Main Cropping System Experiment treatment T2 "
            "(no-till maize-soybean-wheat), static chambers, four replicate plots",
        ),
        ChamberField(
            "Arlington WI",
            "ARL",
            ARLINGTON,
            "Arlington Agricultural Research Station, Wisconsin, "
            "maize N-rate trial, five replicate plots (rate assigned per plot and year)",
        ),
    )
}
STATIC_OUT = ("LATITUDE", "LONGITUDE", "ELEVATION", "CLAY", "SAND", "SILT", "SOIL_OM", "CROPLAND")


def site_id_of(saha_experiment: str, replicate: str) -> str:
    """``KBS-MCSE-T2`` + ``R1`` -> ``KBS-MCSE-T2-R1``."""
    return f"{FIELDS[saha_experiment].prefix}-{replicate}"


def field_of_site(site_id: str) -> str:
    """The field (all replicate plots of a treatment) a plot belongs to: ``KBS-MCSE-T2-R1`` -> ``KBS-MCSE-T2``.
    Spatial folds hold out whole fields, so no plot is tested while its replicate twins train."""
    return site_id.rsplit("-", 1)[0]


def station_of_plot(site_id: str) -> str:
    """The research station a plot is at: ``KBS-BCSE-R1`` and ``KBS-MCSE-T2-R1`` -> ``KBS``, ``ARL-R2`` ->
    ``ARL``. All plots of a station are driven by one weather series (NASA POWER's cell at KBS, the
    AWON station at Arlington), so the temporal split gives them one calendar (SourceSpec.weather_group)."""
    return site_id.split("-", 1)[0]


def _require_columns(raw: pd.DataFrame, path: Path, names: tuple[str, ...]) -> None:
    missing = [c for c in names if c not in raw.columns]
    if missing:
        raise DataFileError(path, f"lacks the column(s) {missing}: not Saha et al.'s ERL data file")


def read_saha(path: str | Path) -> pd.DataFrame:
    """Saha et al. (2021) plot-days -> one row per (plot, date) with the schema's N2O_FLUX.

    Columns: ``field`` (Saha's Experiment), ``replicate``, ``site_id``, ``date``, ``year``, ``n_rate``
    (kg N ha-1, as in the row), ``crop``, ``N2O_FLUX`` (g N m-2 d-1), ``n2o_g_ha`` (the file's value),
    ``fert_td`` / ``fert_sd`` (dates of the last first and side-dress applications) and the soil columns.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataFileError(path, f"not a readable CSV ({err})") from None
    _require_columns(raw, path, SAHA_COLUMNS + SAHA_SOIL_COLUMNS)
    unknown = sorted(set(raw["Experiment"]) - set(FIELDS))
    if unknown:
        raise DataFileError(path, f"unknown Experiment value(s) {unknown}; known: {sorted(FIELDS)}")
    crops = sorted(set(raw["Vegetation"]) - set(CROP_FLAG))
    if crops:
        raise DataFileError(path, f"unknown Vegetation value(s) {crops}; known: {sorted(CROP_FLAG)}")
    try:
        date = pd.to_datetime(raw["Date"], format="%m/%d/%y")
    except ValueError as err:
        raise DataFileError(path, f"a Date is not m/d/yy ({err})") from None
    if (date.dt.year != raw["Year"]).any():
        raise DataFileError(
            path, f"Year differs from the Date's year in row {int((date.dt.year != raw['Year']).idxmax())}"
        )
    for col in ("N2O", "N_rate", "DAF_TD", "DAF_SD", *SAHA_SOIL_COLUMNS):
        if not pd.api.types.is_numeric_dtype(raw[col]):
            raise DataFileError(path, f"column {col!r} is not numeric")
    obs = pd.DataFrame(
        {
            "field": raw["Experiment"],
            "replicate": raw["Replication"],
            schema.SITE_ID: [
                site_id_of(e, r) for e, r in zip(raw["Experiment"], raw["Replication"], strict=True)
            ],
            "date": date,
            "year": date.dt.year,
            "n_rate": raw["N_rate"].astype(int),
            "crop": raw["Vegetation"],
            "n2o_g_ha": raw["N2O"].astype(float),
            "N2O_FLUX": raw["N2O"].astype(float) * G_PER_HA_TO_G_PER_M2,
            "fert_td": date - pd.to_timedelta(raw["DAF_TD"], unit="D"),
            "fert_sd": date - pd.to_timedelta(raw["DAF_SD"], unit="D"),
            "clay": raw["Clay"].astype(float),
            "sand": raw["Sand"].astype(float),
            "som_percent": raw["SOM"].astype(float),
        }
    )
    dup = obs.duplicated([schema.SITE_ID, "date"])
    if dup.any():
        row = obs[dup].iloc[0]
        raise DataFileError(path, f"plot {row['site_id']} has two rows on {row['date'].date()}")
    return obs.sort_values([schema.SITE_ID, "date"]).reset_index(drop=True)


# --- plot-years and management ---


def plot_years(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per (plot, calendar year) with observations: its N rate and crop.

    The rate is that of the year's last sampling day: Saha's ``N_rate`` is the rate of the crop in the
    ground, and in 2002 MCSE-T2 rows before the new crop's side-dress still carry the previous crop's
    170 kg N ha-1 (the 2002 maize got 162). The crop must be one per plot-year.
    """
    last = (
        obs.sort_values("date").groupby([schema.SITE_ID, "year"]).tail(1).set_index([schema.SITE_ID, "year"])
    )
    crops = obs.groupby([schema.SITE_ID, "year"])["crop"].nunique()
    if (crops > 1).any():
        site, year = crops[crops > 1].index[0]
        raise DataFileError(SAHA_FILE, f"plot {site} has two crops in {year}")
    out = last[["field", "replicate", "n_rate", "crop"]].sort_index().reset_index()
    return out


def fertilizer_dates(obs: pd.DataFrame) -> dict[str, list[pd.Timestamp]]:
    """field -> sorted application dates (date minus days after the last first / side-dress application).

    The replicate plots of a field share them (checked): the trials fertilize a field on one day.
    """
    out = {}
    for field_name, rows in obs.groupby("field"):
        per_plot = {
            site: tuple(sorted(set(g["fert_td"]) | set(g["fert_sd"])))
            for site, g in rows.groupby(schema.SITE_ID)
        }
        if len(set(per_plot.values())) != 1:
            raise DataFileError(SAHA_FILE, f"{field_name}: replicate plots have different application dates")
        out[str(field_name)] = list(next(iter(per_plot.values())))
    return out


def crop_of_application(day: pd.Timestamp, rates: dict[int, int]) -> int:
    """The harvest year of the crop an application fed: its own year, unless that year's crop got no N
    (soybean), in which case an autumn application feeds the next year's winter wheat."""
    year = int(day.year)
    return year + 1 if rates.get(year) == 0 else year


def application_amounts(dates: list[pd.Timestamp], rates: dict[int, int]) -> dict[pd.Timestamp, float]:
    """Application date -> g N m-2 where the crop got all its N that day, else NaN (split not published)."""
    crop_year = {d: crop_of_application(d, rates) for d in dates}
    n_events = pd.Series(list(crop_year.values())).value_counts().to_dict()
    out = {}
    for d, year in crop_year.items():
        rate = rates.get(year)
        single = n_events[year] == 1 and rate is not None and rate > 0
        out[d] = rate * KG_PER_HA_TO_G_PER_M2 if single else np.nan
    return out


def management_days(
    days: pd.DatetimeIndex, year: int, crop: str, dates: list[pd.Timestamp], rates: dict[int, int]
) -> pd.DataFrame:
    """N_FERT, N_FERT_DAY and CROP on every day of one plot-year.

    A year whose crop received N but no application date is known has N_FERT and N_FERT_DAY missing.
    """
    amounts = application_amounts(dates, rates)
    in_year = [d for d in dates if d.year == year]
    known = bool(in_year) or rates.get(year) == 0
    flag = np.zeros(len(days)) if known else np.full(len(days), np.nan)
    n_fert = flag.copy()
    for d in in_year:
        i = days.get_loc(d)
        flag[i] = 1.0
        n_fert[i] = amounts[d]
    return pd.DataFrame({"N_FERT": n_fert, "N_FERT_DAY": flag, "CROP": CROP_FLAG[crop]}, index=days)


def plot_statics(obs: pd.DataFrame) -> pd.DataFrame:
    """site_id -> the schema's static attributes (soil from Saha, constant per plot: checked)."""
    soil = obs.groupby(schema.SITE_ID)[["clay", "sand", "som_percent"]]
    varying = soil.nunique().gt(1).any(axis=1)
    if varying.any():
        raise DataFileError(SAHA_FILE, f"plot {varying.idxmax()} has more than one soil texture or SOM value")
    first = soil.first()
    fields = obs.groupby(schema.SITE_ID)["field"].first()
    loc = [FIELDS[f].location for f in fields]
    return pd.DataFrame(
        {
            "LATITUDE": [x.latitude for x in loc],
            "LONGITUDE": [x.longitude for x in loc],
            "ELEVATION": [x.elevation for x in loc],
            "CLAY": first["clay"],
            "SAND": first["sand"],
            "SILT": 1000.0 - first["clay"] - first["sand"],
            "SOIL_OM": first["som_percent"] * PERCENT_TO_G_PER_KG,
            "CROPLAND": 1.0,
        },
        index=first.index,
    )


# --- KBS MCSE field log (KBS LTER terms: local builds only) ---

KBS_FERTILIZER_FILE = "management/kbs_mcse/RFertilizer.csv"  # from KBS LTER table 159
KBS_OPERATIONS_FILE = "management/kbs_mcse/clean_ops_ext.csv"  # from KBS LTER tables 150 / 162
FIELD_LOG_SOURCE = "kbs_lter_field_log"
_NO_N_MATERIAL = re.compile(r"^0-0-|potash|lime", re.IGNORECASE)  # potassium and lime carry no N
SAME_OPERATION_DAYS = 3  # log rows of one planting or harvest spread over a few days (e.g. baling)


@dataclass(frozen=True)
class FieldLog:
    """One treatment's field log: N applied per day (kg N ha-1; NaN = N applied, amount not logged) and
    the first day of each planting and each harvest."""

    applications: pd.Series
    planting: tuple[pd.Timestamp, ...]
    harvest: tuple[pd.Timestamp, ...]


def _first_days(dates: pd.Series, gap_days: int) -> tuple[pd.Timestamp, ...]:
    """The first day of each run of dates no more than ``gap_days`` apart (one operation, several rows)."""
    ordered = pd.Series(sorted(pd.to_datetime(dates).unique()))
    if ordered.empty:
        return ()
    starts = ordered.diff().isna() | (ordered.diff() > pd.Timedelta(days=gap_days))
    return tuple(pd.Timestamp(d) for d in ordered[starts])


def read_kbs_field_log(fertilizer_path: str | Path, operations_path: str | Path, treatment: str) -> FieldLog:
    """N applications (``RFertilizer.csv``: ``date``, ``treatment``, ``material``, ``n_rate_kg_ha``) and
    planting and harvest days (``clean_ops_ext.csv``: ``date``, ``treatment``, ``observation_type``) of
    one MCSE treatment. Material without N (potash, lime) is not an N application."""
    fert_path, ops_path = Path(fertilizer_path), Path(operations_path)
    fert = pd.read_csv(fert_path)
    _require_columns(fert, fert_path, ("date", "treatment", "material", "n_rate_kg_ha", "observation_type"))
    ops = pd.read_csv(ops_path)
    _require_columns(ops, ops_path, ("date", "treatment", "observation_type"))
    fert = fert[(fert["treatment"] == treatment) & (fert["observation_type"] == "Fertilizer application")]
    fert = fert[~fert["material"].fillna("").str.contains(_NO_N_MATERIAL)]
    fert = fert[~(fert["n_rate_kg_ha"] == 0)]
    dates = pd.to_datetime(fert["date"], format="%Y-%m-%d")
    amounts = fert["n_rate_kg_ha"].astype(float).groupby(dates).sum(min_count=1)
    unknown = fert["n_rate_kg_ha"].isna().groupby(dates).any()
    amounts[unknown] = np.nan  # one unlogged amount makes the day's total unknown
    ops = ops[ops["treatment"] == treatment]
    when = pd.to_datetime(ops["date"], format="%Y-%m-%d")
    return FieldLog(
        applications=amounts.sort_index(),
        planting=_first_days(when[ops["observation_type"] == "Planting"], SAME_OPERATION_DAYS),
        harvest=_first_days(when[ops["observation_type"] == "Harvest"], SAME_OPERATION_DAYS),
    )


def field_log_days(days: pd.DatetimeIndex, log: FieldLog) -> pd.DataFrame:
    """N_FERT (g N m-2 d-1), N_FERT_DAY, PLANTING and HARVEST on ``days`` from a field log: 0 on days the
    log lists nothing (the log covers every operation of the treatment)."""
    out = pd.DataFrame(0.0, index=days, columns=["N_FERT", "N_FERT_DAY", "PLANTING", "HARVEST"])
    applied = log.applications[log.applications.index.isin(days)]
    out.loc[applied.index, "N_FERT"] = applied.to_numpy() * KG_PER_HA_TO_G_PER_M2
    out.loc[applied.index, "N_FERT_DAY"] = 1.0
    out.loc[[d for d in log.planting if d in days], "PLANTING"] = 1.0
    out.loc[[d for d in log.harvest if d in days], "HARVEST"] = 1.0
    return out


def _with_field_log(frame: pd.DataFrame, log: FieldLog | None, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Management from the field log where the field has one (origin ``kbs_lter_field_log``), else Saha's
    (origin ``saha2021``) with planting and harvest unknown (NaN, origin "")."""
    names = ["N_FERT", "N_FERT_DAY", "PLANTING", "HARVEST"]
    if log is not None:
        frame[names] = field_log_days(days, log)
        origin = FIELD_LOG_SOURCE
        for name in names:
            frame[ORIGIN_PREFIX + name] = np.where(frame[name].notna(), origin, "")
        return frame
    frame["PLANTING"], frame["HARVEST"] = np.nan, np.nan
    for name in names:
        frame[ORIGIN_PREFIX + name] = np.where(frame[name].notna(), SAHA_SOURCE_KEY, "")
    return frame


# --- the canonical table ---


def _year_days(year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")


def chamber_table(
    obs: pd.DataFrame, weather: dict[str, StationWeather], field_logs: dict[str, FieldLog] | None = None
) -> pd.DataFrame:
    """Canonical daily table: every day of every observed plot-year, drivers from the field's weather site
    (``weather`` keyed by :class:`SiteLocation` station id), management, statics, N2O on sampling days.

    ``field_logs`` (Saha experiment name -> :class:`FieldLog`, local builds only): management of those
    fields from the log, with PLANTING / HARVEST columns and an ``origin_`` column per management input.
    """
    years = plot_years(obs)
    dates = fertilizer_dates(obs)
    statics = plot_statics(obs)
    rates = {
        site: dict(zip(g["year"], g["n_rate"], strict=True)) for site, g in years.groupby(schema.SITE_ID)
    }
    n2o = obs.set_index([schema.SITE_ID, "date"])["N2O_FLUX"]
    parts = []
    for py in years.itertuples(index=False):
        field = FIELDS[py.field]
        site_weather = weather[field.location.station_id].frame.set_index("date")
        days = _year_days(py.year)
        missing_days = days.difference(site_weather.index)
        if len(missing_days):
            raise DataFileError(
                field.location.station_id,
                f"weather lacks {len(missing_days)} days of {py.year}, e.g. {missing_days[0].date()}",
            )
        frame = site_weather.loc[days, [*DRIVERS, *(ORIGIN_PREFIX + d for d in DRIVERS)]]
        frame = frame.join(management_days(days, py.year, py.crop, dates[py.field], rates[py.site_id]))
        if field_logs:
            frame = _with_field_log(frame, field_logs.get(py.field), days)
        frame["N_RATE"] = py.n_rate * KG_PER_HA_TO_G_PER_M2
        for name, value in statics.loc[py.site_id].items():
            frame[name] = value
        observed = n2o.loc[py.site_id]
        frame["N2O_FLUX"] = observed.reindex(days).to_numpy()
        frame.insert(0, "date", days)
        frame.insert(0, schema.EXPERIMENT, np.int64(py.n_rate))
        frame.insert(0, schema.SITE_ID, py.site_id)
        frame.insert(0, schema.DOMAIN_FIELD, str(schema.Domain.OBSERVATION))
        frame.insert(0, schema.SOURCE_FIELD, str(schema.Source.CHAMBER))
        frame["field"] = field.prefix
        frame["replicate"] = py.replicate
        parts.append(frame.reset_index(drop=True))
    table = pd.concat(parts, ignore_index=True)
    lost = len(obs) - int(table["N2O_FLUX"].notna().sum())
    if lost:
        raise DataFileError(SAHA_FILE, f"{lost} plot-days did not land in the table")
    return table
