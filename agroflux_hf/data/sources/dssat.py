"""DSSAT-CSM simulations (through DSSATTools) -> canonical daily tables of two simulators.

A :class:`SimulationGrid` is weather stations x soil profiles x nitrogen rates x years x soil organic
matter (SOM) modules. Every cell is one DSSAT-CSM run of rainfed maize over one calendar year (January 1
to December 31, soil re-initialised each year), so a run is small, independent and cacheable:

- ``SCMethods(mesom='P')`` (CENTURY, Parton) -> source ``dssat_century``;
- ``SCMethods(mesom='G')`` (CERES-Godwin) -> source ``dssat_ceres``.

Two SOM modules of the same fields play the role that Ecosys and DayCent play in the official release.
Runs go through a process pool (each worker its own DSSAT working folder), are cached by a hash of
their inputs, and a failing run is recorded as :class:`RunFailure` without stopping the others.

Why maize only: DSSATTools 3.0.2 runs DSSAT in mode ``C`` (one treatment, one crop); the crop
sequence mode that a maize-soybean rotation needs is not exposed.

Daily outputs -> schema targets (units converted to the schema's):

===========  ==================================  ===========================================
target       DSSAT output                        conversion
===========  ==================================  ===========================================
RSOIL        GHG.OUT CO2GED (g C ha-1 d-1)       / 1e4 -> g C m-2 d-1 (SOM + residue decay)
N2O_FLUX     GHG.OUT N2OGED (g N ha-1 d-1)       / 1e4 -> g N m-2 d-1
ET           ET.OUT ETAA (mm d-1)                as is
SWC_1/3/5    SoilWat.OUT SW1D/SW3D/SW5D          as is (m3 m-3); layers 0-5, 15-30, 45-60 cm
TS_1/3/5     SoilTemp.OUT TS1D/TS3D/TS5D         daily mean, degC; same layers
NO3_1/3/5    SoilNi.OUT NI1D/NI3D/NI5D (ppm)     ppm x BD x thickness(cm) x 0.01 -> g N m-2
NH4_1        SoilNi.OUT NH1D (ppm)               as NO3
LAI          PlantGro.OUT LAID                   as is; 0 on days without a crop
YIELD        PlantGro.OUT GWAD at harvest        kg DM ha-1 x 0.45 g C g-1 DM x 0.1 -> g C m-2
===========  ==================================  ===========================================

GPP, RECO and NEE are *not* produced: CERES-Maize grows by radiation-use efficiency and reports
neither gross photosynthesis nor plant respiration, so they cannot be derived honestly.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources.weather import DailyWeather

logger = logging.getLogger(__name__)

DSSATTOOLS_VERSION = "3.0.2"
INSTALL_HINT = "DSSAT-CSM runs need the optional extra: pip install agroflux_hf[sim] (DSSATTools==3.0.2)"

# Bumped whenever the mapping of outputs or the management changes, so that old cache entries die.
MAPPING_VERSION = "1"

SOM_SOURCE: dict[str, schema.Source] = {"P": schema.Source.DSSAT_CENTURY, "G": schema.Source.DSSAT_CERES}
GRAIN_CARBON_FRACTION = 0.45  # g C per g grain dry matter (maize grain ~44-45 % C)
MAX_WORKDIR_CHARS = 48  # DSSAT-CSM keeps paths in short fixed-length strings
OUTPUT_LAYERS = (1, 3, 5)  # DSSAT model layers 0-5, 15-30 and 45-60 cm

DRIVER_NAMES: tuple[str, ...] = ("TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")
MANAGEMENT_NAMES: tuple[str, ...] = ("N_FERT", "PLANTING", "CROP")
STATIC_NAMES: tuple[str, ...] = ("BULK_DENSITY", "SAND", "SILT", "PH", "CROPLAND")
TARGET_NAMES: tuple[str, ...] = (
    "YIELD",
    "SWC_1",
    "SWC_3",
    "SWC_5",
    "ET",
    "N2O_FLUX",
    "NH4_1",
    "NO3_1",
    "NO3_3",
    "NO3_5",
    "RSOIL",
    "LAI",
    "TS_1",
    "TS_3",
    "TS_5",
)


class DSSATNotInstalledError(ImportError):
    """DSSATTools (the ``sim`` extra) is missing."""


def import_dssattools():
    """Import DSSATTools lazily: the simulator is an optional extra, not a dependency."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import DSSATTools  # noqa: F401
            from DSSATTools import crop, filex, run, soil, weather
    except ImportError as err:
        raise DSSATNotInstalledError(f"{INSTALL_HINT} ({err})") from err
    return crop, filex, run, soil, weather


