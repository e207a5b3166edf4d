"""The no-leap calendar of AgroFlux sequences: 365-day years, February 29 dropped.

Why one module: the builder maps dates to (year, day index) and the release reader makes the dates
of its undated arrays; both must agree on which day is day ``d`` of a year, so both live here.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd


def noleap_day_index(dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, day index 0..364, keep mask) on the no-leap calendar; February 29 is not kept."""
    dates = pd.to_datetime(dates)
    year = dates.dt.year.to_numpy(np.int64)
    month = dates.dt.month.to_numpy()
    day = dates.dt.day.to_numpy()
    doy = dates.dt.day_of_year.to_numpy(np.int64) - 1
    leap = dates.dt.is_leap_year.to_numpy()
    feb29 = (month == 2) & (day == 29)
    doy = doy - (leap & (month > 2)).astype(np.int64)
    return year, doy, ~feb29


@lru_cache(maxsize=64)
def noleap_dates(first_year: int, n_years: int) -> np.ndarray:
    """datetime64[ns] of ``n_years`` consecutive 365-day years (February 29 never present)."""
    years = []
    for year in range(first_year, first_year + n_years):
        days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        years.append(days[~((days.month == 2) & (days.day == 29))].values)
    dates = np.concatenate(years).astype("datetime64[ns]")
    dates.setflags(write=False)
    return dates
