"""Train and evaluate an AgroFlux model with transformers' ``Trainer`` instead of ``agroflux train``.

The models are plain transformers models (``labels``, ``return_dict``, ``keys_to_ignore_at_inference``),
so the stock Trainer runs them; this script is the whole set-up, scored by the AgroFlux metric:

    python scripts/trainer_example.py --config temporal_co2 --model lstm --epochs 3 --output-dir runs/trainer
    python scripts/trainer_example.py --max-steps 4 --hidden-size 8 --output-dir /tmp/trainer   # a smoke run

It prints the validation and test scores (``eval_loss``, ``eval_NEE/pooled/rmse``, ...) as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from transformers import Trainer, TrainingArguments

from agroflux_hf.metrics.trainer import trainer_compute_metrics
from agroflux_hf.training.hf_trainer import model_for_config, trainer_datasets


def run(args: argparse.Namespace) -> dict[str, float]:
    """Train on ``train``, evaluate on ``validation`` every epoch, then score ``test``."""
    model = model_for_config(args.model, args.config, args.data_dir, hidden_size=args.hidden_size)
    data = trainer_datasets(args.config, model, args.data_dir)
    names = model.config.target_names
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=args.output_dir,
            num_train_epochs=args.epochs,
            max_steps=args.max_steps,
            per_device_train_batch_size=args.batch_size,
            per_device_eval_batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            eval_strategy="epoch" if args.max_steps < 0 else "no",
            save_strategy="no",
            report_to="none",
            seed=args.seed,
            disable_tqdm=True,
            dataloader_pin_memory=False,
        ),
        train_dataset=data["train"],
        eval_dataset=data["validation"],
        compute_metrics=trainer_compute_metrics(names, site_ids=data["validation"].site_ids),
    )
    trainer.train()
    scores = trainer.evaluate()
    trainer.compute_metrics = trainer_compute_metrics(names, site_ids=data["test"].site_ids)
    scores |= trainer.evaluate(data["test"], metric_key_prefix="test")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="temporal_co2", help="dataset config")
    parser.add_argument("--model", default="lstm", help="architecture (agroflux_hf.models.MODEL_NAMES)")
    parser.add_argument("--data-dir", default=None, help="dataset folder or Hub repo id (default: embedded)")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after N steps (-1: the epochs)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--hidden-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    scores = run(parser.parse_args(argv))
    print(json.dumps(scores, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
