"""Sources -> one Hugging Face dataset folder: parquet files, README ``configs:``, agroflux_configs.json.

Examples are written once, partitioned by (source, temporal period, site)::

    OUT/data/<name>/<period>/<site>.parquet      period = train_years | validation_years | test_years

and every config is a list of those files per split (``temporal_<name>`` train = all sites'
train-year files; ``spatial_<name>_fold<k>`` train = every file of its training sites), so six configs
of the Ecosys release cost the disk of one. A source streams site by site: one site's examples are in
memory at a time, and the normalisation statistics are merged from per-file partial sums, so each
config's statistics come from its TRAIN files only.

The folder is written to a temporary sibling and renamed into place; a failed export leaves nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from tqdm.auto import tqdm

from agroflux_hf import schema
from agroflux_hf.data.builder import BuildReport, SiteExamples, iter_site_examples
from agroflux_hf.data.encoding import example_features, examples_table, write_parquet
from agroflux_hf.data.folder_format import (  # the names re-exported for the old import path
    CARD_FILE,
    FORMAT_VERSION,
    data_file_relpath,
    write_configs_document,
)
from agroflux_hf.data.folder_format import CONFIGS_FILE as CONFIGS_FILE
from agroflux_hf.data.folder_format import PERIOD_DIRS as PERIOD_DIRS
from agroflux_hf.data.sources.contract import SourceSpec
from agroflux_hf.data.splits import (
    MIN_SITES_FOR_SPATIAL,
    SplitAssignment,
    period_of_years,
    spatial_splits,
    temporal_split,
)
from agroflux_hf.errors import AgroFluxError, SchemaError
from agroflux_hf.templates import DATASET_CARD, DATASET_CARD_TEMPLATE, template_text

logger = logging.getLogger(__name__)

PAPER_ARXIV = "2602.01614"
PAPER_CITATION = """@article{agroflux2026,
  title   = {AgroFlux: A Spatial-Temporal Benchmark for Carbon and Nitrogen Flux Prediction in Agricultural Ecosystems},
  journal = {arXiv preprint arXiv:2602.01614},
  year    = {2026},
  url     = {https://arxiv.org/abs/2602.01614}
}"""
DEFAULT_CARD_TEMPLATE = DATASET_CARD_TEMPLATE  # the old name of the packaged template path


# ----------------------------------------------------------------------------- statistics
@dataclass
class PartialStats:
    """NaN-ignoring count, mean and sum of squared deviations per variable; merged exactly (Chan et al.)."""

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PartialStats:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))

    @classmethod
    def of(cls, values: np.ndarray) -> PartialStats:
        """Statistics of ``values`` [rows, n]; NaN entries do not count."""
        values = values.astype(np.float64)
        finite = np.isfinite(values)
        count = finite.sum(axis=0).astype(np.float64)
        total = np.where(finite, values, 0.0).sum(axis=0)
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        m2 = (np.where(finite, values - mean, 0.0) ** 2).sum(axis=0)
        return cls(count, mean, m2)

    def merge(self, other: PartialStats) -> PartialStats:
        count = self.count + other.count
        delta = other.mean - self.mean
        safe = np.where(count > 0, count, 1.0)
        mean = self.mean + delta * other.count / safe
        m2 = self.m2 + other.m2 + delta**2 * self.count * other.count / safe
        return PartialStats(count, mean, m2)

    def as_dict(self, names: tuple[str, ...]) -> dict[str, dict[str, float | None]]:
        """{name: {"mean", "std"}} (population std); None for a variable never observed in training."""
        out: dict[str, dict[str, float | None]] = {}
        for j, name in enumerate(names):
            if self.count[j] == 0:
                out[name] = {"mean": None, "std": None}
            else:
                out[name] = {
                    "mean": float(self.mean[j]),
                    "std": float(np.sqrt(self.m2[j] / self.count[j])),
                }
        return out


REDISTRIBUTABLE_WORDS: dict[str, str] = {
    "yes": "yes (every source's terms allow it)",
    "no": "no (a source's terms forbid it: `agroflux data publish` refuses this folder)",
    "unstated": "not stated by every source (`agroflux data publish` needs --allow-unstated)",
}


def example_stats(site: SiteExamples) -> dict[str, PartialStats]:
    """Per-group partial statistics of a set of examples (statics counted once per example)."""
    return {
        schema.STAT_INPUTS: PartialStats.of(site.past_values.reshape(-1, site.past_values.shape[-1])),
        schema.STAT_STATIC: PartialStats.of(site.static_real_features),
        schema.STAT_TARGETS: PartialStats.of(site.target_values.reshape(-1, site.target_values.shape[-1])),
    }


# ----------------------------------------------------------------------------- one source
@dataclass
class FileRecord:
    """One written parquet file: the examples of one site in one temporal period."""

    site_id: str
    period: str  # a split name: the temporal split these years belong to
    relpath: str  # POSIX path relative to OUT
    n_examples: int
    years: tuple[int, ...]
    stats: dict[str, PartialStats]


@dataclass
class SourceExport:
    spec: SourceSpec
    files: list[FileRecord] = field(default_factory=list)
    site_years: dict[str, tuple[int, ...]] = field(default_factory=dict)
    site_attributes: dict[str, dict[str, float | str | None]] = field(default_factory=dict)
    shared_years: tuple[int, ...] | None = None
    report: BuildReport | None = None


def _safe_file_stem(site_id: str, used: set[str]) -> str:
    """A file name for ``site_id`` without glob or path characters, unique within the source."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", site_id).strip(".") or "site"
    if stem in used:
        stem = f"{stem}-{uuid.uuid5(uuid.NAMESPACE_URL, site_id).hex[:8]}"
    used.add(stem)
    return stem


