"""The benchmark: baselines on synthetic sequences, the planner, leaderboard writers, figures, end to end."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import shutil
import sys
import types
from dataclasses import dataclass, field, replace
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.benchmark import leaderboard, plots, runner
from agroflux_hf.benchmark.baselines import (
    ArrayPredictions,
    ClimatologyBaseline,
    GradientBoostingBaseline,
    SplitArrays,
    day_of_year_index,
    lagged_weather_features,
    smoothed_day_of_year_mean,
    trailing_window_mean,
    trailing_window_sum,
)
from agroflux_hf.benchmark.presets import QUICK, TASKS, TINY, BaselineSettings, expand_tasks, get_preset
from agroflux_hf.files import json_safe
from agroflux_hf.metrics.core import r2, score_targets

T = schema.SEQUENCE_LENGTH
INPUTS = ("TMAX", "TMIN", "PRECIP", "SW_IN")
STATICS = ("SAND", "CROPLAND")
TARGETS = ("GPP", "NEE")


# ---------------------------------------------------------------------------------------------
# synthetic sequences in the contract's layout
# ---------------------------------------------------------------------------------------------


def synthetic_examples(sites: list[str], years: list[int], seed: int, gap: float = 0.2) -> dict:
    """Site-years whose GPP follows the day's radiation and the past week's temperature, NEE follows GPP.

    Radiation and temperature carry day-to-day weather noise on top of the seasonal cycle, so a model
    that reads the drivers can beat the day-of-year climatology; targets have random gaps (NaN).
    """
    rng = np.random.default_rng(seed)
    doy = np.arange(T)
    season = np.sin(2 * np.pi * (doy - 80) / T)
    columns: dict[str, list] = {
        k: [] for k in ("site_id", "year", "experiment", "first_date", "source", "domain")
    }
    columns |= {schema.PAST_VALUES: [], schema.STATIC_FEATURES: [], schema.TARGET_VALUES: []}
    for s, site in enumerate(sites):
        sand = 100.0 + 50 * s
        for year in years:
            sw = np.clip(15 + 9 * season + rng.normal(0, 5, T), 0.5, None)
            tmax = 16 + 12 * season + rng.normal(0, 4, T)
            tmin = tmax - 9 + rng.normal(0, 1, T)
            precip = rng.exponential(4, T) * (rng.random(T) < 0.3)
            warm = pd.Series((tmax + tmin) / 2).rolling(7, min_periods=1).mean().shift(1).bfill().to_numpy()
            gpp = np.clip(0.45 * sw * (warm > 8) + 0.01 * sand / 10, 0, None) + rng.normal(0, 0.3, T)
            nee = 1.5 + 0.05 * tmax - 0.7 * gpp + rng.normal(0, 0.3, T)
            targets = np.stack([gpp, nee], axis=1).astype(np.float32)
            targets[rng.random((T, 2)) < gap] = np.nan
            past = np.stack([tmax, tmin, precip, sw], axis=1).astype(np.float32)
            past[rng.random(T) < 0.02, 3] = np.nan  # a few missing radiation days
            columns["site_id"].append(site)
            columns["year"].append(year)
            columns["experiment"].append(schema.NO_EXPERIMENT)
            columns["first_date"].append(f"{year}-01-01")
            columns["source"].append("tower")
            columns["domain"].append("observation")
            columns[schema.PAST_VALUES].append(past)
            columns[schema.STATIC_FEATURES].append([sand, 1.0])
            columns[schema.TARGET_VALUES].append(targets)
    return columns


FEATURES = datasets.Features(
    {
        "source": datasets.Value("string"),
        "domain": datasets.Value("string"),
        "site_id": datasets.Value("string"),
        "experiment": datasets.Value("int32"),
        "year": datasets.Value("int32"),
        "first_date": datasets.Value("string"),
        schema.PAST_VALUES: datasets.Array2D((T, len(INPUTS)), "float32"),
        schema.STATIC_FEATURES: datasets.Sequence(datasets.Value("float32"), length=len(STATICS)),
        schema.TARGET_VALUES: datasets.Array2D((T, len(TARGETS)), "float32"),
    }
)


def synthetic_split(sites, years, seed) -> datasets.Dataset:
    return datasets.Dataset.from_dict(synthetic_examples(sites, years, seed), features=FEATURES)


def synthetic_dataset_dict(seed: int = 0) -> datasets.DatasetDict:
    return datasets.DatasetDict(
        train=synthetic_split(["A", "B", "C"], [2001, 2002, 2003], seed),
        validation=synthetic_split(["A", "B", "C"], [2004], seed + 1),
        test=synthetic_split(["A", "B", "C"], [2005], seed + 2),
    )


def pooled_r2(predictions: ArrayPredictions, k: int) -> float:
    return r2(predictions.obs[..., k], predictions.predicted[..., k])


# ---------------------------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------------------------


def test_trailing_windows_exclude_the_day_and_skip_gaps():
    values = np.array([[1.0, 2.0, np.nan, 4.0, 5.0, 6.0]])
    mean3 = trailing_window_mean(values, 3)
    # day 0 has no predecessor; day 3 averages days 0-2 (2 observed); day 5 averages days 2-4
    np.testing.assert_allclose(mean3[0], [np.nan, 1.0, 1.5, 1.5, 3.0, 4.5])
    sum3 = trailing_window_sum(values, 3)
    np.testing.assert_allclose(sum3[0], [np.nan, 1.0, 3.0, 4.5, 9.0, 13.5])  # gap filled by the window mean


def test_lag_features_have_the_documented_names_and_follow_the_inputs():
    arrays = SplitArrays.from_dataset(synthetic_split(["A"], [2001], 3))
    features, names = lagged_weather_features(arrays, INPUTS, STATICS)
    assert features.shape == (1, T, len(names))
    for expected in ("T_MEAN_mean_prev7d", "PRECIP_sum_prev30d", "SW_IN_mean_prev3d", "DOY_SIN", "SAND"):
        assert expected in names
    t_mean = (arrays.past_values[0, :, 0] + arrays.past_values[0, :, 1]) / 2
    day = 100
    np.testing.assert_allclose(
        features[0, day, names.index("T_MEAN_mean_prev7d")], t_mean[day - 7 : day].mean(), rtol=1e-5
    )
    np.testing.assert_allclose(features[0, :, names.index("SAND")], 100.0)


def test_gbt_beats_climatology_when_the_target_follows_the_drivers():
    data = synthetic_dataset_dict()
    train, test = SplitArrays.from_dataset(data["train"]), SplitArrays.from_dataset(data["test"])
    settings = BaselineSettings(gbt_max_iter=50)
    gbt = GradientBoostingBaseline(INPUTS, STATICS, TARGETS, settings=settings).fit(train)
    clim = ClimatologyBaseline(TARGETS, window=15).fit(train)
    gbt_pred, clim_pred = gbt.predict(test), clim.predict(test)
    assert gbt_pred.predicted.shape == test.targets.shape == clim_pred.predicted.shape
    for k, _target in enumerate(TARGETS):
        assert pooled_r2(gbt_pred, k) > pooled_r2(clim_pred, k) + 0.1
        assert pooled_r2(gbt_pred, k) > 0.6
    # trained on observed site-days only: the row count is the number of non-NaN targets
    assert gbt.train_rows["GPP"] == int(np.isfinite(train.targets[..., 0]).sum())
    # missing observations stay missing in the returned obs
    assert np.array_equal(np.isnan(gbt_pred.obs), np.isnan(test.targets))


def test_gbt_ignores_features_never_observed_or_constant_on_its_rows():
    # towers without a rain gauge: PRECIP all NaN; CROPLAND the same at every training site
    arrays = SplitArrays.from_dataset(synthetic_split(["A", "B"], [2001, 2002], 7))
    arrays.past_values[:, :, INPUTS.index("PRECIP")] = np.nan
    gbt = GradientBoostingBaseline(INPUTS, STATICS, TARGETS, BaselineSettings(gbt_max_iter=10)).fit(arrays)
    used = {gbt.feature_names[j] for j in gbt.columns["GPP"]}
    assert "CROPLAND" not in used and "PRECIP" not in used and "PRECIP_sum_prev7d" not in used
    assert "SW_IN" in used
    assert np.isfinite(gbt.predict(arrays).predicted).all()
    # a target never observed in training gets no prediction rather than an invented one
    arrays.targets[:, :, 1] = np.nan
    unobserved = GradientBoostingBaseline(INPUTS, STATICS, TARGETS, BaselineSettings(gbt_max_iter=10)).fit(
        arrays
    )
    assert np.isnan(unobserved.predict(arrays).predicted[..., 1]).all()


def test_gbt_tells_a_missing_input_from_any_observed_value():
    # GPP says only whether TMAX was measured today, NEE whether SW_IN was, and SW_IN reads 0 whenever
    # it is measured: the trees must see each input's missingness, as the networks' observed flags do.
    # Filling a gap with the mean or 0 would make a filled day look like a measured one.
    arrays = SplitArrays.from_dataset(synthetic_split(["A", "B"], [2001, 2002], 5))
    rng = np.random.default_rng(0)
    tmax, sw_in = INPUTS.index("TMAX"), INPUTS.index("SW_IN")
    no_tmax, no_sw_in = rng.random((2, *arrays.past_values.shape[:2])) < 0.3
    values = arrays.past_values
    values[:, :, tmax] = np.where(no_tmax, np.nan, values[:, :, tmax])
    values[0, :2, tmax] = np.where(no_tmax[0, :2], np.nan, [np.nanmean(values[:, :, tmax]), 0.0])
    values[:, :, sw_in] = np.where(no_sw_in, np.nan, 0.0)
    arrays.targets[:, :, 0] = np.where(no_tmax, 5.0, 0.0)
    arrays.targets[:, :, 1] = np.where(no_sw_in, -3.0, 1.0)
    gbt = GradientBoostingBaseline(INPUTS, STATICS, TARGETS, BaselineSettings(gbt_max_iter=60)).fit(arrays)
    assert "SW_IN" in {gbt.feature_names[j] for j in gbt.columns["NEE"]}  # constant where observed
    np.testing.assert_allclose(gbt.predict(arrays).predicted, arrays.targets, atol=0.3)
    assert np.isnan(values[:, :, tmax]).sum() == no_tmax.sum()  # nothing was filled


def test_climatology_equals_the_day_of_year_mean():
    rng = np.random.default_rng(5)
    doy = np.arange(T)
    base = 3 + 2 * np.sin(2 * np.pi * doy / T)
    offsets = np.array([-1.0, 0.0, 1.0])  # sites around the mean: the climatology is `base`
    targets = np.stack([base + o for o in offsets])[:, :, None].astype(np.float32)
    targets[0, rng.choice(T, 50, replace=False), 0] = np.nan  # gaps: the mean is over what is observed
    arrays = SplitArrays(
        past_values=np.zeros((3, T, 1), np.float32),
        static=np.zeros((3, 0), np.float32),
        targets=targets,
        site_ids=np.array(["a", "b", "c"]),
        years=np.array([2001, 2001, 2001]),
        experiments=np.full(3, -1),
        first_dates=np.array(["2001-01-01", "", "2001-01-01"]),
    )
    clim = ClimatologyBaseline(("GPP",), window=1).fit(arrays)
    expected = np.nanmean(targets[:, :, 0], axis=0)
    np.testing.assert_allclose(clim.table[:, 0], expected, rtol=1e-6)
    # a centred window keeps a linear seasonal shape exactly where it fits inside the year
    linear = np.broadcast_to(np.arange(T, dtype=np.float64), (2, T))
    smoothed, counts = smoothed_day_of_year_mean(linear, np.broadcast_to(np.arange(T), (2, T)), 15)
    np.testing.assert_allclose(smoothed[7:-7], np.arange(T)[7:-7])
    assert counts[100] == 30


def test_climatology_is_per_site_for_seen_sites_and_pooled_for_new_ones():
    doy = np.arange(T)
    base = 3 + 2 * np.sin(2 * np.pi * doy / T)
    targets = np.stack([base - 1, base + 1])[:, :, None].astype(np.float32)  # site a low, site b high
    targets[0, 100:140, 0] = np.nan  # site a unobserved for 40 days: the pooled cycle answers there

    def arrays(sites: list[str], values: np.ndarray) -> SplitArrays:
        n = len(sites)
        return SplitArrays(
            past_values=np.zeros((n, T, 1), np.float32),
            static=np.zeros((n, 0), np.float32),
            targets=values,
            site_ids=np.array(sites),
            years=np.full(n, 2001),
            experiments=np.full(n, -1),
            first_dates=np.full(n, ""),
        )

    clim = ClimatologyBaseline(("GPP",), window=1, min_site_obs=1).fit(arrays(["a", "b"], targets))
    test = arrays(["a", "b", "new"], np.full((3, T, 1), np.nan, np.float32))
    predicted = clim.predict(test).predicted[:, :, 0]
    np.testing.assert_allclose(predicted[0, :100], base[:100] - 1, rtol=1e-6)  # a's own cycle
    np.testing.assert_allclose(predicted[0, 100:140], base[100:140] + 1, rtol=1e-6)  # only b seen then
    np.testing.assert_allclose(predicted[1], base + 1, rtol=1e-6)  # b's own cycle
    pooled = np.nanmean(targets[:, :, 0], axis=0)
    np.testing.assert_allclose(predicted[2], pooled, rtol=1e-6)  # a site never seen: pooled
    # a sparsely sampled site (one value per window) keeps the pooled cycle: one value is no cycle
    sparse = ClimatologyBaseline(("GPP",), window=3, min_site_obs=3).fit(arrays(["a", "b"], targets))
    rows = sparse.predict(test).predicted[:, :, 0]
    pooled3 = sparse.table[:, 0]
    np.testing.assert_allclose(rows[0, 10:90], base[10:90] - 1, rtol=1e-3)  # 3 values per window: own
    np.testing.assert_allclose(rows[0, 100:140], pooled3[100:140], rtol=1e-6)  # a's gap: pooled


def test_climatology_aligns_sequences_by_their_first_date():
    # a sequence that starts on July 1 sees July on its day 0
    assert day_of_year_index(np.array(["2003-07-01"]))[0, 0] == 181
    assert day_of_year_index(np.array([""]))[0, 0] == 0
    values = np.arange(T, dtype=np.float32)
    arrays = SplitArrays(
        past_values=np.zeros((1, T, 1), np.float32),
        static=np.zeros((1, 0), np.float32),
        targets=values[None, :, None],
        site_ids=np.array(["a"]),
        years=np.array([2001]),
        experiments=np.array([-1]),
        first_dates=np.array([""]),
    )
    clim = ClimatologyBaseline(("GPP",), window=1).fit(arrays)
    shifted = SplitArrays(**{**arrays.__dict__, "first_dates": np.array(["2001-07-01"])})
    np.testing.assert_allclose(clim.predict(shifted).predicted[0, 0, 0], 181.0)


# ---------------------------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeInfo:
    name: str
    domain: str
    scheme: str
    fold: int
    input_names: tuple[str, ...] = INPUTS
    static_names: tuple[str, ...] = STATICS
    target_names: tuple[str, ...] = TARGETS
    stats: dict = field(default_factory=dict)
    data_dir: Path | None = None  # in memory: no folder to fingerprint


def fake_infos(obs_folds: int = 4, sim_folds: int = 5, n2o_folds: int = 3) -> dict[str, FakeInfo]:
    infos = {}
    for dataset, domain, folds in (
        ("dssat_ceres_maize", "simulation", sim_folds),
        ("dssat_ixim_maize", "simulation", sim_folds),
        ("co2", "observation", obs_folds),
        ("n2o", "observation", n2o_folds),
    ):
        infos[f"temporal_{dataset}"] = FakeInfo(f"temporal_{dataset}", domain, "temporal", 0)
        for k in range(folds):
            name = f"spatial_{dataset}" + (f"_fold{k}" if k else "")
            infos[name] = FakeInfo(name, domain, "spatial", k)
    return infos


def test_quick_plan_covers_every_model_task_and_tower_fold():
    specs = runner.plan_runs(QUICK, fake_infos())
    ids = [s.run_id for s in specs]
    assert len(ids) == len(set(ids))
    networks, baselines = 6, 2
    # T0: temporal + spatial fold 0; T1: temporal + 4 tower folds, temporal + 3 chamber folds
    t0_configs, t1_configs = 2, 5 + 4
    expected = (networks + baselines) * (t0_configs + t1_configs) + 2 * networks * t1_configs
    assert len(specs) == expected
    assert {s.dataset for s in specs if s.task == "t2-finetune"} == {"co2", "n2o"}
    assert {s.config for s in specs if s.task == "t0"} == {
        "temporal_dssat_ceres_maize",
        "spatial_dssat_ceres_maize",
    }
    assert {s.fold for s in specs if s.task == "t1" and s.scheme == "spatial" and s.dataset == "co2"} == {
        0,
        1,
        2,
        3,
    }
    assert not [s for s in specs if s.kind == "baseline" and s.task.startswith("t2")]
    position = {s.run_id: i for i, s in enumerate(specs)}
    for spec in specs:
        if spec.pretrain_run_id:  # T2 starts from a T0 run of the same model and split scheme, run before
            assert position[spec.pretrain_run_id] < position[spec.run_id]
            assert spec.source_config == f"{spec.scheme}_dssat_ceres_maize"


def test_paper_plan_runs_every_transfer_before_t0_on_the_other_folds():
    """T2 on any fold reads T0's fold 0, so a stopped paper run has the whole transfer table before
    T0's spatial folds 1-4 (hours each) start, and the first simulator's part before the second's T0."""
    specs = runner.plan_runs(get_preset("paper").with_seeds((0,)), fake_infos())
    position = {s.run_id: i for i, s in enumerate(specs)}
    spatial = [s for s in specs if s.scheme == "spatial" and s.task != "t1"]
    t2 = [position[s.run_id] for s in spatial if s.task.startswith("t2")]
    later_t0 = [position[s.run_id] for s in spatial if s.task == "t0" and s.fold > 0]
    first_t0 = [position[s.run_id] for s in spatial if s.task == "t0" and s.fold == 0]
    assert t2 and later_t0 and first_t0
    assert max(first_t0) < max(t2) and max(t2) < min(later_t0)
    assert {s.fold for s in spatial if s.task.startswith("t2")} == {0, 1, 2, 3}
    # simulator by simulator: a source's fold-0 T0, then every T2 run from it, then the next source's T0
    sources = sorted({s.source_config for s in spatial if s.source_config})
    assert len(sources) == 2
    for source, following in zip(sources, [*sources[1:], None], strict=True):
        own_t0 = [position[s.run_id] for s in spatial if s.task == "t0" and s.config == source]
        from_it = [position[s.run_id] for s in spatial if s.source_config == source]
        assert max(own_t0) < min(from_it)
        if following is not None:
            next_t0 = [position[s.run_id] for s in spatial if s.task == "t0" and s.config == following]
            assert max(from_it) < min(next_t0)
    temporal = [s.task for s in specs if s.scheme == "temporal" and s.task != "t1"]
    assert temporal.index("t0") < temporal.index("t2-finetune")  # the temporal slice first, as before
    assert max(position[s.run_id] for s in specs if s.scheme == "temporal") < min(first_t0)


