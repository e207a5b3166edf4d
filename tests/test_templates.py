"""Card templates are package data: found through importlib.resources, shipped in the wheel, rendered
from a wheel install (not the editable one) into a model card and the full dataset card."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from agroflux_hf import templates

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", templates.TEMPLATE_NAMES)
def test_templates_resolve_through_importlib_resources(name):
    resource = files("agroflux_hf.templates").joinpath(name)
    assert resource.is_file()
    assert templates.template_path(name).is_file()
    assert "{{" in templates.template_text(name)  # a template, with placeholders to fill
    assert Path(templates.__file__).parent == templates.template_path(name).parent


def test_templates_are_listed_as_package_data():
    """pyproject's package-data patterns match every template, so setuptools puts them in the wheel."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    for name in templates.TEMPLATE_NAMES:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name


def test_unknown_template_is_a_clear_error():
    with pytest.raises(KeyError, match=templates.MODEL_CARD):
        templates.template_path("nope.md")


_RENDER_FROM_WHEEL = r"""
import sys, torch, numpy as np, pandas as pd
from pathlib import Path
import agroflux_hf
assert "site-packages-wheel" in agroflux_hf.__file__, agroflux_hf.__file__
from agroflux_hf import cards, schema
from agroflux_hf.data.builder import SourceSpec
from agroflux_hf.data.export import export_dataset
from agroflux_hf.metrics.core import score_targets
from agroflux_hf.models import build_model

out = Path(sys.argv[1])
dates = pd.date_range("2001-01-01", "2004-12-31", freq="D")
def frames():
    for site in ("A", "B", "C"):
        f = pd.DataFrame({"site_id": site, "experiment": -1, "date": dates, "TMAX": 1.0, "NEE": 0.5})
        yield f.assign(source="tower", domain="observation")
spec = SourceSpec("co2", schema.Source.TOWER, frames, ("TMAX",), (), ("NEE",))
folder = export_dataset([spec], out / "data", progress=False)
card = (folder / "README.md").read_text()
assert "## Splits" in card and "Normalisation" in card and "## Sources" in card, card[:2000]

stats = {"inputs": {"TMAX": {"mean": 0.0, "std": 1.0}}, "targets": {"NEE": {"mean": 0.0, "std": 1.0}}}
model = build_model("lstm", input_names=["TMAX"], static_names=[], target_names=["NEE"], stats=stats,
                    hidden_size=4)
model.save_pretrained(out / "model")
rng = np.random.default_rng(0)
obs = rng.normal(size=(2, 365, 1))
scores = score_targets(obs, obs + rng.normal(0, 0.1, size=obs.shape), ["NEE"])
text = cards.model_card(out / "model", model_name="lstm", task="t1", config_name="temporal_co2",
                        dataset_info=agroflux_hf.config_info("temporal_co2", folder),
                        hyperparameters={"epochs": 1}, metrics={"test": scores})
assert text.startswith("---") and "AgroFlux LSTM" in text, text[:2000]
print("RENDERED", len(card), len(text))
"""


@pytest.mark.slow
def test_a_wheel_install_renders_a_model_card_and_the_full_dataset_card(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheels, REPO],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("agroflux_hf-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in templates.TEMPLATE_NAMES:
        assert f"agroflux_hf/templates/{name}" in names
    target = tmp_path / "site-packages-wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, wheel],
        check=True,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", _RENDER_FROM_WHEEL, tmp_path / "out"],
        cwd=tmp_path,  # not the repository: nothing outside the installed wheel can be found
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RENDERED" in result.stdout
