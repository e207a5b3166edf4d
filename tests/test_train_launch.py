"""Accelerate around ``agroflux train``: trackers (report_to), hyperparameters, the process-count
warning, push_to_hub after training (fake Hub), and one run file describing a whole run."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
import torch
from accelerate.tracking import GeneralTracker

from agroflux_hf.errors import DataFileError
from agroflux_hf.training import launch
from agroflux_hf.training.arguments import ArgumentError, TrainingArguments, read_run_file
from agroflux_hf.training.loop import train
from tests.test_training import TINY, quick_args, synthetic  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_thread")


# ---------------------------------------------------------------- report_to
@pytest.fixture
def installed(monkeypatch):
    """Pretend exactly the trackers in the returned set are installed."""
    found: set[str] = set()
    monkeypatch.setattr(launch, "is_tracker_installed", lambda name: name in found)
    return found


def test_report_to_auto_keeps_tensorboard_when_installed(installed):
    assert launch.log_with(TrainingArguments()) is None
    installed.add("tensorboard")
    assert launch.log_with(TrainingArguments()) == ["tensorboard"]
    assert launch.log_with(TrainingArguments(log_tensorboard=False)) is None
    assert launch.log_with(TrainingArguments(report_to="none")) is None


def test_report_to_all_takes_what_is_installed_and_a_named_missing_one_is_an_error(installed):
    assert launch.log_with(TrainingArguments(report_to="all")) is None
    installed.update({"wandb", "mlflow"})
    assert launch.log_with(TrainingArguments(report_to="all")) == ["wandb", "mlflow"]
    assert launch.log_with(TrainingArguments(report_to=["mlflow"])) == ["mlflow"]
    with pytest.raises(
        launch.TrackerUnavailableError, match=r"\['tensorboard'\], not installed.*pip install"
    ):
        launch.log_with(TrainingArguments(report_to=["tensorboard", "wandb"]))


def test_report_to_values_are_checked():
    assert TrainingArguments(report_to="wandb").report_to == ["wandb"]
    with pytest.raises(ArgumentError, match="unknown tracker"):
        TrainingArguments(report_to="tensorbored")
    with pytest.raises(ArgumentError, match="cannot be combined"):
        TrainingArguments(report_to=["none", "wandb"])


@pytest.mark.usefixtures("synthetic")
def test_a_named_missing_tracker_fails_before_training_in_one_cli_line(tmp_path, capsys):
    from agroflux_hf.cli import main

    argv = [
        "train",
        "--task",
        "t0",
        "--model",
        "lstm",
        "--config",
        "sim",
        "--output-dir",
        str(tmp_path / "r"),
    ]
    assert main([*argv, "--report-to", "wandb"]) == 1
    err = capsys.readouterr().err
    assert "wandb" in err and "not installed" in err and "Traceback" not in err
    assert not (tmp_path / "r" / "run_config.json").exists()


class RecordingTracker(GeneralTracker):
    """A tracker that keeps what Accelerate hands it."""

    name = "recording"
    requires_logging_directory = False

    def __init__(self) -> None:
        super().__init__()
        self.config: dict = {}
        self.logged: list[dict] = []

    @property
    def tracker(self):
        return self

    def store_init_configuration(self, values: dict) -> None:
        self.config = dict(values)

    def log(self, values: dict, step: int | None = None, **kwargs) -> None:
        self.logged.append(dict(values))

    def finish(self) -> None:
        pass


@pytest.mark.usefixtures("synthetic")
def test_trackers_get_the_hyperparameters_and_the_epoch_logs(tmp_path, monkeypatch):
    tracker = RecordingTracker()
    monkeypatch.setattr(launch, "log_with", lambda args: [tracker])
    train("t0", "lstm", "sim", output_dir=tmp_path, args=quick_args(epochs=1), model_overrides=TINY)
    config = tracker.config
    assert config["task"] == "t0" and config["model_name"] == "lstm" and config["config"] == "sim"
    assert config["training_arguments/learning_rate"] == 5e-3 and config["model_config/hidden_size"] == 8
    assert config["training_arguments/report_to"] == '["auto"]' and config["pretrained"] == "None"
    assert all(isinstance(v, bool | int | float | str) for v in config.values())
    assert not any(k.startswith("stats") or "/stats" in k for k in config)
    assert tracker.logged and "val_loss" in tracker.logged[0]


# ---------------------------------------------------------------- process count
def test_process_count_warnings(monkeypatch, tmp_path):
    args = TrainingArguments(num_processes=2)
    assert "num_processes 2 was asked" in launch.process_count_warnings(1, args, env={})[0]
    assert launch.process_count_warnings(2, args, env={"WORLD_SIZE": "2"}) == []
    (found,) = launch.process_count_warnings(1, TrainingArguments(), env={"WORLD_SIZE": "4"})
    assert "WORLD_SIZE=4" in found and "1 process" in found
    config = tmp_path / "default_config.yaml"
    config.write_text("compute_environment: LOCAL_MACHINE\nnum_processes: 4\n")
    import accelerate.commands.config as accelerate_config

    monkeypatch.setattr(accelerate_config, "default_config_file", str(config))
    (found,) = launch.process_count_warnings(1, TrainingArguments(), env={})
    assert str(config) in found and "accelerate launch" in found
    assert launch.process_count_warnings(4, TrainingArguments(), env={"WORLD_SIZE": "4"}) == []


@pytest.mark.usefixtures("synthetic")
def test_a_run_warns_when_it_has_fewer_processes_than_asked(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="agroflux_hf.training.launch"):
        train(
            "t0",
            "lstm",
            "sim",
            output_dir=tmp_path,
            args=quick_args(epochs=1, num_processes=2),
            model_overrides=TINY,
        )
    assert any("num_processes 2 was asked but the run has 1" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- push_to_hub
@pytest.mark.usefixtures("synthetic")
def test_push_to_hub_needs_a_valid_repo_id_before_training(tmp_path):
    with pytest.raises(ArgumentError, match="hub_model_id"):
        TrainingArguments(push_to_hub=True)
    from agroflux_hf.publish import PublishError

    with pytest.raises(PublishError, match="not valid"):
        train(
            "t0",
            "lstm",
            "sim",
            output_dir=tmp_path,
            model_overrides=TINY,
            args=quick_args(push_to_hub=True, hub_model_id="not a repo"),
        )
    assert not (tmp_path / "run_config.json").exists()


def test_train_push_to_hub_publishes_card_and_model_that_load_back(tmp_path, monkeypatch, capsys):
    """On the embedded default (a real config, so the card can describe the data), through the CLI."""
    from hub_fixture import CachedHub

    from agroflux_hf.cli import main
    from agroflux_hf.models import load_model

    hub, repo_id = CachedHub(), f"test-org/agroflux-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr("huggingface_hub.HfApi", lambda: hub)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    out = tmp_path / "run"
    argv = [
        *("train", "--task", "t1", "--model", "lstm", "--config", "temporal_co2", "--output-dir", str(out)),
        *("--epochs", "1", "--batch-size", "16", "--report-to", "none"),
        *("--model-override", "hidden_size=8", "--model-override", "num_hidden_layers=1"),
        *("--push-to-hub", "--hub-model-id", repo_id, "--hub-private-repo"),
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["hub_commit"].startswith(f"https://hub.example/{repo_id}/commit/")
    create = next(kwargs for call, kwargs in hub.calls if call == "create_repo")
    assert create["repo_id"] == repo_id and create["private"] is True
    snapshot = hub.snapshot(repo_id)
    card = (snapshot / "README.md").read_text()
    assert card == (out / "best_model" / "README.md").read_text() and repo_id in card
    assert {"config.json", "model.safetensors", "modeling_agroflux.py"} <= {
        p.name for p in snapshot.iterdir()
    }
    local, pushed = load_model(out / "best_model").eval(), load_model(repo_id).eval()
    past = torch.randn(2, 365, len(local.config.input_names))
    static = torch.randn(2, len(local.config.static_names))
    with torch.no_grad():
        torch.testing.assert_close(pushed(past, static).predictions, local(past, static).predictions)


# ---------------------------------------------------------------- run file
def test_run_file_unknown_keys_and_bad_values_name_the_file(tmp_path):
    bad = tmp_path / "run.yaml"
    bad.write_text("task: t0\nmodle: lstm\n")
    with pytest.raises(DataFileError, match=r"run.yaml.*unknown run file keys \['modle'\]"):
        read_run_file(bad)
    bad.write_text("task: t0\ntraining_arguments: {epoch: 3}\n")
    with pytest.raises(DataFileError, match=r"run.yaml.*\['epoch'\]"):
        read_run_file(bad)
    bad.write_text("task: t0\nmodel_overrides: [1, 2]\n")
    with pytest.raises(DataFileError, match="model_overrides must be a mapping"):
        read_run_file(bad)


@pytest.mark.usefixtures("synthetic")
def test_one_run_file_describes_a_whole_run_and_flags_override_it(tmp_path, capsys):
    from agroflux_hf.cli import main

    out = tmp_path / "from-file"
    run_file = tmp_path / "run.yaml"
    run_file.write_text(
        "task: t0\nmodel: lstm\nconfig: sim\n"
        f"output_dir: {out}\n"
        "targets: [GPP, NEE]\n"
        "model_overrides: {hidden_size: 8, num_hidden_layers: 1}\n"
        "training_arguments: {epochs: 1, batch_size: 8, eval_batch_size: 8, seed: 4, report_to: none}\n"
    )
    assert (
        main(["train", "--run-file", str(run_file), "--seed", "9", "--model-override", "hidden_size=6"]) == 0
    )
    run_config = json.loads((out / "run_config.json").read_text())
    assert (run_config["task"], run_config["model_name"], run_config["config"]) == ("t0", "lstm", "sim")
    assert run_config["target_names"] == ["GPP", "NEE"]
    assert run_config["training_arguments"]["seed"] == 9  # the flag wins
    assert run_config["training_arguments"]["epochs"] == 1 and run_config["training_arguments"][
        "report_to"
    ] == ["none"]
    assert (
        run_config["model_config"]["hidden_size"] == 6
        and run_config["model_config"]["num_hidden_layers"] == 1
    )
    capsys.readouterr()
    run_file.write_text("model: lstm\nconfig: sim\n")
    assert main(["train", "--run-file", str(run_file)]) == 1
    err = capsys.readouterr().err
    assert "missing ['--task', '--output-dir']" in err and "Traceback" not in err
    run_file.write_text("task: t9\nmodel: lstm\nconfig: sim\noutput_dir: x\n")
    assert main(["train", "--run-file", str(run_file)]) == 1
    assert "task 't9'" in capsys.readouterr().err


def test_resume_ignores_trackers_and_hub_settings_but_not_training_ones(tmp_path):
    from agroflux_hf.errors import IncompatibleCheckpointError
    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import check_resumable

    run = {k: None for k in ("task", "model_name", "config", "source_config", "pretrained", "targets")}
    run["model_overrides"], run["data_fingerprints"] = {}, {"temporal_co2": "9e948458d404500a"}
    saved = TrainingArguments(report_to="none").to_dict()
    saved.pop("push_to_hub")  # a run_config.json written before the field existed
    write_json(tmp_path / "run_config.json", {**run, "training_arguments": saved})
    now = TrainingArguments(report_to="all", num_processes=2, push_to_hub=True, hub_model_id="org/m")
    check_resumable(tmp_path, {**run, "training_arguments": now.to_dict()})
    with pytest.raises(IncompatibleCheckpointError, match="epochs"):
        check_resumable(tmp_path, {**run, "training_arguments": TrainingArguments(epochs=3).to_dict()})
    new_data = {**run, "data_fingerprints": {"temporal_co2": "0b1c"}, "training_arguments": now.to_dict()}
    with pytest.raises(IncompatibleCheckpointError, match="data_fingerprints"):  # a corrected table
        check_resumable(tmp_path, new_data)


def test_a_run_copied_with_its_pretrained_model_to_another_folder_resumes(tmp_path):
    """The paper preset's unfinished runs are committed and resumed on another machine: the same weights
    at another path resume; other weights at that path, or a path change without fingerprints, do not."""
    from agroflux_hf.errors import IncompatibleCheckpointError
    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import check_resumable, weights_fingerprint

    old, new = tmp_path / "old" / "best_model", tmp_path / "new" / "best_model"
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"same weights")
    run = {k: None for k in ("task", "model_name", "config", "source_config", "targets")}
    run |= {
        "model_overrides": {},
        "data_fingerprints": {},
        "training_arguments": TrainingArguments().to_dict(),
    }
    started = {**run, "pretrained": str(old), "pretrained_fingerprint": weights_fingerprint(old)}
    write_json(tmp_path / "run_config.json", started)
    moved = {**run, "pretrained": str(new), "pretrained_fingerprint": weights_fingerprint(new)}
    check_resumable(tmp_path, moved)
    (new / "model.safetensors").write_bytes(b"other weights")
    with pytest.raises(IncompatibleCheckpointError, match="holds other weights"):
        check_resumable(tmp_path, {**moved, "pretrained_fingerprint": weights_fingerprint(new)})
    write_json(tmp_path / "run_config.json", {**run, "pretrained": str(old)})  # saved before fingerprints
    with pytest.raises(IncompatibleCheckpointError, match="pretrained was"):
        check_resumable(tmp_path, moved)


def test_a_resumed_run_continues_only_from_the_pretrained_weights_it_started_from(tmp_path):
    """A T2 run killed mid-way whose T0 is trained again under the same path must not resume on top of
    the old T0's weights; a checkpoint saved before the fingerprint existed still resumes."""
    from agroflux_hf.errors import IncompatibleCheckpointError
    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import check_resumable, weights_fingerprint

    pretrained = tmp_path / "t0" / "best_model"
    pretrained.mkdir(parents=True)
    (pretrained / "model.safetensors").write_bytes(b"old weights")
    run = {k: None for k in ("task", "model_name", "config", "source_config", "targets")}
    run |= {"model_overrides": {}, "data_fingerprints": {}, "pretrained": str(pretrained)}
    run |= {"training_arguments": TrainingArguments().to_dict()}
    started = {**run, "pretrained_fingerprint": weights_fingerprint(pretrained)}
    write_json(tmp_path / "run_config.json", started)
    check_resumable(tmp_path, {**run, "pretrained_fingerprint": weights_fingerprint(pretrained)})
    (pretrained / "model.safetensors").write_bytes(b"new weights")
    assert weights_fingerprint(pretrained) != started["pretrained_fingerprint"]
    with pytest.raises(IncompatibleCheckpointError, match="holds other weights than when this run started"):
        check_resumable(tmp_path, {**run, "pretrained_fingerprint": weights_fingerprint(pretrained)})
    write_json(tmp_path / "run_config.json", run)  # saved before the fingerprint was recorded
    check_resumable(tmp_path, {**run, "pretrained_fingerprint": weights_fingerprint(pretrained)})
    assert weights_fingerprint(None) is None and weights_fingerprint("org/model-on-the-hub") is None


