"""``agroflux benchmark``: train and evaluate the six architectures and two reference baselines.

agroflux benchmark --quick --output-dir results
agroflux benchmark --preset paper --output-dir results_paper      # the paper's protocol, 3 seeds
agroflux benchmark --preset paper --output-dir results_paper      # again: reuses the finished runs
agroflux benchmark --preset paper --output-dir results_paper --report-only   # reports so far, runs nothing

Run again on the same output folder with the same settings, a benchmark reuses every run that
finished there (``runs/<run-id>/benchmark_run.json`` records its settings) and runs the rest; a network
run killed mid-training continues from its newest checkpoint. ``--restart`` runs everything again.
"""

from __future__ import annotations

import argparse
import signal
import sys

from agroflux_hf.benchmark.presets import BASELINES, NETWORK_MODELS, TASKS, preset_names


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the top-level ``benchmark`` command."""
    parser = subparsers.add_parser(
        "benchmark",
        help="train and evaluate all models on T0/T1/T2 and write a leaderboard with figures",
        description="Train and evaluate the six architectures and two reference baselines on T0, T1 and "
        "T2, and write a leaderboard (markdown, CSV, LaTeX) with figures. A second call on the same "
        "--output-dir reuses the finished runs and resumes the rest.",
    )
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="the quick preset (minutes on 2 CPU cores)")
    preset.add_argument(
        "--preset", choices=preset_names(), help="preset by name (default: quick; full = paper, its old name)"
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="dataset folder or Hub dataset repo ORG/NAME[@REVISION] (default: the embedded AgroFlux-mini)",
    )
    parser.add_argument(
        "--output-dir",
        required=True,
        help="leaderboard folder; its reports are rebuilt on success, runs that finished there before are reused, runs outside this call's plan are kept",
    )
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
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=None,
        help="seeds to run every run with (default: the preset's)",
    )
    parser.add_argument(
        "--restart", action="store_true", help="run everything again, ignoring finished runs in --output-dir"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: write the reports of the runs that finished in --output-dir, the rest pending",
    )
    parser.add_argument(
        "--keep-models",
        choices=("all", "needed"),
        default="all",
        help="'needed' deletes the saved models no figure, T2 run or checkpoint install reads again (a folder to commit)",
    )
    parser.add_argument(
        "--bound-statics",
        nargs="*",
        default=None,
        metavar="SCHEME",
        help="train the networks with static attributes clipped to their training range "
        "(TrainingArguments.bound_statics), in the given split schemes (temporal, spatial; none given = both)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the preset; exit 1 when a run failed (the leaderboard is still written)."""
    from agroflux_hf.benchmark import run_benchmark

    preset = "quick" if args.quick or args.preset is None else args.preset
    # A terminated benchmark raises SystemExit like Ctrl-C raises KeyboardInterrupt: its finished runs
    # stay in OUT/runs for the next call, the previous reports stay as they were.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    result = run_benchmark(
        args.output_dir,
        preset=preset,
        data_dir=args.data_dir,
        models=args.models,
        tasks=args.tasks,
        seeds=args.seeds,
        restart=args.restart,
        report_only=args.report_only,
        keep_models=args.keep_models,
        bound_statics=args.bound_statics,
        command=command_line(args),
        progress=not args.no_progress,
    )
    reused = sum(o.reused for o in result.outcomes)
    pending = f", {len(result.pending)} pending (not run yet)" if result.pending else ""
    print(
        f"wrote {result.output_dir} ({len(result.outcomes)} runs, {reused} reused{pending}, "
        f"{result.seconds / 60:.1f} min)"
    )
    for outcome in result.failed:
        print(f"  {outcome.status}: {outcome.spec.run_id}: {outcome.error}")
    return 1 if result.failed else 0


def command_line(args: argparse.Namespace) -> str:
    """The command as given (``agroflux benchmark ...``), for the output's README."""
    import shlex

    return "agroflux " + shlex.join(getattr(args, "argv", None) or sys.argv[1:])
