"""``agroflux benchmark``: train and evaluate the six architectures and two reference baselines.

agroflux benchmark --quick --output-dir results
agroflux benchmark --preset full --data-dir ./agroflux_release --output-dir results_full
"""

from __future__ import annotations

import argparse
import signal
import sys

from agroflux_hf.benchmark.presets import BASELINES, NETWORK_MODELS, PRESETS, TASKS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the top-level ``benchmark`` command."""
    parser = subparsers.add_parser(
        "benchmark",
        help="train and evaluate all models on T0/T1/T2 and write a leaderboard with figures",
        description=__doc__.splitlines()[0],
    )
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="the quick preset (minutes on 2 CPU cores)")
    preset.add_argument("--preset", choices=sorted(PRESETS), help="preset by name (default: quick)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="dataset folder or Hub dataset repo ORG/NAME[@REVISION] (default: the embedded AgroFlux-mini)",
    )
    parser.add_argument("--output-dir", required=True, help="leaderboard folder; replaced whole on success")
    parser.add_argument(
        "--models",
        nargs="+",
        choices=NETWORK_MODELS + BASELINES,
        default=None,
        help="restrict to these architectures and/or baselines",
    )
    parser.add_argument(
        "--tasks",
        nargs="+",
        choices=(*TASKS, "t2"),
        default=None,
        help="restrict to these tasks (t2 = both transfer tasks; T2 adds the T0 runs it needs)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the preset; exit 1 when a run failed (the leaderboard is still written)."""
    from agroflux_hf.benchmark import run_benchmark

    preset = "quick" if args.quick or args.preset is None else args.preset
    # A terminated benchmark raises SystemExit like Ctrl-C raises KeyboardInterrupt, so its half-built
    # hidden building folder is removed and the previous results stay as they were.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    result = run_benchmark(
        args.output_dir,
        preset=preset,
        data_dir=args.data_dir,
        models=args.models,
        tasks=args.tasks,
        progress=not args.no_progress,
    )
    print(f"wrote {result.output_dir} ({len(result.outcomes)} runs, {result.seconds / 60:.1f} min)")
    for outcome in result.failed:
        print(f"  {outcome.status}: {outcome.spec.run_id}: {outcome.error}")
    return 1 if result.failed else 0