def test_resume_accepts_fields_added_since_the_checkpoint_at_their_defaults(tmp_path):
    """A run killed before TrainingArguments gained a field resumes with the new code when the field has
    its default (or is not compared, like compile_attention), not when it is set to something else."""
    from agroflux_hf.errors import IncompatibleCheckpointError
    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import check_resumable

    run = {k: None for k in ("task", "model_name", "config", "source_config", "pretrained", "targets")}
    run["model_overrides"], run["data_fingerprints"] = {}, {}
    saved = TrainingArguments().to_dict()
    saved.pop("warmup_steps"), saved.pop("compile_attention")  # written before the fields existed
    write_json(tmp_path / "run_config.json", {**run, "training_arguments": saved})
    check_resumable(
        tmp_path, {**run, "training_arguments": TrainingArguments(compile_attention=True).to_dict()}
    )
    with pytest.raises(IncompatibleCheckpointError, match="warmup_steps"):
        check_resumable(tmp_path, {**run, "training_arguments": TrainingArguments(warmup_steps=7).to_dict()})


def test_compile_attention_flag_reaches_the_training_arguments():
    from agroflux_hf.cli import build_parser
    from agroflux_hf.commands.train import training_arguments

    base = ["train", "--task", "t1", "--model", "pyraformer", "--config", "temporal_co2", "--output-dir", "o"]
    assert training_arguments(build_parser().parse_args([*base, "--compile-attention"])).compile_attention
    assert not training_arguments(build_parser().parse_args(base)).compile_attention


def test_a_resumed_state_reads_a_nan_sum_back_as_nan(tmp_path):
    """JSON has no NaN: a diverged batch's sum is saved as null; resuming must not add a float to None."""
    import math

    from agroflux_hf.files import write_json
    from agroflux_hf.training.checkpointing import STATE_FILE, restore_state

    class Accelerator:
        is_main_process = True

        def load_state(self, folder: str) -> None:
            pass

    folder = tmp_path / "checkpoints" / "ckpt_000001"
    folder.mkdir(parents=True)
    write_json(folder / STATE_FILE, {"epoch": 0, "global_step": 3, "running": {"train_loss": float("nan")}})
    state = restore_state(Accelerator(), tmp_path)
    assert state.global_step == 3 and math.isnan(state.running["train_loss"])
