"""A tiny AgroFlux release written in exactly the official layout, for the reader's tests.

The official arrays (Hugging Face ``qic69/AgroFlux``) cannot be downloaded here, so the tests make
small ones in the same layout (see ``/work/shared/docs/agroflux-release.md``): z-scored ``.npy``
arrays whose unscaled values are physically plausible (statics constant per site, one planting day
a year, fertilizer on one day a year by regime, radiation varying daily, NaN gaps in observations).
The release scalers written here are the documented means/stds taken from :mod:`agroflux_hf.schema`.

``write_tiny_release`` returns the folder; ``make_tiny_release`` also returns the physical values
(schema units and signs) that a correct reader must give back, computed from the stored arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agroflux_hf import schema
from agroflux_hf.data.sources import release_layout as layout

EXPERIMENTS_PER_COUNTY = 20
N_INPUTS = 11
MODULES: tuple[str, ...] = tuple(m.value for m in schema.Module)  # Carbon, Thermal, Water, Nitrogen
ALL_SUBSETS: tuple[str, ...] = ("ecosys", "daycent", "n2o", "co2")
_SUBSET_ALIASES = {"mw": "ecosys", "dc": "daycent"}
_T0_FOLDER = {"ecosys": ("t0_mw", "mw"), "daycent": ("t0_dc", "dc")}
MAX_FERTILIZER = 33.6  # g N m-2, the highest of the 20 Ecosys regimes


@dataclass
class ExpectedArrays:
    """Physical values (schema units and sign convention) of one release file pair, float64.

    ``inputs`` has the layout of the X file, ``targets`` that of the Y file(s) restricted to the
    named targets ``target_names`` (t0: the 20 "All" targets; observations: the named channels).
    """

    inputs: np.ndarray
    targets: np.ndarray
    target_names: tuple[str, ...]


@dataclass
class TinyRelease:
    root: Path
    dtype: np.dtype
    # subset -> list of file pairs: one entry for ecosys/daycent, one per chamber / tower.
    expected: dict[str, list[ExpectedArrays]] = field(default_factory=dict)


def input_scaler() -> np.ndarray:
    """(11, 2) documented (mean, std) of the release inputs, in release column order."""
    rows = [layout.release_column(n).scaler for n in layout.RELEASE_INPUT_NAMES]
    return np.asarray(rows, dtype=np.float64)


def target_scaler(module: str) -> np.ndarray:
    """(n, 2) documented (mean, std) of one Ecosys target module, in release order."""
    names = layout.RELEASE_MODULE_TARGETS[schema.Module(module)]
    return np.asarray([layout.release_column(n).scaler for n in names], dtype=np.float64)


def release_signs(names: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.asarray([layout.release_column(n).sign for n in names], dtype=np.float64)


def save_npy(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)


def truncate_file(path: Path, n_bytes: int = 64) -> None:
    """Cut ``n_bytes`` off the end of a file: what an interrupted download leaves behind."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:-n_bytes])


# ----------------------------------------------------------------------------------------------
# physical values
# ----------------------------------------------------------------------------------------------


def _site_statics(rng: np.random.Generator) -> np.ndarray:
    """BULK_DENSITY, SAND, SILT, PH of one site."""
    return np.array(
        [rng.uniform(1.2, 1.6), rng.uniform(50, 400), rng.uniform(300, 650), rng.uniform(5.5, 7.5)]
    )


def _physical_inputs(
    n_years: int, statics: np.ndarray, fertilizer: float, rng: np.random.Generator, crop_phase: int
) -> np.ndarray:
    """(n_years*365, 11) plausible daily inputs of one site-experiment, release column order."""
    days = n_years * schema.SEQUENCE_LENGTH
    doy = np.tile(np.arange(schema.SEQUENCE_LENGTH), n_years)
    year = np.repeat(np.arange(n_years), schema.SEQUENCE_LENGTH)
    season = np.sin(2 * np.pi * (doy - 105) / schema.SEQUENCE_LENGTH)
    x = np.zeros((days, N_INPUTS))
    x[:, 0] = 16.7 + 14 * season + rng.normal(0, 3, days)  # TMAX
    x[:, 1] = x[:, 0] - 8 - np.abs(rng.normal(0, 3, days))  # TMIN
    x[:, 2] = rng.gamma(0.5, 6, days) * (rng.random(days) < 0.35)  # PRECIP
    x[:, 3] = np.where(doy == 110, fertilizer, 0.0)  # N_FERT, one day a year
    x[:, 4] = (doy == 120).astype(float)  # PLANTING flag, one day a year
    x[:, 5] = ((year + crop_phase) % 2 == 0).astype(float)  # CROP: corn/soybean rotation
    x[:, 6:10] = statics
    x[:, 10] = np.clip(15 + 9 * season + rng.normal(0, 3, days), 0.5, None)  # SW_IN
    return x


