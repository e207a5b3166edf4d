"""``push_to_hub`` of a training run: write the model card, then publish ``best_model/``.

Why nothing new here: a run pushes exactly what ``agroflux card RUN`` and ``agroflux publish
RUN/best_model`` would (``cards.write_model_card_from_run``, ``publish.publish_model``, which uploads
through the one upload function ``publish.upload_to_hub``), so a pushed run and a run published by
hand are the same files. The repo id is checked before training starts (a typo must not surface
after hours of training); the token is ``HF_TOKEN`` or the saved login.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from agroflux_hf.training.arguments import TrainingArguments

logger = logging.getLogger(__name__)


def check_push_target(args: TrainingArguments) -> None:
    """Refuse an invalid ``hub_model_id`` before any training (``PublishError``)."""
    if args.push_to_hub:
        from agroflux_hf.publish import _check_repo_id

        _check_repo_id(str(args.hub_model_id))


def dataset_id_of_run(run_config: dict) -> str:
    """The Hub dataset the run trained on: its ``data_dir`` when that was a Hub repo id, else the
    default AgroFlux dataset id (the embedded AgroFlux-mini is a part of it)."""
    from agroflux_hf.cards import DEFAULT_DATASET_ID
    from agroflux_hf.hub import is_repo_id, split_revision

    data_dir = run_config.get("data_dir")
    if data_dir and not Path(data_dir).exists():
        repo_id = split_revision(str(data_dir))[0]
        if is_repo_id(repo_id):
            return repo_id
    return DEFAULT_DATASET_ID


def push_run_to_hub(output_dir: str | Path, args: TrainingArguments) -> str:
    """Write ``OUT/best_model/README.md`` from the run and publish ``OUT/best_model`` to
    ``args.hub_model_id``; return the commit URL."""
    from agroflux_hf.cards import write_model_card_from_run
    from agroflux_hf.publish import _token_from_env, publish_model

    output_dir = Path(output_dir)
    run_config = json.loads((output_dir / "run_config.json").read_text(encoding="utf-8"))
    card = write_model_card_from_run(
        output_dir, repo_id=args.hub_model_id, dataset_id=dataset_id_of_run(run_config)
    )
    logger.info("wrote %s; pushing %s to %s", card, output_dir / "best_model", args.hub_model_id)
    return publish_model(
        output_dir / "best_model",
        str(args.hub_model_id),
        token=_token_from_env("HF_TOKEN"),
        private=args.hub_private_repo,
    )
