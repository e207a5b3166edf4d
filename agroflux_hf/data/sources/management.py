"""Field management tables -> daily management inputs (N_FERT, PLANTING, HARVEST, CROP, IRRIGATION).

Two published formats are read:

* the US-Ne1 (Mead) site table: one row per year with crop, planting and harvest dates
  (``Year, Crop, ..., Planting Date, Emergence Date, Harvest Date, ...``);
* the ICOS cropland field-operation table (one row per operation: ``Plot_name``, ``date start``,
  ``OCS`` crop code, ``Field_operation``, ``N_kg_ha``, organic N, ``Irrigation_quantity_mm``).

**Unknown stays unknown.** A management variable is known in a calendar year only when the table
records at least one event of its kind in that year (tables are incomplete: a year with a harvest but
no recorded sowing was still sown). In such a year the days without an event are 0; an event whose
amount the table leaves empty is NaN on its day; every day of the other years is NaN. Nothing is
inferred from a flux (a cut date read off GPP would leak the target into the inputs).

``CROP`` is the crop of the most recent sowing (Mead) or of the most recent operation on a principal
crop (ICOS rows name the crop in the field, so a missing sowing row does not stall it): 1 = maize,
0 = any other crop, NaN before the first one the table gives. N in kg N ha-1 becomes g N m-2 (/ 10).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.errors import DataFileError

MANAGEMENT_VARIABLES: tuple[str, ...] = ("N_FERT", "PLANTING", "HARVEST", "CROP", "IRRIGATION")
KG_HA_TO_G_M2 = 0.1
"""kg N ha-1 -> g N m-2 (1000 g / 10,000 m2)."""

MAIZE_CODES = ("M", "OCS_maize", "OCS_silage_maize", "OCS_grain_maize")
SOWING_OPERATIONS = ("ITK_sowing", "ITK_classic_sowing", "ITK_planting")
HARVEST_OPERATIONS = ("ITK_harvesting",)
FERTILIZER_OPERATIONS = (
    "ITK_application_of_mineral_fertilizer_products",
    "ITK_application_of_organic_fertilizer_products",
)
ICOS_ORGANIC_N = "amount of organic N applied (kgN/ha)"


def _empty_daily(site_id: str, years: list[int]) -> pd.DataFrame:
    """Every calendar day of ``years``: 0 for event variables, NaN for CROP (set from sowings)."""
    if not years:
        return pd.DataFrame(columns=[schema.SITE_ID, "date", *MANAGEMENT_VARIABLES])
    dates = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-12-31", freq="D")
    dates = dates[dates.year.isin(years)]
    frame = pd.DataFrame({"site_id": site_id, "date": dates})
    for name in MANAGEMENT_VARIABLES:
        frame[name] = np.nan if name == "CROP" else 0.0
    return frame


def _crop_from_sowings(frame: pd.DataFrame, sowings: pd.DataFrame) -> pd.Series:
    """Maize flag of the most recent sowing on or before each day (NaN before the first one)."""
    if sowings.empty:
        return pd.Series(np.nan, index=frame.index)
    sowings = sowings.sort_values("date").drop_duplicates("date", keep="last")
    merged = pd.merge_asof(
        frame[["date"]].reset_index(), sowings[["date", "maize"]], on="date", direction="backward"
    ).set_index("index")
    return merged["maize"].astype(float)


def _set_day(frame: pd.DataFrame, day: pd.Timestamp, column: str, value: float, add: bool = False) -> None:
    hit = frame["date"] == day
    if not hit.any():
        return
    if add:
        frame.loc[hit, column] = frame.loc[hit, column] + value  # NaN + x stays NaN: unknown wins
    else:
        frame.loc[hit, column] = value


def _unknown_in_years_without_event(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """NaN for every day of a year in which the table records no event of the column's kind."""
    year = frame["date"].dt.year
    for column in columns:
        recorded = frame[column].fillna(1.0).ne(0.0).groupby(year).transform("any")
        frame[column] = frame[column].where(recorded)
    return frame


