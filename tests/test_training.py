"""Training loop: every supervised task end to end, resume after a kill, 1 vs 2 processes, CLI.

Data: small synthetic configs in the sequence-dataset layout (a simulation and an observation with
gaps), put behind the loop's data seam so the tests do not depend on which sources are built;
``test_real_default_data`` runs one tiny T1 on the embedded AgroFlux-mini. Models: the real
AgroFlux models, tiny (hidden 8, one layer).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from agroflux_hf.errors import DataFileError, SchemaError
from agroflux_hf.training import (
    TrainingArguments,
    checkpointing,
    evaluation,
    plans,
    predict_dataset,
    train,
)
from agroflux_hf.training.tensors import SplitTensors

TINY = {"hidden_size": 8, "num_hidden_layers": 1, "dropout": 0.0}
DAYS = 365


# ---------------------------------------------------------------- synthetic configs
def _drivers(rng: np.random.Generator, n: int, shift: float, days: int = DAYS) -> dict[str, np.ndarray]:
    day = np.arange(days)
    season = np.sin(2 * np.pi * (day - 100) / DAYS)
    tmax = 15 + 12 * season + rng.normal(0, 2, (n, days)) + shift
    return {
        "TMAX": tmax,
        "TMIN": tmax - 9 + rng.normal(0, 1, (n, days)),
        "PRECIP": rng.exponential(2.0, (n, days)),
        "VPD": np.clip(tmax * 0.6, 0, None),
    }


def _responses(v: dict[str, np.ndarray], sand: np.ndarray) -> dict[str, np.ndarray]:
    gpp = np.clip(0.45 * (v["TMAX"] - 5), 0, None) * (1 + sand[:, None] / 1000)
    reco = 0.8 + 0.08 * np.clip(v["TMIN"], 0, None)
    return {"GPP": gpp, "RECO": reco, "NEE": reco - gpp, "ET": 0.08 * v["TMAX"] + 0.05 * v["PRECIP"]}


def make_split(
    seed: int,
    n: int,
    inputs: tuple[str, ...],
    statics: tuple[str, ...],
    targets: tuple[str, ...],
    *,
    shift: float = 0.0,
    gap: float = 0.0,
    sites: int = 4,
    prefix: str = "S",
    days: int = DAYS,
) -> SplitTensors:
    """``n`` site-years; ``gap`` = share of target days left unobserved (NaN)."""
    rng = np.random.default_rng(seed)
    drivers = _drivers(rng, n, shift, days)
    sand = rng.uniform(100, 600, n)
    responses = _responses(drivers, sand)
    targ = np.stack([responses[t] for t in targets], -1).astype(np.float32)
    if gap:
        targ[rng.random(targ.shape) < gap] = np.nan
    return SplitTensors(
        past_values=torch.from_numpy(np.stack([drivers[i] for i in inputs], -1).astype(np.float32)),
        static=torch.from_numpy(np.repeat(sand[:, None], len(statics), 1).astype(np.float32)),
        targets=torch.from_numpy(targ),
        input_names=inputs,
        static_names=statics,
        target_names=targets,
        site_ids=np.array([f"{prefix}{i % sites}" for i in range(n)], dtype=object),
        years=np.array([2000 + i // sites for i in range(n)], dtype=np.int32),
        experiments=np.full(n, -1, dtype=np.int32),
        first_dates=np.array([""] * n, dtype=object),
    )


def _stats(split: SplitTensors) -> dict:
    def group(values: torch.Tensor, names: tuple[str, ...]) -> dict:
        flat = values.reshape(-1, len(names)).numpy() if names else np.zeros((0, 0))
        return {
            n: {"mean": float(np.nanmean(flat[:, j])), "std": float(np.nanstd(flat[:, j]) or 1.0)}
            for j, n in enumerate(names)
        }

    return {
        "inputs": group(split.past_values, split.input_names),
        "static": group(split.static, split.static_names),
        "targets": group(split.targets, split.target_names),
    }


def make_config(
    name: str,
    domain: str,
    inputs: tuple[str, ...],
    statics: tuple[str, ...],
    targets: tuple[str, ...],
    sizes: tuple[int, int, int] = (16, 4, 4),
    **kwargs,
) -> plans.ConfigData:
    splits = {
        split: make_split(100 * k + len(name), n, inputs, statics, targets, **kwargs)
        for k, (split, n) in enumerate(zip(plans.SPLITS, sizes, strict=True))
    }
    info = SimpleNamespace(
        name=name,
        domain=domain,
        input_names=inputs,
        static_names=statics,
        target_names=targets,
        stats=_stats(splits["train"]),
    )
    return plans.ConfigData(info=info, splits=splits)


def synthetic_configs() -> dict[str, plans.ConfigData]:
    return {
        "sim": make_config("sim", "simulation", ("TMAX", "TMIN", "PRECIP"), ("SAND",), ("GPP", "NEE", "ET")),
        # towers: no PRECIP, an extra VPD, gappy targets, warmer (a domain shift)
        "obs": make_config(
            "obs",
            "observation",
            ("TMAX", "TMIN", "VPD"),
            ("SAND",),
            ("GPP", "NEE", "RECO"),
            sizes=(8, 4, 4),
            gap=0.5,
            shift=8.0,
            prefix="T",
        ),
        "disjoint": make_config("disjoint", "observation", ("VPD",), (), ("GPP",), sizes=(4, 2, 2)),
    }


def install_synthetic() -> None:
    """Put the synthetic configs behind ``plans.load_config_data`` (also used by subprocess scripts)."""
    configs = synthetic_configs()
    plans.load_config_data = lambda config, data_dir=None: configs[config]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def synthetic(monkeypatch):
    configs = synthetic_configs()
    monkeypatch.setattr(plans, "load_config_data", lambda config, data_dir=None: configs[config])
    return configs


def quick_args(**overrides) -> TrainingArguments:
    values = {"epochs": 2, "batch_size": 8, "eval_batch_size": 8, "learning_rate": 5e-3, "seed": 3}
    values.update(overrides)
    return TrainingArguments(**values)


def weights_of(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


# ---------------------------------------------------------------- tasks end to end
def test_t0_writes_every_output_and_scores_the_best_model(synthetic, tmp_path):
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=quick_args(epochs=3), model_overrides=TINY)
    for name in ("best_model/config.json", "best_model/model.safetensors", "run_config.json", "metrics.json"):
        assert (tmp_path / name).is_file(), name
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3]
    assert (tmp_path / "log.csv").read_text().splitlines()[0].startswith("epoch,")
    run_config = json.loads((tmp_path / "run_config.json").read_text())
    assert run_config["target_names"] == ["GPP", "NEE", "ET"]
    # the checkpoint records the data it was trained on (evaluate --towers reads it)
    saved = json.loads((tmp_path / "best_model" / "config.json").read_text())
    assert saved["training_data"] == {"config": "sim", "data_dir": None, "source_config": None}
    # stats from the training split only, as the model carries them
    assert run_config["stats"]["targets"]["GPP"] == synthetic["sim"].info.stats["targets"]["GPP"]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics) == {"validation", "test"}
    assert set(metrics["test"]) == {"GPP", "NEE", "ET"}
    assert metrics["test"]["GPP"]["pooled"]["n"] == 4 * DAYS
    assert metrics["test"]["GPP"]["per_site"]["n_sites"] == 4
    # the scores are those of the saved best model, recomputed independently
    from agroflux_hf.models import load_model

    best = load_model(tmp_path / "best_model")
    again = predict_dataset(best, synthetic["sim"].splits["test"]).scores()
    assert again["NEE"]["pooled"]["rmse"] == pytest.approx(metrics["test"]["NEE"]["pooled"]["rmse"], rel=1e-6)
    # the best epoch is the one with the lowest validation loss
    history = result.history
    best_epoch = min(history, key=lambda e: e["val_loss"])["epoch"]
    val = evaluation.validation_loss(best, synthetic["sim"].splits["validation"], 8, _Single())
    assert val == pytest.approx(history[best_epoch - 1]["val_loss"], rel=1e-5)
    assert history[-1]["train_loss"] < history[0]["train_loss"]


class _Single:
    """The few Accelerator members ``predict_dataset`` uses, for one process without Accelerate."""

    num_processes = 1
    device = torch.device("cpu")

    def prepare_data_loader(self, loader):
        return loader

    def gather_for_metrics(self, values):
        return values


def test_t0_selects_a_module_or_named_targets(synthetic, tmp_path):
    water = train(
        "t0",
        "lstm",
        "sim",
        output_dir=tmp_path / "w",
        args=quick_args(epochs=1),
        model_overrides=TINY,
        targets="Water",
    )
    assert list(water.metrics["test"]) == ["ET"]
    named = train(
        "t0",
        "lstm",
        "sim",
        output_dir=tmp_path / "n",
        args=quick_args(epochs=1),
        model_overrides=TINY,
        targets=["NEE"],
    )
    assert list(named.metrics["test"]) == ["NEE"]
    with pytest.raises(SchemaError, match="N2O_FLUX"):
        train("t0", "lstm", "sim", output_dir=tmp_path / "x", args=quick_args(), targets=["N2O_FLUX"])


def test_t1_masks_unobserved_days(synthetic, tmp_path):
    obs = synthetic["obs"]
    result = train(
        "t1", "lstm", "obs", output_dir=tmp_path, args=quick_args(batch_size=4), model_overrides=TINY
    )
    observed = int((~torch.isnan(obs.splits["test"].targets[..., 0])).sum())
    assert 0 < observed < 4 * DAYS
    assert result.metrics["test"]["GPP"]["pooled"]["n"] == observed
    assert all(np.isfinite(e["train_loss"]) and np.isfinite(e["val_loss"]) for e in result.history)


def test_early_stopping_stops_after_patience(synthetic, tmp_path):
    # min_delta so large that no epoch after the first counts as an improvement
    args = quick_args(epochs=6, patience=2, min_delta=1e9)
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=args, model_overrides=TINY)
    assert [e["epoch"] for e in result.history] == [1, 2, 3]
    assert [e["improved"] for e in result.history] == [True, False, False]


def test_resume_after_a_kill_gives_the_same_weights(synthetic, tmp_path):
    # dropout on, so the restored RNG state matters; 4 batches per epoch, stop mid-epoch 2
    overrides = {**TINY, "dropout": 0.3}
    args = quick_args(epochs=3, batch_size=4, save_every_steps=3, patience=0)
    straight = train("t0", "lstm", "sim", output_dir=tmp_path / "a", args=args, model_overrides=overrides)
    killed = train(
        "t0",
        "lstm",
        "sim",
        output_dir=tmp_path / "b",
        args=args.replace(stop_after_steps=7),
        model_overrides=overrides,
    )
    assert killed.interrupted and not (tmp_path / "b" / "metrics.json").exists()
    state = json.loads(
        (checkpointing.latest_checkpoint(tmp_path / "b") / checkpointing.STATE_FILE).read_text()
    )
    assert (state["global_step"], state["epoch"], state["batches_in_epoch"]) == (6, 1, 2)  # mid-epoch
    resumed = train(
        "t0", "lstm", "sim", output_dir=tmp_path / "b", args=args, model_overrides=overrides, resume=True
    )
    a, b = weights_of(tmp_path / "a" / "best_model"), weights_of(tmp_path / "b" / "best_model")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    last_a = weights_of(checkpointing.latest_checkpoint(tmp_path / "a"))
    last_b = weights_of(checkpointing.latest_checkpoint(tmp_path / "b"))
    assert all(torch.equal(last_a[k], last_b[k]) for k in last_a)
    assert [e["val_loss"] for e in straight.history] == [e["val_loss"] for e in resumed.history]
    assert straight.metrics == resumed.metrics
    # a different run may not resume these checkpoints
    from agroflux_hf.errors import IncompatibleCheckpointError

    with pytest.raises(IncompatibleCheckpointError, match="learning_rate"):
        train(
            "t0",
            "lstm",
            "sim",
            output_dir=tmp_path / "b",
            args=args.replace(learning_rate=1.0),
            model_overrides=overrides,
            resume=True,
        )


def test_a_step_budget_validates_every_n_steps_with_a_cosine_schedule(synthetic, tmp_path):
    # 16 training sequences at batch 8: 2 steps per epoch; a 5-step budget spans 3 epochs
    args = quick_args(max_steps=5, eval_every_steps=2, lr_schedule="cosine", warmup_steps=1, patience=0)
    result = train("t0", "lstm", "sim", output_dir=tmp_path / "a", args=args, model_overrides=TINY)
    assert [e["global_step"] for e in result.history] == [2, 4, 5]  # every 2 steps, and at the budget
    assert [e["epoch"] for e in result.history] == [1, 2, 3]
    assert (result.steps, result.stopped_early) == (5, False)
    rates = [e["learning_rate"] for e in result.history]
    expected = [5e-3 * args.learning_rate_factor(s, 5) for s in (2, 4, 5)]
    assert rates == pytest.approx(expected) and rates[-1] == pytest.approx(0.0)
    assert args.learning_rate_factor(0, 5) == pytest.approx(1.0) and 0 < args.learning_rate_factor(3, 5) < 1
    # a killed step-budget run resumes to the same weights, schedule included
    killed = train(
        "t0",
        "lstm",
        "sim",
        output_dir=tmp_path / "b",
        args=args.replace(stop_after_steps=3),
        model_overrides=TINY,
    )
    assert killed.interrupted
    resumed = train(
        "t0", "lstm", "sim", output_dir=tmp_path / "b", args=args, model_overrides=TINY, resume=True
    )
    a, b = weights_of(tmp_path / "a" / "best_model"), weights_of(tmp_path / "b" / "best_model")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [e["val_loss"] for e in result.history] == [e["val_loss"] for e in resumed.history]

    # patience counts validations: no improvement after the first stops after 2 more
    def never_improving(folder: str, max_steps: int):
        args = quick_args(max_steps=max_steps, eval_every_steps=1, patience=2, min_delta=1e9)
        return train("t0", "lstm", "sim", output_dir=tmp_path / folder, args=args, model_overrides=TINY)

    stopped = never_improving("c", 50)
    assert [e["global_step"] for e in stopped.history] == [1, 2, 3]
    assert (stopped.steps, stopped.stopped_early) == (3, True)
    # the patience running out at the budget's last validation is not an early stop
    spent = never_improving("d", 3)
    assert (spent.steps, spent.stopped_early) == (3, False)
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainingArguments(lr_schedule="linear")


def test_an_epoch_budget_validates_the_steps_after_its_last_periodic_validation(synthetic, tmp_path):
    # 16 training sequences at batch 8: 2 steps per epoch, 6 in 3 epochs; every 4 steps validates step 4
    # only, so steps 5-6 need a last validation or they could never give the best model
    args = quick_args(epochs=3, eval_every_steps=4, patience=0)
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=args, model_overrides=TINY)
    assert [e["global_step"] for e in result.history] == [4, 6] and result.steps == 6
    # validating at the budget's end exactly adds nothing
    args = quick_args(epochs=2, eval_every_steps=2, patience=0)
    result = train("t0", "lstm", "sim", output_dir=tmp_path / "b", args=args, model_overrides=TINY)
    assert [e["global_step"] for e in result.history] == [2, 4]


def test_the_cosine_schedule_counts_the_step_accelerate_takes_at_an_epochs_end(synthetic, tmp_path):
    # batch 6 of 16 sequences: 3 batches an epoch; accumulating 2, Accelerate steps after batch 2 and at
    # the epoch's end: 2 steps an epoch, 4 in 2 epochs; the schedule must span 4, not 2 (half at rate 0)
    args = quick_args(batch_size=6, grad_accumulation=2, lr_schedule="cosine", patience=0)
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=args, model_overrides=TINY)
    assert [e["global_step"] for e in result.history] == [2, 4]
    assert result.history[0]["learning_rate"] == pytest.approx(5e-3 * args.learning_rate_factor(2, 4))
    assert result.history[0]["learning_rate"] == pytest.approx(2.5e-3)


def test_a_nan_validation_loss_is_never_the_best(synthetic, tmp_path, monkeypatch):
    """A diverged validation (NaN) kept as the best would win forever: every comparison with NaN is False."""
    from agroflux_hf.training import loop

    losses = iter([float("nan"), 1.0, 2.0])
    monkeypatch.setattr(loop, "validation_loss", lambda *args, **kwargs: next(losses))
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=quick_args(epochs=3), model_overrides=TINY)
    assert [e["improved"] for e in result.history] == [False, True, False]
    assert result.history[-1]["best_val_loss"] == 1.0


@pytest.fixture
def fresh_accelerate_state():
    """Accelerate keeps one process-wide state; another mixed precision needs it reset (tests only)."""
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)
    yield
    AcceleratorState._reset_state(reset_partial_state=True)


def test_gradient_accumulation_clipping_and_bf16_run(synthetic, tmp_path, fresh_accelerate_state):
    args = quick_args(batch_size=4, grad_accumulation=2, max_grad_norm=0.5, mixed_precision="bf16")
    result = train("t0", "lstm", "sim", output_dir=tmp_path, args=args, model_overrides=TINY)
    assert json.loads((tmp_path / "run_config.json").read_text())["mixed_precision"] == "bf16"
    assert result.history[-1]["global_step"] == 4  # 4 batches per epoch, 2 per optimiser step, 2 epochs
    assert np.isfinite(result.history[-1]["val_loss"])


def test_the_launchers_mixed_precision_wins_when_no_flag_is_given(
    synthetic, tmp_path, fresh_accelerate_state, monkeypatch
):
    # what `accelerate launch --mixed_precision bf16` hands the process
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")
    train("t0", "lstm", "sim", output_dir=tmp_path / "a", args=quick_args(epochs=1), model_overrides=TINY)
    assert json.loads((tmp_path / "a" / "run_config.json").read_text())["mixed_precision"] == "bf16"


# ---------------------------------------------------------------- two processes
_SCRIPT = """
import json, sys
sys.path.insert(0, {tests!r})
import test_training as t
t.install_synthetic()
from agroflux_hf.training import train
result = train("t0", "lstm", "sim", output_dir={out!r}, args=t.quick_args(epochs=2), model_overrides=t.TINY)
# 16 sequences at batch 6: the last batch of an epoch is 4 sequences, filled up to 6 by Accelerate
train("t0", "lstm", "sim", output_dir={out!r} + "_short", args=t.quick_args(epochs=2, batch_size=6),
      model_overrides=t.TINY)
