"""Score a checkpoint on a user's own tower files: how does it do at a site it never saw?

``agroflux evaluate CKPT --towers FILE...`` (:mod:`agroflux_hf.commands.evaluate`) runs
:func:`evaluate_towers`: the files are read by the tower importer (any format it reads, or a parquet
table written by ``agroflux data import-flux``), each site's daily table becomes 365-day site-year
sequences by the same builder as AgroFlux-mini, laid out in the checkpoint's own input, static and
target names (its config carries them, and its normalisation statistics), the model predicts, and
:func:`agroflux_hf.metrics.core.score_targets` scores each target pooled and per site.

Nothing is filled or derived. An input the files do not carry (management, TMAX/TMIN in a daily
FLUXNET file, ...) is NaN on every day: the model sets it to its training mean and, with
``observed_mask_inputs``, is told by a 0 flag that it was not observed. Static site attributes the
files and the metadata given do not state (latitude, elevation, ...) are NaN, which the models replace
by the training mean without a flag. :class:`SiteInputs` records which inputs were missing, so that
the report can say it; a target is never used as an input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from agroflux_hf import schema
from agroflux_hf.data.builder import BuildReport, SiteExamples, build_site_examples
from agroflux_hf.data.default import TOWER_CORE_DRIVERS
from agroflux_hf.data.sources.contract import SourceSpec
from agroflux_hf.data.sources.flux_towers import iter_site_frames
from agroflux_hf.data.statistics import FAR_STATIC_Z, far_features, z_scores
from agroflux_hf.errors import AllNaNError, DataFileError
from agroflux_hf.training.tensors import Predictions, SplitTensors, model_names, predict_dataset


@dataclass
class SiteInputs:
    """What one site gave the model: the site-years scored and skipped, and the inputs it lacked."""

    site_id: str
    years: list[int] = field(default_factory=list)  # site-years scored
    skipped_years: dict[int, str] = field(default_factory=dict)  # year -> why it was not scored
    missing_inputs: list[str] = field(default_factory=list)  # never observed on a scored day
    partial_inputs: dict[str, float] = field(default_factory=dict)  # observed fraction, below coverage
    missing_statics: list[str] = field(default_factory=list)  # unknown site attributes
    # site attributes beyond FAR_STATIC_Z training standard deviations: name -> z (the model extrapolates)
    far_statics: dict[str, float] = field(default_factory=dict)
    # attributes constant over the training data that take another value here: name -> the site's value
    # (a z-score cannot say it: the checkpoint stores std 1 for a constant; see constant_statics)
    unseen_statics: dict[str, float] = field(default_factory=dict)
    observed_targets: list[str] = field(default_factory=list)  # model targets with an observed day
    # the site's years per split ("train", "validation", "test") in the data the checkpoint was trained
    # on (``training_config``); None when the site is not in that data. When the checkpoint does not
    # record its training data (``training_config_known`` False), AgroFlux-mini's temporal_co2 is assumed.
    agroflux_mini_years: dict[str, list[int]] | None = None
    training_config: str | None = None
    training_config_known: bool = False
    # the first and last day the files give for the site (ISO dates): a scored site-year's days outside
    # them are padding, NaN inputs the model sees as its training means; not predictions of anything
    first_day: str = ""
    last_day: str = ""


@dataclass
class TowerEvaluation:
    """The predictions, scores and input report of one checkpoint on the given tower files."""

    checkpoint: str
    model_type: str
    observed_mask_inputs: bool
    files: list[str]
    predictions: Predictions
    scores: dict[str, dict[str, Any]]
    sites: dict[str, SiteInputs]
    unscored_targets: list[str]  # model targets no file observes
    dropped_feb29_rows: int = 0
    static_bounds: dict | None = None  # the checkpoint's config.static_bounds (None: nothing clipped)
    constant_statics: dict[str, float] = field(default_factory=dict)  # constant in training: name -> value
    # why the checkpoint's recorded training data could not be opened (None: it was, or none is recorded):
    # then nobody can tell whether a scored site-year was seen in training, and the report says so
    training_data_problem: str | None = None


def read_tower_frames(
    files: Sequence[str | Path],
    site_metadata: Mapping[str, Mapping[str, object]] | None = None,
    **read_options: object,
) -> list[pd.DataFrame]:
    """One canonical daily frame per site; a file the importer cannot read raises DataFileError naming it."""
    for path in map(Path, files):
        if not path.is_file():
            raise DataFileError(path, "file does not exist")
    return list(iter_site_frames(list(files), site_metadata, **read_options))


def model_source_spec(model: Any, require_core_drivers: bool = False) -> SourceSpec:
    """The builder's spec in the checkpoint's own names, so every array column is the model's.

    ``require_core_drivers`` keeps only site-years whose core tower drivers (``TOWER_CORE_DRIVERS`` among
    the model's inputs) are observed on >= ``schema.MIN_DRIVER_COVERAGE`` of the days, as AgroFlux-mini
    does; by default every site-year with an observed target is scored and its gaps are reported.
    """
    inputs, statics, targets = model_names(model)
    required = tuple(n for n in TOWER_CORE_DRIVERS if n in inputs) if require_core_drivers else ()
    spec = SourceSpec(
        name="user_towers",
        source=schema.Source.TOWER,
        frames=lambda: iter(()),
        input_names=inputs,
        static_names=statics,
        target_names=targets,
        required_inputs=required,
    )
    spec.check_names()
    return spec


def site_inputs(examples: SiteExamples, spec: SourceSpec, report: BuildReport) -> SiteInputs:
    """Which inputs and attributes a site lacked on its scored site-years, and which years were skipped."""
    info = SiteInputs(site_id=examples.site_id, years=[int(y) for y in examples.years])
    for site, _experiment, year in report.skipped_site_years:
        if site == examples.site_id:
            info.skipped_years[int(year)] = "no observed value of any target of the model"
    for site, _experiment, year in report.driver_gap_site_years:
        if site == examples.site_id:
            info.skipped_years[int(year)] = (
                f"a core driver {list(spec.required_inputs)} observed on fewer than "
                f"{schema.MIN_DRIVER_COVERAGE:.0%} of the days"
            )
    if len(examples):
        coverage = np.isfinite(examples.past_values).mean(axis=(0, 1))
        for name, fraction in zip(spec.input_names, coverage, strict=True):
            if fraction == 0:
                info.missing_inputs.append(name)
            elif fraction < schema.MIN_DRIVER_COVERAGE:
                info.partial_inputs[name] = round(float(fraction), 3)
        known = np.isfinite(examples.static_real_features).any(axis=0)
        info.missing_statics = [n for n, k in zip(spec.static_names, known, strict=True) if not k]
        observed = np.isfinite(examples.target_values).any(axis=(0, 1))
        info.observed_targets = [n for n, o in zip(spec.target_names, observed, strict=True) if o]
    return info


def file_span(frame: pd.DataFrame) -> tuple[str, str]:
    """(first, last) day of a site's canonical frame as ISO dates: the span its files cover."""
    dates = pd.to_datetime(frame[schema.DATE_COLUMN])
    return str(dates.min().date()), str(dates.max().date())


def far_statics(
    static: np.ndarray, names: Sequence[str], stats: Mapping[str, Mapping], limit: float = FAR_STATIC_Z
) -> dict[str, float]:
    """The site attributes whose z-score against the model's training statistics exceeds ``limit``,
    largest first (:func:`~agroflux_hf.data.statistics.far_features`).

    ``static`` is (site-years, attributes), one site's rows. Why: a network multiplies a normalised
    attribute however far out it lies; on AgroFlux-mini's spatial fold 1 the test sites' longitude
    (+32) and elevation (+41) took every network below the climatology (README, the paper preset).
    """
    first_known = [
        float(column[np.isfinite(column)][0]) if np.isfinite(column).any() else math.nan
        for column in static.T
    ]
    far = far_features(z_scores(first_known, names, stats), limit)
    return {name: round(z, 1) for name, z in far.items() if math.isfinite(z)}


def unseen_statics(
    static: np.ndarray, names: Sequence[str], constants: Mapping[str, float]
) -> dict[str, float]:
    """The attributes among ``constants`` (constant over training: name -> its value) that take another
    value in the site's rows ``static`` (site-years, attributes): name -> the site's value."""
    unseen = {}
    for name, column in zip(names, static.T, strict=True):
        values = column[np.isfinite(column)]
        if name in constants and len(values) and not np.all(values == constants[name]):
            unseen[name] = float(values[values != constants[name]][0])
    return unseen


def recorded_training_data(model: Any) -> tuple[dict, dict[str, Any], str | None]:
    """(record, {config: ConfigInfo}, problem): the checkpoint's ``config.training_data`` record and the
    configs it names (the data config and, for T2, the source config), each opened once; ``problem`` says
    why the data config cannot be opened (None: it was, or none is recorded)."""
    from agroflux_hf.data.loading import config_info, recorded_data_location

    record = getattr(model.config, "training_data", None) or {}
    if not isinstance(record, dict):
        return {}, {}, None
    infos: dict[str, Any] = {}
    problem = None
    for config in dict.fromkeys((record.get("config"), record.get("source_config"))):
        if not config:
            continue
        try:
            infos[str(config)] = config_info(str(config), recorded_data_location(record.get("data_dir")))
        except Exception as error:  # a Hub dataset offline, a folder moved: say we cannot tell
            if config == record.get("config"):
                where = record.get("data_dir") or "the embedded AgroFlux-mini"
                problem = f"{config} of {where} cannot be opened here ({error})"
    return record, infos, problem


def constant_statics(model: Any, infos: Mapping[str, Any]) -> dict[str, float]:
    """{attribute: value} of the static attributes the checkpoint only ever saw at one value.

    Why: training normalises a constant attribute with std 1 (``plans.usable_stat``), so the
    checkpoint's statistics cannot tell a flag that never varied (CROPLAND is 1 at every
    AgroFlux-mini tower) from one that did, and a grassland site's CROPLAND 0 would look 1 standard
    deviation out. The recorded training data (``infos``, from :func:`recorded_training_data`) keeps
    the raw statistics, std 0 for a constant; an attribute counts when a recorded config has it
    constant at the checkpoint's own mean.
    """
    model_stats = (model.config.stats or {}).get("static", {})
    constants: dict[str, float] = {}
    for info in infos.values():
        for name, entry in info.stats.get("static", {}).items():
            used = model_stats.get(name) or {}
            if entry.get("std") == 0 and entry.get("mean") is not None and used.get("mean") == entry["mean"]:
                constants[name] = float(entry["mean"])
    return constants


def agroflux_mini_years(site_ids: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """{site: {split: years}} of the temporal_co2 split for the given sites that are AgroFlux-mini towers.

    Why: a user testing a checkpoint on one of these towers (the test files are cut from them) must know
    that a checkpoint trained on AgroFlux-mini has seen some of its years; those scores are not those
    of an unseen site.
    """
    from agroflux_hf.data.default import DEFAULT_TABLE_DIR
    from agroflux_hf.data.splits import temporal_year_split
    from agroflux_hf.default_data.derive_towers import site_year_table

    path = DEFAULT_TABLE_DIR / "towers.parquet"
    if not path.is_file():
        return {}
    columns = [schema.SITE_ID, schema.DATE_COLUMN, *TOWER_CORE_DRIVERS, "NEE", "GPP", "RECO", "ET"]
    table = pd.read_parquet(path, columns=columns, filters=[(schema.SITE_ID, "in", list(site_ids))])
    if table.empty:
        return {}
    years = site_year_table(table)
    out = {}
    for site in sorted(set(table[schema.SITE_ID])):
        part = years.loc[site]
        kept = [
            int(y) for y in part.index[part["kept"] & (part[["NEE", "GPP", "RECO", "ET"]].sum(axis=1) > 0)]
        ]
        out[str(site)] = {split: list(ys) for split, ys in temporal_year_split(kept).items()}
    return out


def training_data_years(
    record: Mapping[str, Any], infos: Mapping[str, Any], problem: str | None, site_ids: Sequence[str]
) -> tuple[dict[str, dict[str, list[int]]], str | None, bool, str | None]:
    """({site: {split: years}}, config, known, problem) of the given sites in the data a model was
    trained on (``record``, ``infos``, ``problem``: :func:`recorded_training_data`).

    A checkpoint trained by ``agroflux_hf.training`` records its data config (``config.training_data``);
    its split's site-years answer exactly which years of a site it saw (temporal split) or that the
    site was held out (spatial split). A checkpoint that does not record it (a foreign one, or one
    trained before it was recorded) is assumed to be a temporal_co2 model of AgroFlux-mini, and the
    report says it is an assumption. Data the loader cannot open gives ``({}, config, False, why)``.
    """
    config = record.get("config")
    if not config:
        return agroflux_mini_years(site_ids), "temporal_co2", False, None
    info = infos.get(str(config))
    if info is None:
        return {}, str(config), False, problem
    wanted = set(site_ids)
    years: dict[str, dict[str, list[int]]] = {}
    for split, by_site in (getattr(info, "site_years", None) or {}).items():
        for site, site_years in by_site.items():
            if site in wanted:
                years.setdefault(str(site), {})[str(split)] = [int(y) for y in site_years]
    return years, str(config), True, None


def stack_examples(parts: list[SiteExamples], spec: SourceSpec, target_names: Sequence[str]) -> SplitTensors:
    """All sites' sequences as one in-memory split, targets restricted to ``target_names``."""
    columns = [spec.target_names.index(n) for n in target_names]
    return SplitTensors(
        past_values=torch.from_numpy(np.concatenate([p.past_values for p in parts])),
        static=torch.from_numpy(np.concatenate([p.static_real_features for p in parts])),
        targets=torch.from_numpy(
            np.ascontiguousarray(np.concatenate([p.target_values for p in parts])[..., columns])
        ),
        input_names=spec.input_names,
        static_names=spec.static_names,
        target_names=tuple(target_names),
        site_ids=np.concatenate([np.full(len(p), p.site_id, dtype=object) for p in parts]),
        years=np.concatenate([p.years for p in parts]).astype(np.int32),
        experiments=np.concatenate([p.experiments for p in parts]).astype(np.int32),
        first_dates=np.concatenate([np.asarray(p.first_dates, dtype=object) for p in parts]),
    )


def evaluate_towers(
    checkpoint: str | Path,
    files: Sequence[str | Path],
    *,
    site_metadata: Mapping[str, Mapping[str, object]] | None = None,
    require_core_drivers: bool = False,
    batch_size: int = 64,
    **read_options: object,
) -> TowerEvaluation:
    """Import ``files``, build site-year sequences in the checkpoint's names, predict and score per site.

    ``site_metadata`` and ``read_options`` are those of ``flux_towers.iter_site_frames`` (site id,
    latitude, longitude, IGBP class, ...). Raises ``DataFileError`` for a file the importer cannot read
    and ``AllNaNError`` when no site-year observes any target of the model.
    """
    from agroflux_hf.training.plans import load_model

    frames = read_tower_frames(files, site_metadata, **read_options)
    model = load_model(checkpoint)
    spec = model_source_spec(model, require_core_drivers)
    report = BuildReport(spec.name, spec.target_names)
    parts, sites = [], {}
    for frame in frames:
        examples = build_site_examples(frame, spec, report)
        info = sites[examples.site_id] = site_inputs(examples, spec, report)
        info.first_day, info.last_day = file_span(frame)
        if len(examples):
            parts.append(examples)
    static_stats = (model.config.stats or {}).get("static", {})
    record, infos, problem = recorded_training_data(model)
    constants = constant_statics(model, infos)
    for part in parts:
        info = sites[part.site_id]
        info.far_statics = far_statics(part.static_real_features, spec.static_names, static_stats)
        info.unseen_statics = unseen_statics(part.static_real_features, spec.static_names, constants)
    seen_years, training_config, known, problem = training_data_years(record, infos, problem, list(sites))
    for site, info in sites.items():
        info.training_config, info.training_config_known = training_config, known
        info.agroflux_mini_years = seen_years.get(site)
    observed = [n for n in spec.target_names if any(n in s.observed_targets for s in sites.values())]
    if not parts or not observed:
        raise AllNaNError(
            f"{[str(f) for f in files]}: no site-year observes any of the checkpoint's targets "
            f"{list(spec.target_names)}; skipped: { {s: i.skipped_years for s, i in sites.items()} }"
        )
    predictions = predict_dataset(model, stack_examples(parts, spec, observed), batch_size=batch_size)
    return TowerEvaluation(
        checkpoint=str(checkpoint),
        model_type=str(model.config.model_type),
        observed_mask_inputs=bool(getattr(model.config, "observed_mask_inputs", False)),
        files=[str(f) for f in files],
        predictions=predictions,
        scores=predictions.scores(per_site=True),
        sites=sites,
        unscored_targets=[n for n in spec.target_names if n not in observed],
        dropped_feb29_rows=report.dropped_feb29_rows,
        static_bounds=getattr(model.config, "static_bounds", None),
        constant_statics=constants,
        training_data_problem=problem,
    )
