"""The benchmark README's figures draw one seed, the same for every model and every call."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from agroflux_hf import schema
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


def fold_row(model: str, fold: int, r2: float, seed: int = 0, kind: str = "network") -> dict:
    return {"task": "t0", "dataset": "sim", "scheme": "spatial", "config": schema.config_name("spatial", "sim", fold),
            "fold": fold, "seed": seed, "model": model, "kind": kind, "target": "NEE", "r2": r2,
            "sees_future": model == "transformer"}  # fmt: skip


def test_the_fold_figure_shows_each_held_out_fold_named_and_over_the_seeds_that_ran_them_all(
    tmp_path, monkeypatch
):
    """One point per model and fold, folds named by what they hold out; a seed that has run fold 0 only
    (a long benchmark runs it first) is left out, as in the tables; the figure itself draws (a score
    below the axis floor included)."""
    rows = [fold_row("lstm", 0, 0.8), fold_row("lstm", 1, -3.0), fold_row("transformer", 0, 0.9),
            fold_row("transformer", 1, 0.2), fold_row("gbt", 0, 0.85, kind="baseline"),
            fold_row("gbt", 1, 0.6, kind="baseline"), fold_row("climatology", 0, 0.5, kind="baseline"),
            fold_row("climatology", 1, 0.4, kind="baseline"),
            fold_row("lstm", 0, 0.2, seed=1)]  # fmt: skip
    infos = {
        "spatial_sim": SimpleNamespace(scheme="spatial", held_out=("ARL", "IA_central")),
        "spatial_sim_fold1": SimpleNamespace(scheme="spatial", held_out=("CH-Oe2", "NE_champion")),
        "temporal_sim": SimpleNamespace(scheme="temporal", held_out=("ARL",)),
    }
    labels = report_figures.held_out_labels(infos)
    assert labels == {"spatial_sim": "ARL, IA_central", "spatial_sim_fold1": "CH-Oe2, NE_champion"}
    frame = pd.DataFrame(rows)

    (path,) = report_figures._fold_figure("t0", "sim", frame, labels, tmp_path)
    assert path.name == "folds_t0_sim.png" and path.stat().st_size > 10_000

    drawn = []
    monkeypatch.setattr(
        report_figures.plots,
        "plot_fold_scores",
        lambda scores, path, **kw: drawn.append((scores, kw)) or path,
    )
    report_figures._fold_figure("t0", "sim", frame, labels, tmp_path)
    ((scores, kw),) = drawn
    lstm = scores[scores["model"] == "lstm"].set_index("fold")["r2"].to_dict()
    assert lstm == {0: 0.8, 1: -3.0}  # seed 1's lone fold 0 (0.2) is not averaged in
    assert kw["fold_labels"] == {0: "ARL, IA_central", 1: "CH-Oe2, NE_champion"}
    assert "seed 0" in kw["title"]
    assert scores.loc[scores["model"] == "transformer", "sees_future"].all()
    # one fold only: nothing to compare across regions, no figure
    assert report_figures._fold_figure("t0", "sim", frame[frame["fold"] == 0], labels, tmp_path) == []
