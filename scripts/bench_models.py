"""Throughput of the six AgroFlux models against bare PyTorch modules of the same shape, in one run.

For every architecture at the paper's sizes (hidden 50, 3 layers, 5 heads, dropout 0.2; the release's 7
daily + 4 static inputs and 20 targets; 365 days) this times forward + backward on CPU for

* ours: ``<Arch>ForFluxRegression`` (normalisation, NaN masking, masked loss, physical units), and
* bare: the same core layers with a linear head and a plain MSE, no wrapper (for the LSTM: ``nn.LSTM`` +
  ``nn.Linear``, as the published code uses),

alternating the two step by step so machine load hits both alike, and prints a markdown table. The ratio
is ours / bare throughput (1.0 = no wrapper cost).

    python scripts/bench_models.py                      # batch 256, 3 timed steps per model
    python scripts/bench_models.py --batch-size 64 --steps 2 --models lstm tcn
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from torch import nn

from agroflux_hf import schema
from agroflux_hf.data.sources.release_layout import RELEASE_INPUT_NAMES, RELEASE_TARGET_NAMES
from agroflux_hf.models import MODEL_NAMES, build_model
from agroflux_hf.models.base import repeat_static_daily

STATIC_NAMES = schema.static_input_names(RELEASE_INPUT_NAMES)
DYNAMIC_NAMES = schema.dynamic_input_names(RELEASE_INPUT_NAMES)
TARGET_NAMES = RELEASE_TARGET_NAMES
PAPER_SIZES = {"hidden_size": 50, "dropout": 0.2}


def paper_overrides(name: str, days: int) -> dict:
    """The paper's baseline sizes, expressed in each architecture's config fields."""
    overrides = dict(PAPER_SIZES)
    if name != "tcn":
        overrides["num_hidden_layers"] = 3
    if name in ("transformer", "itransformer", "pyraformer"):
        overrides["num_attention_heads"] = 5
    if name in ("tcn", "itransformer"):
        overrides["sequence_length"] = days
    return overrides


class BareModel(nn.Module):
    """Core layers + linear head, fed normalised tensors directly: what the wrapper costs is measured against this.

    Its daily input has the backbone's width (``config.num_daily_features``: the inputs and, by default, their
    observed flags), so the bare module does the same core work without the wrapper's masking.
    """

    def __init__(self, core: nn.Module, hidden_size: int, n_targets: int, lstm: bool) -> None:
        super().__init__()
        self.core, self.lstm = core, lstm
        self.head = nn.Linear(hidden_size, n_targets)

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        if self.lstm:
            hidden, _ = self.core(repeat_static_daily(daily, static))
        else:
            hidden = self.core(daily, static)
        return self.head(hidden)


def bare_twin(name: str, model: nn.Module) -> BareModel:
    """A bare module of the same shape: nn.LSTM for the LSTM, a copy of the backbone otherwise."""
    config = model.config
    if name == "lstm":
        core = nn.LSTM(
            config.num_daily_features + len(config.static_names),
            config.hidden_size,
            config.num_hidden_layers,
            dropout=config.dropout,
            batch_first=True,
        )
        return BareModel(core, config.hidden_size, len(config.target_names), lstm=True)
    core = type(model.backbone)(config)
    core.load_state_dict(model.backbone.state_dict())  # same weights: custom layers start uninitialised
    return BareModel(core, config.hidden_size, len(config.target_names), lstm=False)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def timed(step: Callable[[], None]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def bench_one(name: str, batch_size: int, days: int, steps: int) -> dict:
    torch.manual_seed(0)
    model = build_model(
        name,
        input_names=DYNAMIC_NAMES,
        static_names=STATIC_NAMES,
        target_names=TARGET_NAMES,
        **paper_overrides(name, days),
    ).train()
    bare = bare_twin(name, model).train()
    daily = torch.randn(batch_size, days, len(DYNAMIC_NAMES))
    bare_daily = torch.randn(batch_size, days, model.config.num_daily_features)
    static = torch.randn(batch_size, len(STATIC_NAMES))
    targets = torch.randn(batch_size, days, len(TARGET_NAMES))

    def ours_step() -> None:
        model.zero_grad(set_to_none=True)
        model(daily, static, target_values=targets).loss.backward()

    def bare_step() -> None:
        bare.zero_grad(set_to_none=True)
        nn.functional.mse_loss(bare(bare_daily, static), targets).backward()

    ours_step(), bare_step()  # warm-up
    ours_time = bare_time = 0.0
    for _ in range(steps):
        ours_time += timed(ours_step)
        bare_time += timed(bare_step)
    ours_rate, bare_rate = steps * batch_size / ours_time, steps * batch_size / bare_time
    return {
        "model": name,
        "parameters": parameter_count(model),
        "bare_parameters": parameter_count(bare),
        "ours": ours_rate,
        "bare": bare_rate,
        "ratio": ours_rate / bare_rate,
    }


def markdown_table(rows: list[dict], batch_size: int, days: int) -> str:
    lines = [
        "| model | parameters | bare parameters | ours seq/s | bare seq/s | ours / bare |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['parameters']:,} | {r['bare_parameters']:,} | {r['ours']:.1f} | "
            f"{r['bare']:.1f} | {r['ratio']:.2f} |"
        )
    lines.append("")
    lines.append(
        f"forward + backward, batch {batch_size}, {days} days, {torch.get_num_threads()} CPU threads, "
        f"torch {torch.__version__}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, default=schema.SEQUENCE_LENGTH)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per model (after one warm-up step)")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for name in args.models:
        rows.append(bench_one(name, args.batch_size, args.days, args.steps))
        print(f"{name}: {rows[-1]['ours']:.1f} seq/s (bare {rows[-1]['bare']:.1f})", flush=True)
    print()
    print(markdown_table(rows, args.batch_size, args.days))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
