"""The source contract: what a reader hands the sequence builder and the exporter.

Why a module of its own: readers (release, towers, chambers, DSSAT, the default tables) fill this
contract and the builder consumes it; when it lived in the builder every reader imported the builder
to describe itself. A reader gives:

- a :class:`SourceSpec`: names, the schema variables in array order, terms, split settings, and
  ``frames``, a callable that yields one canonical daily frame per site;
- canonical frames: the columns :data:`FRAME_KEY_COLUMNS` (one ``site_id`` per frame, an
  ``experiment`` number, a ``date``), schema variables in schema units and signs under their schema
  names (a variable the frame lacks is missing, NaN), optional site attribute columns
  (``schema.SITE_ATTRIBUTE_COLUMNS``), and ``frame.attrs[DATES_KNOWN_ATTR] = False`` where the dates
  are a convention rather than the calendar the data was measured on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError

FRAME_KEY_COLUMNS: tuple[str, ...] = (schema.SITE_ID, schema.EXPERIMENT, schema.DATE_COLUMN)
"""Columns every canonical frame has (``source`` and ``domain`` are optional and checked if present)."""
DATES_KNOWN_ATTR = "dates_known"
"""``frame.attrs`` key a reader sets to False when the frame's dates are a placeholder calendar."""


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
    # site_id -> the weather series it shares with other sites (observations: plots of one research
    # station driven by one station or grid cell). Such sites are split in time on ONE calendar, their
    # pooled years split like one site's, so no year's weather trains at one plot and tests at another.
    # None: each site on its own years (simulations share one calendar anyway).
    weather_group: Callable[[str], str] | None = None
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
        for group, allowed in schema.NAME_FIELD_ROLES.items():
            names = getattr(self, group)
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
        if re.search(r"_fold\d+$", self.name):
            raise SchemaError(
                f"source name {self.name!r}: a name ending in _fold<k> would collide with another source's "
                "spatial fold configs (spatial_<name>_fold<k>)"
            )


def check_frame(frame: pd.DataFrame, spec: SourceSpec) -> None:
    """The frame has the key columns, and any ``source`` column names the spec's source."""
    missing = [c for c in FRAME_KEY_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"source {spec.name!r}: a frame lacks the column(s) {missing}")
    if schema.SOURCE_FIELD in frame.columns:
        bad = set(frame[schema.SOURCE_FIELD].astype(str).unique()) - {str(spec.source)}
        if bad:
            raise SchemaError(
                f"source {spec.name!r}: frame rows have source {sorted(bad)}, expected {spec.source}"
            )


def frame_dates_known(frame: pd.DataFrame) -> bool:
    """False when the reader marked the frame's dates as a placeholder calendar."""
    return bool(frame.attrs.get(DATES_KNOWN_ATTR, True))
