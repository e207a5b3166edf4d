"""Canonical daily frames -> 365-day (site, experiment, year) examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data.builder import (
    BuildReport,
    SourceSpec,
    build_site_examples,
    iter_site_examples,
    noleap_day_index,
)
from agroflux_hf.data.encoding import example_features, examples_table
from agroflux_hf.errors import SchemaError

INPUTS = ("TMAX", "PRECIP")
STATICS = ("SAND", "PH")
TARGETS = ("NEE", "GPP")


def site_frame(site: str, start: str, end: str, experiments=(-1,), seed: int = 0) -> pd.DataFrame:
    """A canonical daily frame with distinct, traceable values (value = f(day, variable))."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    parts = []
    for exp in experiments:
        df = pd.DataFrame(
            {
                "source": "tower",
                "domain": "observation",
                "site_id": site,
                "experiment": np.int64(exp),
                "date": dates,
            }
        )
        for name in INPUTS + TARGETS:
            df[name] = rng.normal(size=len(df)).astype(np.float32)
        df["SAND"] = np.float32(200.0)
        df["PH"] = np.float32(6.5)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def spec_of(frames, inputs=INPUTS, statics=STATICS, targets=TARGETS, **kw) -> SourceSpec:
    return SourceSpec("co2", schema.Source.TOWER, lambda: iter(frames), inputs, statics, targets, **kw)


def test_noleap_index_drops_feb29_and_aligns_march_first():
    dates = pd.Series(pd.to_datetime(["2004-02-28", "2004-02-29", "2004-03-01", "2005-03-01", "2004-12-31"]))
    year, doy, keep = noleap_day_index(dates)
    assert keep.tolist() == [True, False, True, True, True]
    assert doy[keep].tolist() == [58, 59, 59, 364]
    assert year.tolist() == [2004, 2004, 2004, 2005, 2004]


def test_values_shapes_and_calendar():
    frame = site_frame("US-A", "2004-01-01", "2005-12-31")
    spec = spec_of([frame])
    report = BuildReport(spec.name, spec.target_names)
    ex = build_site_examples(frame, spec, report)
    assert ex.years.tolist() == [2004, 2005]
    assert ex.past_values.shape == (2, 365, 2) and ex.past_values.dtype == np.float32
    assert ex.target_values.shape == (2, 365, 2) and ex.target_values.dtype == np.float32
    assert ex.static_real_features.tolist() == [[200.0, 6.5], [200.0, 6.5]]
    assert report.dropped_feb29_rows == 1
    # value on 2004-03-01 (day index 59 of a leap year) is the frame's value for that date
    row = frame[frame.date == "2004-03-01"].iloc[0]
    assert ex.past_values[0, 59, 1] == np.float32(row["PRECIP"])
    assert ex.target_values[0, 59, 0] == np.float32(row["NEE"])
    row = frame[frame.date == "2005-12-31"].iloc[0]
    assert ex.target_values[1, 364, 1] == np.float32(row["GPP"])
    assert ex.first_dates == ["2004-01-01", "2005-01-01"]


def test_partial_year_padded_with_nan_and_nan_kept():
    frame = site_frame("US-A", "2003-06-01", "2003-12-31")
    frame.loc[frame.date == "2003-07-04", "NEE"] = np.nan
    ex = build_site_examples(frame, spec_of([frame]))
    assert len(ex) == 1
    doy_june1 = pd.Timestamp("2003-06-01").day_of_year - 1
    assert np.isnan(ex.past_values[0, :doy_june1]).all()
    assert np.isnan(ex.target_values[0, :doy_june1]).all()
    assert np.isfinite(ex.past_values[0, doy_june1:]).all()
    jul4 = pd.Timestamp("2003-07-04").day_of_year - 1
    assert np.isnan(ex.target_values[0, jul4, 0]) and np.isfinite(ex.target_values[0, jul4, 1])


def test_all_nan_site_year_is_skipped_and_counted():
    frame = site_frame("US-A", "2001-01-01", "2003-12-31")
    frame.loc[frame.date.dt.year == 2002, list(TARGETS)] = np.nan
    spec = spec_of([frame])
    report = BuildReport(spec.name, spec.target_names)
    ex = build_site_examples(frame, spec, report)
    assert ex.years.tolist() == [2001, 2003]
    assert report.skipped_site_years == [("US-A", -1, 2002)]
    assert ex.calendar_years == (2001, 2002, 2003)


def test_missing_column_is_nan_for_that_site():
    a = site_frame("A", "2001-01-01", "2001-12-31")
    b = site_frame("B", "2001-01-01", "2001-12-31").drop(columns=["PRECIP", "GPP", "PH"])
    sites = list(iter_site_examples(spec_of([a, b])))
    assert np.isnan(sites[1].past_values[..., 1]).all() and np.isfinite(sites[1].past_values[..., 0]).all()
    assert np.isnan(sites[1].target_values[..., 1]).all()
    assert np.isnan(sites[1].static_real_features[:, 1]).all()
    assert np.isfinite(sites[0].target_values).all()


def test_target_missing_from_whole_source_is_an_error():
    a = site_frame("A", "2001-01-01", "2001-12-31").drop(columns=["GPP"])
    b = site_frame("B", "2001-01-01", "2001-12-31").assign(GPP=np.float32(np.nan))
    with pytest.raises(SchemaError, match=r"'co2'.*GPP"):
        list(iter_site_examples(spec_of([a, b])))


