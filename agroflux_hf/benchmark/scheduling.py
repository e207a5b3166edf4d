"""Running the planned benchmark runs: in this process in plan order, or spread over worker processes
(``preset.workers > 1``), one per core.

Runs are independent apart from T2's pretrained weights, so on 2 cores two small networks train at
once instead of one network on two threads, which small models cannot use. Each worker has its own
context (and dataset cache) and writes its output to ``OUT/logs/worker-<pid>.log``; Ctrl-C or SIGTERM
stops the workers at once, and their runs continue from their newest checkpoint next time.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from agroflux_hf.benchmark.execution import BenchmarkContext, RunOutcome, execute_run, torch_threads
from agroflux_hf.benchmark.planning import RunSpec


def run_all(specs: Sequence[RunSpec], ctx: BenchmarkContext, progress: bool) -> list[RunOutcome]:
    """Every run, in plan order; with ``preset.workers > 1`` in that many processes at once."""
    from agroflux_hf.progress import progress_bar

    bar = progress_bar(total=len(specs), desc="benchmark runs", unit="run", enabled=progress)
    if ctx.preset.workers > 1 and not ctx.report_only:
        finished = run_in_processes(specs, ctx, bar)
    else:
        finished = {}
        with torch_threads(ctx.preset.torch_threads):
            for spec in specs:
                bar.set_postfix_str(spec.run_id, refresh=False)
                finished[spec.run_id] = execute_run(spec, ctx, finished)
                bar.update(1)
    bar.close()
    return [finished[spec.run_id] for spec in specs]


def run_in_processes(specs: Sequence[RunSpec], ctx: BenchmarkContext, bar) -> dict[str, RunOutcome]:
    """Runs spread over worker processes (one per core): a T2 run starts once its T0 run is done.

    Runs are independent apart from T2's pretrained weights, so on 2 cores two small networks train
    at once instead of one network on two threads, which small models cannot use.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    planned = {spec.run_id for spec in specs}
    pending, running, finished = list(specs), {}, {}
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds torch threads
    init = (replace(ctx, _datasets={}, _tensors={}),)
    pool = ProcessPoolExecutor(
        ctx.preset.workers, mp_context=context, initializer=_init_worker, initargs=init
    )
    try:
        while pending or running:
            for spec in list(pending):
                if len(running) >= ctx.preset.workers:
                    break
                dependency = spec.pretrain_run_id
                if dependency in planned and dependency not in finished:
                    continue  # its T0 weights are not there yet
                source = finished.get(dependency)
                source = None if source is None else replace(source, predictions=None)
                pending.remove(spec)
                running[pool.submit(_run_in_worker, spec, source)] = spec
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                spec = running.pop(future)
                finished[spec.run_id] = future.result()
                bar.set_postfix_str(spec.run_id, refresh=False)
                bar.update(1)
    except BaseException:  # Ctrl-C or SIGTERM: stop the workers now, not after their runs (an hour)
        _stop_workers(pool)
        raise
    pool.shutdown()
    return finished


def _stop_workers(pool) -> None:
    """Terminate a pool's worker processes; their runs continue from their newest checkpoint next time."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)


_WORKER_CONTEXT: BenchmarkContext | None = None


def _init_worker(ctx: BenchmarkContext) -> None:
    """Per worker process: its context (with its own dataset cache) and threads. Its stderr (training's
    per-epoch bars, warnings) goes to ``OUT/logs/worker-<pid>.log``: the terminal shows one bar."""
    global _WORKER_CONTEXT
    logs = ctx.root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"worker-{os.getpid()}.log", "a", buffering=1)  # noqa: SIM115 (lives with the process)
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    if ctx.preset.torch_threads is not None:
        import torch

        torch.set_num_threads(ctx.preset.torch_threads)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _WORKER_CONTEXT = ctx


def _run_in_worker(spec: RunSpec, source: RunOutcome | None) -> RunOutcome:
    finished = {} if source is None else {source.spec.run_id: source}
    return execute_run(spec, _WORKER_CONTEXT, finished)
