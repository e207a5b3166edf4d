"""``agroflux data simulate --out DIR [--preset mini|tiny] [--workers N]``: the DSSAT-CSM rotation grid.

Living here, not in ``data/sources/dssat.py``, breaks the import cycle the command made: the
simulator's reader (dssat.py) no longer imports the grid presets (default_data/derive_simulations.py),
which import the reader.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``simulate`` to ``agroflux data``."""
    p = subparsers.add_parser("simulate", help="run the DSSAT-CSM rotation grid (needs agroflux_hf[sim])")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder for dssat_ceres_maize.parquet, dssat_ixim_maize.parquet",
    )
    p.add_argument(
        "--preset", choices=("mini", "tiny"), default="mini", help="grid size (mini = the embedded default)"
    )
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument(
        "--cache-dir", type=Path, default=None, help="run cache (default $AGROFLUX_CACHE/dssat_runs)"
    )
    p.add_argument(
        "--weather-dir", type=Path, default=None, help="folder holding the unpacked weather packages"
    )
    p.add_argument(
        "--source", type=Path, default=None, help="folder of the original files (mini: the KBS weather)"
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate the preset grid; exit 1 without DSSAT, 2 for a bad preset, 3 when runs failed."""
    from agroflux_hf.data.sources import dssat
    from agroflux_hf.default_data import derive_simulations

    try:
        dssat.import_dssattools()
    except dssat.DSSATNotInstalledError as err:
        logger.error("%s", err)
        return 1
    try:
        result = derive_simulations.simulate_preset(
            args.preset,
            args.out,
            workers=args.workers,
            weather_dir=args.weather_dir,
            source_dir=args.source,
            cache_dir=args.cache_dir,
            progress=not args.no_progress,
        )
    except ValueError as err:
        logger.error("%s", err)
        return 2
    for source, path in result.written.items():
        print(f"{source}: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"{result.runs} runs, {len(result.failures)} failed, {result.seconds:.0f} s")
    return 0 if not result.failures else 3