def test_plan_adds_the_t0_runs_that_t2_needs_and_rejects_unknown_names():
    preset = TINY.restricted(("lstm",), ("t2-finetune",))
    specs = runner.plan_runs(preset, fake_infos(obs_folds=2))
    assert {s.task for s in specs} == {"t0", "t2-finetune"}
    assert {s.model for s in specs} == {"lstm"}
    assert expand_tasks(["t2", "t0"]) == ("t0", "t2-finetune", "t2-adversarial")
    with pytest.raises(ValueError, match="unknown task"):
        expand_tasks(["t3"])
    with pytest.raises(ValueError, match="unknown model"):
        TINY.restricted(("lstn",), None)
    with pytest.raises(ValueError, match="no simulation dataset"):
        runner.plan_runs(QUICK, {k: v for k, v in fake_infos().items() if "dssat" not in k})
    assert schema.parse_config_name("spatial_co2_fold3") == ("spatial", "co2", 3)
    assert schema.parse_config_name("spatial_dssat_ixim_maize") == ("spatial", "dssat_ixim_maize", 0)


@pytest.mark.parametrize("preset_name", ["quick", "paper", "full", "tiny"])
def test_every_preset_builds_every_architecture(preset_name):
    from agroflux_hf.models import MODEL_NAMES, build_model

    preset = get_preset(preset_name)
    assert set(preset.models) <= set(MODEL_NAMES) and set(TASKS) == set(preset.stages)
    for name in preset.models:
        overrides = preset.overrides_for(name)
        model = build_model(name, input_names=INPUTS, static_names=STATICS, target_names=TARGETS, **overrides)
        assert model.config.hidden_size == overrides["hidden_size"]
    assert json.dumps(preset.to_dict())  # recorded verbatim in run_config.json


