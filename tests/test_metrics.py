"""Metrics against scikit-learn on random data with gaps, hand examples, and the evaluate module."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from agroflux_hf.errors import AllNaNError, SchemaError
from agroflux_hf.metrics import METRIC_PATH, core

FINITE = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_subnormal=False, width=64)


@st.composite
def gappy_pairs(draw) -> tuple[np.ndarray, np.ndarray]:
    """obs and sim of equal length with NaN at random places on either side, at least one full pair."""
    n = draw(st.integers(min_value=2, max_value=60))
    obs = draw(hnp.arrays(np.float64, n, elements=FINITE))
    sim = draw(hnp.arrays(np.float64, n, elements=FINITE))
    obs_gap = draw(hnp.arrays(np.bool_, n))
    sim_gap = draw(hnp.arrays(np.bool_, n))
    keep = draw(st.integers(min_value=0, max_value=n - 1))
    obs_gap[keep] = sim_gap[keep] = False
    obs[obs_gap] = np.nan
    sim[sim_gap] = np.nan
    return obs, sim


def _present(obs: np.ndarray, sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ~np.isnan(obs) & ~np.isnan(sim)
    return obs[keep], sim[keep]


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(gappy_pairs())
def test_rmse_mae_bias_match_sklearn_on_observed_pairs(pair):
    obs, sim = pair
    o, s = _present(obs, sim)
    assert core.rmse(obs, sim) == pytest.approx(mean_squared_error(o, s) ** 0.5, rel=1e-9, abs=1e-9)
    assert core.mae(obs, sim) == pytest.approx(mean_absolute_error(o, s), rel=1e-9, abs=1e-9)
    assert core.bias(obs, sim) == pytest.approx(np.mean(s - o), rel=1e-9, abs=1e-9)


@FAST
@given(gappy_pairs())
def test_r2_and_nse_match_sklearn_when_obs_varies(pair):
    obs, sim = pair
    o, s = _present(obs, sim)
    if np.all(o == o[0]):  # constant obs: sklearn forces 1.0 / 0.0 there, we return NaN
        assert math.isnan(core.r2(obs, sim))
        return
    assume(np.ptp(o) > 1e-3)  # tiny spreads: both sides are float round-off, not a comparison of formulas
    expected = r2_score(o, s)
    assert core.r2(obs, sim) == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert core.nse(obs, sim) == core.r2(obs, sim)


def test_r2_is_not_symmetric_observations_come_first():
    obs = np.array([1.0, 2.0, 3.0, 4.0])
    sim = np.array([1.0, 2.0, 3.0, 8.0])
    assert core.r2(obs, sim) == pytest.approx(r2_score(obs, sim))
    assert core.r2(obs, sim) != pytest.approx(core.r2(sim, obs))


def test_kge_matches_the_2009_formula_on_a_hand_example():
    obs = np.array([1.0, 3.0, 2.0, 5.0, 4.0, np.nan])
    sim = np.array([1.5, 2.5, 2.5, 4.0, np.nan, 9.0])
    o = np.array([1.0, 3.0, 2.0, 5.0])
    s = np.array([1.5, 2.5, 2.5, 4.0])
    r = np.corrcoef(o, s)[0, 1]
    alpha = s.std() / o.std()
    beta = s.mean() / o.mean()
    expected = 1 - np.sqrt((r - 1) ** 2 + (alpha - 1) ** 2 + (beta - 1) ** 2)
    assert core.kge(obs, sim) == pytest.approx(expected, rel=1e-12)
    # by hand: mean 2.75 vs 2.625, alpha = sqrt(0.796875 / 2.1875)
    assert beta == pytest.approx(2.625 / 2.75)
    assert core.kge(o, o) == pytest.approx(1.0)
    assert core.kge(o, np.full(4, o.mean()) + np.array([0, 0, 0, 1e-9])) < 0


@pytest.mark.parametrize("fn", [core.r2, core.rmse, core.mae, core.nse, core.kge, core.bias])
def test_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(SchemaError, match=r"obs \(3,\) and sim \(4,\)"):
        fn(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("fn", [core.r2, core.rmse, core.mae, core.nse, core.kge, core.bias])
def test_no_observed_pair_raises_all_nan(fn):
    obs = np.array([np.nan, 1.0, np.nan])
    sim = np.array([2.0, np.nan, np.nan])
    with pytest.raises(AllNaNError):
        fn(obs, sim)
    with pytest.raises(AllNaNError):
        fn(np.array([]), np.array([]))


def test_constant_observations_skill_scores_nan_errors_defined():
    obs = np.full(5, 2.0)
    sim = np.array([1.0, 2.0, 3.0, 2.0, 2.0])
    assert math.isnan(core.r2(obs, sim))
    assert math.isnan(core.nse(obs, sim))
    assert math.isnan(core.kge(obs, sim))
    assert core.rmse(obs, sim) == pytest.approx(math.sqrt(2 / 5))
    assert core.mae(obs, sim) == pytest.approx(2 / 5)
    assert core.bias(obs, sim) == pytest.approx(0.0)


def test_kge_nan_for_zero_mean_observations_and_constant_simulation():
    obs = np.array([-1.0, 1.0, -2.0, 2.0])
    assert math.isnan(core.kge(obs, obs * 0.9))
    assert math.isnan(core.kge(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])))


def _hand_example():
    """Two sites: A has 2 examples (years), B one; 2 targets, 3 days; target 1 is never observed."""
    obs = np.full((3, 3, 2), np.nan)
    sim = np.zeros((3, 3, 2))
    obs[0, :, 0] = [1.0, 2.0, 3.0]  # site A, year 1
    sim[0, :, 0] = [1.0, 2.0, 4.0]
    obs[1, :, 0] = [2.0, np.nan, 4.0]  # site A, year 2, one gap
    sim[1, :, 0] = [3.0, 99.0, 4.0]
    obs[2, :, 0] = [10.0, 20.0, 30.0]  # site B
    sim[2, :, 0] = [12.0, 18.0, 30.0]
    return obs, sim, ["NEE", "N2O_FLUX"], ["A", "A", "B"]


def test_score_targets_pooled_and_per_site_by_hand():
    obs, sim, names, sites = _hand_example()
    scores = core.score_targets(obs, sim, names, site_ids=sites, min_site_obs=2)
    nee = scores["NEE"]
    pooled_o = np.array([1, 2, 3, 2, 4, 10, 20, 30.0])
    pooled_s = np.array([1, 2, 4, 3, 4, 12, 18, 30.0])
    assert nee["pooled"]["n"] == 8
    assert nee["pooled"]["r2"] == pytest.approx(r2_score(pooled_o, pooled_s))
    # site A: obs [1,2,3,2,4], sim [1,2,4,3,4]: squared errors 0,0,1,1,0
    a = nee["sites"]["A"]
    assert a["n"] == 5
    assert a["rmse"] == pytest.approx(math.sqrt(2 / 5))
    assert a["mae"] == pytest.approx(2 / 5)
    assert a["r2"] == pytest.approx(1 - 2 / 5.2)  # mean 2.4, SStot 5.2
    # site B: errors 2, -2, 0
    b = nee["sites"]["B"]
    assert b["rmse"] == pytest.approx(math.sqrt(8 / 3))
    assert b["r2"] == pytest.approx(1 - 8 / 200)
    assert nee["per_site"]["n_sites"] == 2
    assert nee["per_site"]["mean"]["rmse"] == pytest.approx((math.sqrt(2 / 5) + math.sqrt(8 / 3)) / 2)
    assert nee["per_site"]["median"]["r2"] == pytest.approx(((1 - 2 / 5.2) + (1 - 8 / 200)) / 2)
    # pooled R2 (driven by the between-site spread) is higher than either site's R2
    assert nee["pooled"]["r2"] > max(a["r2"], b["r2"])


def test_per_site_summary_leaves_out_sites_with_few_observations():
    obs, sim, names, sites = _hand_example()
    scores = core.score_targets(obs, sim, names, site_ids=sites, min_site_obs=4)
    summary = scores["NEE"]["per_site"]
    assert summary["n_sites"] == 1  # only A has >= 4 observed days
    assert summary["mean"]["rmse"] == pytest.approx(math.sqrt(2 / 5))
    assert summary["median"]["rmse"] == summary["mean"]["rmse"]
    assert set(scores["NEE"]["sites"]) == {"A", "B"}  # B still listed with its n


def test_per_site_median_with_three_sites():
    obs = np.array([[1.0, 2, 3], [1, 2, 3], [1, 2, 3]])[..., None]
    sim = obs + np.array([1.0, 2.0, 10.0])[:, None, None]  # constant offsets: mae 1, 2, 10
    scores = core.score_targets(obs, sim, ["GPP"], site_ids=["x", "y", "z"], min_site_obs=1)
    assert scores["GPP"]["per_site"]["median"]["mae"] == pytest.approx(2.0)
    assert scores["GPP"]["per_site"]["mean"]["mae"] == pytest.approx(13 / 3)


def test_unobserved_target_reports_n_zero_instead_of_failing():
    obs, sim, names, sites = _hand_example()
    scores = core.score_targets(obs, sim, names, site_ids=sites)
    n2o = scores["N2O_FLUX"]
    assert n2o["pooled"]["n"] == 0
    assert all(math.isnan(n2o["pooled"][m]) for m in core.METRIC_NAMES)
    assert n2o["per_site"]["n_sites"] == 0
    assert math.isnan(n2o["per_site"]["mean"]["r2"])


def test_score_targets_without_sites_and_two_dimensional_input():
    obs, sim, names, _ = _hand_example()
    scores = core.score_targets(obs, sim, names)
    assert scores["NEE"]["per_site"] is None and scores["NEE"]["sites"] == {}
    flat = core.score_targets(obs.reshape(-1, 2), sim.reshape(-1, 2), names)
    assert flat["NEE"]["pooled"] == scores["NEE"]["pooled"]


def test_score_targets_checks_shapes_names_and_site_ids():
    obs, sim, names, _ = _hand_example()
    with pytest.raises(SchemaError, match=r"obs \(3, 3, 2\) and sim \(3, 3, 1\)"):
        core.score_targets(obs, sim[..., :1], names)
    with pytest.raises(SchemaError, match="2 targets but 1 target_names"):
        core.score_targets(obs, sim, ["NEE"])
    with pytest.raises(SchemaError, match="2 ids for 3 examples"):
        core.score_targets(obs, sim, names, site_ids=["A", "B"])


@pytest.fixture(scope="module")
def agroflux_metric():
    import evaluate

    return evaluate.load(METRIC_PATH)


def test_metric_path_is_the_evaluate_module_folder():
    from pathlib import Path

    folder = Path(METRIC_PATH)
    assert folder.is_dir() and (folder / f"{folder.name}.py").is_file() and (folder / "README.md").is_file()


def test_evaluate_module_returns_the_numbers_of_core(agroflux_metric):
    rng = np.random.default_rng(0)
    obs = rng.normal(3.0, 2.0, size=(4, 30, 2)).astype(np.float32)
    sim = (obs + rng.normal(0.5, 1.0, size=obs.shape)).astype(np.float32)
    obs[rng.random(obs.shape) < 0.3] = np.nan
    sites = ["US-Tw3", "US-Tw3", "FR-Hes", "DE-Tha"]
    expected = core.score_targets(obs, sim, ["NEE", "GPP"], site_ids=sites, min_site_obs=5)
    got = agroflux_metric.compute(
        predictions=[s.ravel().tolist() for s in sim],
        references=[o.ravel().tolist() for o in obs],
        target_names=["NEE", "GPP"],
        site_ids=sites,
        min_site_obs=5,
    )
    for target in ("NEE", "GPP"):
        assert got[target]["pooled"]["n"] == expected[target]["pooled"]["n"]
        for metric in core.METRIC_NAMES:
            assert got[target]["pooled"][metric] == pytest.approx(
                expected[target]["pooled"][metric], rel=1e-9
            )
            for stat in ("mean", "median"):
                assert got[target]["per_site"][stat][metric] == pytest.approx(
                    expected[target]["per_site"][stat][metric], rel=1e-9
                )
        assert set(got[target]["sites"]) == {"US-Tw3", "FR-Hes", "DE-Tha"}


def test_evaluate_module_add_batch_and_single_target_default(agroflux_metric):
    obs = [[1.0, 2.0, 3.0], [2.0, float("nan"), 5.0]]
    sim = [[1.5, 2.0, 2.5], [2.0, 7.0, 4.0]]
    for p, r in zip(sim, obs, strict=True):
        agroflux_metric.add_batch(predictions=[p], references=[r])
    got = agroflux_metric.compute()
    expected = core.all_metrics(np.array([1, 2, 3, 2, 5.0]), np.array([1.5, 2, 2.5, 2, 4.0]))
    assert got["value"]["pooled"] == pytest.approx(expected)


def test_evaluate_module_rejects_a_length_that_does_not_fit_the_targets(agroflux_metric):
    with pytest.raises(ValueError, match="not a multiple of the 2 target_names"):
        agroflux_metric.compute(
            predictions=[[1.0, 2.0, 3.0]], references=[[1.0, 2.0, 3.0]], target_names=["a", "b"]
        )


def test_spread_below_float_resolution_is_no_variance():
    obs = np.array([0.0, 1.11253693e-308])
    assert math.isnan(core.r2(obs, np.zeros(2)))
    assert core.rmse(obs, np.zeros(2)) >= 0.0
    # hypothesis found it: distinct values whose squared deviations underflow to a zero std
    assert math.isnan(core.kge(np.array([2.9205804e-298, 0.0]), np.array([0.0, 1.0])))


@settings(max_examples=50, deadline=None)
@given(gappy_pairs())
def test_all_metrics_equals_the_single_functions(pair):
    obs, sim = pair
    sim = np.where(np.isnan(sim) & ~np.isnan(obs), 0.5, sim)  # no failed prediction: see the next test
    scores = core.all_metrics(obs, sim)
    assert list(scores) == [*core.METRIC_NAMES, "n", "n_failed"]
    assert scores["n"] == int(np.sum(~np.isnan(obs) & ~np.isnan(sim)))
    assert scores["n_failed"] == 0
    for name in core.METRIC_NAMES:
        single = getattr(core, name)(obs, sim)
        assert (math.isnan(single) and math.isnan(scores[name])) or scores[name] == single


def test_kge_of_near_zero_observations_does_not_overflow():
    # found by hypothesis: alpha = std(sim) / std(obs) ~ 1e160, whose square overflows a float
    assert core.kge(np.array([0.0, 4.85e-161]), np.array([0.0, 1.0])) < -1e150


def test_a_nan_prediction_on_an_observed_day_is_a_failure_not_a_gap():
    obs = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    good = np.array([1.1, 2.1, np.nan, 3.9, 5.2])  # NaN only where nothing was observed: fine
    assert core.all_metrics(obs, good)["n_failed"] == 0
    assert np.isfinite(core.all_metrics(obs, good)["r2"])
    bad = np.array([1.1, np.nan, 3.0, 3.9, 5.2])  # no number on an observed day
    scores = core.all_metrics(obs, bad)
    assert scores["n_failed"] == 1 and scores["n"] == 3
    assert all(math.isnan(scores[m]) for m in core.METRIC_NAMES)
    per_target = core.score_targets(obs[None, :, None], bad[None, :, None], ["NEE"], site_ids=["a"])
    assert per_target["NEE"]["pooled"]["n_failed"] == 1
    assert math.isnan(per_target["NEE"]["sites"]["a"]["r2"])


def test_score_targets_per_site_equals_scoring_each_site_alone():
    rng = np.random.default_rng(3)
    obs = rng.normal(2.0, 1.0, size=(9, 20, 2))
    sim = obs + rng.normal(0.0, 0.5, size=obs.shape)
    obs[rng.random(obs.shape) < 0.2] = np.nan
    sites = ["c", "a", "c", "b", "a", "c", "b", "b", "a"]
    scores = core.score_targets(obs, sim, ["NEE", "GPP"], site_ids=sites)
    assert list(scores["NEE"]["sites"]) == ["c", "a", "b"]  # order of first appearance
    for j, target in enumerate(["NEE", "GPP"]):
        for site in "abc":
            rows = [i for i, s in enumerate(sites) if s == site]
            assert scores[target]["sites"][site] == core.all_metrics(obs[rows, :, j], sim[rows, :, j])


# ----- cumulative emission (N2O) -----
def test_cumulative_emission_of_three_sampling_days_by_hand():
    obs = np.full(10, np.nan)
    obs[[1, 4, 5]] = [2.0, 8.0, 4.0]
    sim = np.arange(10.0)
    # obs: 3 days * (2 + 8) / 2 + 1 day * (8 + 4) / 2 = 15 + 6; sim sampled on days 1, 4, 5: 7.5 + 4.5
    assert core.sampled_cumulative(obs, sim) == (21.0, 12.0, 3)
    sim[[0, 2, 3, 6, 9]] = 1e6  # the model between and outside the sampling days does not count
    assert core.sampled_cumulative(obs, sim) == (21.0, 12.0, 3)


@FAST
@given(gappy_pairs())
def test_cumulative_emission_integrates_the_same_interpolation_for_both_sides(pair):
    obs, sim = pair
    days = np.flatnonzero(~np.isnan(obs))
    obs_total, sim_total, n_days = core.sampled_cumulative(obs, sim)
    assert n_days == days.size
    if days.size < 2:
        assert math.isnan(obs_total) and math.isnan(sim_total)
        return
    grid = np.arange(days[0], days[-1] + 1)  # every day of the sampled period, linearly interpolated
    assert obs_total == pytest.approx(
        np.trapezoid(np.interp(grid, days, obs[days]), grid), rel=1e-9, abs=1e-9
    )
    if np.isnan(sim[days]).any():  # no number on a sampling day: a failed model has no total
        assert math.isnan(sim_total)
    else:
        daily = np.interp(grid, days, sim[days])
        assert sim_total == pytest.approx(np.trapezoid(daily, grid), rel=1e-9, abs=1e-9)
    # a model equal to the observations on the sampling days has no cumulative error, whatever else
    matching = np.where(np.isnan(obs), 123.0, obs)
    assert core.sampled_cumulative(obs, matching)[1] == pytest.approx(obs_total, rel=1e-12, abs=1e-12)


def test_cumulative_emission_of_a_model_without_a_number_on_a_sampling_day_is_nan():
    obs = np.array([1.0, np.nan, 3.0, 5.0])
    sim = np.array([1.0, 9.0, np.nan, 5.0])
    # day 2 was sampled but has no prediction: the model failed there; dropping the day from both sides
    # would let the model choose which observations count (the observed total is 2 * 2 + 1 * 4 = 8)
    obs_total, sim_total, days = core.sampled_cumulative(obs, sim)
    assert (obs_total, days) == (8.0, 3) and math.isnan(sim_total)
    assert core.sampled_cumulative(obs, np.array([1.0, np.nan, 3.0, 5.0])) == (8.0, 8.0, 3)
    with pytest.raises(SchemaError, match="of one length"):
        core.sampled_cumulative(obs, sim[:3])


def test_cumulative_scores_exclude_and_count_sequences_with_fewer_than_two_sampling_days():
    nan = np.nan
    obs = np.array(
        [
            [1.0, nan, 3.0, nan],  # total 2 * (1 + 3) / 2 = 4
            [2.0, 2.0, nan, nan],  # total 2
            [nan, nan, 5.0, nan],  # one sampling day: excluded
            [nan, nan, nan, nan],  # none: excluded
            [0.0, 4.0, 4.0, 0.0],  # total 2 + 4 + 2 = 8
        ]
    )
    sim = np.array(
        [
            [2.0, 0.0, 4.0, 0.0],  # sampled: 6
            [1.0, 2.0, 0.0, 0.0],  # sampled: 1.5
            [9.0, 9.0, 9.0, 9.0],
            [9.0, 9.0, 9.0, 9.0],
            [0.0, 2.0, 2.0, 0.0],  # sampled: 4
        ]
    )
    scores = core.cumulative_scores(obs, sim)
    assert scores["n"] == 3 and scores["n_excluded"] == 2
    assert scores["sampling_days"] == [2, 2, 1, 0, 4]
    np.testing.assert_array_equal(scores["obs"], [4.0, 2.0, nan, nan, 8.0])
    np.testing.assert_array_equal(scores["sim"], [6.0, 1.5, nan, nan, 4.0])
    errors = np.array([2.0, -0.5, -4.0])
    assert scores["mae"] == pytest.approx(np.abs(errors).mean())
    assert scores["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert scores["bias"] == pytest.approx(errors.mean())
    assert scores["relative_bias"] == pytest.approx(errors.sum() / 14.0)
    assert scores["r2"] == pytest.approx(r2_score([4.0, 2.0, 8.0], [6.0, 1.5, 4.0]))


def test_a_sequence_the_model_failed_fails_the_cumulative_scores():
    obs = np.array([[1.0, np.nan, 3.0, 5.0], [2.0, 2.0, np.nan, 2.0]])
    good = np.array([[1.0, 0.0, 3.0, 4.0], [2.0, 2.0, np.nan, 1.0]])
    assert core.cumulative_scores(obs, good)["n_failed"] == 0
    assert np.isfinite(core.cumulative_scores(obs, good)["mae"])
    bad = good.copy()
    bad[1, :2] = np.nan  # predictions equal elsewhere; NaN on two sampling days of the second sequence
    scores = core.cumulative_scores(obs, bad)
    assert scores["n_failed"] == 1 and scores["n"] == 2
    assert all(math.isnan(scores[m]) for m in core.CUMULATIVE_METRIC_NAMES)
    assert math.isnan(scores["sim"][1]) and scores["sim"][0] == core.cumulative_scores(obs, good)["sim"][0]


def test_a_site_the_model_failed_fails_the_per_site_mean_and_median():
    rng = np.random.default_rng(11)
    obs = rng.normal(size=(3, 40, 1))
    sim = obs + rng.normal(scale=0.1, size=obs.shape)
    fine = core.score_targets(obs, sim, ["NEE"], site_ids=["A", "B", "C"])["NEE"]["per_site"]
    assert fine["n_failed_sites"] == 0 and fine["median"]["r2"] > 0.9
    sim[2] = np.nan  # site C: no prediction at all (its n is 0, below min_site_obs)
    failed = core.score_targets(obs, sim, ["NEE"], site_ids=["A", "B", "C"])["NEE"]
    assert failed["pooled"]["n_failed"] == 40 and math.isnan(failed["pooled"]["r2"])
    assert failed["per_site"]["n_failed_sites"] == 1
    assert all(
        math.isnan(v) for v in [*failed["per_site"]["mean"].values(), *failed["per_site"]["median"].values()]
    )


def test_cumulative_scores_without_any_usable_sequence_are_nan_and_counted():
    scores = core.cumulative_scores([np.array([np.nan, 1.0])], [np.array([1.0, 1.0])])
    assert scores["n"] == 0 and scores["n_excluded"] == 1
    assert all(math.isnan(scores[m]) for m in core.CUMULATIVE_METRIC_NAMES)
    one = core.cumulative_scores([np.array([1.0, 1.0])], [np.array([2.0, 2.0])])
    assert one["mae"] == 1.0 and one["relative_bias"] == 1.0 and math.isnan(one["r2"])  # r2 needs 2 sums


def test_score_targets_adds_cumulative_scores_for_n2o_only_by_default():
    rng = np.random.default_rng(5)
    obs = rng.gamma(2.0, 1e-3, size=(6, 40, 2))
    sim = obs * rng.normal(1.0, 0.3, size=obs.shape)
    obs[:, rng.random(40) < 0.8, 1] = np.nan  # N2O: chamber sampling days only
    scores = core.score_targets(obs, sim, ["NEE", "N2O_FLUX"], site_ids=list("AABBCC"))
    assert "cumulative" not in scores["NEE"]
    assert scores["N2O_FLUX"]["cumulative"] == core.cumulative_scores(obs[..., 1], sim[..., 1])
    named = core.score_targets(obs, sim, ["NEE", "N2O_FLUX"], cumulative_targets=["NEE"])
    assert "cumulative" in named["NEE"] and "cumulative" not in named["N2O_FLUX"]
    with pytest.raises(SchemaError, match="GPP"):
        core.score_targets(obs, sim, ["NEE", "N2O_FLUX"], cumulative_targets=["GPP"])
    with pytest.raises(SchemaError, match="daily sequences"):
        core.score_targets(obs[:, 0], sim[:, 0], ["NEE", "N2O_FLUX"], cumulative_targets=["N2O_FLUX"])
    assert "cumulative" not in core.score_targets(obs[:, 0], sim[:, 0], ["NEE", "N2O_FLUX"])["N2O_FLUX"]


def test_evaluate_module_sums_each_example_on_its_own(agroflux_metric):
    nan = float("nan")
    # concatenated, the last day of example 0 and the first of example 1 would span a period
    obs = [[nan, nan, 1.0], [3.0, nan, nan], [2.0, nan, 4.0, 1.0]]
    sim = [[0.0, 0.0, 2.0], [2.0, 0.0, 0.0], [1.0, 5.0, 1.0, 1.0]]
    got = agroflux_metric.compute(predictions=sim, references=obs, target_names=["N2O_FLUX"])
    expected = core.cumulative_scores([np.array(o) for o in obs], [np.array(s) for s in sim])
    cumulative = got["N2O_FLUX"]["cumulative"]
    assert cumulative["n"] == 1 and cumulative["n_excluded"] == 2
    assert cumulative["obs"][2] == 8.5 and cumulative["sim"][2] == 3.0
    for key in ("n", "n_excluded", "sampling_days", *core.CUMULATIVE_METRIC_NAMES):
        np.testing.assert_equal(cumulative[key], expected[key])
    assert (
        "cumulative"
        not in agroflux_metric.compute(
            predictions=sim, references=obs, target_names=["N2O_FLUX"], cumulative_targets=[]
        )["N2O_FLUX"]
    )


def test_evaluate_module_accepts_the_flat_form_of_the_built_in_regression_metrics(agroflux_metric):
    obs = [1.0, 2.0, float("nan"), 5.0, 4.0]
    sim = [1.5, 2.0, 7.0, 4.0, 4.5]
    got = agroflux_metric.compute(predictions=sim, references=obs)
    expected = core.all_metrics(np.array(obs), np.array(sim))
    assert got["value"]["pooled"] == pytest.approx(expected, nan_ok=True)
    agroflux_metric.add_batch(predictions=sim[:2], references=obs[:2])
    agroflux_metric.add_batch(predictions=sim[2:], references=obs[2:])
    assert agroflux_metric.compute()["value"]["pooled"] == pytest.approx(expected, nan_ok=True)


def test_flat_form_with_per_row_sites_and_two_targets(agroflux_metric):
    # rows: (NEE, GPP) per day; three days at site A, two at site B
    obs = [1.0, 5.0, 2.0, 6.0, 3.0, 7.0, 0.0, 1.0, 1.0, 3.0]
    sim = [1.5, 5.0, 2.0, 6.5, 2.5, 7.0, 0.5, 1.0, 1.0, 2.0]
    got = agroflux_metric.compute(
        predictions=sim, references=obs, target_names=["NEE", "GPP"], site_ids=list("AAABB"), min_site_obs=1
    )
    nee_a = core.all_metrics(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.5]))
    assert got["NEE"]["sites"]["A"] == pytest.approx(nee_a)
    assert got["GPP"]["pooled"]["n"] == 5
    with pytest.raises(ValueError, match="site_ids has 2 ids for 5 rows"):
        agroflux_metric.compute(
            predictions=sim, references=obs, target_names=["NEE", "GPP"], site_ids=["A", "B"]
        )


def test_every_metric_says_which_value_is_best():
    assert set(core.BEST_VALUE) == set(core.METRIC_NAMES)
    assert core.BEST_VALUE["bias"] == "zero" and core.BEST_VALUE["r2"] == "max"
