"""``agroflux publish MODEL_DIR --repo-id ORG/NAME [--dry-run OUT]``: upload a trained model with its card."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``publish`` to the top-level ``agroflux`` command."""
    publish = subparsers.add_parser(
        "publish", help="upload a trained model folder (with its card) to the Hub"
    )
    publish.add_argument("model_dir", type=Path, help="a save_pretrained folder, e.g. runs/t1/best_model")
    publish.add_argument("--repo-id", required=True, help="ORG/NAME of the Hub model repository")
    publish.add_argument(
        "--dry-run",
        type=Path,
        default=None,
        metavar="OUT",
        help="write the upload folder to OUT, send nothing",
    )
    publish.add_argument("--private", action="store_true", help="create the repository as private")
    publish.add_argument(
        "--token-env",
        default="HF_TOKEN",
        metavar="NAME",
        help="environment variable holding the access token (default HF_TOKEN; unset = the saved login)",
    )
    publish.add_argument(
        "--commit-message", default=None, help="commit message (default: agroflux_hf's model upload message)"
    )
    publish.add_argument(
        "--extra-file", action="append", default=[], help="another file of MODEL_DIR to upload"
    )
    publish.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Publish (or stage with ``--dry-run``) and print the commit URL or the staging folder as JSON."""
    from agroflux_hf.publish import DEFAULT_COMMIT_MESSAGE, _token_from_env, publish_model

    token = None if args.dry_run is not None else _token_from_env(args.token_env)
    result = publish_model(
        args.model_dir,
        args.repo_id,
        token=token,
        private=args.private,
        dry_run_dir=args.dry_run,
        commit_message=args.commit_message or DEFAULT_COMMIT_MESSAGE,
        extra_files=args.extra_file,
    )
    key = "dry_run_dir" if args.dry_run is not None else "commit_url"
    print(json.dumps({"repo_id": args.repo_id, key: result}))
    return 0
