"""The benchmark: train and evaluate the six architectures and two reference baselines.

It plans every (model, task, config) run of a preset (:mod:`.presets`, :mod:`.planning`), runs them
(:mod:`.runner`), and writes a leaderboard folder: CSV, Markdown, LaTeX (:mod:`.leaderboard`),
figures (:mod:`.plots`) and a README. The command is ``agroflux benchmark``
(:mod:`agroflux_hf.commands.benchmark`); the heavy imports (torch, training) happen only when a
benchmark runs.
"""

from __future__ import annotations

__all__ = ["run_benchmark"]


def run_benchmark(*args, **kwargs):
    """See :func:`agroflux_hf.benchmark.runner.run_benchmark` (imported lazily)."""
    from agroflux_hf.benchmark.runner import run_benchmark as _run

    return _run(*args, **kwargs)
