"""The paper preset's run order: a benchmark stopped part way has whole slices and the headline tables'
spread over seeds as early as it can be had (T1, the first seed whole, then the other seeds cheapest
first)."""

from __future__ import annotations

from agroflux_hf.benchmark.planning import RunSpec, run_order
from agroflux_hf.benchmark.presets import get_preset


def specs_of_a_small_paper_plan() -> list[RunSpec]:
    """T1, T0 on two spatial folds and temporal, T2 from fold 0 and from temporal; seeds 0, 1, 2."""
    specs = []
    for seed in (0, 1, 2):
        specs += [
            RunSpec("lstm", "t1", "temporal_co2", "co2", "temporal", 0, seed=seed),
            RunSpec("lstm", "t1", "spatial_co2", "co2", "spatial", 0, seed=seed),
            RunSpec("lstm", "t0", "temporal_sim", "sim", "temporal", 0, seed=seed),
            RunSpec("lstm", "t0", "spatial_sim", "sim", "spatial", 0, seed=seed),
            RunSpec("lstm", "t0", "spatial_sim_fold1", "sim", "spatial", 1, seed=seed),
            RunSpec("lstm", "t2-finetune", "temporal_co2", "co2", "temporal", 0, "temporal_sim", "sim", seed),
            RunSpec("lstm", "t2-finetune", "spatial_co2", "co2", "spatial", 0, "spatial_sim", "sim", seed),
        ]
    return specs


def test_the_first_seed_runs_whole_then_the_other_seeds_cheapest_spread_first():
    preset = get_preset("paper").with_seeds((0, 1, 2))
    sources = ("spatial_sim", "temporal_sim")
    ordered = [
        s.run_id for s in sorted(specs_of_a_small_paper_plan(), key=lambda s: run_order(s, preset, sources))
    ]

    def position(run_id: str) -> int:
        return ordered.index(run_id)

    t1 = [r for r in ordered if r.startswith("t1__")]
    assert ordered[: len(t1)] == t1  # every seed's T1 first
    seed0 = [r for r in ordered if r.endswith("seed0") and not r.startswith("t1__")]
    assert ordered[len(t1) : len(t1) + len(seed0)] == seed0  # then the first seed, whole
    # then the other seeds' held-out years (T0 and T2), seed by seed, before any of their spatial runs
    temporal = [f"t0__lstm__temporal_sim__seed{k}" for k in (1, 2)]
    assert max(position(r) for r in temporal) < position("t0__lstm__spatial_sim__seed1")
    assert (
        position("t0__lstm__temporal_sim__seed1")
        < position("t2-finetune__lstm__temporal_co2__from_temporal_sim__seed1")
        < position("t0__lstm__temporal_sim__seed2")
    )
    # then their spatial T2 with the fold-0 T0 it starts from; their other folds last
    last_t2 = position("t2-finetune__lstm__spatial_co2__from_spatial_sim__seed2")
    assert (
        last_t2
        < position("t0__lstm__spatial_sim_fold1__seed1")
        < position("t0__lstm__spatial_sim_fold1__seed2")
    )
    assert position("t0__lstm__spatial_sim__seed1") < position(
        "t2-finetune__lstm__spatial_co2__from_spatial_sim__seed1"
    )
