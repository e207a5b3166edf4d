"""Daily "forcing" tables of the rsofun / FluxDataKit convention -> the canonical tower table.

These tables (``date, temp, vpd, ppfd, netrad, patm, snow, rain, tmin, tmax, ..., gpp, le, le_qc, nee,
nee_qc``) are derived by their authors from a FLUXNET-format (ONEFlux) archive; AgroFlux-mini reads
CH-Oe2's. Their units are not the schema's, and two columns are not what their names suggest; both were
checked against the original weekly FLUXNET file of the same archive (``FULLSET_WW``), see
:func:`weekly_agreement`:

==========  ==============================  ===============================================================
column      what it is                      -> schema
==========  ==============================  ===============================================================
temp        daytime mean air temperature    not used: its weekly means equal TA_F_MDS_DAY (to 0.001 degC),
                                            not the 24-hour TA_F
tmin, tmax  daily extremes (degC)           TMIN, TMAX; TA = (TMIN + TMAX) / 2, since the table has no
                                            24-hour mean (weekly bias against TA_F +0.14 degC)
vpd         daytime mean VPD (Pa)           not used: 1.39 x the 24-hour VPD_F
ppfd        mol m-2 d-1, = SW_IN_F x k      SW_IN = ppfd / k x 0.0864 MJ m-2 d-1, k = 0.1776816 (the
                                            constant ratio to the weekly SW_IN_F; spread 1e-6)
rain        mm s-1 (daily mean rate)        PRECIP = rain x 86400 mm d-1
gpp         GPP_NT_VUT_REF (g C m-2 d-1)    GPP (weekly means equal to 1e-4)
nee         NEE_VUT_REF (g C m-2 d-1)       NEE; kept where nee_qc >= 40/48 (the share of measured or
                                            good gap-filled half-hours), as for FLUXNET daily files
le          LE_F_MDS (W m-2)                ET = le x 0.03527 mm d-1; le_qc is missing (-9999) on every
                                            day, so ET counts as measured on no day and is NaN
==========  ==============================  ===============================================================

There is no RECO column: RECO stays NaN rather than being computed from two other targets. VPD stays
NaN (only the daytime mean is given). The table is a derived product: every conversion above is
checked by the derive script against the original weekly file before the table is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf.data.sources.flux_towers import (
    COVERAGE_FRACTION,
    DAILY_RANGES,
    LE_TO_ET_MM_PER_DAY,
    TOWER_VARIABLES,
    W_M2_TO_MJ_PER_DAY,
    _canonical_frame,
)
from agroflux_hf.errors import DataFileError

PPFD_MOL_PER_DAY_PER_W_M2 = 0.1776816
"""The table's ppfd (mol m-2 d-1) per W m-2 of SW_IN_F: the ratio of their weekly means, constant to
1e-6 over 2004-2023 at CH-Oe2 (86400 s x 2.0565 umol J-1)."""
SECONDS_PER_DAY = 86400.0
MISSING = -9999.0
REQUIRED_COLUMNS = ("date", "tmin", "tmax", "ppfd", "rain", "gpp", "nee", "nee_qc", "le", "le_qc")


def read_rsofun_daily(
    path: str | Path,
    *,
    site_id: str,
    latitude: float | None = None,
    longitude: float | None = None,
    igbp: str | None = None,
    elevation: float | None = None,
    irrigated: bool | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """The canonical daily frame of one site and, per variable, the days passed and rejected by rule."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, parse_dates=["date"])
    except (ValueError, pd.errors.ParserError, OSError) as err:
        raise DataFileError(path, f"cannot read an rsofun daily table: {err}") from err
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataFileError(path, f"lacks the column(s) {missing} of an rsofun daily forcing table")
    raw = raw.set_index("date").sort_index()
    if raw.index.duplicated().any():
        raise DataFileError(path, f"date {raw.index[raw.index.duplicated()][0].date()} appears twice")
    raw = raw.mask(raw == MISSING)
    sw_in = raw["ppfd"] / PPFD_MOL_PER_DAY_PER_W_M2 * W_M2_TO_MJ_PER_DAY
    nee_measured = raw["nee_qc"] >= COVERAGE_FRACTION
    le_measured = raw["le_qc"] >= COVERAGE_FRACTION
    daily = {
        "TA": (raw["tmin"] + raw["tmax"]) / 2,
        "TMAX": raw["tmax"],
        "TMIN": raw["tmin"],
        "PRECIP": raw["rain"] * SECONDS_PER_DAY,
        "SW_IN": sw_in,
        "NEE": raw["nee"].where(nee_measured),
        "GPP": raw["gpp"].where(nee_measured),
        "ET": (raw["le"] * LE_TO_ET_MM_PER_DAY).where(le_measured),
    }
    counts: dict[str, dict[str, int]] = {}
    for name, values in daily.items():
        lo, hi = DAILY_RANGES[name]
        out_of_range = values.notna() & ((values < lo) | (values > hi))
        counts[name] = {
            "days_passed": int((values.notna() & ~out_of_range).sum()),
            "gap_filled": int(values.isna().sum()) if name in ("NEE", "GPP", "ET") else 0,
            "range": int(out_of_range.sum()),
        }
        daily[name] = values.mask(out_of_range)
    series = {n: daily.get(n, pd.Series(np.nan, index=raw.index)) for n in TOWER_VARIABLES}
    frame = _canonical_frame(site_id, series, latitude, longitude, igbp, elevation, irrigated)
    return frame, counts


def _weekly_means(frame: pd.DataFrame, starts: pd.Series, ends: pd.Series, column: str) -> np.ndarray:
    values = frame.set_index("date")[column]
    return np.array([values.loc[a:b].mean() for a, b in zip(starts, ends, strict=True)])


def weekly_agreement(raw_daily: str | Path, weekly_file: str | Path) -> dict[str, dict[str, float]]:
    """Weekly means of the table's raw columns (converted) against the original weekly FLUXNET file.

    Returns per check ``{"max_abs": ..., "mean_abs": ..., "weeks": ...}``; the derive script requires
    the exact ones (GPP, precipitation, radiation, LE) to agree and records all of them.
    """
    daily = pd.read_csv(raw_daily, parse_dates=["date"])
    weekly = pd.read_csv(weekly_file)
    starts = pd.to_datetime(weekly["TIMESTAMP_START"].astype(str), format="%Y%m%d")
    ends = pd.to_datetime(weekly["TIMESTAMP_END"].astype(str), format="%Y%m%d")
    converted = pd.DataFrame(
        {
            "date": daily["date"],
            "GPP_NT_VUT_REF": daily["gpp"],
            "NEE_VUT_REF": daily["nee"],
            "P_F": daily["rain"] * SECONDS_PER_DAY,
            "SW_IN_F": daily["ppfd"] / PPFD_MOL_PER_DAY_PER_W_M2,
            "LE_F_MDS": daily["le"],
            "TA_F_MDS_DAY": daily["temp"],
            "TA_F": (daily["tmin"] + daily["tmax"]) / 2,
        }
    )
    out = {}
    for column in converted.columns.drop("date"):
        reference = weekly[column].mask(weekly[column] == MISSING).to_numpy(float)
        ours = _weekly_means(converted, starts, ends, column)
        ok = np.isfinite(reference) & np.isfinite(ours)
        diff = ours[ok] - reference[ok]
        out[column] = {
            "weeks": int(ok.sum()),
            "max_abs": float(np.abs(diff).max()),
            "mean_abs": float(np.abs(diff).mean()),
            "mean": float(diff.mean()),
        }
    return out
