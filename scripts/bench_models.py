"""Throughput of the six AgroFlux models against today's code and a bare module of the same core, in one run.

For every architecture at the paper's sizes (hidden 50, 3 layers, 5 heads, dropout 0.2; the release's 7
daily + 4 static inputs and 20 targets; 365 days unless ``--days``) this times, alternating step by step so
machine load hits all alike:

* ours: ``<Arch>ForFluxRegression`` (normalisation, NaN masking, masked loss, physical units);
* before: the same model and weights on the code path issue 13 replaced (torch's dropout; the Pyraformer's
  dense-mask attention; attention at the unpadded head size; the EA-LSTM's autograd loop over days), so
  ``ours / before`` is the speed-up;
* bare: the same core layers with a linear head and a plain MSE, fed normalised tensors, no wrapper
  (for the LSTM ``nn.LSTM`` + ``nn.Linear`` as the published code; ``ealstm-vs-lstm`` compares the EA-LSTM
  with ``nn.LSTM`` of the same width and layers, oneDNN's fused kernel).

Train = forward + backward (seq/s), inference = forward in eval mode without gradients (seq/s). Peak
memory is that of one training step of ours and of before, each in a fresh subprocess (CPU: the rise of the
peak resident set; CUDA: ``max_memory_allocated``). The share of the matmul limit is the step's matmul and
convolution FLOPs (``torch.utils.flop_counter``; elementwise work such as the sparse attention is not
counted) per second of ours, divided by the rate of a float32 square matmul measured in the same run.

    python scripts/bench_models.py --threads 1 --steps 2          # all models, batch 256, 365 days
    python scripts/bench_models.py --models pyraformer --days 365 730 1460 --batch-size 64
    python scripts/bench_models.py --device cuda --bf16 --compile  # on a GPU
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from agroflux_hf import schema
from agroflux_hf.allocator import keep_freed_memory
from agroflux_hf.data.sources.release_layout import RELEASE_INPUT_NAMES, RELEASE_TARGET_NAMES
from agroflux_hf.models import MODEL_NAMES, build_model
from agroflux_hf.models.base import repeat_static_daily
from agroflux_hf.models.dropout import torch_dropout
from agroflux_hf.models.ealstm import EALSTMLayer

STATIC_NAMES = schema.static_input_names(RELEASE_INPUT_NAMES)
DYNAMIC_NAMES = schema.dynamic_input_names(RELEASE_INPUT_NAMES)
TARGET_NAMES = RELEASE_TARGET_NAMES
PAPER_SIZES = {"hidden_size": 50, "dropout": 0.2}
EALSTM_VS_LSTM = "ealstm-vs-lstm"


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
    observed flags), so the bare module does the same core work without the wrapper's masking; the same
    dropout before the head as ours, with torch's ``nn.Dropout``.
    """

    def __init__(self, core: nn.Module, hidden_size: int, n_targets: int, lstm: bool, dropout: float) -> None:
        super().__init__()
        self.core, self.lstm = core, lstm
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_targets)

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        if self.lstm:
            hidden, _ = self.core(repeat_static_daily(daily, static))
        else:
            hidden = self.core(daily, static)
        return self.head(self.dropout(hidden))


def bare_twin(name: str, model: nn.Module) -> BareModel:
    """A bare module of the same shape: nn.LSTM for the LSTM (and EA-LSTM vs LSTM), a copy of the backbone otherwise."""
    config = model.config
    if name in ("lstm", EALSTM_VS_LSTM):
        core = nn.LSTM(
            config.num_daily_features + len(config.static_names),
            config.hidden_size,
            config.num_hidden_layers,
            dropout=config.dropout,
            batch_first=True,
        )
        return BareModel(core, config.hidden_size, len(config.target_names), True, config.dropout)
    core = type(model.backbone)(config)
    core.load_state_dict(model.backbone.state_dict())  # same weights: custom layers start uninitialised
    return BareModel(core, config.hidden_size, len(config.target_names), False, config.dropout)


