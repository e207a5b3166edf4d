"""``agroflux data publish FOLDER --repo-id ORG/NAME [--private] [--revision BRANCH] [--create-pr]
[--commit-message TEXT] [--commit-description TEXT] [--allow-unstated] [--dry-run OUT]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``publish`` to ``agroflux data``."""
    p = subparsers.add_parser(
        "publish",
        help="upload an exported dataset folder to the Hub (sources whose terms forbid it are left out)",
    )
    p.add_argument(
        "folder", type=Path, help="a folder written by `agroflux data export` or build-default --out"
    )
    p.add_argument("--repo-id", required=True, help="ORG/NAME of the Hub dataset repository")
    p.add_argument(
        "--private",
        action="store_true",
        default=None,
        help="create the repository as private (default: the organisation's default visibility)",
    )
    p.add_argument(
        "--revision", default=None, help="branch to commit to (created when missing; default: main)"
    )
    p.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
    p.add_argument("--allow-unstated", action="store_true", help="upload sources whose terms are not stated")
    p.add_argument("--dry-run", type=Path, default=None, metavar="OUT", help="copy the upload to OUT")
    p.add_argument("--token-env", default="HF_TOKEN", metavar="NAME", help="variable holding the token")
    p.add_argument(
        "--commit-message",
        default=None,
        help="commit message (default: agroflux_hf's dataset upload message)",
    )
    p.add_argument(
        "--commit-description",
        default=None,
        help="commit description (default: the configs and each source's licence)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Publish (or stage); a refused folder is one line on stderr and exit code 1."""
    from agroflux_hf.data.publishing import DEFAULT_DATASET_COMMIT_MESSAGE, publish_dataset
    from agroflux_hf.data.redistribution import left_out_sources
    from agroflux_hf.publish import PublishError, _token_from_env

    try:
        token = None if args.dry_run is not None else _token_from_env(args.token_env)
        result = publish_dataset(
            args.folder,
            args.repo_id,
            token=token,
            private=args.private,
            allow_unstated=args.allow_unstated,
            dry_run_dir=args.dry_run,
            commit_message=args.commit_message or DEFAULT_DATASET_COMMIT_MESSAGE,
            description=args.commit_description,
            revision=args.revision,
            create_pr=args.create_pr,
        )
        left_out = left_out_sources(args.folder)
    except PublishError as err:
        print(f"agroflux data publish: {err}", file=sys.stderr)
        return 1
    key = "dry_run_dir" if args.dry_run is not None else ("pr_url" if args.create_pr else "commit_url")
    report = {"repo_id": args.repo_id, "revision": args.revision, key: result, "left_out": {}}
    for item in left_out:  # publish_dataset has logged each as a warning (stderr)
        report["left_out"][item.source] = {"reason": item.reason, "configs": item.configs}
    print(json.dumps(report))
    return 0
