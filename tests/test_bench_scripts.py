"""The speed scripts under ``scripts/`` measure what they say: their variants really differ, and they run."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import torch

from agroflux_hf.models import build_model
from agroflux_hf.models import dropout as dropout_module

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture
def scripts(monkeypatch):
    """Import a script by name, as ``python scripts/NAME.py`` would (the scripts folder on sys.path)."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    return importlib.import_module


def small(name: str):
    sizes = dict(hidden_size=8, num_attention_heads=2, num_hidden_layers=1, dropout=0.0)
    if name == "itransformer":
        sizes["sequence_length"] = 40
    torch.manual_seed(0)
    return build_model(
        name, input_names=["TMAX"], static_names=["SAND"], target_names=["NEE"], **sizes
    ).eval()


@pytest.mark.parametrize("name", ["transformer", "itransformer", "pyraformer"])
def test_free_attention_replaces_every_attention_and_restores_it(scripts, name):
    ceiling = scripts("bench_attention_ceiling")
    model = small(name)
    daily, static = torch.randn(2, 40, 1), torch.randn(2, 1)
    with torch.no_grad():
        normal = model(daily, static).predictions
        with ceiling.free_attention():
            free = model(daily, static).predictions
        again = model(daily, static).predictions
    assert not torch.allclose(normal, free)  # the attention was not left in place
    assert torch.equal(normal, again)  # and it is back afterwards


def test_free_attention_is_what_the_layer_gives_with_values_as_output(scripts):
    """``free`` keeps the projections: one layer's attention block returns out_proj(value)."""
    ceiling = scripts("bench_attention_ceiling")
    layer = small("transformer").backbone.encoder.layers[0]
    x = torch.randn(2, 7, 8)
    with torch.no_grad():
        value = torch.nn.functional.linear(x, layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias)[
            ..., 16:
        ]
        torch.testing.assert_close(layer.attend(x, ceiling.values_only), layer.self_attn.out_proj(value))


