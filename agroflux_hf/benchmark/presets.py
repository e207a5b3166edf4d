"""Benchmark presets: what ``agroflux benchmark`` trains, on what, and how long, written down as data.

A preset is the whole protocol of one benchmark run (models, tasks, datasets, folds, widths, epochs,
batch sizes, learning rates, baseline settings), so that the leaderboard's ``run_config.json`` can
record it verbatim and nobody has to hunt for constants in the runner.

- ``full`` follows the paper (arXiv 2602.01614): hidden width 50, 3 layers, 5 heads, dropout 0.2,
  Adam 1e-3; T0 10 epochs at batch 256; T1 20 epochs at batch 10; T2 fine-tuning Adam 1e-4 at batch 2;
  early stopping with patience 5; every fold of every split scheme.
- ``quick`` is the README's main command: every architecture and both reference baselines on one DSSAT
  simulator (T0), the towers (T1) and the transfer between them (T2), on 2 CPU cores in minutes. Its
  networks are narrower and train for a few epochs, and T0's spatial scheme runs fold 0 only; the
  output's README and ``run_config.json`` say so.
- ``tiny`` is for tests: two architectures, one epoch, width 8.
"""

from __future__ import annotations

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
    """Training settings of one task (passed to ``agroflux_hf.training.TrainingArguments``)."""

    epochs: int
    batch_size: int
    learning_rate: float
    patience: int = 5

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
    seed: int = 0
    prediction_batch_size: int = 64
    sites_per_series_plot: int = 3
    # torch intra-op threads during the benchmark (None: torch's default, one per core). Small networks
    # gain nothing from a second thread and lose to its synchronisation on every one of the 365 LSTM
    # steps: the tiny LSTM trained twice as fast on one thread (measured on 2 cores).
    torch_threads: int | None = None
    # Runs executed at once in separate processes (each with ``torch_threads`` threads); 1 = in-process.
    workers: int = 1
    notes: tuple[str, ...] = ()

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
    "t0": StageSettings(epochs=10, batch_size=256, learning_rate=1e-3, patience=5),
    "t1": StageSettings(epochs=20, batch_size=10, learning_rate=1e-3, patience=5),
    # The paper gives Adam 1e-4, batch 2 and patience 5 for fine-tuning; 20 epochs is our cap.
    "t2-finetune": StageSettings(epochs=20, batch_size=2, learning_rate=1e-4, patience=5),
    # Not specified by the paper: the fine-tuning learning rate with T1's batch size and epochs.
    "t2-adversarial": StageSettings(epochs=20, batch_size=10, learning_rate=1e-4, patience=5),
}

FULL = BenchmarkPreset(
    name="full",
    description="The paper's protocol: every simulation and observation dataset, all folds, width 50.",
    model_overrides=architecture_settings(50, 0.2, 3, 5, 200),
    stages=PAPER_STAGES,
    notes=("Hyperparameters as in the paper (arXiv 2602.01614); T2 epoch caps are ours.",),
)

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
        # 20 epochs of 12 steps: enough for the narrow networks to pass the climatology on most targets.
        "t0": StageSettings(epochs=20, batch_size=32, learning_rate=1e-3, patience=5),
        "t1": StageSettings(epochs=20, batch_size=10, learning_rate=1e-3, patience=5),  # the paper's T1
        "t2-finetune": StageSettings(epochs=10, batch_size=2, learning_rate=1e-4, patience=5),
        # DANN iterates over the simulation's 360 training years each epoch: four epochs of 32 + 32.
        "t2-adversarial": StageSettings(epochs=4, batch_size=32, learning_rate=1e-4, patience=5),
    },
    # 18 DSSAT targets x 219k site-days: 30k sampled rows and 100 trees keep a T0 fit short.
    baseline_settings=BaselineSettings(gbt_max_iter=100, gbt_max_train_rows=30_000),
    torch_threads=1,
    workers=2,
    notes=(
        "Quick preset: networks are narrow (hidden 16, 1 layer, 2 heads, feed-forward 64) and train few "
        "epochs (T0 20, T1 20, T2 fine-tune 10, T2 adversarial 4); the tree baseline sees 30k sampled "
        "site-days per target; "
        "numbers are a smoke benchmark, not the paper's protocol (use --preset full).",
        "T0 spatial uses fold 0 only; T1 and T2 spatial use every tower and chamber fold.",
    ),
)

TINY = BenchmarkPreset(
    name="tiny",
    description="Test preset: LSTM and TCN plus both baselines, one epoch, width 8, one spatial fold.",
    models=("lstm", "tcn"),
    simulation_datasets=("dssat_ceres_maize",),
    observation_datasets=("co2",),
    t0_spatial_folds=1,
    t1_spatial_folds=1,
    model_overrides=architecture_settings(8, 0.0, 1, 2, 16, tcn_levels=3),
    stages={
        "t0": StageSettings(epochs=1, batch_size=64, learning_rate=1e-3, patience=1),
        "t1": StageSettings(epochs=1, batch_size=10, learning_rate=1e-3, patience=1),
        "t2-finetune": StageSettings(epochs=1, batch_size=4, learning_rate=1e-4, patience=1),
        "t2-adversarial": StageSettings(epochs=1, batch_size=10, learning_rate=1e-4, patience=1),
    },
    baseline_settings=BaselineSettings(gbt_max_iter=30, gbt_max_train_rows=20_000),
    torch_threads=1,
    notes=("Tiny test preset: one epoch, width 8, spatial fold 0 only; not a benchmark result.",),
)

PRESETS: dict[str, BenchmarkPreset] = {p.name: p for p in (QUICK, FULL, TINY)}


def get_preset(name: str) -> BenchmarkPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown benchmark preset {name!r}; choose from {sorted(PRESETS)}") from None
