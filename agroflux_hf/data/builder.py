"""Canonical daily tables -> (site, experiment, year) sequences of 365 days.

Readers fill the source contract (``SourceSpec`` and canonical frames, ``data/sources/contract.py``;
``SourceSpec`` is still importable from here). :func:`build_site_examples` turns the canonical daily
frame of one site (all its experiments) into fixed-shape float32 arrays, one example per (site,
experiment, year) on the no-leap calendar, plus the site's attributes; the exporter encodes the arrays
as Arrow (``data/encoding.py``). :class:`BuildReport` keeps the source-wide counts the exporter needs
(skipped site-years, observed days per target) without holding the source.

Missing stays missing: a variable the frame lacks, a day the frame lacks and a NaN in the frame are all
NaN in the example. Nothing is filled.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.calendar import noleap_day_index as noleap_day_index  # re-exported: old path
from agroflux_hf.data.sources.contract import SourceSpec as SourceSpec  # re-exported: the old path
from agroflux_hf.data.sources.contract import check_frame, frame_dates_known
from agroflux_hf.errors import SchemaError

logger = logging.getLogger(__name__)


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
    check_frame(frame, spec)
    site_ids = frame[schema.SITE_ID].astype(str).unique()
    if len(site_ids) != 1:
        raise SchemaError(f"source {spec.name!r}: a frame must hold one site, got {list(site_ids[:5])}")
    site_id = str(site_ids[0])

    year, doy, keep = noleap_day_index(frame[schema.DATE_COLUMN])
    if report is not None:
        report.dropped_feb29_rows += int((~keep).sum())
    frame = frame.loc[keep]
    year, doy = year[keep], doy[keep]
    experiment = frame[schema.EXPERIMENT].to_numpy(np.int64)

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
    dates_known = spec.dates_known and frame_dates_known(frame)
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
