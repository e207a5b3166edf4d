"""Daily station weather at the N2O chamber sites (KBS, Michigan; Arlington, Wisconsin) -> schema drivers.

Why a module of its own: the chamber N2O of AgroFlux-mini and the DSSAT runs at the same sites need the
weather *behind the measurements*, continuous every day, with each day's origin recorded so a gap fill is
never mistaken for a measurement and a source whose terms forbid redistribution can be left out.

Readers (one per original file, see ``default_data/original_files.tsv``) return a frame with ``date`` and
the schema drivers they can give, NaN where the file has no usable value:

- :func:`read_kbs_station`: KBS LTER weather station daily table (datatable 12): TA, TMAX, TMIN, PRECIP,
  SW_IN (from the 24-h mean W m-2), VPD (from absolute humidity = actual vapour pressure, kPa);
- :func:`read_nasa_power`: NASA POWER at KBS (``KBS_np.csv``): TMAX, TMIN, PRECIP, SW_IN, VPD (from mean
  RH, FAO-56 eq. 19); it has no daily mean temperature, so TA stays missing;
- :func:`read_awon`: UW AWON Arlington station: TA, TMAX, TMIN, PRECIP, SW_IN, VPD (mean RH);
- :func:`read_ghcn_measured`: NOAA GHCN-Daily ARLINGTON UNIV FARM, measured TMAX, TMIN, PRECIP only,
  moved one day back (its cooperative observer's day ends in the morning: GHCN date d+1 is AWON date d).

:func:`fill_gaps` merges a primary and a fill source day by day and records, per driver, which source gave
the value (``origin_<DRIVER>`` columns: a source key, or "" where both lack it). Values outside physical
limits (sentinels such as -699, a 24-h radiation mean above 0.85 of the extraterrestrial radiation) and
an AWON day's contradictory temperatures are missing, never clipped. :func:`kbs_weather`, :func:`kbs_power_weather` and :func:`arlington_weather` build
the site series used by the N2O table; :meth:`StationWeather.to_daily_weather` hands a gap-free series to
the DSSAT writer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf.data.sources.terms import ORIGIN_PREFIX
from agroflux_hf.data.sources.weather import (
    DailyWeather,
    extraterrestrial_radiation,
    hargreaves_samani_radiation,
    saturation_vapour_pressure_hpa,
)
from agroflux_hf.errors import DataFileError

DRIVERS: tuple[str, ...] = ("TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")
W_M2_TO_MJ_PER_DAY = 86400.0 / 1e6  # a 24-h mean flux density (W m-2) -> daily total (MJ m-2 d-1)
SW_IN_MAX_TRANSMISSIVITY = 0.85  # a daily total above this fraction of the extraterrestrial one is a fault

# Physical limits of a daily value; beyond them the value is a sentinel or a fault and becomes missing.
LIMITS: dict[str, tuple[float, float]] = {
    "TA": (-50.0, 45.0),
    "TMAX": (-50.0, 50.0),
    "TMIN": (-55.0, 40.0),
    "PRECIP": (0.0, 400.0),
    "SW_IN": (0.0, 40.0),
    "VPD": (0.0, 80.0),
    # Capacitive RH sensors read up to a few per cent above 100 in fog and rain (AWON: 100.2-105.9 on 67
    # days of 2010-2014): up to 110 the air is read as saturated (VPD 0); beyond, the value is a fault.
    "RH": (0.0, 110.0),
}
# Temperatures that contradict each other mark a faulty day: in AWON 1995-2016 |TA - (TMAX + TMIN) / 2| has
# a std of 1.15 degC and its 13 days beyond 6 are all faults (2016-06-20: TMIN -6.7 beside TMAX 28.9 and a
# 23.0 mean, a June frost that killed the simulated crop; 1999-06-08..13: TMIN stuck at -53.6).
TEMPERATURE_MIDPOINT_TOLERANCE = 6.0  # degC; and no weather at the site has a daily range above:
MAX_DAILY_RANGE = 40.0  # degC (2005-05-30..06-02: TMAX 39 beside TMIN -40)
# Drivers that come from one source together on a day (a maximum and a minimum from two sources could cross).
FILL_GROUPS: tuple[tuple[str, ...], ...] = (("TA",), ("TMAX", "TMIN"), ("PRECIP",), ("SW_IN",), ("VPD",))


@dataclass(frozen=True)
class WeatherSource:
    """A weather source and its terms; ``redistributable`` None means the source states no terms."""

    key: str
    title: str
    licence: str
    citation: str
    redistributable: bool | None


KBS_LTER_STATION = WeatherSource(
    "kbs_lter_station",
    "KBS LTER weather station, daily (KBS LTER datatable 12, dataset KBS002)",
    "KBS LTER Terms of Use: 'These Data are copyrighted and use in a publication requires written "
    "permission' (file header; https://lter.kbs.msu.edu/data/terms-of-use/)",
    "KBS LTER, Kellogg Biological Station Long-Term Ecological Research, https://lter.kbs.msu.edu/datatables/12",
    False,
)
NASA_POWER = WeatherSource(
    "nasa_power",
    "NASA POWER daily point data at KBS (as extracted in edvlmaas/gwp_case_study, KBS_np.csv)",
    "NASA POWER: free to use, with acknowledgement of the NASA Langley Research Center POWER Project",
    "These data were obtained from the NASA Langley Research Center (LaRC) POWER Project funded through "
    "the NASA Earth Science/Applied Science Program (https://power.larc.nasa.gov)",
    True,
)
UW_AWON = WeatherSource(
    "uw_awon",
    "UW-Extension Ag Weather Observation Network (AWON), Arlington station, daily",
    "no licence stated by the source or the repository that carries the file",
    "UW-Madison Soil Science / UW-Extension Ag Weather, https://agweather.cals.wisc.edu; file from "
    "Zipper et al. (2018), J. Hydrol., repository samzipper/WaterBalance_ClimateVsLULC",
    None,
)
NOAA_GHCN = WeatherSource(
    "noaa_ghcn",
    "NOAA GHCN-Daily USC00470308 ARLINGTON UNIV FARM (measured values only)",
    "US Government work, public domain (NOAA NCEI)",
    "Menne, M.J. et al. (2012) Global Historical Climatology Network - Daily (GHCN-Daily), Version 3, "
    "NOAA National Climatic Data Center, doi:10.7289/V5D21VHZ",
    True,
)
WEATHER_SOURCES: dict[str, WeatherSource] = {
    s.key: s for s in (KBS_LTER_STATION, NASA_POWER, UW_AWON, NOAA_GHCN)
}


@dataclass
class StationWeather:
    """One site's continuous daily drivers, with the origin of every value (``origin_<DRIVER>``)."""

    station_id: str
    latitude: float
    longitude: float
    elevation: float
    frame: pd.DataFrame  # date, DRIVERS, origin_<DRIVER>; one row per day, no day skipped
    notes: list[str] = field(default_factory=list)

    def sources_used(self) -> list[str]:
        """Keys of the sources that gave at least one value."""
        keys = set()
        for name in DRIVERS:
            keys |= set(self.frame[ORIGIN_PREFIX + name].unique())
        return sorted(k for k in keys if k)

    @property
    def redistributable(self) -> bool | None:
        """False if any used source forbids redistribution; None if one states no terms; else True."""
        flags = [WEATHER_SOURCES[k].redistributable for k in self.sources_used()]
        if any(f is False for f in flags):
            return False
        return None if any(f is None for f in flags) else True

    def origin_counts(self) -> dict[str, dict[str, int]]:
        """driver -> {source key or "missing": days}."""
        out = {}
        for name in DRIVERS:
            counts = self.frame[ORIGIN_PREFIX + name].replace("", "missing").value_counts()
            out[name] = {str(k): int(v) for k, v in counts.items()}
        return out

    def to_daily_weather(self, source_file: str = "", *, estimate_radiation: bool = False) -> DailyWeather:
        """The series as :class:`weather.DailyWeather` (TMAX, TMIN, PRECIP, SW_IN and VPD when complete)
        for the DSSAT writer, which needs every day; raises when a day lacks a core driver.

        ``estimate_radiation``: a crop model cannot skip a day, so SW_IN missing in both sources may be
        estimated by Hargreaves-Samani (FAO-56 eq. 50) from that day's temperature range; the days are
        counted in ``notes``. The N2O table never does this (missing stays missing there).
        """
        frame = self.frame.copy()
        notes = [*self.notes, f"sources: {', '.join(self.sources_used())}"]
        if estimate_radiation:
            gap = frame["SW_IN"].isna() & frame["TMAX"].notna() & frame["TMIN"].notna()
            if gap.any():
                frame.loc[gap, "SW_IN"] = hargreaves_samani_radiation(
                    frame.loc[gap, "TMAX"].to_numpy(),
                    frame.loc[gap, "TMIN"].to_numpy(),
                    self.latitude,
                    frame.loc[gap, "date"].dt.day_of_year.to_numpy(),
                    elevation_m=self.elevation,
                )
                notes.append(f"SW_IN estimated by Hargreaves-Samani on {int(gap.sum())} days without a value")
        core = ["TMAX", "TMIN", "PRECIP", "SW_IN"]
        missing = {n: int(frame[n].isna().sum()) for n in core if frame[n].isna().any()}
        if missing:
            raise DataFileError(
                source_file or self.station_id, f"station {self.station_id}: days without a value {missing}"
            )
        columns = ["date", *core] + (["VPD"] if frame["VPD"].notna().all() else [])
        return DailyWeather(
            station_id=self.station_id,
            latitude=self.latitude,
            longitude=self.longitude,
            frame=frame[columns].reset_index(drop=True),
            source_file=source_file,
            elevation=self.elevation,
            notes=notes,
        )


