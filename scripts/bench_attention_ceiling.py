"""How fast could the attention models train if their attention cost nothing? (an Amdahl bound, in one run)

Issue 13 asks the Pyraformer for 4x and the Transformer for 2x the speed of the code it replaced without
changing what they compute. Whatever an attention kernel does, the rest of a step (projections,
feed-forward, LayerNorms, dropout, the Pyraformer's coarser-scale construction, the wrapper, the loss and
their backward) still runs. This times, alternating step by step (``bench_models.interleaved``), one
training step of the same model and weights three ways:

* ours: today's code (``--compile-attention``: the Pyraformer's sparse attention compiled);
* before: the code path issue 13 replaced (``bench_models.code_before_issue_13``);
* free: ours with the attention's weighting replaced by its values (``output = value``: the projections
  in and out stay, no scores, no softmax), the step of an infinitely fast attention kernel.

``free / before`` is the most any attention kernel can give against *before*; ``attention share`` is
``1 - free / ours`` in time, the part of today's step that is attention.

    python scripts/bench_attention_ceiling.py --threads 1 --batch-size 256 --steps 4
"""

from __future__ import annotations

import argparse
import contextlib
import platform
from collections.abc import Iterator

import torch
from bench_models import Workload, interleaved  # the scripts folder is on sys.path when run as a script

from agroflux_hf.models import attention as attention_module
from agroflux_hf.models import pyraformer as pyraformer_module

ATTENTION_MODELS = ("transformer", "itransformer", "pyraformer")


def values_only(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """An attention that weighs nothing: each token's output is its own value (same shape, same graph in/out)."""
    return value


@contextlib.contextmanager
def free_attention() -> Iterator[None]:
    """Within the block, every attention function the models call is :func:`values_only`."""
    saved = (
        attention_module.fused_attention,
        pyraformer_module.pyramidal_attention,
        pyraformer_module.compiled_pyramidal_attention,
    )
    attention_module.fused_attention = values_only
    pyraformer_module.pyramidal_attention = values_only
    pyraformer_module.compiled_pyramidal_attention = lambda: values_only
    try:
        yield
    finally:
        (
            attention_module.fused_attention,
            pyraformer_module.pyramidal_attention,
            pyraformer_module.compiled_pyramidal_attention,
        ) = saved


def bench_one(name: str, days: int, args: argparse.Namespace) -> dict:
    device = torch.device("cpu")
    work = Workload(name, args.batch_size, days, device, args)

    def free_train() -> None:
        with free_attention():
            work.ours_train()

    seconds = interleaved(
        {"ours": work.ours_train, "before": work.before_train, "free": free_train}, args.steps, device
    )
    return {"model": name, "days": days, **{key: args.batch_size / s for key, s in seconds.items()}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=ATTENTION_MODELS, default=list(ATTENTION_MODELS))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, nargs="+", default=[365])
    parser.add_argument("--steps", type=int, default=4, help="timed steps per variant (after one warm-up)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--compile-attention", action="store_true", help="ours with the compiled sparse attention"
    )
    args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for name in args.models:
        for days in args.days:
            rows.append(bench_one(name, days, args))
            print(f"{name} {days} days: {rows[-1]}", flush=True)
    print()
    print(
        "| model | days | ours train seq/s | before | free attention | ours / before "
        "| free / before (ceiling) | attention share of ours |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['model']} | {r['days']} | {r['ours']:.1f} | {r['before']:.1f} | {r['free']:.1f} | "
            f"{r['ours'] / r['before']:.2f} | {r['free'] / r['before']:.2f} | {1 - r['ours'] / r['free']:.0%} |"
        )
    print(
        f"\nbatch {args.batch_size}, {torch.get_num_threads()} threads, mean of {args.steps} steps, "
        f"{'compiled sparse attention (ours), ' if args.compile_attention else ''}"
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
