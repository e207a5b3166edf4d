"""``agroflux data build-default [--out OUT] [--overwrite]``: export the embedded AgroFlux-mini."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``build-default`` to ``agroflux data``."""
    p = subparsers.add_parser(
        "build-default", help="export the embedded AgroFlux-mini (default: into the cache, printed)"
    )
    p.add_argument("--out", default=None, help="write the dataset folder here instead of the cache")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build into ``--out`` or the cache and print the folder; errors are one line and exit code 1."""
    from agroflux_hf.data.default import default_data_dir, default_source_specs
    from agroflux_hf.data.export import export_dataset
    from agroflux_hf.errors import AgroFluxError

    try:
        if args.out:
            out = export_dataset(default_source_specs(), args.out, overwrite=args.overwrite)
        else:
            out = default_data_dir()
    except (FileExistsError, AgroFluxError) as err:
        print(f"agroflux data build-default: {err}", file=sys.stderr)
        return 1
    print(out)
    return 0
