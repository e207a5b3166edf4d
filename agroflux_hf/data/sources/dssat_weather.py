"""Daily weather for the DSSAT rotations: gap-free drivers, recycled years for short records.

Why a module of its own: the simulator needs every day of every simulated year, while the published
table must show a driver nobody measured as missing. The rules that reconcile the two (short gaps
filled for the simulator only and marked ``adjusted_<driver>``, years with long gaps dropped, a short
tower record recycled for its spin-up) are one concern, separate from running DSSAT and mapping its
outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from agroflux_hf.data.sources.weather import hargreaves_samani_radiation

MAX_FILLED_GAP_DAYS = 5  # longest run of missing driver days filled for the simulator
SIMULATOR_DRIVERS: tuple[str, ...] = ("TMAX", "TMIN", "PRECIP", "SW_IN")  # what DSSAT needs every day
ADJUSTED_PREFIX = "adjusted_"  # weather frame column: the simulator saw a filled or swapped value


# --- weather ---


@dataclass
class SimulationWeather:
    """Gap-free daily drivers of one station for the simulator, and how many days were filled."""

    station_id: str
    latitude: float
    longitude: float
    elevation: float | None
    frame: (
        pd.DataFrame
    )  # date, TMAX, TMIN, PRECIP, SW_IN[, VPD] (schema units), adjusted_<driver>; contiguous
    source_file: str
    filled_days: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    recycled_years: dict[int, int] = field(default_factory=dict)  # simulated year -> measured year copied

    def complete_years(self) -> list[int]:
        """Calendar years with every day present after filling."""
        years = self.frame["date"].dt.year
        counts = years.value_counts()
        return sorted(int(y) for y, n in counts.items() if n == (366 if _leap(int(y)) else 365))

    def climate(self) -> tuple[float, float]:
        """DSSAT's TAV (mean air temperature) and AMP (range of monthly means), degC."""
        mean_t = 0.5 * (self.frame["TMAX"] + self.frame["TMIN"])
        monthly = mean_t.groupby(self.frame["date"].dt.month).mean()
        return float(mean_t.mean()), float(monthly.max() - monthly.min())

    def metadata(self) -> dict:
        return {
            "station_id": self.station_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "elevation": self.elevation,
            "source_file": self.source_file,
            "filled_days": dict(self.filled_days),
            "notes": list(self.notes),
            "recycled_years": {str(y): src for y, src in sorted(self.recycled_years.items())},
        }


def _leap(year: int) -> bool:
    return pd.Timestamp(year, 1, 1).is_leap_year


def simulation_weather(
    daily: pd.DataFrame,
    site_id: str,
    *,
    latitude: float,
    longitude: float,
    elevation: float | None,
    source_file: str,
    max_gap_days: int = MAX_FILLED_GAP_DAYS,
) -> SimulationWeather:
    """A canonical daily table (``site_id, date, TMAX, TMIN, PRECIP, SW_IN[, VPD]``) + one site ->
    gap-free DSSAT weather.

    Short gaps (at most ``max_gap_days`` in a row) of the drivers are filled *for the simulator only*:
    temperatures and radiation by linear interpolation, precipitation with 0; TMAX < TMIN is swapped.
    Calendar years that keep a longer gap are dropped (``complete_years`` then skips them). The number
    of filled days per driver is recorded, and ``adjusted_<driver>`` columns mark them: the published
    table shows NaN there (a driver nobody measured stays missing; the targets are the simulator's).
    """
    rows = daily[daily["site_id"] == site_id] if "site_id" in daily.columns else daily
    if rows.empty:
        raise ValueError(f"{source_file}: no daily rows for site {site_id!r}")
    missing = [c for c in ("TMAX", "TMIN", "PRECIP", "SW_IN") if c not in rows.columns]
    if missing:
        raise ValueError(f"{source_file}: site {site_id} has no {missing} columns")
    rows = (
        rows.assign(date=pd.to_datetime(rows["date"])).drop_duplicates("date").set_index("date").sort_index()
    )
    days = pd.date_range(rows.index[0], rows.index[-1], freq="D")
    columns = [c for c in ("TMAX", "TMIN", "PRECIP", "SW_IN", "VPD") if c in rows.columns]
    frame = rows[columns].reindex(days).astype(float)
    filled: dict[str, int] = {}
    adjusted = pd.DataFrame(False, index=days, columns=list(SIMULATOR_DRIVERS))
    long_gap_days = pd.Series(False, index=days)
    for name in SIMULATOR_DRIVERS:
        gap = frame[name].isna()
        run_id = (gap != gap.shift()).cumsum()
        run_length = gap.groupby(run_id).transform("sum")
        fillable = gap & (run_length <= max_gap_days)
        long_gap_days |= gap & ~fillable
        if name == "PRECIP":
            frame.loc[fillable, name] = 0.0
        else:
            frame[name] = frame[name].where(~fillable, frame[name].interpolate(limit_area="inside"))
        filled[name] = int(fillable.sum())
        adjusted[name] = fillable
    swap = frame["TMAX"] < frame["TMIN"]
    frame.loc[swap, ["TMAX", "TMIN"]] = frame.loc[swap, ["TMIN", "TMAX"]].to_numpy()
    filled["TMAX<TMIN swapped"] = int(swap.sum())
    adjusted.loc[swap, ["TMAX", "TMIN"]] = True
    for name in SIMULATOR_DRIVERS:
        frame[f"{ADJUSTED_PREFIX}{name}"] = adjusted[name]
    bad_years = sorted({int(y) for y in long_gap_days[long_gap_days].index.year})
    frame = frame[~frame.index.year.isin(bad_years)]
    notes = [f"years dropped for gaps longer than {max_gap_days} days: {bad_years}"] if bad_years else []
    return SimulationWeather(
        station_id=site_id,
        latitude=float(latitude),
        longitude=float(longitude),
        elevation=None if elevation is None or not np.isfinite(elevation) else float(elevation),
        frame=frame.rename_axis("date").reset_index(),
        source_file=source_file,
        filled_days=filled,
        notes=notes,
    )


