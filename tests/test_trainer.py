"""transformers' Trainer trains and evaluates our models on the embedded default, scored by our metric."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from agroflux_hf.metrics import core
from agroflux_hf.metrics.trainer import flatten_scores, trainer_compute_metrics

pytestmark = pytest.mark.usefixtures("one_thread")

CONFIG = "temporal_co2"


def test_flatten_keeps_numbers_and_drops_lists_none_and_site_tables():
    scores = {
        "N2O_FLUX": {
            "pooled": {"rmse": 1.5, "n": 10},
            "per_site": None,
            "sites": {"A": {"rmse": 2.0}},
            "cumulative": {"mae": 0.5, "obs": [1.0, 2.0]},
        }
    }
    assert flatten_scores(scores) == {
        "N2O_FLUX/pooled/rmse": 1.5,
        "N2O_FLUX/pooled/n": 10.0,
        "N2O_FLUX/cumulative/mae": 0.5,
    }
    assert flatten_scores(scores, per_site_details=True)["N2O_FLUX/sites/A/rmse"] == 2.0


def test_compute_metrics_scores_like_the_core_metric_and_checks_shapes():
    rng = np.random.default_rng(0)
    labels = rng.normal(size=(4, 30, 2))
    labels[0, :10, 1] = np.nan
    predictions = labels + rng.normal(scale=0.3, size=labels.shape)
    sites = ["A", "A", "B", "B"]
    compute = trainer_compute_metrics(["NEE", "GPP"], site_ids=sites, min_site_obs=1)
    flat = compute(SimpleNamespace(predictions=(predictions, "ignored"), label_ids=labels))
    expected = core.score_targets(
        labels.reshape(-1, 2),
        predictions.reshape(-1, 2),
        ["NEE", "GPP"],
        site_ids=np.repeat(sites, 30),
        min_site_obs=1,
    )
    assert flat["GPP/pooled/rmse"] == pytest.approx(expected["GPP"]["pooled"]["rmse"], rel=1e-5)
    assert flat["GPP/pooled/n"] == 4 * 30 - 10
    assert flat["NEE/per_site/n_sites"] == 2
    with pytest.raises(ValueError, match="target_names"):
        trainer_compute_metrics(["NEE"])(SimpleNamespace(predictions=predictions, label_ids=labels))
    with pytest.raises(ValueError, match="site_ids has 1 ids for 4"):
        trainer_compute_metrics(["NEE", "GPP"], site_ids=["A"])(
            SimpleNamespace(predictions=predictions, label_ids=labels)
        )


def test_a_tiny_trainer_run_gives_eval_loss_and_our_metric(tmp_path):
    from transformers import Trainer, TrainingArguments

    from agroflux_hf.training.hf_trainer import model_for_config, trainer_datasets
    from agroflux_hf.training.tensors import predict_dataset

    model = model_for_config("lstm", CONFIG, hidden_size=8, num_hidden_layers=1)
    data = trainer_datasets(CONFIG, model)
    validation = data["validation"]
    assert set(validation[0]) == {"past_values", "static_real_features", "labels"}
    names = list(model.config.target_names)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(tmp_path),
            max_steps=3,
            per_device_train_batch_size=8,
            per_device_eval_batch_size=8,
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            dataloader_pin_memory=False,
            use_cpu=True,
        ),
        train_dataset=data["train"],
        eval_dataset=validation,
        compute_metrics=trainer_compute_metrics(names, site_ids=validation.site_ids),
    )
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer.train()
    assert any((before[k] != v).any() for k, v in model.state_dict().items())  # it trained
    scores = trainer.evaluate()
    assert math.isfinite(scores["eval_loss"]) and scores["eval_loss"] > 0
    for name in names:
        assert {f"eval_{name}/pooled/{m}" for m in ("r2", "rmse", "mae", "nse", "kge", "bias", "n")} <= set(
            scores
        )
    assert not any("hidden_states" in k for k in scores)
    # the same numbers as the package's own prediction path on the trained model
    again = predict_dataset(model, validation.data).scores()
    for name in names:
        assert scores[f"eval_{name}/pooled/rmse"] == pytest.approx(again[name]["pooled"]["rmse"], rel=1e-4)
        assert scores[f"eval_{name}/pooled/n"] == again[name]["pooled"]["n"]


def test_the_trainer_example_script_runs(tmp_path, capsys):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "trainer_example.py"
    spec = importlib.util.spec_from_file_location("trainer_example", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    argv = ["--max-steps", "2", "--hidden-size", "8", "--batch-size", "8", "--output-dir", str(tmp_path)]
    assert script.main(argv) == 0
    printed = capsys.readouterr().out
    scores = json.loads(printed[printed.index("{\n") :])
    assert math.isfinite(scores["eval_loss"]) and math.isfinite(scores["test_loss"])
    assert "eval_NEE/pooled/rmse" in scores and "test_NEE/pooled/rmse" in scores
