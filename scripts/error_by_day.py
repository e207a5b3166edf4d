"""A checkpoint's error by day of the sequence: how much the first days of each year cost.

Every example is one calendar year that a model reads from 1 January with no state carried from the
year before: a causal model (LSTM, EA-LSTM, TCN) has no history on its first days, and a target that is a
slow state (soil temperature, LAI, soil nitrate) is then predicted from that day's weather alone. This
prints the RMSE (physical units) of each target on day 1, days 2-7 and days 8-31 of the sequences (all
still January, so a fair comparison within a season), over the whole year and over the year without its
first week, and with ``--plot`` draws
each target's RMSE per day over the first ``--days`` days relative to its RMSE on days 8-31.

    python scripts/error_by_day.py agroflux_hf/checkpoints/lstm-temporal_dssat_ceres_maize \\
        --config temporal_dssat_ceres_maize [--split test] [--plot first_days.png]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

WINDOWS = {
    "day 1": slice(0, 1),
    "days 2-7": slice(1, 7),
    "days 8-31": slice(7, 31),
    "whole year": slice(None),
    "days 8-365": slice(7, None),  # the whole year without its first week: what the first week costs
}
REFERENCE = "days 8-31"


def _rmse_over(squared: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """RMSE over ``axis`` of squared errors, NaN (unobserved) entries left out; NaN where none is observed."""
    count = np.sum(~np.isnan(squared), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.nansum(squared, axis=axis) / np.where(count > 0, count, np.nan))


def rmse_by_day(obs: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(days, targets) RMSE over the sequences that observe each day; NaN where none does."""
    return _rmse_over((predicted - obs) ** 2, axis=0)


def rmse_by_window(obs: np.ndarray, predicted: np.ndarray) -> dict[str, np.ndarray]:
    """Per window of WINDOWS, (targets,) RMSE pooled over the window's observed days."""
    squared = (predicted - obs) ** 2
    return {label: _rmse_over(squared[:, days], axis=(0, 1)) for label, days in WINDOWS.items()}


def markdown_table(target_names: Sequence[str], windows: dict[str, np.ndarray]) -> str:
    from agroflux_hf import schema

    header = ["target", "unit", *WINDOWS, f"day 1 / {REFERENCE}"]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for j, name in enumerate(target_names):
        values = [windows[label][j] for label in WINDOWS]
        ratio = windows["day 1"][j] / windows[REFERENCE][j]
        cells = [name, schema.unit(name), *(f"{v:.3g}" for v in values), f"{ratio:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_first_days(
    target_names: Sequence[str], by_day: np.ndarray, reference: np.ndarray, days: int, path: Path
):
    import matplotlib.pyplot as plt

    from agroflux_hf.benchmark.plots import save_figure  # sets the Agg backend on import

    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(1, days + 1)
    colours = plt.get_cmap("tab20").colors
    for j, name in enumerate(target_names):
        ax.plot(x, by_day[:days, j] / reference[j], label=name, lw=1.2, color=colours[j % len(colours)])
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("day of the sequence (1 = 1 January)")
    ax.set_ylabel(f"RMSE / RMSE on {REFERENCE}")
    ax.set_title("Error by day of the sequence")
    ax.legend(fontsize=7, ncol=2)
    return save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a save_pretrained folder or a Hub model id")
    parser.add_argument("--config", required=True, help="dataset config, e.g. temporal_dssat_ceres_maize")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"])
    parser.add_argument("--data-dir", default=None, help="dataset folder or Hub id (default: AgroFlux-mini)")
    parser.add_argument("--plot", type=Path, default=None, help="PNG of the first days' RMSE")
    parser.add_argument("--days", type=int, default=60, help="days the plot shows")
    parser.add_argument("--targets", nargs="+", default=None, help="targets to report (default: all)")
    args = parser.parse_args(argv)

    from agroflux_hf.data.loading import config_info, load_agroflux
    from agroflux_hf.models import load_model
    from agroflux_hf.training.tensors import predict_dataset

    model = load_model(args.checkpoint)
    dataset = load_agroflux(args.config, data_dir=args.data_dir)[args.split]
    predictions = predict_dataset(model, dataset, info=config_info(args.config, args.data_dir))
    names = list(predictions.target_names)
    unknown = sorted(set(args.targets or ()) - set(names))
    if unknown:
        parser.error(
            f"--targets {unknown}: not among the targets this checkpoint predicts on {args.config}: {names}"
        )
    keep = [names.index(n) for n in args.targets] if args.targets else list(range(len(names)))
    names, obs, predicted = (
        [names[j] for j in keep],
        predictions.obs[..., keep],
        predictions.predicted[..., keep],
    )
    windows = rmse_by_window(obs, predicted)
    causal = "whole year" if model.config.sees_future else "causal"
    print(f"{args.checkpoint} ({model.config.model_type}, {causal}) on {args.config} {args.split}: RMSE")
    print(markdown_table(names, windows))
    if args.plot is not None:
        print(plot_first_days(names, rmse_by_day(obs, predicted), windows[REFERENCE], args.days, args.plot))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
