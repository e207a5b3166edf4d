"""``agroflux evaluate MODEL --config C [--split test] [--output scores.json]``: score a saved model.

MODEL is a ``save_pretrained`` folder or a Hub model repo id ``ORG/NAME`` (``--revision`` or
``ORG/NAME@REVISION``), loaded through ``models.load_model``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agroflux_hf.schema import SPLITS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the top-level ``agroflux`` command."""
    evaluate = subparsers.add_parser("evaluate", help="score a saved model on a config split")
    evaluate.add_argument(
        "model_dir", help="a save_pretrained folder or a Hub model repo id ORG/NAME[@REVISION]"
    )
    evaluate.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit) of ORG/NAME")
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

    model = f"{ns.model_dir}@{ns.revision}" if ns.revision else ns.model_dir
    scores = evaluate_model(model, ns.config, split=ns.split, data_dir=ns.data_dir, batch_size=ns.batch_size)
    if ns.output:
        write_json(ns.output, scores)
    else:
        sys.stdout.write(dumps_json(scores))
    return 0