# --- inputs ---


@dataclass(frozen=True)
class SoilSpec:
    """A DSSAT soil profile: surface parameters and layers (SLB, SLLL, SDUL, SSAT, SRGF, SSKS, SBDM,
    SLOC, SLCL, SLSI, SLNI, SLHW), values as in the DSSAT SOIL.SOL file it was taken from."""

    key: str  # short code used in site_id, e.g. "L"
    profile_id: str  # 10-character DSSAT id
    description: str
    texture: str
    salb: float
    slu1: float
    sldr: float
    slro: float
    slnf: float
    slpf: float
    layers: tuple[tuple[float, ...], ...]
    citation: str

    def top_layer_statics(self) -> dict[str, float]:
        """BULK_DENSITY (g cm-3), SAND, SILT (g kg-1) and PH of the top layer."""
        _, _, _, _, _, _, bd, _, clay, silt, _, ph = self.layers[0]
        return {
            "BULK_DENSITY": bd,
            "SAND": (100.0 - clay - silt) * 10.0,
            "SILT": silt * 10.0,
            "PH": ph,
            "CROPLAND": 1.0,
        }


_NA = None
SOILS: dict[str, SoilSpec] = {
    # Clarion loam, well drained, Ames, Iowa: DSSAT Data/Soil/IU.SOL, profile IUBF950107 (created 1997 for
    # the ISU Northeast Research Center from the soil survey; DSSAT-CSM repository, BSD-3-Clause).
    "L": SoilSpec(
        key="L",
        profile_id="IUBF950107",
        description="Clarion loam, well drained, Ames IA",
        texture="L",
        salb=0.16,
        slu1=9.8,
        sldr=0.55,
        slro=91.0,
        slnf=0.90,
        slpf=1.00,
        layers=(
            (5, 0.181, 0.239, 0.314, 1.000, 0.81, 1.52, 2.03, 18.0, 31.0, _NA, 6.4),
            (15, 0.177, 0.241, 0.323, 1.000, 2.86, 1.47, 2.03, 18.0, 31.0, _NA, 6.4),
            (25, 0.192, 0.266, 0.350, 0.900, 5.28, 1.39, 2.03, 22.0, 31.0, _NA, 6.4),
            (30, 0.204, 0.261, 0.325, 0.800, 3.71, 1.53, 2.03, 22.0, 31.0, _NA, 6.4),
            (50, 0.150, 0.262, 0.334, 0.600, 4.99, 1.48, 0.44, 21.0, 28.0, _NA, 6.7),
            (70, 0.150, 0.262, 0.329, 0.400, 7.08, 1.51, 0.44, 21.0, 28.0, _NA, 6.7),
            (110, 0.127, 0.247, 0.322, 0.300, 10.38, 1.50, 0.15, 17.0, 32.0, _NA, 7.9),
            (120, 0.127, 0.247, 0.307, 0.200, 14.78, 1.60, 0.15, 17.0, 32.0, _NA, 7.9),
        ),
        citation="DSSAT-CSM Data/Soil/IU.SOL, profile IUBF950107 (Clarion, Ames IA)",
    ),
    # DSSAT generic "medium sandy loam": Data/Soil/SOIL.SOL, profile IB00000008 (IBSNAT defaults).
    "SL": SoilSpec(
        key="SL",
        profile_id="IB00000008",
        description="DSSAT generic medium sandy loam (IBSNAT default profile)",
        texture="SL",
        salb=0.13,
        slu1=6.0,
        sldr=0.50,
        slro=70.0,
        slnf=1.0,
        slpf=1.0,
        layers=(
            (5, 0.052, 0.176, 0.359, 1.000, _NA, 1.61, 0.70, 10.0, 30.0, 0.07, 6.5),
            (15, 0.052, 0.176, 0.359, 1.000, _NA, 1.61, 0.70, 10.0, 30.0, 0.07, 6.5),
            (30, 0.052, 0.176, 0.359, 0.638, _NA, 1.61, 0.66, 10.0, 30.0, 0.07, 6.5),
            (45, 0.073, 0.192, 0.360, 0.472, _NA, 1.61, 0.58, 10.0, 30.0, 0.06, 6.5),
            (60, 0.073, 0.192, 0.360, 0.350, _NA, 1.61, 0.58, 10.0, 30.0, 0.06, 6.5),
            (90, 0.128, 0.232, 0.361, 0.223, _NA, 1.61, 0.43, 10.0, 30.0, 0.04, 6.5),
            (120, 0.143, 0.243, 0.359, 0.122, _NA, 1.62, 0.26, 10.0, 30.0, 0.03, 6.5),
            (150, 0.138, 0.243, 0.360, 0.067, _NA, 1.62, 0.12, 10.0, 30.0, 0.01, 6.5),
            (180, 0.138, 0.244, 0.361, 0.037, _NA, 1.62, 0.04, 10.0, 30.0, 0.00, 6.5),
            (210, 0.138, 0.244, 0.361, 0.020, _NA, 1.62, 0.01, 10.0, 30.0, 0.00, 6.5),
        ),
        citation="DSSAT-CSM Data/Soil/SOIL.SOL, profile IB00000008 (generic medium sandy loam)",
    ),
}