# adversarial under DDP: one model forward and one discriminator forward per backward
train(
    "t2-adversarial", "lstm", "obs", source_config="sim", output_dir={out!r} + "_dann",
    args=t.quick_args(epochs=1, batch_size=4), model_overrides=t.TINY,
)
"""


def _run_script(tmp_path: Path, out: Path, processes: int) -> dict:
    script = tmp_path / f"run_{processes}.py"
    script.write_text(textwrap.dedent(_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out))))
    env = {
        **os.environ,
        "ACCELERATE_USE_CPU": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    command = [sys.executable, str(script)]
    if processes > 1:
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            str(processes),
            str(script),
        ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


def one_dann_n(tmp_path: Path) -> int:
    return json.loads((tmp_path / "one_dann" / "metrics.json").read_text())["test"]["GPP"]["pooled"]["n"]


def test_two_processes_match_one(tmp_path, monkeypatch):
    # the one-process reference runs the same script in this process (saves an interpreter start)
    monkeypatch.setattr(plans, "load_config_data", plans.load_config_data)  # undone after the test
    exec(_SCRIPT.format(tests=str(Path(__file__).parent), out=str(tmp_path / "one")), {})
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())
    two = _run_script(tmp_path, tmp_path / "two", 2)
    for split in ("validation", "test"):
        for target in ("GPP", "NEE", "ET"):
            a, b = one[split][target]["pooled"], two[split][target]["pooled"]
            assert a["n"] == b["n"]  # nothing dropped or counted twice
            assert b["rmse"] == pytest.approx(a["rmse"], rel=1e-3, abs=1e-4)
    dann = json.loads((tmp_path / "two_dann" / "metrics.json").read_text())
    assert dann["test"]["GPP"]["pooled"]["n"] == one_dann_n(tmp_path)
    # adversarial too: the processes draw one global observation batch, and padding rows are out of
    # the domain loss, so the losses are those of one process
    dann_one = [json.loads(x) for x in (tmp_path / "one_dann" / "log.jsonl").read_text().splitlines()]
    dann_two = [json.loads(x) for x in (tmp_path / "two_dann" / "log.jsonl").read_text().splitlines()]
    for key in ("train_loss", "domain_loss", "val_loss"):
        assert [e[key] for e in dann_two] == pytest.approx([e[key] for e in dann_one], rel=1e-3), key
    log_one = [json.loads(x) for x in (tmp_path / "one" / "log.jsonl").read_text().splitlines()]
    log_two = [json.loads(x) for x in (tmp_path / "two" / "log.jsonl").read_text().splitlines()]
    assert [e["val_loss"] for e in log_two] == pytest.approx([e["val_loss"] for e in log_one], rel=1e-3)
    # the rows repeated to fill a short last batch are not trained on: the same losses as one process
    short_one = [json.loads(x) for x in (tmp_path / "one_short" / "log.jsonl").read_text().splitlines()]
    short_two = [json.loads(x) for x in (tmp_path / "two_short" / "log.jsonl").read_text().splitlines()]
    assert [e["train_loss"] for e in short_two] == pytest.approx(
        [e["train_loss"] for e in short_one], rel=1e-4
    )
    assert [e["val_loss"] for e in short_two] == pytest.approx([e["val_loss"] for e in short_one], rel=1e-4)


# ---------------------------------------------------------------- arguments and CLI
def test_arguments_from_yaml_and_flags(tmp_path):
    file = tmp_path / "run.yaml"
    file.write_text("epochs: 3\nlearning_rate: 0.01\nfreeze: [backbone]\n")
    args = TrainingArguments.from_file(file)
    assert (args.epochs, args.learning_rate, args.freeze) == (3, 0.01, ["backbone"])
    assert args.replace(epochs=None, batch_size=4).batch_size == 4 and args.epochs == 3
    (tmp_path / "bad.json").write_text(json.dumps({"epoch": 3}))
    with pytest.raises(DataFileError, match="epoch"):
        TrainingArguments.from_file(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="mixed_precision"):
        TrainingArguments(mixed_precision="fp8")


def test_cli_train_then_evaluate(synthetic, tmp_path, capsys):
    from agroflux_hf.cli import main

    (tmp_path / "args.json").write_text(json.dumps({"epochs": 1, "batch_size": 8, "eval_batch_size": 8}))
    out = tmp_path / "run"
    code = main(
        [
            *("train", "--task", "t0", "--model", "lstm", "--config", "sim", "--output-dir", str(out)),
            *("--args-file", str(tmp_path / "args.json"), "--seed", "5", "--targets", "GPP", "NEE"),
            *("--model-override", "hidden_size=8", "--model-override", "num_hidden_layers=1"),
            "--bound-statics",
        ]
    )
    assert code == 0
    run_config = json.loads((out / "run_config.json").read_text())
    assert run_config["training_arguments"]["seed"] == 5 and run_config["training_arguments"]["epochs"] == 1
    assert run_config["training_arguments"]["bound_statics"] is True
    assert run_config["model_config"]["hidden_size"] == 8
    assert list(run_config["model_config"]["static_bounds"]) == ["SAND"]
    code = main(
        ["evaluate", str(out / "best_model"), "--config", "sim", "--output", str(tmp_path / "s.json")]
    )
    assert code == 0
    scores = json.loads((tmp_path / "s.json").read_text())
    saved = json.loads((out / "metrics.json").read_text())["test"]
    assert scores["GPP"]["pooled"]["r2"] == pytest.approx(saved["GPP"]["pooled"]["r2"], rel=1e-6)


def test_real_default_data_t1(tmp_path):
    """One tiny T1 run through the real loading API on the embedded AgroFlux-mini."""
    from agroflux_hf.data.loading import config_info, list_configs

    configs = [
        c for c in list_configs() if c.startswith("temporal_") and config_info(c).domain == "observation"
    ]
    if not configs:
        pytest.skip("the embedded default has no observation config yet")
    config = configs[0]
    result = train("t1", "lstm", config, output_dir=tmp_path, args=quick_args(epochs=1), model_overrides=TINY)
    info = config_info(config)
    assert set(result.metrics["validation"]) <= set(info.target_names)
    assert any(v["pooled"]["n"] > 0 for v in result.metrics["validation"].values())


def test_stats_without_training_values_become_identity_scaling():
    """The exporter writes null mean/std for a target no training site observes (a tower fold without GPP)."""
    from agroflux_hf.training.plans import stats_for

    stats = {
        "inputs": {"TMAX": {"mean": 10.0, "std": 0.0}},
        "static": {},
        "targets": {"GPP": {"mean": None, "std": None}, "ET": {"mean": 1.5, "std": 1.2}},
    }
    usable = stats_for(stats, ["TMAX"], [], ["GPP", "ET"])
    assert usable["targets"]["GPP"] == {"mean": 0.0, "std": 1.0}
    assert usable["targets"]["ET"] == {"mean": 1.5, "std": 1.2}
    assert usable["inputs"]["TMAX"] == {"mean": 10.0, "std": 1.0}


def test_bound_statics_sets_the_training_range_and_fine_tuning_widens_it(synthetic, tmp_path):
    """``bound_statics``: the model clips each static attribute to the range it trained on; T2 from a
    bounded model widens the range by the observations' statics (its weights saw bounded inputs)."""
    from agroflux_hf.models import load_model

    def sand_range(config: str) -> list[float]:
        values = synthetic[config].splits["train"].static[:, 0]
        return [float(values.min()), float(values.max())]

    args = quick_args(epochs=1, bound_statics=True)
    t0 = train("t0", "lstm", "sim", output_dir=tmp_path / "t0", args=args, model_overrides=TINY)
    bounded = load_model(t0.output_dir / "best_model")
    assert bounded.config.static_bounds == {"SAND": pytest.approx(sand_range("sim"))}
    assert bounded.scaler.static_high.tolist() == pytest.approx([sand_range("sim")[1]])  # refilled on load
    plain = train(
        "t0", "lstm", "sim", output_dir=tmp_path / "plain", args=quick_args(epochs=1), model_overrides=TINY
    )
    assert load_model(plain.output_dir / "best_model").config.static_bounds is None

    tuned = train(
        "t2-finetune",
        "lstm",
        "obs",
        output_dir=tmp_path / "ft",
        args=quick_args(epochs=1),  # bound_statics off: a bounded base keeps bounding, widened
        pretrained=t0.output_dir / "best_model",
    )
    low, high = load_model(tuned.output_dir / "best_model").config.static_bounds["SAND"]
    sim, obs = sand_range("sim"), sand_range("obs")
    assert (low, high) == pytest.approx((min(sim[0], obs[0]), max(sim[1], obs[1])))
