"""Transfer gain: does simulation pretraining help? T2 test R² minus T1 test R², the paper's question.

Each T2 run (fine-tune or adversarial) is paired with the T1 run of the same architecture, config
(split scheme and fold), seed and target: the same observation data with and without the simulation.
The table gives the mean ± std of those paired gains over folds and seeds per architecture, and for
the best network: the best T2 network's mean R² minus the best T1 network's mean R² (each the highest
mean over folds and seeds), i.e. what a user picking the best model of each protocol gains; and
the gain of the networks chosen on validation or, in spatial schemes, on the other held-out regions
(:func:`chosen_gain_by_seed`), which pick nothing on the test set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from agroflux_hf.benchmark.leaderboard import (
    RESULT_COLUMNS,
    TASK_LABELS,
    dataset_label,
    failed_runs,
    in_task_order,
    markdown_table,
    seeds_over_every_fold,
)
from agroflux_hf.benchmark.presets import TRANSFER_TASKS
from agroflux_hf.benchmark.selection import chosen_on_other_folds, chosen_on_validation
from agroflux_hf.schema import SPLIT_SCHEMES

PAIR_KEYS: tuple[str, ...] = ("model", "config", "seed", "target")
SECTION_KEYS: tuple[str, ...] = RESULT_COLUMNS
BEST = "best"
CHOICE_RULES: tuple[str, ...] = ("validation", "other_regions")
"""How :func:`chosen_gain_by_seed` picks each protocol's network without its test score."""


def _with_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """A leaderboard written before seeds existed had one seed: 0."""
    seeds = frame["seed"].fillna(0) if "seed" in frame.columns else 0
    return frame.assign(seed=seeds, source_dataset=frame["source_dataset"].fillna(""))


def paired_gains(frame: pd.DataFrame, transfer_tasks: Sequence[str] = TRANSFER_TASKS) -> pd.DataFrame:
    """One row per T2 score with a T1 partner: columns of the T2 row plus ``r2_t1`` and ``gain``. Only
    seeds that ran every fold count (:func:`seeds_over_every_fold`), so that a seed part-way through the
    spatial folds does not weigh its first held-out regions more."""
    frame = _with_seed(seeds_over_every_fold(frame))
    frame = frame.assign(failed=failed_runs(frame))
    networks = frame[frame["kind"] != "baseline"] if "kind" in frame.columns else frame
    t1 = networks[networks["task"] == "t1"][[*PAIR_KEYS, "r2", "failed"]]
    t1 = t1.rename(columns={"r2": "r2_t1", "failed": "failed_t1"})
    t2 = networks[networks["task"].isin(transfer_tasks)]
    if t1.empty or t2.empty:
        return pd.DataFrame(
            columns=[*SECTION_KEYS, "model", "fold", "seed", "r2", "r2_t1", "gain", "failed", "failed_t1"]
        )
    merged = t2.merge(t1, on=list(PAIR_KEYS), how="inner")
    merged["gain"] = merged["r2"] - merged["r2_t1"]
    return merged


def failures(pairs: pd.DataFrame, column: str = "failed") -> pd.Series:
    """The pairs' ``failed`` (T2) or ``failed_t1`` flags (:func:`paired_gains`); all False for pairs made
    without them."""
    if column not in pairs.columns:
        return pd.Series(False, index=pairs.index)
    return pairs[column].astype("boolean").fillna(False).astype(bool)


def _mean_unless_failed(pairs: pd.DataFrame, column: str, failed: pd.Series, by: Sequence[str]) -> pd.Series:
    """Mean of ``column`` per ``by``, NaN for a group with a failed run (a NaN-skipping mean would score a
    model on the runs it did not fail)."""
    grouped = pairs.groupby(list(by), sort=False)
    return grouped[column].mean().mask(failed.groupby([pairs[k] for k in by], sort=False).any())


def best_minus_best(pairs: pd.DataFrame) -> float:
    """The best T2 network's mean R² minus the best T1 network's (means over the rows given): what a
    user picking the best model of each protocol gains."""
    t2 = _mean_unless_failed(pairs, "r2", failures(pairs), ["model"])
    t1 = _mean_unless_failed(pairs, "r2_t1", failures(pairs, "failed_t1"), ["model"])
    return t2.max() - t1.max()


