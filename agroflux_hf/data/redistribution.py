"""What of an exported folder may be published: sources whose terms forbid redistribution are left out.

Why a module: ``agroflux data publish`` used to refuse a whole folder for one such source (e.g. a
table whose terms require written permission for publication), so a dataset with ten open sources
and one closed one could not be shared at all. Now the closed source is *left out*: its configs, its
data files and its mentions in ``agroflux_configs.json`` and in the card (front matter ``configs`` /
``dataset_info``, the summary, the configuration, variable and array-column tables, its Sources
entry), with a note in the card's Sources section saying which source is missing and why. Only a
folder in which nothing would remain is refused.

The card is edited, not re-rendered: the export's template (which may be the user's own) is not
stored with the folder, so rendering again could lose text. Every edit targets a piece that
``data/dataset_card.py`` generates (table rows, ``###`` sections, the summary sentence), and the
front matter is parsed and dumped as YAML.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from agroflux_hf.data.dataset_card import (
    OTHER_LICENSE_LINK,
    OTHER_LICENSE_NAME,
    _hub_license,
    size_category,
)
from agroflux_hf.data.folder_format import (
    CARD_FILE,
    CONFIGS_FILE,
    DATA_SUBDIR,
    read_configs_document,
    write_configs_document,
)


@dataclass
class LeftOut:
    """A source that is not published, with what goes with it and why."""

    source: str
    licence: str
    configs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # relative POSIX paths

    @property
    def reason(self) -> str:
        return f"its terms forbid redistribution (licence: {self.licence or 'not stated'})"

    def describe(self) -> str:
        """One line for the terminal and the commit description."""
        return (
            f"left out source {self.source!r}: {self.reason}; {len(self.configs)} config(s) "
            f"({', '.join(self.configs) or 'none'}) and {len(self.files)} data file(s) are not uploaded"
        )


def _folder_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def left_out_sources(folder: Path) -> list[LeftOut]:
    """Every source of ``folder`` flagged ``redistributable: no``, with its configs and data files."""
    document = read_configs_document(folder)
    files = _folder_files(folder)
    left = []
    for name, source in document["sources"].items():
        if str(source.get("redistributable", "unstated")) != "no":
            continue
        configs = [c for c, entry in document["configs"].items() if entry.get("name") == name]
        listed = {
            f for c in configs for s in document["configs"][c]["splits"].values() for f in s["data_files"]
        }
        prefix = f"{DATA_SUBDIR}/{name}/"
        own = sorted({f for f in files if f.startswith(prefix)} | (listed & set(files)))
        left.append(LeftOut(name, str(source.get("license") or ""), configs, own))
    return left


def kept_document(document: dict[str, Any], left: list[LeftOut]) -> dict[str, Any]:
    """``agroflux_configs.json`` without the left-out sources and their configs (default moved if needed)."""
    gone_sources = {x.source for x in left}
    gone_configs = {c for x in left for c in x.configs}
    kept = dict(document)
    kept["sources"] = {k: v for k, v in document["sources"].items() if k not in gone_sources}
    kept["configs"] = {k: v for k, v in document["configs"].items() if k not in gone_configs}
    if kept.get("default") in gone_configs:
        kept["default"] = next(iter(kept["configs"]))
    return kept


# ----------------------------------------------------------------------------- the card
def _split_card(text: str) -> tuple[dict[str, Any], str]:
    match = re.match(r"---\n(.*?\n)---\n", text, flags=re.DOTALL)
    if match is None:
        return {}, text
    return yaml.safe_load(match.group(1)) or {}, text[match.end() :]


def _front_matter(meta: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """The card's metadata for what is kept: configs, dataset_info, default, size and licence."""
    names = set(kept["configs"])
    meta = dict(meta)
    for key in ("configs", "dataset_info"):
        if isinstance(meta.get(key), list):
            meta[key] = [c for c in meta[key] if c.get("config_name") in names]
    configs = meta.get("configs") or []
    if configs and not any(c.get("default") for c in configs):
        for c in configs:
            if c.get("config_name") == kept.get("default"):
                c["default"] = True
    if "size_categories" in meta:
        total = sum(int(s.get("n_examples") or 0) for s in kept["sources"].values())
        meta["size_categories"] = [size_category(total)]
    if "license" in meta:
        licence = _hub_license(
            [SimpleNamespace(license=s.get("license") or "") for s in kept["sources"].values()]
        )
        meta["license"] = licence
        if licence == "other":
            meta["license_name"], meta["license_link"] = OTHER_LICENSE_NAME, OTHER_LICENSE_LINK
        else:
            meta.pop("license_name", None)
            meta.pop("license_link", None)
    return meta


