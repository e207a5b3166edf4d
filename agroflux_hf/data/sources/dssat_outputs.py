"""DSSAT ``.OUT`` files of one rotation run -> its canonical daily table (schema names and units).

Why a module of its own: reading DSSAT's fixed-width outputs and mapping them to schema targets (the
table in the ``dssat`` module docstring) is pure text and table work, testable without the binary.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.dssat_carbon import DRY_MATTER_CARBON, GRAIN_CARBON, plant_carbon
from agroflux_hf.data.sources.dssat_grid import (
    DRIVER_NAMES,
    MANAGEMENT_NAMES,
    STATIC_NAMES,
    TARGET_NAMES,
    RunInputs,
)
from agroflux_hf.data.sources.dssat_weather import ADJUSTED_PREFIX, SIMULATOR_DRIVERS

OUTPUT_LAYERS = (1, 3, 5)  # DSSAT model layers 0-5, 15-30 and 45-60 cm


# --- output parsing ---


def read_daily_output(text: str, name: str) -> pd.DataFrame:
    """Every daily table of a DSSAT ``.OUT`` file (one per season in sequence mode), indexed by date."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("@YEAR")]
    if not starts:
        raise ValueError(f"{name}.OUT has no '@YEAR' table")
    frames = []
    for start in starts:
        columns = lines[start][1:].split()
        end = start + 1
        while end < len(lines) and lines[end].strip() and not lines[end].startswith(("*", "@", "!")):
            end += 1
        if end == start + 1:
            continue
        frame = pd.read_csv(
            io.StringIO("\n".join(lines[start + 1 : end])),
            sep=r"\s+",
            header=None,
            names=columns,
            usecols=range(len(columns)),
            na_values=["-99", "-99.0", "-99.00", "-99.000", "-99.0000"],
        )
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.apply(pd.to_numeric, errors="coerce")
    frame.index = pd.to_datetime(frame["YEAR"].astype(int).astype(str), format="%Y") + pd.to_timedelta(
        frame["DOY"].astype(int) - 1, unit="D"
    )
    return frame[~frame.index.duplicated(keep="last")]


def read_summary(text: str) -> pd.DataFrame:
    """Summary.OUT: one row per season with crop, start, planting, maturity, harvest dates and yield."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.startswith("@   RUNNO")), None)
    if header_at is None:
        raise ValueError("Summary.OUT has no '@   RUNNO' table")
    header = lines[header_at]
    names = ("CR", "SDAT", "PDAT", "MDAT", "HDAT", "HWAM")
    positions = {n: _column_span(header, n) for n in names}
    rows = []
    for line in lines[header_at + 1 :]:
        if not line.strip():
            continue
        rows.append({n: line[a:b].strip() for n, (a, b) in positions.items()})
    frame = pd.DataFrame(rows)
    for n in ("SDAT", "PDAT", "MDAT", "HDAT"):
        frame[n] = pd.to_datetime(frame[n].where(~frame[n].isin(["-99", ""])), format="%Y%j", errors="coerce")
    frame["HWAM"] = pd.to_numeric(frame["HWAM"], errors="coerce").where(lambda s: s >= 0)
    return frame


def _column_span(header: str, name: str) -> tuple[int, int]:
    """Character span of a right-aligned DSSAT column: from the end of the previous name to its own end."""
    match = re.search(rf"(?<=\s){re.escape(name)}(?=\s|$)", header)
    if match is None:
        raise ValueError(f"Summary.OUT has no {name} column")
    return len(header[: match.start()].rstrip()), match.end()


def read_model_layers(info_text: str) -> pd.DataFrame:
    """DSSAT's model soil layers (depth, thickness, bulk density) from INFO.OUT."""
    lines = info_text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"\s*DS\s+DLAYR", line)), None)
    if start is None:
        raise ValueError("INFO.OUT has no soil layer table (DS DLAYR ...)")
    rows = []
    for line in lines[start + 2 :]:
        parts = line.split()
        if len(parts) < 8 or not parts[0].isdigit():
            break
        rows.append(
            {
                "layer": int(parts[0]),
                "depth": float(parts[1]),
                "thickness": float(parts[2]),
                "bd": float(parts[7]),
            }
        )
    return pd.DataFrame(rows).set_index("layer")


