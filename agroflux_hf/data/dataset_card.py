"""The dataset card (README.md) of an exported folder: Hub front matter and the filled template.

Why apart from the exporter: the card is text about the export (configs, variables, split rules,
sources and their terms) and changes for other reasons than the parquet writing does. The template is
``agroflux_hf/templates/dataset_card.md``; each ``{{placeholder}}`` is filled here, and a placeholder
left unfilled is an error.

The front matter is what the Hub and ``datasets`` read: ``configs`` (data files per split),
``dataset_info`` (per config the features with their array shapes, the examples per split, which
``datasets`` checks when it loads, and the bytes to download), ``size_categories``, the licence (with
``license_name`` / ``license_link`` when it is ``other``), task and tags. The body says, per config,
which variable (and unit) each column of ``past_values``, ``static_real_features`` and
``target_values`` holds, so a user of ``datasets`` alone can read the arrays.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError

if TYPE_CHECKING:
    from agroflux_hf.data.builder import BuildReport
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
    "no": "no (its terms forbid it: `agroflux data publish` leaves this source out)",
    "unstated": "not stated by every source (`agroflux data publish` needs --allow-unstated)",
}


def _hub_license(specs: list[SourceSpec]) -> str:
    """One Hub licence id for the folder: that of its sources when they share one plain licence
    (:func:`~agroflux_hf.data.sources.terms.hub_licence_id`; ``unknown`` for a source stating none: no
    licence is claimed that a source does not give), else ``other``, with the terms in the card's Sources
    section."""
    from agroflux_hf.data.sources.terms import hub_licence_id

    licences = {hub_licence_id(s.license) for s in specs}
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
  years of a site stay together, and sites that share weather (one station simulated on several soils)
  or a field (replicate chamber plots) form one group, held out together. Groups are assigned by a
  seeded permutation so that every site is tested in exactly one fold (the published folds never test
  some counties and towers, and its transfer runs use one fold only). In fold k the test sites are the
  groups of fold k, about 10 % (at least one) of the other groups validate, the rest train; with few
  groups a fold may validate on more sites than it trains on (the chambers' three fields: one field
  tests, one validates, one trains). Sources with fewer than three groups have no spatial configs.
- **Normalisation**: the published code computes scalers on all years before splitting (test years
  leak into the normalisation) and reuses the Ecosys scalers for DayCent. Here the values are stored
  in physical units (schema units and the atmospheric sign convention: positive = release to the
  atmosphere) and each config carries mean and std per variable computed on its own training split,
  ignoring missing values.
- **Missing values** stay NaN: a day without a measurement, a gap-filled value rejected by quality
  control, a variable a source lacks. February 29 is dropped (365-day years); site-years in which every
  target is missing are not written.
"""


OTHER_LICENSE_NAME = "agroflux-source-terms"
OTHER_LICENSE_LINK = "README.md#sources"
"""Where an ``other`` licence is spelt out: the card's Sources section, one licence per source."""

SIZE_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


def size_category(n_examples: int) -> str:
    """The Hub's ``size_categories`` bucket of ``n_examples`` distinct examples."""
    for bound, name in SIZE_CATEGORIES:
        if n_examples < bound:
            return name
    return "n>1T" if n_examples > 10**12 else "1B<n<10B"


def _dataset_info(entry: ConfigEntry, root: Path | None) -> dict[str, object]:
    """One ``dataset_info`` item in ``datasets``' own YAML form: features, split sizes, download size.

    Empty splits are left out, as ``datasets`` expects (they are absent from the loaded DatasetDict).
    ``num_bytes`` is the Arrow size of the split's examples as written (``datasets`` ignores a split
    list without it); ``download_size`` the parquet bytes of the config's files.
    """
    import datasets

    from agroflux_hf.data.encoding import example_features

    splits = datasets.SplitDict(
        {
            split: datasets.SplitInfo(
                split, num_bytes=entry.num_bytes.get(split, 0), num_examples=entry.n_examples[split]
            )
            for split in schema.SPLITS
            if entry.data_files.get(split)
        }
    )
    files = sorted({f for paths in entry.data_files.values() for f in paths})
    size = sum((root / f).stat().st_size for f in files) if root is not None else None
    info = datasets.DatasetInfo(
        features=example_features(entry.spec),
        splits=splits,
        download_size=size,
        dataset_size=sum(split.num_bytes for split in splits.values()),
    )
    return {"config_name": entry.name, **info._to_yaml_dict()}