def _periods_of_site(site: SiteExamples, spec: SourceSpec, shared: dict[int, str] | None) -> np.ndarray:
    """Temporal split name of every example of ``site``."""
    if shared is None:
        period = period_of_years(tuple(int(y) for y in site.years))
    else:
        unknown = sorted(set(site.calendar_years) - set(shared))
        if unknown:
            raise SchemaError(
                f"source {spec.name!r}, site {site.site_id!r}: years {unknown} are outside the simulation's "
                f"years {sorted(shared)} (set by SourceSpec.years or the first site)"
            )
        period = shared
    return np.array([period[int(y)] for y in site.years], dtype=object)


def export_source(spec: SourceSpec, root: Path, *, progress: bool = True) -> SourceExport:
    """Stream ``spec`` site by site into ``root/data/<name>/<period>/<site>.parquet``."""
    features = example_features(spec)
    result = SourceExport(spec=spec, report=BuildReport(spec.name, spec.target_names))
    simulation = spec.domain == schema.Domain.SIMULATION
    shared: dict[int, str] | None = None
    used_stems: set[str] = set()
    sites = iter_site_examples(spec, result.report)
    for site in tqdm(
        sites, total=spec.n_sites, desc=f"export {spec.name}", unit="site", disable=not progress
    ):
        if simulation and shared is None:
            result.shared_years = tuple(spec.years) if spec.years is not None else site.calendar_years
            shared = period_of_years(result.shared_years)
        if len(site) == 0:
            logger.warning(
                "source %s: site %s has no example with an observed target", spec.name, site.site_id
            )
            continue
        periods = _periods_of_site(site, spec, shared)
        stem = _safe_file_stem(site.site_id, used_stems)
        result.site_years[site.site_id] = tuple(sorted({int(y) for y in site.years}))
        result.site_attributes[site.site_id] = site.attributes
        for split in schema.SPLITS:
            part = site.select(periods == split)
            if len(part) == 0:
                continue
            relpath = data_file_relpath(spec.name, split, stem)
            path = root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            write_parquet(examples_table(part, features), path)
            result.files.append(
                FileRecord(
                    site.site_id,
                    split,
                    relpath,
                    len(part),
                    tuple(sorted({int(y) for y in part.years})),
                    example_stats(part),
                )
            )
    if not result.site_years:
        raise SchemaError(f"source {spec.name!r}: no site has an example with an observed target")
    return result


