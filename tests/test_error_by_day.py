"""scripts/error_by_day.py: RMSE by day of the sequence, NaN days left out, on a shipped checkpoint."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from tests.test_bench_scripts import SCRIPTS


@pytest.fixture
def error_by_day(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))
    return importlib.import_module("error_by_day")


def test_rmse_by_day_and_window_count_only_observed_days(error_by_day):
    obs = np.zeros((2, 40, 1))
    predicted = np.zeros((2, 40, 1))
    predicted[:, 0] = 3.0  # day 1 wrong by 3 in both sequences
    predicted[0, 10] = 4.0  # one January day wrong by 4
    obs[1, 10] = np.nan  # ... and the other sequence does not observe it
    obs[:, 20] = np.nan  # a day nobody observes
    by_day = error_by_day.rmse_by_day(obs, predicted)
    assert by_day[0, 0] == pytest.approx(3.0)
    assert by_day[10, 0] == pytest.approx(4.0)  # the NaN observation is not counted as an error of 0
    assert np.isnan(by_day[20, 0])
    windows = error_by_day.rmse_by_window(obs, predicted)
    assert windows["day 1"][0] == pytest.approx(3.0)
    assert windows["days 2-7"][0] == 0.0
    observed_january = 2 * 24 - 1 - 2  # days 8-31 of two sequences, less the NaN ones
    assert windows["days 8-31"][0] == pytest.approx(np.sqrt(16 / observed_january))
    assert windows["days 8-365"][0] == pytest.approx(np.sqrt(16 / (observed_january + 2 * 9)))
    table = error_by_day.markdown_table(["NEE"], windows)
    assert "| NEE | g C m-2 d-1 | 3 | 0 |" in table


def test_script_scores_a_shipped_checkpoint_and_draws_the_first_days(error_by_day, tmp_path, capsys):
    plot = tmp_path / "first_days.png"
    checkpoint = SCRIPTS.parent / "agroflux_hf" / "checkpoints" / "tcn-temporal_co2"
    argv = [str(checkpoint), "--config", "temporal_co2", "--targets", "NEE", "ET", "--plot", str(plot)]
    assert error_by_day.main(argv) == 0
    out = capsys.readouterr().out
    assert "causal" in out and "| NEE | g C m-2 d-1 |" in out and "| ET | mm d-1 |" in out
    assert "| GPP |" not in out
    assert plot.stat().st_size > 1000 and not list(tmp_path.glob("*.tmp*"))
    with pytest.raises(SystemExit):
        error_by_day.main([str(checkpoint), "--config", "temporal_co2", "--targets", "N2O_FLUX"])
    assert "N2O_FLUX" in capsys.readouterr().err
