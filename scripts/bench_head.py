"""Inference with the head's folded target statistics against the head then denormalisation, in one run.

Without targets ``FluxPreTrainedModel`` predicts through one linear layer whose weights carry the target
statistics (``_head_in_units``); until 2026-12-03 it ran the head and then ``x * std + mean`` over the
whole (batch, days, targets) output. This times an inference step of each model at the paper's sizes
both ways and the bare module of the same core (``bench_models``), alternating step by step
(``bench_models.interleaved``), and prints the ratios.

    python scripts/bench_head.py --threads 1 --batch-size 256 --steps 16
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import torch
from bench_models import Workload, interleaved  # the scripts folder is on sys.path when run as a script

from agroflux_hf.allocator import keep_freed_memory
from agroflux_hf.models import MODEL_NAMES


def with_unfolded_head(work: Workload) -> Callable[[], None]:
    """``work.ours_infer`` with the head run unfolded, then denormalised (the replaced code)."""
    model = work.model

    def run() -> None:
        model._head_in_units = lambda features: model.scaler.denormalise(model.head(features), "targets")
        try:
            work.ours_infer()
        finally:
            del model._head_in_units

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--steps", type=int, default=16, help="timed steps per variant (after one warm-up)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    keep_freed_memory()  # as the agroflux commands run
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    print("| model | folded infer seq/s | unfolded (before) | folded / unfolded | bare | folded / bare |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.models:
        work = Workload(name, args.batch_size, args.days, device)
        steps = {"folded": work.ours_infer, "unfolded": with_unfolded_head(work), "bare": work.bare_infer}
        seconds = interleaved(steps, args.steps, device)
        folded, unfolded, bare = (args.batch_size / seconds[key] for key in steps)
        print(
            f"| {name} | {folded:.1f} | {unfolded:.1f} | {folded / unfolded:.3f} | {bare:.1f} | "
            f"{folded / bare:.3f} |",
            flush=True,
        )
    print(
        f"\nbatch {args.batch_size}, {args.days} days, {torch.get_num_threads()} threads, mean of "
        f"{args.steps} steps, torch {torch.__version__}, {platform.processor() or platform.machine()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
