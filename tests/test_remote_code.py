"""The generated remote code: current, self-contained, and a published checkpoint of every architecture
loads with ``trust_remote_code=True`` in a process where agroflux_hf cannot be imported."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from hub_fixture import CachedHub

from agroflux_hf import publish, remote_code
from agroflux_hf.models import MODEL_NAMES, build_model

pytestmark = pytest.mark.usefixtures("one_thread")

INPUTS = ["TMAX", "PRECIP", "SW_IN"]
STATIC = ["SAND", "CLAY"]
TARGETS = ["NEE", "GPP"]
CARD = "---\nlibrary_name: transformers\n---\n\n# card\n"


def test_the_committed_file_is_what_the_model_files_generate():
    committed = remote_code.GENERATED_PATH.read_text(encoding="utf-8")
    assert committed == remote_code.generate_modeling_source(), (
        f"stale: regenerate with `{remote_code.REGENERATE}`"
    )
    assert remote_code.current_modeling_source() == committed


def test_the_generated_file_imports_nothing_of_the_package():
    from transformers.dynamic_module_utils import get_imports

    imports = get_imports(str(remote_code.GENERATED_PATH))
    assert "agroflux_hf" not in imports
    assert set(imports) <= {"torch", "transformers", "huggingface_hub", *sys.stdlib_module_names}
    source = remote_code.GENERATED_PATH.read_text(encoding="utf-8")
    for name in MODEL_NAMES:
        config_class = f"{build_model.__globals__['CONFIG_CLASSES'][name].__name__}"
        assert f"\nclass {config_class}(" in source


def _fake_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_generation_rewrites_module_aliases_and_refuses_a_name_defined_twice(tmp_path, monkeypatch):
    root = tmp_path / "agroflux_hf"
    _fake_package(
        root,
        {
            "__init__.py": "",
            "schema.py": '"""doc"""\nLIMIT = 3\nUNUSED = 4\n',
            "models/__init__.py": "",
            "models/a.py": "import math\nfrom agroflux_hf import schema\n\n\ndef f():\n    return math.pi * schema.LIMIT\n",
            "models/b.py": "from agroflux_hf.models.a import f as g\n\n\ndef h():\n    return g()\n",
        },
    )
    monkeypatch.setattr(remote_code, "PACKAGE_ROOT", root)
    monkeypatch.setattr(remote_code, "ARCHITECTURE_MODULES", ("agroflux_hf.models.b",))
    source = remote_code.generate_modeling_source()
    namespace: dict = {}
    exec(compile(source, "generated", "exec"), namespace)
    assert namespace["h"]() == pytest.approx(3 * 3.141592653589793)
    assert "UNUSED = 4" not in source and "schema.LIMIT" not in source  # only what is used, alias rewritten
    assert not re.search(r"^\s*(from|import) agroflux_hf", source, flags=re.MULTILINE)

    (root / "models" / "b.py").write_text(
        "from agroflux_hf.models.a import f\n\nLIMIT = 5\n\n\ndef h():\n    return f() + LIMIT\n"
    )
    (root / "schema.py").write_text("LIMIT = 3\n")
    with pytest.raises(remote_code.RemoteCodeError, match=r"'LIMIT' is also defined in agroflux_hf\.schema"):
        remote_code.generate_modeling_source()


def test_a_stale_committed_file_is_refused_at_publish(tmp_path, monkeypatch):
    stale = tmp_path / remote_code.MODELING_FILE
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(remote_code, "GENERATED_PATH", stale)
    folder = tmp_path / "model"
    build_model(
        "lstm", input_names=INPUTS, static_names=STATIC, target_names=TARGETS, hidden_size=4
    ).save_pretrained(folder)
    (folder / "README.md").write_text(CARD, encoding="utf-8")
    with pytest.raises(publish.PublishError, match="stale"):
        publish.publish_model(folder, "org/x", api=CachedHub())


LOADER = """
import importlib.abc, json, sys

class BlockAgroflux(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "agroflux_hf" or name.startswith("agroflux_hf."):
            raise ImportError(f"agroflux_hf is blocked in this process ({name})")
        return None

sys.meta_path.insert(0, BlockAgroflux())
try:
    import agroflux_hf  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("agroflux_hf must not be importable here")

import torch
from transformers import AutoModel

torch.set_num_threads(1)
cases = json.loads(sys.argv[1])
for repo_id, inputs_file in cases:
    model = AutoModel.from_pretrained(repo_id, trust_remote_code=True).eval()
    assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
    data = torch.load(inputs_file)
    with torch.no_grad():
        got = model(past_values=data["past"], static_real_features=data["static"]).predictions
    torch.testing.assert_close(got, data["expected"])
    print("loaded", repo_id, type(model).__name__)
"""


def test_every_architecture_loads_from_the_hub_without_agroflux_hf(tmp_path):
    hub, cases = CachedHub(), []
    generator = torch.Generator().manual_seed(0)
    past = torch.randn(2, 365, len(INPUTS), generator=generator)
    past[0, :10, 1] = float("nan")
    static = torch.randn(2, len(STATIC), generator=generator)
    for name in MODEL_NAMES:
        torch.manual_seed(1)
        model = build_model(
            name, input_names=INPUTS, static_names=STATIC, target_names=TARGETS, hidden_size=10
        ).eval()
        folder = tmp_path / name
        model.save_pretrained(folder)
        (folder / "README.md").write_text(CARD, encoding="utf-8")
        repo_id = f"remote-test/agroflux-{name}-{os.getpid()}"
        publish.publish_model(folder, repo_id, api=hub)
        snapshot = hub.snapshot(repo_id)
        assert json.loads((snapshot / "config.json").read_text())["auto_map"] == remote_code.auto_map(
            type(model.config).__name__, type(model).__name__
        )
        with torch.no_grad():
            expected = model(past_values=past, static_real_features=static).predictions
        inputs_file = tmp_path / f"{name}.pt"
        torch.save({"past": past, "static": static, "expected": expected}, inputs_file)
        cases.append([repo_id, str(inputs_file)])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    script = tmp_path / "load_remote.py"
    script.write_text(LOADER, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), json.dumps(cases)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("loaded ") == len(MODEL_NAMES)


def test_auto_map_names_the_classes_of_each_model_type_and_the_architecture_copy_is_current():
    from agroflux_hf.hub import ARCHITECTURE_NAMES
    from agroflux_hf.models import CONFIG_CLASSES, MODEL_CLASSES, MODEL_TYPES

    assert ARCHITECTURE_NAMES == MODEL_NAMES
    source = remote_code.GENERATED_PATH.read_text(encoding="utf-8")
    for name in MODEL_NAMES:
        assert remote_code.auto_map_for(source, MODEL_TYPES[name]) == remote_code.auto_map(
            CONFIG_CLASSES[name].__name__, MODEL_CLASSES[name].__name__
        )
    with pytest.raises(remote_code.RemoteCodeError, match="0 config classes"):
        remote_code.auto_map_for(source, "agroflux_unknown")