# ---------------------------------------------------------------------------------------------
# leaderboard writers
# ---------------------------------------------------------------------------------------------


def synthetic_rows() -> list[dict]:
    rows = []
    for model, kind, base in (("lstm", "network", 0.8), ("tcn", "network", 0.7), ("gbt", "baseline", 0.6)):
        for fold in range(3):
            for target in TARGETS:
                rows.append(
                    {
                        "model": model, "kind": kind, "task": "t1", "dataset": "co2", "source_dataset": "",
                        "config": "spatial_co2" + (f"_fold{fold}" if fold else ""), "source_config": "",
                        "scheme": "spatial", "fold": fold, "target": target, "r2": base + 0.01 * fold,
                        "rmse": 1 - base, "mae": 0.5, "nse": base, "kge": base, "bias": 0.1 * (fold - 1),
                        "n": 100, "site_r2_mean": base - 0.1, "site_r2_median": base - 0.05, "n_sites": 1,
                        "run_id": f"t1__{model}__{fold}",
                    }
                )  # fmt: skip
    return rows


def test_leaderboard_files_aggregate_over_folds(tmp_path):
    frame = leaderboard.leaderboard_frame(synthetic_rows())
    assert list(frame.columns) == list(leaderboard.LEADERBOARD_COLUMNS)
    assert set(frame["unit"]) == {"g C m-2 d-1"}
    leaderboard.write_csv(frame, tmp_path / "leaderboard.csv")
    assert len(pd.read_csv(tmp_path / "leaderboard.csv")) == 3 * 3 * 2

    summary = leaderboard.aggregate_over_folds(frame)
    lstm_gpp = summary[(summary["model"] == "lstm") & (summary["target"] == "GPP")].iloc[0]
    assert lstm_gpp["r2_mean"] == pytest.approx(0.81)
    assert lstm_gpp["r2_std"] == pytest.approx(0.01)
    assert lstm_gpp["folds"] == 3
    # a fold whose test sites never observe the target (n 0, R² NaN) is not counted as a scored fold
    unobserved = frame.index[(frame["model"] == "lstm") & (frame["target"] == "GPP") & (frame["fold"] == 2)]
    partly = frame.copy()
    partly.loc[unobserved, ["r2", "rmse", "mae", "n"]] = [np.nan, np.nan, np.nan, 0]
    row = leaderboard.aggregate_over_folds(partly).query("model == 'lstm' and target == 'GPP'").iloc[0]
    scored = frame.drop(index=unobserved).query("model == 'lstm' and target == 'GPP'")
    assert row["folds"] == 2 and row["r2_mean"] == pytest.approx(scored["r2"].mean())

    markdown = leaderboard.render_markdown(frame, notes=["a note"])
    assert "## T1 co2, spatial scheme" in markdown and "0.810 ± 0.010" in markdown and "- a note" in markdown

    paths = leaderboard.write_latex_tables(frame, tmp_path / "tables")
    assert sorted(p.name for p in paths) == sorted(f"{m}.tex" for m in leaderboard.METRICS)
    tex = (tmp_path / "tables" / "r2.tex").read_text()
    assert "\\toprule" in tex and "\\textbf{0.810 $\\pm$ 0.010}" in tex  # best R² in bold
    assert "GPP (g C m-2 d-1)" in tex and "T1 co2" in tex
    # like the paper, the tables show the headline fluxes (every target stays in the CSV and Markdown)
    dssat = ["YIELD", "SWC_1", "ET", "N2O_FLUX", "LAI", "TS_1"]
    assert leaderboard.headline_targets(dssat) == ["N2O_FLUX", "ET", "YIELD", "LAI"]
    wide = frame.assign(dataset="dssat_ceres_maize", task="t0")
    wide = pd.concat([wide.assign(target=t) for t in dssat], ignore_index=True)
    wide_tex = leaderboard.render_latex(wide, "r2")
    assert "N2O\\_FLUX (g N m-2 d-1)" in wide_tex and "TS\\_1" not in wide_tex
    rmse_tex = (tmp_path / "tables" / "rmse.tex").read_text()
    assert "\\textbf{0.200 $\\pm$ 0.000}" in rmse_tex  # lowest RMSE in bold
    assert rmse_tex.index("\\midrule\ngbt") > rmse_tex.index("tcn")  # baselines below the networks


def n2o_outcome(model: str, fold: int, scale: float) -> runner.RunOutcome:
    """A finished T1 run on chamber-like N2O (sampled on ~1 day in 10; one sequence sampled once)."""
    rng = np.random.default_rng(fold)
    obs = rng.gamma(2.0, 1e-3, size=(5, T, 2))
    obs[:, rng.random(T) < 0.9, 1] = np.nan
    obs[0, :, 1] = np.nan
    obs[0, 100, 1] = 2e-3
    sim = np.where(np.isnan(obs), 1e-3, obs) * scale
    scores = score_targets(obs, sim, ["NEE", "N2O_FLUX"], site_ids=list("AABBC"))
    spec = runner.RunSpec(model, "t1", f"temporal_n2o_fold{fold}", "n2o", "temporal", fold)
    # as the runner reads it back from metrics.json: NaN stored as null
    return runner.RunOutcome(spec, "ok", scores={"test": json.loads(json.dumps(json_safe(scores)))})


def test_leaderboard_adds_cumulative_n2o_columns_and_table():
    outcomes = [n2o_outcome(m, f, s) for m, s in (("lstm", 1.1), ("gbt", 1.5)) for f in (0, 1)]
    rows = [row for o in outcomes for row in runner.leaderboard_rows(o)]
    n2o = next(r for r in rows if r["target"] == "N2O_FLUX" and r["model"] == "gbt" and r["fold"] == 1)
    expected = outcomes[3].scores["test"]["N2O_FLUX"]["cumulative"]
    assert n2o["cum_n"] == 4 and n2o["cum_excluded"] == 1
    assert n2o["cum_mae"] == pytest.approx(expected["mae"]) and n2o["cum_relative_bias"] == pytest.approx(0.5)
    assert not any(k.startswith("cum_") for k in next(r for r in rows if r["target"] == "NEE"))

    frame = leaderboard.leaderboard_frame(rows)
    columns = list(leaderboard.LEADERBOARD_COLUMNS)
    assert list(frame.columns) == [*columns[:-1], *leaderboard.CUMULATIVE_COLUMNS, "run_id"]
    assert frame.loc[frame["target"] == "NEE", "cum_mae"].isna().all()
    summary = leaderboard.aggregate_over_folds(frame)
    lstm = summary[(summary["model"] == "lstm") & (summary["target"] == "N2O_FLUX")].iloc[0]
    assert lstm["cum_relative_bias_mean"] == pytest.approx(0.1) and lstm["cum_n"] == 8
    markdown = leaderboard.render_markdown(frame)
    assert "| N2O_FLUX (g N m-2) | lstm |" in markdown and "| 2 | 8 (2) |" in markdown
    assert "R² of sums" in markdown and "(g N m-2 d-1)" in markdown  # daily table keeps the flux unit
    assert "cum_mae" not in leaderboard.leaderboard_frame(synthetic_rows()).columns


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------


def _is_png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 5_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_write_non_empty_pngs(tmp_path):
    data = synthetic_dataset_dict()
    train, test = SplitArrays.from_dataset(data["train"]), SplitArrays.from_dataset(data["test"])
    clim = ClimatologyBaseline(TARGETS).fit(train).predict(test)
    gbt = GradientBoostingBaseline(INPUTS, STATICS, TARGETS, BaselineSettings(gbt_max_iter=20)).fit(train)
    gbt_pred = gbt.predict(test)
    assert _is_png(plots.plot_series(gbt_pred, tmp_path / "series.png", title="series"))
    assert _is_png(
        plots.plot_scatter({"gbt": gbt_pred, "climatology": clim}, "NEE", tmp_path / "s.png", title="scatter")
    )
    sites = pd.DataFrame(
        {
            "site_id": ["US-Tw3", "FR-Hes"] * 2,
            "target": ["GPP", "GPP", "NEE", "NEE"],
            "r2": [0.5, np.nan, 0.2, -0.3],
        }
    )
    assert _is_png(plots.plot_site_scores(sites, tmp_path / "bars.png", title="bars"))
    with_coordinates = sites.assign(latitude=[38.1, 48.7] * 2, longitude=[-121.6, 7.1] * 2)
    assert _is_png(plots.plot_site_scores(with_coordinates, tmp_path / "map.png", title="map"))
    assert plots._distinct_coordinates(with_coordinates)
    assert not plots._distinct_coordinates(sites.assign(latitude=42.0, longitude=-93.0))  # one station: bars
    frame = leaderboard.leaderboard_frame(synthetic_rows())
    t2 = frame.assign(task="t2-finetune", r2=frame["r2"] + 0.05, source_dataset="dssat_ceres_maize")
    gains = plots.transfer_gains(pd.concat([frame, t2]))
    assert np.allclose(gains["gain"], 0.05)
    assert _is_png(plots.plot_transfer_gain(gains, tmp_path / "gain.png", title="gain"))


