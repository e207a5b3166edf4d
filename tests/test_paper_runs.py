"""The committed paper-preset runs (``benchmarks/paper/``, about 90 h of compute) stay reusable.

A finished run is reused only while the settings it recorded (data fingerprint, preset, training
arguments, and for T2 its T0's) equal what the current code plans. A change to the embedded data, a
preset or a training default that would make the benchmark train them all again must be deliberate: it
fails here first, naming the runs, instead of surfacing as days of compute at the next paper call. A
deliberate change removes the runs it makes stale from ``benchmarks/paper/`` in the same commit (the
next ``agroflux benchmark --preset paper`` call runs them again) and says so in the README.
"""

from __future__ import annotations

import json
from pathlib import Path

from agroflux_hf.benchmark.execution import BenchmarkContext, run_settings, same_settings
from agroflux_hf.benchmark.planning import RUN_RECORD, plan_runs
from agroflux_hf.benchmark.presets import get_preset
from agroflux_hf.data.loading import config_infos

PAPER = Path(__file__).resolve().parents[1] / "benchmarks" / "paper"


def test_every_committed_paper_run_is_planned_and_reusable_under_the_current_code() -> None:
    preset = get_preset("paper")
    infos = config_infos(None)  # the embedded AgroFlux-mini, as the paper runs read it
    specs = {spec.run_id: spec for spec in plan_runs(preset, infos)}
    ctx = BenchmarkContext(preset, None, PAPER, infos, report_only=True)
    records = sorted(PAPER.glob(f"runs/*/{RUN_RECORD}"))
    unplanned = [r.parent.name for r in records if r.parent.name not in specs]
    stale = [
        r.parent.name
        for r in records
        if r.parent.name in specs
        and not same_settings(json.loads(r.read_text())["settings"], run_settings(specs[r.parent.name], ctx))
    ]
    assert len(records) > 1000, "benchmarks/paper holds the paper run's records"
    assert unplanned == [], f"committed runs the paper preset no longer plans: {unplanned[:5]}"
    assert stale == [], f"{len(stale)} committed runs would train again, e.g. {stale[:5]}"
