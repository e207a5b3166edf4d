"""Canonical daily tables -> (site, experiment, year) sequences of 365 days.

``SourceSpec`` is the contract every source reader fills in. :func:`build_site_examples` turns the
canonical daily frame of one site (all its experiments) into fixed-shape float32 arrays, one example
per (site, experiment, year) on the no-leap calendar, and :class:`BuildReport` keeps the source-wide
counts the exporter needs (skipped site-years, observed days per target) without holding the source.

Missing stays missing: a variable the frame lacks, a day the frame lacks and a NaN in the frame are all
NaN in the example. Nothing is filled.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import datasets
import numpy as np
import pandas as pd
import pyarrow as pa

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceSpec:
    """One source of sequences and everything the exporter needs to know about it.

    ``frames`` returns a fresh iterator of canonical daily tables, one per site (all its experiments),
    so that a source as large as the Ecosys release streams through the exporter site by site.
    """

    name: str  # config suffix: temporal_<name>, spatial_<name>, spatial_<name>_fold<k>
    source: schema.Source
    frames: Callable[[], Iterable[pd.DataFrame]]
    input_names: tuple[str, ...]  # dynamic inputs (drivers, management), in this order in past_values
    static_names: tuple[str, ...]  # site attributes, in this order in static_real_features
    target_names: tuple[str, ...]  # in this order in target_values
    description: str = ""
    license: str = ""
    citation: str = ""
    n_folds: int = 5
    # --- optional, added by the sequence pipeline ---
    # False when the dates of the frames are a convention (the release does not write its years):
    # examples then carry first_date "" instead of a date nobody measured. A reader can also say so
    # per frame with frame.attrs["dates_known"] = False.
    dates_known: bool = True
    # Simulation years of the temporal split (same for all sites). None: the years of the first site.
    years: tuple[int, ...] | None = None
    split_seed: int = 0  # seed of the spatial fold assignment
    n_sites: int | None = None  # only for the progress bar total
    # site_id -> the unit a spatial fold holds out whole (e.g. the weather station of a simulated
    # site run on several soils), so shared weather never sits in train and test. None: the site.
    site_group: Callable[[str], str] | None = None
    # Core drivers an observation site-year must have: a site-year is kept only when each of these
    # inputs is observed on at least schema.MIN_DRIVER_COVERAGE of its 365 days (counted in the report).
    required_inputs: tuple[str, ...] = ()
    # Terms of the data behind the source: records {key, title, licence, citation, redistributable,
    # columns} (see data/sources/terms.py) and the overall flag "yes" / "no" / "unstated" that a publish
    # step enforces (a "no" source never leaves the machine; "unstated" only on explicit request).
    terms: tuple[dict, ...] = ()
    redistributable: str = "unstated"

    @property
    def domain(self) -> schema.Domain:
        return schema.SOURCE_DOMAIN[self.source]

    def check_names(self) -> None:
        """Every name must be a schema variable of the right role, so units and order are the schema's."""
        for group, names, allowed in (
            ("input_names", self.input_names, (schema.Role.DRIVER, schema.Role.MANAGEMENT)),
            ("static_names", self.static_names, (schema.Role.STATIC,)),
            ("target_names", self.target_names, (schema.Role.TARGET,)),
        ):
            if len(set(names)) != len(names):
                raise SchemaError(f"source {self.name!r}: duplicate names in {group}: {list(names)}")
            for name in names:
                if name not in schema.VARIABLES:
                    raise SchemaError(
                        f"source {self.name!r}: {group} has {name!r}, which schema.VARIABLES does not know"
                    )
                if schema.VARIABLES[name].role not in allowed:
                    raise SchemaError(
                        f"source {self.name!r}: {name!r} in {group} has role "
                        f"{schema.VARIABLES[name].role}, expected one of {[str(r) for r in allowed]}"
                    )
        if not self.target_names:
            raise SchemaError(f"source {self.name!r}: no target_names")
        stray = [n for n in self.required_inputs if n not in self.input_names]
        if stray:
            raise SchemaError(f"source {self.name!r}: required_inputs {stray} are not among input_names")
        if not re.fullmatch(r"[a-z0-9_]+", self.name):
            raise SchemaError(f"source name {self.name!r}: use lower-case letters, digits and '_' only")


