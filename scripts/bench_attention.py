"""Fused attention at the paper's head size (10) against the same attention padded to 16 columns.

``models.attention.fused_attention`` pads the head size to a multiple of 8 (zero columns change no score)
because the CPU kernel ran faster so on the machine it was written on; whether it does depends on the CPU.
This times one layer's attention, forward (no gradients) and forward + backward, padded and unpadded,
alternating step by step so machine load hits both alike (``bench_models.interleaved``), and prints
the mean seconds and the ratio.

    python scripts/bench_attention.py --threads 1 --batch-size 256 --days 365 --repeats 5
    python scripts/bench_attention.py --threads 1 --whole-model transformer itransformer --repeats 6

``--whole-model`` times instead a whole training step and an inference step of each named model at the
paper's sizes (``bench_models.Workload``), its encoder's ``pad_heads`` switched step by step.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

import torch
from bench_models import Workload, interleaved  # the scripts folder is on sys.path when run as a script

from agroflux_hf.models.attention import fused_attention


def steps(batch: int, days: int, heads: int, head_size: int) -> dict[str, Callable[[], None]]:
    """The four timed steps: (padded | unpadded) x (forward | forward + backward)."""
    generator = torch.Generator().manual_seed(0)
    q, k, v = (
        torch.randn(batch, days, heads, head_size, generator=generator, requires_grad=True) for _ in range(3)
    )
    upstream = torch.randn(batch, days, heads, head_size, generator=generator)

    def forward(pad: bool) -> Callable[[], None]:
        def step() -> None:
            with torch.no_grad():
                fused_attention(q, k, v, pad_heads=pad)

        return step

    def train(pad: bool) -> Callable[[], None]:
        def step() -> None:
            fused_attention(q, k, v, pad_heads=pad).backward(upstream)

        return step

    return {
        "forward padded": forward(True),
        "forward unpadded": forward(False),
        "train padded": train(True),
        "train unpadded": train(False),
    }


def model_steps(name: str, batch: int, days: int) -> dict[str, Callable[[], None]]:
    """A whole model's training and inference steps, padded and unpadded (``Encoder.pad_heads``)."""
    work = Workload(name, batch, days, torch.device("cpu"))
    encoder = work.model.backbone.encoder

    def padded(step: Callable[[], None], pad: bool) -> Callable[[], None]:
        def run() -> None:
            encoder.pad_heads = pad
            step()

        return run

    return {
        f"{kind} {'padded' if pad else 'unpadded'}": padded(step, pad)
        for kind, step in (("forward", work.ours_infer), ("train", work.ours_train))
        for pad in (True, False)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--heads", type=int, default=5)
    parser.add_argument("--head-size", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--whole-model", nargs="+", choices=["transformer", "itransformer"], default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cases = {name: model_steps(name, args.batch_size, args.days) for name in args.whole_model or []}
    if not cases:
        cases = {"one layer's attention": steps(args.batch_size, args.days, args.heads, args.head_size)}
    print("| what | step | padded s | unpadded s | unpadded / padded time |")
    print("|---|---|---:|---:|---:|")
    for what, work in cases.items():
        seconds = interleaved(work, args.repeats, torch.device("cpu"))
        for kind in ("forward", "train"):
            padded, unpadded = seconds[f"{kind} padded"], seconds[f"{kind} unpadded"]
            print(
                f"| {what} | {kind} | {padded:.3f} | {unpadded:.3f} | {unpadded / padded:.2f} |", flush=True
            )
    print(
        f"\nbatch {args.batch_size}, {args.days} days, {args.heads} heads of {args.head_size}, "
        f"{torch.get_num_threads()} threads, mean of {args.repeats}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