def _front_matter(
    specs: list[SourceSpec],
    entries: list[ConfigEntry],
    default: str,
    exports: list[SourceExport] | None = None,
    root: Path | None = None,
) -> str:
    configs = []
    for entry in entries:
        item: dict[str, object] = {
            "config_name": entry.name,
            "data_files": [{"split": s, "path": paths} for s, paths in entry.data_files.items()],
        }
        if entry.name == default:
            item["default"] = True
        configs.append(item)
    license_id = _hub_license(specs)
    meta: dict[str, object] = {"license": license_id}
    if license_id == "other":
        meta["license_name"] = OTHER_LICENSE_NAME
        meta["license_link"] = OTHER_LICENSE_LINK
    meta["pretty_name"] = "AgroFlux"
    if exports:
        meta["size_categories"] = [size_category(sum(ex.report.n_examples for ex in exports))]
    meta |= {
        "task_categories": ["time-series-forecasting"],
        "tags": ["agriculture", "carbon-flux", "nitrogen", "eddy-covariance", "process-model", "climate"],
        "configs": configs,
        "dataset_info": [_dataset_info(entry, root) for entry in entries],
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


def _config_names_of(spec: SourceSpec, entries: list[ConfigEntry]) -> str:
    names = [e.name for e in entries if e.spec is spec]
    folds = [n for n in names if re.fullmatch(rf"spatial_{re.escape(spec.name)}_fold\d+", n)]
    shown = [f"`{n}`" for n in names if n not in folds]
    if folds:
        shown.append(f"`spatial_{spec.name}_fold<k>` (k = 1-{len(folds)})")
    return ", ".join(shown)


def _array_rows(array: str, names: tuple[str, ...]) -> list[str]:
    return [
        f"| `{array}[..., {i}]` | `{name}` | {schema.unit(name) or '-'} | {schema.VARIABLES[name].description} |"
        if array != schema.STATIC_FEATURES
        else f"| `{array}[{i}]` | `{name}` | {schema.unit(name) or '-'} | {schema.VARIABLES[name].description} |"
        for i, name in enumerate(names)
    ]


def _columns_section(specs: list[SourceSpec], entries: list[ConfigEntry]) -> str:
    """Per source (all its configs share the layout): what each column of the three arrays is."""
    parts = []
    for spec in specs:
        rows = ["| column | variable | unit | description |", "|---|---|---|---|"]
        rows += _array_rows(schema.PAST_VALUES, spec.input_names)
        rows += _array_rows(schema.STATIC_FEATURES, spec.static_names)
        rows += _array_rows(schema.TARGET_VALUES, spec.target_names)
        parts.append(f"### {_config_names_of(spec, entries)}\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


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
            _driver_gap_line(spec, report),
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
    root: Path | None = None,
) -> str:
    """README.md: front matter and the body of ``template`` with its placeholders filled.

    ``root`` is the folder holding the written parquet files (for the download sizes; without it the
    sizes are left out)."""
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
        "columns_section": _columns_section(specs, entries),
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
    return _front_matter(specs, entries, default, exports, root) + "\n" + body


def _driver_gap_line(spec: SourceSpec, report: BuildReport) -> str:
    """The card's line on site-years dropped by the driver-coverage rule, naming them (a few at most)."""
    gaps = sorted({(site, int(year)) for site, _experiment, year in report.driver_gap_site_years})
    if not spec.required_inputs:
        return "- driver-coverage rule: none (every site-year with an observed target is kept)"
    named = ", ".join(f"{site} {year}" for site, year in gaps[:12]) + (" ..." if len(gaps) > 12 else "")
    return (
        f"- site-years skipped because a core driver ({', '.join(spec.required_inputs)}) is observed on "
        f"fewer than {schema.MIN_DRIVER_COVERAGE:.0%} of the days: {len(gaps)}"
        + (f" ({named})" if gaps else "")
    )
