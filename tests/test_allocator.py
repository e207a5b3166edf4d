"""The malloc settings the ``agroflux`` commands apply: they take effect, and they respect the user's choice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from agroflux_hf import allocator, cli

GLIBC = allocator._glibc() is not None

FAULTS_OF_REUSED_ARRAYS = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from agroflux_hf.allocator import keep_freed_memory
    assert keep_freed_memory()
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    arrays = [np.ones(2**20) for _ in range(4)]  # four 8 MB arrays, freed together
    del arrays
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
"""


@pytest.fixture
def clean_environment(monkeypatch):
    """No malloc variable and no opt-out set, whatever an earlier test or the caller's shell set."""
    for key in [s.variable for s in allocator.SETTINGS] + [allocator.OPT_OUT_ENV]:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def _page_faults(mode: str) -> int:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environment.pop(allocator.OPT_OUT_ENV, None)
    command = [sys.executable, "-c", FAULTS_OF_REUSED_ARRAYS, mode]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return int(result.stdout.strip())


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's")
def test_kept_memory_spares_the_page_faults_of_reallocated_arrays():
    """Under glibc's defaults freed 8 MB arrays go back to the kernel and come back as page faults."""
    default, tuned = _page_faults("default"), _page_faults("tuned")
    assert tuned * 4 < default, (tuned, default)


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's")
def test_applied_settings_reach_the_processes_started_afterwards(clean_environment):
    assert allocator.keep_freed_memory()
    assert allocator.keep_freed_memory()  # idempotent: our own variables are not a user's choice
    for setting in allocator.SETTINGS:
        assert os.environ[setting.variable] == str(setting.value)


def test_opting_out_changes_nothing(clean_environment):
    clean_environment.setenv(allocator.OPT_OUT_ENV, "default")
    assert not allocator.keep_freed_memory()
    assert not any(s.variable in os.environ for s in allocator.SETTINGS)


def test_a_users_own_malloc_variable_is_left_alone(clean_environment):
    clean_environment.setenv("MALLOC_TOP_PAD_", "0")
    assert not allocator.keep_freed_memory()
    assert os.environ["MALLOC_TOP_PAD_"] == "0"
    assert "MALLOC_MMAP_THRESHOLD_" not in os.environ


def test_other_c_libraries_are_left_alone(clean_environment):
    clean_environment.setattr(allocator, "_glibc", lambda: None)
    assert not allocator.keep_freed_memory()
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ


def test_every_command_applies_them_before_it_runs(clean_environment, tmp_path):
    seen = []
    clean_environment.setattr(cli, "keep_freed_memory", lambda: seen.append("applied") or True)
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert seen == []  # help alone touches nothing
    assert cli.main(["evaluate", str(tmp_path / "nowhere"), "--config", "temporal_co2"]) == 1
    assert seen == ["applied"]
