"""Plausibility of the DSSAT-CSM rotation tables beside published Midwest ranges.

    python scripts/dssat_plausibility.py [--tables DIR]

Prints two Markdown tables (the ones in ``agroflux_hf/default_data/SOURCES.md``): annual carbon
fluxes, peak GPP, yield and soil carbon change by simulator and crop; annual N2O by maize N rate.
Annual values are per site-year (365 days, Jan 1 - Dec 31), then averaged; ``p10-p90`` spans site-years.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

DEFAULT_TABLES = Path(__file__).resolve().parents[1] / "agroflux_hf" / "default_data"
SOURCES = ("dssat_ceres_maize", "dssat_ixim_maize")
CROP_NAMES = {1.0: "maize", 0.0: "soybean"}
GRAIN_CARBON = {"maize": 0.45, "soybean": 0.52}  # as in agroflux_hf.data.sources.dssat

# Approximate published ranges for Corn Belt fields (annual, g C m-2 yr-1 unless stated).
PUBLISHED = {
    "maize": {
        "NEE": "-300 to -600",
        "GPP": "~1300 to 1900",
        "peak GPP": "~20 to 30 g C m-2 d-1",
        "yield": "~8 to 11 t DM ha-1 (Iowa 2007-2016)",
        "N2O": "~1 to 5 kg N ha-1 yr-1",
    },
    "soybean": {
        "NEE": "near neutral (~-100 to +100)",
        "GPP": "~600 to 1000",
        "peak GPP": "~12 to 20 g C m-2 d-1",
        "yield": "~2.6 to 3.5 t DM ha-1 (Iowa 2007-2016)",
        "N2O": "~0.5 to 2 kg N ha-1 yr-1",
    },
}


def site_years(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (site, experiment, year): annual sums, peak 7-day GPP, yield, soil C change."""
    year = table["date"].dt.year.rename("year")
    keys = [table["site_id"], table["experiment"], year]
    grouped = table.groupby(keys)
    out = grouped.agg(
        crop=("CROP", "first"),
        NEE=("NEE", "sum"),
        GPP=("GPP", "sum"),
        RECO=("RECO", "sum"),
        YIELD=("YIELD", "first"),
        DELTA_SOC=("DELTA_SOC", "first"),
        N2O=("N2O_FLUX", "sum"),
        ET=("ET", "sum"),
        IRRIGATION=("IRRIGATION", "sum"),
    )
    weekly = table.assign(year=year).groupby(["site_id", "experiment", "year"])["GPP"]
    out["peak_gpp"] = weekly.transform(lambda s: s.rolling(7, center=True).mean()).groupby(keys).max()
    out["crop"] = out["crop"].map(CROP_NAMES)
    out["n_rate"] = out.index.get_level_values("experiment") % 1000
    out = out.reset_index()
    out["station"] = out["site_id"].str.rsplit("-", n=1).str[0]
    return out


def _span(values: pd.Series, digits: int = 0) -> str:
    mean, lo, hi = values.mean(), values.quantile(0.1), values.quantile(0.9)
    return f"{mean:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"