# ----------------------------------------------------------------------------- configs
@dataclass
class ConfigEntry:
    name: str
    spec: SourceSpec
    assignment: SplitAssignment
    data_files: dict[str, list[str]]  # split -> relative paths (empty splits omitted)
    n_examples: dict[str, int]
    stats: dict[str, dict[str, dict[str, float | None]]]
    site_attributes: dict[str, dict[str, float | str | None]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        spec = self.spec
        names = spec.input_names + spec.static_names + spec.target_names
        return {
            "name": spec.name,
            "source": str(spec.source),
            "domain": str(spec.domain),
            "split": self.assignment.scheme,
            "fold": self.assignment.fold,
            "input_names": list(spec.input_names),
            "static_names": list(spec.static_names),
            "target_names": list(spec.target_names),
            "units": {n: schema.unit(n) for n in names},
            "splits": {
                split: {
                    "sites": list(self.assignment.sites(split)),
                    "years": list(self.assignment.years(split)),
                    "site_years": {
                        s: list(ys) for s, ys in sorted(self.assignment.site_years.get(split, {}).items())
                    },
                    "n_examples": self.n_examples[split],
                    "data_files": self.data_files.get(split, []),
                }
                for split in schema.SPLITS
            },
            "stats": self.stats,
            "site_attributes": self.site_attributes,
        }


def _train_stats(spec: SourceSpec, files: list[FileRecord]) -> dict[str, dict[str, dict[str, float | None]]]:
    names = {
        schema.STAT_INPUTS: spec.input_names,
        schema.STAT_STATIC: spec.static_names,
        schema.STAT_TARGETS: spec.target_names,
    }
    merged = {g: PartialStats.empty(len(names[g])) for g in schema.STAT_GROUPS}
    for record in files:
        for g in schema.STAT_GROUPS:
            merged[g] = merged[g].merge(record.stats[g])
    return {g: merged[g].as_dict(names[g]) for g in schema.STAT_GROUPS}


def _config_entry(name: str, exported: SourceExport, assignment: SplitAssignment) -> ConfigEntry:
    files_of: dict[str, list[FileRecord]] = {}
    for split in schema.SPLITS:
        if assignment.scheme == schema.TEMPORAL:
            chosen = [f for f in exported.files if f.period == split]
        else:
            sites = set(assignment.sites(split))
            chosen = [f for f in exported.files if f.site_id in sites]
        for f in chosen:  # the files must hold exactly the (site, year) pairs of the split
            if not set(f.years) <= set(assignment.site_years[split].get(f.site_id, ())):
                raise AssertionError(f"{name}: {f.relpath} holds years outside the {split} split")
        files_of[split] = sorted(chosen, key=lambda f: (f.site_id, schema.SPLITS.index(f.period)))
    for split in schema.SPLITS:
        if not files_of[split]:
            logger.warning("config %s: split %s is empty and is left out of the dataset", name, split)
    return ConfigEntry(
        name=name,
        spec=exported.spec,
        assignment=assignment,
        data_files={s: [f.relpath for f in fs] for s, fs in files_of.items() if fs},
        n_examples={s: sum(f.n_examples for f in fs) for s, fs in files_of.items()},
        stats=_train_stats(exported.spec, files_of["train"]),
        site_attributes=_config_site_attributes(exported, assignment),
    )


def _config_site_attributes(
    exported: SourceExport, assignment: SplitAssignment
) -> dict[str, dict[str, float | str | None]]:
    """Attributes of every site of the config (any split), sorted by site id."""
    sites = {site for split in schema.SPLITS for site in assignment.sites(split)}
    return {
        site: exported.site_attributes[site] for site in sorted(sites) if site in exported.site_attributes
    }


def config_entries(exported: SourceExport) -> list[ConfigEntry]:
    """temporal_<name>, spatial_<name> (fold 0) and spatial_<name>_fold<k> for one exported source."""
    spec = exported.spec
    entries = [
        _config_entry(
            schema.config_name(schema.TEMPORAL, spec.name),
            exported,
            temporal_split(exported.site_years, exported.shared_years),
        )
    ]
    n_units = len(
        {spec.site_group(s) for s in exported.site_years} if spec.site_group else exported.site_years
    )
    if n_units < MIN_SITES_FOR_SPATIAL:
        logger.warning(
            "source %s: %d site(s) or site group(s) < %d, no spatial configs",
            spec.name,
            n_units,
            MIN_SITES_FOR_SPATIAL,
        )
        return entries
    groups = {s: spec.site_group(s) for s in exported.site_years} if spec.site_group else None
    for assignment in spatial_splits(
        exported.site_years, spec.n_folds, seed=spec.split_seed, site_groups=groups
    ):
        name = schema.config_name(schema.SPATIAL, spec.name, assignment.fold)
        entries.append(_config_entry(name, exported, assignment))
    return entries


# ----------------------------------------------------------------------------- card
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


# ----------------------------------------------------------------------------- the folder
def _replace_atomically(tmp: Path, out: Path, overwrite: bool) -> None:
    if out.exists():
        if not overwrite:
            raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)  # put the previous folder back
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


