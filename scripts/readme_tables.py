"""Print the benchmark tables of the README and docs/paper-results.md from a leaderboard CSV, so every number
there comes from a command.

    python scripts/readme_tables.py results/leaderboard.csv [--targets NEE GPP ...]
    python scripts/readme_tables.py results/leaderboard.csv --transfer-gain [--by-seed | --headline]
    python scripts/readme_tables.py results/leaderboard.csv --transfer-gain --headline --chosen-on-validation
    python scripts/readme_tables.py results/leaderboard.csv --transfer-gain --headline --chosen-on-other-regions
    python scripts/readme_tables.py results/leaderboard.csv --by-fold --task t0 --targets NEE
    python scripts/readme_tables.py results/leaderboard.csv --selection [--task t0]
    python scripts/readme_tables.py --checkpoints agroflux_hf/checkpoints

One row per (task, dataset, split scheme, target): the test R² pooled over all test days of the
climatology, the tree baseline and the best network, the best network's per-site median R², and the
network chosen on validation (in each fold and seed the highest validation R², its test R²; the best
network is the best of six test scores, optimistic by that choice). Each
is the mean over folds, then the mean over seeds; with several seeds the cells add ± the std over
seeds. A whole-year model (it sees later days: Transformer, iTransformer, Pyraformer) is marked †.
Targets default to each dataset's headline targets. With ``--transfer-gain``: T2 minus T1 R² per
target, split scheme and architecture, and for the best network, mean ± std over folds and seeds
(``agroflux_hf.benchmark.transfer_gain``); with ``--by-seed`` as well: each seed's best T2 network minus
its best T1 network, seed by seed, since one seed's answer can mislead; with ``--headline`` instead:
one row per split and target, one column per T2 protocol and simulator, the best gain with each seed's
in brackets; with ``--headline --chosen-on-validation``: the same layout for the networks chosen on
validation (in each fold and seed the T2 and the T1 network of highest validation R², the difference
of their test R²), or with ``--chosen-on-other-regions`` for the spatial rows (in each held-out region
the T2 and the T1 architecture of best mean test R² over the seed's other regions). With ``--by-fold``:
the spatial
scheme fold by fold (mean over seeds, and how many), the climatology, the trees and the networks' range
with the best, since a mean over held-out regions can hide one region where every network fails. With
``--selection``: the spatial rows of T0 and T1, the best network against the network chosen on
validation and the one chosen on the other held-out regions (for each region, the best mean test R² over
the seed's other folds). With
``--checkpoints``: the shipped checkpoints' test R² pooled over the held-out years, read from the
``model-index`` of their cards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from agroflux_hf.benchmark.leaderboard import (
    RESULT_COLUMNS,
    WHOLE_YEAR_MARK,
    dataset_label,
    failed_runs,
    headline_targets,
    in_task_order,
    seeds_over_every_fold,
)
from agroflux_hf.benchmark.presets import NETWORK_MODELS
from agroflux_hf.benchmark.selection import (
    choice_cell,
    sees_future,
    spatial_choices,
    validation_choices,
    with_choice_columns,
)
from agroflux_hf.benchmark.transfer_gain import (
    render_gain_by_seed_markdown,
    render_gain_headline_markdown,
    render_gain_markdown,
)

BASELINE_COLUMNS = {"climatology": "climatology", "gbt": "gbt"}


KEYS = ["task", "dataset", "source_dataset", "scheme", "model", "kind", "target"]


def fold_means(frame: pd.DataFrame) -> pd.DataFrame:
    """R² and per-site median R² per (task, dataset, scheme, model, target): the mean over folds of
    each seed that ran them all, then the mean and std over seeds (``r2_std`` NaN with one seed);
    ``sees_future`` kept. A model that failed in any run (:func:`failed_runs`) has NaN, not the mean of
    the runs it did not fail."""
    frame = seeds_over_every_fold(frame)  # a seed part-way through the folds would mix other regions
    frame = frame.assign(
        seed=frame["seed"].fillna(0) if "seed" in frame.columns else 0,
        sees_future=sees_future(frame),
        failed=failed_runs(frame),
    )
    per_seed = frame.groupby([*KEYS, "seed"], sort=False, dropna=False)
    per_seed = per_seed.agg(
        r2=("r2", "mean"),
        site_r2_median=("site_r2_median", "mean"),
        sees_future=("sees_future", "any"),
        failed=("failed", "any"),
    )
    grouped = per_seed.reset_index().groupby(KEYS, sort=False, dropna=False)
    means = grouped.agg(
        r2=("r2", "mean"),
        r2_std=("r2", "std"),
        site_r2_median=("site_r2_median", "mean"),
        sees_future=("sees_future", "any"),
        failed=("failed", "any"),
    ).reset_index()
    # a run whose model failed fails its mean: the means above skip NaN, which would hide it
    means.loc[means["failed"], ["r2", "r2_std", "site_r2_median"]] = np.nan
    return means.drop(columns="failed")


CHOICE_KEYS = list(RESULT_COLUMNS)


def chosen_on_validation(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (task, dataset, scheme, target): the test R² of the network chosen by its validation R² in
    each fold and seed (``val_r2``), the mean over folds of each seed that ran them all, then mean and
    std over seeds, and the architectures chosen (``chosen``: name -> how many folds x seeds).

    The "best network" column is the best of six test scores, optimistic by that selection; this one
    is what a user who picks the architecture on validation data, as they must, would get. Empty for a
    leaderboard without ``val_r2`` (written before 2026-12-05).
    """
    return validation_choices(seeds_over_every_fold(frame), CHOICE_KEYS, within=["fold"])


