"""Temporal and spatial splits: the paper's rules with its defects fixed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agroflux_hf.data.splits import (
    SPLITS,
    spatial_fold_of_sites,
    spatial_splits,
    temporal_split,
    temporal_year_counts,
    temporal_year_split,
)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, (1, 0, 0)),  # one year cannot be split in time
        (2, (1, 0, 1)),
        (3, (1, 1, 1)),  # the paper: (2, 0, 1) -> no validation
        (5, (3, 1, 1)),  # the paper: (4, 0, 1)
        (10, (8, 1, 1)),  # as the paper
        (18, (14, 1, 3)),  # Ecosys, as the paper
        (21, (16, 2, 3)),  # DayCent, as the paper
    ],
)
def test_temporal_counts(n, expected):
    assert temporal_year_counts(n) == expected


@given(st.integers(min_value=1, max_value=60))
def test_temporal_counts_cover_and_are_non_empty(n):
    train, val, test = temporal_year_counts(n)
    assert train + val + test == n and train >= 1
    if n >= 3:
        assert val >= 1 and test >= 1
    paper_train, paper_val = int(0.8 * n), int(0.1 * n)
    if paper_val >= 1 and n - paper_train - paper_val >= 1:  # where the paper's rule works, it is kept
        assert (train, val) == (paper_train, paper_val)


def test_temporal_year_split_is_chronological():
    parts = temporal_year_split([2005, 2001, 2003, 2002, 2004, 2003])
    assert parts == {"train": (2001, 2002, 2003), "validation": (2004,), "test": (2005,)}


def test_temporal_split_per_site_and_shared():
    site_years = {"A": (2000, 2001, 2002), "B": (2010, 2011), "C": (2015,)}
    per_site = temporal_split(site_years)
    assert per_site.site_years["test"] == {"A": (2002,), "B": (2011,)}
    assert per_site.site_years["train"]["C"] == (2015,)
    assert per_site.sites("validation") == ("A",)
    shared = temporal_split(
        {"A": (2000, 2001, 2002), "B": (2000, 2001, 2002)}, shared_years=(2000, 2001, 2002)
    )
    assert shared.years("validation") == (2001,) and shared.sites("validation") == ("A", "B")


@given(
    st.dictionaries(
        st.sampled_from(["a1", "a2", "b1", "c1"]),
        st.lists(st.integers(2000, 2020), min_size=1, max_size=12, unique=True).map(tuple),
        min_size=1,
    )
)
def test_sites_sharing_weather_share_one_calendar(site_years):
    """A year of one weather series is in one split at every site of the series (a1/a2 share one)."""
    groups = {s: s[0] for s in site_years}
    assignment = temporal_split(site_years, weather_groups=groups)
    split_of: dict[tuple[str, int], set[str]] = {}
    for split in SPLITS:
        for site, years in assignment.site_years[split].items():
            for year in years:
                split_of.setdefault((groups[site], year), set()).add(split)
    assert all(len(s) == 1 for s in split_of.values())
    assert sorted(
        assignment.pairs("train") | assignment.pairs("validation") | assignment.pairs("test")
    ) == sorted((s, y) for s, ys in site_years.items() for y in ys)


def test_weather_groups_pool_the_years_of_the_kbs_fields():
    """AgroFlux-mini's KBS fields: split each on its own years, 2013-2014 trained at BCSE, tested at MCSE."""
    site_years = {"BCSE": (2012, 2013, 2014, 2016, 2017), "MCSE": tuple(range(2002, 2015))}
    alone = temporal_split(site_years)
    assert 2013 in alone.site_years["train"]["BCSE"] and 2013 in alone.site_years["test"]["MCSE"]
    pooled = temporal_split(site_years, weather_groups={"BCSE": "KBS", "MCSE": "KBS"})
    assert pooled.site_years["train"] == {"BCSE": (2012, 2013), "MCSE": tuple(range(2002, 2014))}
    assert pooled.site_years["validation"] == {"BCSE": (2014,), "MCSE": (2014,)}
    assert pooled.site_years["test"] == {"BCSE": (2016, 2017)}


@given(st.integers(min_value=3, max_value=40), st.integers(min_value=1, max_value=7), st.integers(0, 5))
def test_spatial_folds_test_every_site_once_and_are_disjoint(n_sites, n_folds, seed):
    site_years = {f"s{i:02d}": (2000, 2001) for i in range(n_sites)}
    if n_folds < 2:
        with pytest.raises(ValueError, match="n_folds"):
            spatial_splits(site_years, n_folds, seed=seed)
        return
    folds = spatial_splits(site_years, n_folds, seed=seed)
    assert min(n_folds, n_sites) <= len(folds) <= n_sites
    tested = sorted(s for f in folds for s in f.sites("test"))
    assert tested == sorted(site_years)
    for f in folds:
        parts = [set(f.sites(s)) for s in SPLITS]
        assert all(parts), "train, validation and test each hold at least one site"
        assert set.union(*parts) == set(site_years)
        assert sum(len(p) for p in parts) == n_sites  # disjoint
        n_rest = n_sites - len(parts[2])
        assert len(parts[1]) == min(n_rest - 1, max(1, round(0.1 * n_rest)))


def test_spatial_assignment_is_deterministic_and_seeded():
    sites = [f"c{i}" for i in range(99)]
    a = spatial_fold_of_sites(sites, 5, seed=0)
    assert a == spatial_fold_of_sites(list(reversed(sites)), 5, seed=0)
    assert a != spatial_fold_of_sites(sites, 5, seed=1)
    sizes = sorted(list(a.values()).count(k) for k in range(5))
    assert sizes == [19, 20, 20, 20, 20]


def test_spatial_keeps_all_years_of_a_site_and_needs_three_sites():
    folds = spatial_splits({"A": (1, 2), "B": (3,), "C": (4, 5, 6)}, 5)
    assert len(folds) == 3
    for f in folds:
        for split in SPLITS:
            for site, years in f.site_years[split].items():
                assert years == {"A": (1, 2), "B": (3,), "C": (4, 5, 6)}[site]
    with pytest.raises(ValueError, match="at least 3"):
        spatial_splits({"A": (1,), "B": (1,)}, 5)


def test_spatial_groups_are_held_out_whole():
    site_years = {f"{station}-{soil}": (2000,) for station in "ABCDE" for soil in ("L", "SL")}
    groups = {s: s.split("-")[0] for s in site_years}
    folds = spatial_splits(site_years, 5, site_groups=groups)
    assert len(folds) == 5
    for f in folds:
        stations = {split: {groups[s] for s in f.sites(split)} for split in SPLITS}
        assert len(stations["test"]) == 1 and len(f.sites("test")) == 2
        assert not stations["train"] & stations["test"] and not stations["validation"] & stations["test"]
        assert not stations["train"] & stations["validation"]
    assert sorted(s for f in folds for s in f.sites("test")) == sorted(site_years)
