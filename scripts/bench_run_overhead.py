"""What reading a config's data costs each benchmark run, against the run itself (the quick preset).

Before 2b2ee87 every network run of ``agroflux benchmark`` read its config again (``load_dataset``,
the dataset card's YAML, the arrays into tensors); now each worker process reads a config once and
hands ``train()`` the tensors (``BenchmarkContext.config_data``). This times, in one process on the
embedded AgroFlux-mini:

* read: ``plans.load_config_data(config)``, what every run paid before (median of ``--repeats``);
* run: one quick-preset T1 LSTM run on ``temporal_co2`` with the data already in memory (what a run
  costs now), and the same run made to read its data again (what it cost before);

and prints the read time as a share of the run.

    python scripts/bench_run_overhead.py                 # temporal_co2, temporal_n2o, a DSSAT config
    python scripts/bench_run_overhead.py --repeats 5 --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from agroflux_hf.benchmark.execution import BenchmarkContext, execute_run
from agroflux_hf.benchmark.planning import plan_runs
from agroflux_hf.benchmark.presets import get_preset
from agroflux_hf.data.loading import config_infos
from agroflux_hf.training import plans

CONFIGS = ("temporal_co2", "temporal_n2o", "temporal_dssat_ceres_maize")
RUN = ("t1", "lstm", "temporal_co2")


def read_seconds(config: str, repeats: int) -> float:
    """Median seconds of reading ``config`` from the dataset folder into tensors."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        plans.load_config_data(config)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_seconds(reread: bool, repeats: int) -> float:
    """Median seconds of one quick T1 LSTM run, its data in memory or (``reread``) read again."""
    preset = get_preset("quick")
    infos = config_infos()
    spec = next(s for s in plan_runs(preset, infos) if (s.task, s.model, s.config) == RUN)
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            ctx = BenchmarkContext(preset, None, Path(tmp), infos)
            ctx.config_data(spec.config)  # as a worker holds it after its first run on the config
            if reread:
                ctx.config_data = lambda config: plans.load_config_data(config)  # type: ignore[method-assign]
            outcome = execute_run(spec, ctx, {})
            if outcome.status != "ok":
                raise SystemExit(f"{spec.run_id}: {outcome.error}")
            times.append(outcome.seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the benchmark uses 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    run_seconds(False, 1)  # warm-up: imports, the default dataset's cache
    now = run_seconds(False, args.repeats)
    before = run_seconds(True, args.repeats)
    print("| config | read (s) |\n|---|---:|")
    for config in CONFIGS:
        print(f"| {config} | {read_seconds(config, args.repeats):.2f} |")
    print(
        f"\nquick T1 LSTM run on temporal_co2: {now:.2f} s with its data in memory, {before:.2f} s reading "
        f"it again (before / now = {before / now:.2f}); torch {torch.__version__}, {args.threads} thread(s)"
    )


if __name__ == "__main__":
    main()
