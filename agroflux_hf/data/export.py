"""Sources -> one Hugging Face dataset folder: parquet files, README ``configs:``, agroflux_configs.json.

Examples are written once, partitioned by (source, temporal period, site)::

    OUT/data/<name>/<period>/<site>.parquet      period = train_years | validation_years | test_years

and every config is a list of those files per split (``temporal_<name>`` train = all sites'
train-year files; ``spatial_<name>_fold<k>`` train = every file of its training sites), so six configs
of the Ecosys release cost the disk of one. A source streams site by site: one site's examples are in
memory at a time, and the normalisation statistics are merged from per-file partial sums, so each
config's statistics come from its TRAIN files only.

The folder is written to a temporary sibling and renamed into place; a failed export leaves nothing.
The statistics are merged in ``data/statistics.py``, the card is rendered in ``data/dataset_card.py``,
examples are encoded in ``data/encoding.py`` and the folder's format is ``data/folder_format.py``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agroflux_hf import schema
from agroflux_hf.data.builder import BuildReport, SiteExamples, iter_site_examples
from agroflux_hf.data.dataset_card import (  # the card's names, also importable from here as before
    PAPER_ARXIV,
    render_card,
)
from agroflux_hf.data.dataset_card import PAPER_CITATION as PAPER_CITATION
from agroflux_hf.data.dataset_card import REDISTRIBUTABLE_WORDS as REDISTRIBUTABLE_WORDS
from agroflux_hf.data.dataset_card import SPLITS_SECTION as SPLITS_SECTION
from agroflux_hf.data.encoding import example_features, examples_table, write_parquet
from agroflux_hf.data.folder_format import (  # the names re-exported for the old import path
    CARD_FILE,
    FORMAT_VERSION,
    data_file_relpath,
    read_configs_document,
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
    weather_group_periods,
)
from agroflux_hf.data.statistics import PartialStats, example_stats, train_stats
from agroflux_hf.errors import SchemaError
from agroflux_hf.files import building_directory
from agroflux_hf.progress import progress_bar
from agroflux_hf.templates import DATASET_CARD, DATASET_CARD_TEMPLATE, template_text

logger = logging.getLogger(__name__)

DEFAULT_CARD_TEMPLATE = DATASET_CARD_TEMPLATE  # the old name of the packaged template path


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
    num_bytes: int = 0  # Arrow bytes of its examples (what ``datasets`` counts as a split's num_bytes)


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


def weather_groups_of(spec: SourceSpec, site_ids: Iterable[str]) -> dict[str, str] | None:
    """site -> weather group, for an observation source whose sites share weather series (None: each
    site is split on its own years; simulations share one calendar anyway)."""
    if spec.weather_group is None or spec.domain == schema.Domain.SIMULATION:
        return None
    return {site: spec.weather_group(site) for site in sorted(site_ids)}


def export_source(spec: SourceSpec, root: Path, *, progress: bool = True) -> SourceExport:
    """Stream ``spec`` site by site into ``root/data/<name>/<period>/<site>.parquet``."""
    features = example_features(spec)
    result = SourceExport(spec=spec, report=BuildReport(spec.name, spec.target_names))
    simulation = spec.domain == schema.Domain.SIMULATION
    shared: dict[int, str] | None = None
    used_stems: set[str] = set()
    sites = iter_site_examples(spec, result.report)
    grouped: dict[str, dict[int, str]] | None = None
    if spec.weather_group is not None and not simulation:
        # one calendar per weather series needs every site's years first: held in memory (sources that
        # share weather between sites are plots of a few stations, small)
        sites = list(sites)
        years = {s.site_id: tuple(int(y) for y in s.years) for s in sites if len(s)}
        grouped = weather_group_periods(years, weather_groups_of(spec, years) or {})
    for site in progress_bar(
        sites, total=spec.n_sites, desc=f"export {spec.name}", unit="site", enabled=progress
    ):
        if simulation and shared is None:
            result.shared_years = tuple(spec.years) if spec.years is not None else site.calendar_years
            shared = period_of_years(result.shared_years)
        if len(site) == 0:
            gaps = sorted(int(y) for s, _e, y in result.report.driver_gap_site_years if s == site.site_id)
            why = (
                f"every site-year with an observed target fails the driver-coverage rule ({gaps})"
                if gaps
                else "no example with an observed target"
            )
            logger.warning("source %s: site %s left out: %s", spec.name, site.site_id, why)
            continue
        if grouped is not None:
            periods = np.array([grouped[site.site_id][int(y)] for y in site.years], dtype=object)
        else:
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
            table = examples_table(part, features)
            write_parquet(table, path)
            result.files.append(
                FileRecord(
                    site.site_id,
                    split,
                    relpath,
                    len(part),
                    tuple(sorted({int(y) for y in part.years})),
                    example_stats(part),
                    table.nbytes,
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
    num_bytes: dict[str, int] = field(default_factory=dict)  # split -> Arrow bytes (for the card only)

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
        stats=train_stats(exported.spec, [f.stats for f in files_of[schema.TRAIN]]),
        site_attributes=_config_site_attributes(exported, assignment),
        num_bytes={s: sum(f.num_bytes for f in fs) for s, fs in files_of.items()},
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
            temporal_split(
                exported.site_years, exported.shared_years, weather_groups_of(spec, exported.site_years)
            ),
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


# ----------------------------------------------------------------------------- the folder
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
                "driver_gap_site_years": [list(t) for t in ex.report.driver_gap_site_years],
                "dates_known": ex.spec.dates_known and not ex.report.undated_sites,
                "shared_years": list(ex.shared_years) if ex.shared_years is not None else None,
                "site_groups": (
                    {s: ex.spec.site_group(s) for s in sorted(ex.site_years)} if ex.spec.site_group else None
                ),
                "weather_groups": weather_groups_of(ex.spec, ex.site_years),
            }
            for ex in exports
        },
        "configs": {e.name: e.as_json() for e in entries},
    }
    write_configs_document(root, document)
    (root / CARD_FILE).write_text(render_card(card_template, specs, exports, entries, default, root))
    return entries


def _build_then_claim(out: Path, write) -> None:
    """Build in a temporary sibling, then rename it to ``out``; the rename fails (OSError) if ``out``
    appeared meanwhile, so a concurrent builder that finished first keeps its folder untouched."""
    built = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    built.mkdir()
    try:
        write(built)
        os.rename(built, out)
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)


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
    if overwrite:
        with building_directory(out) as built:  # a failed export keeps the old folder
            write_dataset_folder(specs, built, card_template=template, progress=progress)
    else:
        _build_then_claim(
            out, lambda built: write_dataset_folder(specs, built, card_template=template, progress=progress)
        )
    # an earlier export at this path (replaced, or deleted by hand) left its Arrow cache under the same key
    if forget_cached_tables(out):
        logger.info("%s: removed the datasets cache of an earlier export at this path", out)
    logger.info("exported %s", out)
    return out


def forget_cached_tables(folder: str | os.PathLike) -> int:
    """Delete the ``datasets`` cache of every config of the folder ``folder``; returns how many it found.

    Why: ``datasets`` keys the Arrow cache of a local folder on its README (features, split sizes) and
    file paths, not on the parquet contents, so a folder exported again in place with files of the same
    sizes (a corrected value), or a folder deleted by hand and exported again, was served from the old
    cache. ``export_dataset`` calls this after every export; it costs nothing where ``datasets`` never
    cached a folder of this name (it names a local folder's cache after the folder, snake-cased).
    """
    import datasets
    from datasets.naming import camelcase_to_snakecase

    removed = 0
    path = Path(folder)
    if not (Path(datasets.config.HF_DATASETS_CACHE) / camelcase_to_snakecase(path.name)).is_dir():
        return 0
    for config in read_configs_document(path).get("configs", {}):
        try:
            cache = Path(datasets.load_dataset_builder(str(path), config).cache_dir)
        except Exception:  # a folder datasets cannot read has no cache to forget
            continue
        if cache.is_dir():
            shutil.rmtree(cache)
            removed += 1
    return removed