def test_transfer_gain_bars_lead_with_the_best_and_carry_the_spread():
    """The figure's first group is best T2 minus best T1 (the leaderboard's headline); each
    architecture's bar is its mean paired gain, the whisker the std over folds and seeds."""
    pairs = pd.DataFrame(
        {
            "model": ["lstm", "lstm", "tcn", "tcn"],
            "target": "NEE",
            "r2": [0.50, 0.70, 0.40, 0.40],
            "r2_t1": [0.40, 0.40, 0.65, 0.55],
        }
    ).assign(gain=lambda f: f["r2"] - f["r2_t1"])
    labels, values, spread = plots.gain_bars(pairs, "NEE")
    assert labels == ["best", "lstm", "tcn"]
    # best T2 mean (lstm 0.60) minus best T1 mean (tcn 0.60): 0, though every lstm pair gained
    assert values == pytest.approx([0.0, 0.20, -0.20])
    assert np.isnan(spread[0]) and spread[1:] == pytest.approx(
        [np.std([0.1, 0.3], ddof=1), np.std([-0.25, -0.15], ddof=1)]
    )
    labels, values, spread = plots.gain_bars(pairs.assign(gain=np.nan), "NEE")
    assert np.isnan(values).all()


# ---------------------------------------------------------------------------------------------
# end to end
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def synthetic_loading(monkeypatch):
    """The loading API over in-memory synthetic configs (one simulation, one observation dataset)."""
    infos = {
        name: FakeInfo(name, domain, scheme, fold)
        for name, domain, scheme, fold in (
            ("temporal_sim", "simulation", "temporal", 0),
            ("spatial_sim", "simulation", "spatial", 0),
            ("temporal_obs", "observation", "temporal", 0),
            ("spatial_obs", "observation", "spatial", 0),
            ("spatial_obs_fold1", "observation", "spatial", 1),
        )
    }
    data = {name: synthetic_dataset_dict(seed=i) for i, name in enumerate(infos)}
    module = importlib.import_module("agroflux_hf.data.loading") if _has_loading() else types.ModuleType("x")
    if not _has_loading():
        monkeypatch.setitem(sys.modules, "agroflux_hf.data.loading", module)
    monkeypatch.setattr(module, "list_configs", lambda data_dir=None: list(infos), raising=False)
    monkeypatch.setattr(module, "config_info", lambda c, data_dir=None: infos[c], raising=False)
    monkeypatch.setattr(module, "load_agroflux", lambda c, data_dir=None: data[c], raising=False)
    return infos


def _has_loading() -> bool:
    return importlib.util.find_spec("agroflux_hf.data.loading") is not None


def test_baseline_benchmark_writes_every_file_and_replaces_stale_results(tmp_path, synthetic_loading, caplog):
    from agroflux_hf.benchmark.presets import BenchmarkPreset

    preset = BenchmarkPreset(
        name="baselines",
        description="baselines only",
        models=(),
        tasks=("t0", "t1"),
        baseline_settings=BaselineSettings(gbt_max_iter=20),
    )
    out = tmp_path / "results"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.benchmark.runner"):
        result = runner.run_benchmark(out, preset=preset, data_dir="synthetic", progress=False)
    assert not result.failed
    assert not (out / "stale.txt").exists()
    assert [r.getMessage() for r in caplog.records if "dropping" in r.getMessage()] == [
        f"{out}: dropping stale.txt, not written by this benchmark (the output folder is the benchmark's; "
        "keep your own files beside it)"
    ]
    assert not list(tmp_path.glob(".results.*"))  # no building or old folder left behind
    frame = pd.read_csv(out / "leaderboard.csv")
    # 2 baselines x (2 simulation + 3 observation configs) x 2 targets
    assert len(frame) == 2 * 5 * 2
    assert {"model", "task", "config", "scheme", "fold", "target", "r2", "rmse", "mae", "nse", "kge", "bias",
            "n", "site_r2_mean", "site_r2_median"} <= set(frame.columns)  # fmt: skip
    gbt_r2 = frame[(frame["model"] == "gbt")]["r2"].mean()
    assert gbt_r2 > frame[(frame["model"] == "climatology")]["r2"].mean()
    for name in ("leaderboard.md", "README.md", "run_config.json", "site_scores.csv", "tables/r2.tex"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "runs" / "t1__gbt__spatial_obs_fold1__seed0" / "metrics.json").read_text())
    assert set(metrics) == {"validation", "test"}
    assert metrics["test"]["GPP"]["pooled"]["n"] > 0
    assert (out / "runs" / "t1__climatology__temporal_obs__seed0" / "model" / "climatology.csv").is_file()
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert {"series_t1_temporal_obs.png", "scatter_t1_temporal_obs_NEE.png", "sites_t1_obs.png"} <= figures
    assert all(_is_png(p) for p in (out / "figures").glob("*.png"))
    readme = (out / "README.md").read_text()
    assert "figures/series_t1_temporal_obs.png" in readme and "wall time" in readme
    assert math.isfinite(json.loads((out / "run_config.json").read_text())["wall_seconds"])
    # run again: every run is reused (its record names the same settings), the files are the same
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.benchmark.runner"):
        again = runner.run_benchmark(out, preset=preset, data_dir="synthetic", progress=False)
    assert all(o.reused for o in again.outcomes)
    assert not [r for r in caplog.records if "dropping" in r.getMessage()]  # its own files are not news
    pd.testing.assert_frame_equal(pd.read_csv(out / "leaderboard.csv"), frame)
    assert (out / "figures" / "series_t1_temporal_obs.png").is_file()  # predictions of reused runs
    # other settings of a baseline re-run it; --restart re-runs everything
    changed = replace(preset, baseline_settings=BaselineSettings(gbt_max_iter=21))
    rerun = runner.run_benchmark(out, preset=changed, data_dir="synthetic", progress=False)
    assert {o.spec.model for o in rerun.outcomes if not o.reused} == {"gbt"}
    assert {o.spec.model for o in rerun.outcomes if o.reused} == {"climatology"}
    restarted = runner.run_benchmark(out, preset=changed, data_dir="synthetic", restart=True, progress=False)
    assert not any(o.reused for o in restarted.outcomes) and not restarted.failed
    # a narrower call (one baseline) keeps the other runs' folders untouched, out of its tables
    gbt_runs = sorted(p.name for p in (out / "runs").iterdir() if "__gbt__" in p.name)
    narrow = runner.run_benchmark(
        out, preset=changed, data_dir="synthetic", models=["climatology"], progress=False
    )
    assert all(o.reused for o in narrow.outcomes) and {o.spec.model for o in narrow.outcomes} == {
        "climatology"
    }
    assert set(pd.read_csv(out / "leaderboard.csv")["model"]) == {"climatology"}
    assert sorted(p.name for p in (out / "runs").iterdir() if "__gbt__" in p.name) == gbt_runs
    assert f"also holds {len(gbt_runs)} run folder(s)" in (out / "README.md").read_text()
    whole = runner.run_benchmark(out, preset=changed, data_dir="synthetic", progress=False)
    assert all(o.reused for o in whole.outcomes) and "also holds" not in (out / "README.md").read_text()


# ---------------------------------------------------------------------------------------------
# end to end through the real exporter, loader, models and training (tiny preset)
# ---------------------------------------------------------------------------------------------

E2E_INPUTS = ("TMAX", "TMIN", "PRECIP", "SW_IN")
E2E_STATIC = ("SAND",)


