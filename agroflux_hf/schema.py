"""The canonical AgroFlux schema: every variable, unit, sign and identifier is spelled here only.

Every layer (source readers, the sequence builder, the models, the metric, the cards) takes
names, units and positions from this module, so that a target called ``NEE`` means the same
thing in an Ecosys simulation, a DSSAT simulation and an eddy-covariance tower, and transfer
from simulation to observation can map targets by name.

Sign convention: the atmospheric one used by flux networks (FLUXNET, AmeriFlux). A flux is
positive when carbon or nitrogen goes *to the atmosphere*: ``NEE > 0`` is a net release,
``RECO >= 0`` and ``GPP >= 0`` are magnitudes, ``NEE = RECO - GPP``. The official release's
Ecosys arrays store ``CO2_FLUX`` and ``Reco`` negative for release; the release reader flips
them (its file layout, column positions, scalers and signs, is in ``data/sources/release_layout.py``).

Calendar: sequences are 365-day years. February 29 is dropped from observed data (the
"noleap" calendar the release uses), so day ``d`` of every sequence is the same day of year.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

SEQUENCE_LENGTH = 365
"""Days in one example: one (site, experiment, year) sequence on a no-leap calendar."""

NO_EXPERIMENT = -1
"""``experiment`` identifier of sources that have no treatment factor (towers)."""


class Role(StrEnum):
    """What a variable is to a model."""

    DRIVER = "driver"  # daily weather: a dynamic input
    MANAGEMENT = "management"  # daily management (fertilizer, planting, crop): a dynamic input
    STATIC = "static"  # site attribute, constant over a sequence
    TARGET = "target"  # predicted flux or state


class Module(StrEnum):
    """Target modules of the release (its ``Y_*_{module}.npy`` files)."""

    CARBON = "Carbon"
    THERMAL = "Thermal"
    WATER = "Water"
    NITROGEN = "Nitrogen"


class Domain(StrEnum):
    SIMULATION = "simulation"
    OBSERVATION = "observation"


class Source(StrEnum):
    """Where a sequence comes from. ``domain`` follows from the source."""

    ECOSYS = "ecosys"  # release t0_mw: Ecosys, 99 Midwest counties x 20 N regimes
    DAYCENT = "daycent"  # release t0_dc: DayCent, same grid
    CHAMBER = "chamber"  # release t1_n2o: mesocosm N2O chambers
    TOWER = "tower"  # release t1_co2 and AgroFlux-mini: eddy-covariance towers
    # AgroFlux-mini simulators of maize-soybean rotations, both with CENTURY soil organic matter:
    DSSAT_CERES_MAIZE = "dssat_ceres_maize"  # A: CERES-Maize + CROPGRO-Soybean (daily canopy photosynthesis)
    DSSAT_IXIM_MAIZE = "dssat_ixim_maize"  # B: IXIM-Maize + CROPGRO-Soybean (hourly leaf photosynthesis)


SOURCE_DOMAIN: dict[Source, Domain] = {
    Source.ECOSYS: Domain.SIMULATION,
    Source.DAYCENT: Domain.SIMULATION,
    Source.DSSAT_CERES_MAIZE: Domain.SIMULATION,
    Source.DSSAT_IXIM_MAIZE: Domain.SIMULATION,
    Source.CHAMBER: Domain.OBSERVATION,
    Source.TOWER: Domain.OBSERVATION,
}

# Identifier fields of every canonical daily table and every sequence example.
SOURCE_FIELD = "source"  # a schema.Source value
DOMAIN_FIELD = "domain"  # a schema.Domain value
SITE_ID = "site_id"  # tower, chamber plot, county or simulated station-soil
EXPERIMENT = "experiment"  # fertilizer regime or N rate; NO_EXPERIMENT where none
YEAR = "year"  # calendar year of an example
FIRST_DATE = "first_date"  # ISO date of an example's first day; "" where the source's dates are a convention
ID_COLUMNS: tuple[str, ...] = (SOURCE_FIELD, DOMAIN_FIELD, SITE_ID, EXPERIMENT)
DATE_COLUMN = "date"


@dataclass(frozen=True)
class Variable:
    """One physical variable: name, unit, role, meaning and (for targets) its module."""

    name: str
    unit: str
    role: Role
    description: str
    module: Module | None = None


def _v(*args, **kwargs) -> Variable:
    return Variable(*args, **kwargs)


# --- inputs: the release's 11 input columns (names are the best reading; see the shared doc) ---
INPUTS: tuple[Variable, ...] = (
    _v("TMAX", "degC", Role.DRIVER, "daily maximum air temperature"),
    _v("TMIN", "degC", Role.DRIVER, "daily minimum air temperature"),
    _v("PRECIP", "mm d-1", Role.DRIVER, "precipitation"),
    _v("N_FERT", "g N m-2 d-1", Role.MANAGEMENT, "nitrogen fertilizer applied that day"),
    _v("PLANTING", "1", Role.MANAGEMENT, "planting-day flag (1 on the planting day, else 0)"),
    _v("CROP", "1", Role.MANAGEMENT, "crop type flag (1 = corn/maize, 0 = soybean or other)"),
    _v("BULK_DENSITY", "g cm-3", Role.STATIC, "soil bulk density"),
    _v("SAND", "g kg-1", Role.STATIC, "soil sand content"),
    _v("SILT", "g kg-1", Role.STATIC, "soil silt content"),
    _v("PH", "1", Role.STATIC, "soil pH"),
    # Release column 10: mean 14.46, std 7.75. Its within-year variation and magnitude fit daily
    # shortwave radiation in MJ m-2 d-1 in the US Midwest; the release reader checks that it
    # varies within a sequence and warns otherwise.
    _v("SW_IN", "MJ m-2 d-1", Role.DRIVER, "incoming shortwave radiation, daily total"),
    # Not in the release; carried by AgroFlux-mini sources.
    _v("VPD", "hPa", Role.DRIVER, "daily mean vapour pressure deficit"),
    # FLUXNET daily files carry the daily mean (TA_F), not the extremes: towers, chambers and
    # simulations all share this name, so transfer maps it.
    _v("TA", "degC", Role.DRIVER, "daily mean air temperature"),
    _v(
        "IRRIGATION",
        "mm d-1",
        Role.MANAGEMENT,
        "irrigation water applied that day (0 on days without irrigation; NaN where not recorded)",
    ),
    _v(
        "HARVEST",
        "1",
        Role.MANAGEMENT,
        "harvest or cut flag (1 on the day of a harvest or cut, else 0; NaN where not recorded)",
    ),
    # Chamber sources give fertilizer dates but often not the amount of each of a crop's applications.
    _v(
        "N_FERT_DAY",
        "1",
        Role.MANAGEMENT,
        "mineral N fertilizer application flag (1 on an application day, else 0; NaN where not recorded); "
        "N_FERT holds the amount where the source gives it",
    ),
    _v(
        "N_RATE",
        "g N m-2",
        Role.STATIC,
        "mineral N fertilizer rate of the crop harvested in the sequence's year (sum of its applications)",
    ),
    _v(
        "CROPLAND",
        "1",
        Role.STATIC,
        "1 for cropland sites (IGBP CRO), 0 for other ecosystems (e.g. forest towers)",
    ),
    _v("LATITUDE", "degree_north", Role.STATIC, "site latitude (WGS84)"),
    _v("LONGITUDE", "degree_east", Role.STATIC, "site longitude (WGS84)"),
    _v("ELEVATION", "m", Role.STATIC, "site elevation above sea level"),
    _v("IRRIGATED", "1", Role.STATIC, "1 for an irrigated field, 0 for a rainfed one"),
    _v("CLAY", "g kg-1", Role.STATIC, "topsoil clay content"),
    _v(
        "SOIL_OM",
        "g kg-1",
        Role.STATIC,
        "topsoil organic matter (organic carbon x 1.724 where a source gives carbon)",
    ),
)

# --- targets: the release's 20 "All" targets, then those only other sources carry ---
_C, _T, _W, _N = Module.CARBON, Module.THERMAL, Module.WATER, Module.NITROGEN
TARGETS: tuple[Variable, ...] = (
    _v(
        "RECO",
        "g C m-2 d-1",
        Role.TARGET,
        "ecosystem respiration (> 0 = release to the atmosphere; a tower's partitioning may give small "
        "negative days, kept)",
        _C,
    ),
    _v(
        "GPP",
        "g C m-2 d-1",
        Role.TARGET,
        "gross primary production (> 0 = uptake; a tower's partitioning may give small negative days, kept)",
        _C,
    ),
    _v(
        "NEE",
        "g C m-2 d-1",
        Role.TARGET,
        "net ecosystem exchange of CO2 (> 0 = net release to the atmosphere); the release's CO2_FLUX",
        _C,
    ),
    _v("YIELD", "g C m-2", Role.TARGET, "grain yield (annual value repeated daily)", _C),
    _v(
        "DELTA_SOC",
        "g C m-2",
        Role.TARGET,
        "annual change in soil organic carbon (annual value repeated daily)",
        _C,
    ),
    _v("TS_MAX_1", "degC", Role.TARGET, "daily max soil temperature, layer 1", _T),
    _v("TS_MIN_1", "degC", Role.TARGET, "daily min soil temperature, layer 1", _T),
    _v("TS_MAX_3", "degC", Role.TARGET, "daily max soil temperature, layer 3", _T),
    _v("TS_MIN_3", "degC", Role.TARGET, "daily min soil temperature, layer 3", _T),
    _v("TS_MAX_5", "degC", Role.TARGET, "daily max soil temperature, layer 5", _T),
    _v("TS_MIN_5", "degC", Role.TARGET, "daily min soil temperature, layer 5", _T),
    _v(
        "SWC_1",
        "m3 m-3",
        Role.TARGET,
        "volumetric soil water content, layer 1 (towers: the shallowest sensor, FLUXNET SWC_F_MDS_1 / 100)",
        _W,
    ),
    _v("SWC_3", "m3 m-3", Role.TARGET, "volumetric soil water content, layer 3", _W),
    _v("SWC_5", "m3 m-3", Role.TARGET, "volumetric soil water content, layer 5", _W),
    _v("ET", "mm d-1", Role.TARGET, "evapotranspiration", _W),
    _v("N2O_FLUX", "g N m-2 d-1", Role.TARGET, "nitrous oxide flux (> 0 = emission to the atmosphere)", _N),
    _v("NH4_1", "g N m-2", Role.TARGET, "soil ammonium, layer 1", _N),
    _v("NO3_1", "g N m-2", Role.TARGET, "soil nitrate, layer 1", _N),
    _v("NO3_3", "g N m-2", Role.TARGET, "soil nitrate, layer 3", _N),
    _v("NO3_5", "g N m-2", Role.TARGET, "soil nitrate, layer 5", _N),
    # Not in the release; carried by AgroFlux-mini sources.
    _v("LAI", "m2 m-2", Role.TARGET, "leaf area index", _C),
    # Daily MEAN soil temperature, for sources that report no daily max/min (DSSAT-CSM SoilTemp.OUT:
    # layer 1 = 0-5 cm, layer 3 = 15-30 cm, layer 5 = 45-60 cm).
    _v(
        "TS_1",
        "degC",
        Role.TARGET,
        "daily mean soil temperature, layer 1 (towers: the shallowest sensor, FLUXNET TS_F_MDS_1)",
        _T,
    ),
    _v("TS_3", "degC", Role.TARGET, "daily mean soil temperature, layer 3", _T),
    _v("TS_5", "degC", Role.TARGET, "daily mean soil temperature, layer 5", _T),
)

VARIABLES: dict[str, Variable] = {v.name: v for v in INPUTS + TARGETS}


def variable(name: str) -> Variable:
    """The variable called ``name``; a clear error for a name the schema does not know."""
    try:
        return VARIABLES[name]
    except KeyError:
        raise KeyError(f"unknown variable {name!r}; the schema knows {sorted(VARIABLES)}") from None


def unit(name: str) -> str:
    return variable(name).unit


NAME_FIELD_ROLES: dict[str, tuple[Role, ...]] = {
    "input_names": (Role.DRIVER, Role.MANAGEMENT),
    "static_names": (Role.STATIC,),
    "target_names": (Role.TARGET,),
}
"""The roles each name list of a source or a model config may hold: a target among the inputs would let a
model read what it predicts."""


def dynamic_input_names(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The daily inputs (drivers, then management) among ``names``, in schema order."""
    return tuple(n for n in VARIABLES if n in names and VARIABLES[n].role in (Role.DRIVER, Role.MANAGEMENT))


