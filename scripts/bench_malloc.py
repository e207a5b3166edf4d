"""Training and inference steps under glibc's default malloc settings against settings that keep freed memory.

A fresh large tensor comes from ``mmap`` and its first touch costs page faults; on the 2-core Intel machine
these cost more than the element-wise pass that fills it (a denormalisation: 9 ms, 4.5 ms with the tuned
settings). glibc reads ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` and ``MALLOC_TOP_PAD_`` when a
process starts, so each setting runs in its own child process (the rounds alternate, to spread machine
load); each child times ``--steps`` training and inference steps of every model at the paper's sizes
(``bench_models.Workload``). Not yet used by the package: this measures whether it should be.

    python scripts/bench_malloc.py --threads 1 --rounds 3 --models lstm tcn transformer pyraformer
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from statistics import median

import torch

from agroflux_hf.models import MODEL_NAMES

TUNED = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),  # glibc's largest: blocks below 32 MB come from the heap
    "MALLOC_TRIM_THRESHOLD_": str(4 * 2**30),  # keep freed heap memory instead of returning it
    "MALLOC_TOP_PAD_": str(512 * 2**20),  # grow the heap in large steps
}


def child(args: argparse.Namespace) -> int:
    """Time the models in this process and print one JSON line of seq/s."""
    from bench_models import Workload, interleaved  # the scripts folder is on sys.path when run as a script

    if args.threads:
        torch.set_num_threads(args.threads)
    device, rates = torch.device("cpu"), {}
    for name in args.models:
        work = Workload(name, args.batch_size, args.days, device)
        seconds = interleaved({"train": work.ours_train, "infer": work.ours_infer}, args.steps, device)
        rates[name] = {kind: args.batch_size / s for kind, s in seconds.items()}
    print(json.dumps(rates))
    return 0


def run_child(args: argparse.Namespace, tuned: bool) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in TUNED}
    environment.update(TUNED if tuned else {})
    command = [sys.executable, __file__, "--child", "--models", *args.models, "--steps", str(args.steps)]
    command += ["--batch-size", str(args.batch_size), "--days", str(args.days)]
    command += ["--threads", str(args.threads)] if args.threads else []
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="child processes per setting, alternating")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(args.rounds):
        for tuned in (False, True):
            runs[tuned].append(run_child(args, tuned))
            print(f"{'tuned' if tuned else 'default'}: {runs[tuned][-1]}", flush=True)
    print("\n| model | step | default seq/s (median) | tuned | tuned / default (median) | per round |")
    print("|---|---|---:|---:|---:|---|")
    for name in args.models:
        for kind in ("train", "infer"):
            default = [r[name][kind] for r in runs[False]]
            tuned = [r[name][kind] for r in runs[True]]
            ratios = ", ".join(f"{t / d:.2f}" for t, d in zip(tuned, default, strict=True))
            print(
                f"| {name} | {kind} | {median(default):.1f} | {median(tuned):.1f} | "
                f"{median(tuned) / median(default):.2f} | {ratios} |"
            )
    print(f"\nbatch {args.batch_size}, {args.days} days, {args.rounds} rounds of {args.steps} steps, {TUNED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