@dataclass(frozen=True)
class Management:
    """Field management shared by every run: rainfed maize, one pre-plant urea application."""

    cultivar: str = "PC0002"  # MZCER048.CUL: 2600-2650 GDD hybrid
    planting_month: int = 5
    planting_day: int = 1
    plant_population: float = 8.0  # plants m-2
    row_spacing: float = 76.0  # cm
    fertilizer_days_before_planting: int = 7
    fertilizer_material: str = "FE005"  # urea
    fertilizer_method: str = "AP002"  # broadcast, incorporated
    fertilizer_depth: float = 10.0  # cm
    initial_residue: float = 1000.0  # kg ha-1 maize stover on January 1
    initial_no3_ppm: float = 5.0
    initial_nh4_ppm: float = 1.0


@dataclass
class SimulationGrid:
    """Weather stations x soils x N rates x years x SOM modules; one DSSAT run per cell.

    ``experiment`` of the output is the index of the N rate in ``n_rates`` (kg N ha-1).
    """

    weather: Sequence[DailyWeather]
    soils: Sequence[SoilSpec]
    years: Sequence[int]
    n_rates: Sequence[float] = (0.0, 60.0, 120.0, 180.0, 240.0)
    som_modules: Sequence[str] = ("P", "G")
    management: Management = field(default_factory=Management)

    def __post_init__(self) -> None:
        bad = [m for m in self.som_modules if m not in SOM_SOURCE]
        if bad:
            raise ValueError(f"unknown SOM modules {bad}; use 'P' (CENTURY) or 'G' (CERES-Godwin)")
        for station in self.weather:
            missing = sorted(set(self.years) - set(station.complete_years()))
            if missing:
                raise ValueError(f"station {station.station_id} has no complete weather for years {missing}")

    def runs(self) -> list[RunInputs]:
        """Every run of the grid, in a stable order."""
        out = []
        for station in self.weather:
            tav, amp = station_temperature_climate(station)
            for soil in self.soils:
                for year in self.years:
                    days = station.years(year, year)
                    for experiment, rate in enumerate(self.n_rates):
                        for som in self.som_modules:
                            out.append(
                                RunInputs(
                                    station_id=station.station_id,
                                    latitude=station.latitude,
                                    longitude=station.longitude,
                                    elevation=station.elevation,
                                    tav=tav,
                                    amp=amp,
                                    weather=days,
                                    soil=soil,
                                    year=int(year),
                                    n_rate=float(rate),
                                    experiment=experiment,
                                    som=som,
                                    management=self.management,
                                )
                            )
        return out

    def metadata(self) -> dict:
        return {
            "stations": [
                {**w.metadata(), **dict(zip(("tav", "amp"), station_temperature_climate(w), strict=True))}
                for w in self.weather
            ],
            "sites": [f"{w.station_id}-{s.key}" for w in self.weather for s in self.soils],
            "soils": {
                s.key: {"profile_id": s.profile_id, "description": s.description, "citation": s.citation}
                for s in self.soils
            },
            "years": [int(y) for y in self.years],
            "experiments": {str(i): {"n_rate_kg_n_ha": float(r)} for i, r in enumerate(self.n_rates)},
            "som_modules": {m: str(SOM_SOURCE[m]) for m in self.som_modules},
            "management": asdict(self.management),
            "crop": "maize (rainfed)",
            "dssattools_version": DSSATTOOLS_VERSION,
            "mapping_version": MAPPING_VERSION,
        }