def static_input_names(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The static site attributes among ``names``, in schema order."""
    return tuple(n for n in VARIABLES if n in names and VARIABLES[n].role == Role.STATIC)


def target_names_of(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The targets among ``names``, in schema order."""
    return tuple(n for n in VARIABLES if n in names and VARIABLES[n].role == Role.TARGET)


# --- which site-years become examples ---
MIN_DRIVER_COVERAGE = 0.95
"""A site-year of an observation source is kept only when each of its source's core drivers
(``SourceSpec.required_inputs``) is observed on at least this fraction of its 365 days."""

# --- dataset config names: temporal_<source>, spatial_<source> (fold 0), spatial_<source>_fold<k> ---
TEMPORAL = "temporal"  # split scheme: by year
SPATIAL = "spatial"  # split scheme: by site (K folds)
SPLIT_SCHEMES: tuple[str, ...] = (TEMPORAL, SPATIAL)
TRAIN, VALIDATION, TEST = "train", "validation", "test"
SPLITS: tuple[str, ...] = (TRAIN, VALIDATION, TEST)
"""The splits of every config, in this order (``scheme`` is temporal/spatial, ``split`` one of these)."""
_CONFIG_NAME = re.compile(r"^(?P<scheme>temporal|spatial)_(?P<source>.+?)(?:_fold(?P<fold>\d+))?$")


def config_name(scheme: str, source_name: str, fold: int = 0) -> str:
    """The config name of a split scheme, source config suffix and spatial fold."""
    if scheme not in SPLIT_SCHEMES:
        raise ValueError(f"split scheme must be one of {SPLIT_SCHEMES}, got {scheme!r}")
    if scheme == "temporal" or fold == 0:
        return f"{scheme}_{source_name}"
    return f"{scheme}_{source_name}_fold{fold}"


def parse_config_name(config: str) -> tuple[str, str, int]:
    """``spatial_co2_fold2`` -> (``spatial``, ``co2``, 2); ``temporal_co2`` -> (``temporal``, ``co2``, 0)."""
    match = _CONFIG_NAME.match(config)
    if match is None:
        raise ValueError(
            f"config name {config!r} is not temporal_<name>, spatial_<name> or spatial_<name>_fold<k>"
        )
    return match["scheme"], match["source"], int(match["fold"] or 0)


# --- site attributes: what a site is, written per config into agroflux_configs.json ---
SITE_COORDINATES: tuple[str, ...] = ("latitude", "longitude", "elevation")
"""Always present in a site's attributes (None in JSON, NaN when read, where a source does not know)."""
SITE_ATTRIBUTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude", "LATITUDE"),  # degree_north, WGS84
    "longitude": ("longitude", "LONGITUDE"),  # degree_east, WGS84
    "elevation": ("elevation", "ELEVATION"),  # m above sea level
    "igbp": ("igbp",),  # IGBP land cover class of a tower (CRO = cropland)
    "field": ("field",),  # chamber plots: the field whose replicate plots are held out together
    "replicate": ("replicate",),  # chamber plots: the replicate plot of the field
}
"""Attribute name -> the frame columns it is read from, first found first (the float64 metadata
columns before the float32 static variables). Other attributes appear only where a frame has them."""

