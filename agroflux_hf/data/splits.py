"""Temporal and spatial splits of (site, year) examples, with the published code's defects fixed.

Temporal (by year, as the paper does): of a site's N sorted years the first ``int(0.8 N)`` train, the
next ``int(0.1 N)`` validate, the rest test. The paper's rule leaves validation (and for N < 5 test)
empty and its N2O code then validates on a training year; here, for N >= 3 at least one validation and
one test year are taken from the end of the training years; N == 2 gives one train and one test year;
a one-year site cannot be split in time and is train only. Towers and chambers are split per site on
their own years, or, when sites share a weather series (plots of one research station), on the pooled
years of that series (:func:`weather_group_periods`); all sites of a simulation share the same years.

Spatial: K = min(n_folds, n_sites) folds (more when a fold would leave fewer than two other sites) over site ids (all experiments of a site stay together),
assigned by a seeded permutation so that every site is tested exactly once (the published folds never
test some counties and towers). For fold k, about 10 % (at least one) of the other sites validate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from agroflux_hf.schema import SPATIAL, SPLITS, TEMPORAL

MIN_SITES_FOR_SPATIAL = 3  # one test, one validation and one training site at least


def temporal_year_counts(n_years: int) -> tuple[int, int, int]:
    """(train, validation, test) year counts for N years (the paper's rule, made non-empty)."""
    if n_years < 0:
        raise ValueError(f"n_years must be >= 0, got {n_years}")
    if n_years <= 1:
        return n_years, 0, 0  # one year cannot be split in time: it trains
    if n_years == 2:
        return 1, 0, 1
    n_train, n_val = int(0.8 * n_years), int(0.1 * n_years)
    n_test = n_years - n_train - n_val
    if n_val == 0:
        n_val, n_train = 1, n_train - 1
    if n_test == 0:
        n_test, n_train = 1, n_train - 1
    return n_train, n_val, n_test


def temporal_year_split(years: list[int] | tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """{split: years} for the sorted distinct ``years``: earliest years train, latest test."""
    ordered = sorted({int(y) for y in years})
    n_train, n_val, _ = temporal_year_counts(len(ordered))
    return {
        "train": tuple(ordered[:n_train]),
        "validation": tuple(ordered[n_train : n_train + n_val]),
        "test": tuple(ordered[n_train + n_val :]),
    }


def period_of_years(years: list[int] | tuple[int, ...]) -> dict[int, str]:
    """year -> temporal split name, for the years of one site (or of a whole simulation)."""
    return {y: split for split, ys in temporal_year_split(years).items() for y in ys}


@dataclass(frozen=True)
class SplitAssignment:
    """Which sites, and which years of each site, make each split of one config."""

    scheme: str  # "temporal" or "spatial"
    fold: int | None  # spatial fold, None for temporal
    site_years: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # split -> site -> years

    def sites(self, split: str) -> tuple[str, ...]:
        return tuple(sorted(s for s, ys in self.site_years.get(split, {}).items() if ys))

    def years(self, split: str) -> tuple[int, ...]:
        return tuple(sorted({y for ys in self.site_years.get(split, {}).values() for y in ys}))

    def pairs(self, split: str) -> set[tuple[str, int]]:
        return {(s, y) for s, ys in self.site_years.get(split, {}).items() for y in ys}

    def check_disjoint(self) -> None:
        """No (site, year) in two splits; for spatial splits no site in two splits."""
        for i, a in enumerate(SPLITS):
            for b in SPLITS[i + 1 :]:
                shared = self.pairs(a) & self.pairs(b)
                if shared:
                    raise AssertionError(
                        f"{self.scheme} fold {self.fold}: {a} and {b} share {sorted(shared)[:5]}"
                    )
                if self.scheme == SPATIAL and set(self.sites(a)) & set(self.sites(b)):
                    raise AssertionError(f"spatial fold {self.fold}: {a} and {b} share sites")


def weather_group_periods(
    site_years: dict[str, tuple[int, ...]], weather_groups: dict[str, str]
) -> dict[str, dict[int, str]]:
    """site -> {year: split} where sites sharing a weather series share one calendar: the pooled years
    of the group are split like one site's.

    Why: two fields of one station (KBS-BCSE and KBS-MCSE-T2, one NASA POWER cell) split each on its
    own years put 2013-2014 in BCSE's training and MCSE's test: the test years' weather, and the N2O
    pulses it drives next door, were trained on. One calendar per weather series, as the simulations
    have, keeps every year of a series in one split.
    """
    pooled: dict[str, set[int]] = {}
    for site, years in site_years.items():
        pooled.setdefault(weather_groups.get(site, site), set()).update(int(y) for y in years)
    calendars = {group: period_of_years(tuple(years)) for group, years in pooled.items()}
    return {site: calendars[weather_groups.get(site, site)] for site in site_years}


def temporal_split(
    site_years: dict[str, tuple[int, ...]],
    shared_years: tuple[int, ...] | None = None,
    weather_groups: dict[str, str] | None = None,
) -> SplitAssignment:
    """Split every site by its own years, by ``shared_years`` (simulations) when given, or on one
    calendar per weather series (:func:`weather_group_periods`) when ``weather_groups`` is given."""
    shared = period_of_years(shared_years) if shared_years is not None else None
    calendars = weather_group_periods(site_years, weather_groups or {})  # ungrouped: each site its own
    out: dict[str, dict[str, tuple[int, ...]]] = {s: {} for s in SPLITS}
    for site in sorted(site_years):
        period = shared if shared is not None else calendars[site]
        for split in SPLITS:
            ys = tuple(sorted(y for y in site_years[site] if period.get(y) == split))
            if ys:
                out[split][site] = ys
    assignment = SplitAssignment(TEMPORAL, None, out)
    assignment.check_disjoint()
    return assignment


def n_spatial_folds(n_sites: int, n_folds: int) -> int:
    """K = min(n_folds, n_sites), raised (up to n_sites) until every fold leaves >= 2 sites to train
    and validate on: with 3 sites and 2 folds a fold of 2 test sites would leave no validation site."""
    if n_folds < 2:
        raise ValueError(f"a spatial split needs n_folds >= 2, got {n_folds}")
    if n_sites < MIN_SITES_FOR_SPATIAL:
        raise ValueError(f"a spatial split needs at least {MIN_SITES_FOR_SPATIAL} sites, got {n_sites}")
    k = min(n_folds, n_sites)
    while n_sites - math.ceil(n_sites / k) < 2:
        k += 1
    return k


def spatial_fold_of_sites(
    site_ids: list[str] | tuple[str, ...], n_folds: int, seed: int = 0
) -> dict[str, int]:
    """site -> fold in 0..K-1, K = min(n_folds, n_sites): a seeded permutation dealt round-robin."""
    sites = sorted(set(site_ids))
    k = n_spatial_folds(len(sites), n_folds)
    order = np.random.default_rng(seed).permutation(len(sites))
    return {sites[j]: rank % k for rank, j in enumerate(order)}


def spatial_splits(
    site_years: dict[str, tuple[int, ...]],
    n_folds: int,
    seed: int = 0,
    validation_fraction: float = 0.1,
    site_groups: dict[str, str] | None = None,
) -> list[SplitAssignment]:
    """One assignment per fold; all years of a site go with the site. Needs >= 3 sites (groups).

    ``site_groups`` maps a site to the unit that is held out whole: sites that share weather (one
    station simulated on two soils) must not be in training and test of the same fold. Default: each
    site is its own group.
    """
    sites = sorted(site_years)
    group_of = {s: (site_groups or {}).get(s, s) for s in sites}
    groups = sorted(set(group_of.values()))
    fold_of_group = spatial_fold_of_sites(groups, n_folds, seed)
    n_folds = max(fold_of_group.values()) + 1
    folds = []
    for k in range(n_folds):
        test_groups = [g for g in groups if fold_of_group[g] == k]
        rest = [g for g in groups if fold_of_group[g] != k]
        n_val = min(len(rest) - 1, max(1, round(validation_fraction * len(rest))))
        chosen = np.random.default_rng([seed, k]).choice(len(rest), size=n_val, replace=False)
        validation_groups = {rest[i] for i in chosen}
        members = {
            "train": [s for s in sites if group_of[s] in set(rest) - validation_groups],
            "validation": [s for s in sites if group_of[s] in validation_groups],
            "test": [s for s in sites if group_of[s] in set(test_groups)],
        }
        assignment = SplitAssignment(
            SPATIAL, k, {split: {s: tuple(site_years[s]) for s in members[split]} for split in SPLITS}
        )
        assignment.check_disjoint()
        for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
            shared = {group_of[s] for s in members[a]} & {group_of[s] for s in members[b]}
            if shared:
                raise AssertionError(f"spatial fold {k}: groups {sorted(shared)} in {a} and {b}")
        folds.append(assignment)
    tested = sorted(s for a in folds for s in a.sites("test"))
    assert tested == sites, "every site must be in exactly one test fold"
    return folds