@dataclass
class RunInputs:
    """Everything one DSSAT run depends on (and so everything its cache key hashes)."""

    station_id: str
    latitude: float
    longitude: float
    elevation: float | None
    tav: float
    amp: float
    weather: pd.DataFrame  # one calendar year, contiguous, with Feb 29 in leap years
    soil: SoilSpec
    year: int
    n_rate: float
    experiment: int
    som: str
    management: Management

    @property
    def site_id(self) -> str:
        return f"{self.station_id}-{self.soil.key}"

    @property
    def source(self) -> schema.Source:
        return SOM_SOURCE[self.som]

    def describe(self) -> dict:
        """The run's inputs without the weather table (for failure reports and logs)."""
        return {
            "site_id": self.site_id,
            "station_id": self.station_id,
            "soil": self.soil.profile_id,
            "year": self.year,
            "n_rate_kg_n_ha": self.n_rate,
            "experiment": self.experiment,
            "som": self.som,
            "source": str(self.source),
        }

    def cache_key(self) -> str:
        h = hashlib.sha256()
        h.update(
            json.dumps(
                {
                    **self.describe(),
                    "lat": self.latitude,
                    "lon": self.longitude,
                    "elev": self.elevation,
                    "tav": round(self.tav, 3),
                    "amp": round(self.amp, 3),
                    "soil_spec": asdict(self.soil),
                    "management": asdict(self.management),
                    "dssattools": DSSATTOOLS_VERSION,
                    "mapping": MAPPING_VERSION,
                },
                sort_keys=True,
                default=str,
            ).encode()
        )
        h.update(pd.util.hash_pandas_object(self.weather, index=False).to_numpy().tobytes())
        return h.hexdigest()[:32]


@dataclass
class RunFailure:
    """A run that did not produce a table: its inputs and why."""

    inputs: dict
    error: str

    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "error": self.error}


def station_temperature_climate(station: DailyWeather) -> tuple[float, float]:
    """DSSAT's TAV (long-term mean air temperature) and AMP (range of monthly means), degC."""
    f = station.frame
    mean_t = 0.5 * (f["TMAX"] + f["TMIN"])
    monthly = mean_t.groupby(f["date"].dt.month).mean()
    return float(mean_t.mean()), float(monthly.max() - monthly.min())


# --- one DSSAT run ---

_WORKDIR: Path | None = None


def _worker_dir(root: Path) -> Path:
    """One DSSAT working folder per process under ``root``, reused for its runs (DSSAT overwrites
    its files); ``simulate_grid`` removes ``root`` at the end."""
    global _WORKDIR
    if _WORKDIR is None or _WORKDIR.parent != root or not _WORKDIR.exists():
        _WORKDIR = root / str(os.getpid())
        _WORKDIR.mkdir(parents=True, exist_ok=True)
    return _WORKDIR