def write_dataset_folder(
    specs: list[SourceSpec], root: Path, *, card_template: str, progress: bool = True
) -> list[ConfigEntry]:
    """Write parquet files, agroflux_configs.json and README.md of ``specs`` into ``root``."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise SchemaError(f"source names must be unique, got {names}")
    exports = [export_source(spec, root, progress=progress) for spec in specs]
    entries = [e for ex in exports for e in config_entries(ex)]
    default = entries[0].name
    document = {
        "format_version": FORMAT_VERSION,
        "default": default,
        "paper": f"arXiv:{PAPER_ARXIV}",
        "sequence_length": schema.SEQUENCE_LENGTH,
        "sources": {
            ex.spec.name: {
                "source": str(ex.spec.source),
                "domain": str(ex.spec.domain),
                "description": ex.spec.description,
                "license": ex.spec.license,
                "citation": ex.spec.citation,
                "redistributable": ex.spec.redistributable,
                "terms": [dict(t) for t in ex.spec.terms],
                "n_sites": len(ex.site_years),
                "n_examples": ex.report.n_examples,
                "skipped_site_years": [list(t) for t in ex.report.skipped_site_years],
                "dates_known": ex.spec.dates_known and not ex.report.undated_sites,
                "shared_years": list(ex.shared_years) if ex.shared_years is not None else None,
                "site_groups": (
                    {s: ex.spec.site_group(s) for s in sorted(ex.site_years)} if ex.spec.site_group else None
                ),
            }
            for ex in exports
        },
        "configs": {e.name: e.as_json() for e in entries},
    }
    write_configs_document(root, document)
    (root / CARD_FILE).write_text(render_card(card_template, specs, exports, entries, default))
    return entries


def export_dataset(
    specs: list[SourceSpec],
    out_dir: str | os.PathLike,
    *,
    overwrite: bool = False,
    card_template: str | os.PathLike | None = None,
    progress: bool = True,
) -> Path:
    """Export ``specs`` to the dataset folder ``out_dir`` (atomically); returns its absolute path.

    ``card_template`` is a markdown file with ``{{placeholder}}`` fields (default: the packaged
    ``agroflux_hf/templates/dataset_card.md``). Refuses an existing ``out_dir`` unless ``overwrite``.
    """
    if not specs:
        raise ValueError("export_dataset needs at least one SourceSpec")
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True (--overwrite) to replace it")
    if card_template is None:
        template = template_text(DATASET_CARD)
    else:
        template = Path(card_template).read_text(encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        write_dataset_folder(specs, tmp, card_template=template, progress=progress)
        _replace_atomically(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("exported %s", out)
    return out


# ----------------------------------------------------------------------------- CLI
def _run_export(args: argparse.Namespace) -> int:
    from agroflux_hf.data.sources.release import release_source_specs

    subsets = [s.strip() for s in args.subsets.split(",") if s.strip()] if args.subsets else None
    try:
        specs = release_source_specs(Path(args.release), subsets=subsets)
        out = export_dataset(specs, args.out, overwrite=args.overwrite, progress=not args.no_progress)
    except (FileExistsError, AgroFluxError) as err:
        print(f"agroflux data export: {err}", file=sys.stderr)
        return 1
    print(out)
    return 0


def register_commands(subparsers: argparse._SubParsersAction) -> None:
    """``agroflux data export --release DIR --out OUT [--subsets ...] [--overwrite]``."""
    p = subparsers.add_parser("export", help="export the official AgroFlux release to a dataset folder")
    p.add_argument("--release", required=True, help="folder of the release (t0_mw/, t0_dc/, t1_n2o/, ...)")
    p.add_argument("--out", required=True, help="dataset folder to write (refused if it exists)")
    p.add_argument("--subsets", default=None, help="comma list of ecosys,daycent,co2,n2o (default: all)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_export)