def weather_from_station(station) -> SimulationWeather:
    """A registry station (``weather.DailyWeather``) -> simulator weather, through the same gap filling."""
    table = station.frame.assign(site_id=station.station_id)
    out = simulation_weather(
        table,
        station.station_id,
        latitude=station.latitude,
        longitude=station.longitude,
        elevation=station.elevation,
        source_file=station.source_file,
    )
    out.notes = [*station.notes, *out.notes]
    return out


RADIATION_ESTIMATED = "SW_IN estimated (Hargreaves-Samani)"  # filled_days key


def weather_with_estimated_radiation(station, source_file: str) -> SimulationWeather:
    """A station whose radiation sensor has long gaps (``station_weather.StationWeather``, e.g.
    Arlington's AWON: most of 2015 missing) -> simulator weather.

    A crop model cannot skip a day, so SW_IN missing on a day with TMAX and TMIN is estimated by
    Hargreaves-Samani (FAO-56 eq. 50, as for Champion's whole record) for the simulator only: those days
    are marked ``adjusted_SW_IN`` (missing in the published table) and counted in ``filled_days``.
    Temperature and precipitation gaps then follow :func:`simulation_weather`'s rules.
    """
    frame = station.frame[["date", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD"]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    estimate = frame["SW_IN"].isna() & frame["TMAX"].notna() & frame["TMIN"].notna()
    frame.loc[estimate, "SW_IN"] = hargreaves_samani_radiation(
        frame.loc[estimate, "TMAX"].to_numpy(float),
        frame.loc[estimate, "TMIN"].to_numpy(float),
        station.latitude,
        frame.loc[estimate, "date"].dt.day_of_year.to_numpy(),
        elevation_m=station.elevation,
    )
    out = simulation_weather(
        frame.assign(site_id=station.station_id),
        station.station_id,
        latitude=station.latitude,
        longitude=station.longitude,
        elevation=station.elevation,
        source_file=source_file,
    )
    estimated_days = set(frame.loc[estimate, "date"])
    marked = out.frame["date"].isin(estimated_days)
    out.frame.loc[marked, f"{ADJUSTED_PREFIX}SW_IN"] = True
    out.filled_days[RADIATION_ESTIMATED] = int(marked.sum())
    out.notes = [
        *station.notes,
        *out.notes,
        f"SW_IN estimated by Hargreaves-Samani on {int(marked.sum())} days without a measured value "
        "(simulator only; missing in the table)",
    ]
    return out


def recycle_weather(weather: SimulationWeather, first_year: int, last_year: int) -> SimulationWeather:
    """The station's weather over ``first_year`` .. ``last_year`` with every year that has no complete
    record (before or after the record, or dropped for a long gap) replaced by a copy of a measured
    complete year of the same length: the nearest ``year + 4k`` (the same place in the leap cycle), else
    the nearest; forward first on ties.

    For short tower records: the spin-up and the season after the last kept year run on the station's
    own weather recycled. Recycled days are marked ``adjusted_<driver>`` for every driver, listed in
    ``recycled_years`` and never kept as output (``RunInputs.skipped_years``).
    """
    complete = set(weather.complete_years())
    if not complete:
        raise ValueError(f"station {weather.station_id} has no complete year of weather")
    frame = weather.frame.set_index("date")
    parts, recycled = [], {}
    for year in range(first_year, last_year + 1):
        if year in complete:
            parts.append(frame[frame.index.year == year])
            continue
        same_kind = [c for c in complete if _leap(c) == _leap(year)]
        if not same_kind:
            raise ValueError(f"station {weather.station_id}: no complete year to recycle for {year}")
        source = min(same_kind, key=lambda c: ((c - year) % 4 != 0, abs(c - year), c < year))
        copy = frame[frame.index.year == source].copy()
        copy.index = pd.DatetimeIndex([d.replace(year=year) for d in copy.index])
        for name in SIMULATOR_DRIVERS:
            copy[f"{ADJUSTED_PREFIX}{name}"] = True
        parts.append(copy)
        recycled[year] = source
    out = pd.concat(parts).rename_axis("date").reset_index()
    return SimulationWeather(
        station_id=weather.station_id,
        latitude=weather.latitude,
        longitude=weather.longitude,
        elevation=weather.elevation,
        frame=out,
        source_file=weather.source_file,
        filled_days=dict(weather.filled_days),
        notes=[
            *weather.notes,
            f"years {sorted(recycled)} simulated on recycled measured years (spin-up or gaps; not kept)",
        ]
        if recycled
        else list(weather.notes),
        recycled_years={**weather.recycled_years, **recycled},
    )