def carbon_table(years_by_source: dict[str, pd.DataFrame]) -> str:
    """Markdown: annual NEE, GPP, RECO, peak GPP, yield, soil C change by simulator and crop."""
    lines = [
        "| simulator | crop | NEE | GPP | RECO | peak 7-day GPP (g C m-2 d-1) | yield (t DM ha-1) | DELTA_SOC |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for source, years in years_by_source.items():
        for crop in ("maize", "soybean"):
            rows = years[years["crop"] == crop]
            if rows.empty:  # a continuous-maize site has no soybean year
                continue
            grain = rows["YIELD"] / GRAIN_CARBON[crop] / 100.0  # g C m-2 -> t DM ha-1
            lines.append(
                f"| {source} | {crop} | {_span(rows['NEE'])} | {_span(rows['GPP'])} | {_span(rows['RECO'])} "
                f"| {_span(rows['peak_gpp'], 1)} | {_span(grain, 1)} | {_span(rows['DELTA_SOC'])} |"
            )
    for crop, ranges in PUBLISHED.items():
        lines.append(
            f"| published Midwest | {crop} | {ranges['NEE']} | {ranges['GPP']} | - | {ranges['peak GPP']} "
            f"| {ranges['yield']} | - |"
        )
    return "\n".join(lines)


def n2o_table(years_by_source: dict[str, pd.DataFrame]) -> str:
    """Markdown: annual N2O (kg N ha-1 yr-1) by maize N rate, for maize years and the soybean years after."""
    rates = sorted(next(iter(years_by_source.values()))["n_rate"].unique())
    header = "| simulator | crop | " + " | ".join(f"{r:g} kg N" for r in rates) + " | published |"
    lines = [header, "|---|---|" + "---|" * (len(rates) + 1)]
    for source, years in years_by_source.items():
        for crop in ("maize", "soybean"):
            rows = years[years["crop"] == crop]
            by_rate = rows.groupby("n_rate")["N2O"].mean() * 10.0  # g N m-2 -> kg N ha-1
            cells = " | ".join(f"{by_rate.get(r, float('nan')):.2f}" for r in rates)
            lines.append(f"| {source} | {crop} | {cells} | {PUBLISHED[crop]['N2O']} |")
    return "\n".join(lines)


# simulated on the tower's own weather (derive_simulations.TOWER_YEARS) -> what the tower's field is
TOWER_SITES = {
    "US-Ne1": ("irrigated continuous maize", "continuous maize"),
    "CH-Oe2": ("rainfed rotation", "arable rotation, maize some years"),
    "US-ARM": ("rainfed rotation", "winter wheat and other crops"),
}


def tower_observed(towers: pd.DataFrame, site_id: str, field: str, min_days: int = 300) -> str:
    """Markdown row: the tower's observed annual NEE, GPP, RECO and ET (mean daily x 365 over the years
    with at least ``min_days`` QC-passed days, so gaps do not shrink the sums)."""
    rows = towers[towers["site_id"] == site_id]
    year = rows["date"].dt.year
    counts = rows.groupby(year)["NEE"].count()
    full = counts[counts >= min_days].index
    annual = rows[year.isin(full)].groupby(year[year.isin(full)])[["NEE", "GPP", "RECO", "ET"]].mean() * 365
    cells = " | ".join(
        _span(annual[v].dropna()) if annual[v].notna().any() else "-" for v in ("NEE", "GPP", "RECO")
    )
    return (
        f"| observed {site_id} ({len(full)} years {full.min()}-{full.max()}, {field}) | all crops "
        f"| {cells} | - | - | - |"
        + (
            f"\n\nObserved ET at {site_id}: {_span(annual['ET'].dropna())} mm yr-1."
            if annual["ET"].notna().any()
            else ""
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path, default=DEFAULT_TABLES)
    args = parser.parse_args(argv)
    years_by_source = {}
    for source in SOURCES:
        path = args.tables / f"{source}.parquet"
        if not path.is_file():
            parser.error(f"{path} is missing: run python -m agroflux_hf.default_data.derive_simulations")
        years_by_source[source] = site_years(pd.read_parquet(path))
    n = len(next(iter(years_by_source.values())))
    print(
        f"Annual values per site-year ({n} per simulator), mean (p10 to p90); g C m-2 yr-1 unless stated.\n"
    )
    print(carbon_table(years_by_source))
    fertilized = {
        s: y[(y["station"] == "IA_central") & ((y["crop"] == "soybean") | (y["n_rate"] >= 120))]
        for s, y in years_by_source.items()
    }
    print("\nCentral Iowa only (3 soils), maize at 120-240 kg N ha-1, soybean after it:\n")
    print(carbon_table(fertilized))
    towers_path = args.tables / "towers.parquet"
    for site, (water, field) in TOWER_SITES.items():
        at_tower = {
            s: y[(y["station"] == site) & ((y["crop"] == "soybean") | (y["n_rate"] >= 120))]
            for s, y in years_by_source.items()
        }
        if not any(len(y) for y in at_tower.values()):
            continue
        print(f"\n{site} tower site (its own weather, {water}, 3 soils), maize at 120-240 kg N ha-1:\n")
        print(carbon_table(at_tower).rsplit("\n| published", 2)[0])
        if towers_path.is_file():
            print(tower_observed(pd.read_parquet(towers_path), site, field))
        for source, y in at_tower.items():
            print(
                f"\n{source} ET at {site}: "
                + ", ".join(
                    f"{crop} {_span(y.loc[y['crop'] == crop, 'ET'])} mm yr-1"
                    for crop in ("maize", "soybean")
                    if (y["crop"] == crop).any()
                )
                + "; irrigation: "
                + ", ".join(
                    f"{crop} {_span(y.loc[y['crop'] == crop, 'IRRIGATION'])} mm yr-1"
                    for crop in ("maize", "soybean")
                    if (y["crop"] == crop).any()
                )
            )
    arlington = {
        s: y[(y["station"] == "ARL") & ((y["crop"] == "soybean") | (y["n_rate"] >= 120))]
        for s, y in years_by_source.items()
    }
    if any(len(y) for y in arlington.values()):
        print("\nArlington, Wisconsin (the N2O trial's AWON weather, 3 soils), maize at 120-240 kg N ha-1:\n")
        print(carbon_table(arlington).rsplit("\n| published", 2)[0])
    print("\nAnnual N2O (kg N ha-1 yr-1) by the maize N rate of the rotation (soybean years get no N):\n")
    print(n2o_table(years_by_source))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