# --- one example = one (site, experiment, year) sequence; the feature names of the datasets ---
EXAMPLE_ID_FIELDS: tuple[str, ...] = (*ID_COLUMNS, YEAR, FIRST_DATE)
"""The identifier columns of an exported example, in column order (then the three arrays below)."""
PAST_VALUES = "past_values"  # float32 [SEQUENCE_LENGTH, n_dynamic_inputs], NaN = missing
STATIC_FEATURES = "static_real_features"  # float32 [n_static], NaN = unknown
TARGET_VALUES = "target_values"  # float32 [SEQUENCE_LENGTH, n_targets], NaN = not observed

# --- tasks of the benchmark ---
T0, T1, T2_FINETUNE, T2_ADVERSARIAL = "t0", "t1", "t2-finetune", "t2-adversarial"
TASKS: tuple[str, ...] = (T0, T1, T2_FINETUNE, T2_ADVERSARIAL)
ARCHITECTURES: tuple[str, ...] = ("lstm", "ealstm", "tcn", "transformer", "itransformer", "pyraformer")
"""The six model architectures, by the name every layer uses (``agroflux_hf.models.MODEL_NAMES``)."""
"""T0 simulated targets, T1 observed targets, T2 simulation-to-observation transfer (two ways)."""
TRACKERS: tuple[str, ...] = (
    "tensorboard",
    "wandb",
    "trackio",
    "comet_ml",
    "mlflow",
    "aim",
    "clearml",
    "dvclive",
    "swanlab",
)
"""Experiment trackers a run may report to: Accelerate's ``log_with`` names (``accelerate.utils.LoggerType``)."""
REPORT_TO_CHOICES: tuple[str, ...] = ("auto", "none", "all", *TRACKERS)
"""``report_to``: ``auto`` = tensorboard when installed, ``none``, ``all`` installed trackers, or names."""