def test_varying_static_is_an_error_naming_the_site():
    frame = site_frame("US-Bad", "2001-01-01", "2001-12-31")
    frame.loc[frame.date > "2001-06-01", "SAND"] = np.float32(300.0)
    with pytest.raises(SchemaError, match=r"US-Bad.*SAND"):
        build_site_examples(frame, spec_of([frame]))


def test_static_may_change_between_years_but_not_within():
    frame = site_frame("A", "2001-01-01", "2002-12-31")
    frame.loc[frame.date.dt.year == 2002, "PH"] = np.float32(7.0)
    ex = build_site_examples(frame, spec_of([frame]))
    assert ex.static_real_features[:, 1].tolist() == [6.5, 7.0]


def test_experiments_are_ordered_and_separate():
    frame = site_frame("C1", "2010-01-01", "2011-12-31", experiments=(3, 0, 1))
    frame = frame.sample(frac=1.0, random_state=1)  # row order must not matter
    ex = build_site_examples(frame, spec_of([frame]))
    assert list(zip(ex.experiments.tolist(), ex.years.tolist(), strict=True)) == [
        (0, 2010),
        (0, 2011),
        (1, 2010),
        (1, 2011),
        (3, 2010),
        (3, 2011),
    ]
    row = frame[(frame.experiment == 3) & (frame.date == "2011-02-01")].iloc[0]
    assert ex.past_values[5, 31, 0] == np.float32(row["TMAX"])


def test_duplicate_days_and_two_sites_in_one_frame_are_errors():
    frame = site_frame("A", "2001-01-01", "2001-12-31")
    with pytest.raises(SchemaError, match="duplicate"):
        build_site_examples(pd.concat([frame, frame.iloc[:3]]), spec_of([frame]))
    both = pd.concat([frame, site_frame("B", "2001-01-01", "2001-12-31")])
    with pytest.raises(SchemaError, match="one site"):
        build_site_examples(both, spec_of([both]))


def test_spec_names_are_checked_against_the_schema():
    frame = site_frame("A", "2001-01-01", "2001-12-31")
    with pytest.raises(SchemaError, match="NOPE"):
        list(iter_site_examples(spec_of([frame], targets=("NOPE",))))
    with pytest.raises(SchemaError, match="role"):
        list(iter_site_examples(spec_of([frame], inputs=("SAND",))))
    # co2_fold1's fold 0 would be spatial_co2_fold1, fold 1 of source co2
    with pytest.raises(SchemaError, match="would collide"):
        SourceSpec(
            "co2_fold1", schema.Source.TOWER, lambda: iter([frame]), INPUTS, STATICS, TARGETS
        ).check_names()


def test_features_have_fixed_shapes():
    spec = spec_of([])
    f = example_features(spec)
    assert f[schema.PAST_VALUES].shape == (365, 2)
    assert f[schema.TARGET_VALUES].shape == (365, 2)
    assert f[schema.STATIC_FEATURES].length == 2


@pytest.mark.parametrize("statics", [STATICS, ()])
def test_arrow_table_round_trips_through_datasets(statics):
    import datasets

    frame = site_frame("A", "2001-01-01", "2002-12-31")
    spec = spec_of([frame], statics=statics)
    ex = build_site_examples(frame, spec)
    ds = datasets.Dataset(examples_table(ex, example_features(spec))).with_format("numpy")
    assert ds.features[schema.PAST_VALUES] == datasets.Array2D((365, 2), "float32")
    np.testing.assert_array_equal(ds[:][schema.PAST_VALUES], ex.past_values)
    np.testing.assert_array_equal(ds[:][schema.TARGET_VALUES], ex.target_values)
    assert ds[:][schema.STATIC_FEATURES].shape == (2, len(statics))
    assert ds[:]["year"].tolist() == [2001, 2002] and ds[:]["site_id"].tolist() == ["A", "A"]


def test_site_attributes_come_from_the_metadata_columns_then_the_statics():
    frame = site_frame("A", "2001-01-01", "2001-12-31")
    frame["LATITUDE"] = np.float32(43.3)  # float32 static only: read as its shortest decimal
    frame["longitude"] = -89.35
    frame["LONGITUDE"] = np.float32(-1.0)  # the float64 metadata column wins
    frame["field"] = "ARL"
    attributes = build_site_examples(frame, spec_of([frame])).attributes
    assert attributes == {"latitude": 43.3, "longitude": -89.35, "elevation": None, "field": "ARL"}


def test_a_site_attribute_with_two_values_is_an_error():
    frame = site_frame("US-Bad", "2001-01-01", "2001-12-31")
    frame["latitude"] = np.where(frame.date > "2001-06-01", 41.0, 42.0)
    with pytest.raises(SchemaError, match=r"US-Bad.*latitude"):
        build_site_examples(frame, spec_of([frame]))


def test_the_source_contract_is_still_importable_from_the_builder():
    from agroflux_hf.data.sources import contract

    assert SourceSpec is contract.SourceSpec
    frame = site_frame("A", "2001-01-01", "2001-01-31").drop(columns="experiment")
    with pytest.raises(SchemaError, match="experiment"):
        contract.check_frame(frame, spec_of([frame]))
