"""Cut the small real FLUXNET files the tower tests read from the original files (rows only, bytes kept).

Run from the repository root: ``python tests/data/towers/make_fluxnet_cuts.py --source DIR`` with DIR laid
out as ``agroflux_hf/default_data/original_files.tsv`` lists (each original is checked by sha256). Writes
``FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_cut.csv.gz`` (the year 2004, a leap year, of the US-Ne1 daily
file) and ``US-Ne1_qca_ustar_2004.csv.gz`` (the hourly ONEFlux qca file of 2004, whole). Data: FLUXNET2015
/ AmeriFlux US-Ne1 (A. Suyker), CC BY 4.0; cite Pastorello et al. (2020) Sci. Data 7:225 and
doi:10.17190/AMF/1246084.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

from agroflux_hf.default_data.originals import original_file

HERE = Path(__file__).resolve().parent
DAILY = "towers/fluxnet2015_dd/FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2001-2013_1-4.csv"
HOURLY = "towers/oneflux_hourly/US-Ne1/US-Ne1_qca_ustar_2004.csv"
DAILY_CUT = HERE / "FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_cut.csv.gz"
HOURLY_CUT = HERE / "US-Ne1_qca_ustar_2004.csv.gz"


def cut_year(source: Path, out: Path, year: str) -> None:
    """Header plus the rows whose TIMESTAMP starts with ``year``, byte for byte (CRLF kept)."""
    with open(source, "rb") as f:
        lines = f.readlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.startswith(year.encode())]
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.writelines(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    args = parser.parse_args()
    cut_year(original_file(args.source, DAILY), DAILY_CUT, "2004")
    with open(HOURLY_CUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(original_file(args.source, HOURLY).read_bytes())


if __name__ == "__main__":
    main()