@contextlib.contextmanager
def code_before_issue_13(model: nn.Module) -> Iterator[None]:
    """Run ``model`` on the replaced code paths (same weights): torch's dropout, dense pyramidal attention,
    unpadded attention heads, the EA-LSTM's autograd loop, the head then denormalisation in inference."""
    encoder = getattr(model.backbone, "encoder", None)
    dense, pad_heads = getattr(encoder, "dense", None), getattr(encoder, "pad_heads", None)
    if dense is not None:
        encoder.dense = True
    if pad_heads is not None:
        encoder.pad_heads = False
    layers = [m for m in model.modules() if isinstance(m, EALSTMLayer)]
    for layer in layers:
        layer.forward = layer.day_loop
    model._head_in_units = lambda features: model.scaler.denormalise(model.head(features), "targets")
    try:
        with torch_dropout():
            yield
    finally:
        if dense is not None:
            encoder.dense = dense
        if pad_heads is not None:
            encoder.pad_heads = pad_heads
        for layer in layers:
            del layer.forward
        del model._head_in_units


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(step: Callable[[], None], device: torch.device) -> float:
    synchronise(device)
    start = time.perf_counter()
    step()
    synchronise(device)
    return time.perf_counter() - start


def matmul_limit(device: torch.device, size: int = 2048, dtype: torch.dtype = torch.float32) -> float:
    """FLOP/s of a square float matmul on this device and thread count (the best of three)."""
    a, b = (
        torch.randn(size, size, device=device, dtype=dtype),
        torch.randn(size, size, device=device, dtype=dtype),
    )
    a @ b
    return 2 * size**3 / min(timed(lambda: a @ b, device) for _ in range(3))


class Workload:
    """One architecture at one length: ours, its bare twin, inputs, and the three kinds of step."""

    def __init__(
        self,
        name: str,
        batch_size: int,
        days: int,
        device: torch.device,
        args: argparse.Namespace | None = None,
    ):
        """``args``: this script's options; ``bf16``, ``compile`` and ``compile_attention`` are off where
        absent (the other speed scripts pass their own options or none)."""
        arch = "ealstm" if name == EALSTM_VS_LSTM else name
        torch.manual_seed(0)
        bf16, compile_all, compile_attention = (
            getattr(args, flag, False) for flag in ("bf16", "compile", "compile_attention")
        )
        self.name, self.device, self.bf16 = name, device, bf16
        self.model = build_model(
            arch,
            input_names=DYNAMIC_NAMES,
            static_names=STATIC_NAMES,
            target_names=TARGET_NAMES,
            **paper_overrides(arch, days),
        ).to(device)
        self.bare = bare_twin(name, self.model).to(device)
        self.ours_call, self.bare_call = self.model, self.bare
        if compile_attention:  # ours only: TrainingArguments.compile_attention
            from agroflux_hf.training.plans import use_compiled_attention

            use_compiled_attention(self.model, True)
        if compile_all:
            self.ours_call, self.bare_call = torch.compile(self.model), torch.compile(self.bare)
        self.daily = torch.randn(batch_size, days, len(DYNAMIC_NAMES), device=device)
        self.bare_daily = torch.randn(batch_size, days, self.model.config.num_daily_features, device=device)
        self.static = torch.randn(batch_size, len(STATIC_NAMES), device=device)
        self.targets = torch.randn(batch_size, days, len(TARGET_NAMES), device=device)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.bf16:
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def ours_train(self) -> None:
        self.model.train().zero_grad(set_to_none=True)
        with self.autocast():
            loss = self.ours_call(self.daily, self.static, target_values=self.targets).loss
        loss.backward()

    def before_train(self) -> None:
        with code_before_issue_13(self.model):
            self.model.train().zero_grad(set_to_none=True)
            with self.autocast():
                loss = self.model(self.daily, self.static, target_values=self.targets).loss
            loss.backward()

    def bare_train(self) -> None:
        self.bare.train().zero_grad(set_to_none=True)
        with self.autocast():
            loss = nn.functional.mse_loss(self.bare_call(self.bare_daily, self.static).float(), self.targets)
        loss.backward()

    @torch.no_grad()
    def ours_infer(self) -> None:
        with self.autocast():
            self.ours_call.eval()(self.daily, self.static)

    @torch.no_grad()
    def before_infer(self) -> None:
        with code_before_issue_13(self.model), self.autocast():
            self.model.eval()(self.daily, self.static)

    @torch.no_grad()
    def bare_infer(self) -> None:
        with self.autocast():
            self.bare_call.eval()(self.bare_daily, self.static)