def read_soil_carbon_balances(text: str) -> pd.DataFrame:
    """SoilCBal.OUT: per season, CO2-C emitted and the balance residual (kg C ha-1)."""
    emitted = [float(m) for m in re.findall(r"CO2-C emitted\s+([-\d.]+)", text)]
    residual = [float(m) for m in re.findall(r"^!\s+Balance\s+([-\d.]+)", text, flags=re.MULTILINE)]
    if not emitted or len(emitted) != len(residual):
        raise ValueError("SoilCBal.OUT: could not read the CO2-C emitted and Balance lines")
    return pd.DataFrame({"co2_emitted": emitted, "balance": residual})


def _ppm_to_g_m2(ppm: pd.Series, layers: pd.DataFrame, layer: int) -> pd.Series:
    """mg N kg-1 soil -> g N m-2: ppm x BD (g cm-3) x thickness (cm) x 0.01."""
    return ppm * layers.loc[layer, "bd"] * layers.loc[layer, "thickness"] * 0.01


# --- mapping to the canonical table ---


def map_outputs(inputs: RunInputs, outputs: dict[str, str]) -> pd.DataFrame:
    """DSSAT output texts of one rotation run -> its canonical daily table (output years, no Feb 29)."""
    needed = ("PlantGro", "GHG", "ET", "SoilWat", "SoilTemp", "SoilNi", "SOMLITC", "Summary", "INFO")
    missing = [n for n in needed if n not in outputs]
    if missing:
        raise ValueError(f"{inputs.site_id} experiment {inputs.experiment}: DSSAT wrote no {missing} output")
    days = pd.date_range(f"{inputs.first_year}-01-01", f"{inputs.last_year}-12-31", freq="D")
    ghg = read_daily_output(outputs["GHG"], "GHG")
    et = read_daily_output(outputs["ET"], "ET").reindex(days)
    water = read_daily_output(outputs["SoilWat"], "SoilWat")
    temp = read_daily_output(outputs["SoilTemp"], "SoilTemp").reindex(days)
    nitro = read_daily_output(outputs["SoilNi"], "SoilNi").reindex(days)
    plant = read_daily_output(outputs["PlantGro"], "PlantGro")
    plant_c = read_daily_output(outputs["PlantC"], "PlantC") if "PlantC" in outputs else None
    soc = read_daily_output(outputs["SOMLITC"], "SOMLITC")["SOCD"]
    summary = read_summary(outputs["Summary"])
    layers = read_model_layers(outputs["INFO"])
    weather = inputs.weather.set_index("date")

    out = pd.DataFrame(index=days)
    w = weather.reindex(days)
    for name in SIMULATOR_DRIVERS:  # drivers filled or swapped for the simulator stay missing
        adjusted = w.get(f"{ADJUSTED_PREFIX}{name}", pd.Series(False, index=days)).fillna(False).astype(bool)
        out[name] = w[name].where(~adjusted)
    out["TA"] = 0.5 * (out["TMAX"] + out["TMIN"])
    out["VPD"] = w["VPD"] if "VPD" in w.columns else np.nan
    _add_management(out, inputs, summary, water)
    statics = {
        **inputs.soil.top_layer_statics(),
        "LATITUDE": inputs.station.latitude,
        "LONGITUDE": inputs.station.longitude,
        "ELEVATION": np.nan if inputs.station.elevation is None else inputs.station.elevation,
        "IRRIGATED": float(inputs.irrigated),
        "CROPLAND": 1.0,
    }
    for name in STATIC_NAMES:
        out[name] = statics[name]

    rh = (ghg["CO2GED"] / 1e4).reindex(days)  # g C ha-1 d-1 -> g C m-2 d-1
    carbon = plant_carbon(inputs, plant, plant_c, summary, weather, days)
    out["GPP"] = carbon["GPP"]
    out["RECO"] = carbon["RA"] + rh
    out["NEE"] = out["RECO"] - out["GPP"]
    out["YIELD"] = _annual_yield(inputs, summary, days)
    out["DELTA_SOC"] = _annual_soc_change(soc, days)
    for k in OUTPUT_LAYERS:
        out[f"SWC_{k}"] = water.reindex(days)[f"SW{k}D"]
        out[f"TS_{k}"] = temp[f"TS{k}D"]
        out[f"NO3_{k}"] = _ppm_to_g_m2(nitro[f"NI{k}D"], layers, k)
    out["NH4_1"] = _ppm_to_g_m2(nitro["NH1D"], layers, 1)
    out["ET"] = et["ETAA"]
    out["N2O_FLUX"] = (ghg["N2OGED"] / 1e4).reindex(days)
    out["LAI"] = plant["LAID"].reindex(days).fillna(0.0)  # no crop on the field -> leaf area 0

    out = out[~((out.index.month == 2) & (out.index.day == 29))]
    out = out[~out.index.year.isin(inputs.skipped_years)]  # recycled weather: simulated, never output
    frame = out.reset_index(names="date")
    frame.insert(0, "source", str(inputs.source))
    frame.insert(1, "domain", str(schema.SOURCE_DOMAIN[inputs.source]))
    frame.insert(2, "site_id", inputs.site_id)
    frame.insert(3, "experiment", np.int64(inputs.experiment))
    variables = [*DRIVER_NAMES, *MANAGEMENT_NAMES, *STATIC_NAMES, *TARGET_NAMES]
    frame[variables] = frame[variables].astype("float32")
    frame["NEE"] = frame["RECO"] - frame["GPP"]  # exact in float32 too
    frame["latitude"] = float(inputs.station.latitude)
    frame["longitude"] = float(inputs.station.longitude)
    frame["igbp"] = "CRO"
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame[[*schema.ID_COLUMNS, "date", *variables, "latitude", "longitude", "igbp"]]


