"""``scripts/train_default_checkpoints.py --from-benchmark``: shipped checkpoints from a benchmark's runs."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import yaml

from tests.test_benchmark import TINY, needs_training, run_tiny

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_default_checkpoints.py"


def load_script():
    spec = importlib.util.spec_from_file_location("train_default_checkpoints", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@needs_training
def test_finished_benchmark_runs_become_checkpoints_with_cards_and_unfinished_ones_are_skipped(tmp_path):
    script = load_script()
    preset = replace(TINY, split_schemes=("temporal",)).restricted(("lstm",), ("t0", "t1", "t2-finetune"))
    out, frame = run_tiny(tmp_path, preset)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    t1, t2 = script.STAGES["t1-co2"], script.STAGES["t2-co2"]

    run = script.benchmark_run("lstm", t2, out, 0)
    assert run.name == "t2-finetune__lstm__temporal_co2__from_temporal_dssat_ceres_maize__seed0"
    work = tmp_path / "work"
    copied = script.copy_benchmark_run("lstm", t2, run, work)
    destination = tmp_path / "shipped" / t2.folder_name("lstm")
    destination.parent.mkdir()
    script.install_checkpoint(copied, destination)
    assert sorted(p.name for p in destination.iterdir()) == sorted(script.SHIPPED_FILES)
    card = (destination / "README.md").read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert meta["base_model"] == script.hub_repo_id("lstm", "temporal_dssat_ceres_maize")
    assert meta["model-index"][0]["name"] == "agroflux-lstm-t2-temporal_co2"
    assert str(out) not in card  # the T0 run's local path is not on the card: its Hub id is
    # the card's scores are the benchmark's (the leaderboard's R² of this run)
    r2 = frame.query("task == 't2-finetune' and target == 'NEE'")["r2"].item()
    own = json.loads((run / "metrics.json").read_text())["test"]["NEE"]["pooled"]["r2"]
    assert abs(own - r2) < 1e-4 * max(1, abs(r2)) and f"{r2:.3f}"[:4] in card
    config = json.loads((destination / "config.json").read_text())
    assert config["training_data"]["config"] == "temporal_co2"
    assert config["training_data"]["source_config"] == "temporal_dssat_ceres_maize"

    (out / "runs" / script.benchmark_run("lstm", t1, out, 0).name / "benchmark_run.json").unlink()
    assert script.copy_benchmark_run("lstm", t1, script.benchmark_run("lstm", t1, out, 0), work) is None
    assert script.copy_benchmark_run("lstm", t1, script.benchmark_run("lstm", t1, out, 1), work) is None
    after = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert after == [p for p in before if not p.endswith("t1__lstm__temporal_co2__seed0/benchmark_run.json")]


def test_keep_models_needed_keeps_every_model_the_script_installs():
    """``--keep-models needed`` must not delete what ``--from-benchmark`` installs later (it did for T2)."""
    from agroflux_hf.benchmark.kept_models import ships_as_checkpoint
    from agroflux_hf.benchmark.planning import RunSpec

    script = load_script()
    for stage in script.STAGES.values():
        for model in ("lstm", "pyraformer"):
            run = script.benchmark_run(model, stage, Path("out"), seed=1)
            task, _, config, *rest = run.name.split("__")
            source = rest[0].removeprefix("from_") if len(rest) == 2 else None
            spec = RunSpec(model, task, config, "", "temporal", 0, source_config=source, seed=1)
            assert spec.run_id == run.name and ships_as_checkpoint(spec), run.name
    t2_from_ixim = RunSpec(
        "lstm", "t2-finetune", "temporal_co2", "", "temporal", 0, "temporal_dssat_ixim_maize"
    )
    t0_spatial = RunSpec("lstm", "t0", "spatial_dssat_ceres_maize", "", "spatial", 0)
    baseline = RunSpec("gbt", "t1", "temporal_co2", "", "temporal", 0)
    assert not any(ships_as_checkpoint(s) for s in (t2_from_ixim, t0_spatial, baseline))
