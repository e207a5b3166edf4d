"""scripts/static_extrapolation.py: z-scores against training statistics, clipping to the training range."""

from __future__ import annotations

import importlib
import math

import pytest
import torch

from agroflux_hf.training.tensors import SplitTensors
from tests.test_bench_scripts import SCRIPTS


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    return importlib.import_module("static_extrapolation")


def test_z_scores_name_what_training_never_saw(script):
    stats = {"SAND": {"mean": 300.0, "std": 50.0}, "CROPLAND": {"mean": 1.0, "std": 0.0}, "PH": None}
    z = script.z_scores([500.0, 1.0, 6.5], ["SAND", "CROPLAND", "PH"], stats)
    assert z["SAND"] == pytest.approx(4.0) and z["CROPLAND"] == 0.0 and math.isnan(z["PH"])
    assert script.z_scores([0.0], ["CROPLAND"], stats)["CROPLAND"] == -math.inf
    assert list(script.far_features({"A": 3.5, "B": -9.0, "C": 1.0, "D": math.nan}, 3.0)) == ["B", "A"]


def test_clipping_bounds_each_static_to_the_training_range_and_keeps_nan(script):
    train = torch.tensor([[1.0, math.nan, 5.0], [3.0, math.nan, math.nan]])
    low, high = script.training_range(train)
    assert low.tolist()[0::2] == [1.0, 5.0] and high.tolist()[0::2] == [3.0, 5.0]
    assert math.isnan(low[1]) and math.isnan(high[1])  # never observed: no range
    split = SplitTensors(
        past_values=torch.zeros(2, 4, 1),
        static=torch.tensor([[10.0, 7.0, math.nan], [-2.0, -7.0, 4.0]]),
        targets=torch.zeros(2, 4, 1),
        input_names=("TMAX",),
        static_names=("A", "B", "C"),
        target_names=("NEE",),
    )
    clipped = script.clipped_static(split, low, high).static
    assert clipped[:, 0].tolist() == [3.0, 1.0]
    assert clipped[:, 1].tolist() == [7.0, -7.0]  # no training range: left as it is
    assert math.isnan(clipped[0, 2]) and clipped[1, 2] == 5.0
    assert split.static[0, 0] == 10.0, "the split itself is not changed"


def test_script_lists_far_sites_and_scores_a_checkpoint_both_ways(script, capsys):
    checkpoint = SCRIPTS.parent / "agroflux_hf" / "checkpoints" / "tcn-temporal_co2"
    argv = ["spatial_co2_fold1", "--checkpoints", str(checkpoint), "--targets", "NEE", "ET", "--clip-z", "5"]
    assert script.main(argv) == 0
    out = capsys.readouterr().out
    assert "| test R² | statics clipped to the training range | clipped to the training mean ± 5 SD |" in out
    assert "test sites' static features beyond |z| > 3.0" in out
    assert out.count("\n- ") >= 1  # one line per test site
    rows = [line for line in out.splitlines() if line.startswith(f"| {checkpoint}")]
    assert [row.split(" | ")[1] for row in rows] == ["NEE", "ET"]
    assert all(len(row.split(" | ")) == 5 for row in rows)  # checkpoint, target and three scores
    with pytest.raises(SystemExit):
        script.main(["spatial_co2_fold1", "--checkpoints", str(checkpoint), "--targets", "N2O_FLUX"])


def test_static_reach_keeps_the_never_varied_attributes_apart():
    import numpy as np

    from agroflux_hf.data.statistics import static_reach

    stats = {"SAND": {"mean": 300.0, "std": 50.0}, "IRRIGATED": {"mean": 0.0, "std": 0.0}}
    rows = np.array([[350.0, 0.0], [100.0, 1.0], [np.nan, 0.0]])
    reach = static_reach(rows, ("SAND", "IRRIGATED"), stats)
    assert (reach.largest_z, reach.attribute, reach.unseen) == (4.0, "SAND", ("IRRIGATED",))
    assert static_reach(rows[:0], ("SAND", "IRRIGATED"), stats).attribute == ""


def test_z_bounds_are_the_training_mean_plus_minus_k_sd_as_a_model_normalises(script):
    stats = {
        "SAND": {"mean": 300.0, "std": 50.0},
        "CROPLAND": {"mean": 1.0, "std": 0.0},
        "PH": {"mean": None},
    }
    low, high = script.z_bounds(["SAND", "CROPLAND", "PH"], stats, 2.0)
    assert low.tolist()[:2] == [200.0, -1.0] and high.tolist()[:2] == [400.0, 3.0]  # std 0 -> 1
    assert math.isnan(low[2]) and math.isnan(high[2])


def test_outside_range_counts_what_bounding_would_clip(script):
    static = torch.tensor([[1.0, 9.0], [5.0, math.nan], [0.0, 2.0]])
    low, high = torch.tensor([1.0, math.nan]), torch.tensor([4.0, math.nan])
    assert script.outside_range(static, low, high) == 2  # 5 and 0; NaN bounds and values never count
