"""Derive the embedded chamber N2O table ``n2o.parquet`` (and ``n2o_qc.json``) from the original files.

Run: ``python -m agroflux_hf.default_data.derive_n2o --source DIR [--out-dir DIR] [--kbs-weather WHICH]
[--kbs-field-log]``

``DIR`` is laid out like ``original_files.tsv`` (``n2o/saha2020/...``, ``weather/kbs/...``,
``weather/arlington/...``); every file is checked against the manifest's sha256 before it is read.

Why two KBS weather choices: the chambers at KBS stood beside the KBS LTER weather station, but its
table may not be used in a publication without KBS LTER's written permission, so the committed (and
published) table takes KBS drivers from NASA POWER (``--kbs-weather nasa_power``, the default: free with
acknowledgement, gap-free, but gridded and without a daily mean temperature). ``--kbs-weather station``
builds the same table from the station, NASA POWER filling its gaps, for local use; its metadata marks
it not redistributable so the publish step leaves it out. Likewise ``--kbs-field-log`` takes the
MCSE-T2 management (N amount of every application, planting and harvest days) from the KBS LTER field
log instead of Saha's application dates. Arlington always uses UW AWON with measured NOAA GHCN values on
AWON's gap days.

The parquet metadata (``agroflux_sources``, see :mod:`agroflux_hf.data.sources.terms`) lists every
source with its licence, citation, the columns it gives and ``redistributable`` (``yes`` / ``no`` /
``unstated``); ``origin_<DRIVER>`` columns say which source gave each day's driver value.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources import chambers, station_weather, terms
from agroflux_hf.default_data.originals import original_file
from agroflux_hf.files import atomic_write_text

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
OUT_NAME = "n2o.parquet"
QC_NAME = "n2o_qc.json"
KBS_STATION_FILE = "weather/kbs/12-lter+weather+station+daily+weather+all+variates+1657202230.csv"
KBS_POWER_FILE = "weather/kbs/KBS_np.csv"
AWON_FILE = "weather/arlington/ArlingtonWI_Metdata.csv"
GHCN_FILE = "weather/arlington/USC00470308_GapFilled.csv"
KBS_WEATHER_CHOICES = ("nasa_power", "station")
# A driver is kept only where every site observes it on this share of its days; NASA POWER has no daily
# mean temperature, so with it TA would exist at Arlington only: a driver one site lacks entirely
# would teach a model the site, not the weather.
DRIVER_SITE_COVERAGE = schema.MIN_DRIVER_COVERAGE
SAHA_SOURCE = {
    "key": chambers.SAHA_SOURCE_KEY,
    "title": "Saha, Basso and Robertson (2021) daily chamber N2O, KBS BCSE, KBS MCSE-T2 and Arlington",
    "licence": "CC0 1.0 (Dryad doi:10.5061/dryad.bnzs7h493)",
    "citation": "Saha, D., Basso, B., Robertson, G.P. (2021) Machine learning improves predictions of "
    "agricultural nitrous oxide (N2O) emissions from intensively managed cropping systems, Environmental "
    "Research Letters 16, 024004, doi:10.1088/1748-9326/abd2f3; data: doi:10.5061/dryad.bnzs7h493",
    "redistributable": "yes",
}


SAHA_WHOLE_COLUMNS = ("N2O_FLUX", "N_FERT", "N_FERT_DAY", "N_RATE", "CROP", "CLAY", "SAND", "SILT", "SOIL_OM")
FIELD_LOG_SOURCE = {
    "key": chambers.FIELD_LOG_SOURCE,
    "title": "KBS LTER MCSE field log: fertilizer application report (datatable 159) and agronomic "
    "activities (datatables 150, 162), as tidied in edvlmaas/gwp_case_study",
    "licence": "KBS LTER Terms of Use: 'These Data are copyrighted and use in a publication requires "
    "written permission' (https://lter.kbs.msu.edu/data/terms-of-use/)",
    "citation": "KBS LTER, Kellogg Biological Station Long-Term Ecological Research, "
    "https://lter.kbs.msu.edu/datatables/159",
    "redistributable": "no",
}


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unstated"}[value]


def weather_spans(obs: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Weather site -> (first, last) day of the calendar years its plots were sampled."""
    station = obs["field"].map(lambda f: chambers.FIELDS[f].location.station_id)
    years = obs.groupby(station)["year"].agg(["min", "max"])
    return {s: (f"{r['min']}-01-01", f"{r['max']}-12-31") for s, r in years.iterrows()}


