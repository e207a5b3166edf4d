"""How far a fold's test sites lie outside the training sites' static features, and what that costs a model.

In a spatial fold the test sites are places no training sequence came from, and their static features
(soil, coordinates, elevation) can lie many training standard deviations away: AgroFlux-mini's DSSAT
simulations come from six regions, and a fold trains on three to five of them. A tree cannot go beyond its
last split; a network multiplies the normalised value, however large. This prints, per test site, the
static features whose z-score (the config's own training statistics, those a model normalises with) is
beyond ``--z-limit``, and, for each checkpoint given, its test R² per target on the data as they are and
with every static feature clipped to the range of the training split (and, with ``--clip-z K``, to the
training mean ± K standard deviations, a bound a model could apply without the training data). The clipped score is a diagnostic
of the cause, not a protocol: the benchmark scores the data as they are.

    python scripts/static_extrapolation.py spatial_dssat_ceres_maize_fold1 \\
        --checkpoints RESULTS/runs/t0__transformer__spatial_dssat_ceres_maize_fold1__seed0/best_model \\
        --targets NEE GPP ET N2O_FLUX
    python scripts/static_extrapolation.py all   # per config and split: the largest |z| of any sequence
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from agroflux_hf.data.statistics import FAR_STATIC_Z, far_features, z_scores
from agroflux_hf.training.plans import observed_range as training_range  # the range --bound-statics writes


def z_bounds(
    names: Sequence[str], stats: Mapping[str, Mapping], limit: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(low, high) = training mean ∓ ``limit`` training SDs per feature, as a model normalises
    (:meth:`schema.VariableStats.usable`); NaN (no bound) for a feature never observed in training."""
    from agroflux_hf.schema import VariableStats

    low, high = [], []
    for name in names:
        entry = VariableStats.from_entry(stats.get(name) or {})
        mean, std = entry.usable()
        low.append(mean - limit * std if entry.observed else math.nan)
        high.append(mean + limit * std if entry.observed else math.nan)
    return torch.tensor(low), torch.tensor(high)


def clipped_static(split, low: torch.Tensor, high: torch.Tensor):
    """``split`` (a ``SplitTensors``) with its static features clipped to [low, high]; NaN stays NaN.

    A feature never observed in training (low and high NaN) is left as it is (an infinite bound).
    """
    low, high = low.nan_to_num(nan=-torch.inf), high.nan_to_num(nan=torch.inf)
    return dataclasses.replace(split, static=torch.minimum(torch.maximum(split.static, low), high))


def pooled_r2(predictions, target: str) -> float:
    from agroflux_hf.metrics.core import r2

    j = predictions.target_names.index(target)
    return r2(predictions.obs[..., j].ravel(), predictions.predicted[..., j].ravel())


def site_report(info, test, limit: float) -> list[str]:
    """One line per test site: its static features beyond ``limit`` training standard deviations."""
    lines = []
    for site in sorted(set(test.site_ids)):
        row = test.static[int(np.flatnonzero(test.site_ids == site)[0])].tolist()
        far = far_features(z_scores(row, info.static_names, info.stats.get("static", {})), limit)
        shown = ", ".join(f"{name} {v:+.1f}" for name, v in far.items()) or "none"
        lines.append(f"- {site}: {shown}")
    return lines


def outside_range(static: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> int:
    """How many static values lie outside [low, high] (NaN values and unbounded attributes not counted):
    what ``--bound-statics`` would clip."""
    return int(((static < low) | (static > high)).sum())


def all_configs_table(data_dir: str | None) -> list[str]:
    """Markdown rows: per config, each split's largest |z| (feature), the attributes constant over training
    that vary elsewhere, and how many validation and test values lie outside the training range."""
    from agroflux_hf.data.loading import config_info, list_configs, load_agroflux
    from agroflux_hf.data.statistics import static_reach
    from agroflux_hf.training.tensors import split_tensors

    lines = [
        "| config | train | validation | test | constant in training, another value in validation or test "
        "| values outside the training range (validation, test) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for config in list_configs(data_dir):
        info = config_info(config, data_dir)
        splits = load_agroflux(config, data_dir=data_dir)
        names = (info.input_names, info.static_names, info.target_names)
        tensors = {split: split_tensors(splits[split], *names).static for split in splits}
        bounds = training_range(tensors["train"])
        cells, unseen, outside = [], set(), []
        for split in ("train", "validation", "test"):
            if split not in tensors:
                cells.append("-")
                continue
            reach = static_reach(tensors[split].numpy(), info.static_names, info.stats.get("static", {}))
            cells.append(f"{reach.largest_z:.1f} ({reach.attribute})" if reach.attribute else "0.0")
            unseen |= set(reach.unseen)
            if split != "train":
                outside.append(str(outside_range(tensors[split], *bounds)))
        lines.append(
            f"| {config} | "
            + " | ".join(cells)
            + f" | {', '.join(sorted(unseen)) or '-'} | {', '.join(outside)} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "config", help="a dataset config, e.g. spatial_dssat_ceres_maize_fold1, or 'all' for the table of all"
    )
    parser.add_argument("--checkpoints", nargs="*", default=[], help="save_pretrained folders or Hub ids")
    parser.add_argument("--targets", nargs="+", default=["NEE"], help="targets to score (default: NEE)")
    parser.add_argument(
        "--z-limit", type=float, default=FAR_STATIC_Z, help="list static features beyond this |z|"
    )
    parser.add_argument(
        "--clip-z",
        type=float,
        default=None,
        help="also score with statics clipped to the training mean ± this many SDs",
    )
    parser.add_argument("--data-dir", default=None, help="dataset folder or Hub id (default: AgroFlux-mini)")
    args = parser.parse_args(argv)

    from agroflux_hf.data.loading import config_info, load_agroflux
    from agroflux_hf.models import load_model
    from agroflux_hf.training.tensors import predict_dataset, split_tensors

    if args.config == "all":
        print("Largest |z| of a static feature (training statistics) over the sequences of each split:")
        print("\n".join(all_configs_table(args.data_dir)))
        return 0
    info = config_info(args.config, args.data_dir)
    splits = load_agroflux(args.config, data_dir=args.data_dir)
    names = (info.input_names, info.static_names, info.target_names)
    train, test = (split_tensors(splits[s], *names) for s in ("train", "test"))
    print(f"{args.config}: test sites' static features beyond |z| > {args.z_limit} (training statistics)")
    print("\n".join(site_report(info, test, args.z_limit)))
    if not args.checkpoints:
        return 0
    variants = {"statics clipped to the training range": clipped_static(test, *training_range(train.static))}
    if args.clip_z is not None:
        bounds = z_bounds(info.static_names, info.stats.get("static", {}), args.clip_z)
        variants[f"clipped to the training mean ± {args.clip_z:g} SD"] = clipped_static(test, *bounds)
    print("\n| checkpoint | target | test R² | " + " | ".join(variants) + " |")
    print("|---|---|---:|" + "---:|" * len(variants))
    for checkpoint in args.checkpoints:
        model = load_model(checkpoint)
        plain = predict_dataset(model, test)
        unknown = sorted(set(args.targets) - set(plain.target_names))
        if unknown:
            parser.error(f"--targets {unknown}: not predicted by {checkpoint} ({list(plain.target_names)})")
        others = [predict_dataset(model, data) for data in variants.values()]
        for target in args.targets:
            scores = " | ".join(f"{pooled_r2(p, target):.2f}" for p in (plain, *others))
            print(f"| {checkpoint} ({model.config.model_type}) | {target} | {scores} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
