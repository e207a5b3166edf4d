"""Zero-shot transfer: the simulation-trained T0 checkpoints of a benchmark scored on the observations.

    python scripts/zero_shot.py benchmarks/paper [--out benchmarks/paper-zero-shot.csv]
    python scripts/zero_shot.py benchmarks/paper --table [--targets NEE GPP ET N2O_FLUX]

Every T2 fine-tune run of the benchmark folder starts from a T0 checkpoint (its ``pretrain_run_id``);
this scores that checkpoint as it is, before any observation training (T2 at step 0), on the same
observation config's validation and test splits, and writes one row per (run, split, target) to
``FOLDER-zero-shot.csv`` beside the folder (not in it: ``scripts/snapshot_benchmark.py`` replaces the
committed folder with a copy of the running one). Why: it measures how far the simulation-trained network is from the
towers and chambers before fine-tuning, the sim-to-real gap the T2 gains start from. The benchmark's T2
runs keep the best of their evaluations after 20, 40, ... steps, never this starting point.

With ``--table``: per split scheme, target and simulator, the best architecture's mean test R² (over
folds, then seeds), the architecture chosen on validation (highest validation R² in each fold and
seed, its test R²), and beside them the T1 and T2 fine-tune best networks of ``leaderboard.csv``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf.benchmark.leaderboard import failed_runs, seeds_over_every_fold
from agroflux_hf.benchmark.planning import RUN_RECORD, RunSpec
from agroflux_hf.benchmark.selection import chosen_on_validation
from agroflux_hf.schema import SPLIT_SCHEMES

COLUMNS = ["model", "source_config", "source_dataset", "config", "dataset", "scheme", "fold", "seed",
           "split", "target", "r2", "site_r2_median", "n"]  # fmt: skip


def zero_shot_pairs(folder: Path) -> list[dict]:
    """(T0 checkpoint, observation config) pairs of the folder's finished T2 fine-tune runs, once each."""
    pairs: dict[tuple, dict] = {}
    for record_file in sorted((folder / "runs").glob(f"t2-finetune__*/{RUN_RECORD}")):
        spec = json.loads(record_file.read_text(encoding="utf-8"))["settings"]["spec"]
        t0 = RunSpec(**spec).pretrain_run_id
        checkpoint = folder / "runs" / t0 / "best_model"
        if not checkpoint.is_dir():
            raise FileNotFoundError(f"{checkpoint}: the T0 checkpoint {record_file.parent.name} started from")
        pairs[(t0, spec["config"])] = {**spec, "checkpoint": checkpoint}
    return list(pairs.values())


def score_zero_shot(pairs: list[dict], data_dir: str | None = None) -> pd.DataFrame:
    """Validation and test scores of each pair's checkpoint on its observation config."""
    from tqdm.auto import tqdm

    from agroflux_hf.training import plans
    from agroflux_hf.training.evaluation import score_predictions
    from agroflux_hf.training.tensors import predict_dataset

    data: dict[str, plans.ConfigData] = {}
    rows = []
    for pair in tqdm(pairs, desc="zero-shot", unit="checkpoint"):
        model = plans.load_model(pair["checkpoint"])
        config = pair["config"]
        if config not in data:
            data[config] = plans.load_config_data(config, data_dir)
        for split in ("validation", "test"):
            scores = score_predictions(predict_dataset(model, data[config].splits[split], batch_size=64))
            for target, entry in scores.items():
                if not isinstance(entry, dict) or "pooled" not in entry:
                    continue
                median = (entry.get("per_site") or {}).get("median", {}).get("r2", np.nan)
                rows.append({**{k: pair[k] for k in COLUMNS if k in pair}, "split": split, "target": target,
                             "r2": entry["pooled"]["r2"], "site_r2_median": median, "n": entry["pooled"]["n"]})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _best(test: pd.DataFrame) -> tuple[float, str]:
    """The architecture of highest mean test R² (mean over folds of each seed, then over seeds)."""
    per_seed = test.groupby(["model", "seed"])["r2"].mean()
    means = per_seed.groupby(level="model").mean()
    return (float(means.max()), str(means.idxmax())) if len(means) else (np.nan, "")


