"""Benchmark presets: what ``agroflux benchmark`` trains, on what, and how long, written down as data.

A preset is the whole protocol of one benchmark run (models, tasks, datasets, folds, seeds, widths,
step budgets, batch sizes, learning rates, baseline settings), so that the leaderboard's ``run_config.json`` can
record it verbatim and nobody has to hunt for constants in the runner.

- ``paper`` (alias ``full``, its former name) follows the paper (arXiv 2602.01614): hidden width 50,
  3 layers, 5 heads, dropout 0.2, Adam 1e-3; T0 the paper's 1,090 optimiser steps at batch 256; T1 at
  batch 10; T2 fine-tuning Adam 1e-4 at batch 2; early stopping with patience 5; every dataset of
  AgroFlux-mini, every fold of every split scheme, 3 seeds.
- ``quick`` is the README's main command: every architecture and both reference baselines on one DSSAT
  simulator (T0), the towers (T1) and the transfer between them (T2), on 2 CPU cores in minutes. Its
  networks are narrower and train short step budgets, and T0's spatial scheme runs fold 0 only; the
  output's README and ``run_config.json`` say so.
- ``tiny`` is for tests: two architectures, a few steps, width 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from agroflux_hf import schema

TASKS: tuple[str, ...] = schema.TASKS
"""Benchmark tasks, in the order they run (T2 needs the T0 weights)."""

TRANSFER_TASKS: tuple[str, ...] = (schema.T2_FINETUNE, schema.T2_ADVERSARIAL)

NETWORK_MODELS: tuple[str, ...] = schema.ARCHITECTURES
"""The six architectures (``schema.ARCHITECTURES``)."""

BASELINES: tuple[str, ...] = ("gbt", "climatology")
"""Reference baselines: gradient-boosted trees on lagged weather, and a day-of-year climatology."""

SPLIT_SCHEMES: tuple[str, ...] = schema.SPLIT_SCHEMES


@dataclass(frozen=True)
class StageSettings:
    """Training settings of one task (passed to ``agroflux_hf.training.TrainingArguments``).

    Budgets are optimiser steps, not epochs, so that a budget means the same training on a split of
    13 sequences and on one of 27,720: ``max_steps`` at most, a validation every ``eval_every_steps``
    (the best model by validation loss is kept), and early stopping after ``patience`` validations
    without improvement.
    """

    max_steps: int
    eval_every_steps: int
    batch_size: int
    learning_rate: float
    patience: int = 5  # validations
    lr_schedule: str = "constant"  # or "cosine" (with warmup_steps of linear warm-up)
    warmup_steps: int = 0

    def training_overrides(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BaselineSettings:
    """Settings of the two reference baselines.

    ``gbt_max_train_rows`` caps the site-days one tree ensemble sees (a random subset, fixed seed), so
    that a large simulation does not dominate the wall time; ``None`` uses every observed site-day.
    ``climatology_window`` is the width in days of the centred smoothing window;
    ``climatology_min_site_obs`` the fewest training values a site needs in that window for its own cycle. ``gbt_threads`` caps
    the OpenMP threads of the trees: on a busy 2-core machine OpenMP's spinning threads made one fit
    30 times slower than a single thread (measured), so the default is 1.
    """

    gbt_max_iter: int = 300
    gbt_learning_rate: float = 0.05
    gbt_max_leaf_nodes: int = 31
    gbt_min_samples_leaf: int = 20
    gbt_max_train_rows: int | None = 300_000
    gbt_threads: int = 1
    lag_windows: tuple[int, ...] = (3, 7, 30)
    climatology_window: int = 15
    climatology_min_site_obs: int = 5


@dataclass(frozen=True)
class BenchmarkPreset:
    """One benchmark protocol.

    ``simulation_datasets`` / ``observation_datasets`` name datasets by their config suffix
    (``dssat_ceres_maize``, ``co2``); ``None`` means every dataset of that domain the data offers.
    ``t0_spatial_folds`` / ``t1_spatial_folds`` keep the first n spatial folds; ``None`` keeps all.
    ``model_overrides`` maps each architecture to the config fields passed to ``build_model`` through
    ``train(..., model_overrides=...)`` (see :func:`architecture_settings`); an architecture without an
    entry keeps its own defaults.
    """

    name: str
    description: str
    models: tuple[str, ...] = NETWORK_MODELS
    baselines: tuple[str, ...] = BASELINES
    tasks: tuple[str, ...] = TASKS
    simulation_datasets: tuple[str, ...] | None = None
    observation_datasets: tuple[str, ...] | None = None
    split_schemes: tuple[str, ...] = SPLIT_SCHEMES
    t0_spatial_folds: int | None = None
    t1_spatial_folds: int | None = None
    model_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    stages: dict[str, StageSettings] = field(default_factory=dict)
    baseline_settings: BaselineSettings = field(default_factory=BaselineSettings)
    seeds: tuple[int, ...] = (0,)  # every run is repeated with each seed (tables: mean and spread)
    prediction_batch_size: int = 64
    sites_per_series_plot: int = 3
    # torch intra-op threads during the benchmark (None: torch's default, one per core). Small networks
    # gain nothing from a second thread and lose to its synchronisation on every one of the 365 LSTM
    # steps: the tiny LSTM trained twice as fast on one thread (measured on 2 cores).
    torch_threads: int | None = None
    # tasks whose network runs set TrainingArguments.compile_attention (only the Pyraformer has one to
    # compile; each batch shape costs about a minute, so only long runs gain); not part of a run's
    # recorded settings: it changes the speed, not the arithmetic beyond rounding
    compile_attention: tuple[str, ...] = ()
    # Runs executed at once in separate processes (each with ``torch_threads`` threads); 1 = in-process.
    workers: int = 1
    # split schemes whose network runs set TrainingArguments.bound_statics (``--bound-statics``): static
    # attributes clipped to each run's training range; part of a run's recorded settings
    bound_statics: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def seed(self) -> int:
        """The first seed (baselines' row sampling and other single-seed uses)."""
        return self.seeds[0]

    def with_seeds(self, seeds: tuple[int, ...] | None) -> BenchmarkPreset:
        """The preset with other seeds (``--seeds``); ``None`` keeps its own."""
        if seeds is None:
            return self
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct and at least one, got {list(seeds)}")
        return replace(self, seeds=tuple(int(s) for s in seeds))

    def with_bound_statics(self, schemes: Sequence[str] | None) -> BenchmarkPreset:
        """The preset whose networks bound their static attributes in ``schemes`` (``--bound-statics
        [SCHEME ...]``; empty = every scheme, None = as it is), said in its notes.

        Why per scheme: on AgroFlux-mini no validation or test value of a temporal config lies outside
        its training range (README), so bounding there changes no number, and runs recorded unbounded
        need not run again."""
        if schemes is None:
            return self
        chosen = tuple(schemes) or SPLIT_SCHEMES
        unknown = sorted(set(chosen) - set(SPLIT_SCHEMES))
        if unknown:
            raise ValueError(
                f"--bound-statics: unknown split scheme(s) {unknown}; choose from {list(SPLIT_SCHEMES)}"
            )
        note = (
            f"Static attributes bounded to each network run's training range in the {' and '.join(chosen)} "
            "scheme (`--bound-statics`, TrainingArguments.bound_statics): a validation or test site outside "
            "it enters at its edge."
        )
        return replace(self, bound_statics=chosen, notes=(*self.notes, note))

    def stage(self, task: str) -> StageSettings:
        """Training settings of ``task``; a clear error for a task the preset does not configure."""
        try:
            return self.stages[task]
        except KeyError:
            raise KeyError(f"preset {self.name!r} has no training settings for task {task!r}") from None

    def overrides_for(self, model: str) -> dict[str, Any]:
        """Config fields of architecture ``model`` (empty: the architecture's defaults)."""
        return dict(self.model_overrides.get(model, {}))

    def restricted(self, models: tuple[str, ...] | None, tasks: tuple[str, ...] | None) -> BenchmarkPreset:
        """The preset with only the chosen models/baselines and tasks (``--models``, ``--tasks``)."""
        if models is None and tasks is None:
            return self
        chosen_models = self.models + self.baselines if models is None else tuple(models)
        unknown = [m for m in chosen_models if m not in NETWORK_MODELS + BASELINES]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; choose from {list(NETWORK_MODELS + BASELINES)}")
        chosen_tasks = self.tasks if tasks is None else expand_tasks(tasks)
        return replace(
            self,
            models=tuple(m for m in chosen_models if m in NETWORK_MODELS),
            baselines=tuple(m for m in chosen_models if m in BASELINES),
            tasks=chosen_tasks,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the preset (written to the output's ``run_config.json``)."""
        return asdict(self)


def expand_tasks(tasks: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Task names in run order; ``t2`` stands for both transfer tasks."""
    wanted: set[str] = set()
    for task in tasks:
        if task == "t2":
            wanted.update(TRANSFER_TASKS)
        elif task in TASKS:
            wanted.add(task)
        else:
            raise ValueError(f"unknown task {task!r}; choose from {[*TASKS, 't2']}")
    return tuple(t for t in TASKS if t in wanted)


def architecture_settings(
    hidden_size: int,
    dropout: float,
    num_hidden_layers: int,
    num_attention_heads: int,
    intermediate_size: int,
    tcn_levels: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Per-architecture config fields for one width/depth (each architecture accepts only its own).

    The TCN's depth is its number of dilated blocks; ``None`` lets it cover the whole year.
    """
    common = {"hidden_size": hidden_size, "dropout": dropout}
    recurrent = {**common, "num_hidden_layers": num_hidden_layers}
    attention = {
        **recurrent,
        "num_attention_heads": num_attention_heads,
        "intermediate_size": intermediate_size,
    }
    return {
        "lstm": recurrent,
        "ealstm": recurrent,
        "tcn": {**common, "num_levels": tcn_levels},
        "transformer": attention,
        "itransformer": attention,
        "pyraformer": attention,
    }


PAPER_STAGES: dict[str, StageSettings] = {
    # The paper: 10 epochs of 27,720 sequences at batch 256 = 1,090 optimiser steps (109 per epoch);
    # we validate once per paper epoch and stop after 5 validations without improvement. (AgroFlux-mini's
    # temporal_dssat_ceres_maize has 1,335 training years: 6 steps per epoch at batch 256.)
    "t0": StageSettings(max_steps=1090, eval_every_steps=109, batch_size=256, learning_rate=1e-3),
    # The paper's T1: batch 10, Adam 1e-3, patience 5. Its epochs are of the full tower record; on
    # AgroFlux-mini's 61 training tower-years (temporal_co2) an epoch is 7 steps, so the budget is ours:
    # 400 steps, validated every 10, early stopping deciding.
    "t1": StageSettings(max_steps=400, eval_every_steps=10, batch_size=10, learning_rate=1e-3),
    # The paper gives Adam 1e-4, batch 2 and patience 5 for fine-tuning; the 600-step cap is ours.
    "t2-finetune": StageSettings(max_steps=600, eval_every_steps=20, batch_size=2, learning_rate=1e-4),
    # Not specified by the paper: the fine-tuning rate at T1's batch size; steps run over the
    # simulation's training years (one observation batch beside each simulation batch).
    "t2-adversarial": StageSettings(max_steps=600, eval_every_steps=20, batch_size=10, learning_rate=1e-4),
}

# Cost at these sizes (CPU s per T0 step at batch 256, one thread, 2-core machine under load, `train(...,
# max_steps=4)` minus a 1-step run): tcn 1.0, pyraformer 2.6, transformer 4.2. A full 1,090-step T0 run of
# the Transformer is over an hour, and the preset plans 1,248 runs (288 T0) over 3 seeds: days on 2 cores
# unless early stopping ends runs early. Runs resume (see execution.py), so it can be run in parts.
PAPER = BenchmarkPreset(
    name="paper",
    description=(
        "The paper's protocol over all of AgroFlux-mini: every simulation and observation dataset, every "
        "fold of both split schemes, width 50, 3 layers, 5 heads, 3 seeds."
    ),
    model_overrides=architecture_settings(50, 0.2, 3, 5, 200),
    stages=PAPER_STAGES,
    seeds=(0, 1, 2),
    torch_threads=1,
    workers=2,
    compile_attention=("t0",),  # the Pyraformer's T0 runs are the longest (hours); ~2 min to compile
    notes=(
        "Hyperparameters as in the paper (arXiv 2602.01614), budgets in optimiser steps (T0: the paper's "
        "10 epochs of 27,720 sequences at batch 256 = 1,090 steps); T1 and T2 step caps are ours.",
    ),
)

# Quick budgets, chosen from validation curves (runs/*/log.csv) and CPU time per step measured on the
# 2-core machine (shared with other jobs, 2026-12-02), against the epoch-based preset before them (T0 20
# epochs of 42 steps at batch 32, T1 20 epochs, T2 fine-tune 10 epochs, T2 adversarial 4 epochs at 32+32,
# quick benchmark 13.3 min):
# - CPU ms per T0 optimiser step at width 16, one thread, batch 32 / 16 (`train(..., max_steps=61)` minus
#   a 1-step run): lstm 15 / 8, ealstm 12 / 7, tcn 39 / 19, transformer 64 / 36, itransformer 13 / 10,
#   pyraformer 55 / 36. Halving the batch nearly halves a step.
# - T0 on temporal_dssat_ceres_maize, best validation loss (old 840 steps at batch 32, constant 1e-3 ->
#   900 steps at batch 16, cosine from 3e-3): lstm 0.423 -> 0.408, transformer 0.412 -> 0.399, tcn
#   0.379 -> 0.393; spatial fold 0: lstm 0.571, tcn 0.507, transformer 0.583, every curve flat at the end.
#   600 steps at batch 32 and 3e-3 was worse for the TCN (0.437). About 0.6x the old T0 CPU time.
# - T1 on temporal_co2 (7 steps per epoch): the old 140 steps ended with the validation loss still
#   falling (lstm 0.505, transformer 0.435); 300 steps, cosine from 2e-3: lstm 0.427, tcn 0.434,
#   transformer 0.400, flat for the last 5 validations; on the spatial folds early stopping ends most runs
#   after 80-160 steps.
# - T2 adversarial was 43% of the old benchmark's CPU time (168 steps of 32 + 32 sequences); 150 steps of
#   16 + 16 take about 0.45x that.
# - T2 from the T0 weights above, on temporal_co2: at the paper's fine-tuning rate 1e-4 both T2 tasks
#   ended with the validation loss still falling (fine-tune lstm 0.494, tcn 0.463, transformer 0.549 after
#   300 steps; adversarial lstm 0.524, tcn 0.482, transformer 0.543 after 150); at 3e-4 they flatten
#   (fine-tune 0.407, 0.368, 0.503; adversarial 0.429, 0.395, 0.493), so the quick preset uses 3e-4.
QUICK = BenchmarkPreset(
    name="quick",
    description=(
        "All six architectures and both baselines: T0 on DSSAT CERES-Maize, T1 on the towers (co2) and "
        "the N2O chambers (n2o), T2 fine-tune and adversarial from DSSAT CERES-Maize to both; temporal "
        "and spatial; small and short."
    ),
    simulation_datasets=("dssat_ceres_maize",),
    observation_datasets=("co2", "n2o"),
    t0_spatial_folds=1,
    model_overrides=architecture_settings(16, 0.1, 1, 2, 64),
    stages={
        "t0": StageSettings(
            max_steps=900,
            eval_every_steps=90,
            batch_size=16,
            learning_rate=3e-3,
            patience=4,
            lr_schedule="cosine",
            warmup_steps=30,
        ),
        "t1": StageSettings(
            max_steps=300,
            eval_every_steps=20,
            batch_size=10,
            learning_rate=2e-3,
            patience=5,
            lr_schedule="cosine",
            warmup_steps=10,
        ),
        # the paper's fine-tuning batch; 3e-4, not its 1e-4, converges within the budget (see above)
        "t2-finetune": StageSettings(
            max_steps=300, eval_every_steps=30, batch_size=2, learning_rate=3e-4, patience=4
        ),
        # 16 simulation + 16 observation sequences per step
        "t2-adversarial": StageSettings(
            max_steps=150, eval_every_steps=25, batch_size=16, learning_rate=3e-4, patience=3
        ),
    },
    # 18 DSSAT targets x 219k site-days: 30k sampled rows and 100 trees keep a T0 fit short.
    baseline_settings=BaselineSettings(gbt_max_iter=100, gbt_max_train_rows=30_000),
    torch_threads=1,
    workers=2,
    notes=(
        "Quick preset: networks are narrow (hidden 16, 1 layer, 2 heads, feed-forward 64) and train short "
        "step budgets with early stopping (T0 900 steps, T1 300, T2 fine-tune 300, T2 adversarial 150; T2 "
        "at learning rate 3e-4, not the paper's 1e-4); "
        "the tree baseline sees 30k sampled site-days per target; one seed; "
        "numbers measure this quick protocol (budgets chosen from validation curves that flatten within "
        "them, see presets.py), not the paper's sizes (use --preset paper).",
        "T0 spatial uses fold 0 only; T1 and T2 spatial use every tower and chamber fold.",
    ),
)

TINY = BenchmarkPreset(
    name="tiny",
    description="Test preset: LSTM and TCN plus both baselines, a few steps, width 8, one spatial fold.",
    models=("lstm", "tcn"),
    simulation_datasets=("dssat_ceres_maize",),
    observation_datasets=("co2",),
    t0_spatial_folds=1,
    t1_spatial_folds=1,
    model_overrides=architecture_settings(8, 0.0, 1, 2, 16, tcn_levels=3),
    stages={
        "t0": StageSettings(max_steps=4, eval_every_steps=2, batch_size=64, learning_rate=1e-3, patience=1),
        "t1": StageSettings(max_steps=2, eval_every_steps=1, batch_size=10, learning_rate=1e-3, patience=1),
        "t2-finetune": StageSettings(
            max_steps=2, eval_every_steps=1, batch_size=4, learning_rate=1e-4, patience=1
        ),
        "t2-adversarial": StageSettings(
            max_steps=2, eval_every_steps=1, batch_size=10, learning_rate=1e-4, patience=1
        ),
    },
    baseline_settings=BaselineSettings(gbt_max_iter=30, gbt_max_train_rows=20_000),
    torch_threads=1,
    notes=("Tiny test preset: a few steps, width 8, spatial fold 0 only; not a benchmark result.",),
)

PRESETS: dict[str, BenchmarkPreset] = {p.name: p for p in (QUICK, PAPER, TINY)}
PRESET_ALIASES: dict[str, str] = {"full": "paper"}  # the paper preset's name before it was renamed


def preset_names() -> list[str]:
    """Every name ``--preset`` accepts (aliases included)."""
    return sorted([*PRESETS, *PRESET_ALIASES])


def get_preset(name: str) -> BenchmarkPreset:
    try:
        return PRESETS[PRESET_ALIASES.get(name, name)]
    except KeyError:
        raise KeyError(f"unknown benchmark preset {name!r}; choose from {preset_names()}") from None