def canonical_frame(
    source: str, site: int, years: range, targets: tuple[str, ...], seed: int
) -> pd.DataFrame:
    """A canonical daily table of one site: weather with a seasonal cycle, light-driven carbon fluxes."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(f"{years.start}-01-01", f"{years.stop - 1}-12-31", freq="D")
    dates = dates[~((dates.month == 2) & (dates.day == 29))]
    season = np.sin(2 * np.pi * (dates.day_of_year.to_numpy() - 80) / 365)
    n = len(dates)
    frame = pd.DataFrame(
        {"source": source, "domain": str(schema.SOURCE_DOMAIN[schema.Source(source)]),
         "site_id": f"{source[:3]}-{site}", "experiment": np.int64(schema.NO_EXPERIMENT), "date": dates}
    )  # fmt: skip
    frame["TMAX"] = (16 + 12 * season + rng.normal(0, 3, n)).astype(np.float32)
    frame["TMIN"] = (frame["TMAX"] - 9 + rng.normal(0, 1, n)).astype(np.float32)
    frame["PRECIP"] = (rng.exponential(4, n) * (rng.random(n) < 0.3)).astype(np.float32)
    frame["SW_IN"] = np.clip(15 + 9 * season + rng.normal(0, 4, n), 0.5, None).astype(np.float32)
    frame["SAND"] = np.float32(100 + 60 * site)
    gpp = np.clip(0.5 * frame["SW_IN"] * (frame["TMAX"] > 8), 0, None) + rng.normal(0, 0.3, n)
    reco = 1 + 0.08 * frame["TMAX"].clip(lower=0) + rng.normal(0, 0.2, n)
    values = {"GPP": gpp, "RECO": reco, "NEE": reco - gpp, "ET": 0.1 * frame["SW_IN"] + rng.normal(0, 0.2, n)}
    for target in targets:
        column = values[target].to_numpy(np.float32)
        if source == "tower":
            column[rng.random(n) < 0.3] = np.nan  # gaps in the observations
        frame[target] = column
    return frame


def tiny_specs() -> list:
    from agroflux_hf.data.builder import SourceSpec

    def frames(source: str, n_sites: int, targets: tuple[str, ...]):
        return lambda: (
            canonical_frame(source, s, range(2001, 2011), targets, 10 * s + 1) for s in range(n_sites)
        )

    targets = ("RECO", "GPP", "NEE", "ET")
    return [
        SourceSpec("dssat_ceres_maize", schema.Source.DSSAT_CERES_MAIZE, frames("dssat_ceres_maize", 5, targets),
                   E2E_INPUTS, E2E_STATIC, targets, description="synthetic simulation", n_folds=5),
        SourceSpec("co2", schema.Source.TOWER, frames("tower", 4, targets), E2E_INPUTS, E2E_STATIC, targets,
                   description="synthetic towers", n_folds=4),
    ]  # fmt: skip


needs_training = pytest.mark.skipif(
    importlib.util.find_spec("agroflux_hf.training") is None, reason="agroflux_hf.training not present"
)


def run_tiny(tmp_path, preset) -> tuple[Path, pd.DataFrame]:
    from agroflux_hf.data.export import export_dataset

    data_dir = export_dataset(tiny_specs(), tmp_path / "agroflux", progress=False)
    out = tmp_path / "results"
    result = runner.run_benchmark(out, preset=preset, data_dir=data_dir, progress=False)
    assert [o.spec.run_id for o in result.failed] == []
    assert not list(tmp_path.glob(".results.*"))
    return out, pd.read_csv(out / "leaderboard.csv")


def check_every_output(out: Path, frame: pd.DataFrame, schemes: set[str]) -> None:
    assert set(frame["model"]) == {"lstm", "tcn", "gbt", "climatology"}
    assert set(frame["task"]) == {"t0", "t1", "t2-finetune", "t2-adversarial"}
    assert set(frame.loc[frame["task"].str.startswith("t2"), "model"]) == {"lstm", "tcn"}  # no T2 baselines
    assert set(frame["scheme"]) == schemes
    assert frame["r2"].notna().all() and (frame["n"] > 0).all()
    assert not frame["sees_future"].any()  # LSTM, causal TCN, both baselines
    networks = frame[frame["kind"] == "network"]
    assert (networks["steps"] > 0).all() and networks["stopped_early"].isin([True, False]).all()
    assert frame.loc[frame["kind"] == "baseline", "steps"].isna().all()
    for name in ("leaderboard.md", "README.md", "run_config.json", "site_scores.csv"):
        assert (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in (out / "tables").iterdir()) == sorted(
        f"{m}.tex" for m in leaderboard.METRICS
    )
    figures = {p.name for p in (out / "figures").glob("*.png")}
    expected = {"series_t0_temporal_dssat_ceres_maize.png", "series_t1_temporal_co2.png", "transfer_gain.png",
                "scatter_t1_temporal_co2_NEE.png", "sites_t1_co2.png", "sites_t0_dssat_ceres_maize.png"}  # fmt: skip
    assert expected <= figures
    assert all(_is_png(out / "figures" / name) for name in figures)
    readme = (out / "README.md").read_text()
    assert all(f"figures/{name}" in readme for name in figures)


@needs_training
def test_a_partial_benchmark_reports_its_finished_runs_and_keeps_only_the_models_read_again(
    tmp_path, monkeypatch
):
    """The paper preset takes days on 2 cores: --keep-models needed leaves a folder small enough to
    commit, and --report-only reports the finished runs with the rest pending, training nothing."""
    import agroflux_hf.training
    from agroflux_hf.benchmark import execution, planning
    from agroflux_hf.data.export import export_dataset

    preset = TINY.restricted(("lstm", "climatology"), ("t0", "t1", "t2-finetune"))
    data_dir = export_dataset(tiny_specs(), tmp_path / "agroflux", progress=False)
    out = tmp_path / "results"
    first = runner.run_benchmark(out, preset=preset, data_dir=data_dir, keep_models="needed", progress=False)
    assert not first.failed and not first.pending
    runs = out / "runs"
    kept = {p.parent.name for p in runs.glob("*/best_model")}
    assert kept == {
        "t0__lstm__temporal_dssat_ceres_maize__seed0",  # drawn, and T2 starts from it
        "t0__lstm__spatial_dssat_ceres_maize__seed0",  # T2 spatial starts from it
        "t1__lstm__temporal_co2__seed0",  # drawn
        "t2-finetune__lstm__temporal_co2__from_temporal_dssat_ceres_maize__seed0",  # ships as a checkpoint
    }
    assert (runs / "t1__climatology__temporal_co2__seed0" / "model").is_dir()
    assert not (runs / "t1__climatology__spatial_co2__seed0" / "model").exists()
    frame = pd.read_csv(out / "leaderboard.csv")

    # a run not finished yet (its record gone) is pending in a report-only call, and nothing trains
    missing = "t1__lstm__spatial_co2__seed0"
    (runs / missing / execution.RUN_RECORD).unlink()
    monkeypatch.setattr(agroflux_hf.training, "train", lambda *a, **k: pytest.fail("report-only trained"))
    partial = runner.run_benchmark(out, preset=preset, data_dir=data_dir, report_only=True, progress=False)
    assert [o.spec.run_id for o in partial.pending] == [missing] and not partial.failed
    assert all(o.reused for o in partial.outcomes if o.status == "ok")
    again = pd.read_csv(out / "leaderboard.csv")
    assert set(again["run_id"]) == set(frame["run_id"]) - {missing}
    readme = (out / "README.md").read_text()
    rows = [line.split(" | ") for line in readme.splitlines() if line.startswith("| t1 | spatial | 0 |")]
    assert "## Progress" in readme and len(rows) == 1 and rows[0][4] == "1"  # one run pending
    # each record names the processor its time was taken on; the README counts the runs per processor
    record = json.loads((runs / "t1__lstm__temporal_co2__seed0" / execution.RUN_RECORD).read_text())
    assert record["cpu"] == execution.cpu_model() != ""
    n_ok = len(partial.outcomes) - 1
    assert f"the processor of the call that finished a run: {n_ok} on {record['cpu']}." in readme
    assert "Partial: 1 of" in (out / "leaderboard.md").read_text()
    assert (runs / missing).is_dir()  # kept for the next call to finish
    with pytest.raises(ValueError, match="restart"):
        runner.run_benchmark(out, preset=preset, data_dir=data_dir, report_only=True, restart=True)
    specs = runner.plan_runs(preset.with_seeds((0, 1)), infos_of(data_dir))
    order = [(s.task != "t1", s.seed, s.scheme == "spatial") for s in specs]
    assert order == sorted(order)  # whole slices first: T1 of every seed, then seed by seed, temporal first
    assert sorted(planning.RUN_TASK_ORDER) == sorted(TASKS)


def infos_of(data_dir) -> dict:
    from agroflux_hf.data.loading import config_infos

    return config_infos(data_dir)


@needs_training
def test_tiny_benchmark_end_to_end_writes_every_file(tmp_path):
    """Real exporter, loader, models and training in 2 worker processes; temporal scheme only (fast)."""
    out, frame = run_tiny(tmp_path, replace(TINY, split_schemes=("temporal",), workers=2))
    check_every_output(out, frame, {"temporal"})
    # networks: the leaderboard's scores are those train() wrote for its best checkpoint, and the
    # figures' predictions reproduce them through metrics.core
    row = frame[(frame["model"] == "lstm") & (frame["task"] == "t1") & (frame["config"] == "temporal_co2")]
    own = json.loads((out / "runs" / "t1__lstm__temporal_co2__seed0" / "metrics.json").read_text())["test"]
    for target, r2_value in zip(row["target"], row["r2"], strict=True):
        assert own[target]["pooled"]["r2"] == pytest.approx(r2_value, rel=1e-4)
    t2_run = out / "runs" / "t2-finetune__tcn__temporal_co2__from_temporal_dssat_ceres_maize__seed0"
    assert (t2_run / "best_model" / "config.json").is_file()
    assert not (t2_run / "checkpoints").exists()
    pretrained = json.loads((t2_run / "run_config.json").read_text())["pretrained"]
    assert pretrained.endswith("t0__tcn__temporal_dssat_ceres_maize__seed0/best_model")


@needs_training
def test_a_benchmark_run_again_reuses_finished_runs_and_adds_seeds(tmp_path, monkeypatch):
    """Tiny preset (LSTM, climatology; T0, T1, T2 fine-tune; temporal): delete one run's results, run
    again, and only that run executes; a run killed mid-training continues from its checkpoint; new
    seeds add runs beside the reused ones."""
    import agroflux_hf.training
    from agroflux_hf.benchmark import execution

    preset = replace(TINY, split_schemes=("temporal",)).restricted(
        ("lstm", "climatology"), ("t0", "t1", "t2-finetune")
    )
    out, frame = run_tiny(tmp_path, preset)
    assert len(frame) and (frame["seed"] == 0).all()
    lstm_t1 = "t1__lstm__temporal_co2__seed0"
    shutil.rmtree(out / "runs" / lstm_t1)
    again = runner.run_benchmark(out, preset=preset, data_dir=tmp_path / "agroflux", progress=False)
    assert [o.spec.run_id for o in again.outcomes if not o.reused] == [lstm_t1]
    pd.testing.assert_frame_equal(pd.read_csv(out / "leaderboard.csv"), frame)  # complete, same scores
    # kill the T1 run after one step, as a timeout would: the next benchmark resumes its checkpoint
    run_dir = out / "runs" / lstm_t1
    shutil.rmtree(run_dir)
    spec = next(o.spec for o in again.outcomes if o.spec.run_id == lstm_t1)
    args = execution.training_arguments(preset, "t1", 0, scheme=spec.scheme).replace(stop_after_steps=1)
    killed = agroflux_hf.training.train(
        "t1", "lstm", spec.config, output_dir=run_dir, data_dir=str(tmp_path / "agroflux"), args=args,
        model_overrides=preset.overrides_for("lstm"),
    )  # fmt: skip
    assert killed.interrupted and (run_dir / "checkpoints").is_dir()
    # its recorded seconds will count the training done before the kill (the checkpoint's periods)
    from agroflux_hf.training.checkpointing import latest_checkpoint

    state_file = latest_checkpoint(run_dir) / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["history"] = [*state["history"], {"global_step": 1, "seconds": 1000.0}]
    state_file.write_text(json.dumps(state))
    calls, real_train = [], agroflux_hf.training.train
    monkeypatch.setattr(
        agroflux_hf.training, "train", lambda *a, **k: calls.append(k["resume"]) or real_train(*a, **k)
    )
    resumed = runner.run_benchmark(out, preset=preset, data_dir=tmp_path / "agroflux", progress=False)
    assert calls == [True] and [o.spec.run_id for o in resumed.outcomes if not o.reused] == [lstm_t1]
    assert 1000 < json.loads((run_dir / execution.RUN_RECORD).read_text())["seconds"] < 1000 + 600
    assert pd.read_csv(out / "leaderboard.csv")["r2"].notna().all()
    # --seeds 0 1: seed 0 reused, seed 1 run (its T2 from the seed-1 T0), both in the leaderboard
    two = runner.run_benchmark(
        out, preset=preset, data_dir=tmp_path / "agroflux", seeds=(0, 1), progress=False
    )
    assert {o.spec.seed for o in two.outcomes if o.reused} == {0}
    assert {o.spec.seed for o in two.outcomes if not o.reused} == {1}
    both = pd.read_csv(out / "leaderboard.csv")
    assert set(both["seed"]) == {0, 1} and len(both) == 2 * len(frame)
    t2 = out / "runs" / "t2-finetune__lstm__temporal_co2__from_temporal_dssat_ceres_maize__seed1"
    assert json.loads((t2 / "run_config.json").read_text())["pretrained"].endswith(
        "t0__lstm__temporal_dssat_ceres_maize__seed1/best_model"
    )
    assert "| 2 |" in (out / "leaderboard.md").read_text()  # the seeds column


@needs_training
@pytest.mark.slow
def test_tiny_preset_with_spatial_folds_end_to_end(tmp_path):
    out, frame = run_tiny(tmp_path, "tiny")
    check_every_output(out, frame, {"temporal", "spatial"})
    assert (
        out
        / "runs"
        / "t2-adversarial__lstm__spatial_co2__from_spatial_dssat_ceres_maize__seed0"
        / "best_model"
    ).is_dir()


def test_targets_without_training_values_are_left_out_of_the_leaderboard():
    from types import SimpleNamespace

    from agroflux_hf.benchmark.reports import untrained_targets

    info = SimpleNamespace(
        stats={"targets": {"GPP": {"mean": None, "std": None}, "ET": {"mean": 1.2, "std": 0.9}}}
    )
    assert untrained_targets(info) == {"GPP"}
    assert untrained_targets(None) == set()


def test_a_fold_with_failed_predictions_fails_the_mean_over_folds():
    from agroflux_hf.benchmark import leaderboard as lb

    def row(fold: int, r2: float, n_failed: int) -> dict:
        return {
            "model": "lstm", "kind": "network", "task": "t1", "dataset": "co2", "source_dataset": "",
            "config": f"spatial_co2_fold{fold}", "source_config": "", "scheme": "spatial", "fold": fold,
            "target": "NEE", "unit": "g C m-2 d-1", "r2": r2, "rmse": 1.0, "mae": 1.0, "nse": r2,
            "kge": 0.0, "bias": 0.0, "n": 10, "n_failed": n_failed, "run_id": f"r{fold}",
        }  # fmt: skip

    ok = lb.aggregate_over_folds(lb.leaderboard_frame([row(0, 0.5, 0), row(1, 0.7, 0)]))
    assert ok["r2_mean"].iloc[0] == pytest.approx(0.6)
    failed = lb.aggregate_over_folds(lb.leaderboard_frame([row(0, 0.5, 0), row(1, float("nan"), 3)]))
    assert np.isnan(failed["r2_mean"].iloc[0]) and failed["n_failed"].iloc[0] == 3
    # N2O's cumulative scores: the failed fold's are NaN, and the mean of the other fold must not stand in
    cumulative = {m: 1.0 for m in lb.CUMULATIVE_METRICS} | {"cum_n": 2, "cum_excluded": 0}
    rows = [row(0, 0.5, 0) | cumulative, row(1, float("nan"), 3) | cumulative | {"cum_mae": float("nan")}]
    failed = lb.aggregate_over_folds(lb.leaderboard_frame(rows))
    assert failed[[f"{m}_mean" for m in lb.CUMULATIVE_METRICS]].isna().all(axis=None)


def test_seeds_repeat_every_run_and_t2_starts_from_its_own_seed():
    preset = TINY.with_seeds((0, 1, 2))
    specs = runner.plan_runs(preset, fake_infos(obs_folds=2))
    single = runner.plan_runs(TINY, fake_infos(obs_folds=2))
    assert len(specs) == 3 * len(single) and len({s.run_id for s in specs}) == len(specs)
    assert all(s.run_id.endswith(f"__seed{s.seed}") for s in specs)
    for spec in specs:
        if spec.pretrain_run_id:
            assert spec.pretrain_run_id.endswith(f"__seed{spec.seed}")
    assert get_preset("full") is get_preset("paper") and get_preset("paper").seeds == (0, 1, 2)
    assert QUICK.seeds == (0,)
    with pytest.raises(ValueError, match="distinct"):
        TINY.with_seeds((1, 1))


def test_every_architecture_says_whether_it_sees_the_future():
    from agroflux_hf.models import MODEL_NAMES, build_model

    seen = {
        name: build_model(
            name, input_names=INPUTS, static_names=STATICS, target_names=TARGETS
        ).config.sees_future
        for name in MODEL_NAMES
    }
    assert seen == {"lstm": False, "ealstm": False, "tcn": False, "transformer": True, "itransformer": True,
                    "pyraformer": True}  # fmt: skip
    causal = build_model(
        "transformer", input_names=INPUTS, static_names=STATICS, target_names=TARGETS, causal=True
    )
    assert causal.config.sees_future is False  # derived from the config, not a list of names


def gain_rows() -> list[dict]:
    """T1 and T2 fine-tune rows of two models over 2 folds x 2 seeds with known R²."""
    rows = []
    for model, t1, gain in (("lstm", 0.5, 0.1), ("transformer", 0.6, -0.2)):
        for fold in range(2):
            for seed in range(2):
                for task, r2_value in (("t1", t1), ("t2-finetune", t1 + gain + 0.02 * seed)):
                    source = "dssat" if task != "t1" else ""
                    rows.append(
                        {"model": model, "kind": "network", "task": task, "dataset": "co2", "source_dataset": source,
                         "config": f"spatial_co2_fold{fold}", "scheme": "spatial", "fold": fold, "seed": seed,
                         "target": "NEE", "r2": r2_value, "n": 10, "sees_future": model == "transformer"}
                    )  # fmt: skip
    return rows


def test_transfer_gain_table_pairs_runs_by_fold_and_seed():
    from agroflux_hf.benchmark.transfer_gain import gain_table, render_gain_markdown, render_gain_sections

    frame = leaderboard.leaderboard_frame(gain_rows())
    table = gain_table(frame).set_index("model")
    assert table.at["lstm", "gain_mean"] == pytest.approx(0.11)
    assert table.at["lstm", "pairs"] == 4 and table.at["lstm", "gain_std"] > 0
    assert table.at["transformer", "gain_mean"] == pytest.approx(-0.19)
    # best T2 network (lstm 0.61) minus best T1 network (transformer 0.6)
    assert table.at["best", "gain_mean"] == pytest.approx(0.01)
    markdown = leaderboard.render_markdown(frame, sections=render_gain_markdown(frame))
    assert "## Transfer gain (T2 − T1 R²)" in markdown and "+0.11 ± 0.01" in markdown
    # with two seeds the section ends with each seed's best T2 minus its best T1 (0.6 - 0.6, 0.62 - 0.6)
    sections = render_gain_sections(frame)
    assert sections[: len(render_gain_markdown(frame))] == render_gain_markdown(frame)
    text = "\n".join(sections)
    by_seed = [line for line in text.splitlines() if line.startswith("| T2 fine-tune")][-1]
    assert "seed by seed" in text and by_seed.endswith("| +0.02 | +0.01 ± 0.01 |")
    one_seed = leaderboard.leaderboard_frame([r for r in gain_rows() if r["seed"] == 0])
    assert render_gain_sections(one_seed) == render_gain_markdown(one_seed)
    assert "| transformer† |" in markdown and "| lstm |" in markdown  # whole-year models marked
    latex = leaderboard.render_latex(frame, "r2")
    assert "transformer$^\\dagger$" in latex and "lstm$^\\dagger$" not in latex
    # the rows come by task and split scheme, temporal first, whatever order the runs ran in
    temporal = [{**r, "scheme": "temporal", "config": "temporal_co2", "fold": 0} for r in gain_rows()]
    later = [{**r, "task": "t2-adversarial"} for r in temporal if r["task"] != "t1"]
    shuffled = leaderboard.leaderboard_frame(later + gain_rows() + temporal)
    assert list(dict.fromkeys(zip(shuffled["task"], shuffled["scheme"], strict=True))) == [
        ("t1", "temporal"), ("t1", "spatial"), ("t2-finetune", "temporal"), ("t2-finetune", "spatial"),
        ("t2-adversarial", "temporal"),
    ]  # fmt: skip
    lines = "\n".join(render_gain_markdown(shuffled)).splitlines()
    rows = [
        line.split(" | ")[:2] for line in lines if line.startswith("| T2 ") and "task and data" not in line
    ]
    assert rows == [["| T2 fine-tune co2 ← dssat", "temporal"], ["| T2 fine-tune co2 ← dssat", "spatial"],
                    ["| T2 adv. co2 ← dssat", "temporal"]]  # fmt: skip


def test_transfer_gain_section_adds_the_networks_chosen_on_validation():
    """Validation here ranks the opposite way to test: T1 chooses the LSTM (test 0.5), T2 the Transformer
    (0.4 + 0.02 * seed), so the chosen gain is -0.10 and -0.08 (mean -0.09 ± 0.01) where best minus best
    says +0.01; a failed chosen run fails its seed's gain; without validation scores the cell is blank."""
    from agroflux_hf.benchmark.transfer_gain import chosen_gain_by_seed, render_gain_markdown

    rows = [r | {"val_r2": -r["r2"]} for r in gain_rows()]
    frame = leaderboard.leaderboard_frame(rows)
    lines = "\n".join(render_gain_markdown(frame)).splitlines()
    (line,) = [line for line in lines if line.startswith("| T2 fine-tune")]
    # the other-regions rule: each fold takes the other fold's best, T1 the Transformer, T2 the LSTM
    assert line.endswith("| +0.01 | -0.09 ± 0.01 | +0.01 ± 0.01 |")
    header = "| best T2 − best T1 | chosen on validation | chosen on the other regions |"
    assert header in "\n".join(render_gain_markdown(frame))
    failed = next(r for r in rows if r["model"] == "transformer" and r["task"] != "t1" and r["seed"] == 1)
    failed |= {"r2": float("nan"), "n_failed": 5}
    by_seed = chosen_gain_by_seed(leaderboard.leaderboard_frame(rows)).set_index("seed")["gain"]
    assert by_seed[0] == pytest.approx(-0.10) and np.isnan(by_seed[1])
    plain = "\n".join(render_gain_markdown(leaderboard.leaderboard_frame(gain_rows()))).splitlines()
    (blank,) = [line for line in plain if line.startswith("| T2 fine-tune")]
    assert blank.endswith("| +0.01 | – | +0.01 ± 0.01 |")


