"""Model cards from measured results: ``model_card(...)`` renders ``agroflux_hf/templates/model_card.md``.

Why a module of its own: a card on the Hub is the only documentation most users read, so every number
on it comes from the measured metrics dict (``metrics.json`` of a training run, scores of
:func:`agroflux_hf.metrics.core.score_targets`), never from the paper; the front matter is parsed back
with ``huggingface_hub.ModelCard`` so a card the Hub would reject never gets written.

Size: about 750 lines, of which some 200 are the card's facts and prose (architectures with their
papers, BibTeX and the published code's defects, task texts, data citations, limitations) kept beside
the code that places them on the card; the rest is one renderer. Splitting the facts out would send a
reader of one card section through two files.

Example (``agroflux card RUN_DIR`` does this for a training run folder)::

    info = config_info("temporal_co2")
    run = json.loads(Path("runs/t1/run_config.json").read_text())
    write_model_card("runs/t1/best_model", model_name="lstm", task="t1", config_name="temporal_co2",
                     dataset_info=info, hyperparameters=run["training_arguments"],
                     metrics=json.loads(Path("runs/t1/metrics.json").read_text()),
                     repo_id="my-org/agroflux-lstm-co2")
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from agroflux_hf import schema
from agroflux_hf.checkpoints import DEFAULT_HUB_ORG
from agroflux_hf.data.sources.chambers import FIELDS as CHAMBER_FIELDS
from agroflux_hf.data.sources.terms import UNKNOWN_LICENCE_ID, hub_licence_id
from agroflux_hf.data.sources.tower_sites import SITES
from agroflux_hf.errors import AgroFluxError, MissingCheckpointError, SchemaError
from agroflux_hf.files import atomic_write_text
from agroflux_hf.templates import MODEL_CARD_TEMPLATE as TEMPLATE_PATH

CARD_FILE = "README.md"
DEFAULT_DATASET_ID = f"{DEFAULT_HUB_ORG}/agroflux"
"""Hub dataset repo of AgroFlux in the front matter's ``datasets`` (a repo id, as the Hub links it)."""
TASK_TYPE = "time-series-forecasting"
"""The task of the model-index and the ``pipeline_tag``: the dataset card's ``task_categories`` entry."""
INSTALL_LINE = "pip install agroflux_hf"
TASK_NAME = "Time-series regression of daily fluxes"
CARD_METRICS: tuple[tuple[str, str], ...] = (("r2", "R2"), ("rmse", "RMSE"), ("mae", "MAE"))
"""(key in the metrics dict, label): the scores put into the ``model-index`` of the front matter."""

AGROFLUX_CITATION = """@article{agroflux2026,
  title   = {AgroFlux: A Spatial-Temporal Benchmark for Carbon and Nitrogen Flux Prediction in
             Agricultural Ecosystems},
  journal = {arXiv preprint arXiv:2602.01614},
  year    = {2026},
  url     = {https://arxiv.org/abs/2602.01614}
}"""


@dataclasses.dataclass(frozen=True)
class Architecture:
    display: str
    paper: str  # short reference shown in the text
    bibtex: str
    published_code_defect: str  # what the AgroFlux paper's code did wrong for this architecture, or ""