def _keyed(summary: pd.DataFrame, keys: list[str] = CHOICE_KEYS) -> dict[tuple, pd.Series]:
    """A summary's rows by their ``keys`` values."""
    return {tuple(row[k] for k in keys): row for _, row in summary.iterrows()}


def _best_per_result(means: pd.DataFrame, targets: list[str] | None):
    """``(key, rows of the result, best network row)`` per (task, dataset, source, scheme, target) in table
    order (by task, then dataset as the leaderboard lists them, temporal before spatial); a result no
    network scored is skipped."""
    means = in_task_order(means.assign(source_dataset=means["source_dataset"].astype(object).fillna("")))
    for (task, dataset, source, scheme), group in means.groupby(
        ["task", "dataset", "source_dataset", "scheme"], sort=False, dropna=False
    ):
        for target in targets or headline_targets(list(dict.fromkeys(group["target"]))):
            per_target = group[group["target"] == target]
            networks = per_target[per_target["kind"] != "baseline"].dropna(subset=["r2"])
            if not networks.empty:
                yield (
                    (task, dataset, source, scheme, target),
                    per_target,
                    networks.loc[networks["r2"].idxmax()],
                )


def _best_cell(best: pd.Series) -> str:
    """``0.38 ± 0.02 (transformer†)``: the best network's score and name."""
    return f"{_cell(best['r2'], best['r2_std'])} ({best['model']}{WHOLE_YEAR_MARK if best['sees_future'] else ''})"


def selection_rows(frame: pd.DataFrame, targets: list[str] | None, task: str | None = None) -> list[str]:
    """Markdown rows per spatial (task, dataset, target) of T0 and T1 (or ``task``): the best network
    (best of six test means), the network chosen on validation, and the network chosen on the other
    held-out regions (:func:`~agroflux_hf.benchmark.selection.chosen_on_other_folds`), each the mean
    over folds, then mean ± std over seeds, with the architecture chosen most often. Asks which rule
    picks an architecture that holds at a region never seen."""
    frame = frame[(frame["scheme"] == "spatial") & frame["task"].isin([task] if task else ["t0", "t1"])]
    validation, other = map(_keyed, spatial_choices(frame))
    frame = with_choice_columns(seeds_over_every_fold(frame))
    folds = frame.groupby(CHOICE_KEYS, sort=False)["fold"].nunique()
    return [
        f"| {dataset_label(*key[:3])} | {key[-1]} | {int(folds.get(key, 0))} | {_best_cell(best)} "
        f"| {choice_cell(validation.get(key))} | {choice_cell(other.get(key))} |"
        for key, _, best in _best_per_result(fold_means(frame), targets)
    ]


def _cell(value: float, std: float = float("nan")) -> str:
    if pd.isna(value):
        return "-"
    return f"{value:.2f}" if pd.isna(std) else f"{value:.2f} ± {std:.2f}"


