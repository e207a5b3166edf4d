"""``agroflux publish MODEL_DIR --repo-id ORG/NAME [--private] [--revision B] [--create-pr] [--dry-run OUT]``.

Uploads a trained model with its card and the generated remote code (``agroflux_hf.publish``).
"""

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
    publish.add_argument(
        "--private",
        action="store_true",
        default=None,
        help="create the repository as private (default: the account's default visibility)",
    )
    publish.add_argument("--revision", default=None, help="branch to commit to (created when missing)")
    publish.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
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
        revision=args.revision,
        create_pr=args.create_pr,
        dry_run_dir=args.dry_run,
        commit_message=args.commit_message or DEFAULT_COMMIT_MESSAGE,
        extra_files=args.extra_file,
    )
    key = "dry_run_dir" if args.dry_run is not None else "commit_url"
    print(json.dumps({"repo_id": args.repo_id, key: result}))
    return 0