def _drop_sections(body: str, is_gone: Any) -> str:
    """Remove every ``### `` section (up to the next ``##``/``###`` heading) whose heading ``is_gone``."""
    out, skipping = [], False
    for line in body.splitlines(keepends=True):
        if line.startswith("## ") or line.startswith("### "):
            skipping = line.startswith("### ") and is_gone(line)
        if not skipping:
            out.append(line)
    return "".join(out)


def _edit_body(body: str, left: list[LeftOut], kept: dict[str, Any]) -> str:
    gone_sources = {x.source for x in left}
    gone_configs = {c for x in left for c in x.configs}
    names = ", ".join(f"`{s}`" for s in kept["sources"])
    body = re.sub(r"from the sources (`[^`]+`(?:, `[^`]+`)*):", f"from the sources {names}:", body, count=1)
    body = re.sub(r"Default config: `[^`]+`\.", f"Default config: `{kept['default']}`.", body, count=1)
    lines = []
    for line in body.splitlines(keepends=True):
        row = re.match(r"\| `([^`]+)` \|", line)
        if row and row.group(1) in gone_configs:
            continue  # a configurations-table row
        cells = line.rstrip("\n").split(" | ")
        if line.startswith("| `") and len(cells) == 5 and cells[-1].endswith(" |"):
            sources = [s.strip() for s in cells[-1][:-2].split(",")]
            if set(sources) & gone_sources:  # a variables-table row: its sources column
                remaining = [s for s in sources if s not in gone_sources]
                if not remaining:
                    continue
                line = " | ".join([*cells[:-1], ", ".join(remaining) + " |"]) + "\n"
        lines.append(line)
    body = "".join(lines)
    body = _drop_sections(body, lambda h: any(f"`{c}`" in h for c in gone_configs))  # array columns
    body = _drop_sections(body, lambda h: any(h.startswith(f"### `{s}` (") for s in gone_sources))
    note = "\n".join(f"- `{x.source}` is not in this repository: {x.reason}." for x in left)
    return re.sub(r"^## Sources\n", lambda m: f"{m.group(0)}\n{note}\n", body, count=1, flags=re.MULTILINE)


def kept_card(text: str, left: list[LeftOut], kept: dict[str, Any]) -> str:
    """README.md without the left-out sources (see the module docstring)."""
    meta, body = _split_card(text)
    front = "---\n" + yaml.safe_dump(_front_matter(meta, kept), sort_keys=False, width=1000) + "---\n"
    return (front if meta else "") + _edit_body(body, left, kept)


# ----------------------------------------------------------------------------- staging
def stage_without(folder: Path, left: list[LeftOut], staging: Path) -> list[str]:
    """Fill ``staging`` with the folder minus the left-out sources (hard links where possible, so a
    large dataset is not copied); return the staged file names."""
    gone = {f for x in left for f in x.files} | {CONFIGS_FILE, CARD_FILE}
    names = [f for f in _folder_files(folder) if f not in gone]
    for name in names:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(folder / name, target)
        except OSError:  # another file system, or links not allowed
            shutil.copy2(folder / name, target)
    document = read_configs_document(folder)
    kept = kept_document(document, left)
    write_configs_document(staging, kept)
    card = (folder / CARD_FILE).read_text(encoding="utf-8")
    (staging / CARD_FILE).write_text(kept_card(card, left, kept), encoding="utf-8")
    return [*names, CONFIGS_FILE, CARD_FILE]