def interleaved(steps: dict[str, Callable[[], None]], repeats: int, device: torch.device) -> dict[str, float]:
    """Seconds per step of each callable, timed in turn ``repeats`` times after one warm-up each.

    Every other round runs in reverse order (A B C, C B A, ...): whichever step runs first in a round was
    measured up to 20 % slower, and an even ``repeats`` cancels that.
    """
    for step in steps.values():
        step()
    total = dict.fromkeys(steps, 0.0)
    for repeat in range(repeats):
        for key in list(steps)[:: -1 if repeat % 2 else 1]:
            total[key] += timed(steps[key], device)
    return {key: seconds / repeats for key, seconds in total.items()}


def lstm_flops(module: nn.LSTM, sequences: int, days: int) -> int:
    """Forward + backward matmul FLOPs of a fused ``nn.LSTM`` (the flop counter does not see its kernel)."""
    width, total = module.input_size, 0
    for _ in range(module.num_layers):
        total += 3 * 2 * sequences * days * 4 * module.hidden_size * (width + module.hidden_size)
        width = module.hidden_size
    return total


def train_flops(work: Workload) -> int:
    """Matmul and convolution FLOPs of one training step of ours."""
    with FlopCounterMode(display=False) as counter:
        work.ours_train()
    batch, days = work.daily.shape[:2]
    fused = sum(lstm_flops(m, batch, days) for m in work.model.modules() if isinstance(m, nn.LSTM))
    for layer in (m for m in work.model.modules() if isinstance(m, EALSTMLayer)):  # torch.lstm inside
        inputs = layer.weight_dynamic.shape[0] + layer.weight_static.shape[0]
        fused += lstm_flops(nn.LSTM(inputs, layer.hidden_size), batch, days)
    return counter.get_total_flops() + fused


def peak_memory_mb(name: str, days: int, variant: str, args: argparse.Namespace) -> float:
    """Peak memory of one training step of ``variant`` (ours / before), measured in a fresh subprocess."""
    command = [sys.executable, __file__, "--memory-probe", variant, "--models", name, "--days", str(days)]
    command += ["--batch-size", str(args.batch_size), "--device", args.device]
    command += ["--threads", str(args.threads)] if args.threads else []
    command += ["--bf16"] if args.bf16 else []
    command += ["--malloc", args.malloc]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def memory_probe(args: argparse.Namespace) -> int:
    """Child process of :func:`peak_memory_mb`: one warm-up-free training step, print the peak in MB."""
    device = torch.device(args.device)
    work = Workload(args.models[0], args.batch_size, args.days[0], device, args)
    step = work.ours_train if args.memory_probe == "ours" else work.before_train
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        step()
        print(torch.cuda.max_memory_allocated() / 2**20)
        return 0
    before = resident_mb("VmRSS")
    reset_peak_rss()
    step()
    print(max(0.0, resident_mb("VmHWM") - before))
    return 0


def resident_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB, from /proc/self/status.

    Not ``ru_maxrss``: Linux carries the parent's peak over into a child, so it cannot show the child's own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}: peak memory needs Linux")