# --- shared rules ---


def _numeric(frame: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """Columns as float; a non-numeric text value is an error naming the file and column."""
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            raise DataFileError(path, f"lacks the column {col!r}")
        converted = pd.to_numeric(out[col], errors="coerce")
        bad = converted.isna() & out[col].notna() & (out[col].astype(str).str.strip() != "")
        if bad.any():
            raise DataFileError(path, f"column {col!r} has a non-numeric value {out[col][bad].iloc[0]!r}")
        out[col] = converted.astype(float)
    return out


def _out_of_limits(values: pd.Series, name: str) -> pd.Series:
    lo, hi = LIMITS[name]
    return pd.Series(values.notna() & ((values < lo) | (values > hi)), index=values.index)


def _apply_limits(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Values outside :data:`LIMITS` become NaN (sentinels like -699 are not weather)."""
    out = frame.copy()
    for name in names:
        out.loc[_out_of_limits(out[name], name), name] = np.nan
    return out


def _reject_inconsistent_temperatures(frame: pd.DataFrame) -> pd.DataFrame:
    """TA, TMAX, TMIN missing where they contradict each other (:data:`TEMPERATURE_MIDPOINT_TOLERANCE`):
    which one is faulty cannot be told; a fill source (GHCN) gives that day's maximum and minimum."""
    out = frame.copy()
    off = (out["TA"] - (out["TMAX"] + out["TMIN"]) / 2).abs() > TEMPERATURE_MIDPOINT_TOLERANCE
    out.loc[off | (out["TMAX"] - out["TMIN"] > MAX_DAILY_RANGE), ["TA", "TMAX", "TMIN"]] = np.nan
    return out


def _reject_radiation_spikes(frame: pd.DataFrame, latitude: float) -> pd.DataFrame:
    """SW_IN above 0.85 of the extraterrestrial radiation of the day cannot reach the ground: missing."""
    out = frame.copy()
    ra = extraterrestrial_radiation(latitude, out["date"].dt.day_of_year.to_numpy())
    out.loc[out["SW_IN"].to_numpy() > SW_IN_MAX_TRANSMISSIVITY * ra, "SW_IN"] = np.nan
    return out


def _mean_es_hpa(tmax: pd.Series, tmin: pd.Series) -> np.ndarray:
    """Mean saturation vapour pressure (hPa) of the day, FAO-56 eq. 12."""
    return 0.5 * (
        saturation_vapour_pressure_hpa(tmax.to_numpy()) + saturation_vapour_pressure_hpa(tmin.to_numpy())
    )


def _vpd_from_actual(tmax: pd.Series, tmin: pd.Series, ea_hpa: pd.Series) -> np.ndarray:
    """VPD (hPa) = es - ea; NaN where ea exceeds e°(TMAX) by more than 5 % (not a humidity)."""
    ea = ea_hpa.to_numpy(dtype=float)
    impossible = ea > 1.05 * saturation_vapour_pressure_hpa(tmax.to_numpy())
    vpd = np.clip(_mean_es_hpa(tmax, tmin) - ea, 0.0, None)
    return np.where(impossible | np.isnan(ea), np.nan, vpd)


def _vpd_from_mean_rh(tmax: pd.Series, tmin: pd.Series, rh: pd.Series) -> np.ndarray:
    """VPD (hPa) with ea = RHmean / 100 x es (FAO-56 eq. 19, for stations giving only mean RH)."""
    es = _mean_es_hpa(tmax, tmin)
    return np.clip(es - rh.to_numpy(dtype=float) / 100.0 * es, 0.0, None)


def _check_days(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Sorted by date; a day given twice with different values is an error."""
    frame = frame.drop_duplicates().sort_values("date").reset_index(drop=True)
    dup = frame["date"].duplicated()
    if dup.any():
        raise DataFileError(
            path, f"day {frame.loc[dup, 'date'].iloc[0].date()} appears twice with different values"
        )
    if frame.empty:
        raise DataFileError(path, "no daily rows")
    return frame


def _drivers_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``date`` and every driver in :data:`DRIVERS` order (NaN for a driver the source lacks)."""
    out = pd.DataFrame({"date": frame["date"]})
    for name in DRIVERS:
        out[name] = frame[name].astype(float) if name in frame.columns else np.nan
    return out


# --- KBS LTER station (datatable 12) ---

_KBS_COLUMNS = {"precipitation": "PRECIP", "Air_temp_mean": "TA", "air_temp_max": "TMAX"}
_KBS_COLUMNS |= {"Air_Temp_Min": "TMIN", "AH": "AH", "Solar_Radiation": "SOLRAD"}
_KBS_FLAGS = {"PRECIP": "flag_precip", "TA": "Flag_Air_Temp_Mean", "TMAX": "flag_air_temp_max"}
_KBS_FLAGS |= {"TMIN": "Flag_Air_Temp_Min", "AH": "Flag_AH", "SOLRAD": "Flag_Sol_Rad"}


def _kbs_table_text(path: Path) -> str:
    """The table part of the file: from the ``date,precipitation,...`` header line (the variate block
    before it mixes ``#`` lines and quoted ``"# ..."`` lines, so a comment character cannot skip it)."""
    text = path.read_text(encoding="utf-8-sig")
    start = text.find("\ndate,precipitation,")
    if start < 0:
        raise DataFileError(path, "no 'date,precipitation,...' header line: not the KBS LTER daily table 12")
    return text[start + 1 :]


def read_kbs_station(path: str | Path, latitude: float) -> pd.DataFrame:
    """KBS LTER station daily weather -> date + DRIVERS (NaN where missing, flagged 'M' or impossible).

    Solar radiation is a 24-h mean in W m-2 (x 0.0864 -> MJ m-2 d-1); AH is the actual vapour pressure in
    kPa (x 10 -> hPa) and gives VPD with the day's TMAX and TMIN (FAO-56 eq. 12).
    """
    path = Path(path)
    raw = pd.read_csv(io.StringIO(_kbs_table_text(path)), dtype=str, keep_default_na=False)
    raw = raw.rename(columns=_KBS_COLUMNS)
    frame = _numeric(raw.replace({"": np.nan, "NaN": np.nan}), list(_KBS_COLUMNS.values()), path)
    try:
        frame["date"] = pd.to_datetime(raw["date"], format="%m/%d/%Y")
    except ValueError as err:
        raise DataFileError(path, f"a date is not m/d/yyyy ({err})") from None
    for name, flag in _KBS_FLAGS.items():
        frame.loc[raw[flag].str.strip() == "M", name] = np.nan
    frame["SW_IN"] = frame["SOLRAD"] * W_M2_TO_MJ_PER_DAY
    frame = _apply_limits(frame, ["TA", "TMAX", "TMIN", "PRECIP", "SW_IN"])
    frame.loc[frame["TMAX"] < frame["TMIN"], ["TMAX", "TMIN"]] = np.nan
    frame["VPD"] = _vpd_from_actual(frame["TMAX"], frame["TMIN"], frame["AH"] * 10.0)
    frame = _apply_limits(frame, ["VPD"])
    frame = _reject_radiation_spikes(frame, latitude)
    return _drivers_frame(_check_days(frame, path))


# --- NASA POWER at KBS ---


def read_nasa_power(path: str | Path, latitude: float) -> pd.DataFrame:
    """NASA POWER daily (``year,month,day,...,radn_MJm2,...,maxt_C,mint_C,rain_mm,...,rhum_pct``)
    -> date + DRIVERS; no daily mean temperature in the file, so TA is missing."""
    path = Path(path)
    raw = pd.read_csv(path)
    columns = ["year", "month", "day", "radn_MJm2", "maxt_C", "mint_C", "rain_mm", "rhum_pct"]
    frame = _numeric(raw, columns, path)
    frame["date"] = pd.to_datetime(frame[["year", "month", "day"]].astype(int), errors="coerce")
    if frame["date"].isna().any():
        raise DataFileError(path, f"row {int(frame['date'].isna().to_numpy().argmax())} has no valid date")
    frame = frame.rename(
        columns={
            "radn_MJm2": "SW_IN",
            "maxt_C": "TMAX",
            "mint_C": "TMIN",
            "rain_mm": "PRECIP",
            "rhum_pct": "RH",
        }
    )
    frame = _apply_limits(frame, ["TMAX", "TMIN", "PRECIP", "SW_IN", "RH"])
    frame["VPD"] = _vpd_from_mean_rh(frame["TMAX"], frame["TMIN"], frame["RH"])
    frame = _reject_radiation_spikes(frame, latitude)
    return _drivers_frame(_check_days(frame, path))


# --- Arlington: UW AWON and NOAA GHCN ---


def read_awon(path: str | Path, latitude: float) -> pd.DataFrame:
    """UW AWON daily (``date,DToPcpn,DAvSol,DAvTAir,DMxTAir,DMnTAir,DAvRHum,DAvWind``) -> date + DRIVERS.

    DAvSol is a 24-h mean in W m-2; the -699 / -6999 sentinels and other impossible values are missing.
    Before 1986 the file holds rows of zeros (no observation); an all-zero day is missing, not weather.
    A day whose mean temperature is a sentinel and whose TMAX and TMIN are both 0 holds placeholders:
    TMAX, TMIN and precipitation are missing too. A day whose temperatures contradict each other (a
    sensor failing within the day) has TA, TMAX and TMIN missing (:func:`_reject_inconsistent_temperatures`).
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str)
    columns = ["DToPcpn", "DAvSol", "DAvTAir", "DMxTAir", "DMnTAir", "DAvRHum"]
    frame = _numeric(raw, columns, path)
    try:
        frame["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d")
    except (KeyError, ValueError) as err:
        raise DataFileError(path, f"no ISO 'date' column ({err})") from None
    frame = frame.rename(
        columns={"DToPcpn": "PRECIP", "DAvTAir": "TA", "DMxTAir": "TMAX", "DMnTAir": "TMIN", "DAvRHum": "RH"}
    )
    frame["SW_IN"] = frame["DAvSol"] * W_M2_TO_MJ_PER_DAY
    empty = (frame[["PRECIP", "SW_IN", "TA", "TMAX", "TMIN", "RH"]] == 0).all(axis=1)
    frame.loc[empty, ["PRECIP", "SW_IN", "TA", "TMAX", "TMIN", "RH"]] = np.nan
    # Days logged as sentinels (mean temperature 6999, e.g. 1998-02-26, 2000-01-11..19) carry placeholder
    # zeros in TMAX, TMIN and precipitation: not weather either (a 0.0 / 0.0 day also stops DSSAT).
    placeholder = (frame["TA"].abs() >= 699) & (frame["TMAX"] == 0) & (frame["TMIN"] == 0)
    frame.loc[placeholder, ["PRECIP", "TMAX", "TMIN"]] = np.nan
    frame = _apply_limits(frame, ["TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "RH"])
    frame.loc[frame["TMAX"] < frame["TMIN"], ["TMAX", "TMIN"]] = np.nan
    frame = _reject_inconsistent_temperatures(frame)
    frame["VPD"] = _vpd_from_mean_rh(frame["TMAX"], frame["TMIN"], frame["RH"])
    frame = _reject_radiation_spikes(frame, latitude)
    return _drivers_frame(_check_days(frame, path))


GHCN_DAY_SHIFT = pd.Timedelta(days=-1)  # GHCN date d+1 holds the AWON (midnight-to-midnight) day d


def read_ghcn_measured(path: str | Path) -> pd.DataFrame:
    """GHCN-Daily gap-filled table (``DATE,PRCP,Source.PRCP,TMAX,Source.TMAX,TMIN,Source.TMIN``) ->
    date + DRIVERS with only values whose ``Source.*`` is ``Measured`` (the repository author's gap
    fill is not used), dates moved one day back to the AWON day."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str)
    frame = _numeric(raw, ["PRCP", "TMAX", "TMIN"], path)
    for name in ("PRCP", "TMAX", "TMIN"):
        flag = f"Source.{name}"
        if flag not in raw.columns:
            raise DataFileError(path, f"lacks the column {flag!r}")
        frame.loc[raw[flag] != "Measured", name] = np.nan
    try:
        frame["date"] = pd.to_datetime(raw["DATE"], format="%Y-%m-%d") + GHCN_DAY_SHIFT
    except (KeyError, ValueError) as err:
        raise DataFileError(path, f"no ISO 'DATE' column ({err})") from None
    frame = frame.rename(columns={"PRCP": "PRECIP"})
    frame = _apply_limits(frame, ["TMAX", "TMIN", "PRECIP"])
    frame.loc[frame["TMAX"] < frame["TMIN"], ["TMAX", "TMIN"]] = np.nan
    return _drivers_frame(_check_days(frame, path))


# --- merging ---


def fill_gaps(
    primary: pd.DataFrame, primary_key: str, fill: pd.DataFrame | None, fill_key: str, first: str, last: str
) -> pd.DataFrame:
    """Every day of ``first..last``: the primary source's value, else the fill source's, else NaN.

    Drivers of a :data:`FILL_GROUPS` group come from one source on a day (a station TMAX with a
    reanalysis TMIN could cross). ``origin_<DRIVER>`` names the source of each value ("" = missing).
    """
    days = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    a = days.merge(_drivers_frame(primary), on="date", how="left")
    b = (
        days.merge(_drivers_frame(fill), on="date", how="left")
        if fill is not None
        else a.assign(**dict.fromkeys(DRIVERS, np.nan))
    )
    out = days.copy()
    for group in FILL_GROUPS:
        names = list(group)
        from_primary = a[names].notna().all(axis=1)
        from_fill = ~from_primary & b[names].notna().all(axis=1)
        for name in names:
            out[name] = np.where(from_primary, a[name], np.where(from_fill, b[name], np.nan))
            out[ORIGIN_PREFIX + name] = np.where(from_primary, primary_key, np.where(from_fill, fill_key, ""))
    return out[["date", *DRIVERS, *(ORIGIN_PREFIX + n for n in DRIVERS)]]


@dataclass(frozen=True)
class SiteLocation:
    """Documented coordinates of a weather site (WGS84) and its elevation (m)."""

    station_id: str
    latitude: float
    longitude: float
    elevation: float
    reference: str


# KBS LTER Main Cropping System Experiment: 42 deg 24' N, 85 deg 24' W, 288 m (Robertson and Hamilton 2015,
# in The Ecology of Agricultural Landscapes, Oxford University Press, ch. 1). The station sits on the site.
KBS = SiteLocation("KBS", 42.40, -85.40, 288.0, "Robertson and Hamilton (2015), KBS LTER site description")
# Arlington Agricultural Research Station, Wisconsin: 43 deg 18' N, 89 deg 21' W (Saha et al. 2021); elevation
# 329 m as the GHCN file gives it for USC00470308.
ARLINGTON = SiteLocation(
    "ARL", 43.30, -89.35, 329.0, "Saha, Basso and Robertson (2021); elevation from GHCN USC00470308"
)


def kbs_weather(station_file: str | Path, power_file: str | Path, first: str, last: str) -> StationWeather:
    """KBS: the LTER station (the weather behind the chambers; Saha's AirT is its daily mean), NASA POWER
    where the station lacks a value. Not redistributable (KBS LTER terms)."""
    station = read_kbs_station(station_file, KBS.latitude)
    power = read_nasa_power(power_file, KBS.latitude)
    frame = fill_gaps(station, KBS_LTER_STATION.key, power, NASA_POWER.key, first, last)
    return StationWeather(KBS.station_id, KBS.latitude, KBS.longitude, KBS.elevation, frame)


def kbs_power_weather(power_file: str | Path, first: str, last: str) -> StationWeather:
    """KBS from NASA POWER alone: redistributable, but gridded (no daily mean temperature, so TA is
    missing) rather than the station the chambers stood beside."""
    power = read_nasa_power(power_file, KBS.latitude)
    frame = fill_gaps(power, NASA_POWER.key, None, "", first, last)
    return StationWeather(
        KBS.station_id,
        KBS.latitude,
        KBS.longitude,
        KBS.elevation,
        frame,
        ["NASA POWER only (redistributable)"],
    )


def arlington_weather(awon_file: str | Path, ghcn_file: str | Path, first: str, last: str) -> StationWeather:
    """Arlington: the UW AWON station, with measured NOAA GHCN TMAX, TMIN and precipitation on its gap days
    (GHCN dates moved one day back). Radiation, mean temperature and VPD have no second source: missing."""
    awon = read_awon(awon_file, ARLINGTON.latitude)
    ghcn = read_ghcn_measured(ghcn_file)
    frame = fill_gaps(awon, UW_AWON.key, ghcn, NOAA_GHCN.key, first, last)
    return StationWeather(
        ARLINGTON.station_id, ARLINGTON.latitude, ARLINGTON.longitude, ARLINGTON.elevation, frame
    )
