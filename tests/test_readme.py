"""The README's code blocks are run as written, so the documentation cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_exactly_two_quickstart_commands():
    quickstart = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1].split("##", 1)[0]
    bash = re.findall(r"```bash\n(.*?)```", quickstart, flags=re.S)[0]
    commands = [line for line in bash.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "agroflux benchmark --quick" in commands[0]
    assert "pytest" in commands[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].replace("pip install ", "pip install -q ") in ci


@pytest.mark.parametrize("index", range(4))
def test_readme_python_block_runs(index, tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) == 4, "update this test when the README's Python examples change"
    monkeypatch.chdir(tmp_path)  # the Trainer example writes runs/trainer
    exec(compile(blocks[index], f"README.md python block {index}", "exec"), {})


def test_readme_predict_snippet_gives_per_day_predictions_for_every_target():
    namespace: dict = {}
    block = next(b for b in python_blocks() if "AutoModel.from_pretrained" in b)
    exec(compile(block, "README.md predict block", "exec"), namespace)
    model, out = namespace["model"], namespace["out"]
    assert tuple(out.predictions.shape) == (2, 365, len(model.config.target_names))
    assert not out.predictions.isnan().any()


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors for a document's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize(
    "document", ["README.md", *sorted(f"docs/{p.name}" for p in (README.parent / "docs").glob("*.md"))]
)
def test_relative_links_reach_a_file_and_a_heading(document: str) -> None:
    """A link between the README and the docs (moved sections, renamed headings) must still land."""
    path = README.parent / document
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: not checked offline
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(README.parent)}")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in heading_anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert broken == [], f"{document}: {broken}"