def reset_peak_rss() -> None:
    """Set the peak resident set to the current one (Linux: ``5`` into /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def bench_one(name: str, days: int, limit: float, args: argparse.Namespace) -> dict:
    device = torch.device(args.device)
    work = Workload(name, args.batch_size, days, device, args)
    train = interleaved(
        {"ours": work.ours_train, "before": work.before_train, "bare": work.bare_train}, args.steps, device
    )
    infer = interleaved(
        {"ours": work.ours_infer, "before": work.before_infer, "bare": work.bare_infer}, args.steps, device
    )
    rate = {
        f"{kind}_{key}": args.batch_size / s
        for kind, d in (("train", train), ("infer", infer))
        for key, s in d.items()
    }
    flops = train_flops(work) if not args.compile else 0
    row = {
        "model": name,
        "days": days,
        "parameters": parameter_count(work.model),
        **rate,
        "share_of_limit": flops / train["ours"] / limit if flops else float("nan"),
    }
    if args.memory:
        row["peak_mb_ours"] = peak_memory_mb(name, days, "ours", args)
        row["peak_mb_before"] = peak_memory_mb(name, days, "before", args)
    return row


def markdown_table(rows: list[dict], args: argparse.Namespace, limit: float) -> str:
    lines = [
        "| model | days | ours train seq/s | before | ours / before | bare | ours / bare | ours infer seq/s "
        "| ours / bare infer | peak MB ours | peak MB before | share of the matmul limit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        memory = f"{r['peak_mb_ours']:,.0f} | {r['peak_mb_before']:,.0f}" if "peak_mb_ours" in r else "- | -"
        lines.append(
            f"| {r['model']} | {r['days']} | {r['train_ours']:.1f} | {r['train_before']:.1f} | "
            f"{r['train_ours'] / r['train_before']:.2f} | {r['train_bare']:.1f} | "
            f"{r['train_ours'] / r['train_bare']:.2f} | {r['infer_ours']:.1f} | "
            f"{r['infer_ours'] / r['infer_bare']:.2f} | {memory} | {100 * r['share_of_limit']:.0f} % |"
        )
    lines.append("")
    lines.append(
        f"batch {args.batch_size}, {args.device}, {torch.get_num_threads()} threads, "
        f"{'bf16 autocast, ' if args.bf16 else ''}{'torch.compile, ' if args.compile else ''}"
        f"{'compiled sparse attention (ours), ' if args.compile_attention else ''}"
        f"{'malloc keeps freed memory, ' if getattr(args, 'malloc_tuned', False) else ''}"
        f"matmul limit {limit / 1e9:.0f} GFLOP/s, torch {torch.__version__}, {platform.processor() or platform.machine()}"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--days", type=int, nargs="+", default=[schema.SEQUENCE_LENGTH])
    parser.add_argument(
        "--steps", type=int, default=3, help="timed steps per variant (after one warm-up step)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    choices = [*MODEL_NAMES, EALSTM_VS_LSTM]
    parser.add_argument("--models", nargs="+", choices=choices, default=choices)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (where the hardware has it)")
    parser.add_argument("--compile", action="store_true", help="torch.compile ours and bare")
    parser.add_argument(
        "--compile-attention",
        action="store_true",
        help="ours with TrainingArguments.compile_attention (the Pyraformer's sparse attention compiled)",
    )
    parser.add_argument(
        "--no-memory", dest="memory", action="store_false", help="skip the peak-memory subprocesses"
    )
    parser.add_argument(
        "--malloc",
        choices=["package", "default"],
        default="package",
        help="package: glibc malloc keeps freed memory, as the agroflux commands set it "
        "(agroflux_hf.allocator); default: the settings this process started with",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--memory-probe", choices=["ours", "before"], default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    args.malloc_tuned = args.malloc == "package" and keep_freed_memory()
    if args.memory_probe:
        return memory_probe(args)
    device = torch.device(args.device)
    limit = matmul_limit(device)
    rows = []
    for name in args.models:
        for days in args.days:
            rows.append(bench_one(name, days, limit, args))
            r = rows[-1]
            print(
                f"{name} {days} days: train {r['train_ours']:.1f} seq/s (before {r['train_before']:.1f}, "
                f"bare {r['train_bare']:.1f})",
                flush=True,
            )
    print()
    print(markdown_table(rows, args, limit))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
