"""``agroflux data export --release DIR --out OUT [--subsets ...] [--overwrite]``: the official release."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export`` to ``agroflux data``."""
    p = subparsers.add_parser("export", help="export the official AgroFlux release to a dataset folder")
    p.add_argument("--release", required=True, help="folder of the release (t0_mw/, t0_dc/, t1_n2o/, ...)")
    p.add_argument("--out", required=True, help="dataset folder to write (refused if it exists)")
    p.add_argument("--subsets", default=None, help="comma list of ecosys,daycent,co2,n2o (default: all)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export; a bad release or an existing ``--out`` is one line on stderr and exit code 1."""
    from agroflux_hf.data.export import export_dataset
    from agroflux_hf.data.sources.release import release_source_specs
    from agroflux_hf.errors import AgroFluxError

    subsets = [s.strip() for s in args.subsets.split(",") if s.strip()] if args.subsets else None
    try:
        specs = release_source_specs(Path(args.release), subsets=subsets)
        out = export_dataset(specs, args.out, overwrite=args.overwrite, progress=not args.no_progress)
    except (FileExistsError, AgroFluxError) as err:
        print(f"agroflux data export: {err}", file=sys.stderr)
        return 1
    print(out)
    return 0