def read_mead_site_table(path: str | Path, site_id: str = "US-Ne1") -> pd.DataFrame:
    """Daily management of a Mead site table: planting, harvest and crop; N and irrigation unknown (NaN).

    The table gives no fertilizer or irrigation amounts, so N_FERT and IRRIGATION stay NaN even though
    the field (US-Ne1) is irrigated and fertilized.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as err:
        raise DataFileError(path, f"cannot read the site table: {err}") from err
    needed = ["Year", "Crop", "Planting Date", "Harvest Date"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataFileError(path, f"lacks the column(s) {missing}")
    years = sorted(int(y) for y in table["Year"])
    frame = _empty_daily(site_id, years)
    frame["N_FERT"] = np.nan
    frame["IRRIGATION"] = np.nan
    sowings = []
    for _, row in table.iterrows():
        year = int(row["Year"])
        try:
            planting = pd.to_datetime(f"{row['Planting Date']} {year}", format="%B %d %Y")
            harvest = pd.to_datetime(f"{row['Harvest Date']} {year}", format="%B %d %Y")
        except ValueError as err:
            raise DataFileError(path, f"year {year}: unparseable date ({err})") from err
        _set_day(frame, planting, "PLANTING", 1.0)
        _set_day(frame, harvest, "HARVEST", 1.0)
        sowings.append({"date": planting, "maize": float(str(row["Crop"]).strip() in MAIZE_CODES)})
    frame["CROP"] = _crop_from_sowings(frame, pd.DataFrame(sowings))
    return _unknown_in_years_without_event(frame, ("PLANTING", "HARVEST"))


def read_icos_field_operations(path: str | Path, site_id: str) -> pd.DataFrame:
    """Daily management of one site of the ICOS cropland field-operation table.

    Covered years are those with at least one operation of the site. N_FERT sums mineral and organic N
    of the day; a fertilizer operation without a stated N amount makes its day NaN. Irrigation is the
    stated quantity (the table has none for rainfed sites: 0).
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataFileError(path, f"cannot read the field-operation table: {err}") from err
    needed = ["Plot_name", "date start", "OCS", "Field_operation", "N_kg_ha", ICOS_ORGANIC_N]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataFileError(path, f"lacks the column(s) {missing}")
    ops = table[table["Plot_name"] == site_id].copy()
    if ops.empty:
        raise DataFileError(path, f"has no operation of site {site_id}")
    ops["date"] = pd.to_datetime(ops["date start"], format="%Y/%m/%d", errors="coerce")
    if ops["date"].isna().any():
        bad = ops.loc[ops["date"].isna(), "date start"].iloc[0]
        raise DataFileError(path, f"site {site_id}: unparseable date {bad!r}")
    frame = _empty_daily(site_id, sorted(ops["date"].dt.year.unique().tolist()))
    sowings = []
    for _, op in ops.sort_values("date").iterrows():
        kinds = str(op["Field_operation"]).split("+")
        day = op["date"]
        if str(op.get("Crop_status", "")) == "STC_principal":  # every operation names the crop
            sowings.append({"date": day, "maize": float(str(op["OCS"]) in MAIZE_CODES)})
        if any(k in SOWING_OPERATIONS for k in kinds):
            _set_day(frame, day, "PLANTING", 1.0)
        if any(k in HARVEST_OPERATIONS for k in kinds):
            _set_day(frame, day, "HARVEST", 1.0)
        if any(k in FERTILIZER_OPERATIONS for k in kinds):
            mineral, organic = op["N_kg_ha"], op[ICOS_ORGANIC_N]
            amounts = [a for a in (mineral, organic) if pd.notna(a)]
            grams = KG_HA_TO_G_M2 * float(sum(amounts)) if amounts else np.nan
            _set_day(frame, day, "N_FERT", grams, add=True)
        # Some rows carry a product unit ("g/ha+l/ha") shifted into this column: not an irrigation.
        irrigation = pd.to_numeric(pd.Series([op.get("Irrigation_quantity_mm", np.nan)]), errors="coerce")[0]
        if pd.notna(irrigation):
            _set_day(frame, day, "IRRIGATION", float(irrigation), add=True)
    frame["CROP"] = _crop_from_sowings(frame, pd.DataFrame(sowings, columns=["date", "maize"]))
    return _unknown_in_years_without_event(frame, ("PLANTING", "HARVEST", "N_FERT", "IRRIGATION"))