def test_transfer_gain_chosen_on_the_other_regions_reads_only_the_other_folds():
    """Three held-out regions, one seed. For each region T1 and T2 each take the architecture of best
    mean test R² over the other two: T1 the Transformer for region 0 (0.2), the LSTM for 1 and 2 (0.1);
    T2 the Transformer for 0 and 2 (0.1, 0.2), the LSTM for 1 (0.0): gains -0.1, -0.1, +0.1, mean -0.03,
    where best minus best says +0.07. The temporal scheme has no other region: no row."""
    from agroflux_hf.benchmark.transfer_gain import chosen_gain_by_seed, render_gain_headline_markdown

    scores = {("t1", "lstm"): [0.5, 0.1, 0.1], ("t1", "transformer"): [0.2, 0.3, 0.3],
              ("t2-finetune", "lstm"): [0.6, 0.0, 0.4], ("t2-finetune", "transformer"): [0.1, 0.6, 0.2]}  # fmt: skip
    rows = []
    for (task, model), by_fold in scores.items():
        source = "dssat" if task != "t1" else ""
        for fold, r2_value in enumerate(by_fold):
            rows.append({"model": model, "kind": "network", "task": task, "dataset": "co2", "source_dataset": source,
                         "config": f"spatial_co2_fold{fold}", "scheme": "spatial", "fold": fold, "seed": 0,
                         "target": "NEE", "r2": r2_value, "n": 10, "sees_future": model == "transformer"})  # fmt: skip
        rows.append(rows[-1] | {"config": "temporal_co2", "scheme": "temporal", "fold": 0})
    frame = leaderboard.leaderboard_frame(rows)
    gains = chosen_gain_by_seed(frame, "other_regions")
    assert list(gains["scheme"]) == ["spatial"] and gains["gain"].iloc[0] == pytest.approx(-0.1 / 3)
    chosen = "\n".join(render_gain_headline_markdown(frame, chosen="other_regions")).splitlines()
    assert chosen[2:] == ["| spatial | NEE (co2) | -0.03 [-0.03] |"]
    assert "| spatial | NEE (co2) | +0.07 [+0.07] |" in "\n".join(render_gain_headline_markdown(frame))
    with pytest.raises(ValueError, match="unknown choice rule"):
        chosen_gain_by_seed(frame, "test")