def example_features(spec: SourceSpec) -> datasets.Features:
    """The Hugging Face features of one example of ``spec`` (fixed shapes, float32, NaN = missing)."""
    n_static = len(spec.static_names)
    # A fixed-size list of length 0 is not allowed by Arrow: a source without statics gets empty lists.
    static = (
        datasets.List(datasets.Value("float32"), length=n_static)
        if n_static
        else datasets.List(datasets.Value("float32"))
    )
    return datasets.Features(
        {
            "source": datasets.Value("string"),
            "domain": datasets.Value("string"),
            "site_id": datasets.Value("string"),
            "experiment": datasets.Value("int32"),
            "year": datasets.Value("int32"),
            "first_date": datasets.Value("string"),
            schema.PAST_VALUES: datasets.Array2D((schema.SEQUENCE_LENGTH, len(spec.input_names)), "float32"),
            schema.STATIC_FEATURES: static,
            schema.TARGET_VALUES: datasets.Array2D(
                (schema.SEQUENCE_LENGTH, len(spec.target_names)), "float32"
            ),
        }
    )


@dataclass
class SiteExamples:
    """All examples of one site, as arrays: E examples in (experiment, year) order."""

    site_id: str
    source: str
    domain: str
    experiments: np.ndarray  # int32 [E]
    years: np.ndarray  # int32 [E]
    first_dates: list[str]
    past_values: np.ndarray  # float32 [E, 365, n_dynamic]
    static_real_features: np.ndarray  # float32 [E, n_static]
    target_values: np.ndarray  # float32 [E, 365, n_targets]
    calendar_years: tuple[int, ...]  # every year the frame touches, including skipped ones
    # what the site is (coordinates, land cover, ...): see site_attributes_of; None = not known
    attributes: dict[str, float | str | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.years)

    def select(self, mask: np.ndarray) -> SiteExamples:
        """The examples where ``mask`` is true (e.g. the years of one split period)."""
        idx = np.flatnonzero(mask)
        return SiteExamples(
            site_id=self.site_id,
            source=self.source,
            domain=self.domain,
            experiments=self.experiments[idx],
            years=self.years[idx],
            first_dates=[self.first_dates[i] for i in idx],
            past_values=self.past_values[idx],
            static_real_features=self.static_real_features[idx],
            target_values=self.target_values[idx],
            calendar_years=self.calendar_years,
            attributes=self.attributes,
        )

    def columns(self) -> dict[str, object]:
        """Column dict in the order of :func:`example_features`."""
        n = len(self)
        return {
            "source": [self.source] * n,
            "domain": [self.domain] * n,
            "site_id": [self.site_id] * n,
            "experiment": self.experiments,
            "year": self.years,
            "first_date": list(self.first_dates),
            schema.PAST_VALUES: self.past_values,
            schema.STATIC_FEATURES: self.static_real_features,
            schema.TARGET_VALUES: self.target_values,
        }

    def to_dataset(self, features: datasets.Features) -> datasets.Dataset:
        return datasets.Dataset(self.to_arrow(features))

    def to_arrow(self, features: datasets.Features) -> pa.Table:
        """An Arrow table with the exact schema of ``features`` (Array2D extension types and the
        ``huggingface`` metadata), built straight from the arrays: no per-value Python conversion."""
        arrow_schema = features.arrow_schema
        arrays = []
        for name, values in self.columns().items():
            field_type = arrow_schema.field(name).type
            if name in (schema.PAST_VALUES, schema.TARGET_VALUES):
                arrays.append(_array2d(values, field_type))
            elif name == schema.STATIC_FEATURES:
                arrays.append(_static_array(values, field_type))
            else:
                arrays.append(pa.array(values, type=field_type))
        return pa.Table.from_arrays(arrays, schema=arrow_schema)


def _array2d(values: np.ndarray, extension_type: pa.ExtensionType) -> pa.ExtensionArray:
    """[E, D, K] float32 -> the Array2D extension array (storage: list of lists) without copies per value."""
    e, d, k = values.shape
    flat = pa.array(np.ascontiguousarray(values, dtype=np.float32).reshape(-1), type=pa.float32())
    inner = pa.ListArray.from_arrays(np.arange(0, e * d * k + 1, k, dtype=np.int32), flat)
    outer = pa.ListArray.from_arrays(np.arange(0, e * d + 1, d, dtype=np.int32), inner)
    return pa.ExtensionArray.from_storage(extension_type, outer.cast(extension_type.storage_type))