def _physical_targets(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(days, 20) plausible targets in schema units and signs (NEE = RECO - GPP, RECO, GPP >= 0)."""
    days = x.shape[0]
    doy = np.arange(days) % schema.SEQUENCE_LENGTH
    n_years = days // schema.SEQUENCE_LENGTH
    growing = np.clip(np.sin(np.pi * (doy - 120) / 150), 0, None) * ((doy >= 120) & (doy < 270))
    y = np.zeros((days, len(layout.RELEASE_TARGET_NAMES)))
    gpp = 14 * growing * rng.uniform(0.8, 1.2) + np.abs(rng.normal(0, 0.2, days))
    reco = 0.6 + 0.45 * gpp + 0.05 * np.clip(x[:, 0], 0, None) + np.abs(rng.normal(0, 0.2, days))
    y[:, 0], y[:, 1], y[:, 2] = reco, gpp, reco - gpp
    y[:, 3] = np.repeat(rng.uniform(150, 450, n_years), schema.SEQUENCE_LENGTH)  # YIELD, annual
    y[:, 4] = np.repeat(rng.normal(0, 60, n_years), schema.SEQUENCE_LENGTH)  # DELTA_SOC, annual
    for k, (lag, damp) in enumerate([(1, 0.9), (3, 0.7), (5, 0.5)]):
        y[:, 5 + 2 * k] = 12 + damp * (np.roll(x[:, 0], lag) - 12)  # TS_MAX
        y[:, 6 + 2 * k] = 9 + damp * (np.roll(x[:, 1], lag) - 6)  # TS_MIN
    for k, base in enumerate([0.27, 0.29, 0.30]):
        y[:, 11 + k] = np.clip(
            base + 0.08 * np.sin(2 * np.pi * doy / 365) + rng.normal(0, 0.02, days), 0.05, 0.5
        )
    y[:, 14] = np.clip(0.3 + 0.25 * gpp + rng.normal(0, 0.3, days), 0, None)  # ET
    spike = np.convolve(x[:, 3], np.exp(-np.arange(30) / 6.0))[:days]
    y[:, 15] = 2e-4 + 2e-4 * spike + np.abs(rng.normal(0, 2e-4, days))  # N2O_FLUX > 0
    y[:, 16] = 10 + 3 * spike + np.abs(rng.normal(0, 3, days))  # NH4_1
    y[:, 17:20] = (2 + 1.5 * spike + np.abs(rng.normal(0, 1, days)))[:, None] * np.array([1.0, 0.8, 0.5])
    return y


def _scale(physical: np.ndarray, scaler: np.ndarray, signs: np.ndarray | None, dtype) -> np.ndarray:
    """Physical (schema sign) -> stored release value: (sign * x - mean) / std, cast to ``dtype``."""
    raw = physical if signs is None else physical * signs
    return ((raw - scaler[:, 0]) / scaler[:, 1]).astype(dtype)


def _unscale(stored: np.ndarray, scaler: np.ndarray, signs: np.ndarray | None) -> np.ndarray:
    """What the reader must give back from the stored values: (x * std + mean) * sign, in float64."""
    raw = stored.astype(np.float64) * scaler[:, 1] + scaler[:, 0]
    return raw if signs is None else raw * signs


# ----------------------------------------------------------------------------------------------
# writers, one per subset
# ----------------------------------------------------------------------------------------------


def _write_t0(root: Path, subset: str, n_counties: int, n_years: int, rng, dtype) -> ExpectedArrays:
    folder, code = _T0_FOLDER[subset]
    days, sites = n_years * schema.SEQUENCE_LENGTH, n_counties * EXPERIMENTS_PER_COUNTY
    x = np.zeros((days, sites, N_INPUTS))
    y = np.zeros((days, sites, len(layout.RELEASE_TARGET_NAMES)))
    for county in range(n_counties):
        statics = _site_statics(rng)
        weather_seed = int(rng.integers(2**31))
        for experiment in range(EXPERIMENTS_PER_COUNTY):
            fertilizer = MAX_FERTILIZER * experiment / (EXPERIMENTS_PER_COUNTY - 1)
            # Same weather for every regime of a county: only the fertilizer differs.
            site_x = _physical_inputs(
                n_years, statics, fertilizer, np.random.default_rng(weather_seed), county
            )
            site = county * EXPERIMENTS_PER_COUNTY + experiment
            x[:, site], y[:, site] = site_x, _physical_targets(site_x, rng)
    x_stored = _scale(x, input_scaler(), None, dtype)
    save_npy(root / folder / f"X_{code}_scaled.npy", x_stored)
    expected_y = []
    start = 0
    for module in MODULES:
        names = layout.RELEASE_MODULE_TARGETS[schema.Module(module)]
        part = y[:, :, start : start + len(names)]
        stored = _scale(part, target_scaler(module), release_signs(names), dtype)
        save_npy(root / folder / f"Y_{code}_scaled_{module}.npy", stored)
        expected_y.append(_unscale(stored, target_scaler(module), release_signs(names)))
        start += len(names)
    return ExpectedArrays(
        _unscale(x_stored, input_scaler(), None),
        np.concatenate(expected_y, axis=2),
        layout.RELEASE_TARGET_NAMES,
    )


def _observation_scaler(channels: dict[int, str], n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Ecosys (mean, std) and release sign of each named channel; extra channels get (0, 1), sign 1."""
    scaler = np.tile([0.0, 1.0], (n_channels, 1))
    signs = np.ones(n_channels)
    for channel, name in channels.items():
        scaler[channel] = layout.release_column(name).scaler
        signs[channel] = layout.release_column(name).sign
    return scaler, signs


def _with_gaps(values: np.ndarray, observed_fraction: float, rng) -> np.ndarray:
    """NaN on unobserved days (a whole day is missing for every channel), plus one long gap."""
    out = values.copy()
    missing = rng.random(values.shape[:-1]) > observed_fraction
    out[missing] = np.nan
    if values.shape[0] > 60:
        start = int(rng.integers(0, values.shape[0] - 40))
        out[start : start + 30] = np.nan
    return out


def _write_n2o(root: Path, n_chambers: int, n_channels: int, rng, dtype) -> list[ExpectedArrays]:
    """Chambers: (365, 3, 11) inputs and (365, 3, k) targets, axes day of year, year, variable."""
    named = layout.RELEASE_N2O_TARGET_CHANNELS
    scaler, signs = _observation_scaler(named, n_channels)
    out = []
    for c in range(n_chambers):
        statics = _site_statics(rng)
        site_x = _physical_inputs(3, statics, 15.0, rng, c)  # (3*365, 11), years consecutive
        site_y = _physical_targets(site_x, rng)
        y = np.zeros((site_x.shape[0], n_channels))
        y[:, 0] = site_y[:, layout.release_column("N2O_FLUX").index]
        y[:, 1:] = rng.normal(0, 1, (site_x.shape[0], n_channels - 1)) if n_channels > 1 else 0
        # (years*365, v) -> (365, years, v): the chamber files put the year on the second axis.
        to_layout = lambda a: a.reshape(3, schema.SEQUENCE_LENGTH, a.shape[-1]).transpose(1, 0, 2)  # noqa: E731
        x_stored = _scale(to_layout(site_x), input_scaler(), None, dtype)
        y_stored = _with_gaps(_scale(to_layout(y), scaler, signs, dtype), 0.2, rng)
        save_npy(root / "t1_n2o" / f"X_real_scaled_{c}.npy", x_stored)
        save_npy(root / "t1_n2o" / f"Y_real_scaled_Combined_{c}.npy", y_stored)
        keep = sorted(named)
        out.append(
            ExpectedArrays(
                _unscale(x_stored, input_scaler(), None),
                _unscale(y_stored[..., keep], scaler[keep], signs[keep]),
                tuple(named[k] for k in keep),
            )
        )
    return out


def _write_co2(root: Path, tower_years: tuple[int, ...], n_channels: int, rng, dtype) -> list[ExpectedArrays]:
    """Towers: (years_s*365, 1, 11) inputs and (years_s*365, 1, k) targets."""
    named = layout.RELEASE_CO2_TARGET_CHANNELS
    scaler, signs = _observation_scaler(named, n_channels)
    out = []
    for s, n_years in enumerate(tower_years):
        site_x = _physical_inputs(n_years, _site_statics(rng), 12.0, rng, s)
        site_y = _physical_targets(site_x, rng)
        y = rng.normal(0, 1, (site_x.shape[0], n_channels))
        for channel, name in named.items():
            y[:, channel] = site_y[:, layout.release_column(name).index]
        x_stored = _scale(site_x[:, None, :], input_scaler(), None, dtype)
        y_stored = _with_gaps(_scale(y[:, None, :], scaler, signs, dtype), 0.7, rng)
        save_npy(root / "t1_co2" / f"X_real_scaled_ECfluxnet_{s}.npy", x_stored)
        save_npy(root / "t1_co2" / f"Y_real_scaled_ECfluxnet_Combined_{s}.npy", y_stored)
        keep = sorted(named)
        out.append(
            ExpectedArrays(
                _unscale(x_stored, input_scaler(), None),
                _unscale(y_stored[..., keep], scaler[keep], signs[keep]),
                tuple(named[k] for k in keep),
            )
        )
    return out


def _write_scalers(root: Path) -> None:
    save_npy(root / "t0_scalers" / "X_scaler.npy", input_scaler())
    for module in MODULES:
        save_npy(root / "t0_scalers" / f"Y_scaler_{module}.npy", target_scaler(module))


def make_tiny_release(
    root: Path,
    *,
    n_counties: int = 3,
    mw_years: int = 3,
    dc_years: int = 3,
    n_chambers: int = 3,
    tower_years: tuple[int, ...] = (2, 1, 3),
    rng_seed: int = 0,
    subsets: tuple[str, ...] | list[str] = ALL_SUBSETS,
    dtype: type | np.dtype = np.float32,
    n2o_channels: int = 2,
    co2_channels: int = 3,
) -> TinyRelease:
    """Write a tiny release under ``root`` and return it with the physical values a reader must give.

    ``subsets`` takes the reader's names (ecosys, daycent, n2o, co2) or the release's code names
    (mw, dc). Observation files get ``n2o_channels`` / ``co2_channels`` target channels: the named
    ones (N2O; GPP, NEE) first, then unnamed extra channels that the reader must drop.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(rng_seed)
    dtype = np.dtype(dtype)
    wanted = {_SUBSET_ALIASES.get(s, s) for s in subsets}
    unknown = wanted - set(ALL_SUBSETS)
    if unknown:
        raise ValueError(f"unknown subsets {sorted(unknown)}; choose from {ALL_SUBSETS} (or mw, dc)")
    release = TinyRelease(root=root, dtype=dtype)
    _write_scalers(root)
    if "ecosys" in wanted:
        release.expected["ecosys"] = [_write_t0(root, "ecosys", n_counties, mw_years, rng, dtype)]
    if "daycent" in wanted:
        release.expected["daycent"] = [_write_t0(root, "daycent", n_counties, dc_years, rng, dtype)]
    if "n2o" in wanted:
        release.expected["n2o"] = _write_n2o(root, n_chambers, n2o_channels, rng, dtype)
    if "co2" in wanted:
        release.expected["co2"] = _write_co2(root, tuple(tower_years), co2_channels, rng, dtype)
    return release


def write_tiny_release(
    root: Path,
    *,
    n_counties: int = 3,
    mw_years: int = 3,
    dc_years: int = 3,
    n_chambers: int = 3,
    tower_years: tuple[int, ...] = (2, 1, 3),
    rng_seed: int = 0,
    subsets: tuple[str, ...] | list[str] = ALL_SUBSETS,
    dtype: type | np.dtype = np.float32,
) -> Path:
    """Write a tiny release in the official layout under ``root`` and return ``root``."""
    return make_tiny_release(
        root,
        n_counties=n_counties,
        mw_years=mw_years,
        dc_years=dc_years,
        n_chambers=n_chambers,
        tower_years=tower_years,
        rng_seed=rng_seed,
        subsets=subsets,
        dtype=dtype,
    ).root