def _add_management(out: pd.DataFrame, inputs: RunInputs, summary: pd.DataFrame, water: pd.DataFrame) -> None:
    """N_FERT, PLANTING, HARVEST, CROP and IRRIGATION as daily inputs, from the seasons DSSAT ran."""
    days = out.index
    out["N_FERT"] = 0.0
    out["PLANTING"] = 0.0
    out["HARVEST"] = 0.0
    out["CROP"] = [1.0 if inputs.maize_year(d.year) else 0.0 for d in days]
    m = inputs.management
    for year in range(inputs.first_year, inputs.last_year + 1):
        if inputs.maize_year(year) and inputs.n_rate > 0:
            fert = pd.Timestamp(
                date(year, *m.maize_planting) - timedelta(days=m.fertilizer_days_before_planting)
            )
            out.loc[fert, "N_FERT"] = inputs.n_rate / 10.0  # kg N ha-1 -> g N m-2
    for season in summary.itertuples(index=False):
        if pd.notna(season.PDAT) and season.PDAT in days:
            out.loc[season.PDAT, "PLANTING"] = 1.0
        if pd.notna(season.HDAT) and season.HDAT in days:
            out.loc[season.HDAT, "HARVEST"] = 1.0
    irrigation = (
        water["IRRC"].reindex(pd.date_range(days[0] - pd.Timedelta(days=1), days[-1])).ffill().fillna(0.0)
    )
    out["IRRIGATION"] = irrigation.diff().reindex(days).clip(lower=0).fillna(0.0)


def _annual_yield(inputs: RunInputs, summary: pd.DataFrame, days: pd.DatetimeIndex) -> pd.Series:
    """Grain yield (g C m-2) of the crop harvested in each calendar year, repeated over that year."""
    by_year = {}
    for season in summary.itertuples(index=False):
        if pd.notna(season.HDAT):
            hwam = 0.0 if pd.isna(season.HWAM) else float(season.HWAM)
            by_year[season.HDAT.year] = hwam * GRAIN_CARBON.get(season.CR, DRY_MATTER_CARBON) * 0.1
    return pd.Series([by_year.get(d.year, np.nan) for d in days], index=days)


def _annual_soc_change(soc: pd.Series, days: pd.DatetimeIndex) -> pd.Series:
    """Soil organic carbon on Dec 31 minus the previous Dec 31 (g C m-2), repeated over the year."""
    year_end = soc[(soc.index.month == 12) & (soc.index.day == 31)]
    change = (year_end.diff() / 10.0).set_axis(year_end.index.year)
    return pd.Series([change.get(d.year, np.nan) for d in days], index=days)
