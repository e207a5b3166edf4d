"""Training and inference steps under glibc's default malloc settings against settings that keep freed memory.

A fresh large tensor comes from ``mmap`` and its first touch costs page faults; on the 2-core Intel machine
these cost more than the element-wise pass that fills it (a denormalisation: 9 ms, 4.5 ms with the tuned
settings). glibc reads ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` and ``MALLOC_TOP_PAD_`` when a
process starts, so each setting runs in its own child process (the rounds alternate, to spread machine
load); each child times ``--steps`` training and inference steps of every model at the paper's sizes
(``bench_models.Workload``). The ``agroflux`` commands apply these settings themselves since they measured
faster here (:mod:`agroflux_hf.allocator`).

``--whole-train STEPS`` times what a user runs instead: ``agroflux -q train`` of each model at the paper's
sizes (T0 on CERES-Maize's temporal split, STEPS optimiser steps at ``--batch-size``, one validation), once
with ``AGROFLUX_MALLOC=default`` and once as the package sets it, alternating; it reports the wall time and
the peak resident memory of each command.

    python scripts/bench_malloc.py --threads 1 --rounds 3 --models lstm tcn transformer pyraformer
    python scripts/bench_malloc.py --threads 1 --rounds 2 --whole-train 20 --models lstm pyraformer
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from statistics import median

import torch

from agroflux_hf.allocator import OPT_OUT_ENV, tuned_environment
from agroflux_hf.benchmark.presets import get_preset
from agroflux_hf.models import MODEL_NAMES

TUNED = tuned_environment()


def without_malloc_settings() -> dict[str, str]:
    """This process's environment without the malloc variables or the opt-out: each child's own start."""
    return {key: value for key, value in os.environ.items() if key not in TUNED and key != OPT_OUT_ENV}


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
    environment = without_malloc_settings() | (TUNED if tuned else {})
    command = [sys.executable, __file__, "--child", "--models", *args.models, "--steps", str(args.steps)]
    command += ["--batch-size", str(args.batch_size), "--days", str(args.days)]
    command += ["--threads", str(args.threads)] if args.threads else []
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(result.stdout.strip().splitlines()[-1])


def whole_train(args: argparse.Namespace, name: str, tuned: bool) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one ``agroflux -q train`` (the package's own settings or glibc's)."""
    environment = without_malloc_settings() | ({} if tuned else {OPT_OUT_ENV: "default"})
    if args.threads:
        environment["OMP_NUM_THREADS"] = str(args.threads)
    overrides = get_preset("paper").model_overrides[name]
    with tempfile.TemporaryDirectory(prefix="bench-malloc-") as out:
        command = ["agroflux", "-q", "train", "--task", "t0", "--model", name]
        command += ["--config", "temporal_dssat_ceres_maize", "--output-dir", out, "--seed", "0"]
        command += ["--max-steps", str(args.whole_train), "--eval-every-steps", str(args.whole_train)]
        command += ["--batch-size", str(args.batch_size)]
        for key, value in overrides.items():
            command += ["--model-override", f"{key}={json.dumps(value)}"]
        start = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed (status {status})")
    return seconds, usage.ru_maxrss / 1024


def report_whole_train(args: argparse.Namespace) -> int:
    results: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for name in args.models:
            for tuned in (False, True):
                measured = whole_train(args, name, tuned)
                results.setdefault((name, tuned), []).append(measured)
                label = "package" if tuned else "default"
                print(f"{name} {label}: {measured[0]:.1f} s, {measured[1]:.0f} MB", flush=True)
    print(
        "\n| model | default s (median) | package s | default / package time | per round | peak MB default | peak MB package |"
    )
    print("|---|---:|---:|---:|---|---:|---:|")
    for name in args.models:
        default, package = results[(name, False)], results[(name, True)]
        ratios = ", ".join(f"{d[0] / p[0]:.2f}" for d, p in zip(default, package, strict=True))
        d_s, p_s = median(r[0] for r in default), median(r[0] for r in package)
        d_mb, p_mb = max(r[1] for r in default), max(r[1] for r in package)
        print(f"| {name} | {d_s:.1f} | {p_s:.1f} | {d_s / p_s:.2f} | {ratios} | {d_mb:,.0f} | {p_mb:,.0f} |")
    print(
        f"\nagroflux train, T0 temporal_dssat_ceres_maize, {args.whole_train} steps at batch {args.batch_size}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="child processes per setting, alternating")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--whole-train", type=int, default=None, metavar="STEPS", help="time agroflux train")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if args.whole_train:
        return report_whole_train(args)
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