ARCHITECTURES: dict[str, Architecture] = {
    "lstm": Architecture(
        "LSTM",
        "Hochreiter & Schmidhuber, 1997, Neural Computation 9(8)",
        """@article{hochreiter1997lstm,
  title   = {Long Short-Term Memory},
  author  = {Hochreiter, Sepp and Schmidhuber, J{\\"u}rgen},
  journal = {Neural Computation}, volume = {9}, number = {8}, pages = {1735--1780}, year = {1997}
}""",
        "",
    ),
    "ealstm": Architecture(
        "EA-LSTM",
        "Kratzert et al., 2019, Hydrology and Earth System Sciences 23",
        """@article{kratzert2019ealstm,
  title   = {Towards learning universal, regional, and local hydrological behaviors via machine learning
             applied to large-sample datasets},
  author  = {Kratzert, Frederik and Klotz, Daniel and Shalev, Guy and Klambauer, G{\\"u}nter and
             Hochreiter, Sepp and Nearing, Grey},
  journal = {Hydrology and Earth System Sciences}, volume = {23}, pages = {5089--5110}, year = {2019}
}""",
        "The published EA-LSTM takes the first ten inputs of day 0 as its static input and only input 10 "
        "as dynamic, so it never sees the weather after day 1; here the static input is the soil and "
        "site attributes and the dynamic input is every day's weather and management.",
    ),
    "tcn": Architecture(
        "TCN",
        "Bai, Kolter & Koltun, 2018, arXiv:1803.01271",
        """@article{bai2018tcn,
  title   = {An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence Modeling},
  author  = {Bai, Shaojie and Kolter, J. Zico and Koltun, Vladlen},
  journal = {arXiv preprint arXiv:1803.01271}, year = {2018}
}""",
        "The published TCN convolves over a length-1 signal with the days as channels (a dense 365 x 365 "
        "mix of about 44 M parameters); here the convolutions run over days with the variables as channels.",
    ),
    "transformer": Architecture(
        "Transformer encoder",
        "Vaswani et al., 2017, NeurIPS",
        """@inproceedings{vaswani2017attention,
  title     = {Attention Is All You Need},
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob and Jones, Llion and
               Gomez, Aidan N. and Kaiser, {\\L}ukasz and Polosukhin, Illia},
  booktitle = {Advances in Neural Information Processing Systems}, year = {2017}
}""",
        "The published Transformer has no positional encoding and attends across the batch instead of "
        "across days (batch_first left off), so a prediction depended on its batch neighbours; here "
        "attention runs over the days of one sample, with sinusoidal positions.",
    ),
    "itransformer": Architecture(
        "iTransformer",
        "Liu et al., 2024, ICLR",
        """@inproceedings{liu2024itransformer,
  title     = {iTransformer: Inverted Transformers Are Effective for Time Series Forecasting},
  author    = {Liu, Yong and Hu, Tengge and Zhang, Haoran and Wu, Haixu and Wang, Shiyu and Ma, Lintao and
               Long, Mingsheng},
  booktitle = {International Conference on Learning Representations}, year = {2024}
}""",
        "The published iTransformer ends in a ReLU, so it cannot predict below the training mean; this one "
        "has no output activation.",
    ),
    "pyraformer": Architecture(
        "Pyraformer",
        "Liu et al., 2022, ICLR",
        """@inproceedings{liu2022pyraformer,
  title     = {Pyraformer: Low-Complexity Pyramidal Attention for Long-Range Time Series Modeling and
               Forecasting},
  author    = {Liu, Shizhan and Yu, Hang and Liao, Cong and Li, Jianguo and Lin, Weiyao and Liu, Alex X. and
               Dustdar, Schahram},
  booktitle = {International Conference on Learning Representations}, year = {2022}
}""",
        "The published Pyraformer decodes the whole year from the last day's vector; here each day is "
        "decoded from its own pyramid node and its ancestors.",
    ),
}

TASKS: dict[str, str] = {
    "t0": "predict simulated daily targets from weather, management and soil inputs (process-model "
    "output, one 365-day year per example).",
    "t1": "predict observed daily targets from weather, management and soil inputs, trained on "
    "observations only.",
    "t2-finetune": "transfer from simulation to observation: pretrained on simulated data (T0), then "
    "fine-tuned on observations, targets mapped by name.",
    "t2-adversarial": "transfer from simulation to observation by adversarial domain adaptation: "
    "trained on simulated targets while a domain discriminator behind a gradient-reversal layer pushes "
    "the per-day representation of simulated and observed years together.",
}

_PROTOCOL_DIFFERENCES: tuple[str, ...] = (
    "Normalisation statistics come from the training split only; the published code scales before "
    "splitting (test years leak into the scalers) and reuses the Ecosys scalers for DayCent.",
    "The kept checkpoint is the one with the best validation loss; published fine-tuning keeps the last "
    "epoch.",
    "Spatial folds test every site exactly once (the published folds never test some counties and "
    "towers), and the temporal validation years are never training years.",
    "A missing pretrained checkpoint is an error, never a silent training from scratch.",
)
_ADVERSARIAL_DIFFERENCE = (
    "The adversarial adaptation has a gradient-reversal layer and trains its domain discriminator; "
    "the published version has neither."
)

# AgroFlux-mini towers and where their data come from (see agroflux_hf/default_data/SOURCES.md).
MINI_TOWER_CITATIONS: dict[str, str] = {
    site.site_id: f"{site.site_id} {site.name} ({site.crops}): {site.citation}" for site in SITES.values()
}
MINI_CHAMBER_CITATION = (
    "Chamber N2O of AgroFlux-mini: Saha, Basso and Robertson (2021), Environ. Res. Lett. 16:024004, data "
    "doi:10.5061/dryad.bnzs7h493 (CC0); weather NASA POWER (acknowledge the NASA LaRC POWER Project), UW "
    "AWON (no licence stated) and NOAA GHCN-Daily (public domain)"
)
MINI_CHAMBER_SITE_PREFIXES = tuple(f"{field.prefix}-" for field in CHAMBER_FIELDS.values())
"""Plot ids of AgroFlux-mini's chamber fields start with their field's prefix (``KBS-BCSE-R1``)."""
_SOURCE_CITATIONS: dict[str, str] = {
    schema.Source.ECOSYS: "Ecosys simulations of the official AgroFlux release (CC BY 4.0)",
    schema.Source.DAYCENT: "DayCent simulations of the official AgroFlux release (CC BY 4.0)",
    schema.Source.CHAMBER: "N2O mesocosm chamber observations of the official AgroFlux release (CC BY 4.0)",
    schema.Source.DSSAT_CERES_MAIZE: "DSSAT-CSM 4.8 maize-soybean rotations, CERES-Maize + CROPGRO-Soybean with "
    "CENTURY soil carbon, run as a program in sequence mode (Jones et al. 2003, European Journal of Agronomy "
    "18, 235-265)",
    schema.Source.DSSAT_IXIM_MAIZE: "DSSAT-CSM 4.8 maize-soybean rotations, IXIM-Maize (Lizaso et al. 2011, "
    "Field Crops Research 120, 71-83) + CROPGRO-Soybean with CENTURY soil carbon (Jones et al. 2003)",
}
_MINI_SOURCES = {schema.Source.DSSAT_CERES_MAIZE, schema.Source.DSSAT_IXIM_MAIZE}
_CONFIG_JSON_SKIP = {
    "input_names",
    "static_names",
    "target_names",
    "stats",
    "architectures",
    "model_type",
    "transformers_version",
    "dtype",
    "torch_dtype",
}


