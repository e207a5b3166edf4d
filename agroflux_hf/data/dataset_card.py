"""The dataset card (README.md) of an exported folder: ``configs:`` front matter and the filled template.

Why apart from the exporter: the card is text about the export (configs, variables, split rules,
sources and their terms) and changes for other reasons than the parquet writing does. The template is
``agroflux_hf/templates/dataset_card.md``; each ``{{placeholder}}`` is filled here, and a placeholder
left unfilled is an error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError

if TYPE_CHECKING:
    from agroflux_hf.data.export import ConfigEntry, SourceExport
    from agroflux_hf.data.sources.contract import SourceSpec

PAPER_ARXIV = "2602.01614"
PAPER_CITATION = """@article{agroflux2026,
  title   = {AgroFlux: A Spatial-Temporal Benchmark for Carbon and Nitrogen Flux Prediction in Agricultural Ecosystems},
  journal = {arXiv preprint arXiv:2602.01614},
  year    = {2026},
  url     = {https://arxiv.org/abs/2602.01614}
}"""

REDISTRIBUTABLE_WORDS: dict[str, str] = {
    "yes": "yes (every source's terms allow it)",
    "no": "no (a source's terms forbid it: `agroflux data publish` refuses this folder)",
    "unstated": "not stated by every source (`agroflux data publish` needs --allow-unstated)",
}


def _hub_license(specs: list[SourceSpec]) -> str:
    """One Hub licence id for the folder: cc-by-4.0 unless a source says otherwise."""

    def normal(text: str) -> str:
        text = text.strip().lower()
        if not text or re.fullmatch(r"cc[- ]by[- ]4\.0.*", text):
            return "cc-by-4.0"
        return re.sub(r"\s+", "-", text.split("(")[0].strip())

    licences = {normal(s.license) for s in specs}
    return licences.pop() if len(licences) == 1 else "other"


SPLITS_SECTION = """\
Every config has the splits `train`, `validation` and `test`; no (site, year) is in two splits of one
config, and the normalisation statistics in `agroflux_configs.json` come from the `train` split only.

- **Temporal** (`temporal_<source>`): by year, as in the paper: of a site's N years the first
  `int(0.8 N)` train, the next `int(0.1 N)` validate, the rest test. Towers and chambers are split on
  each site's own years; all sites of a simulation are split on one calendar, all the simulation's
  years (a site that keeps only early years, like the DSSAT US-Ne1 tower 2002-2011, only trains).
  Differences from the paper:
  for N >= 3 at least one validation and one test year are taken from the end of the training years
  (the paper's rule leaves validation empty for N < 10 and its N2O code validates on a training year);
  N = 2 gives one training and one test year; a one-year site cannot be split in time and only trains.
  A split that no site fills is left out of the config (Hugging Face datasets cannot hold an empty
  split).
- **Spatial** (`spatial_<source>` = fold 0, `spatial_<source>_fold<k>`): K = min(5, number of sites)
  folds (more when a fold would leave fewer than two other sites) over sites: all experiments and
  years of a site stay together, and sites that share weather (one station simulated on two soils)
  are held out together. Sites are assigned by a seeded permutation so that every site is tested in
  exactly one fold (the published folds never test some counties and towers, and its transfer runs
  use one fold only). In fold k the test sites are the sites of fold k, about 10 % (at least one) of
  the other sites validate, the rest train. Sources with fewer than three sites have no spatial
  configs.
- **Normalisation**: the published code computes scalers on all years before splitting (test years
  leak into the normalisation) and reuses the Ecosys scalers for DayCent. Here the values are stored
  in physical units (schema units and the atmospheric sign convention: positive = release to the
  atmosphere) and each config carries mean and std per variable computed on its own training split,
  ignoring missing values.
- **Missing values** stay NaN: a day without a measurement, a gap-filled value rejected by quality
  control, a variable a source lacks. February 29 is dropped (365-day years); site-years in which every
  target is missing are not written.
"""


def _front_matter(specs: list[SourceSpec], entries: list[ConfigEntry], default: str) -> str:
    configs = []
    for entry in entries:
        item: dict[str, object] = {
            "config_name": entry.name,
            "data_files": [{"split": s, "path": paths} for s, paths in entry.data_files.items()],
        }
        if entry.name == default:
            item["default"] = True
        configs.append(item)
    meta = {
        "license": _hub_license(specs),
        "pretty_name": "AgroFlux",
        "task_categories": ["time-series-forecasting"],
        "tags": ["agriculture", "carbon-flux", "nitrogen", "eddy-covariance", "process-model", "climate"],
        "configs": configs,
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, width=1000) + "---\n"


def _variables_table(specs: list[SourceSpec]) -> str:
    used: dict[str, set[str]] = {}
    for spec in specs:
        for n in spec.input_names + spec.static_names + spec.target_names:
            used.setdefault(n, set()).add(spec.name)
    rows = ["| variable | unit | role | description | sources |", "|---|---|---|---|---|"]
    for name, var in schema.VARIABLES.items():
        if name in used:
            rows.append(
                f"| `{name}` | {var.unit} | {var.role} | {var.description} | {', '.join(sorted(used[name]))} |"
            )
    return "\n".join(rows)


def _configs_table(entries: list[ConfigEntry]) -> str:
    rows = [
        "| config | source | split | train (sites / examples) | validation | test |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        cells = [f"{len(e.assignment.sites(s))} / {e.n_examples[s]}" for s in schema.SPLITS]
        scheme = e.assignment.scheme if e.assignment.fold is None else f"spatial fold {e.assignment.fold}"
        rows.append(f"| `{e.name}` | {e.spec.source} | {scheme} | {' | '.join(cells)} |")
    return "\n".join(rows)


def _sources_section(exports: list[SourceExport]) -> str:
    parts = []
    for ex in exports:
        spec, report = ex.spec, ex.report
        years = sorted({y for ys in ex.site_years.values() for y in ys})
        lines = [
            f"### `{spec.name}` ({spec.source}, {spec.domain})",
            "",
            spec.description or "(no description given)",
            "",
            f"- sites: {len(ex.site_years)}; examples: {report.n_examples}; years {years[0]}-{years[-1]}",
            f"- site-years skipped because every target is missing: {len(report.skipped_site_years)}",
            f"- dynamic inputs: {', '.join(f'`{n}`' for n in spec.input_names) or 'none'}",
            f"- static attributes: {', '.join(f'`{n}`' for n in spec.static_names) or 'none'}",
            f"- targets: {', '.join(f'`{n}`' for n in spec.target_names)}",
            f"- licence: {spec.license or 'not stated by the source'}",
            f"- may be redistributed: {REDISTRIBUTABLE_WORDS.get(spec.redistributable, spec.redistributable)}",
        ]
        lines += [
            f"  - {t.get('title') or t.get('key')}: {t.get('licence', 'not stated')} "
            f"(redistributable: {t.get('redistributable', 'unstated')})"
            for t in spec.terms
        ]
        if not spec.dates_known or report.undated_sites:
            lines.append(
                "- `first_date` is empty and `year` is a placeholder (1901 = first year of the record): "
                "the source does not state its calendar years"
            )
        if spec.citation:
            lines += [
                "",
                "```bibtex" if spec.citation.lstrip().startswith("@") else "```",
                spec.citation.strip(),
                "```",
            ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def render_card(
    template: str,
    specs: list[SourceSpec],
    exports: list[SourceExport],
    entries: list[ConfigEntry],
    default: str,
) -> str:
    """README.md: ``configs:`` front matter and the body of ``template`` with its placeholders filled."""
    names = ", ".join(f"`{s.name}`" for s in specs)
    fills = {
        "title": "AgroFlux",
        "summary": (
            f"Daily carbon and nitrogen flux sequences from the sources {names}: one example per "
            f"(site, experiment, year), {schema.SEQUENCE_LENGTH} days on a no-leap calendar. "
            f"Default config: `{default}`."
        ),
        "configs_table": _configs_table(entries),
        "variables_table": _variables_table(specs),
        "splits_section": SPLITS_SECTION,
        "sources_section": _sources_section(exports),
        "citation": PAPER_CITATION,
        "paper_arxiv": PAPER_ARXIV,
    }
    body = template
    for key, value in fills.items():
        body = body.replace("{{" + key + "}}", value)
    leftover = re.findall(r"\{\{\s*\w+\s*\}\}", body)
    if leftover:
        raise SchemaError(f"card template has unknown placeholders {sorted(set(leftover))}")
    return _front_matter(specs, entries, default) + "\n" + body