def _build_treatment(inputs: RunInputs) -> dict:
    crop, filex, _run, soil_mod, weather_mod = import_dssattools()
    m = inputs.management
    w = inputs.weather
    table = pd.DataFrame(
        {
            "date": w["date"].dt.date,
            "srad": w["SW_IN"].astype(float).round(2),
            "tmax": w["TMAX"].astype(float).round(2),
            "tmin": w["TMIN"].astype(float).round(2),
            "rain": w["PRECIP"].astype(float).round(2),
        }
    )
    station = weather_mod.WeatherStation(
        table=table,
        lat=inputs.latitude,
        long=inputs.longitude,
        insi="AGFX",
        elev=inputs.elevation if inputs.elevation is not None else -99,
        tav=inputs.tav,
        amp=inputs.amp,
    )
    layers = [
        soil_mod.SoilLayer(
            slb=slb,
            slll=ll,
            sdul=dul,
            ssat=sat,
            srgf=rgf,
            ssks=ks,
            sbdm=bd,
            sloc=oc,
            slcl=cl,
            slsi=si,
            slni=ni,
            slhw=ph,
        )
        for slb, ll, dul, sat, rgf, ks, bd, oc, cl, si, ni, ph in inputs.soil.layers
    ]
    s = inputs.soil
    profile = soil_mod.SoilProfile(
        table=layers,
        name=s.profile_id,
        salb=s.salb,
        slu1=s.slu1,
        sldr=s.sldr,
        slro=s.slro,
        slnf=s.slnf,
        slpf=s.slpf,
        soil_clasification=s.texture,
        lat=inputs.latitude,
        long=inputs.longitude,
    )
    field_ = filex.Field(id_field="AGFX0001", wsta=station, id_soil=profile)
    y = inputs.year
    planting_date = date(y, m.planting_month, m.planting_day)
    treatment = {
        "field": field_,
        "cultivar": crop.Maize(m.cultivar),
        "planting": filex.Planting(
            pdate=planting_date,
            ppop=m.plant_population,
            ppoe=m.plant_population,
            plrs=m.row_spacing,
            plme="S",
            plds="R",
            pldp=5,
        ),
        "harvest": filex.Harvest(hdate=date(y, 12, 31), hstg="GS000", hcom="C", hsize="A", hpc=100, hbpc=0),
        "initial_conditions": filex.InitialConditions(
            pcr="MZ",
            icdat=date(y, 1, 1),
            icrt=100,
            icres=m.initial_residue,
            table=[
                filex.InitialConditionsLayer(
                    icbl=layer[0], sh2o=layer[2], snh4=m.initial_nh4_ppm, sno3=m.initial_no3_ppm
                )
                for layer in s.layers
            ],
        ),
        "simulation_controls": filex.SimulationControls(
            general=filex.SCGeneral(sdate=date(y, 1, 1), nyers=1),
            options=filex.SCOptions(water="Y", nitro="Y"),
            methods=filex.SCMethods(mesom=inputs.som),
            management=filex.SCManagement(plant="R", irrig="N", ferti="R", harvs="R"),
            outputs=filex.SCOutputs(niout="Y", waout="Y", caout="Y", grout="Y"),
        ),
    }
    if inputs.n_rate > 0:
        treatment["fertilizer"] = filex.Fertilizer(
            table=[
                filex.FertilizerEvent(
                    fdate=fertilizer_date(inputs),
                    fmcd=m.fertilizer_material,
                    facd=m.fertilizer_method,
                    fdep=m.fertilizer_depth,
                    famn=inputs.n_rate,
                )
            ]
        )
    return treatment


def planting_date(inputs: RunInputs) -> date:
    return date(inputs.year, inputs.management.planting_month, inputs.management.planting_day)


def fertilizer_date(inputs: RunInputs) -> date:
    return planting_date(inputs) - timedelta(days=inputs.management.fertilizer_days_before_planting)