class CardError(AgroFluxError, ValueError):
    """The inputs of a model card are inconsistent, or the rendered card would not pass the Hub's parser."""


# ----------------------------------------------------------------------------- small helpers


def _number(value: Any) -> float | None:
    """A finite float, or None for a missing / NaN / None score (metrics.json writes NaN as null)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fmt(value: Any) -> str:
    """Four significant digits (N2O fluxes are ~1e-4, yields ~1e2), or "n/a" for an undefined score."""
    number = _number(value)
    return "n/a" if number is None else f"{number:.4g}"


def _info(dataset_info: Any) -> dict[str, Any]:
    """``ConfigInfo`` (dataclass) or a mapping with the same fields, as a plain dict."""
    if dataclasses.is_dataclass(dataset_info) and not isinstance(dataset_info, type):
        return {f.name: getattr(dataset_info, f.name) for f in dataclasses.fields(dataset_info)}
    if isinstance(dataset_info, Mapping):
        return dict(dataset_info)
    raise CardError(f"dataset_info must be a ConfigInfo or a mapping, got {type(dataset_info).__name__}")


def _year_ranges(years: Sequence[int]) -> str:
    """``[2013, 2014, 2015, 2017]`` -> ``"2013-2015, 2017"``."""
    years = sorted({int(y) for y in years})
    if not years:
        return "none"
    runs: list[list[int]] = [[years[0], years[0]]]
    for year in years[1:]:
        if year == runs[-1][1] + 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _site_list(sites: Sequence[str], shown: int = 8) -> str:
    sites = list(sites)
    if not sites:
        return "none"
    head = ", ".join(sites[:shown])
    return head if len(sites) <= shown else f"{len(sites)} sites ({head}, ...)"


def _names_with_units(names: Sequence[str]) -> str:
    if not names:
        return "none"
    return ", ".join(f"`{n}` ({schema.unit(n)})" for n in names)


def _training_settings(training: Mapping[str, Any]) -> dict[str, Any]:
    """The run's training arguments as they acted: ``epochs`` is left out when ``max_steps`` replaced it
    as the budget (a card listing both read as if the run had trained 10 epochs)."""
    if training.get("max_steps") is None:
        return dict(training)
    return {key: value for key, value in training.items() if key != "epochs"}


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", json.dumps(value) if not isinstance(value, str) else value))
    return rows


# ----------------------------------------------------------------------------- reading the model folder


def _read_model_folder(model_dir: Path) -> tuple[dict[str, Any], int]:
    """config.json as a dict and the parameter count from model.safetensors' header (no weights loaded)."""
    from agroflux_hf.models import read_checkpoint_config

    config = read_checkpoint_config(model_dir)  # the one folder check
    weights_file = model_dir / "model.safetensors"
    if not weights_file.is_file():
        raise MissingCheckpointError(
            f"{weights_file}: missing; a model card counts the parameters of a safetensors checkpoint"
        )
    from safetensors import safe_open

    n_parameters = 0
    with safe_open(str(weights_file), framework="np") as weights:
        for key in weights.keys():  # noqa: SIM118 (safe_open is not a mapping)
            n_parameters += math.prod(weights.get_slice(key).get_shape())
    return config, n_parameters


def _model_class_description(model_type: str) -> tuple[str, str]:
    """(class name, its docstring without the Returns paragraph): what the code says the model is."""
    from agroflux_hf.models import MODEL_CLASSES, MODEL_TYPES

    for name, cls in MODEL_CLASSES.items():
        if MODEL_TYPES[name] == model_type:
            paragraphs = inspect.cleandoc(cls.__doc__ or "").split("\n\n")
            kept = [p for p in paragraphs[1:] if not p.startswith("Returns")]
            return cls.__name__, "\n\n".join(" ".join(p.split()) for p in kept)
    raise CardError(f"model_type {model_type!r} is not an AgroFlux model")


