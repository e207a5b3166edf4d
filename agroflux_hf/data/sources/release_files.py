"""The official release's files: what a subset folder must hold, and their validation before any
row is read (shapes, dtypes, scalers, counts against the documented sizes). Part of the release reader
(``release.py``, whose docstring describes the release); split off so that the reader stays readable,
with no change of behaviour.
"""

from __future__ import annotations

import logging
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agroflux_hf import schema
from agroflux_hf.data.sources import release_layout
from agroflux_hf.errors import DataFileError

logger = logging.getLogger("agroflux_hf.data.sources.release")  # one logger name for the whole reader

LICENSE = "CC BY 4.0"
CITATION = """@article{agroflux2026,
  title   = {AgroFlux: A Spatial-Temporal Benchmark for Carbon and Nitrogen Flux Prediction
             in Agricultural Ecosystems},
  journal = {arXiv preprint arXiv:2602.01614},
  year    = {2026},
  url     = {https://arxiv.org/abs/2602.01614}
}"""
N_FOLDS = 5

N_INPUTS = len(release_layout.RELEASE_INPUT_NAMES)  # 11
EXPERIMENTS_PER_COUNTY = 20  # nitrogen-fertilizer regimes per county in the simulations
DAYS = schema.SEQUENCE_LENGTH
DOCUMENTED_COUNTIES = 99
DOCUMENTED_YEARS = {schema.Source.ECOSYS: 18, schema.Source.DAYCENT: 21, schema.Source.CHAMBER: 3}
DOCUMENTED_SITES = {schema.Source.CHAMBER: 6, schema.Source.TOWER: 11}
TOWER_PLACEHOLDER_FIRST_YEAR = 1901
"""First year of the placeholder calendar of the towers, whose files do not say which years they hold."""
SW_IN_COLUMN = release_layout.release_column("SW_IN").index
_DAYS_PER_READ = 73  # one fifth of a year per memory-map read: bounds the mapped pages held at once
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

SUBSETS: tuple[str, ...] = ("ecosys", "daycent", "n2o", "co2")
_ALIASES = {"mw": "ecosys", "dc": "daycent"}
_FOLDERS = {"ecosys": "t0_mw", "daycent": "t0_dc", "n2o": "t1_n2o", "co2": "t1_co2"}
_SOURCES = {
    "ecosys": schema.Source.ECOSYS,
    "daycent": schema.Source.DAYCENT,
    "n2o": schema.Source.CHAMBER,
    "co2": schema.Source.TOWER,
}
_OBSERVATION_FILES = {
    "n2o": (r"X_real_scaled_(\d+)\.npy", "X_real_scaled_{}.npy", "Y_real_scaled_Combined_{}.npy"),
    "co2": (
        r"X_real_scaled_ECfluxnet_(\d+)\.npy",
        "X_real_scaled_ECfluxnet_{}.npy",
        "Y_real_scaled_ECfluxnet_Combined_{}.npy",
    ),
}
_CHANNELS = {
    "n2o": release_layout.RELEASE_N2O_TARGET_CHANNELS,
    "co2": release_layout.RELEASE_CO2_TARGET_CHANNELS,
}

INPUT_NAMES = schema.dynamic_input_names(release_layout.RELEASE_INPUT_NAMES)
STATIC_NAMES = schema.static_input_names(release_layout.RELEASE_INPUT_NAMES)

_DESCRIPTIONS = {
    "ecosys": (
        "Ecosys process-model simulations of the official AgroFlux release (t0_mw): daily, "
        "{counties} US Midwest counties x 20 nitrogen-fertilizer regimes (experiment 0..19, "
        "0 to 33.6 g N m-2), {years} years on a no-leap calendar (assumed {first}-{last}). "
        "Inputs and the 20 targets unscaled to physical units with the release scalers; "
        "NEE and RECO in the atmospheric sign convention."
    ),
    "daycent": (
        "DayCent process-model simulations of the official AgroFlux release (t0_dc): the same "
        "{counties} counties x 20 fertilizer regimes, {years} years (assumed {first}-{last}). The "
        "release has no DayCent scaler: values are unscaled with the Ecosys scalers, as the release "
        "scaled them."
    ),
    "n2o": (
        "Observed daily N2O fluxes of {sites} mesocosm chambers (t1_n2o), {years} years (assumed "
        "{first}-{last}); NaN on days without a measurement."
    ),
    "co2": (
        "Observed daily GPP and NEE at {sites} cropland eddy-covariance towers (t1_co2), whole "
        "years ({years} site-years in total); NaN = gap. The release does not say which calendar "
        "years the towers cover: years are numbered 1..N per tower and first_date is unknown."
    ),
}


