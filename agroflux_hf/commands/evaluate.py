"""``agroflux evaluate MODEL --config C [--split test] [--output scores.json]``: score a saved model.

``agroflux evaluate MODEL --towers FILE [FILE ...] [--output-dir DIR]``: score it on your own tower
files instead (any format ``agroflux data import-flux`` reads, or the parquet table it writes): a
per-site table on the terminal, and scores.csv, scores.json, predictions.csv and one PNG per site of
the predicted and observed daily series in ``--output-dir`` (see ``agroflux_hf.benchmark.towers``).

MODEL is a ``save_pretrained`` folder or a Hub model repo id ``ORG/NAME`` (``--revision`` or
``ORG/NAME@REVISION``), loaded through ``models.load_model``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agroflux_hf.schema import SPLITS

DEFAULT_TOWER_OUTPUT = Path("agroflux-tower-scores")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``evaluate`` to the top-level ``agroflux`` command."""
    evaluate = subparsers.add_parser(
        "evaluate", help="score a saved model on a config split, or on your own tower files"
    )
    evaluate.add_argument(
        "model_dir", help="a save_pretrained folder or a Hub model repo id ORG/NAME[@REVISION]"
    )
    evaluate.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit) of ORG/NAME")
    data = evaluate.add_mutually_exclusive_group(required=True)
    data.add_argument("--config", help="dataset config to score on (e.g. temporal_co2)")
    data.add_argument(
        "--towers",
        nargs="+",
        metavar="FILE",
        help="tower files (AmeriFlux BASE, FLUXNET, European fluxdata, REddyProc, or an import-flux parquet)",
    )
    evaluate.add_argument("--split", default="test", choices=SPLITS, help="with --config")
    evaluate.add_argument(
        "--data-dir",
        default=None,
        help="with --config: dataset folder or Hub dataset repo ORG/NAME[@REVISION] "
        "(default: the embedded AgroFlux-mini)",
    )
    evaluate.add_argument("--batch-size", type=int, default=256)
    evaluate.add_argument(
        "--output", type=Path, default=None, help="with --config: JSON file (default: print)"
    )
    towers = evaluate.add_argument_group("with --towers")
    towers.add_argument("--output-dir", type=Path, default=DEFAULT_TOWER_OUTPUT, help="folder of the outputs")
    towers.add_argument("--site-id", action="append", help="site id, once per file (default: from the file)")
    towers.add_argument("--latitude", type=float, action="append", help="site latitude, once per file")
    towers.add_argument("--longitude", type=float, action="append", help="site longitude, once per file")
    towers.add_argument("--igbp", action="append", help="IGBP class (CRO = cropland), once per file")
    towers.add_argument("--site-metadata", help="JSON: {site_id: {latitude, longitude, igbp, elevation}}")
    towers.add_argument("--year", type=int, help="year of REddyProc text files without a Year column")
    towers.add_argument(
        "--include-gap-filled", action="store_true", help="let gap-filled target records count"
    )
    towers.add_argument(
        "--require-core-drivers",
        action="store_true",
        help="score only site-years whose TA, PRECIP and SW_IN are observed on >= 95%% of the days "
        "(the AgroFlux-mini rule); by default every site-year with an observed target is scored",
    )
    evaluate.set_defaults(func=run)


def run(ns: argparse.Namespace) -> int:
    """Scores as strict JSON (NaN -> null), to ``--output`` atomically or to stdout."""
    if ns.towers:
        return run_towers(ns)
    from agroflux_hf.files import dumps_json, write_json
    from agroflux_hf.training import evaluate_model

    model = f"{ns.model_dir}@{ns.revision}" if ns.revision else ns.model_dir
    scores = evaluate_model(model, ns.config, split=ns.split, data_dir=ns.data_dir, batch_size=ns.batch_size)
    if ns.output:
        write_json(ns.output, scores)
    else:
        sys.stdout.write(dumps_json(scores))
    return 0


def run_towers(ns: argparse.Namespace) -> int:
    """Import the tower files, score the model per site, print the table, write the files and PNGs."""
    from agroflux_hf.benchmark.tower_report import format_table, input_notes, score_rows, write_outputs
    from agroflux_hf.benchmark.towers import evaluate_towers
    from agroflux_hf.commands.data_import_flux import site_metadata

    ns.files = ns.towers  # site_metadata() checks each per-file option against the files
    options: dict[str, object] = {"measured_only": not ns.include_gap_filled}
    if ns.year is not None:
        options["year"] = ns.year
    model = f"{ns.model_dir}@{ns.revision}" if ns.revision else ns.model_dir
    evaluation = evaluate_towers(
        model,
        ns.towers,
        site_metadata=site_metadata(ns),
        require_core_drivers=ns.require_core_drivers,
        batch_size=ns.batch_size,
        **options,
    )
    rows = score_rows(evaluation)
    print(format_table(rows))
    for note in input_notes(evaluation):
        print(note)
    written = write_outputs(evaluation, ns.output_dir, rows)
    print(f"wrote {', '.join(p.name for p in written)} to {ns.output_dir}")
    return 0
