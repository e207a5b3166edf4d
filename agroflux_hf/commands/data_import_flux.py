"""``agroflux data import-flux FILE... --out OUT.parquet``: eddy-covariance tower files -> one daily table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-flux`` to ``agroflux data``."""
    p = subparsers.add_parser(
        "import-flux",
        help="import eddy-covariance tower files (AmeriFlux BASE, FLUXNET, European fluxdata, REddyProc)",
        description="Tower files -> one canonical daily parquet table and a QC report (<out>_qc.json).",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, help="output parquet path")
    p.add_argument("--site-id", action="append", help="site id, once per file (default: from the file)")
    p.add_argument("--latitude", type=float, action="append", help="site latitude, once per file")
    p.add_argument("--longitude", type=float, action="append", help="site longitude, once per file")
    p.add_argument("--igbp", action="append", help="IGBP class (CRO = cropland), once per file")
    p.add_argument("--year", type=int, help="year of REddyProc text files without a Year column")
    p.add_argument("--site-metadata", help="JSON: {site_id: {latitude, longitude, igbp}}")
    p.add_argument("--include-gap-filled", action="store_true", help="let gap-filled target records count")
    p.add_argument("--use-ssitc-flags", action="store_true", help="drop records whose SSITC flag is 2")
    p.set_defaults(func=run)


def site_metadata(args: argparse.Namespace) -> dict[str, dict]:
    """``--site-metadata`` JSON, then the per-file options (each given once per file or not at all)."""
    meta: dict[str, dict] = {}
    if args.site_metadata:
        meta.update(json.loads(Path(args.site_metadata).read_text()))
    for option in ("site_id", "latitude", "longitude", "igbp"):
        given = getattr(args, option)
        if given is not None and len(given) != len(args.files):
            raise SystemExit(
                f"--{option.replace('_', '-')} given {len(given)} times for {len(args.files)} files"
            )
        for f, v in zip(args.files, given or [], strict=False):
            meta.setdefault(Path(f).name, {})[option] = v
    return meta


def run(args: argparse.Namespace) -> int:
    """Import; a bad input file is the user's to fix: say which and why, no traceback (exit 1)."""
    from agroflux_hf.data.sources.flux_towers import import_flux_files, qc_json_path
    from agroflux_hf.errors import DataFileError

    meta = site_metadata(args)
    options: dict[str, object] = {
        "measured_only": not args.include_gap_filled,
        "use_ssitc_flags": args.use_ssitc_flags,
    }
    if args.year is not None:
        options["year"] = args.year
    try:
        report = import_flux_files(args.files, args.out, site_metadata=meta, **options)
    except DataFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for s in report.sites:
        passed = ", ".join(f"{k} {v.days_passed}" for k, v in s.variables.items())
        print(f"{s.site_id} ({s.format}, {s.resolution}): {s.days} days; passed: {passed}")
    print(f"wrote {args.out} and {qc_json_path(args.out)}")
    return 0
