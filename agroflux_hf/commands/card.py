"""``agroflux card RUN_DIR``: write the model card ``RUN_DIR/best_model/README.md`` from a training run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``card`` to the top-level ``agroflux`` command."""
    card = subparsers.add_parser("card", help="write the model card RUN_DIR/best_model/README.md from a run")
    card.add_argument("run_dir", type=Path, help="output folder of `agroflux train`")
    card.add_argument("--repo-id", default=None, help="Hub id the model will be published under")
    card.add_argument(
        "--base-model",
        default=None,
        help="Hub repo id of the pretrained model (default: the run's --pretrained when it was one)",
    )
    card.add_argument(
        "--dataset-id", default=None, help="Hub repo id of the dataset (default: cards.DEFAULT_DATASET_ID)"
    )
    card.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render and write the card; print its path as JSON."""
    from agroflux_hf.cards import DEFAULT_DATASET_ID, write_model_card_from_run

    path = write_model_card_from_run(
        args.run_dir,
        repo_id=args.repo_id,
        base_model=args.base_model,
        dataset_id=args.dataset_id or DEFAULT_DATASET_ID,
    )
    print(json.dumps({"model_card": str(path)}))
    return 0