def test_attention_ceiling_and_dropout_scripts_run(scripts, capsys):
    ceiling, bench_dropout = scripts("bench_attention_ceiling"), scripts("bench_dropout")
    assert (
        ceiling.main(
            ["--models", "transformer", "pyraformer", "--batch-size", "2", "--days", "40", "--steps", "1"]
        )
        == 0
    )
    assert bench_dropout.main(["--models", "tcn", "--batch-size", "2", "--days", "40", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "| transformer | 40 |" in out and "| pyraformer | 40 |" in out and "| tcn |" in out
    assert dropout_module.dropout is bench_dropout.TODAY  # the replaced dropout does not leak out


def test_the_head_script_times_folded_unfolded_and_bare_and_restores_the_model(scripts, capsys, monkeypatch):
    monkeypatch.setenv("AGROFLUX_MALLOC", "default")  # this test process keeps glibc's settings
    bench_head = scripts("bench_head")
    assert (
        bench_head.main(["--models", "itransformer", "--batch-size", "2", "--days", "40", "--steps", "1"])
        == 0
    )
    assert "| itransformer |" in capsys.readouterr().out
    work = bench_head.Workload("lstm", 2, 40, torch.device("cpu"))
    bench_head.with_unfolded_head(work)()
    assert "_head_in_units" not in vars(work.model)  # the unfolded head does not leak out


def test_the_dropout_script_compares_equal_masks(scripts):
    """Its *before* is the boolean-mask product: same draws, same values as today's dropout."""
    bench_dropout = scripts("bench_dropout")
    x = torch.randn(50, 30)
    torch.manual_seed(4)
    today = dropout_module.dropout(x, 0.2, True)
    torch.manual_seed(4)
    assert torch.equal(bench_dropout.boolean_mask_dropout(x, 0.2, True), today)


def test_the_malloc_script_times_the_package_against_glibcs_defaults(scripts, monkeypatch):
    """Its *default* command opts out; its *package* command leaves the package to set malloc itself."""
    bench_malloc = scripts("bench_malloc")
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")  # a caller's own setting must not reach either command
    seen = []

    class Finished:
        pid = 0

    def popen(command, env, stdout):
        seen.append((command, env))
        return Finished()

    monkeypatch.setattr(bench_malloc.subprocess, "Popen", popen)
    monkeypatch.setattr(
        bench_malloc.os, "wait4", lambda pid, options: (pid, 0, type("U", (), {"ru_maxrss": 2048}))
    )
    args = bench_malloc.argparse.Namespace(threads=1, whole_train=3, batch_size=8)
    assert bench_malloc.whole_train(args, "pyraformer", tuned=False)[1] == 2.0
    bench_malloc.whole_train(args, "pyraformer", tuned=True)
    (default_command, default_env), (package_command, package_env) = seen
    out = default_command.index("--output-dir") + 1
    del default_command[out], package_command[out]  # each its own temporary folder
    assert default_command == package_command and "--max-steps" in default_command
    assert "num_attention_heads=5" in default_command and "hidden_size=50" in default_command
    assert default_env["AGROFLUX_MALLOC"] == "default" and "AGROFLUX_MALLOC" not in package_env
    assert not any(key.startswith("MALLOC_") for key in [*default_env, *package_env])


def test_the_snapshot_leaves_out_only_what_the_running_machine_needs(scripts, tmp_path, capsys):
    from agroflux_hf.training.checkpointing import STATE_FILE

    source, destination = tmp_path / "results", tmp_path / "benchmarks" / "paper"
    files = {
        "run_config.json": "{}",
        "leaderboard.md": "# table",
        "logs/worker-1.log": "log",
        "runs/started/run_config.json": "{}",
        "runs/done/benchmark_run.json": "{}",
        "runs/done/best_model/model.safetensors": "w" * 100,
        "runs/big/benchmark_run.json": "{}",
        "runs/big/model/gbt.joblib": "x" * 5000,
        "runs/mid/run_config.json": "{}",
        f"runs/mid/checkpoints/ckpt_000001/{STATE_FILE}": "{}",
        f"runs/mid/checkpoints/ckpt_000002/{STATE_FILE}": "{}",
        "runs/mid/checkpoints/ckpt_000002/model.safetensors": "w",
        "runs/mid/checkpoints/ckpt_000003/model.safetensors": "being written",  # no state yet
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    destination.mkdir(parents=True)
    (destination / "stale.md").write_text("from the last snapshot")
    (destination / "runs" / "done").mkdir(parents=True)
    (destination / "runs" / "committed-before").mkdir()  # a run the source folder does not have

    assert scripts("snapshot_benchmark").main([str(source), str(destination), "--max-file-mb", "0.001"]) == 0
    assert capsys.readouterr().err.startswith(
        f"WARNING: {destination} no longer has 1 run folders it had, which {source} lacks or the rules above "
        "left out (git restores them): committed-before"
    )
    copied = {p.relative_to(destination).as_posix() for p in destination.rglob("*") if p.is_file()}
    assert copied == {
        "run_config.json",
        "leaderboard.md",
        "runs/done/benchmark_run.json",
        "runs/done/best_model/model.safetensors",
        "runs/big/benchmark_run.json",
        "runs/mid/run_config.json",
        f"runs/mid/checkpoints/ckpt_000002/{STATE_FILE}",
        "runs/mid/checkpoints/ckpt_000002/model.safetensors",
    }
    assert not list(tmp_path.glob("benchmarks/.paper*")), "no half-built folder left behind"


def test_the_snapshot_leaves_out_the_runs_excluded_by_name(scripts, tmp_path):
    source, destination = tmp_path / "results", tmp_path / "paper"
    for name in ("t0__lstm__c_fold1__seed0", "t0__lstm__c_fold2__seed0", "t1__lstm__c_fold2__seed0"):
        (source / "runs" / name).mkdir(parents=True)
        (source / "runs" / name / "benchmark_run.json").write_text("{}")
    (source / "run_config.json").write_text("{}")

    assert (
        scripts("snapshot_benchmark").main([str(source), str(destination), "--exclude", "t0__*_fold2__*"])
        == 0
    )
    assert sorted(p.name for p in (destination / "runs").iterdir()) == [
        "t0__lstm__c_fold1__seed0",
        "t1__lstm__c_fold2__seed0",
    ]


def test_the_snapshot_leaves_out_the_slices_not_finished(scripts, tmp_path, monkeypatch, capsys):
    """A slice (one fold of one task and seed) with some runs finished is left out whole; a whole slice
    and one not started are copied as they are."""
    source, destination = tmp_path / "results", tmp_path / "paper"
    finished = ["t0__lstm__c_fold1__seed0", "t0__tcn__c_fold1__seed0", "t0__lstm__c_fold2__seed0"]
    for name in [*finished, "t0__tcn__c_fold2__seed0", "t0__lstm__c_fold3__seed0"]:
        (source / "runs" / name).mkdir(parents=True)
        (source / "runs" / name / "run_config.json").write_text("{}")
    for name in finished:
        (source / "runs" / name / "benchmark_run.json").write_text("{}")
    (source / "runs" / "t0__tcn__c_fold2__seed0" / "checkpoints").mkdir()  # running
    (source / "run_config.json").write_text("{}")
    slices = {
        ("t0", f"c_fold{k}", "", 0): [f"t0__lstm__c_fold{k}__seed0", f"t0__tcn__c_fold{k}__seed0"]
        for k in (1, 2, 3)
    }
    module = scripts("snapshot_benchmark")
    monkeypatch.setattr(module, "planned_slices", lambda preset, data_dir: slices)

    assert module.main([str(source), str(destination), "--whole-slices", "paper"]) == 0
    assert sorted(p.name for p in (destination / "runs").iterdir()) == [
        "t0__lstm__c_fold1__seed0",
        "t0__tcn__c_fold1__seed0",
    ]
    assert "left out the slice t0 c_fold2 seed 0: 1 of 2 runs finished" in capsys.readouterr().out


def test_the_snapshot_keeps_the_unfinished_slices_apart_for_the_next_machine(scripts, tmp_path, monkeypatch):
    """--unfinished copies exactly the runs --whole-slices leaves out (a finished one, the newest checkpoint
    of a running one, also in a slice none of whose runs has finished), nothing else, with a README naming
    the slices; the committed folder gets whole slices only."""
    from agroflux_hf.training.checkpointing import STATE_FILE

    source, destination, unfinished = tmp_path / "results", tmp_path / "paper", tmp_path / "unfinished"
    files = {
        "run_config.json": "{}",
        "leaderboard.md": "# table",
        "logs/worker-1.log": "log",
        "runs/t0__lstm__c_fold1__seed0/benchmark_run.json": "{}",
        "runs/t0__tcn__c_fold1__seed0/benchmark_run.json": "{}",
        "runs/t0__lstm__c_fold2__seed0/benchmark_run.json": "{}",
        "runs/t0__tcn__c_fold2__seed0/run_config.json": "{}",
        f"runs/t0__tcn__c_fold2__seed0/checkpoints/ckpt_000001/{STATE_FILE}": "{}",
        f"runs/t0__tcn__c_fold2__seed0/checkpoints/ckpt_000002/{STATE_FILE}": "{}",
        "runs/t0__lstm__c_fold3__seed0/run_config.json": "{}",  # none of fold 3 finished, one resumable
        f"runs/t0__lstm__c_fold3__seed0/checkpoints/ckpt_000001/{STATE_FILE}": "{}",
        "runs/t0__tcn__c_fold3__seed0/run_config.json": "{}",  # only started
        "runs/t0__lstm__c_fold4__seed0/run_config.json": "{}",  # fold 4: nothing to resume
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    slices = {
        ("t0", f"c_fold{k}", "", 0): [f"t0__lstm__c_fold{k}__seed0", f"t0__tcn__c_fold{k}__seed0"]
        for k in (1, 2, 3, 4)
    }
    module = scripts("snapshot_benchmark")
    monkeypatch.setattr(module, "planned_slices", lambda preset, data_dir: slices)

    args = [str(source), str(destination), "--whole-slices", "paper", "--unfinished", str(unfinished)]
    assert module.main(args) == 0
    kept = {p.relative_to(unfinished).as_posix() for p in unfinished.rglob("*") if p.is_file()}
    assert kept == {
        "README.md",
        "runs/t0__lstm__c_fold2__seed0/benchmark_run.json",
        "runs/t0__tcn__c_fold2__seed0/run_config.json",
        f"runs/t0__tcn__c_fold2__seed0/checkpoints/ckpt_000002/{STATE_FILE}",
        "runs/t0__lstm__c_fold3__seed0/run_config.json",
        f"runs/t0__lstm__c_fold3__seed0/checkpoints/ckpt_000001/{STATE_FILE}",
    }
    readme = (unfinished / "README.md").read_text()
    assert "t0 c_fold2 seed 0: 1 of 2 runs finished, 1 resumable" in readme
    assert "t0 c_fold3 seed 0: 0 of 2 runs finished, 1 resumable" in readme
    assert "--preset paper --keep-models needed --output-dir RESULTS" in readme
    assert str(source) not in readme, "the README names the output folder, not this machine's path to it"
    assert "(`results`)" in readme
    assert sorted(p.name for p in (destination / "runs").iterdir()) == [
        "t0__lstm__c_fold1__seed0",
        "t0__tcn__c_fold1__seed0",
    ]
    with pytest.raises(SystemExit):
        module.main([str(source), str(destination), "--unfinished", str(unfinished)])


def test_the_snapshot_refuses_a_folder_that_is_not_a_benchmark(scripts, tmp_path):
    with pytest.raises(SystemExit, match="not a benchmark output folder"):
        scripts("snapshot_benchmark").main([str(tmp_path), str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def _t2_record(folder: Path, model: str, seed: int) -> None:
    """A finished T2 fine-tune run's record, as the benchmark writes it (only its spec is read)."""
    import json

    spec = {"model": model, "task": "t2-finetune", "config": "temporal_co2", "dataset": "co2",
            "scheme": "temporal", "fold": 0, "source_config": "temporal_dssat_ceres_maize",
            "source_dataset": "dssat_ceres_maize", "seed": seed}  # fmt: skip
    run = folder / "runs" / f"t2-finetune__{model}__temporal_co2__from_temporal_dssat_ceres_maize__seed{seed}"
    run.mkdir(parents=True)
    (run / "benchmark_run.json").write_text(json.dumps({"settings": {"spec": spec}}))


def test_zero_shot_scores_each_t2_starting_checkpoint_on_the_observations(scripts, tmp_path, capsys):
    """The T0 checkpoint a T2 fine-tune run started from is scored on the T2 config's validation and
    test splits as it is (here the shipped CERES-Maize LSTM and TCN on the towers' held-out years), the
    CSV lands beside the folder, and the table gives the best architecture and the one chosen on
    validation; a T2 run whose starting checkpoint is missing is an error naming it."""
    import shutil

    import pandas as pd

    zero_shot = scripts("zero_shot")
    folder = tmp_path / "paper"
    shipped = Path(__file__).resolve().parents[1] / "agroflux_hf" / "checkpoints"
    for model in ("lstm", "tcn"):
        _t2_record(folder, model, seed=0)
        t0 = folder / "runs" / f"t0__{model}__temporal_dssat_ceres_maize__seed0" / "best_model"
        shutil.copytree(shipped / f"{model}-temporal_dssat_ceres_maize", t0)
    assert zero_shot.main([str(folder)]) == 0
    frame = pd.read_csv(tmp_path / "paper-zero-shot.csv")
    assert set(frame["split"]) == {"validation", "test"} and set(frame["model"]) == {"lstm", "tcn"}
    assert {"NEE", "GPP", "ET"} <= set(frame["target"]) and frame["r2"].notna().all()
    test = frame[(frame["split"] == "test") & (frame["target"] == "NEE")].set_index("model")["r2"]
    capsys.readouterr()
    assert zero_shot.main([str(folder), "--table", "--targets", "NEE"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| temporal")]
    best = test.idxmax()
    assert row.startswith(f"| temporal | NEE (co2) | dssat_ceres_maize | {test.max():.2f} ({best}) |")
    _t2_record(folder, "transformer", seed=0)
    with pytest.raises(FileNotFoundError, match="t0__transformer__temporal_dssat_ceres_maize__seed0"):
        zero_shot.main([str(folder)])