def _static_array(values: np.ndarray, field_type: pa.DataType) -> pa.Array:
    e, n = values.shape
    flat = pa.array(np.ascontiguousarray(values, dtype=np.float32).reshape(-1), type=pa.float32())
    if pa.types.is_fixed_size_list(field_type):
        return pa.FixedSizeListArray.from_arrays(flat, type=field_type)
    offsets = np.arange(e + 1, dtype=np.int32) * n  # all zeros when there is no static attribute
    return pa.ListArray.from_arrays(offsets, flat).cast(field_type)


@dataclass
class BuildReport:
    """Source-wide counts gathered while streaming, checked when the source is done."""

    source_name: str
    target_names: tuple[str, ...]
    n_sites: int = 0
    n_examples: int = 0
    skipped_site_years: list[tuple[str, int, int]] = field(default_factory=list)  # (site, experiment, year)
    # (site, experiment, year) with targets but a core driver observed on too few days
    driver_gap_site_years: list[tuple[str, int, int]] = field(default_factory=list)
    dropped_feb29_rows: int = 0
    undated_sites: int = 0  # sites whose dates are placeholders: first_date ""
    target_observed_days: dict[str, int] = field(default_factory=dict)

    def add(self, examples: SiteExamples) -> None:
        self.n_sites += 1
        self.n_examples += len(examples)
        observed = np.isfinite(examples.target_values).sum(axis=(0, 1))
        for name, count in zip(self.target_names, observed, strict=True):
            self.target_observed_days[name] = self.target_observed_days.get(name, 0) + int(count)

    def check_targets_observed(self) -> None:
        """A target the spec promises but no site ever observes is a reader or spec error, not data."""
        empty = [n for n in self.target_names if self.target_observed_days.get(n, 0) == 0]
        if empty:
            raise SchemaError(
                f"source {self.source_name!r}: target(s) {empty} are NaN on every day of every site "
                f"({self.n_sites} sites); remove them from target_names or fix the reader"
            )

    def log_summary(self) -> None:
        logger.info(
            "source %s: %d sites, %d examples, %d site-years skipped (all targets NaN), "
            "%d skipped (core drivers observed on too few days), %d February 29 rows dropped",
            self.source_name,
            self.n_sites,
            self.n_examples,
            len(self.skipped_site_years),
            len(self.driver_gap_site_years),
            self.dropped_feb29_rows,
        )


