"""Reader of the official AgroFlux release (arXiv 2602.01614): z-scored ``.npy`` arrays -> daily tables.

The release (Hugging Face ``qic69/AgroFlux``, CC BY 4.0) ships four subsets as NumPy arrays that are
already z-scored, laid out as follows:

=========  ==========  =================================================================
name       folder      arrays
=========  ==========  =================================================================
ecosys     ``t0_mw``   ``X_mw_scaled.npy`` (years*365, counties*20, 11) and
                       ``Y_mw_scaled_{Carbon,Thermal,Water,Nitrogen}.npy`` (5, 6, 4, 5 channels)
daycent    ``t0_dc``   the same with ``dc``
n2o        ``t1_n2o``  ``X_real_scaled_{c}.npy`` (365, 3, 11), ``Y_real_scaled_Combined_{c}.npy``
co2        ``t1_co2``  ``X_real_scaled_ECfluxnet_{s}.npy`` (years*365, 1, 11) and
                       ``Y_real_scaled_ECfluxnet_Combined_{s}.npy``
=========  ==========  =================================================================

plus ``t0_scalers/X_scaler.npy`` and ``Y_scaler_{module}.npy`` ((n, 2): mean, std).

Why this reader exists: the published code loads every array whole and concatenates the target
modules, peaking near 10 GB of RAM; models then see standardised values whose scalers were fit on
all years. Here every file is checked up front (presence, shape, dtype, truncation, scalers, all-NaN
channels) so a bad download fails before anything streams, then each county (all 20 fertilizer
regimes) is read from a memory map in small day blocks, unscaled to physical units (``x * std +
mean``, then the sign of ``release_layout``) and yielded as one canonical daily table.
Normalisation is left to the exporter, which fits it on the training split only.

Calendar: day ``d`` of a release year is day ``d`` of a no-leap year. Ecosys years start at 2001,
DayCent at 2000, chambers at 2016 (:data:`release_layout.RELEASE_FIRST_YEAR`, the most likely reading). The
tower files carry no year at all: their dates are placeholders on a no-leap calendar starting at
:data:`TOWER_PLACEHOLDER_FIRST_YEAR` (1901), so ``date.year - 1900`` is the tower year 1..N, and
every tower frame has ``frame.attrs["dates_known"] = False`` so the exporter writes ``first_date``
as ``""``.

Modules: this one streams the frames and makes the source specs; ``release_files.py`` validates the
folders and files; ``release_layout.py`` says which column is which variable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from agroflux_hf import schema
from agroflux_hf.data.calendar import noleap_dates as noleap_dates  # re-exported: the old path
from agroflux_hf.data.sources import release_layout
from agroflux_hf.data.sources.contract import SourceSpec
from agroflux_hf.data.sources.release_files import _DESCRIPTIONS, _drop_mapped_pages, _iter_day_blocks
from agroflux_hf.data.sources.release_files import CITATION as CITATION
from agroflux_hf.data.sources.release_files import DAYS as DAYS
from agroflux_hf.data.sources.release_files import DOCUMENTED_COUNTIES as DOCUMENTED_COUNTIES
from agroflux_hf.data.sources.release_files import DOCUMENTED_SITES as DOCUMENTED_SITES
from agroflux_hf.data.sources.release_files import DOCUMENTED_YEARS as DOCUMENTED_YEARS
from agroflux_hf.data.sources.release_files import EXPERIMENTS_PER_COUNTY as EXPERIMENTS_PER_COUNTY
from agroflux_hf.data.sources.release_files import INPUT_NAMES as INPUT_NAMES
from agroflux_hf.data.sources.release_files import LICENSE as LICENSE
from agroflux_hf.data.sources.release_files import N_FOLDS as N_FOLDS
from agroflux_hf.data.sources.release_files import N_INPUTS as N_INPUTS
from agroflux_hf.data.sources.release_files import STATIC_NAMES as STATIC_NAMES
from agroflux_hf.data.sources.release_files import SUBSETS as SUBSETS
from agroflux_hf.data.sources.release_files import SW_IN_COLUMN as SW_IN_COLUMN
from agroflux_hf.data.sources.release_files import (
    TOWER_PLACEHOLDER_FIRST_YEAR as TOWER_PLACEHOLDER_FIRST_YEAR,
)

# The release's files and their validation live in release_files.py; every name stays importable here.
from agroflux_hf.data.sources.release_files import ArrayFile as ArrayFile
from agroflux_hf.data.sources.release_files import ObservationLayout as ObservationLayout
from agroflux_hf.data.sources.release_files import ObservationSite as ObservationSite
from agroflux_hf.data.sources.release_files import SimulationLayout as SimulationLayout
from agroflux_hf.data.sources.release_files import Unscale as Unscale
from agroflux_hf.data.sources.release_files import open_array as open_array
from agroflux_hf.data.sources.release_files import validate_release as validate_release

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------
# streaming
# ----------------------------------------------------------------------------------------------


def read_sites(path: Path, start: int, stop: int) -> np.ndarray:
    """``array[:, start:stop, :]`` of a (days, sites, v) release file, read in small day blocks.

    Only the pages of one block are mapped at a time, so the resident memory stays a few MB plus the
    returned slice whatever the size of the file.
    """
    array = open_array(path)
    out = np.empty((array.shape[0], stop - start, array.shape[2]), dtype=array.dtype)
    for first, last in _iter_day_blocks(array):
        out[first:last] = array[first:last, start:stop]
        _drop_mapped_pages(array)
    del array
    return out


def _frame(
    source: schema.Source,
    site_id: str,
    experiments: np.ndarray,
    dates: np.ndarray,
    inputs: np.ndarray,
    target_names: tuple[str, ...],
    targets: np.ndarray,
) -> pd.DataFrame:
    """One canonical daily table; ``inputs`` are physical in release column order, (rows, 11)."""
    columns: dict[str, object] = {
        schema.SOURCE_FIELD: source.value,
        schema.DOMAIN_FIELD: schema.SOURCE_DOMAIN[source].value,
        schema.SITE_ID: site_id,
        schema.EXPERIMENT: experiments.astype(np.int64),
        schema.DATE_COLUMN: dates,
    }
    for name in INPUT_NAMES + STATIC_NAMES:
        columns[name] = inputs[:, release_layout.release_column(name).index]
    for k, name in enumerate(target_names):
        columns[name] = targets[:, k]
    return pd.DataFrame(columns)


def _rows(per_experiment: np.ndarray) -> np.ndarray:
    """(days, experiments, v) -> (experiments*days, v): rows ordered by experiment, then date."""
    return np.ascontiguousarray(per_experiment.transpose(1, 0, 2)).reshape(-1, per_experiment.shape[2])


def iter_simulation_frames(layout: SimulationLayout) -> Iterator[pd.DataFrame]:
    """One frame per county: its 20 experiments x all days, physical units."""
    dates = noleap_dates(layout.first_year, layout.n_years)
    experiments = np.repeat(np.arange(EXPERIMENTS_PER_COUNTY), dates.size)
    for county in range(layout.n_counties):
        start, stop = county * EXPERIMENTS_PER_COUNTY, (county + 1) * EXPERIMENTS_PER_COUNTY
        inputs = layout.inputs.apply(_rows(read_sites(layout.x.path, start, stop)))
        targets = np.concatenate(
            [
                u.apply(_rows(read_sites(y.path, start, stop)))
                for y, u in zip(layout.y, layout.targets, strict=True)
            ],
            axis=1,
        )
        yield _frame(
            layout.source,
            f"county_{county:03d}",
            experiments,
            np.tile(dates, EXPERIMENTS_PER_COUNTY),
            inputs,
            release_layout.RELEASE_TARGET_NAMES,
            targets,
        )


def iter_observation_frames(layout: ObservationLayout) -> Iterator[pd.DataFrame]:
    """One frame per chamber or tower, experiment -1; extra target channels are not read."""
    for site in layout.sites:
        x = np.asarray(open_array(site.x.path))
        y = np.asarray(open_array(site.y.path))[..., list(layout.channels)]
        if layout.year_axis:  # (365, years, v) -> (years*365, v)
            x, y = (a.transpose(1, 0, 2).reshape(-1, a.shape[2]) for a in (x, y))
        else:  # (years*365, 1, v)
            x, y = x[:, 0, :], y[:, 0, :]
        first_year = layout.first_year if layout.first_year is not None else TOWER_PLACEHOLDER_FIRST_YEAR
        dates = noleap_dates(first_year, site.n_years)
        frame = _frame(
            layout.source,
            site.site_id,
            np.full(dates.size, schema.NO_EXPERIMENT),
            dates,
            layout.inputs.apply(x),
            layout.target_names,
            layout.targets.apply(y),
        )
        frame.attrs["dates_known"] = layout.first_year is not None
        yield frame


def iter_site_frames(layout: SimulationLayout | ObservationLayout) -> Iterator[pd.DataFrame]:
    """Canonical daily tables of one validated subset, site by site (the contract's reader entry point)."""
    if isinstance(layout, SimulationLayout):
        return iter_simulation_frames(layout)
    return iter_observation_frames(layout)


# ----------------------------------------------------------------------------------------------
# source specs
# ----------------------------------------------------------------------------------------------


def _description(layout: SimulationLayout | ObservationLayout) -> str:
    if isinstance(layout, SimulationLayout):
        return _DESCRIPTIONS[layout.subset].format(
            counties=layout.n_counties,
            years=layout.n_years,
            first=layout.first_year,
            last=layout.first_year + layout.n_years - 1,
        )
    if layout.first_year is None:  # towers: years differ per site and are not dated
        return _DESCRIPTIONS[layout.subset].format(
            sites=len(layout.sites), years=sum(s.n_years for s in layout.sites)
        )
    n_years = layout.sites[0].n_years
    return _DESCRIPTIONS[layout.subset].format(
        sites=len(layout.sites), years=n_years, first=layout.first_year, last=layout.first_year + n_years - 1
    )


def source_spec(layout: SimulationLayout | ObservationLayout) -> SourceSpec:
    """The :class:`SourceSpec` of one validated subset (frames stream lazily, site by site)."""
    if isinstance(layout, SimulationLayout):
        target_names, n_sites = release_layout.RELEASE_TARGET_NAMES, layout.n_counties
        years = tuple(range(layout.first_year, layout.first_year + layout.n_years))
    else:
        target_names, n_sites = layout.target_names, len(layout.sites)
        years = None  # towers: each its own number of undated years; chambers: taken from the frames
        if layout.first_year is not None:
            years = tuple(range(layout.first_year, layout.first_year + layout.sites[0].n_years))
    return SourceSpec(
        name=layout.subset,
        source=layout.source,
        frames=partial(iter_site_frames, layout),
        input_names=INPUT_NAMES,
        static_names=STATIC_NAMES,
        target_names=target_names,
        description=_description(layout),
        license=LICENSE,
        citation=CITATION,
        terms=(
            {
                "key": "agroflux_release",
                "title": "the official AgroFlux release (qic69/AgroFlux)",
                "licence": LICENSE,
                "citation": "arXiv:2602.01614",
                "redistributable": "yes",
                "columns": [],
            },
        ),
        redistributable="yes",
        n_folds=N_FOLDS,
        dates_known=isinstance(layout, SimulationLayout) or layout.first_year is not None,
        years=years,
        n_sites=n_sites,
    )


def release_source_specs(
    release_dir: Path | str, subsets: list[str] | tuple[str, ...] | None = None
) -> list[SourceSpec]:
    """SourceSpecs of the official release under ``release_dir``: ecosys, daycent, n2o, co2.

    ``subsets`` picks some of those names (``mw``/``dc`` also accepted); None takes every subset
    whose folder is present. Every file is validated here, before anything streams, so a missing,
    truncated or misshapen file raises :class:`DataFileError` naming it.
    """
    return [source_spec(layout) for layout in validate_release(release_dir, subsets)]