def test_a_failed_run_fails_its_models_transfer_gain_and_cannot_be_the_best():
    """The lstm's T2 fails on one fold of one seed (NaN predictions): its gain is NaN, not the mean of the
    three runs that did not fail, and the best T2 network is the transformer (0.4 + 0.02 * seed)."""
    from agroflux_hf.benchmark.transfer_gain import best_gain_by_seed, gain_table

    rows = gain_rows()
    failed = next(r for r in rows if r["model"] == "lstm" and r["task"] != "t1" and r["seed"] == 1)
    failed |= {"r2": float("nan"), "n_failed": 5}
    rows = [r | {"n_failed": r.get("n_failed", 0)} for r in rows]
    table = gain_table(leaderboard.leaderboard_frame(rows)).set_index("model")
    assert np.isnan(table.at["lstm", "gain_mean"]) and np.isnan(table.at["lstm", "gain_std"])
    assert table.at["transformer", "gain_mean"] == pytest.approx(-0.19)
    assert table.at["best", "gain_mean"] == pytest.approx(0.41 - 0.6)  # transformer's T2 - its T1
    by_seed = best_gain_by_seed(leaderboard.leaderboard_frame(rows)).set_index("seed")["gain"]
    assert by_seed[0] == pytest.approx(0.6 - 0.6) and by_seed[1] == pytest.approx(0.42 - 0.6)


def test_a_figure_gets_a_plain_files_permissions(tmp_path):
    """Figures are written beside their destination and renamed, without mkstemp's private 0600."""
    import os

    import matplotlib.pyplot as plt

    umask = os.umask(0o022)
    os.umask(umask)
    path = plots.save_figure(plt.figure(), tmp_path / "figure.png")
    assert path.read_bytes()[:4] == b"\x89PNG" and (path.stat().st_mode & 0o777) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def test_a_training_argument_added_later_at_its_default_keeps_finished_runs():
    """Runs recorded before a new TrainingArguments field existed stay reusable while it is at its
    default (a resumable benchmark spans sessions and code changes); any other change re-runs."""
    from agroflux_hf.benchmark.execution import same_settings
    from agroflux_hf.training.arguments import TrainingArguments

    current = json_safe({"spec": {"model": "lstm"}, "training_arguments": TrainingArguments().to_dict()})
    current["pretraining"] = json.loads(json.dumps(current))
    old = json.loads(json.dumps(current))
    del old["training_arguments"]["warmup_steps"], old["pretraining"]["training_arguments"]["warmup_steps"]
    assert same_settings(current, current) and same_settings(old, current)
    changed = json.loads(json.dumps(current))
    changed["training_arguments"]["warmup_steps"] = 7  # the new field set away from its default
    assert not same_settings(old, changed)
    other = json.loads(json.dumps(current))
    other["training_arguments"]["learning_rate"] = 0.5
    assert not same_settings(current, other) and not same_settings(old, other)
    assert not same_settings(None, current) and not same_settings({"spec": {}}, current)


def test_new_data_in_the_same_folder_runs_again_the_runs_that_read_it(tmp_path):
    """A finished run records its config's data fingerprint: when a source's table is corrected and the
    folder exported again, its runs are not reported with the old scores; runs on other data are reused."""
    from agroflux_hf.data.export import export_dataset
    from agroflux_hf.data.folder_format import config_fingerprint

    preset = replace(TINY, split_schemes=("temporal",), workers=1).restricted(("climatology",), ("t0", "t1"))
    out, _ = run_tiny(tmp_path, preset)
    data_dir = tmp_path / "agroflux"
    before = {c: config_fingerprint(data_dir, c) for c in ("temporal_co2", "temporal_dssat_ceres_maize")}
    specs = tiny_specs()
    corrected = specs[1].frames  # the towers' table with one observed GPP value changed

    def frames():
        for i, site in enumerate(corrected()):
            if i == 0:
                site.loc[site["GPP"].notna().idxmax(), "GPP"] += 1.0
            yield site

    specs[1] = replace(specs[1], frames=frames)
    shutil.rmtree(data_dir)
    export_dataset(specs, data_dir, progress=False)
    assert config_fingerprint(data_dir, "temporal_co2") != before["temporal_co2"]
    assert config_fingerprint(data_dir, "temporal_dssat_ceres_maize") == before["temporal_dssat_ceres_maize"]
    again = runner.run_benchmark(out, preset=preset, data_dir=data_dir, progress=False)
    assert {o.spec.config for o in again.outcomes if not o.reused} == {"temporal_co2"}
    assert {o.spec.config for o in again.outcomes if o.reused} == {"temporal_dssat_ceres_maize"}