def table_rows(
    means: pd.DataFrame, targets: list[str] | None, chosen: pd.DataFrame | None = None
) -> list[str]:
    """Markdown rows by task (T0, T1, T2 fine-tune, T2 adversarial), then dataset as the leaderboard lists
    them, temporal before spatial: the same table whatever order the runs ran in. ``chosen``
    (:func:`chosen_on_validation`) adds the network chosen on validation."""
    rows = []
    choices = {} if chosen is None else _keyed(chosen)
    for key, per_target, best in _best_per_result(means, targets):
        (task, dataset, source, scheme, target) = key
        baseline = {m: per_target.loc[per_target["model"] == m, ["r2", "r2_std"]] for m in BASELINE_COLUMNS}
        cells = [_cell(*baseline[m].iloc[0]) if len(baseline[m]) else "-" for m in BASELINE_COLUMNS]
        rows.append(
            f"| {dataset_label(task, dataset, source)}, {scheme} | {target} | {' | '.join(cells)} "
            f"| {_best_cell(best)} | {_cell(best['site_r2_median'])} | {choice_cell(choices.get(key))} |"
        )
    return rows


def fold_rows(frame: pd.DataFrame, targets: list[str] | None, task: str | None = None) -> list[str]:
    """Markdown rows per (task, dataset, spatial fold, target): climatology, trees, the networks' lowest
    and highest R², the best network and the network chosen on validation (its test R² and name), each
    the mean over seeds of that fold's pooled test R², and how many seeds that is (a long benchmark runs
    seed 1's fold 0 long before its other folds)."""
    frame = frame[frame["scheme"] == "spatial"]
    if task is not None:
        frame = frame[frame["task"] == task]
    frame = frame.assign(
        source_dataset=frame["source_dataset"].astype(object).fillna(""),
        sees_future=sees_future(frame),
    )
    choices = _fold_choices(frame)
    keys = ["task", "dataset", "source_dataset", "fold", "target", "model", "kind"]
    grouped = frame.groupby(keys, sort=False, dropna=False)
    means = grouped.agg(
        r2=("r2", "mean"), sees_future=("sees_future", "any"), seeds=("seed", "nunique")
    ).reset_index()
    rows = []
    for (name, dataset, source), group in in_task_order(means).groupby(
        ["task", "dataset", "source_dataset"], sort=False
    ):
        names = targets or headline_targets(list(dict.fromkeys(group["target"])))
        for fold in sorted(group["fold"].unique()):
            for target in names:
                part = group[(group["fold"] == fold) & (group["target"] == target)]
                networks = part[part["kind"] != "baseline"].dropna(subset=["r2"])
                if networks.empty:
                    continue
                baseline = [part.loc[part["model"] == m, "r2"] for m in BASELINE_COLUMNS]
                cells = [_cell(b.iloc[0]) if len(b) else "-" for b in baseline]
                best = networks.loc[networks["r2"].idxmax()]
                spread = f"{_cell(networks['r2'].min())} to {_cell(networks['r2'].max())}"
                choice = choices.get((name, dataset, source, fold, target))
                rows.append(
                    f"| {dataset_label(name, dataset, source)} | {int(fold)} | {target} | {' | '.join(cells)} "
                    f"| {spread} | {best['model']}{WHOLE_YEAR_MARK if best['sees_future'] else ''} "
                    f"| {choice_cell(choice)} | {int(networks['seeds'].max())} |"
                )
    return rows


def _fold_choices(frame: pd.DataFrame) -> dict[tuple, pd.Series]:
    """Per (task, dataset, source, fold, target): the network chosen on validation in each seed, its
    test R² mean over seeds (shown without a spread), and the architectures chosen."""
    keys = ["task", "dataset", "source_dataset", "fold", "target"]
    return _keyed(validation_choices(frame, keys, within=[]).assign(r2_std=np.nan), keys)


CHECKPOINT_TARGETS = ("NEE", "GPP", "RECO", "ET", "N2O_FLUX")


def card_test_r2(card: Path) -> dict[str, float]:
    """Pooled test R² per target from a model card's ``model-index`` front matter."""
    meta = yaml.safe_load(card.read_text(encoding="utf-8").split("---")[1])
    scores = {}
    for result in meta["model-index"][0]["results"]:
        if result["dataset"].get("split") != "test":
            continue
        for metric in result["metrics"]:
            if metric["type"] == "r2" and "(pooled)" in metric.get("name", ""):
                scores[metric["name"].split()[0]] = float(metric["value"])
    return scores