# --- normalisation statistics: agroflux_configs.json "stats" and every model config's ``stats`` ---
STAT_INPUTS, STAT_STATIC, STAT_TARGETS = "inputs", "static", "targets"
STAT_GROUPS: tuple[str, ...] = (STAT_INPUTS, STAT_STATIC, STAT_TARGETS)
"""Groups of a statistics dict: {group: {variable: {"mean": float | None, "std": float | None}}}."""


@dataclass(frozen=True)
class VariableStats:
    """Training-split mean and population std of one variable, as the exporter writes them.

    ``None`` (JSON has no NaN) or NaN means the variable was never observed in the training split; a
    zero std means it was constant there. Neither can z-score: :meth:`usable` is the one place that
    says what to do instead, so every layer reads the convention the same way.
    """

    mean: float | None
    std: float | None

    @classmethod
    def from_entry(cls, entry: dict) -> VariableStats:
        """From a ``{"mean", "std"}`` dict of a statistics group."""
        return cls(entry.get("mean"), entry.get("std"))

    @property
    def observed(self) -> bool:
        """False for a variable with no training value (mean None or NaN)."""
        return self.mean is not None and math.isfinite(self.mean)

    def usable(self) -> tuple[float, float]:
        """(mean, std) to z-score with: an unknown mean becomes 0, a zero, unknown or non-finite std 1,
        so the variable enters a model as a constant instead of failing the run."""
        mean = float(self.mean) if self.observed else 0.0
        std = math.nan if self.std is None else float(self.std)
        return mean, (std if math.isfinite(std) and std > 0 else 1.0)

    def z_score(self, value: float) -> float:
        """How many training standard deviations ``value`` lies from the training mean.

        Why: a network multiplies a normalised input however far it lies outside what training
        showed, so a site's static features far out (|z| of tens) make its predictions an
        extrapolation. NaN when the value or the statistics are unknown; a variable constant in
        training (std 0) gives 0 for that constant and ±inf for any other value.
        """
        if not self.observed or self.std is None or not math.isfinite(value):
            return math.nan
        if math.isfinite(self.std) and self.std > 0:
            return (value - float(self.mean)) / float(self.std)
        return 0.0 if value == self.mean else math.copysign(math.inf, value - float(self.mean))