# ----------------------------------------------------------------------------- front matter


def _split_scores(metrics: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``{split: score_targets output}`` from metrics.json; a clear error for any other shape.

    A split the run could not score is stored as ``{"error": message}`` by the training loop; it is kept
    (the card says so) but contributes no number.
    """
    if not isinstance(metrics, Mapping) or not metrics:
        raise CardError("metrics must be {split: scores} as in a run's metrics.json, e.g. {'test': {...}}")
    for split, scores in metrics.items():
        if isinstance(scores, Mapping) and isinstance(scores.get("error"), str):
            continue
        if not isinstance(scores, Mapping) or not all(
            isinstance(entry, Mapping) and "pooled" in entry for entry in scores.values()
        ):
            raise CardError(
                f"metrics[{split!r}] is not a score_targets result ({{target: {{'pooled': ...}}}}); pass "
                "{split: score_targets(...)} as metrics.json stores it"
            )
    return dict(metrics)


def _scored(split_scores: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {k: v for k, v in split_scores.items() if not isinstance(v.get("error"), str)}


def _eval_results(
    split_scores: Mapping[str, Mapping[str, Any]], dataset_id: str, config_name: str
) -> list[EvalResult]:
    """One Hub EvalResult per (split, target, R2/RMSE/MAE) with a defined pooled value."""
    results = []
    for split, scores in _scored(split_scores).items():
        for target, entry in scores.items():
            unit = schema.unit(target) if target in schema.VARIABLES else ""
            for key, label in CARD_METRICS:
                value = _number(entry["pooled"].get(key))
                if value is None:
                    continue  # undefined (no observation): the table says n/a; YAML gets no NaN
                unit_text = f", {unit}" if unit and key != "r2" else ""
                results.append(
                    EvalResult(
                        task_type=TASK_TYPE,
                        task_name=TASK_NAME,
                        dataset_type=dataset_id,
                        dataset_name=f"AgroFlux {config_name}",
                        dataset_config=config_name,
                        dataset_split=split,
                        metric_type=key,
                        metric_value=float(f"{value:.6g}"),
                        metric_name=f"{target} {label} (pooled{unit_text})",
                    )
                )
    return results


def _card_data(
    *,
    index_name: str,
    model_name: str,
    task: str,
    dataset_id: str,
    license: str,
    license_name: str | None,
    license_link: str | None,
    base_model: str | None,
    eval_results: list[EvalResult],
    target_names: Sequence[str],
) -> ModelCardData:
    tags = ["agroflux", "time-series", "regression", "agriculture", "carbon-flux", model_name, task]
    if any(
        schema.VARIABLES[t].module == schema.Module.NITROGEN for t in target_names if t in schema.VARIABLES
    ):
        tags.append("nitrogen-flux")
    other = {"license_name": license_name, "license_link": license_link} if license == "other" else {}
    return ModelCardData(
        license=license,
        **other,
        library_name="transformers",
        pipeline_tag=TASK_TYPE,
        tags=tags,
        datasets=[dataset_id],
        metrics=[key for key, _ in CARD_METRICS],
        base_model=base_model,
        model_name=index_name,
        eval_results=eval_results or None,
    )


# ----------------------------------------------------------------------------- body


def _dataset_section(info: Mapping[str, Any], model_stats: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The card's data section; the target statistics are the model's own (``config.json``'s ``stats``:
    a fine-tuned model keeps its base model's for shared targets), else the dataset's."""
    sites, years, n_examples = info.get("sites") or {}, info.get("years") or {}, info.get("n_examples") or {}
    split_rows = [
        {
            "split": split,
            "sites": _site_list(sites.get(split, ())),
            "years": _year_ranges(years.get(split, ())),
            "examples": n_examples.get(split, "n/a"),
        }
        for split in ("train", "validation", "test")
        if split in sites or split in years
    ]
    target_stats = [
        {
            "name": name,
            "unit": schema.unit(name),
            "mean": _fmt(stat.get("mean")),
            "std": _fmt(stat.get("std")),
        }
        for name, stat in ((model_stats or info.get("stats") or {}).get("targets") or {}).items()
        if name in schema.VARIABLES and isinstance(stat, Mapping)
    ]
    scheme = info.get("scheme") or info.get("split") or "unknown"
    fold = info.get("fold")
    split_text = {
        "temporal": "temporal (by year within each site: the earliest years train, later ones validate "
        "and test)",
        "spatial": f"spatial (whole sites held out; fold {fold})",
    }.get(scheme, scheme)
    return {
        "source": info.get("source", "unknown"),
        "domain": info.get("domain", "unknown"),
        "split_text": split_text,
        "split_rows": split_rows,
        "target_stats": target_stats,
    }


def _same_columns(config: Mapping[str, Any], info: Mapping[str, Any]) -> bool:
    """Whether the dataset config's inputs and static attributes are the model's, in its order (not so
    for a model fine-tuned from a simulation: it keeps its base model's inputs)."""
    return list(config.get("input_names") or []) == list(info.get("input_names") or []) and list(
        config.get("static_names") or []
    ) == list(info.get("static_names") or [])


def _result_blocks(split_scores: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    blocks = []
    for split, scores in split_scores.items():
        if isinstance(scores.get("error"), str):
            blocks.append({"split": split, "rows": [], "error": scores["error"]})
            continue
        rows = []
        for target, entry in scores.items():
            pooled = entry["pooled"]
            per_site = entry.get("per_site") or {}
            mean, median = per_site.get("mean") or {}, per_site.get("median") or {}
            rows.append(
                {
                    "target": target,
                    "unit": schema.unit(target) if target in schema.VARIABLES else "",
                    "n": pooled.get("n", "n/a"),
                    **{key: _fmt(pooled.get(key)) for key in ("r2", "rmse", "mae", "kge", "bias")},
                    "site_r2_mean": _fmt(mean.get("r2")),
                    "site_r2_median": _fmt(median.get("r2")),
                    "site_rmse_mean": _fmt(mean.get("rmse")),
                    "n_sites": per_site.get("n_sites", "n/a"),
                }
            )
        blocks.append({"split": split, "rows": rows, "error": None})
    return blocks


def _sites_of(info: Mapping[str, Any]) -> set[str]:
    return {s for split_sites in (info.get("sites") or {}).values() for s in split_sites}


def _is_mini_chambers(info: Mapping[str, Any]) -> bool:
    sites = _sites_of(info)
    return (
        info.get("source") == schema.Source.CHAMBER
        and bool(sites)
        and all(s.startswith(MINI_CHAMBER_SITE_PREFIXES) for s in sites)
    )


def _is_mini(info: Mapping[str, Any]) -> bool:
    """Trained on AgroFlux-mini: its DSSAT simulations, its towers, or its chamber plots."""
    if info.get("source") in _MINI_SOURCES or _is_mini_chambers(info):
        return True
    all_sites = _sites_of(info)
    return (
        info.get("source") == schema.Source.TOWER
        and bool(all_sites)
        and all_sites <= set(MINI_TOWER_CITATIONS)
    )


def _limitations(info: Mapping[str, Any], task: str, target_names: Sequence[str]) -> list[str]:
    train_sites = list((info.get("sites") or {}).get("train", ()))
    train_years = list((info.get("years") or {}).get("train", ()))
    n_train = (info.get("n_examples") or {}).get("train")
    items = [
        f"Trained on {len(train_sites)} site(s) and the years {_year_ranges(train_years)}"
        + (f" ({n_train} site-year sequences)" if n_train is not None else "")
        + ": skill outside these climates, crops and soils is unknown."
    ]
    if _is_mini(info):
        items.append(
            "AgroFlux-mini is small: a stand-in for the official release (which could not be downloaded "
            "where this model was trained), with seven cropland eddy-covariance towers (80 site-years; an "
            "eighth, US-Tw3, keeps none), "
            "chamber N2O of ten plots at two sites, and DSSAT simulations of a few fields. Expect wide "
            "uncertainty, above all for sites unlike these."
        )
        if "N2O_FLUX" in target_names:
            items.append(
                "N2O: "
                + (
                    "N2O_FLUX here is the DSSAT simulator's output, so skill on real fields is untested."
                    if info.get("domain") == schema.Domain.SIMULATION
                    else "the real chamber N2O is sampled on a few days a year and is episodic; judge it by "
                    "the cumulative emission per sequence as well as by daily scores."
                )
            )
    if info.get("domain") == schema.Domain.SIMULATION:
        items.append(
            "Trained on process-model output: the model learns the simulator, including its biases, "
            "not the field."
        )
    if info.get("source") == schema.Source.TOWER:
        items.append(
            "Tower GPP and RECO are not measured; they come from partitioning NEE, and differ between "
            "partitioning methods. Days rejected by quality control are missing and not scored."
        )
    annual = [t for t in target_names if t in ("YIELD", "DELTA_SOC")]
    if annual:
        items.append(
            f"{', '.join(annual)} are annual values repeated daily; their daily scores count each year 365 times."
        )
    if task.startswith("t2"):
        items.append("Transfer results depend on how closely the simulator resembles the observed sites.")
    items.append(
        "Sequences are calendar years on a 365-day calendar (February 29 dropped); day 0 is January 1."
    )
    return items


def _terms_citations(record: Mapping[str, Any]) -> list[str]:
    """One line per original source of a table (its ``terms`` records: title, licence, citation): the
    attribution that CC BY data asks for, and the credit the others are due, with what each gave."""
    lines = []
    for term in record.get("terms") or ():
        title = " ".join(str(term.get("title") or term.get("key") or "").split())
        licence = " ".join(str(term.get("licence") or "not stated").split())
        citation = " ".join(str(term.get("citation") or "").split())
        columns = ", ".join(term.get("columns") or ())
        line = f"{title} ({licence})" + (f": {citation}" if citation else "")
        lines.append(line + (f"; gives {columns}" if columns else ""))
    return lines


def _data_citations(info: Mapping[str, Any]) -> list[str]:
    """Citations of the data the model saw: the dataset folder's own record first, then what we know."""
    items: list[str] = []
    data_dir = info.get("data_dir")
    configs_file = Path(data_dir) / "agroflux_configs.json" if data_dir else None
    if configs_file is not None and configs_file.is_file():
        document = json.loads(configs_file.read_text(encoding="utf-8"))
        for name, record in (document.get("sources") or {}).items():
            if record.get("source") != info.get("source"):
                continue
            licence = f"licence {record['license']}" if record.get("license") else "licence not stated"
            citation = " ".join(str(record.get("citation") or "").split())
            items.append(f"Dataset source `{name}` ({licence})" + (f": {citation}" if citation else ""))
            items.extend(_terms_citations(record))
    source = info.get("source")
    if source == schema.Source.TOWER:
        all_sites = sorted(_sites_of(info))
        items.extend(MINI_TOWER_CITATIONS[s] for s in all_sites if s in MINI_TOWER_CITATIONS)
        if any(s not in MINI_TOWER_CITATIONS for s in all_sites):
            items.append("Eddy-covariance towers of the official AgroFlux release (CC BY 4.0)")
    elif _is_mini_chambers(info):
        items.append(MINI_CHAMBER_CITATION)
    elif source in _SOURCE_CITATIONS:
        items.append(_SOURCE_CITATIONS[source])
    return items


def data_license(info: Mapping[str, Any]) -> tuple[str, str]:
    """(Hub licence id, licence text) of the data the model was trained on.

    From the dataset folder's ``agroflux_configs.json`` (each source's ``license``, as the dataset card
    lists it) when the folder is known; else ``unknown``: no licence is claimed for data the run did not
    record. Several licences, or one with conditions (``"simulations: CC BY 4.0; weather ..."``), give
    ``other`` with the full text.
    """
    data_dir = info.get("data_dir")
    configs_file = Path(data_dir) / "agroflux_configs.json" if data_dir else None
    texts = []
    if configs_file is not None and configs_file.is_file():
        document = json.loads(configs_file.read_text(encoding="utf-8"))
        texts = [
            " ".join(str(record.get("license") or "not stated").split())
            for record in (document.get("sources") or {}).values()
            if record.get("source") == info.get("source")
        ]
    if not texts:
        return (
            UNKNOWN_LICENCE_ID,
            "not recorded: the run names no dataset folder with an agroflux_configs.json",
        )

    ids = {hub_licence_id(t) for t in texts}
    return (ids.pop() if len(ids) == 1 else "other"), "; ".join(dict.fromkeys(texts))


def _hub_repo_id(value: str | None, what: str) -> str | None:
    """``value`` without an ``@revision``, checked to be a Hub repo id ``ORG/NAME``."""
    if value is None:
        return None
    from agroflux_hf.hub import is_repo_id, split_revision

    repo_id = split_revision(value)[0]
    if not is_repo_id(repo_id):
        raise CardError(f"{what} must be a Hub repo id ORG/NAME (the Hub links it), got {value!r}")
    return repo_id


# ----------------------------------------------------------------------------- public API


def model_card(
    model_dir: str | os.PathLike,
    *,
    model_name: str,
    task: str,
    config_name: str,
    dataset_info: Any,
    hyperparameters: Mapping[str, Any],
    metrics: Mapping[str, Any],
    base_model: str | None = None,
    repo_id: str | None = None,
    dataset_id: str = DEFAULT_DATASET_ID,
    license: str | None = None,
) -> str:
    """The model card (README.md text) of the saved model in ``model_dir``.

    Args:
        model_dir: a ``save_pretrained`` folder (config.json + model.safetensors) of an AgroFlux model.
        model_name: architecture, one of ``agroflux_hf.models.MODEL_NAMES``; must match config.json.
        task: ``"t0"``, ``"t1"``, ``"t2-finetune"`` or ``"t2-adversarial"``.
        config_name: the dataset config trained and evaluated on (e.g. ``"temporal_co2"``).
        dataset_info: ``agroflux_hf.config_info(config_name)`` (or a mapping with its fields): sites,
            years, example counts and training statistics shown on the card.
        hyperparameters: training settings to list (e.g. the run's ``training_arguments``).
        metrics: ``{split: score_targets(...)}`` as in the run's ``metrics.json`` (NaN or null = undefined).
        base_model: Hub repo id of the pretrained model a fine-tuned one started from (front matter;
            an ``@revision`` is dropped there and kept in the text).
        repo_id: Hub id this card will live under: the ``model-index`` name and the loading snippet.
        dataset_id: Hub repo id of the dataset for the front matter's ``datasets`` and ``model-index``.
        license: Hub licence id of the weights; default that of the data they were trained on
            (:func:`data_license`), ``other`` with the sources' terms when they differ.

    Raises ``MissingCheckpointError`` for a folder without config.json / model.safetensors and
    ``CardError`` for inconsistent inputs or a front matter ``huggingface_hub`` does not parse back.
    """
    model_dir = Path(model_dir)
    if model_name not in ARCHITECTURES:
        raise CardError(f"unknown model_name {model_name!r}; choose one of {sorted(ARCHITECTURES)}")
    if task not in TASKS:
        raise CardError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    config, n_parameters = _read_model_folder(model_dir)
    model_type = config.get("model_type")
    if model_type != f"agroflux_{model_name}":
        raise CardError(
            f"{model_dir / 'config.json'}: model_type is {model_type!r}, not agroflux_{model_name}"
        )
    info = _info(dataset_info)
    dataset_id = _hub_repo_id(dataset_id, "dataset_id")
    base_model_id = _hub_repo_id(base_model, "base_model")
    license_id, license_text = data_license(info)
    split_scores = _split_scores(metrics)
    target_names = list(config.get("target_names") or [])
    eval_results = _eval_results(split_scores, dataset_id, config_name)
    index_name = (repo_id or f"agroflux-{model_name}-{config_name}-{task}").split("/")[-1]
    card_data = _card_data(
        index_name=index_name,
        model_name=model_name,
        task=task,
        dataset_id=dataset_id,
        license=license or license_id,
        license_name="agroflux-data-terms",
        license_link=f"https://huggingface.co/datasets/{dataset_id}",
        base_model=base_model_id,
        eval_results=eval_results,
        target_names=target_names,
    )
    architecture = ARCHITECTURES[model_name]
    class_name, description = _model_class_description(model_type)
    differences = [d for d in (architecture.published_code_defect,) if d] + list(_PROTOCOL_DIFFERENCES)
    if task == "t2-adversarial":
        differences.append(_ADVERSARIAL_DIFFERENCE)
    hyper_rows = _flatten(hyperparameters) + [
        (f"model.{key}", json.dumps(value))
        for key, value in sorted(config.items())
        if key not in _CONFIG_JSON_SKIP and not key.startswith("_")
    ]
    if not TEMPLATE_PATH.is_file():
        raise CardError(f"{TEMPLATE_PATH}: the model card template is missing (install from the repository)")
    card = ModelCard.from_template(
        card_data,
        template_path=str(TEMPLATE_PATH),
        title=f"AgroFlux {architecture.display} ({task.upper()}, {config_name})",
        summary=(
            f"This {architecture.display} predicts daily {', '.join(target_names) or 'targets'} of "
            "agricultural ecosystems from daily weather, management and soil attributes. It was trained "
            f"for task {task.upper()} of the AgroFlux benchmark (arXiv:2602.01614) on the `{config_name}` "
            "config with agroflux_hf."
        ),
        architecture={
            "display": architecture.display,
            "paper": architecture.paper,
            "description": description,
        },
        model_type=model_type,
        model_class=class_name,
        n_parameters=f"{n_parameters:,}",
        input_list=_names_with_units(config.get("input_names") or []),
        static_list=_names_with_units(config.get("static_names") or []),
        target_list=_names_with_units(target_names),
        base_model=base_model,
        code_differences=differences,
        task={"name": task.upper(), "description": TASKS[task]},
        dataset_id=dataset_id,
        config_name=config_name,
        dataset=_dataset_section(info, config.get("stats")),
        same_columns=_same_columns(config, info),
        hyperparameters=hyper_rows,
        results=_result_blocks(split_scores),
        limitations=_limitations(info, task, target_names),
        load_id=repo_id or "path/to/this/model",
        install_line=INSTALL_LINE,
        arch_name=model_name,
        license_text=license_text,
        citations=[AGROFLUX_CITATION, architecture.bibtex],
        data_citations=_data_citations(info),
    )
    text = str(card)
    _check_hub_parses(text, eval_results)
    return text


def _check_hub_parses(text: str, expected: list[EvalResult]) -> None:
    """Parse the card back as the Hub library does; the model-index must give back every result."""
    try:
        parsed = ModelCard(text)
    except ValueError as err:
        raise CardError(f"the rendered card's front matter does not parse: {err}") from err
    data = parsed.data
    if data.library_name != "transformers" or data.pipeline_tag != TASK_TYPE:
        raise CardError(
            f"library_name / pipeline_tag came back as {data.library_name!r} / {data.pipeline_tag!r}"
        )
    got = [(r.dataset_split, r.metric_name, r.metric_value) for r in (data.eval_results or [])]
    want = [(r.dataset_split, r.metric_name, r.metric_value) for r in expected]
    if sorted(got, key=str) != sorted(want, key=str):
        raise CardError("the model-index of the rendered card does not round-trip its evaluation results")


def write_model_card(model_dir: str | os.PathLike, **card_kwargs: Any) -> Path:
    """Render :func:`model_card` and write ``model_dir/README.md`` atomically (temporary file, then rename).

    The whole card is rendered and checked before anything is written, so a failure leaves any
    existing README.md untouched.
    """
    model_dir = Path(model_dir)
    text = model_card(model_dir, **card_kwargs)
    return atomic_write_text(model_dir / CARD_FILE, text)


def _base_model_of_run(pretrained: str | None) -> str | None:
    """The run's ``--pretrained`` when it named a Hub repo (``ORG/NAME[@REV]``), not a local folder."""
    if not pretrained or Path(pretrained).exists():
        return None
    from agroflux_hf.hub import is_repo_id, split_revision

    return pretrained if is_repo_id(split_revision(pretrained)[0]) else None


def _pretrained_label(pretrained: str | None, base_model: str | None) -> str | None:
    """What the card's hyperparameters call the starting checkpoint: its Hub id when known, else a local
    folder's name only (the training machine's paths say nothing to a reader of the card)."""
    if base_model or not pretrained:
        return base_model or pretrained
    return pretrained if not Path(pretrained).is_absolute() else f"local checkpoint {Path(pretrained).name}"


def training_outcome(log_file: Path, training_arguments: Mapping[str, Any]) -> dict[str, Any] | None:
    """How long the run trained and where its kept model comes from, read from its validation log
    (``log.jsonl``): a reader of the card learns whether early stopping ended the run and at which step
    the kept (best-validation) model was. None when the folder has no log."""
    if not log_file.is_file():
        return None
    entries = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    validated = [e for e in entries if e.get("val_loss") is not None]
    if not validated:
        return None
    improved = [e for e in validated if e.get("improved")]  # the kept model was saved at the last of these
    best = improved[-1] if improved else min(validated, key=lambda e: e["val_loss"])
    steps, budget = entries[-1]["global_step"], training_arguments.get("max_steps")
    outcome = {
        "steps_trained": steps,
        "validations": len(validated),
        "kept_model_step": best["global_step"],
        "kept_model_val_loss": round(float(best["val_loss"]), 6),
    }
    if budget:  # a step budget: fewer steps means the patience ran out first
        outcome["stopped_early"] = steps < budget
    return outcome


def write_model_card_from_run(
    run_dir: str | os.PathLike,
    *,
    repo_id: str | None = None,
    base_model: str | None = None,
    dataset_info: Any = None,
    dataset_id: str = DEFAULT_DATASET_ID,
) -> Path:
    """Write ``RUN/best_model/README.md`` from a training run folder (run_config.json + metrics.json).

    ``dataset_info`` defaults to ``config_info(run_config["config"], run_config["data_dir"])``;
    ``base_model`` to the run's ``pretrained`` checkpoint when that was a Hub repo id.
    """
    run_dir = Path(run_dir)
    run_file, metrics_file = run_dir / "run_config.json", run_dir / "metrics.json"
    for needed in (run_file, metrics_file):
        if not needed.is_file():
            raise MissingCheckpointError(
                f"{needed}: missing; is {run_dir} the output folder of `agroflux train`?"
            )
    run = json.loads(run_file.read_text(encoding="utf-8"))
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    if base_model is None:
        base_model = _base_model_of_run(run.get("pretrained"))
    if dataset_info is None:
        from agroflux_hf.data.loading import config_info, recorded_data_location

        dataset_info = config_info(run["config"], recorded_data_location(run.get("data_dir")))
    training = run.get("training_arguments") or {}
    hyperparameters = {
        "task": run["task"],
        "learning_rate": run.get("learning_rate"),
        "batch_size": run.get("batch_size"),
        "pretrained": _pretrained_label(run.get("pretrained"), base_model),
        "source_config": run.get("source_config"),
        "training": _training_settings(training),
        "outcome": training_outcome(run_dir / "log.jsonl", training),
    }
    hyperparameters = {k: v for k, v in hyperparameters.items() if v is not None}
    missing = {"validation", "test"} - set(metrics)
    if missing == {"validation", "test"}:
        raise SchemaError(f"{metrics_file}: no validation or test scores")
    return write_model_card(
        run_dir / "best_model",
        model_name=run["model_name"],
        task=run["task"],
        config_name=run["config"],
        dataset_info=dataset_info,
        hyperparameters=hyperparameters,
        metrics=metrics,
        base_model=base_model,
        repo_id=repo_id,
        dataset_id=dataset_id,
    )