def checkpoint_rows(folder: Path) -> list[str]:
    rows = []
    """One row per shipped checkpoint folder, grouped by what it was trained on, architectures in order."""
    order = {name: i for i, name in enumerate(NETWORK_MODELS)}

    def sort_key(card: Path) -> tuple[str, int]:
        model, trained_on = card.parent.name.split("-", 1)
        return trained_on, order.get(model, 99)

    for card in sorted(folder.glob("*/README.md"), key=sort_key):
        model, trained_on = card.parent.name.split("-", 1)
        scores = card_test_r2(card)
        cells = " | ".join(_cell(scores.get(t, float("nan"))) for t in CHECKPOINT_TARGETS)
        rows.append(f"| {trained_on} | {model} | {cells} |")
    return rows


def print_table(columns: list[str], align: str, rows: list[str]) -> None:
    """A Markdown table: the header, its rule (``align``: ``l`` or ``r`` per column) and ``rows``."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "".join("---:|" if a == "r" else "---|" for a in align))
    print("\n".join(rows))


def _gain_choice(args: argparse.Namespace) -> str | None:
    """The transfer gain's choice rule the flags name (None: best against best)."""
    if args.chosen_on_validation:
        return "validation"
    return "other_regions" if args.chosen_on_other_regions else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, nargs="?", help="leaderboard.csv written by `agroflux benchmark`")
    parser.add_argument("--checkpoints", type=Path, help="folder of shipped checkpoints (cards)")
    parser.add_argument("--targets", nargs="+", default=None, help="targets to show (default: headline)")
    parser.add_argument("--transfer-gain", action="store_true", help="the T2 minus T1 R² table instead")
    parser.add_argument("--by-seed", action="store_true", help="with --transfer-gain: best gain per seed")
    parser.add_argument(
        "--headline", action="store_true", help="with --transfer-gain: best gain per protocol, seeds in []"
    )
    choice = parser.add_mutually_exclusive_group()  # argparse names both flags in its error
    choice.add_argument(
        "--chosen-on-validation",
        action="store_true",
        help="with --transfer-gain --headline: the gain of the networks chosen on validation, not the best",
    )
    choice.add_argument(
        "--chosen-on-other-regions",
        action="store_true",
        help="with --transfer-gain --headline: spatial rows, the networks chosen on the other held-out regions",
    )
    parser.add_argument("--by-fold", action="store_true", help="the spatial scheme fold by fold instead")
    parser.add_argument(
        "--selection",
        action="store_true",
        help="spatial rows: the best network, the one chosen on validation and on the other held-out regions",
    )
    parser.add_argument(
        "--task", default=None, help="with --by-fold or --selection: only this task (t0, t1, ...)"
    )
    args = parser.parse_args(argv)
    if args.checkpoints is not None:
        columns = ["trained on", "model", *CHECKPOINT_TARGETS]
        print_table(columns, "ll" + "r" * len(CHECKPOINT_TARGETS), checkpoint_rows(args.checkpoints))
        return 0
    if args.csv is None or not args.csv.is_file():
        print(f"error: {args.csv} does not exist (run `agroflux benchmark` first)", file=sys.stderr)
        return 1
    frame = pd.read_csv(args.csv)
    if args.transfer_gain:
        if args.targets:
            frame = frame[frame["target"].isin(args.targets)]
        if args.headline:
            lines = render_gain_headline_markdown(frame, targets=args.targets, chosen=_gain_choice(args))
        elif args.by_seed:
            lines = render_gain_by_seed_markdown(frame)
        else:
            lines = render_gain_markdown(frame, models=NETWORK_MODELS)[4:]
        print("\n".join(lines) if lines else "no T2 run with a T1 partner in this leaderboard")
        return 0
    if args.selection:
        columns = ["task and data, spatial", "target", "regions", "best network", "chosen on validation",
                   "chosen on the other regions"]  # fmt: skip
        print_table(columns, "llrrrr", selection_rows(frame, args.targets, args.task))
    elif args.by_fold:
        columns = ["task and data", "spatial fold", "target", "climatology", "gbt", "networks", "best network",
                   "chosen on validation", "seeds"]  # fmt: skip
        print_table(columns, "lrlrrrlrr", fold_rows(frame, args.targets, args.task))
    else:
        columns = ["task, split", "target", "climatology", "gbt", "best network (pooled)", "its per-site median",
                   "chosen on validation"]  # fmt: skip
        print_table(
            columns, "llrrrrr", table_rows(fold_means(frame), args.targets, chosen_on_validation(frame))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
