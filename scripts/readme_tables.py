"""Print the README's benchmark table from a leaderboard CSV, so every number there comes from a command.

    python scripts/readme_tables.py results/leaderboard.csv [--targets NEE GPP ...]
    python scripts/readme_tables.py --checkpoints agroflux_hf/checkpoints

One row per (task, dataset, split scheme, target): the test R² pooled over all test days (mean over
folds) of the climatology, the tree baseline and the best network, and the best network's per-site
median R² (mean over folds). Targets default to each dataset's headline targets. With
``--checkpoints``: the shipped checkpoints' test R² pooled over the held-out years, read from the
``model-index`` of their cards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from agroflux_hf.benchmark.leaderboard import dataset_label, headline_targets
from agroflux_hf.benchmark.presets import NETWORK_MODELS

BASELINE_COLUMNS = {"climatology": "climatology", "gbt": "gbt"}


def fold_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean of R² and per-site median R² over folds, per (task, dataset, scheme, model, target)."""
    keys = ["task", "dataset", "source_dataset", "scheme", "model", "kind", "target"]
    return frame.groupby(keys, sort=False, dropna=False)[["r2", "site_r2_median"]].mean().reset_index()


def _cell(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.2f}"


def table_rows(means: pd.DataFrame, targets: list[str] | None) -> list[str]:
    """Markdown rows in the order the leaderboard lists its groups."""
    rows = []
    for (task, dataset, source, scheme), group in means.groupby(
        ["task", "dataset", "source_dataset", "scheme"], sort=False, dropna=False
    ):
        names = targets or headline_targets(list(dict.fromkeys(group["target"])))
        for target in names:
            per_target = group[group["target"] == target]
            if per_target.empty:
                continue
            baseline = {m: per_target.loc[per_target["model"] == m, "r2"] for m in BASELINE_COLUMNS}
            networks = per_target[per_target["kind"] != "baseline"].dropna(subset=["r2"])
            if networks.empty:
                continue
            best = networks.loc[networks["r2"].idxmax()]
            label = f"{dataset_label(task, dataset, source)}, {scheme}"
            cells = [_cell(baseline[m].iloc[0]) if len(baseline[m]) else "-" for m in BASELINE_COLUMNS]
            rows.append(
                f"| {label} | {target} | {' | '.join(cells)} | {best['r2']:.2f} ({best['model']}) "
                f"| {_cell(best['site_r2_median'])} |"
            )
    return rows


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, nargs="?", help="leaderboard.csv written by `agroflux benchmark`")
    parser.add_argument("--checkpoints", type=Path, help="folder of shipped checkpoints (cards)")
    parser.add_argument("--targets", nargs="+", default=None, help="targets to show (default: headline)")
    args = parser.parse_args(argv)
    if args.checkpoints is not None:
        print("| trained on | model | " + " | ".join(CHECKPOINT_TARGETS) + " |")
        print("|---|---|" + "---:|" * len(CHECKPOINT_TARGETS))
        print("\n".join(checkpoint_rows(args.checkpoints)))
        return 0
    if args.csv is None or not args.csv.is_file():
        print(f"error: {args.csv} does not exist (run `agroflux benchmark` first)", file=sys.stderr)
        return 1
    frame = pd.read_csv(args.csv)
    print("| task, split | target | climatology | gbt | best network (pooled) | its per-site median |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(table_rows(fold_means(frame), args.targets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
