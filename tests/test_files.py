"""The shared file helpers: atomic writes and folder swaps leave nothing half-written."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from agroflux_hf import files


def test_atomic_write_text_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    files.atomic_write_text(target, "one")
    files.atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@dataclass
class _Row:
    value: float
    name: str


def test_json_safe_turns_non_finite_and_numpy_into_strict_json(tmp_path: Path) -> None:
    payload = {
        "nan": math.nan,
        "inf": np.float32("inf"),
        "i": np.int64(3),
        "row": _Row(1.5, "x"),
        "p": tmp_path,
    }
    out = files.json_safe(payload)
    assert out == {"nan": None, "inf": None, "i": 3, "row": {"value": 1.5, "name": "x"}, "p": str(tmp_path)}
    path = files.write_json(tmp_path / "a.json", payload)
    assert "NaN" not in path.read_text()


def test_building_directory_swaps_in_only_a_complete_folder(tmp_path: Path) -> None:
    out = tmp_path / "results"
    with files.building_directory(out) as built:
        (built / "a").write_text("1")
    assert (out / "a").read_text() == "1"
    with pytest.raises(ValueError), files.building_directory(out) as built:
        (built / "b").write_text("2")
        raise ValueError("failed half way")
    assert sorted(p.name for p in out.iterdir()) == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_cache_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(files.CACHE_ENV, str(tmp_path))
    assert files.cache_root() == tmp_path