def load_weather(
    source_dir: Path, kbs_weather: str, spans: dict[str, tuple[str, str]]
) -> dict[str, station_weather.StationWeather]:
    """The two weather sites' daily drivers over ``spans``, from the checked original files."""
    power = original_file(source_dir, KBS_POWER_FILE)
    kbs_span = spans[station_weather.KBS.station_id]
    if kbs_weather == "station":
        kbs = station_weather.kbs_weather(original_file(source_dir, KBS_STATION_FILE), power, *kbs_span)
    else:
        kbs = station_weather.kbs_power_weather(power, *kbs_span)
    arl = station_weather.arlington_weather(
        original_file(source_dir, AWON_FILE),
        original_file(source_dir, GHCN_FILE),
        *spans[station_weather.ARLINGTON.station_id],
    )
    return {kbs.station_id: kbs, arl.station_id: arl}


def drivers_everywhere(table: pd.DataFrame) -> tuple[list[str], dict[str, float]]:
    """Drivers observed on >= DRIVER_SITE_COVERAGE of the days at every site, and each driver's worst site share."""
    worst = {
        n: float(table.groupby("field")[n].apply(lambda s: s.notna().mean()).min())
        for n in station_weather.DRIVERS
    }
    return [n for n, share in worst.items() if share >= DRIVER_SITE_COVERAGE], worst


def _terms_of(key: str) -> dict:
    """Title, licence, citation and redistributable flag of a source key used in ``origin_`` columns."""
    if key == SAHA_SOURCE["key"]:
        return dict(SAHA_SOURCE)
    if key == FIELD_LOG_SOURCE["key"]:
        return dict(FIELD_LOG_SOURCE)
    ws = station_weather.WEATHER_SOURCES[key]
    return {
        "key": key,
        "title": ws.title,
        "licence": ws.licence,
        "citation": ws.citation,
        "redistributable": _flag(ws.redistributable),
    }


def source_records(table: pd.DataFrame) -> list[dict]:
    """Every source the table draws on: terms, citation, the columns it gives (with days, where an
    ``origin_`` column mixes sources day by day) and the redistribution flag. Saha's comes first."""
    prefix = terms.ORIGIN_PREFIX
    days: dict[str, dict[str, int]] = {}
    for column in (c for c in table.columns if c.startswith(prefix)):
        origin = table[column]
        for key, count in origin[origin != ""].value_counts().sort_index().items():
            days.setdefault(str(key), {})[column[len(prefix) :]] = int(count)
    whole = [c for c in SAHA_WHOLE_COLUMNS if c in table.columns and prefix + c not in table.columns]
    saha = {**_terms_of(SAHA_SOURCE["key"]), "columns": whole + sorted(days.pop(SAHA_SOURCE["key"], {}))}
    records = [saha]
    for key in sorted(days):
        records.append({**_terms_of(key), "columns": sorted(days[key]), "days_by_column": days[key]})
    return records


def finish_table(table: pd.DataFrame, drivers: list[str]) -> pd.DataFrame:
    """Drop drivers not observed everywhere (with their origin), float32 variables, stable column order."""
    dropped = [n for n in station_weather.DRIVERS if n not in drivers]
    table = table.drop(columns=dropped + [station_weather.ORIGIN_PREFIX + n for n in dropped])
    for name in table.columns:
        if name in schema.VARIABLES:
            table[name] = table[name].astype(np.float32)
    table[schema.EXPERIMENT] = table[schema.EXPERIMENT].astype(np.int64)
    return table.sort_values([schema.SITE_ID, "date"]).reset_index(drop=True)


