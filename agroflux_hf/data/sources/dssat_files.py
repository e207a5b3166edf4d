"""DSSAT-CSM 4.8 input files written directly: soil profiles, weather, a rotation experiment, a batch file.

DSSATTools runs one crop for one season; a maize-soybean rotation with soil state carried from one
season to the next needs the binary's sequence mode (``dscsm048 Q DSSBatch.v48``), whose inputs are
written here. Every DSSAT input is fixed-width: the formats below follow the column headers that
DSSAT's own files carry (``@N R O C TNAME...``), and one misaligned column makes the binary stop, so
each writer builds its lines from explicit widths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SOIL_FILE = Path(__file__).resolve().with_name("dssat_soils.sol")
WEATHER_INSI = "AGFX"  # institute+site code of every weather file we write
EXPERIMENT_NAME = "AGFX0001"
BATCH_NAME = "DSSBatch.v48"
MISSING = -99


# --- soils ---


@dataclass(frozen=True)
class SoilProfile:
    """One real DSSAT soil profile: its verbatim SOL text and the top-layer attributes we publish."""

    profile_id: str
    description: str
    text: str  # the profile's lines in SOL format, from "*ID" to the last layer

    def layers(self) -> pd.DataFrame:
        """The layer table (SLB, SLLL, SDUL, SSAT, SBDM, SLOC, SLCL, SLSI, SLHW, ...), -99 as NaN."""
        lines = self.text.splitlines()
        header_at = next(i for i, line in enumerate(lines) if line.startswith("@  SLB"))
        columns = lines[header_at][1:].split()
        rows = []
        for line in lines[header_at + 1 :]:
            if not line.strip() or line.startswith(("@", "*", "!")):
                break
            rows.append(dict(zip(columns, line.split(), strict=False)))
        frame = pd.DataFrame(rows).drop(columns=["SLMH"], errors="ignore")  # horizon names are text
        frame = frame.apply(pd.to_numeric, errors="coerce")
        return frame.mask(frame <= -99)

    def top_layer_statics(self) -> dict[str, float]:
        """Schema static attributes of the top layer: bulk density, sand/silt/clay and organic matter
        (g kg-1; organic matter = organic carbon x 1.724), pH. Missing values stay NaN."""
        top = self.layers().iloc[0]
        clay, silt = top.get("SLCL", np.nan), top.get("SLSI", np.nan)
        return {
            "BULK_DENSITY": float(top.get("SBDM", np.nan)),
            "SAND": float((100.0 - clay - silt) * 10.0),
            "SILT": float(silt * 10.0),
            "CLAY": float(clay * 10.0),
            "SOIL_OM": float(top.get("SLOC", np.nan) * 10.0 * 1.724),
            "PH": float(top.get("SLHW", np.nan)),
        }


def read_soil_profiles(path: Path = SOIL_FILE) -> dict[str, SoilProfile]:
    """Every profile of a DSSAT SOL file by its 10-character id."""
    text = path.read_text()
    profiles = {}
    for block in re.split(r"\n(?=\*)", text):
        if not block.startswith("*") or block.startswith("*SOILS"):
            continue
        first = block.splitlines()[0]
        profile_id = first[1:11].strip()
        body = "\n".join(line for line in block.splitlines() if not line.startswith("!")).rstrip() + "\n"
        profiles[profile_id] = SoilProfile(profile_id, first[37:].strip() or first[11:].strip(), body)
    if not profiles:
        raise ValueError(f"{path}: no soil profile ('*' line) found")
    return profiles


def soil_file_text(profile: SoilProfile) -> str:
    return "*SOILS: AgroFlux-mini\n\n" + profile.text + "\n"


# --- weather ---


def weather_files(
    frame: pd.DataFrame, *, latitude: float, longitude: float, elevation: float | None, tav: float, amp: float
) -> dict[str, str]:
    """One DSSAT weather file per calendar year (``AGFXyy01.WTH``) of a gap-free daily frame with
    ``date, SW_IN, TMAX, TMIN, PRECIP``; DSSAT finds a season's file by its year."""
    files = {}
    elev = MISSING if elevation is None or not np.isfinite(elevation) else elevation
    for year, days in frame.groupby(frame["date"].dt.year):
        lines = [
            f"*WEATHER DATA : AgroFlux-mini {year}",
            "",
            "@ INSI      LAT     LONG  ELEV   TAV   AMP REFHT WNDHT",
            f"  {WEATHER_INSI} {latitude:8.3f} {longitude:8.3f} {elev:5.0f} {tav:5.1f} {amp:5.1f}   -99   -99",
            "@DATE  SRAD  TMAX  TMIN  RAIN",
        ]
        for row in days.itertuples(index=False):
            lines.append(
                f"{yydoy(row.date)} {row.SW_IN:5.1f} {row.TMAX:5.1f} {row.TMIN:5.1f} {row.PRECIP:5.1f}"
            )
        files[f"{WEATHER_INSI}{year % 100:02d}01.WTH"] = "\n".join(lines) + "\n"
    return files


