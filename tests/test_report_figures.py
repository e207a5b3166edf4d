"""The benchmark README's figures draw one seed, the same for every model and every call."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from agroflux_hf.benchmark import report_figures


def record_scatters(monkeypatch) -> list:
    """Draw nothing; record each scatter figure's models and title instead."""
    drawn: list = []
    monkeypatch.setattr(report_figures.plots, "plot_series", lambda predictions, path, **kw: path)
    monkeypatch.setattr(
        report_figures.plots,
        "plot_scatter",
        lambda by_model, target, path, *, title: drawn.append((by_model, title)) or path,
    )
    return drawn


def test_the_figures_draw_the_lowest_seed_whatever_the_row_order(tmp_path, monkeypatch):
    drawn = record_scatters(monkeypatch)
    rows = [
        {"model": model, "seed": seed, "run_id": f"{model}-{seed}", "target": "NEE", "r2": 0.5}
        for seed in (2, 0, 1)  # seed 0 neither first nor last
        for model in ("lstm", "tcn")
    ]
    ok = {
        row["run_id"]: SimpleNamespace(predictions=SimpleNamespace(run=row["run_id"], target_names=["NEE"]))
        for row in rows
    }

    report_figures._config_figures("t1", "temporal_co2", pd.DataFrame(rows), ok, tmp_path, max_sites=1)

    ((by_model, title),) = drawn
    assert {model: p.run for model, p in by_model.items()} == {"lstm": "lstm-0", "tcn": "tcn-0"}
    assert "seed 0" in title


def test_a_figure_names_the_models_it_cannot_draw(tmp_path, monkeypatch):
    """A run reused without its saved model (no predictions) is named in the scatter's title."""
    drawn = record_scatters(monkeypatch)
    rows = [
        {"model": model, "seed": 0, "run_id": model, "target": "NEE", "r2": 0.5}
        for model in ("lstm", "gbt", "climatology")
    ]
    predictions = SimpleNamespace(target_names=["NEE"])
    ok = {
        "lstm": SimpleNamespace(predictions=predictions),
        "climatology": SimpleNamespace(predictions=predictions),
    }

    report_figures._config_figures("t1", "temporal_co2", pd.DataFrame(rows), ok, tmp_path, max_sites=1)

    ((by_model, title),) = drawn
    assert sorted(by_model) == ["climatology", "lstm"]
    assert title.endswith("\nnot drawn (no saved model; scores in the tables): gbt")
