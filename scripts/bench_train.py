"""Training throughput: our Accelerate loop vs a bare PyTorch loop, 1 vs 2 processes, data-wait share.

For each model: sequences/s of one training epoch through ``agroflux_hf.training.train`` (1 process,
and 2 processes under ``torchrun`` with ``ACCELERATE_USE_CPU=1``), and of a bare loop (in-memory
tensors, ``randperm`` batches, forward, backward, Adam step) on the same model and data in one
process. ``data wait`` is the share of the loop's step time spent waiting for the next batch
(measured inside the loop). Data: random sequences in the release's shape (365 days, 7 daily
inputs, 4 static, 5 Carbon targets); throughput does not depend on the values.

    python scripts/bench_train.py                       # all six models, paper sizes, batch 256
    python scripts/bench_train.py --models lstm --sequences 2048

Each measurement runs in a fresh process; by default one process uses every core, each of two half
(``--threads 1`` on a machine that other jobs keep busy: oversubscribed threads spin).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("TMAX", "TMIN", "PRECIP", "N_FERT", "PLANTING", "CROP", "SW_IN")
STATICS = ("BULK_DENSITY", "SAND", "SILT", "PH")
TARGETS = ("RECO", "GPP", "NEE", "YIELD", "DELTA_SOC")
PAPER = {"hidden_size": 50, "num_hidden_layers": 3, "dropout": 0.2}
SIZES = {
    "lstm": PAPER,
    "ealstm": PAPER,
    "tcn": {"hidden_size": 50, "dropout": 0.2},
    "transformer": {**PAPER, "num_attention_heads": 5},
    "itransformer": {**PAPER, "num_attention_heads": 5},
    "pyraformer": {**PAPER, "num_attention_heads": 5},
}


def synthetic_config(n_train: int, n_eval: int):
    """A ConfigData of random sequences (train / validation / test) in memory."""
    import numpy as np
    import torch

    from agroflux_hf.training import plans
    from agroflux_hf.training.tensors import SplitTensors

    rng = np.random.default_rng(0)

    def split(n: int) -> SplitTensors:
        return SplitTensors(
            past_values=torch.from_numpy(rng.normal(size=(n, 365, len(INPUTS))).astype(np.float32)),
            static=torch.from_numpy(rng.normal(size=(n, len(STATICS))).astype(np.float32)),
            targets=torch.from_numpy(rng.normal(size=(n, 365, len(TARGETS))).astype(np.float32)),
            input_names=INPUTS,
            static_names=STATICS,
            target_names=TARGETS,
            site_ids=np.array([f"s{i % 8}" for i in range(n)], dtype=object),
            years=np.zeros(n, dtype=np.int32),
            experiments=np.zeros(n, dtype=np.int32),
            first_dates=np.array([""] * n, dtype=object),
        )

    unit = {"mean": 0.0, "std": 1.0}
    stats = {
        "inputs": dict.fromkeys(INPUTS, unit),
        "static": dict.fromkeys(STATICS, unit),
        "targets": dict.fromkeys(TARGETS, unit),
    }
    info = SimpleNamespace(
        name="bench",
        domain="simulation",
        input_names=INPUTS,
        static_names=STATICS,
        target_names=TARGETS,
        stats=stats,
    )
    splits = {"train": split(n_train), "validation": split(n_eval), "test": split(n_eval)}
    return plans.ConfigData(info=info, splits=splits)


def child_ours(ns: argparse.Namespace) -> None:
    """One epoch through train(); rank 0 writes sequences/s and the data-wait share."""
    from agroflux_hf.training import TrainingArguments, plans, train

    data = synthetic_config(ns.sequences, ns.batch_size)
    plans.load_config_data = lambda config, data_dir=None: data
    args = TrainingArguments(
        epochs=1,
        batch_size=ns.batch_size,
        eval_batch_size=ns.batch_size,
        patience=0,
        log_tensorboard=False,
    )
    # every process must write to the same OUT (the parent made it)
    result = train("t0", ns.model, "bench", output_dir=ns.out, args=args, model_overrides=SIZES[ns.model])
    if int(os.environ.get("RANK", "0")) == 0:
        epoch = result.history[-1]
        Path(ns.result).write_text(
            json.dumps(
                {"sequences_per_s": epoch["sequences_per_s"], "data_wait_share": epoch["data_wait_share"]}
            )
        )


def child_bare(ns: argparse.Namespace) -> None:
    """The same model and data in a plain loop: randperm batches of in-memory tensors."""
    import torch

    from agroflux_hf.models import build_model

    data = synthetic_config(ns.sequences, 1).splits["train"]
    torch.manual_seed(0)
    model = build_model(
        ns.model, input_names=INPUTS, static_names=STATICS, target_names=TARGETS, **SIZES[ns.model]
    ).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(data))
    started = time.perf_counter()
    for start in range(0, len(data), ns.batch_size):
        index = order[start : start + ns.batch_size]
        loss = model(
            past_values=data.past_values[index],
            static_real_features=data.static[index],
            target_values=data.targets[index],
        ).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    seconds = time.perf_counter() - started
    Path(ns.result).write_text(json.dumps({"sequences_per_s": len(data) / seconds}))


def run_child(kind: str, model: str, processes: int, ns: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cores = os.cpu_count() or 1
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "ACCELERATE_USE_CPU": "1",
            "OMP_NUM_THREADS": str(ns.threads or max(1, cores // processes)),
            "HF_HUB_OFFLINE": "1",
            "TQDM_DISABLE": "1",
        }
        script = [str(Path(__file__).resolve()), "--child", kind, "--model", model, "--result", str(result)]
        script += ["--out", str(Path(tmp) / "run")]
        script += ["--sequences", str(ns.sequences), "--batch-size", str(ns.batch_size)]
        launcher = [sys.executable]
        if processes > 1:
            launcher += ["-m", "torch.distributed.run", "--nproc_per_node", str(processes)]
        done = subprocess.run(launcher + script, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{kind} {model} x{processes} failed:\n{done.stderr[-3000:]}")
        return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(SIZES))
    parser.add_argument("--sequences", type=int, default=1024, help="training sequences (one epoch)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per process (default: cores / processes)"
    )
    parser.add_argument("--child", choices=("ours", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.child == "ours":
        return child_ours(ns)
    if ns.child == "bare":
        return child_bare(ns)
    threads = ns.threads or "cores / processes"
    print(f"{ns.sequences} sequences x 365 days, batch {ns.batch_size}, {os.cpu_count()} cores, threads per")
    print(f"process {threads}, one epoch\n")
    print(
        "| model | bare PyTorch seq/s | ours, 1 process seq/s | ours, 2 processes seq/s | data wait (1 proc) |"
    )
    print("|---|---|---|---|---|")
    for model in ns.models:
        bare = run_child("bare", model, 1, ns)
        one = run_child("ours", model, 1, ns)
        two = run_child("ours", model, 2, ns)
        print(
            f"| {model} | {bare['sequences_per_s']:.0f} | {one['sequences_per_s']:.0f} | "
            f"{two['sequences_per_s']:.0f} | {100 * one['data_wait_share']:.2f}% |",
            flush=True,
        )


if __name__ == "__main__":
    main()