# ----------------------------------------------------------------------------------------------
# layouts: what validation found, everything the streaming needs (paths, shapes, scalers)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrayFile:
    """A checked ``.npy`` file: its shape and dtype, read from the header and memory map."""

    path: Path
    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class Unscale:
    """Per channel ``physical = (stored * std + mean) * sign``; tuples so the layout stays hashable."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    sign: tuple[float, ...]

    def apply(self, stored: np.ndarray) -> np.ndarray:
        """float32 physical values, computed in float64 so float32 storage loses nothing more."""
        values = stored.astype(np.float64) * np.asarray(self.std) + np.asarray(self.mean)
        return (values * np.asarray(self.sign)).astype(np.float32)


@dataclass(frozen=True)
class SimulationLayout:
    """A validated ``t0_mw`` / ``t0_dc`` folder."""

    subset: str
    source: schema.Source
    x: ArrayFile
    y: tuple[ArrayFile, ...]  # Carbon, Thermal, Water, Nitrogen
    n_counties: int
    n_years: int
    first_year: int
    inputs: Unscale
    targets: tuple[Unscale, ...]  # one per module


@dataclass(frozen=True)
class ObservationSite:
    site_id: str
    x: ArrayFile
    y: ArrayFile
    n_years: int


@dataclass(frozen=True)
class ObservationLayout:
    """A validated ``t1_n2o`` / ``t1_co2`` folder."""

    subset: str
    source: schema.Source
    sites: tuple[ObservationSite, ...]
    channels: tuple[int, ...]  # target channels kept, in the order of target_names
    target_names: tuple[str, ...]
    first_year: int | None  # None = the release does not say (towers)
    year_axis: bool  # n2o files put the year on axis 1: (365, years, v)
    inputs: Unscale
    targets: Unscale


# ----------------------------------------------------------------------------------------------
# file checks
# ----------------------------------------------------------------------------------------------


def _header_dtype(path: Path) -> np.dtype | None:
    """The dtype written in a ``.npy`` header, or None when the header itself cannot be read."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            reader = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }
            if version not in reader:
                return None
            return np.dtype(reader[version](f)[2])
    except (OSError, ValueError):
        return None


