"""The DSSAT simulation grid: stations x soils x N rates x rotation phases x simulators -> run inputs.

Why a module of its own: what a run depends on (and so what its cache key hashes) is defined once here,
apart from how a run is executed (``dssat_run``) or read back (``dssat_outputs``). Also the check that
the optional simulator (DSSATTools, the ``sim`` extra) is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources import dssat_files
from agroflux_hf.data.sources.dssat_files import Season, SoilProfile
from agroflux_hf.data.sources.dssat_weather import SimulationWeather

DSSATTOOLS_VERSION = "3.0.2"
INSTALL_HINT = "DSSAT-CSM runs need the optional extra: pip install agroflux_hf[sim] (DSSATTools==3.0.2)"

# Bumped whenever the mapping of outputs or the management changes, so that old cache entries die.
MAPPING_VERSION = "4-residue-carbon"

SIMULATORS: dict[str, tuple[schema.Source, str]] = {
    "ceres": (schema.Source.DSSAT_CERES_MAIZE, "MZCER048"),
    "ixim": (schema.Source.DSSAT_IXIM_MAIZE, "MZIXM048"),
}
SOYBEAN_MODEL = "CRGRO048"
CONTINUOUS_MAIZE = 2  # the phase of a field in maize every year (US-Ne1's irrigated field)
# phase -> experiment offset: maize in years with year % 2 == phase (0, 1), or every year (2)
PHASES: dict[int, int] = {0: 0, 1: 1000, CONTINUOUS_MAIZE: 2000}

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
    # stations whose field grows maize every year (one run per N rate instead of the rotation phases)
    continuous_maize: Sequence[str] = ()

    def phases_of(self, station_id: str) -> tuple[int, ...]:
        """Rotation phases of a station: both rotation phases, or continuous maize alone."""
        if station_id in self.continuous_maize:
            return (CONTINUOUS_MAIZE,)
        return tuple(int(p) for p in self.phases)

    def years_of(self, station_id: str) -> tuple[int, int]:
        """First and last kept year of a station."""
        first, last = self.station_years.get(station_id, (self.first_year, self.last_year))
        return int(first), int(last)

    def __post_init__(self) -> None:
        bad_phases = [p for p in self.phases if p not in (0, 1)]
        if bad_phases:
            raise ValueError(f"rotation phases must be 0 or 1, got {bad_phases}; use continuous_maize")
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
                    for phase in self.phases_of(station.station_id):
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
                    "maize_in_years": {0: "even", 1: "odd", CONTINUOUS_MAIZE: "every"}[p],
                }
                for p in sorted({p for w in self.weather for p in self.phases_of(w.station_id)})
                for r in self.n_rates
            },
            "continuous_maize": sorted(self.continuous_maize),
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
    phase: int  # maize in years with year % 2 == phase; CONTINUOUS_MAIZE: every year
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
        return self.phase == CONTINUOUS_MAIZE or year % 2 == self.phase

    def seasons(self) -> list[Season]:
        """The rotation components, one per year from the start (two for the rotation, one for
        continuous maize); DSSAT repeats them until the last year."""
        m = self.management
        maize_model = SIMULATORS[self.simulator][1]
        out = []
        components = 1 if self.phase == CONTINUOUS_MAIZE else 2
        for year in range(self.start_year, self.start_year + components):
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