def yydoy(day: date | pd.Timestamp) -> str:
    """DSSAT's 5-digit date YYDDD."""
    return f"{day.year % 100:02d}{day.timetuple().tm_yday:03d}"


# --- the rotation experiment ---


@dataclass(frozen=True)
class Season:
    """One crop season of a rotation: crop code ('MZ' or 'SB'), cultivar, planting, fertilizer."""

    crop: str
    cultivar: str
    cultivar_name: str
    model: str  # DSSAT crop model module, e.g. MZCER048, MZIXM048, CRGRO048
    planting: date
    population: float  # plants m-2
    row_spacing: float  # cm
    n_rate: float  # kg N ha-1, 0 = none
    fertilizer_date: date | None
    irrigated: bool = False


@dataclass(frozen=True)
class ExperimentSettings:
    """What every rotation shares: start, years, soil, initial state, fertilizer material."""

    start: date
    years: int
    soil_id: str
    initial_layers: tuple[tuple[float, float], ...]  # (bottom depth cm, water m3 m-3)
    initial_residue: float = 2000.0  # kg ha-1 maize stover at the start
    initial_no3_ppm: float = 5.0
    initial_nh4_ppm: float = 1.0
    fertilizer_material: str = "FE005"  # urea
    fertilizer_method: str = "AP002"  # broadcast, incorporated
    fertilizer_depth: float = 10.0  # cm
    irrigation_threshold: float = 50.0  # % of available water in the top IMDEP cm that triggers irrigation
    irrigation_depth: float = 30.0  # cm


def _f(value: float | str, width: int) -> str:
    """A right-aligned fixed-width field that never grows past ``width`` (DSSAT reads by column)."""
    text = str(value) if isinstance(value, str) else _number(value, width)
    if len(text) > width:
        raise ValueError(f"DSSAT field {value!r} does not fit {width} columns")
    return text.rjust(width)


def _number(value: float, width: int) -> str:
    """The most precise text of ``value`` (up to 3 decimals) that fits ``width`` columns."""
    if float(value).is_integer():
        return str(int(value))
    for decimals in (3, 2, 1):
        text = f"{value:.{decimals}f}"
        if len(text) <= width:
            return text
    return f"{value:.0f}"