def open_array(path: Path) -> np.memmap:
    """Memory-map a release array; a :class:`DataFileError` naming the file for anything unusable."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "missing: the AgroFlux release layout has this file")
    dtype = _header_dtype(path)
    if dtype is not None and dtype not in _FLOAT_DTYPES:
        raise DataFileError(path, f"dtype {dtype}; the release stores float32 or float64 arrays")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataFileError(
            path, f"cannot be read as a NumPy array (truncated download or not a .npy file?): {error}"
        ) from error
    if array.dtype not in _FLOAT_DTYPES:
        raise DataFileError(path, f"dtype {array.dtype}; the release stores float32 or float64 arrays")
    return array


def _checked(path: Path, ndim: int, layout: str) -> ArrayFile:
    array = open_array(path)
    if array.ndim != ndim:
        raise DataFileError(path, f"shape {array.shape}; the release layout is {layout}")
    info = ArrayFile(Path(path), tuple(int(n) for n in array.shape), str(array.dtype))
    del array
    return info


def _require(condition: bool, path: Path, problem: str) -> None:
    if not condition:
        raise DataFileError(path, problem)


def _load_scaler(path: Path, names: tuple[str, ...]) -> np.ndarray:
    """A release scaler (n, 2): finite means, finite positive stds; notes where it differs from the doc."""
    scaler = np.asarray(open_array(path), dtype=np.float64)
    _require(
        scaler.shape == (len(names), 2),
        path,
        f"shape {scaler.shape}; expected ({len(names)}, 2): (mean, std) of {', '.join(names)}",
    )
    for row, (name, (mean, std)) in enumerate(zip(names, scaler.tolist(), strict=True)):
        _require(np.isfinite(mean), path, f"row {row} ({name}): mean {mean!r} is not finite")
        _require(
            np.isfinite(std) and std > 0, path, f"row {row} ({name}): std {std!r} is not a positive number"
        )
        documented = release_layout.release_column(name).scaler
        if documented is not None and not np.allclose((mean, std), documented, rtol=1e-3):
            logger.info(
                "%s row %d (%s): (%g, %g) differs from the documented %s",
                path,
                row,
                name,
                mean,
                std,
                documented,
            )
    return scaler


def _input_unscale(scalers: Path) -> Unscale:
    scaler = _load_scaler(scalers / "X_scaler.npy", release_layout.RELEASE_INPUT_NAMES)
    return Unscale(tuple(scaler[:, 0]), tuple(scaler[:, 1]), (1.0,) * N_INPUTS)


def _module_unscale(scalers: Path, module: schema.Module) -> Unscale:
    names = release_layout.RELEASE_MODULE_TARGETS[module]
    path = scalers / f"Y_scaler_{module.value}.npy"
    scaler = _load_scaler(path, names)
    signs = tuple(release_layout.release_column(n).sign for n in names)
    release_layout.warn_on_net_n2o_uptake(path, dict(zip(names, scaler[:, 0] * signs, strict=True)))
    return Unscale(tuple(scaler[:, 0]), tuple(scaler[:, 1]), signs)


def _observation_unscale(scalers: Path, names: tuple[str, ...]) -> Unscale:
    """The Ecosys rows of the observed targets: the release scaled observations with them."""
    rows = []
    for name in names:
        module = schema.VARIABLES[name].module
        unscale = _module_unscale(scalers, module)
        i = release_layout.RELEASE_MODULE_TARGETS[module].index(name)
        rows.append((unscale.mean[i], unscale.std[i], unscale.sign[i]))
    mean, std, sign = zip(*rows, strict=True)
    return Unscale(mean, std, sign)


def _iter_day_blocks(array: np.ndarray, block: int = _DAYS_PER_READ) -> Iterator[tuple[int, int]]:
    for start in range(0, array.shape[0], block):
        yield start, min(start + block, array.shape[0])


def _drop_mapped_pages(array: np.ndarray) -> None:
    """Let the kernel drop the pages this process mapped so far (they stay in the page cache).

    Without this every page a read touches stays in the process' resident set until the map is
    closed, so reading a 1980-site array county by county would end up with the whole file resident.
    """
    handle = getattr(array, "_mmap", None)
    if handle is not None and hasattr(mmap, "MADV_DONTNEED"):
        handle.madvise(mmap.MADV_DONTNEED)


def _check_channels_not_all_nan(info: ArrayFile, channels: tuple[int, ...], names: tuple[str, ...]) -> None:
    """Every kept target channel has at least one finite value; scans day blocks, stops early."""
    array = open_array(info.path)
    missing = set(channels)
    for start, stop in _iter_day_blocks(array, 4 * _DAYS_PER_READ):
        pending = sorted(missing)
        block = np.asarray(array[start:stop][..., pending])
        _drop_mapped_pages(array)
        finite = np.isfinite(block).reshape(-1, block.shape[-1]).any(axis=0)
        missing -= {c for c, ok in zip(pending, finite, strict=True) if ok}
        if not missing:
            return
    bad = sorted(missing)
    labels = ", ".join(f"channel {c} ({names[channels.index(c)]})" for c in bad)
    raise DataFileError(info.path, f"target {labels} is all NaN: nothing was observed or simulated")


def _check_sw_in_varies(info: ArrayFile, sequence: tuple) -> None:
    """Warn when input column 10 (read as SW_IN) is constant within one sequence: the reading is then wrong."""
    array = open_array(info.path)
    values = np.asarray(array[sequence][..., SW_IN_COLUMN], dtype=np.float64)
    if np.nanstd(values) == 0:
        logger.warning(
            "%s: input column %d (read as SW_IN, incoming shortwave radiation) is constant within the "
            "first sequence; it may be a static attribute (e.g. cation exchange capacity), not radiation",
            info.path,
            SW_IN_COLUMN,
        )


# ----------------------------------------------------------------------------------------------
# validation of one subset
# ----------------------------------------------------------------------------------------------


def _validate_simulation(release_dir: Path, subset: str) -> SimulationLayout:
    folder = release_dir / _FOLDERS[subset]
    code = _FOLDERS[subset].split("_")[1]
    source = _SOURCES[subset]
    layout = "(years*365 days, counties*20 experiments, 11 inputs)"
    x = _checked(folder / f"X_{code}_scaled.npy", 3, layout)
    days, sites, n_inputs = x.shape
    _require(n_inputs == N_INPUTS, x.path, f"shape {x.shape}: {n_inputs} inputs; the release has {N_INPUTS}")
    _require(
        days > 0 and days % DAYS == 0, x.path, f"shape {x.shape}: {days} days is not a multiple of {DAYS}"
    )
    _require(
        sites > 0 and sites % EXPERIMENTS_PER_COUNTY == 0,
        x.path,
        f"shape {x.shape}: {sites} sites is not a multiple of {EXPERIMENTS_PER_COUNTY} (counties x regimes)",
    )
    ys = []
    for module in schema.Module:
        n = len(release_layout.RELEASE_MODULE_TARGETS[module])
        y = _checked(
            folder / f"Y_{code}_scaled_{module.value}.npy", 3, f"(days, sites, {n} {module.value} targets)"
        )
        _require(
            y.shape == (days, sites, n),
            y.path,
            f"shape {y.shape}; expected {(days, sites, n)}: the days and sites of {x.path.name} and "
            f"{n} {module.value} targets",
        )
        ys.append(y)
    n_counties, n_years = sites // EXPERIMENTS_PER_COUNTY, days // DAYS
    _note_size(folder, "counties", n_counties, DOCUMENTED_COUNTIES)
    _note_size(folder, "years", n_years, DOCUMENTED_YEARS[source])
    scalers = release_dir / "t0_scalers"
    if source == schema.Source.DAYCENT:
        logger.info(
            "%s: the release has no DayCent scaler; unscaling with the Ecosys scalers of %s", folder, scalers
        )
    targets = tuple(_module_unscale(scalers, m) for m in schema.Module)
    for module, y in zip(schema.Module, ys, strict=True):
        names = release_layout.RELEASE_MODULE_TARGETS[module]
        _check_channels_not_all_nan(y, tuple(range(len(names))), names)
    _check_sw_in_varies(x, (slice(0, DAYS), 0))
    return SimulationLayout(
        subset,
        source,
        x,
        tuple(ys),
        n_counties,
        n_years,
        release_layout.RELEASE_FIRST_YEAR[source],
        _input_unscale(scalers),
        targets,
    )


def _note_size(folder: Path, what: str, found: int, documented: int) -> None:
    if found != documented:
        logger.info("%s: %d %s (the documented release has %d)", folder, found, what, documented)


def _observation_pairs(folder: Path, subset: str) -> list[tuple[int, Path, Path]]:
    """(index, X file, Y file) for every site; a missing partner or a gap in the numbering is an error."""
    pattern, x_name, y_name = _OBSERVATION_FILES[subset]
    y_pattern = re.escape(y_name).replace(r"\{\}", r"(\d+)")
    indices = set()
    for path in folder.glob("*.npy"):
        match = re.fullmatch(pattern, path.name) or re.fullmatch(y_pattern, path.name)
        if match:
            indices.add(int(match.group(1)))
    if not indices:
        raise DataFileError(
            folder / x_name.format(0), "missing: the folder has no site file of the release layout"
        )
    pairs = []
    for i in range(max(indices) + 1):
        x_path, y_path = folder / x_name.format(i), folder / y_name.format(i)
        for path in (x_path, y_path):
            _require(
                path.is_file(), path, f"missing: the release numbers sites 0..{max(indices)} without gaps"
            )
        pairs.append((i, x_path, y_path))
    return pairs


def _validate_observation(release_dir: Path, subset: str) -> ObservationLayout:
    folder = release_dir / _FOLDERS[subset]
    source = _SOURCES[subset]
    named = _CHANNELS[subset]
    channels = tuple(sorted(named))
    names = tuple(named[c] for c in channels)
    n2o = subset == "n2o"
    sites, dropped = [], set()
    for i, x_path, y_path in _observation_pairs(folder, subset):
        x_layout = "(365 days, years, 11 inputs)" if n2o else "(years*365 days, 1, 11 inputs)"
        x = _checked(x_path, 3, x_layout)
        if n2o:
            _require(
                x.shape[0] == DAYS and x.shape[2] == N_INPUTS,
                x.path,
                f"shape {x.shape}; expected (365, 3, 11)",
            )
            n_years = x.shape[1]
            _note_size(x.path, "years", n_years, DOCUMENTED_YEARS[source])
        else:
            ok = x.shape[0] > 0 and x.shape[0] % DAYS == 0 and x.shape[1:] == (1, N_INPUTS)
            _require(ok, x.path, f"shape {x.shape}; expected (years*365, 1, 11)")
            n_years = x.shape[0] // DAYS
        y = _checked(y_path, 3, "(days, sites, target channels)")
        _require(
            y.shape[:2] == x.shape[:2] and y.shape[2] > max(channels),
            y.path,
            f"shape {y.shape}; expected {(*x.shape[:2], max(channels) + 1)} or more channels, the days and "
            f"sites of {x.path.name} (channels {dict(named)})",
        )
        dropped |= set(range(y.shape[2])) - set(channels)
        _check_channels_not_all_nan(y, channels, names)
        _check_sw_in_varies(x, (slice(0, DAYS), 0))
        site_id = f"chamber_{i}" if n2o else f"tower_{i:02d}"
        sites.append(ObservationSite(site_id, x, y, n_years))
    _note_size(folder, "sites", len(sites), DOCUMENTED_SITES[source])
    if dropped:
        logger.info(
            "%s: target channels %s have no documented name and are dropped (kept: %s)",
            folder,
            sorted(dropped),
            dict(named),
        )
    scalers = release_dir / "t0_scalers"
    return ObservationLayout(
        subset,
        source,
        tuple(sites),
        channels,
        names,
        release_layout.RELEASE_FIRST_YEAR.get(source),
        n2o,
        _input_unscale(scalers),
        _observation_unscale(scalers, names),
    )


def _choose_subsets(release_dir: Path, subsets: list[str] | tuple[str, ...] | None) -> list[str]:
    if not release_dir.is_dir():
        raise DataFileError(release_dir, "release folder not found")
    if subsets is None:
        present = [s for s in SUBSETS if (release_dir / _FOLDERS[s]).is_dir()]
        if not present:
            expected = ", ".join(f"{_FOLDERS[s]}/ ({s})" for s in SUBSETS)
            raise DataFileError(
                release_dir, f"no AgroFlux release subset found; expected one or more of {expected}"
            )
        return present
    chosen = []
    for name in subsets:
        subset = _ALIASES.get(name, name)
        if subset not in SUBSETS:
            raise ValueError(f"unknown release subset {name!r}; choose from {SUBSETS} (or mw, dc)")
        _require(
            (release_dir / _FOLDERS[subset]).is_dir(),
            release_dir / _FOLDERS[subset],
            "missing release folder",
        )
        if subset not in chosen:
            chosen.append(subset)
    return chosen


def validate_release(
    release_dir: Path | str, subsets: list[str] | tuple[str, ...] | None = None
) -> list[SimulationLayout | ObservationLayout]:
    """Check every file of the chosen subsets (all present ones when None) before anything streams."""
    release_dir = Path(release_dir)
    layouts = []
    for subset in _choose_subsets(release_dir, subsets):
        if subset in ("ecosys", "daycent"):
            layouts.append(_validate_simulation(release_dir, subset))
        else:
            layouts.append(_validate_observation(release_dir, subset))
    return layouts
