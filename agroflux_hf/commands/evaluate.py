"""``agroflux evaluate MODEL_DIR --config C [--split test] [--output scores.json]``: score a saved model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "validation", "test")
"""Local copy of the split names (importing training would import torch for ``--help``)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the top-level ``agroflux`` command."""
    evaluate = subparsers.add_parser("evaluate", help="score a saved model on a config split")
    evaluate.add_argument("model_dir", type=Path)
    evaluate.add_argument("--config", required=True)
    evaluate.add_argument("--split", default="test", choices=SPLITS)
    evaluate.add_argument(
        "--data-dir",
        default=None,
        help="dataset folder or Hub dataset repo ORG/NAME[@REVISION] (default: the embedded AgroFlux-mini)",
    )
    evaluate.add_argument("--batch-size", type=int, default=256)
    evaluate.add_argument("--output", type=Path, default=None, help="JSON file (default: print)")
    evaluate.set_defaults(func=run)


def run(ns: argparse.Namespace) -> int:
    """Scores as strict JSON (NaN -> null), to ``--output`` atomically or to stdout."""
    from agroflux_hf.files import dumps_json, write_json
    from agroflux_hf.training import evaluate_model

    scores = evaluate_model(
        ns.model_dir, ns.config, split=ns.split, data_dir=ns.data_dir, batch_size=ns.batch_size
    )
    if ns.output:
        write_json(ns.output, scores)
    else:
        sys.stdout.write(dumps_json(scores))
    return 0