# --- physical plausibility of daily values (schema units) ---
PLAUSIBLE_DAILY_RANGES: dict[str, tuple[float, float]] = {
    "NEE": (-25.0, 20.0),  # g C m-2 d-1; the most productive crops reach about -20 at peak
    "GPP": (-1.0, 40.0),  # partitioning noise gives small negative daily GPP; kept, not clipped
    "RECO": (-1.0, 30.0),
    "ET": (-1.0, 15.0),  # mm d-1; night dew makes small negative daily means possible
    "TS_1": (-40.0, 60.0),  # degC
    "SWC_1": (0.0, 1.0),  # m3 m-3
    "TA": (-60.0, 50.0),  # degC
    "TMAX": (-50.0, 60.0),  # degC
    "TMIN": (-60.0, 50.0),
    "PRECIP": (0.0, 500.0),  # mm d-1
    "SW_IN": (0.0, 45.0),  # MJ m-2 d-1; the solar constant over 24 h is 118, clear skies give <= 36
    "VPD": (0.0, 80.0),  # hPa
}
"""Quality control of observations: a daily value outside its range is rejected (set missing)."""
STATION_FAULT_LIMITS: dict[str, tuple[float, float]] = {
    "TMAX": (-60.0, 60.0),
    "TMIN": (-70.0, 50.0),
    "PRECIP": (0.0, 500.0),
    "SW_IN": (0.0, 45.0),
    "VPD": (0.0, 120.0),
}
"""Weather files that drive simulations: beyond these a value is a file fault (an error), not weather.
Wider than :data:`PLAUSIBLE_DAILY_RANGES`, which reject single doubtful days of measured series."""

# --- the order in which targets are shown in tables and figures ---
HEADLINE_TARGET_ORDER: tuple[str, ...] = (
    "NEE", "GPP", "RECO", "N2O_FLUX", "ET", "YIELD", "LAI", "SWC_1", "NO3_1",
)  # fmt: skip
"""The fluxes the paper reports first, then water and crop states."""


def headline_order(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` with the headline targets first (in :data:`HEADLINE_TARGET_ORDER`), then the rest."""
    return [t for t in HEADLINE_TARGET_ORDER if t in names] + [
        t for t in names if t not in HEADLINE_TARGET_ORDER
    ]


RUN_FILE_KEYS: tuple[str, ...] = (
    "task",
    "model",
    "config",
    "data_dir",
    "output_dir",
    "pretrained",
    "pretrained_revision",
    "source_config",
    "targets",
    "model_overrides",
    "resume",
    "training_arguments",
)
"""Keys of a run file (``agroflux train --run-file run.yaml``): the ``train`` flags' names, plus
``model_overrides`` (a mapping, as ``--model-override``) and ``training_arguments`` (a mapping of
``TrainingArguments`` fields, as ``--args-file``)."""