def experiment_text(seasons: list[Season], settings: ExperimentSettings) -> str:
    """A sequence experiment (FileX ``.SQX``): one treatment whose rotation components are ``seasons``
    (one per component, in order); DSSAT repeats the components for ``settings.years`` years."""
    crops = {key: i + 1 for i, key in enumerate(dict.fromkeys((s.crop, s.cultivar) for s in seasons))}
    fert_levels: dict[int, int] = {}
    for k, s in enumerate(seasons):
        if s.n_rate > 0 and s.fertilizer_date is not None:
            fert_levels[k] = len(fert_levels) + 1
    irrigated = any(s.irrigated for s in seasons)
    lines = [f"*EXP.DETAILS: {EXPERIMENT_NAME}SQ AGROFLUX-MINI MAIZE-SOYBEAN ROTATION", "", "*TREATMENTS"]
    lines.append("@N R O C TNAME.................... CU FL SA IC MP MI MF MR MC MT ME MH SM")
    for k, s in enumerate(seasons):
        levels = [
            crops[(s.crop, s.cultivar)],
            1,
            0,
            1 if k == 0 else 0,
            k + 1,
            1 if s.irrigated else 0,
            fert_levels.get(k, 0),
            0,
            0,
            0,
            0,
            0,
            k + 1,
        ]
        name = f"ROTATION {s.crop} {s.n_rate:.0f}N"[:25]
        lines.append(f" 1{k + 1:2d} 1 0 {name:<25}" + "".join(f"{v:3d}" for v in levels))
    lines += ["", "*CULTIVARS", "@C CR INGENO CNAME"]
    for (crop, cultivar), level in crops.items():
        name = next(s.cultivar_name for s in seasons if (s.crop, s.cultivar) == (crop, cultivar))
        lines.append(f"{level:2d} {crop} {cultivar} {name}")
    lines += [
        "",
        "*FIELDS",
        "@L ID_FIELD WSTA....  FLSA  FLOB  FLDT  FLDD  FLDS  FLST SLTX  SLDP  ID_SOIL    FLNAME",
        f" 1 AGFX0001 {WEATHER_INSI:<8}   -99     0 IB000     0     0 00000 -99    -99  {settings.soil_id:<10} -99",
        "",
        "*INITIAL CONDITIONS",
        "@C   PCR ICDAT  ICRT  ICND  ICRN  ICRE  ICWD ICRES ICREN ICREP ICRIP ICRID ICNAME",
        " 1    MZ "
        + yydoy(settings.start)
        + _f(500, 6)
        + _f(MISSING, 6)
        + _f(1, 6)
        + _f(1, 6)
        + _f(MISSING, 6)
        + _f(settings.initial_residue, 6)
        + _f(0.8, 6)
        + _f(0, 6)
        + _f(100, 6)
        + _f(15, 6)
        + " -99",
        "@C  ICBL  SH2O  SNH4  SNO3",
    ]
    for depth, water in settings.initial_layers:
        lines.append(
            " 1"
            + _f(depth, 6)
            + _f(round(water, 3), 6)
            + _f(settings.initial_nh4_ppm, 6)
            + _f(settings.initial_no3_ppm, 6)
        )
    lines += [
        "",
        "*PLANTING DETAILS",
        "@P PDATE EDATE  PPOP  PPOE  PLME  PLDS  PLRS  PLRD  PLDP  PLWT  PAGE  PENV  PLPH  SPRL"
        "                        PLNAME",
    ]
    for k, s in enumerate(seasons):
        lines.append(
            f"{k + 1:2d} {yydoy(s.planting)}"
            + _f(MISSING, 6)
            + _f(s.population, 6)
            + _f(s.population, 6)
            + _f("S", 6)
            + _f("R", 6)
            + _f(s.row_spacing, 6)
            + _f(0, 6)
            + _f(5 if s.crop == "MZ" else 3, 6)
            + _f(MISSING, 6) * 4
            + _f(0, 6)
            + " " * 24
            + " -99"
        )
    if irrigated:
        lines += [
            "",
            "*IRRIGATION AND WATER MANAGEMENT",
            "@I  EFIR  IDEP  ITHR  IEPT  IOFF  IAME  IAMT IRNAME",
            " 1"
            + _f(1, 6)
            + _f(settings.irrigation_depth, 6)
            + _f(settings.irrigation_threshold, 6)
            + _f(100, 6)
            + _f("GS000", 6)
            + _f("IR001", 6)
            + _f(25, 6)
            + " -99",
        ]
    if fert_levels:
        lines += [
            "",
            "*FERTILIZERS (INORGANIC)",
            "@F FDATE  FMCD  FACD  FDEP  FAMN  FAMP  FAMK  FAMC  FAMO  FOCD FERNAME",
        ]
        for k, level in fert_levels.items():
            s = seasons[k]
            lines.append(
                f"{level:2d} {yydoy(s.fertilizer_date)}"
                + _f(settings.fertilizer_material, 6)
                + _f(settings.fertilizer_method, 6)
                + _f(settings.fertilizer_depth, 6)
                + _f(round(s.n_rate), 6)
                + _f(0, 6) * 4
                + _f(MISSING, 6)
                + " -99"
            )
    lines += ["", "*SIMULATION CONTROLS"]
    for k, s in enumerate(seasons):
        lines += _simulation_controls(k + 1, s, settings)
    return "\n".join(lines) + "\n"