def noleap_day_index(dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, day index 0..364, keep mask) on the no-leap calendar; February 29 is not kept."""
    dates = pd.to_datetime(dates)
    year = dates.dt.year.to_numpy(np.int64)
    month = dates.dt.month.to_numpy()
    day = dates.dt.day.to_numpy()
    doy = dates.dt.day_of_year.to_numpy(np.int64) - 1
    leap = dates.dt.is_leap_year.to_numpy()
    feb29 = (month == 2) & (day == 29)
    doy = doy - (leap & (month > 2)).astype(np.int64)
    return year, doy, ~feb29


def _column_block(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """float32 [rows, len(names)]; a column the frame lacks is all NaN (missing stays missing)."""
    block = np.full((len(frame), len(names)), np.nan, dtype=np.float32)
    for j, name in enumerate(names):
        if name in frame.columns:
            block[:, j] = pd.to_numeric(frame[name], errors="raise").to_numpy(np.float32, na_value=np.nan)
    return block


def _attribute_value(values: pd.Series) -> float | str:
    """A JSON value. A coordinate that went through float32 reads 47.2864, not 47.28639984130859:
    a float32 keeps its shortest decimal, any other number is rounded to 6 decimals (0.1 m)."""
    value = values.iloc[0]
    if isinstance(value, np.float32):
        return float(str(value))
    if isinstance(value, np.number | int | float) and not isinstance(value, bool | np.bool_):
        return round(float(value), 6)
    return str(value)


def site_attributes_of(frame: pd.DataFrame, site_id: str) -> dict[str, float | str | None]:
    """Coordinates and other per-site attributes of one site's frame (schema.SITE_ATTRIBUTE_COLUMNS).

    Why here: the builder is the last place that sees the readers' whole frames, and the benchmark's
    maps need the coordinates of an exported folder, not of the package's own tables. The coordinates
    are always present (None where unknown); another attribute only when the frame has its column.
    An attribute with two values within the site is a reader error.
    """
    attributes: dict[str, float | str | None] = {}
    for name, columns in schema.SITE_ATTRIBUTE_COLUMNS.items():
        present = [c for c in columns if c in frame.columns]
        if not present and name not in schema.SITE_COORDINATES:
            continue
        attributes[name] = None
        for column in present:
            values = frame[column].dropna()
            if len(values) == 0:
                continue
            if values.nunique() > 1:
                raise SchemaError(
                    f"site {site_id!r}: site attribute column {column!r} has {values.nunique()} values "
                    f"({sorted(map(str, values.unique()))[:3]}...); a site has one"
                )
            attributes[name] = _attribute_value(values)
            break
    return attributes


def _check_frame(frame: pd.DataFrame, spec: SourceSpec) -> None:
    required = ("site_id", "experiment", schema.DATE_COLUMN)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(f"source {spec.name!r}: a frame lacks the column(s) {missing}")
    if "source" in frame.columns:
        bad = set(frame["source"].astype(str).unique()) - {str(spec.source)}
        if bad:
            raise SchemaError(
                f"source {spec.name!r}: frame rows have source {sorted(bad)}, expected {spec.source}"
            )


def _static_per_example(
    static_days: np.ndarray, site_id: str, years: np.ndarray, names: tuple[str, ...]
) -> np.ndarray:
    """[E, 365, n_static] -> [E, n_static]; an attribute that changes within a site-year is an error."""
    if static_days.shape[0] == 0 or static_days.shape[2] == 0:
        return np.full(static_days.shape[::2], np.nan, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: an unknown attribute stays NaN
        low = np.nanmin(static_days, axis=1)
        high = np.nanmax(static_days, axis=1)
    varies = np.isfinite(low) & (low != high)
    if varies.any():
        i, j = np.argwhere(varies)[0]
        raise SchemaError(
            f"site {site_id!r}, year {int(years[i])}: static attribute {names[j]!r} varies within the "
            f"site-year ({low[i, j]} to {high[i, j]}); statics must be constant (make it a dynamic input)"
        )
    return low.astype(np.float32)


def _drivers_covered(past: np.ndarray, spec: SourceSpec) -> np.ndarray:
    """[E] bool: every required input observed on at least MIN_DRIVER_COVERAGE of the days."""
    if not spec.required_inputs or past.shape[0] == 0:
        return np.ones(past.shape[0], dtype=bool)
    columns = [spec.input_names.index(n) for n in spec.required_inputs]
    coverage = np.isfinite(past[:, :, columns]).mean(axis=1)  # [E, n_required]
    return (coverage >= schema.MIN_DRIVER_COVERAGE).all(axis=1)


def build_site_examples(
    frame: pd.DataFrame, spec: SourceSpec, report: BuildReport | None = None
) -> SiteExamples:
    """One site's canonical daily frame -> its (experiment, year) examples, 365 days each.

    Rows on February 29 are dropped; days a year lacks are NaN; a site-year with no observed value of
    any target is skipped (counted in ``report``). Raises SchemaError for a frame with several sites,
    duplicate days, or statics that vary within a site-year.
    """
    _check_frame(frame, spec)
    frame_dates_known = bool(frame.attrs.get("dates_known", True))
    site_ids = frame["site_id"].astype(str).unique()
    if len(site_ids) != 1:
        raise SchemaError(f"source {spec.name!r}: a frame must hold one site, got {list(site_ids[:5])}")
    site_id = str(site_ids[0])

    year, doy, keep = noleap_day_index(frame[schema.DATE_COLUMN])
    if report is not None:
        report.dropped_feb29_rows += int((~keep).sum())
    frame = frame.loc[keep]
    year, doy = year[keep], doy[keep]
    experiment = frame["experiment"].to_numpy(np.int64)

    # One int64 key per (experiment, year), sorted like the pair: a 1-D unique is much faster than axis=0.
    key = (experiment - experiment.min()) * 100_000 + (year - year.min()) if len(year) else year
    unique_key, first, example_index = np.unique(key, return_index=True, return_inverse=True)
    unique_keys = np.stack([experiment[first], year[first]], axis=1).reshape(len(unique_key), 2)
    example_index = example_index.reshape(-1)
    cell = example_index * schema.SEQUENCE_LENGTH + doy
    if len(np.unique(cell)) != len(cell):
        raise SchemaError(f"source {spec.name!r}, site {site_id!r}: duplicate (experiment, date) rows")

    n_examples = len(unique_keys)
    shape = (n_examples, schema.SEQUENCE_LENGTH)
    past = np.full((*shape, len(spec.input_names)), np.nan, dtype=np.float32)
    target = np.full((*shape, len(spec.target_names)), np.nan, dtype=np.float32)
    past[example_index, doy] = _column_block(frame, spec.input_names)
    target[example_index, doy] = _column_block(frame, spec.target_names)
    static_days = np.full((*shape, len(spec.static_names)), np.nan, dtype=np.float32)
    static_days[example_index, doy] = _column_block(frame, spec.static_names)
    static = _static_per_example(static_days, site_id, unique_keys[:, 1], spec.static_names)

    observed = np.isfinite(target).any(axis=(1, 2)) if n_examples else np.zeros(0, bool)
    drivers_ok = _drivers_covered(past, spec)
    if report is not None:
        for exp, yr in unique_keys[~observed]:
            report.skipped_site_years.append((site_id, int(exp), int(yr)))
        for exp, yr in unique_keys[observed & ~drivers_ok]:
            report.driver_gap_site_years.append((site_id, int(exp), int(yr)))
    observed &= drivers_ok
    for exp, yr in unique_keys[~observed]:
        logger.debug(
            "skip %s site %s experiment %d year %d: every target is NaN", spec.name, site_id, exp, yr
        )
    for exp, yr in unique_keys[np.isfinite(target).any(axis=(1, 2)) & ~drivers_ok] if n_examples else []:
        logger.debug(
            "skip %s site %s experiment %d year %d: a core driver %s is observed on fewer than %.0f %% "
            "of the days",
            spec.name,
            site_id,
            exp,
            yr,
            spec.required_inputs,
            100 * schema.MIN_DRIVER_COVERAGE,
        )

    kept = unique_keys[observed]
    # Readers whose dates are a placeholder (release towers) say so with frame.attrs["dates_known"].
    dates_known = spec.dates_known and frame_dates_known
    if report is not None and not dates_known:
        report.undated_sites += 1
    examples = SiteExamples(
        site_id=site_id,
        source=str(spec.source),
        domain=str(spec.domain),
        experiments=kept[:, 0].astype(np.int32),
        years=kept[:, 1].astype(np.int32),
        first_dates=[f"{int(y):04d}-01-01" if dates_known else "" for y in kept[:, 1]],
        past_values=past[observed],
        static_real_features=static[observed].reshape(len(kept), len(spec.static_names)),
        target_values=target[observed],
        calendar_years=tuple(int(y) for y in np.unique(year)),
        attributes=site_attributes_of(frame, site_id),
    )
    if report is not None:
        report.add(examples)
    return examples


def iter_site_examples(spec: SourceSpec, report: BuildReport | None = None) -> Iterator[SiteExamples]:
    """Stream a source site by site; checks the source-wide target coverage at the end."""
    spec.check_names()
    report = report if report is not None else BuildReport(spec.name, spec.target_names)
    seen: set[str] = set()
    for frame in spec.frames():
        if len(frame) == 0:
            continue
        examples = build_site_examples(frame, spec, report)
        if examples.site_id in seen:
            raise SchemaError(f"source {spec.name!r}: site {examples.site_id!r} comes in two frames")
        seen.add(examples.site_id)
        yield examples
    report.check_targets_observed()
    report.log_summary()


def iter_examples(spec: SourceSpec) -> Iterator[dict[str, object]]:
    """One dict per example (for ``datasets.Dataset.from_generator(..., features=example_features(spec))``)."""
    for site in iter_site_examples(spec):
        cols = site.columns()
        for i in range(len(site)):
            yield {k: v[i] for k, v in cols.items()}
