"""Training steps with today's dropout against the boolean-mask dropout it replaced, in one run.

``models.dropout.dropout`` multiplies by a float mask of 0 and 1 / (1 - p) (kept for the backward, four
bytes per element). Until 2026-12-03 it multiplied by ``1 / (1 - p)`` and then by the boolean mask (one
byte kept), which torch converts to float on every call, forward and backward. Both draw the same mask
from the same generator state and give the same values; this times a training step of each model at the
paper's sizes with either, alternating step by step (``bench_models.interleaved``), and prints the ratio.

    python scripts/bench_dropout.py --threads 1 --batch-size 256 --steps 4
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import torch
from bench_models import Workload, interleaved  # the scripts folder is on sys.path when run as a script

from agroflux_hf.models import MODEL_NAMES
from agroflux_hf.models import dropout as dropout_module

TODAY = dropout_module.dropout


def boolean_mask_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """The replaced implementation: scale, then multiply by the boolean keep mask."""
    if not training or p == 0 or x.device.type != "cpu":
        return torch.nn.functional.dropout(x, p, training)
    return (x * (1 / dropout_module.kept_fraction(p))) * dropout_module.keep_mask(x.shape, p, x.device)


def with_dropout(step: Callable[[], None], implementation: Callable) -> Callable[[], None]:
    """``step`` run with ``implementation`` as the models' dropout (``Dropout`` looks it up at each call)."""

    def run() -> None:
        dropout_module.dropout = implementation
        try:
            step()
        finally:
            dropout_module.dropout = TODAY

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--steps", type=int, default=4, help="timed steps per variant (after one warm-up)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    print("| model | float mask (today) train seq/s | boolean mask (before) | today / before |")
    print("|---|---:|---:|---:|")
    for name in args.models:
        work = Workload(name, args.batch_size, args.days, device, args)
        seconds = interleaved(
            {
                "today": with_dropout(work.ours_train, TODAY),
                "before": with_dropout(work.ours_train, boolean_mask_dropout),
            },
            args.steps,
            device,
        )
        today, before = (args.batch_size / seconds[key] for key in ("today", "before"))
        print(f"| {name} | {today:.1f} | {before:.1f} | {today / before:.2f} |", flush=True)
    print(
        f"\nbatch {args.batch_size}, {args.days} days, {torch.get_num_threads()} threads, mean of "
        f"{args.steps} steps, torch {torch.__version__}, {platform.processor() or platform.machine()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