def _simulation_controls(level: int, season: Season, settings: ExperimentSettings) -> list[str]:
    """Controls of one rotation component: CENTURY soil carbon (MESOM=P), harvest at maturity, daily
    outputs of growth, carbon, water, nitrogen (GHG.OUT) and the soil temperature."""
    n = f"{level:2d}"
    last_harvest = date(season.planting.year, 12, 31)
    return [
        "@N GENERAL     NYERS NREPS START SDATE RSEED SNAME.................... SMODEL",
        # Sequence mode repeats the components; it runs one year more than NYERS says (pitfall).
        f"{n} GE         "
        + _f(settings.years - 1, 6)
        + _f(1, 6)
        + _f("S", 6)
        + _f(yydoy(settings.start), 6)
        + _f(2150, 6)
        + f" {'AGROFLUX ROTATION':<25} {season.model}",
        "@N OPTIONS     WATER NITRO SYMBI PHOSP POTAS DISES  CHEM  TILL   CO2",
        f"{n} OP         " + "".join(_f(v, 6) for v in ("Y", "Y", "Y", "N", "N", "N", "N", "N", "M")),
        "@N METHODS     WTHER INCON LIGHT EVAPO INFIL PHOTO HYDRO NSWIT MESOM MESEV MESOL",
        f"{n} ME         "
        + "".join(_f(v, 6) for v in ("M", "M", "E", "R", "S", "C", "R", "1", "P", "R", "1")),
        "@N MANAGEMENT  PLANT IRRIG FERTI RESID HARVS",
        f"{n} MA         "
        + "".join(_f(v, 6) for v in ("R", "A" if season.irrigated else "N", "R", "N", "M")),
        "@N OUTPUTS     FNAME OVVEW SUMRY FROPT GROUT CAOUT WAOUT NIOUT MIOUT DIOUT VBOSE CHOUT OPOUT FMOPT",
        f"{n} OU         "
        + "".join(_f(v, 6) for v in ("N", "N", "Y", "1", "Y", "Y", "Y", "Y", "N", "N", "Y", "N", "N", "A")),
        "",
        "@  AUTOMATIC MANAGEMENT",
        "@N PLANTING    PFRST PLAST PH2OL PH2OU PH2OD PSTMX PSTMN",
        f"{n} PL         "
        + _f(yydoy(season.planting), 6)
        + _f(yydoy(season.planting + timedelta(days=30)), 6)
        + _f(40, 6)
        + _f(100, 6)
        + _f(30, 6)
        + _f(40, 6)
        + _f(10, 6),
        "@N IRRIGATION  IMDEP ITHRL ITHRU IROFF IMETH IRAMT IREFF",
        f"{n} IR         "
        + _f(settings.irrigation_depth, 6)
        + _f(settings.irrigation_threshold, 6)
        + _f(100, 6)
        + _f("GS000", 6)
        + _f("IR001", 6)
        + _f(25, 6)
        + _f(1, 6),
        "@N NITROGEN    NMDEP NMTHR NAMNT NCODE NAOFF",
        f"{n} NI         " + _f(30, 6) + _f(50, 6) + _f(25, 6) + _f("FE001", 6) + _f("GS000", 6),
        "@N RESIDUES    RIPCN RTIME RIDEP",
        f"{n} RE         " + _f(100, 6) + _f(1, 6) + _f(20, 6),
        "@N HARVEST     HFRST HLAST HPCNP HPCNR",
        f"{n} HA         " + _f(0, 6) + _f(yydoy(last_harvest), 6) + _f(100, 6) + _f(0, 6),
        "",
    ]


def batch_text(experiment_file: str, components: int) -> str:
    """The sequence batch file: one line per rotation component of treatment 1; the file name fills
    columns 1-92, then TRTNO, RP, SQ, OP, CO in 7 columns each (DSSAT reads them by column)."""
    if len(experiment_file) > 92:
        raise ValueError(f"experiment file name {experiment_file!r} is longer than 92 characters")
    lines = ["$BATCH(SEQUENCE)", "!", f"@FILEX{' ' * 86}   TRTNO     RP     SQ     OP     CO"]
    for component in range(1, components + 1):
        lines.append(f"{experiment_file:<92}{1:7d}{1:7d}{component:7d}{1:7d}{0:7d}")
    return "\n".join(lines) + "\n"


def profile_text(run_dir: Path, dssat_home: Path, models: dict[str, str]) -> str:
    """The DSSATPRO file: where weather, genotypes and the crop models are."""
    lines = [f"WED    {run_dir}"]
    lines += [f"M{crop}    {run_dir} dscsm048 {model}" for crop, model in models.items()]
    lines += [
        f"CRD    {dssat_home / 'Genotype'}",
        f"PSD    {dssat_home / 'Pest'}",
        f"SLD    {run_dir}",
        f"STD    {dssat_home / 'StandardData'}",
    ]
    return "\n".join(lines) + "\n"
