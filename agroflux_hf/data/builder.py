"""Canonical daily tables -> (site, experiment, year) sequences of 365 days.

This module will hold the sequence builder; ``SourceSpec`` is the contract every source reader fills in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from agroflux_hf import schema


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

    @property
    def domain(self) -> schema.Domain:
        return schema.SOURCE_DOMAIN[self.source]
