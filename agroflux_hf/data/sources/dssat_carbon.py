"""Plant carbon of a DSSAT season: GPP and autotrophic respiration, native (soybean) or derived (maize).

Why a module of its own: CERES-Maize and IXIM-Maize write no gross photosynthesis, so GPP and plant
respiration are derived from growth, organ composition and temperature (Penning de Vries costs, the
CROPGRO/IXIM maintenance formula). That derivation is the one modelling choice of the carbon balance
(NEE = Rh - NPP does not depend on it) and is tested on its own against CROPGRO's native soybean values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from agroflux_hf.data.sources.dssat_grid import RunInputs

CH2O_CARBON = 0.4  # g C per g CH2O
DRY_MATTER_CARBON = 0.45  # g C per g plant dry matter
# g C per g of the plant dry matter DSSAT's soil receives (senesced leaves and roots, harvest residues):
# SoilCBal.OUT books 0.40 of the dry weight (PlantGro SNW0C + SNW1C, stover and roots at harvest). Net
# primary production counts the tissue that stays on the field at this fraction, so that the plant's
# carbon and DSSAT's soil carbon are one budget: NEE = -(harvested grain C + change of soil C).
RESIDUE_CARBON = 0.40


# --- plant carbon ---


@dataclass(frozen=True)
class CropCarbonCoefficients:
    """Maintenance (RES30C g CH2O g-1 DW h-1 at 30 C, R30C2 g CH2O g-1 CH2O h-1) and the growth cost of new
    tissue by organ (g CH2O g-1 DM: leaf, stem, root, ear or shell, grain or seed)."""

    res30c: float
    r30c2: float
    growth_cost: dict[str, float]
    grain_carbon: float  # g C per g grain or seed dry matter (harvested: YIELD)


# Penning de Vries et al. (1974, 1983) glucose requirements per g of each compound, as CROPGRO uses them
# (SBGRO048.SPE: RCH20, RLIP, RLIG, ROA, RMIN); protein from nitrate 2.48 (Penning de Vries 1974).
_COMPOUND_COST = {
    "carbohydrate": 1.242,
    "protein": 2.48,
    "lipid": 3.106,
    "lignin": 2.174,
    "acid": 0.929,
    "mineral": 0.05,
}


def _organ_cost(
    carbohydrate: float, protein: float, lipid: float, lignin: float, acid: float, mineral: float
) -> float:
    shares = {
        "carbohydrate": carbohydrate,
        "protein": protein,
        "lipid": lipid,
        "lignin": lignin,
        "acid": acid,
        "mineral": mineral,
    }
    return sum(_COMPOUND_COST[k] * v for k, v in shares.items())


# Organ composition (PCAR, PPRO, PLIP, PLIG, POA, PMIN) of leaf, stem, root, ear, seed: MZIXM048.SPE;
# of leaf, stem, root, shell, seed: SBGRO048.SPE (protein at growth: PROLFG, PROSTG, PRORTG, PROSHG, SDPROG).
MAIZE_CARBON = CropCarbonCoefficients(
    res30c=0.000158,
    r30c2=0.0026,
    growth_cost={
        "leaf": _organ_cost(0.520, 0.250, 0.050, 0.050, 0.080, 0.050),
        "stem": _organ_cost(0.620, 0.100, 0.020, 0.020, 0.040, 0.020),
        "root": _organ_cost(0.560, 0.100, 0.020, 0.020, 0.020, 0.100),
        "ear": _organ_cost(0.530, 0.029, 0.020, 0.360, 0.040, 0.021),
        "grain": _organ_cost(0.795, 0.102, 0.045, 0.023, 0.022, 0.013),
    },
    grain_carbon=0.45,
)
SOYBEAN_CARBON = CropCarbonCoefficients(
    res30c=3.5e-4,
    r30c2=0.0040,
    growth_cost={
        "leaf": _organ_cost(0.405, 0.285, 0.025, 0.070, 0.050, 0.094),
        "stem": _organ_cost(0.664, 0.100, 0.020, 0.070, 0.050, 0.046),
        "root": _organ_cost(0.711, 0.064, 0.020, 0.070, 0.050, 0.057),
        "ear": _organ_cost(0.380, 0.196, 0.020, 0.280, 0.040, 0.030),
        "grain": _organ_cost(0.315, 0.400, 0.200, 0.020, 0.040, 0.025),
    },
    grain_carbon=0.52,  # soybean seed is rich in lipid
)
GRAIN_CARBON = {"MZ": MAIZE_CARBON.grain_carbon, "SB": SOYBEAN_CARBON.grain_carbon}


def hourly_temperature_factor(tmax: np.ndarray, tmin: np.ndarray) -> np.ndarray:
    """McCree's maintenance temperature factor summed over 24 hours (CROPGRO/IXIM ``TRSFAC``), with hourly
    air temperature as a cosine between TMIN (at 05:00) and TMAX (at 14:00)."""
    hours = np.arange(24)
    since_max = np.mod(hours - 14, 24)  # 0..23 hours after the afternoon maximum
    rising = (hours >= 5) & (hours <= 14)
    shape = np.where(
        rising, 0.5 * (1 - np.cos(np.pi * (hours - 5) / 9)), 0.5 * (1 + np.cos(np.pi * since_max / 15))
    )
    temp = tmin[:, None] + (tmax - tmin)[:, None] * shape[None, :]
    return (0.044 + 0.0019 * temp + 0.001 * temp**2).sum(axis=1)


def organ_growth(plant: pd.DataFrame) -> dict[str, pd.Series]:
    """Daily dry-matter growth by organ (g DM m-2 d-1) from a season's PlantGro table: the change of leaf
    LWAD, stem SWAD, ear/shell PWAD - GWAD, grain GWAD and root RWAD, newly senesced mass (SNW0C, SNW1C)
    added back to leaf and root."""
    p = plant.fillna(0.0)
    organs = {
        "leaf": p["LWAD"],
        "stem": p["SWAD"],
        "ear": (p["PWAD"] - p["GWAD"]).clip(lower=0),
        "grain": p["GWAD"],
        "root": p["RWAD"],
    }
    growth = {k: v.diff().fillna(v) / 10.0 for k, v in organs.items()}  # kg ha-1 -> g m-2 d-1
    growth["leaf"] = growth["leaf"] + p["SNW0C"].diff().fillna(p["SNW0C"]).clip(lower=0) / 10.0
    growth["root"] = growth["root"] + p["SNW1C"].diff().fillna(p["SNW1C"]).clip(lower=0) / 10.0
    return growth


def dry_matter_npp(growth: dict[str, pd.Series], coefficients: CropCarbonCoefficients) -> pd.Series:
    """Daily NPP (g C m-2 d-1) as the carbon of the new tissue: grain at the crop's grain fraction (it is
    harvested), every other organ at RESIDUE_CARBON (it goes to DSSAT's soil at that fraction). A day
    whose total dry-matter change is negative counts as no growth."""
    total = sum(growth.values())
    carbon = sum(
        (coefficients.grain_carbon if organ == "grain" else RESIDUE_CARBON) * g for organ, g in growth.items()
    )
    return carbon.where(total > 0, 0.0).clip(lower=0)


def derive_plant_carbon(
    plant: pd.DataFrame, tmax: pd.Series, tmin: pd.Series, coefficients: CropCarbonCoefficients
) -> pd.DataFrame:
    """Daily GPP, NPP and autotrophic respiration (g C m-2 d-1) of one season from its PlantGro table.

    NPP: :func:`dry_matter_npp` of the organ growth (:func:`organ_growth`). Growth respiration: the
    organ costs minus the carbon laid down. Maintenance: ``MAINR = RO*WTMAIN + RP*PG`` with
    ``RO = RES30C*TRSFAC``, ``RP = R30C2*TRSFAC`` (g CH2O m-2 d-1; WTMAIN = live tops and roots without
    grain), solved with PG = growth assimilate + MAINR. Ra = GPP - NPP.
    """
    p = plant.fillna(0.0)
    growth = organ_growth(plant)
    positive = sum(growth.values()) > 0
    assimilate = (
        sum(coefficients.growth_cost[k] * g for k, g in growth.items()).where(positive, 0.0).clip(lower=0)
    )
    wtmain = (p["LWAD"] + p["SWAD"] + (p["PWAD"] - p["GWAD"]).clip(lower=0) + p["RWAD"]) / 10.0
    trsfac = pd.Series(
        hourly_temperature_factor(
            tmax.reindex(p.index).to_numpy(float), tmin.reindex(p.index).to_numpy(float)
        ),
        index=p.index,
    )
    ro, rp = coefficients.res30c * trsfac, coefficients.r30c2 * trsfac
    pg = (assimilate + ro * wtmain) / (1.0 - rp)
    pg = pg.where(wtmain > 0, 0.0)
    gpp = CH2O_CARBON * pg
    npp = dry_matter_npp(growth, coefficients).clip(upper=gpp)
    return pd.DataFrame(
        {"GPP": gpp, "NPP": npp, "RA": gpp - npp, "MAINT": CH2O_CARBON * (ro * wtmain + rp * pg)}
    )


def native_soybean_carbon(plant_c: pd.DataFrame) -> pd.DataFrame:
    """CROPGRO's own daily gross photosynthesis and plant respiration (PlantC.OUT) in g C m-2 d-1.

    Its GPP - Ra is the carbon of CROPGRO's CH2O balance, about 0.46 g C per g of dry matter grown;
    :func:`plant_carbon` keeps the native GPP but books as NPP only the carbon DSSAT's soil and harvest
    account for (:func:`dry_matter_npp`), the rest as respiration."""
    gpp = CH2O_CARBON * plant_c["PHAD"].fillna(0.0).clip(lower=0)
    ra = CH2O_CARBON * (plant_c["MRAD"].fillna(0.0) + plant_c["GRAD"].fillna(0.0)).clip(lower=0)
    return pd.DataFrame({"GPP": gpp, "RA": ra})


def plant_carbon(
    inputs: RunInputs,
    plant: pd.DataFrame,
    plant_c: pd.DataFrame | None,
    summary: pd.DataFrame,
    weather: pd.DataFrame,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Daily GPP and Ra over ``days``, zero from maturity on. Maize: derived. Soybean: CROPGRO's native
    GPP, Ra = GPP - NPP of the dry matter grown (:func:`dry_matter_npp`), one budget with DSSAT's soil."""
    out = pd.DataFrame({"GPP": 0.0, "RA": 0.0}, index=days)
    tmax, tmin = weather["TMAX"], weather["TMIN"]
    for season in summary.itertuples(index=False):
        if pd.isna(season.PDAT):
            continue
        end = season.MDAT if pd.notna(season.MDAT) else season.HDAT
        span = plant.loc[
            (plant.index >= season.PDAT) & (plant.index <= (season.HDAT if pd.notna(season.HDAT) else end))
        ]
        if season.CR == "SB" and plant_c is not None and not plant_c.empty:
            carbon = native_soybean_carbon(plant_c.reindex(span.index))
            npp = dry_matter_npp(organ_growth(span), SOYBEAN_CARBON).clip(upper=carbon["GPP"])
            carbon["RA"] = carbon["GPP"] - npp
        else:
            carbon = derive_plant_carbon(
                span, tmax, tmin, MAIZE_CARBON if season.CR == "MZ" else SOYBEAN_CARBON
            )
        if pd.notna(end):
            carbon.loc[carbon.index >= end, ["GPP", "RA"]] = 0.0
        carbon = carbon[carbon.index.isin(days)]
        out.loc[carbon.index, "GPP"] = carbon["GPP"].to_numpy()
        out.loc[carbon.index, "RA"] = carbon["RA"].to_numpy()
    return out
