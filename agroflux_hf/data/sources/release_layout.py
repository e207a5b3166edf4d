"""The official release's file layout: which column holds which variable, its scaler and its sign.

Why here and not in ``schema.py``: the schema is the canonical vocabulary every layer shares; only the
release reader needs to know that column 10 of ``X`` is SW_IN or that Ecosys stores respiration
negative. The names are the schema's, so the reader's output needs no other translation.

- ``RELEASE_INPUT_COLUMNS[name].index``: the column in the release's input arrays;
- ``RELEASE_TARGET_COLUMNS[name].index``: the position in the concatenated "All" targets (Carbon,
  Thermal, Water, Nitrogen in that order);
- ``scaler``: the release's (mean, std) of that column (values are stored ``(x - mean) / std``);
- ``sign``: multiplies the unscaled value to reach the schema's atmospheric sign convention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from agroflux_hf import schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReleaseColumn:
    """Where one variable sits in the release's arrays, and how it was stored there."""

    index: int
    scaler: tuple[float, float]  # the release's (mean, std)
    sign: float = 1.0


# --- the 11 input columns (names are the best reading of the release; see the shared doc) ---
RELEASE_INPUT_COLUMNS: dict[str, ReleaseColumn] = {
    "TMAX": ReleaseColumn(0, (16.7299, 12.157)),
    "TMIN": ReleaseColumn(1, (5.9115, 10.8093)),
    "PRECIP": ReleaseColumn(2, (2.7769, 7.2833)),
    "N_FERT": ReleaseColumn(3, (0.027187, 0.730844)),
    "PLANTING": ReleaseColumn(4, (0.0027397, 0.052271)),
    "CROP": ReleaseColumn(5, (0.5641026, 0.495874)),
    "BULK_DENSITY": ReleaseColumn(6, (1.35602, 0.15481)),
    "SAND": ReleaseColumn(7, (188.33, 157.75)),
    "SILT": ReleaseColumn(8, (532.83, 132.95)),
    "PH": ReleaseColumn(9, (6.3266, 0.8085)),
    "SW_IN": ReleaseColumn(10, (14.4635, 7.7455)),
}
# Column 10: mean 14.46, std 7.75. Its within-year variation and magnitude fit daily shortwave
# radiation in MJ m-2 d-1 in the US Midwest; the release reader checks that it varies within a
# sequence and warns otherwise.

# --- the 20 targets of the simulations, in "All" order ---
RELEASE_TARGET_COLUMNS: dict[str, ReleaseColumn] = {
    "RECO": ReleaseColumn(0, (-2.03994, 2.48349), sign=-1.0),
    "GPP": ReleaseColumn(1, (2.79923, 4.87238)),
    "NEE": ReleaseColumn(2, (-0.349259, 2.68429), sign=-1.0),
    "YIELD": ReleaseColumn(3, (273.347, 117.103)),
    "DELTA_SOC": ReleaseColumn(4, (2.93737, 75.125)),
    "TS_MAX_1": ReleaseColumn(5, (15.9583, 12.1542)),
    "TS_MIN_1": ReleaseColumn(6, (8.37414, 9.05588)),
    "TS_MAX_3": ReleaseColumn(7, (13.1905, 8.39363)),
    "TS_MIN_3": ReleaseColumn(8, (10.8672, 7.20586)),
    "TS_MAX_5": ReleaseColumn(9, (11.9953, 6.04398)),
    "TS_MIN_5": ReleaseColumn(10, (11.6795, 5.97349)),
    "SWC_1": ReleaseColumn(11, (0.272661, 0.103751)),
    "SWC_3": ReleaseColumn(12, (0.289261, 0.082146)),
    "SWC_5": ReleaseColumn(13, (0.302144, 0.073256)),
    "ET": ReleaseColumn(14, (1.52866, 1.51673)),
    "N2O_FLUX": ReleaseColumn(15, (-0.000541378, 0.00180778)),
    "NH4_1": ReleaseColumn(16, (28.3954, 31.6099)),
    "NO3_1": ReleaseColumn(17, (4.78124, 17.3625)),
    "NO3_3": ReleaseColumn(18, (4.87884, 8.4799)),
    "NO3_5": ReleaseColumn(19, (2.81424, 3.20629)),
}

RELEASE_INPUT_NAMES: tuple[str, ...] = tuple(
    sorted(RELEASE_INPUT_COLUMNS, key=lambda n: RELEASE_INPUT_COLUMNS[n].index)
)
RELEASE_TARGET_NAMES: tuple[str, ...] = tuple(
    sorted(RELEASE_TARGET_COLUMNS, key=lambda n: RELEASE_TARGET_COLUMNS[n].index)
)
RELEASE_MODULE_TARGETS: dict[schema.Module, tuple[str, ...]] = {
    m: tuple(n for n in RELEASE_TARGET_NAMES if schema.VARIABLES[n].module == m) for m in schema.Module
}
"""The release's per-module target files (``Y_..._scaled_<Module>.npy``), their columns in order."""

# Observation files of the release name their target channels by position.
RELEASE_CO2_TARGET_CHANNELS: dict[int, str] = {0: "GPP", 1: "NEE"}
RELEASE_N2O_TARGET_CHANNELS: dict[int, str] = {0: "N2O_FLUX"}

# Years of the release's simulations (the release does not write them; most likely values).
RELEASE_FIRST_YEAR: dict[schema.Source, int] = {
    schema.Source.ECOSYS: 2001,
    schema.Source.DAYCENT: 2000,
    schema.Source.CHAMBER: 2016,
}


def release_column(name: str) -> ReleaseColumn:
    """The input or target column of ``name``; a clear error for a variable the release lacks."""
    column = RELEASE_INPUT_COLUMNS.get(name) or RELEASE_TARGET_COLUMNS.get(name)
    if column is None:
        raise KeyError(f"the release has no column for {name!r}")
    return column


def warn_on_net_n2o_uptake(path: Path, means: dict[str, float]) -> None:
    """Warn when the simulations' mean N2O flux as read (``means``: target -> mean after the sign; > 0 =
    emission) is negative.

    Why: the release documents a sign only for Reco and NEE (Ecosys stores a release to the atmosphere
    as negative; the reader flips both). Its N2O mean is negative (-5.4e-4 g N m-2 d-1, about
    -2 kg N ha-1 yr-1), net uptake on fertilised maize and soybean fields, which is implausible and
    fits the same convention; but without the release's word the reader keeps the stored sign.
    """
    mean = float(means.get("N2O_FLUX", 0.0))
    if mean < 0:
        logger.warning(
            "%s: the simulations' mean N2O_FLUX is %.3g g N m-2 d-1 as read (> 0 = emission): net uptake "
            "on fertilised cropland is implausible, so the release probably stores emission as negative, as "
            "Ecosys does for Reco and NEE; the release states no sign for N2O and it is read as stored. "
            "Check the sign of N2O_FLUX on the days after fertiliser before training on it",
            path,
            mean,
        )