def run_dssat(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    """Run DSSAT-CSM once in ``workdir``; the text of every ``.OUT`` file by name (e.g. ``"GHG"``).

    DSSAT-CSM's Fortran reads paths into fixed-length strings: a long ``workdir`` makes it report
    "Weather file not found", so a path longer than ``MAX_WORKDIR_CHARS`` runs in a short temp folder.
    """
    if len(str(Path(workdir).resolve())) > MAX_WORKDIR_CHARS:
        base = "/tmp" if os.path.isdir("/tmp") else None
        with tempfile.TemporaryDirectory(prefix="agxd_", dir=base) as short:
            return _run_in(inputs, Path(short) / "run")
    return _run_in(inputs, Path(workdir))


def _run_in(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    _crop, _filex, run_mod, _soil, _weather = import_dssattools()
    treatment = _build_treatment(inputs)
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        dssat = run_mod.DSSAT(str(workdir))
        try:
            dssat.run_treatment(**treatment, verbose=False)
        except RuntimeError as err:
            error_file = workdir / "ERROR.OUT"
            detail = (
                error_file.read_text(errors="replace")[-1500:]
                if error_file.exists()
                else sink.getvalue()[-1500:]
            )
            raise RuntimeError(f"DSSAT-CSM failed: {err}\n{detail}") from None
    return dict(dssat.output_files)


# --- output parsing and mapping ---


def read_daily_output(text: str, name: str) -> pd.DataFrame:
    """The daily table of a DSSAT ``.OUT`` file (header line starting ``@YEAR``), indexed by date."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("@YEAR")), None)
    if start is None:
        raise ValueError(f"{name}.OUT has no '@YEAR' table")
    columns = lines[start][1:].split()
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith(("*", "@", "!")):
        end += 1
    frame = pd.read_csv(
        io.StringIO("\n".join(lines[start + 1 : end])),
        sep=r"\s+",
        header=None,
        names=columns,
        usecols=range(len(columns)),
        na_values=["-99", "-99.0", "-99.00", "-99.000"],
    )
    if not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        frame = frame.apply(pd.to_numeric, errors="coerce")
    frame.index = pd.to_datetime(frame["YEAR"].astype(int).astype(str), format="%Y") + pd.to_timedelta(
        frame["DOY"].astype(int) - 1, unit="D"
    )
    return frame[~frame.index.duplicated(keep="last")]


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


def _ppm_to_g_m2(ppm: pd.Series, layers: pd.DataFrame, layer: int) -> pd.Series:
    """mg N kg-1 soil -> g N m-2: ppm x BD (g cm-3) x thickness (cm) x 0.01."""
    return ppm * layers.loc[layer, "bd"] * layers.loc[layer, "thickness"] * 0.01


def map_outputs(inputs: RunInputs, outputs: dict[str, str]) -> pd.DataFrame:
    """DSSAT output texts of one run -> its canonical daily table (365 days, float32 variables)."""
    needed = ("GHG", "ET", "SoilWat", "SoilTemp", "SoilNi", "PlantGro", "INFO")
    missing = [n for n in needed if n not in outputs]
    if missing:
        raise ValueError(f"DSSAT wrote no {missing} output")
    days = pd.date_range(f"{inputs.year}-01-01", f"{inputs.year}-12-31", freq="D")
    ghg = read_daily_output(outputs["GHG"], "GHG").reindex(days)
    et = read_daily_output(outputs["ET"], "ET").reindex(days)
    water = read_daily_output(outputs["SoilWat"], "SoilWat").reindex(days)
    temp = read_daily_output(outputs["SoilTemp"], "SoilTemp").reindex(days)
    nitro = read_daily_output(outputs["SoilNi"], "SoilNi").reindex(days)
    plant = read_daily_output(outputs["PlantGro"], "PlantGro")
    layers = read_model_layers(outputs["INFO"])

    out = pd.DataFrame(index=days)
    weather = inputs.weather.set_index("date").reindex(days)
    for name in DRIVER_NAMES:
        out[name] = weather.get(name, np.nan)
    out["N_FERT"] = 0.0
    if inputs.n_rate > 0:
        out.loc[pd.Timestamp(fertilizer_date(inputs)), "N_FERT"] = inputs.n_rate / 10.0  # kg ha-1 -> g m-2
    out["PLANTING"] = 0.0
    out.loc[pd.Timestamp(planting_date(inputs)), "PLANTING"] = 1.0
    out["CROP"] = 1.0
    for name, value in inputs.soil.top_layer_statics().items():
        out[name] = value

    grain = plant["GWAD"].dropna()
    out["YIELD"] = (float(grain.iloc[-1]) if len(grain) else 0.0) * GRAIN_CARBON_FRACTION * 0.1
    for k in OUTPUT_LAYERS:
        out[f"SWC_{k}"] = water[f"SW{k}D"]
        out[f"TS_{k}"] = temp[f"TS{k}D"]
        out[f"NO3_{k}"] = _ppm_to_g_m2(nitro[f"NI{k}D"], layers, k)
    out["NH4_1"] = _ppm_to_g_m2(nitro["NH1D"], layers, 1)
    out["ET"] = et["ETAA"]
    out["N2O_FLUX"] = ghg["N2OGED"] / 1e4
    out["RSOIL"] = ghg["CO2GED"] / 1e4
    out["LAI"] = plant["LAID"].reindex(days).fillna(0.0)  # no crop on the field -> leaf area 0

    out = out[~((out.index.month == 2) & (out.index.day == 29))]
    frame = out.reset_index(names="date")
    frame.insert(0, "source", str(inputs.source))
    frame.insert(1, "domain", str(schema.SOURCE_DOMAIN[inputs.source]))
    frame.insert(2, "site_id", inputs.site_id)
    frame.insert(3, "experiment", np.int64(inputs.experiment))
    variables = [*DRIVER_NAMES, *MANAGEMENT_NAMES, *STATIC_NAMES, *TARGET_NAMES]
    frame[variables] = frame[variables].astype("float32")
    frame["latitude"] = float(inputs.latitude)
    frame["longitude"] = float(inputs.longitude)
    frame["igbp"] = "CRO"
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame[[*schema.ID_COLUMNS, "date", *variables, "latitude", "longitude", "igbp"]]


def dssat_runner(inputs: RunInputs, workdir: Path) -> pd.DataFrame:
    """The real runner: DSSAT-CSM, then the mapping to canonical columns."""
    return map_outputs(inputs, run_dssat(inputs, workdir))


# --- the grid ---

Runner = Callable[[RunInputs, Path], pd.DataFrame]


def default_cache_dir() -> Path:
    base = os.environ.get("AGROFLUX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "agroflux")
    return Path(base) / "dssat_runs"


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.parquet"


def _execute(
    inputs: RunInputs, runner: Runner, cache_dir: Path | None, work_root: Path
) -> tuple[pd.DataFrame | None, RunFailure | None, bool]:
    """One run with its cache: (table, failure, was_cached). Never raises for a failing run."""
    key = inputs.cache_key()
    if cache_dir is not None:
        path = _cache_path(cache_dir, key)
        if path.exists():
            try:
                return pd.read_parquet(path), None, True
            except Exception:  # a corrupt cache entry is recomputed
                path.unlink(missing_ok=True)
    try:
        frame = runner(inputs, _worker_dir(work_root))
    except Exception as err:
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return None, RunFailure(inputs.describe(), detail), False
    if cache_dir is not None:
        path = _cache_path(cache_dir, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    return frame, None, False


def _pool_context():
    # fork: workers inherit the already-imported DSSATTools instead of re-creating its shared
    # /tmp/DSSAT048 links concurrently.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def simulate_grid(
    grid: SimulationGrid,
    *,
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame, list[RunFailure]]:
    """Run every cell of ``grid``; the canonical daily table of all runs and the failed runs.

    ``workers`` processes (default: all cores; 1 = in this process). ``cache_dir`` holds one parquet
    per run keyed by a hash of its inputs (default ``$AGROFLUX_CACHE/dssat_runs``). ``runner`` replaces
    DSSAT (tests); it must be picklable when ``workers > 1``.
    """
    if runner is None:
        import_dssattools()
        runner = dssat_runner
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    runs = grid.runs()
    workers = workers or os.cpu_count() or 1
    frames: list[pd.DataFrame] = []
    failures: list[RunFailure] = []
    cached = 0
    started = time.perf_counter()
    bar = _progress_bar(len(runs), progress)
    work_root = Path(tempfile.mkdtemp(prefix="agxd_", dir="/tmp" if os.path.isdir("/tmp") else None))
    try:
        if workers == 1:
            results = (_execute(r, runner, cache, work_root) for r in runs)
            for frame, failure, hit in results:
                cached += _collect(frame, failure, hit, frames, failures, bar)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
                futures = [pool.submit(_execute, r, runner, cache, work_root) for r in runs]
                for future in as_completed(futures):
                    cached += _collect(*future.result(), frames, failures, bar)
    finally:
        bar.close()
        shutil.rmtree(work_root, ignore_errors=True)
    logger.info(
        "%d DSSAT runs (%d cached, %d failed) in %.1f s",
        len(runs),
        cached,
        len(failures),
        time.perf_counter() - started,
    )
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        table = table.sort_values(["source", "site_id", "experiment", "date"], kind="stable").reset_index(
            drop=True
        )
    failures.sort(key=lambda f: json.dumps(f.inputs, sort_keys=True))
    return table, failures


def _collect(frame, failure, hit, frames, failures, bar) -> int:
    if frame is not None:
        frames.append(frame)
    if failure is not None:
        failures.append(failure)
        logger.warning("DSSAT run failed %s: %s", failure.inputs, failure.error.splitlines()[0])
    bar.update(1)
    return int(hit)


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="DSSAT runs", unit="run", disable=not enabled)


# --- writing ---


def write_source_tables(table: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """One zstd parquet per source (``dssat_century.parquet``, ``dssat_ceres.parquet``), temp then rename."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for source, part in table.groupby("source", sort=True):
        path = out_dir / f"{source}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        part.reset_index(drop=True).to_parquet(tmp, index=False, compression="zstd", compression_level=19)
        os.replace(tmp, path)
        written[str(source)] = path
    return written


def write_grid_metadata(
    grid: SimulationGrid, failures: list[RunFailure], out_path: str | Path, **extra
) -> Path:
    out_path = Path(out_path)
    payload = {**grid.metadata(), **extra, "failures": [f.to_dict() for f in failures]}
    tmp = out_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    os.replace(tmp, out_path)
    return out_path


# --- command line ---


def register_commands(subparsers) -> None:
    """``agroflux data simulate --out DIR [--preset mini|tiny] [--workers N]``."""
    p = subparsers.add_parser("simulate", help="run the DSSAT-CSM simulation grid (needs agroflux_hf[sim])")
    p.add_argument(
        "--out", required=True, type=Path, help="folder for dssat_century.parquet, dssat_ceres.parquet"
    )
    p.add_argument(
        "--preset", choices=("mini", "tiny"), default="mini", help="grid size (mini = the embedded default)"
    )
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument(
        "--cache-dir", type=Path, default=None, help="run cache (default $AGROFLUX_CACHE/dssat_runs)"
    )
    p.add_argument(
        "--weather-dir", type=Path, default=None, help="folder holding the unpacked weather packages"
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_simulate_command)


def _simulate_command(args: argparse.Namespace) -> int:
    from agroflux_hf.default_data import derive_simulations

    try:
        import_dssattools()
    except DSSATNotInstalledError as err:
        logger.error("%s", err)
        return 1
    grid = derive_simulations.build_preset(args.preset, weather_dir=args.weather_dir)
    started = time.perf_counter()
    table, failures = simulate_grid(
        grid, workers=args.workers, cache_dir=args.cache_dir, progress=not args.no_progress
    )
    seconds = time.perf_counter() - started
    written = write_source_tables(table, args.out)
    write_grid_metadata(
        grid,
        failures,
        Path(args.out) / "dssat_simulation_grid.json",
        preset=args.preset,
        seconds=round(seconds, 1),
    )
    for source, path in written.items():
        print(f"{source}: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"{len(grid.runs())} runs, {len(failures)} failed, {seconds:.0f} s")
    return 0 if not failures else 3
