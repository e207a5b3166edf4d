"""The command line's shared behaviour: --version, -q, defaults in --help, user errors in one line."""

from __future__ import annotations

import os

import pytest

import agroflux_hf
from agroflux_hf import cli


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"agroflux {agroflux_hf.__version__}"


def test_help_shows_defaults_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "{lstm,ealstm,tcn,transformer,itransformer,pyraformer}" in text
    assert "(default: None)" in text  # every option says its default
    data_dir_help = text.split("--data-dir DATA_DIR dataset folder")[1].split("--output-dir")[0]
    assert data_dir_help.count("(default:") == 1  # a help text that names its default is not given a second
    with pytest.raises(SystemExit):
        cli.main(["data", "publish", "--help"])
    assert "default:" in capsys.readouterr().out


def test_missing_checkpoint_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    code = cli.main(["evaluate", str(tmp_path / "nowhere"), "--config", "temporal_co2"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("agroflux evaluate: error:") and "nowhere" in err


def test_unknown_config_names_the_choices(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    code = cli.main(
        [
            "train",
            "--task",
            "t1",
            "--model",
            "lstm",
            "--config",
            "no_such",
            "--output-dir",
            str(tmp_path / "r"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "unknown config 'no_such'" in err and "temporal_co2" in err


def test_verbose_shows_the_traceback(tmp_path) -> None:
    from agroflux_hf.errors import MissingCheckpointError

    with pytest.raises(MissingCheckpointError):
        cli.main(["-v", "evaluate", str(tmp_path / "nowhere"), "--config", "temporal_co2"])


def test_quiet_silences_every_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in cli.QUIET_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    seen = {}

    def fake_run(args):
        seen["no_progress"] = args.no_progress
        return 0

    parser = cli.build_parser()
    args = parser.parse_args(["-q", "benchmark", "--output-dir", "x"])
    args.func = fake_run
    monkeypatch.setattr(cli, "build_parser", lambda: _Fixed(parser, args))
    assert cli.main(["-q", "benchmark", "--output-dir", "x"]) == 0
    assert seen["no_progress"] is True
    assert all(os.environ[k] == v for k, v in cli.QUIET_ENVIRONMENT.items())


class _Fixed:
    """A parser stand-in returning prepared arguments (the real handler would train)."""

    def __init__(self, parser, args) -> None:
        self._parser, self._args = parser, args

    def parse_args(self, argv):
        return self._args

    def print_help(self) -> None:
        self._parser.print_help()


def test_quiet_environment_silences_a_bar_asked_for_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    from agroflux_hf.progress import progress_bar

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert not progress_bar(range(3), enabled=True).disable
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert progress_bar(range(3), enabled=True).disable


def test_benchmark_report_only_on_an_empty_folder_lists_every_run_pending(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing trains; the README names the command, the machine and what is still to run; exit 0."""
    import json

    out = tmp_path / "results"
    assert cli.main(["-q", "benchmark", "--quick", "--report-only", "--output-dir", str(out)]) == 0
    assert "216 pending (not run yet)" in capsys.readouterr().out
    readme = (out / "README.md").read_text()
    assert f"- Command: `agroflux -q benchmark --quick --report-only --output-dir {out}`" in readme
    assert "## Progress" in readme and "- Compute: 0.00 h summed over the 0 finished runs" in readme
    # how far each config's test sites lie from training, measured on the data (here all within range)
    assert "## Test sites against the training range" in readme
    assert "| temporal_co2 | 2.4 (IRRIGATED) | - |" in readme
    record = json.loads((out / "run_config.json").read_text())
    assert record["command"].startswith("agroflux -q benchmark") and record["versions"]["cpu"]
    assert {run["status"] for run in record["runs"]} == {"pending"}


def test_benchmark_bound_statics_is_said_in_the_output_readme(tmp_path) -> None:
    out = tmp_path / "bounded"
    argv = ["-q", "benchmark", "--quick", "--report-only", "--output-dir", str(out), "--bound-statics"]
    assert cli.main(argv) == 0
    readme = (out / "README.md").read_text()
    assert (
        "- Static attributes bounded to each network run's training range in the temporal and spatial"
        in readme
    )
    assert cli.main([*argv, "spatial"]) == 0
    assert "training range in the spatial scheme" in (out / "README.md").read_text()


def test_quiet_in_a_fresh_process_and_a_config_type_error_is_one_line(tmp_path) -> None:
    """-q in a new interpreter, where no library is imported before the quiet environment is set (an
    import of huggingface_hub.errors at start made -q fail there: its submodules load lazily)."""
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    missing = [
        sys.executable,
        "-m",
        "agroflux_hf.cli",
        "-q",
        "evaluate",
        str(tmp_path / "none"),
        "--config",
        "x",
    ]
    done = subprocess.run(missing, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("agroflux evaluate: error:"), done.stderr[-2000:]
    assert "Traceback" not in done.stderr

    from huggingface_hub.errors import StrictDataclassError

    assert cli.is_user_error(StrictDataclassError("Field 'hidden_size' expected int, got str"))
    assert not cli.is_user_error(RuntimeError("a bug"))
