"""Train the baseline checkpoints that ship in agroflux_hf/checkpoints/ (on the embedded AgroFlux-mini).

    python scripts/train_default_checkpoints.py [--models lstm tcn ...] [--stages t1-co2 t0-ceres ...]
                                                 [--only-missing]

Stages (each for every chosen architecture, at the paper's sizes: width 50, 3 layers, 5 heads, dropout
0.2; best checkpoint by validation loss, early stopping on it):

- ``t1-co2``: T1 on the towers (``temporal_co2``), the paper's T1 set-up (Adam 1e-3, batch 10) but up to
  150 epochs with patience 25, since AgroFlux-mini has far fewer tower-years than the release.
- ``t1-n2o``: T1 on the N2O chambers (``temporal_n2o``), the same set-up.
- ``t0-ceres`` / ``t0-ixim``: T0 on a DSSAT simulator (``temporal_dssat_<simulator>_maize``), Adam 1e-3,
  batch 64 (the paper's 256 gives only 5 steps per epoch on AgroFlux-mini's 1,335 training years),
  up to 20 epochs with patience 5.
- ``t2-co2`` / ``t2-n2o``: T2 fine-tuning of the ``t0-ceres`` checkpoint on the towers / chambers, the
  paper's Adam 1e-4 at batch 2, up to 40 epochs with patience 10 (needs the T0 checkpoint: run
  ``t0-ceres`` first or in the same call).

``--from-benchmark DIR`` trains nothing: it installs the best models of a benchmark folder's temporal
runs (``agroflux benchmark --preset paper --output-dir DIR``, seed ``--benchmark-seed``), so that the
shipped checkpoints are those of the benchmark's protocol and their cards carry its scores. A stage
whose run has not finished there is skipped with a message; a T2 stage needs its T0 stage in the same
call (the T2 run fine-tuned that benchmark's T0 model, which is what its card names as base model).

Checkpoint folders are ``<arch>-<config>`` (T0, T1) and ``<arch>-t2-<config>`` (T2), published as
``<ORG>/agroflux-<folder>`` (``agroflux_hf.checkpoints.hub_repo_id``). The best model, its model card
(measured validation and test scores) and nothing else are copied into the folder, replacing an older
folder only once the new one is complete; ``--only-missing`` skips folders that exist, so an interrupted
call continues where it stopped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from agroflux_hf.benchmark.planning import RUN_RECORD, RunSpec
from agroflux_hf.cards import write_model_card_from_run
from agroflux_hf.checkpoints import CHECKPOINT_DIR, checkpoint_config, hub_repo_id
from agroflux_hf.models import MODEL_NAMES
from agroflux_hf.training import TrainingArguments, train
from agroflux_hf.training.plans import training_data_record

SHIPPED_FILES = ("config.json", "model.safetensors", "README.md")


@dataclass(frozen=True)
class Stage:
    """One kind of shipped checkpoint: task, dataset config and the training budget."""

    task: str
    config: str
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int
    pretrained_stage: str | None = None  # stage whose checkpoint T2 fine-tunes

    @property
    def shipped_config(self) -> str:
        return checkpoint_config(self.task, self.config)

    def folder_name(self, model_name: str) -> str:
        return f"{model_name}-{self.shipped_config}"


STAGES: dict[str, Stage] = {
    "t1-co2": Stage("t1", "temporal_co2", epochs=150, batch_size=10, learning_rate=1e-3, patience=25),
    "t1-n2o": Stage("t1", "temporal_n2o", epochs=150, batch_size=10, learning_rate=1e-3, patience=25),
    "t0-ceres": Stage(
        "t0", "temporal_dssat_ceres_maize", epochs=20, batch_size=64, learning_rate=1e-3, patience=5
    ),
    "t0-ixim": Stage(
        "t0", "temporal_dssat_ixim_maize", epochs=20, batch_size=64, learning_rate=1e-3, patience=5
    ),
    "t2-co2": Stage(
        "t2-finetune",
        "temporal_co2",
        epochs=40,
        batch_size=2,
        learning_rate=1e-4,
        patience=10,
        pretrained_stage="t0-ceres",
    ),
    "t2-n2o": Stage(
        "t2-finetune",
        "temporal_n2o",
        epochs=40,
        batch_size=2,
        learning_rate=1e-4,
        patience=10,
        pretrained_stage="t0-ceres",
    ),
}
DEFAULT_STAGES = ("t1-co2", "t1-n2o", "t0-ceres", "t0-ixim", "t2-co2", "t2-n2o")


def train_one(model_name: str, stage: Stage, work_dir: Path, seed: int) -> Path:
    """Train one architecture for one stage; return its run folder (best_model/ has the card)."""
    name = stage.folder_name(model_name)
    run_dir = work_dir / name
    pretrained, base_model = None, None
    if stage.pretrained_stage is not None:
        source = STAGES[stage.pretrained_stage]
        pretrained = CHECKPOINT_DIR / source.folder_name(model_name)
        if not (pretrained / "config.json").is_file():
            raise SystemExit(
                f"{name}: needs the {stage.pretrained_stage} checkpoint {pretrained} (train it first)"
            )
        base_model = hub_repo_id(model_name, source.config)
    args = TrainingArguments(
        epochs=stage.epochs,
        batch_size=stage.batch_size,
        learning_rate=stage.learning_rate,
        finetune_batch_size=stage.batch_size,
        finetune_learning_rate=stage.learning_rate,
        patience=stage.patience,
        seed=seed,
    )
    train(stage.task, model_name, stage.config, output_dir=run_dir, args=args, pretrained=pretrained)
    write_model_card_from_run(
        run_dir, repo_id=hub_repo_id(model_name, stage.shipped_config), base_model=base_model
    )
    return run_dir


def benchmark_run(model_name: str, stage: Stage, benchmark: Path, seed: int) -> Path:
    """The benchmark's run folder of this stage: its temporal split, the given seed (T2 from T0's config)."""
    source = STAGES[stage.pretrained_stage].config if stage.pretrained_stage else None
    spec = RunSpec(model_name, stage.task, stage.config, "", "temporal", 0, source_config=source, seed=seed)
    return benchmark / "runs" / spec.run_id


def copy_benchmark_run(model_name: str, stage: Stage, run: Path, work_dir: Path) -> Path | None:
    """A finished benchmark run as a training run folder (best model, run_config.json, metrics.json, log) with
    its card written; None when the run has not finished. Nothing in the benchmark folder changes."""
    if not (run / RUN_RECORD).is_file() or not (run / "best_model" / "config.json").is_file():
        return None
    run_dir = work_dir / stage.folder_name(model_name)
    (run_dir / "best_model").mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        shutil.copy2(run / "best_model" / name, run_dir / "best_model" / name)
    run_config = json.loads((run / "run_config.json").read_text(encoding="utf-8"))
    base_model = None
    if stage.pretrained_stage is not None:  # the card names the T0 checkpoint by its Hub id, not a path
        base_model = hub_repo_id(model_name, STAGES[stage.pretrained_stage].shipped_config)
        run_config["pretrained"] = base_model
    (run_dir / "run_config.json").write_text(json.dumps(run_config, indent=2) + "\n", encoding="utf-8")
    shutil.copy2(run / "metrics.json", run_dir / "metrics.json")
    if (run / "log.jsonl").is_file():  # the card's training outcome: steps, kept step, early stopping
        shutil.copy2(run / "log.jsonl", run_dir / "log.jsonl")
    config_file = run_dir / "best_model" / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if not config.get("training_data"):  # a run trained before checkpoints recorded it: its own record
        config["training_data"] = training_data_record(
            run_config["config"], run_config.get("data_dir"), run_config.get("source_config")
        )
        config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_model_card_from_run(
        run_dir, repo_id=hub_repo_id(model_name, stage.shipped_config), base_model=base_model
    )
    return run_dir


def install_checkpoint(run_dir: Path, destination: Path) -> None:
    """Copy the shipped files of run_dir/best_model to destination, atomically."""
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    staging.chmod(0o755)  # mkdtemp makes 0700; an installed package folder must be readable by all
    try:
        for name in SHIPPED_FILES:
            shutil.copy2(run_dir / "best_model" / name, staging / name)
        old = destination.with_name(f".{destination.name}-old")
        if destination.exists():
            destination.rename(old)
        staging.rename(destination)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--stages", nargs="+", default=list(DEFAULT_STAGES), choices=sorted(STAGES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only-missing", action="store_true", help="skip checkpoint folders that exist")
    parser.add_argument("--from-benchmark", type=Path, help="install a benchmark folder's temporal runs")
    parser.add_argument("--benchmark-seed", type=int, default=0)
    ns = parser.parse_args()
    missing_t0 = [
        s for s in ns.stages if STAGES[s].pretrained_stage and STAGES[s].pretrained_stage not in ns.stages
    ]
    if ns.from_benchmark and not (ns.from_benchmark / "runs").is_dir():
        parser.error(f"--from-benchmark {ns.from_benchmark}: not a benchmark output folder (no runs/ in it)")
    if ns.from_benchmark and missing_t0:
        parser.error(
            f"--from-benchmark: {missing_t0} need their T0 stage in the same call (--stages ... t0-ceres)"
        )
    installed: set[tuple[str, str]] = set()  # (model, stage): a T2 stage needs its T0 here
    with tempfile.TemporaryDirectory(prefix="agroflux-checkpoints-") as tmp:
        for stage_name in sorted(ns.stages, key=lambda name: STAGES[name].pretrained_stage is not None):
            stage = STAGES[stage_name]  # T0 and T1 first: a T2 stage names its T0 checkpoint
            for model_name in ns.models:
                destination = CHECKPOINT_DIR / stage.folder_name(model_name)
                if ns.only_missing and (destination / "config.json").is_file():
                    print(f"{destination.name}: exists, skipped")
                    continue
                start = time.perf_counter()
                if ns.from_benchmark is None:
                    run_dir = train_one(model_name, stage, Path(tmp), ns.seed)
                else:
                    run = benchmark_run(model_name, stage, ns.from_benchmark, ns.benchmark_seed)
                    if stage.pretrained_stage and (model_name, stage.pretrained_stage) not in installed:
                        print(
                            f"{destination.name}: its T0 run was not installed from {ns.from_benchmark}, skipped"
                        )
                        continue
                    run_dir = copy_benchmark_run(model_name, stage, run, Path(tmp))
                    if run_dir is None:
                        print(
                            f"{destination.name}: {run.name} has not finished in {ns.from_benchmark}, skipped"
                        )
                        continue
                    installed.add((model_name, stage_name))
                install_checkpoint(run_dir, destination)
                print(f"{destination.name}: installed in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