def qc_summary(table: pd.DataFrame, obs: pd.DataFrame, kbs_weather: str, worst: dict[str, float]) -> dict:
    """Sizes, coverage and origin counts a reader of the table (and the card) needs."""
    seq = table.groupby([schema.SITE_ID, schema.EXPERIMENT, table["date"].dt.year])
    coverage = seq[[n for n in station_weather.DRIVERS if n in table]].agg(lambda s: float(s.notna().mean()))
    sampled = table[table["N2O_FLUX"].notna()]
    return {
        "kbs_weather": kbs_weather,
        "plot_days": len(obs),
        "sequences": int(seq.ngroups),
        "plots": sorted(table[schema.SITE_ID].unique().tolist()),
        "fields": sorted(table["field"].unique().tolist()),
        "sampling_days_per_sequence": {
            f: {
                "min": int(g.min()),
                "median": float(g.median()),
                "max": int(g.max()),
            }
            for f, g in sampled.groupby(["field", schema.SITE_ID, sampled["date"].dt.year])
            .size()
            .groupby(level=0)
        },
        "years_by_field": {f: sorted(g["date"].dt.year.unique().tolist()) for f, g in table.groupby("field")},
        "worst_site_share_of_days_by_driver": worst,
        "min_driver_coverage_of_a_sequence": coverage.min().to_dict(),
        "drivers_dropped": [n for n in station_weather.DRIVERS if n not in table],
        "negative_n2o_plot_days": int((obs["N2O_FLUX"] < 0).sum()),
        "application_days": int((table["N_FERT_DAY"] == 1).sum()),
        "application_days_with_amount": int(((table["N_FERT_DAY"] == 1) & table["N_FERT"].notna()).sum()),
    }


def load_field_logs(source_dir: Path) -> dict[str, chambers.FieldLog]:
    """The KBS MCSE field log of treatment T2 (Saha's MCSE-T2 plots), from the checked original files."""
    log = chambers.read_kbs_field_log(
        original_file(source_dir, chambers.KBS_FERTILIZER_FILE),
        original_file(source_dir, chambers.KBS_OPERATIONS_FILE),
        "T2",
    )
    return {"MCSE-T2": log}


def derive(
    source_dir: Path, out_dir: Path = HERE, kbs_weather: str = "nasa_power", kbs_field_log: bool = False
) -> dict:
    """Read, check and combine the original files; write the table and its QC JSON atomically.

    ``kbs_field_log``: MCSE-T2 management (N amounts, planting, harvest) from the KBS LTER field log
    instead of Saha's dates: a local build, marked not redistributable.
    """
    if kbs_weather not in KBS_WEATHER_CHOICES:
        raise ValueError(f"kbs_weather must be one of {KBS_WEATHER_CHOICES}, got {kbs_weather!r}")
    obs = chambers.read_saha(original_file(source_dir, chambers.SAHA_FILE))
    weather = load_weather(source_dir, kbs_weather, weather_spans(obs))
    table = chambers.chamber_table(obs, weather, load_field_logs(source_dir) if kbs_field_log else None)
    drivers, worst = drivers_everywhere(table)
    table = finish_table(table, drivers)
    records = source_records(table)
    flag = terms.overall_flag(records)
    qc = {
        **qc_summary(table, obs, kbs_weather, worst),
        "kbs_field_log": kbs_field_log,
        "redistributable": flag,
        "sources": records,
    }
    terms.write_table_with_sources(table, out_dir / OUT_NAME, records)
    atomic_write_text(out_dir / QC_NAME, json.dumps(qc, indent=2, default=str) + "\n")
    return qc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="folder of the original files")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    parser.add_argument("--kbs-weather", choices=KBS_WEATHER_CHOICES, default="nasa_power")
    parser.add_argument(
        "--kbs-field-log",
        action="store_true",
        help="MCSE-T2 management from the KBS LTER field log (local use: not redistributable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    qc = derive(args.source, args.out_dir, args.kbs_weather, args.kbs_field_log)
    print(
        f"{OUT_NAME}: {qc['sequences']} sequences, {qc['plot_days']} plot-days, "
        f"redistributable: {qc['redistributable']}, drivers dropped: {qc['drivers_dropped']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