@needs_training
def test_a_benchmark_reads_each_config_once_not_once_per_run(tmp_path, monkeypatch):
    """Reading a config again cost about a second of every run (a tenth of a quick T1 run): the
    benchmark hands train() the tensors it holds, and the loader behind train() is never called. Nor
    are the config's files hashed again for each run's data fingerprint."""
    from agroflux_hf.data import folder_format
    from agroflux_hf.training import plans

    monkeypatch.setattr(plans, "load_config_data", lambda *a, **k: pytest.fail("train() read its data again"))
    hashed, real_hash = [], folder_format.config_fingerprint
    monkeypatch.setattr(folder_format, "config_fingerprint", lambda f, c: hashed.append(c) or real_hash(f, c))
    built, real = [], plans.config_data
    monkeypatch.setattr(plans, "config_data", lambda info, data: built.append(info.name) or real(info, data))
    preset = replace(TINY, split_schemes=("temporal",), workers=1).restricted(
        ("lstm",), ("t1", "t2-adversarial")
    )
    _, frame = run_tiny(tmp_path, preset)
    assert set(frame["task"]) == {"t0", "t1", "t2-adversarial"}
    assert sorted(built) == ["temporal_co2", "temporal_dssat_ceres_maize"]  # three runs, two configs
    assert sorted(hashed) == ["temporal_co2", "temporal_dssat_ceres_maize"]
    result = json.loads(next((tmp_path / "results" / "runs").glob("t1__lstm__*/run_config.json")).read_text())
    assert set(result["data_fingerprints"]) == {"temporal_co2"}  # recorded all the same


@dataclass
class Tensors:
    """A stand-in for a config's ``ConfigData``."""

    of: str
    fingerprint: str | None = None


def test_the_benchmark_keeps_only_the_most_recently_used_configs_in_memory(monkeypatch):
    from agroflux_hf.benchmark import execution
    from agroflux_hf.training import plans

    built = []
    monkeypatch.setattr(plans, "config_data", lambda info, data: built.append(info) or Tensors(info))
    names = [f"c{i}" for i in range(execution.TENSORS_KEPT + 1)]
    ctx = execution.BenchmarkContext(
        TINY, None, Path("."), {n: n for n in names}, _datasets=dict.fromkeys(names)
    )
    for name in [*names[:-1], names[0], names[-1], names[0], names[1]]:
        assert ctx.config_data(name).of == name
    # c0 was used again before c3 came, so c1 (least recently used) made room; c1 is read again
    assert built == [*names, names[1]]


def test_keep_models_needed_keeps_the_spatial_t0_networks_the_extrapolation_diagnostic_reads(tmp_path):
    """scripts/static_extrapolation.py scores a spatial fold's T0 networks again: pruning keeps them."""
    from agroflux_hf.benchmark.kept_models import RUN_RECORD, prune_models
    from agroflux_hf.benchmark.planning import RunSpec

    network = RunSpec("tcn", "t0", "spatial_dssat_ceres_maize_fold1", "dssat_ceres_maize", "spatial", 1)
    tree = RunSpec("gbt", "t0", "spatial_dssat_ceres_maize_fold1", "dssat_ceres_maize", "spatial", 1)
    t1 = RunSpec("tcn", "t1", "spatial_co2_fold1", "co2", "spatial", 1)
    for spec, folder in ((network, "best_model"), (tree, "model"), (t1, "best_model")):
        (tmp_path / "runs" / spec.run_id / folder).mkdir(parents=True)
        (tmp_path / "runs" / spec.run_id / RUN_RECORD).write_text("{}")
    assert prune_models(tmp_path, [network, tree, t1], TINY) == 2
    assert [p.parent.name for p in tmp_path.glob("runs/*/*_model")] == [network.run_id]


def test_bound_statics_reaches_the_chosen_schemes_runs_and_makes_unbounded_records_stale():
    from agroflux_hf.benchmark.execution import same_settings, training_arguments

    spatial = TINY.with_bound_statics(["spatial"])
    assert training_arguments(spatial, "t0", 0, scheme="spatial").bound_statics
    assert not training_arguments(spatial, "t0", 0, scheme="temporal").bound_statics
    assert not training_arguments(TINY, "t0", 0, scheme="spatial").bound_statics
    assert TINY.with_bound_statics([]).bound_statics == ("temporal", "spatial")  # none named: every scheme
    assert any("in the spatial scheme (`--bound-statics`" in note for note in spatial.notes)
    assert TINY.with_bound_statics(None) is TINY
    with pytest.raises(ValueError, match="unknown split scheme"):
        TINY.with_bound_statics(["yearly"])
    unbounded_record = {"training_arguments": {"seed": 0}}  # recorded before the argument existed
    assert same_settings(unbounded_record, {"training_arguments": {"seed": 0, "bound_statics": False}})
    assert not same_settings(unbounded_record, {"training_arguments": {"seed": 0, "bound_statics": True}})


def test_the_pending_list_estimates_compute_from_finished_runs_of_the_same_kind() -> None:
    """A pending run costs the median recorded time of the finished runs of its model, task and data
    (a median: one record holds a pause); a run of a kind that never finished is counted apart."""
    from agroflux_hf.benchmark.execution import RunOutcome
    from agroflux_hf.benchmark.planning import RunSpec
    from agroflux_hf.benchmark.reports import pending_section

    def spec(model: str, fold: int, seed: int, dataset: str = "sim") -> RunSpec:
        return RunSpec(model, "t0", f"spatial_{dataset}_fold{fold}", dataset, "spatial", fold, seed=seed)

    finished = [
        RunOutcome(spec("lstm", f, 0), "ok", seconds=s) for f, s in ((1, 3600), (2, 5400), (3, 90000))
    ]
    finished.append(RunOutcome(spec("lstm", 1, 0, dataset="other"), "ok", seconds=36000))  # other data
    pending = [RunOutcome(spec("lstm", f, 1), "pending") for f in (1, 2)]
    pending.append(RunOutcome(spec("tcn", 1, 1), "pending"))  # no finished TCN run
    pending.append(RunOutcome(spec("lstm", 3, 1), "pending"))  # seed 1's fold 3: LSTM left, EA-LSTM finished
    finished.append(RunOutcome(spec("ealstm", 3, 1), "ok", seconds=720))
    lines = pending_section(pending, 9, finished=finished)
    text = "\n".join(lines)
    rows = [line for line in lines if line.startswith("| t0")]
    assert rows == [  # seed 0 first, its runs all finished (37.5 h spent); then seed 1
        "| t0 | spatial | 0 | 4 | 0 | 37.5 | - | all |",
        # three LSTM runs at the median 1.5 h, the TCN never finished a run of its own data: not counted;
        # fold 3's EA-LSTM run finished but its LSTM run did not, so no fold of seed 1 is whole
        "| t0 | spatial | 1 | 1 | 4 | 0.2 | 4.5 | - |",
    ]
    assert "(not counted, no finished run of their kind: 1 pending runs): about 4.5 h in all" in text
    # `whole` names T2 runs by the simulation they start from, and the folds where only some are whole
    from agroflux_hf.benchmark.reports import whole_folds

    def t2(fold: int, source: str, status: str) -> RunOutcome:
        config = f"spatial_co2_fold{fold}"
        return RunOutcome(RunSpec("lstm", "t2-finetune", config, "co2", "spatial", fold, "s", source), status)

    runs = [t2(0, "ceres", "ok"), t2(1, "ceres", "ok"), t2(0, "ixim", "ok"), t2(1, "ixim", "pending")]
    assert whole_folds(runs) == "ceres; ixim fold 0"
    assert whole_folds(runs[:2]) == "all" and whole_folds(runs[3:]) == "-"


def test_a_recorded_run_that_took_its_whole_budget_did_not_stop_early() -> None:
    """Records written before 2026-12-04 said stopped_early where the patience ran out at the budget's
    last validation; the reports read them by the current rule."""
    from agroflux_hf.benchmark.execution import recorded_stopped_early

    def record(steps: int | None, stopped: bool | None, budget: int | None = 1090) -> dict:
        return {
            "steps": steps,
            "stopped_early": stopped,
            "settings": {"training_arguments": {"max_steps": budget}},
        }

    assert recorded_stopped_early(record(1090, True)) is False  # the old rule's label
    assert recorded_stopped_early(record(981, True)) is True
    assert recorded_stopped_early(record(1090, False)) is False
    assert recorded_stopped_early(record(600, True, budget=None)) is True  # an epoch budget: as recorded
    assert recorded_stopped_early(record(None, None)) is None  # a baseline


def test_a_t2_checkpoint_grown_from_an_older_t0_is_started_over(tmp_path):
    """A T2 run stopped mid-way, then its T0 trained again (new settings or data): the benchmark starts
    the T2 run over instead of resuming on top of the old T0's weights."""
    from agroflux_hf.benchmark.execution import discard_checkpoint_of_other_weights
    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import weights_fingerprint

    pretrained = tmp_path / "t0" / "best_model"
    pretrained.mkdir(parents=True)
    (pretrained / "model.safetensors").write_bytes(b"first T0")
    run_dir = tmp_path / "t2"
    (run_dir / "checkpoints" / "ckpt_000001").mkdir(parents=True)
    write_json(run_dir / "run_config.json", {"pretrained_fingerprint": weights_fingerprint(pretrained)})
    discard_checkpoint_of_other_weights(run_dir, pretrained)
    assert (run_dir / "checkpoints" / "ckpt_000001").is_dir()  # same weights: it resumes
    (pretrained / "model.safetensors").write_bytes(b"T0 trained again")
    discard_checkpoint_of_other_weights(run_dir, pretrained)
    assert run_dir.is_dir() and list(run_dir.iterdir()) == []
    discard_checkpoint_of_other_weights(tmp_path / "never-started", pretrained)  # nothing to discard