def summarise_pairs(pairs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per ``keys`` and architecture: gain mean, std, pairs; plus per ``keys`` the ``best`` row (best
    T2 network's mean R² minus best T1 network's mean R²). The leaderboard's table and figure both read
    this, so they cannot disagree."""
    grouped = pairs.groupby([*keys, "model"], sort=False)
    table = grouped["gain"].agg(gain_mean="mean", gain_std="std", pairs="count")
    failed = (failures(pairs) | failures(pairs, "failed_t1")).groupby(
        [pairs[k] for k in [*keys, "model"]], sort=False
    )
    table.loc[failed.any(), ["gain_mean", "gain_std"]] = np.nan  # a failed run fails its model's gain
    table = table.reset_index()
    best_rows = [
        dict(zip(keys, key, strict=True)) | {"model": BEST, "gain_mean": best_minus_best(part)}
        for key, part in pairs.groupby(list(keys), sort=False)
    ]
    best = pd.DataFrame(best_rows).assign(gain_std=np.nan, pairs=pd.NA)
    return pd.concat([table, best], ignore_index=True)


def gain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`summarise_pairs` per (T2 task, dataset, source, scheme, target)."""
    return gain_table_of_pairs(paired_gains(frame))


def gain_table_of_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`gain_table` from pairs already made by :func:`paired_gains`."""
    if pairs.empty:
        return pd.DataFrame(columns=[*SECTION_KEYS, "model", "gain_mean", "gain_std", "pairs"])
    return summarise_pairs(pairs, SECTION_KEYS)


def format_gain(mean: float, std: float) -> str:
    """A gain in R² with its sign and two decimals (R² differences below 0.005 are nothing to read)."""
    if mean is None or not np.isfinite(mean):
        return "–"
    if std is None or not np.isfinite(std):
        return f"{mean:+.2f}"
    return f"{mean:+.2f} ± {std:.2f}"


def render_gain_markdown(
    frame: pd.DataFrame, models: Sequence[str] | None = None, pairs: pd.DataFrame | None = None
) -> list[str]:
    """The leaderboard's transfer-gain section: rows (task, dataset ← source, scheme, target), one
    column per architecture and one for the best; empty when the benchmark ran no T2 with a T1.
    ``pairs``: :func:`paired_gains` of ``frame`` if already made."""
    table = gain_table_of_pairs(paired_gains(frame) if pairs is None else pairs)
    if table.empty:
        return []
    architectures = [m for m in dict.fromkeys(table["model"]) if m != BEST]
    if models is not None:
        architectures = [m for m in models if m in architectures]
    chosen = []  # per rule: the mean and std over seeds of each section's gain, computed once
    for rule in CHOICE_RULES:
        gains = chosen_gain_by_seed(frame, rule).groupby(list(SECTION_KEYS), sort=False)["gain"]
        chosen.append((gains.mean(), gains.std()))
    body = []
    for key, part in in_task_order(table).groupby(list(SECTION_KEYS), sort=False):
        task, dataset, source, scheme, target = key
        by_model = part.set_index("model")
        cells = [dataset_label(task, dataset, source), scheme, target]
        for model in [*architectures, BEST]:
            if model in by_model.index:
                cells.append(format_gain(by_model.at[model, "gain_mean"], by_model.at[model, "gain_std"]))
            else:
                cells.append("–")
        cells += [format_gain(mean.get(key, np.nan), std.get(key, np.nan)) for mean, std in chosen]
        body.append(cells)
    header = [
        "T2 task and data",
        "split",
        "target",
        *architectures,
        "best T2 − best T1",
        "chosen on validation",
        "chosen on the other regions",
    ]
    note = (
        "Transfer gain: test R² of each T2 run minus that of the T1 run of the same architecture, config, "
        "fold and seed (the same observation data without the simulation), mean ± std over folds and "
        "seeds; `best T2 − best T1` = the best T2 network's mean R² minus the best T1 network's (the best "
        "of each side's test means: optimistic); `chosen on validation` = in each fold and seed the T2 "
        "network of highest validation R² minus the T1 network of highest validation R² (their test R²), "
        "mean over folds, then mean ± std over seeds; `chosen on the other regions` (spatial schemes) = the "
        "same with each side's network chosen, for each held-out region, as the architecture of best mean "
        "test R² over the seed's other regions. Positive: simulation pretraining helped."
    )
    return ["## Transfer gain (T2 − T1 R²)", "", note, "", markdown_table(header, body), ""]


def best_gain_by_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (T2 task, dataset, source, scheme, target) and seed: that seed's best T2 network's R² minus
    its best T1 network's (each the mean over folds). The headline ``best`` gain is one number from
    means over seeds; this shows how far a single seed's answer to "does pretraining help?" moves."""
    return best_gain_by_seed_of_pairs(paired_gains(frame))


def best_gain_by_seed_of_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """:func:`best_gain_by_seed` from pairs already made by :func:`paired_gains`."""
    columns = [*SECTION_KEYS, "seed", "gain"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    rows = [
        dict(zip(columns, [*key, best_minus_best(part)], strict=True))
        for key, part in pairs.groupby([*SECTION_KEYS, "seed"], sort=False)
    ]
    return pd.DataFrame(rows, columns=columns)


def render_gain_by_seed_markdown(frame: pd.DataFrame, gains: pd.DataFrame | None = None) -> list[str]:
    """A table of :func:`best_gain_by_seed` (``gains`` if already computed): one column per seed, then
    the mean ± std over seeds."""
    gains = best_gain_by_seed(frame) if gains is None else gains
    if gains.empty:
        return []
    seeds = sorted(int(s) for s in gains["seed"].unique())
    body = []
    for key, part in in_task_order(gains).groupby(list(SECTION_KEYS), sort=False):
        task, dataset, source, scheme, target = key
        by_seed = part.set_index(part["seed"].astype(int))["gain"]
        cells = [dataset_label(task, dataset, source), scheme, target]
        cells += [format_gain(by_seed.get(seed, np.nan), np.nan) for seed in seeds]
        cells.append(format_gain(by_seed.mean(), by_seed.std()))
        body.append(cells)
    header = ["T2 task and data", "split", "target", *(f"seed {s}" for s in seeds), "mean ± std"]
    return [markdown_table(header, body)]


def _chosen_networks(frame: pd.DataFrame, rule: str, by: Sequence[str]) -> pd.DataFrame:
    """One network row per fold and ``by`` group (a result and seed, no fold), chosen by ``rule``: the
    highest validation R² of the fold, or the best mean test R² over the group's other folds (spatial
    schemes only: a scheme with one fold has no other region to learn from)."""
    if rule == "validation":
        return chosen_on_validation(frame, [*by, "config"])
    if rule == "other_regions":
        return chosen_on_other_folds(frame[frame["scheme"] != "temporal"], by)
    raise ValueError(f"unknown choice rule {rule!r}: one of {', '.join(CHOICE_RULES)}")


def chosen_gain_by_seed(frame: pd.DataFrame, rule: str = "validation") -> pd.DataFrame:
    """Per (T2 task, dataset, source, scheme, target) and seed: the gain of a user who picks each
    protocol's architecture without its test score. In every fold the T2 network chosen by ``rule``
    and, apart, the T1 network chosen by it (``validation``: the highest validation R², ``val_r2``, of
    that fold; ``other_regions``: the best mean test R² over the seed's other held-out regions,
    :func:`~agroflux_hf.benchmark.selection.chosen_on_other_folds`, spatial rows only); the difference
    of their test R², then the mean over folds. The ``best`` gain compares the best of six test means
    on each side, a selection on the test set; these make no such choice. ``validation`` is empty
    without ``val_r2``."""
    columns = [*SECTION_KEYS, "seed", "gain"]
    if rule == "validation" and "val_r2" not in frame.columns:
        return pd.DataFrame(columns=columns)
    frame = _with_seed(seeds_over_every_fold(frame))
    frame = frame.assign(failed=failed_runs(frame))
    t1_keys = [*(k for k in SECTION_KEYS if k != "source_dataset"), "seed"]  # T1 has no source (NaN)
    t1 = _chosen_networks(frame[frame["task"] == "t1"], rule, t1_keys)
    t2 = _chosen_networks(frame[frame["task"].isin(TRANSFER_TASKS)], rule, [*SECTION_KEYS, "seed"])
    if t1.empty or t2.empty:
        return pd.DataFrame(columns=columns)
    t1 = t1[["config", "seed", "target", "r2", "failed"]].rename(
        columns={"r2": "r2_t1", "failed": "failed_t1"}
    )
    pairs = t2.merge(t1, on=["config", "seed", "target"], how="inner")
    pairs["gain"] = (pairs["r2"] - pairs["r2_t1"]).mask(failures(pairs) | failures(pairs, "failed_t1"))
    per_seed = pairs.groupby([*SECTION_KEYS, "seed"], sort=False, dropna=False)["gain"]
    gains = per_seed.mean().mask(per_seed.apply(lambda gain: gain.isna().any()))  # a failed fold fails it
    return gains.reset_index()[columns]


def render_gain_headline_markdown(
    frame: pd.DataFrame, targets: Sequence[str] | None = None, chosen: str | None = None
) -> list[str]:
    """The answer on one screen: rows (split scheme, data, target), one column per T2 protocol and
    simulator; each cell the best T2 network's mean R² minus the best T1 network's (the ``best`` gain)
    and, in brackets, the same seed by seed (``–`` for a seed that has not run every fold), so that a
    reader sees at once whether the seeds agree on the sign. Rows follow ``targets`` if given. With
    ``chosen`` (one of :data:`CHOICE_RULES`): the gain of the networks chosen by that rule
    (:func:`chosen_gain_by_seed`), the mean over seeds before the brackets."""
    if chosen is not None:
        by_seed = chosen_gain_by_seed(frame, chosen)
        if by_seed.empty:
            return []
        overall = by_seed.groupby(list(SECTION_KEYS), sort=False, dropna=False)["gain"].mean().reset_index()
    else:
        pairs = paired_gains(frame)
        if pairs.empty:
            return []
        table = summarise_pairs(pairs, SECTION_KEYS)
        overall = table[table["model"] == BEST].rename(columns={"gain_mean": "gain"})
        by_seed = best_gain_by_seed_of_pairs(pairs)
    return _headline_table(in_task_order(overall), by_seed, targets)


def _headline_table(overall: pd.DataFrame, by_seed: pd.DataFrame, targets: Sequence[str] | None) -> list[str]:
    """The headline layout of one gain per (SECTION_KEYS) row (``overall``) and per seed (``by_seed``)."""
    best_gain = overall.set_index(list(SECTION_KEYS))["gain"]
    seed_gain = by_seed.set_index([*SECTION_KEYS, "seed"])["gain"]
    seeds = sorted(int(s) for s in by_seed["seed"].unique())
    columns = list(dict.fromkeys(zip(overall["task"], overall["source_dataset"], strict=True)))
    order = {target: i for i, target in enumerate(targets or ())}
    body = []
    for scheme in [s for s in SPLIT_SCHEMES if s in set(overall["scheme"])]:
        part = overall[overall["scheme"] == scheme]
        rows = list(dict.fromkeys(zip(part["dataset"], part["target"], strict=True)))
        for dataset, target in sorted(rows, key=lambda row: order.get(row[1], len(order))):
            cells = [scheme, f"{target} ({dataset})"]
            for task, source in columns:
                key = (task, dataset, source, scheme, target)  # SECTION_KEYS
                if key not in best_gain.index:
                    cells.append("–")
                    continue
                per_seed = [seed_gain.get((*key, seed), np.nan) for seed in seeds]
                cells.append(f"{format_gain(best_gain[key], np.nan)} [{_seed_cells(per_seed)}]")
            body.append(cells)
    header = ["split", "target (data)", *(_protocol_label(task, source) for task, source in columns)]
    return [markdown_table(header, body)]


def _protocol_label(task: str, source: str) -> str:
    """``fine-tune ← dssat_ceres_maize``: a T2 protocol and the simulator it pretrains on."""
    return f"{TASK_LABELS.get(task, task).removeprefix('T2 ')} ← {source}"


def _seed_cells(gains: Sequence[float]) -> str:
    """``-0.25, -0.08, –``: each seed's best gain (``–``: that seed has not run every fold)."""
    return ", ".join(format_gain(gain, np.nan) for gain in gains)


def render_gain_sections(frame: pd.DataFrame, models: Sequence[str] | None = None) -> list[str]:
    """The leaderboard's transfer-gain section, then, once more than one seed has T2 runs, the best
    gain seed by seed: the spread a reader needs before trusting the headline ``best`` column."""
    pairs = paired_gains(frame)
    lines = render_gain_markdown(frame, models=models, pairs=pairs)
    gains = best_gain_by_seed_of_pairs(pairs)
    if not lines or gains["seed"].nunique() < 2:
        return lines
    note = (
        "Each seed's best T2 network minus its best T1 network (each the mean over folds; a seed counts "
        "once it has run every fold), then the mean ± std over seeds."
    )
    return [
        *lines,
        "### Best T2 − best T1, seed by seed",
        "",
        note,
        "",
        *render_gain_by_seed_markdown(frame, gains),
        "",
    ]