def _chosen(part: pd.DataFrame) -> float:
    """Test R² of the architecture of highest validation R² in each fold and seed, mean over folds of
    each seed, then over seeds."""
    keys = ["model", "fold", "seed"]
    test = part[part["split"] == "test"].set_index(keys)["r2"]
    validation = part[part["split"] == "validation"].set_index(keys)["r2"].rename("val_r2")
    runs = pd.concat([test, validation], axis=1).reset_index()
    chosen = chosen_on_validation(runs[runs["r2"].notna()], ["fold", "seed"])
    return float(chosen.groupby("seed")["r2"].mean().mean()) if len(chosen) else np.nan


def table_rows(
    zero_shot: pd.DataFrame, leaderboard: pd.DataFrame | None, targets: list[str] | None
) -> list[str]:
    """Markdown rows: split scheme, target (data), simulator, zero-shot best and chosen, T1 and T2 best."""
    rows = []
    keys = ["scheme", "dataset", "target", "source_dataset"]
    order = {t: i for i, t in enumerate(targets or [])}
    groups = sorted(
        zero_shot.groupby(keys, sort=False),
        key=lambda item: (
            SPLIT_SCHEMES.index(item[0][0]),
            item[0][1],
            order.get(item[0][2], 99),
            item[0][3],
        ),
    )
    for (scheme, dataset, target, source), part in groups:
        if targets and target not in targets:
            continue
        best, name = _best(part[part["split"] == "test"])
        cells = [scheme, f"{target} ({dataset})", source, f"{best:.2f} ({name})", f"{_chosen(part):.2f}"]
        for task, from_source in (("t1", ""), ("t2-finetune", source)):
            cells.append(_leaderboard_best(leaderboard, task, dataset, from_source, scheme, target))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _leaderboard_best(
    frame: pd.DataFrame | None, task: str, dataset: str, source: str, scheme: str, target: str
) -> str:
    """The best network's mean test R² of one task in the leaderboard (mean over folds, then seeds)."""
    if frame is None:
        return "-"
    frame = seeds_over_every_fold(frame)
    frame = frame[~failed_runs(frame)]  # a failed run (NaN scores) is left out
    rows = frame[(frame["task"] == task) & (frame["dataset"] == dataset) & (frame["scheme"] == scheme)
                 & (frame["target"] == target) & (frame["kind"] == "network")
                 & (frame["source_dataset"].fillna("") == source)]  # fmt: skip
    best, name = _best(rows)
    return "-" if np.isnan(best) else f"{best:.2f} ({name})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a benchmark output folder (runs/, leaderboard.csv)")
    parser.add_argument(
        "--out", type=Path, default=None, help="CSV to write (default FOLDER-zero-shot.csv beside it)"
    )
    parser.add_argument("--data-dir", default=None, help="the benchmark's data (default: the embedded one)")
    parser.add_argument("--table", action="store_true", help="print the markdown table from the CSV instead")
    parser.add_argument("--targets", nargs="+", default=None, help="with --table: targets, in this order")
    args = parser.parse_args(argv)
    out = args.out or args.folder.with_name(f"{args.folder.name}-zero-shot.csv")
    if args.table:
        if not out.is_file():
            print(
                f"error: {out} does not exist (run `python scripts/zero_shot.py {args.folder}` first)",
                file=sys.stderr,
            )
            return 1
        board = args.folder / "leaderboard.csv"
        leaderboard = pd.read_csv(board) if board.is_file() else None
        print(
            "| split | target (data) | from | zero-shot, best | zero-shot, chosen on validation | T1, best | T2 fine-tune, best |"
        )
        print("|---|---|---|---:|---:|---:|---:|")
        print("\n".join(table_rows(pd.read_csv(out), leaderboard, args.targets)))
        return 0
    pairs = zero_shot_pairs(args.folder)
    if not pairs:
        print(
            f"error: {args.folder} has no finished T2 fine-tune run to take T0 checkpoints from",
            file=sys.stderr,
        )
        return 1
    frame = score_zero_shot(pairs, args.data_dir)
    partial = out.with_name(f".{out.name}.partial")
    frame.to_csv(partial, index=False)
    partial.replace(out)
    print(f"wrote {out} ({len(pairs)} checkpoint-config pairs, {len(frame)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
