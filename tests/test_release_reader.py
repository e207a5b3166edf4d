"""The official-release reader on tiny releases written in exactly the release layout."""

from __future__ import annotations

import logging
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from release_fixture import (
    EXPERIMENTS_PER_COUNTY,
    make_tiny_release,
    save_npy,
    truncate_file,
    write_tiny_release,
)

from agroflux_hf import schema
from agroflux_hf.data.sources import release as reader
from agroflux_hf.data.sources import release_layout as layout
from agroflux_hf.data.sources.release import release_source_specs
from agroflux_hf.errors import DataFileError

DAYS = schema.SEQUENCE_LENGTH


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_release(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def frames(tiny):
    """All frames of every subset, read once for the module."""
    return {spec.name: list(spec.frames()) for spec in release_source_specs(tiny.root)}


def _specs_by_name(root: Path, **kwargs) -> dict:
    return {spec.name: spec for spec in release_source_specs(root, **kwargs)}


# ----------------------------------------------------------------------------------------------
# specs, shapes, identifiers
# ----------------------------------------------------------------------------------------------


def test_specs_describe_the_four_subsets(tiny):
    specs = _specs_by_name(tiny.root)
    assert list(specs) == ["ecosys", "daycent", "n2o", "co2"]
    assert {n: s.source for n, s in specs.items()} == {
        "ecosys": schema.Source.ECOSYS,
        "daycent": schema.Source.DAYCENT,
        "n2o": schema.Source.CHAMBER,
        "co2": schema.Source.TOWER,
    }
    for spec in specs.values():
        assert spec.input_names == ("TMAX", "TMIN", "PRECIP", "N_FERT", "PLANTING", "CROP", "SW_IN")
        assert spec.static_names == ("BULK_DENSITY", "SAND", "SILT", "PH")
        assert spec.license == "CC BY 4.0"
        assert "2602.01614" in spec.citation
        assert spec.n_folds == 5
        assert spec.description
    assert specs["ecosys"].target_names == layout.RELEASE_TARGET_NAMES
    assert specs["co2"].target_names == ("GPP", "NEE")
    assert specs["n2o"].target_names == ("N2O_FLUX",)
    assert specs["ecosys"].years == (2001, 2002, 2003)
    assert specs["daycent"].years == (2000, 2001, 2002)
    assert specs["n2o"].years == (2016, 2017, 2018)
    assert [s.dates_known for s in specs.values()] == [True, True, True, False]
    assert [s.n_sites for s in specs.values()] == [3, 3, 3, 3]


def test_frames_follow_the_canonical_table(frames, tiny):
    for name, site_frames in frames.items():
        for frame in site_frames:
            assert list(frame.columns[:5]) == ["source", "domain", "site_id", "experiment", "date"]
            assert frame["date"].dtype == "datetime64[ns]"
            assert frame["experiment"].dtype == np.int64
            assert frame["site_id"].nunique() == 1
            values = frame.drop(columns=["source", "domain", "site_id", "experiment", "date"])
            assert (values.dtypes == np.float32).all(), name
            dates = frame["date"]
            assert not ((dates.dt.month == 2) & (dates.dt.day == 29)).any()
            # Each (experiment) sequence is whole 365-day years.
            assert (frame.groupby("experiment").size() % DAYS == 0).all()
    ecosys = frames["ecosys"]
    assert [f["site_id"].iloc[0] for f in ecosys] == ["county_000", "county_001", "county_002"]
    assert len(ecosys[0]) == EXPERIMENTS_PER_COUNTY * 3 * DAYS
    assert sorted(ecosys[0]["experiment"].unique()) == list(range(EXPERIMENTS_PER_COUNTY))
    assert [f["site_id"].iloc[0] for f in frames["n2o"]] == ["chamber_0", "chamber_1", "chamber_2"]
    assert [f["site_id"].iloc[0] for f in frames["co2"]] == ["tower_00", "tower_01", "tower_02"]
    assert [len(f) for f in frames["co2"]] == [2 * DAYS, 1 * DAYS, 3 * DAYS]
    assert all((f["experiment"] == schema.NO_EXPERIMENT).all() for f in frames["co2"] + frames["n2o"])
    assert all(f["domain"].iloc[0] == "observation" for f in frames["co2"])


def test_dates_start_at_the_documented_years(frames):
    first = {name: f[0]["date"].iloc[0] for name, f in frames.items()}
    assert first["ecosys"] == pd.Timestamp("2001-01-01")
    assert first["daycent"] == pd.Timestamp("2000-01-01")
    assert first["n2o"] == pd.Timestamp("2016-01-01")
    assert frames["ecosys"][0]["date"].iloc[-1] == pd.Timestamp("2003-12-31")
    # Towers: placeholder calendar, years 1..N = date.year - 1900, flagged as not real dates.
    tower = frames["co2"][2]
    assert sorted(tower["date"].dt.year.unique() - 1900) == [1, 2, 3]
    assert tower.attrs["dates_known"] is False
    assert frames["n2o"][0].attrs["dates_known"] is True


# ----------------------------------------------------------------------------------------------
# units, signs, statics, NaN
# ----------------------------------------------------------------------------------------------


def _site_block(expected: np.ndarray, county: int) -> np.ndarray:
    """(days, sites, v) expected values of one county -> rows ordered by experiment, then day."""
    part = expected[:, county * EXPERIMENTS_PER_COUNTY : (county + 1) * EXPERIMENTS_PER_COUNTY]
    return part.transpose(1, 0, 2).reshape(-1, part.shape[2])


@pytest.mark.parametrize("subset", ["ecosys", "daycent"])
def test_simulation_values_are_the_unscaled_release(frames, tiny, subset):
    expected = tiny.expected[subset][0]
    for county, frame in enumerate(frames[subset]):
        inputs = _site_block(expected.inputs, county)
        for name in reader.INPUT_NAMES + reader.STATIC_NAMES:
            column = layout.release_column(name).index
            np.testing.assert_allclose(frame[name], inputs[:, column], rtol=1e-5, atol=1e-5, err_msg=name)
        targets = _site_block(expected.targets, county)
        for k, name in enumerate(layout.RELEASE_TARGET_NAMES):
            np.testing.assert_allclose(frame[name], targets[:, k], rtol=1e-5, atol=1e-8, err_msg=name)


def test_signs_flip_to_the_atmospheric_convention(frames, tiny):
    frame = frames["ecosys"][0]
    stored = np.load(tiny.root / "t0_mw" / "Y_mw_scaled_Carbon.npy")[:, :EXPERIMENTS_PER_COUNTY]
    raw = stored.astype(np.float64) * np.array([2.48349, 4.87238, 2.68429, 117.103, 75.1250]) + np.array(
        [-2.03994, 2.79923, -0.349259, 273.347, 2.93737]
    )
    raw = raw.transpose(1, 0, 2).reshape(-1, 5)
    np.testing.assert_allclose(frame["RECO"], -raw[:, 0], rtol=1e-5)
    np.testing.assert_allclose(frame["GPP"], raw[:, 1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(frame["NEE"], -raw[:, 2], rtol=1e-5, atol=1e-6)
    # Physical meaning: respiration is a positive magnitude and NEE = RECO - GPP.
    assert (frame["RECO"] > 0).all()
    np.testing.assert_allclose(frame["NEE"], frame["RECO"] - frame["GPP"], atol=2e-5 * 20)


def test_inputs_are_physically_plausible(frames):
    frame = frames["ecosys"][1]
    for column, (low, high) in {
        "TMAX": (-40, 50),
        "PRECIP": (-1e-4, 200),
        "BULK_DENSITY": (0.8, 2.0),
        "PH": (3, 10),
        "SW_IN": (0, 40),
    }.items():
        assert frame[column].between(low, high).all(), column
    one_sequence = frame[(frame["experiment"] == 7) & (frame["date"].dt.year == 2002)]
    assert len(one_sequence) == DAYS
    assert np.isclose(one_sequence["PLANTING"], 1, atol=1e-4).sum() == 1
    assert one_sequence["SW_IN"].std() > 1
    np.testing.assert_allclose(one_sequence["N_FERT"].max(), 33.6 * 7 / 19, rtol=1e-4)


def test_statics_are_constant_within_a_site(frames):
    for name in ("ecosys", "n2o", "co2"):
        for frame in frames[name]:
            for column in reader.STATIC_NAMES:
                assert np.ptp(frame[column].to_numpy()) < 1e-3 * abs(frame[column].iloc[0]), (name, column)


@pytest.mark.parametrize("subset", ["n2o", "co2"])
def test_observations_keep_nan_and_named_channels(frames, tiny, subset):
    for frame, expected in zip(frames[subset], tiny.expected[subset], strict=True):
        targets = expected.targets
        inputs = expected.inputs
        if subset == "n2o":  # (365, years, v) -> rows by year, then day
            targets, inputs = (a.transpose(1, 0, 2).reshape(-1, a.shape[2]) for a in (targets, inputs))
        else:
            targets, inputs = targets[:, 0], inputs[:, 0]
        for k, name in enumerate(expected.target_names):
            values = frame[name].to_numpy()
            np.testing.assert_array_equal(np.isnan(values), np.isnan(targets[:, k]))
            assert 0 < np.isnan(values).mean() < 1
            np.testing.assert_allclose(values, targets[:, k], rtol=1e-5, atol=1e-8, equal_nan=True)
        np.testing.assert_allclose(frame["TMAX"], inputs[:, 0], rtol=1e-5, atol=1e-5)


def test_extra_observation_channels_are_dropped_with_a_note(tiny, caplog):
    with caplog.at_level(logging.INFO, logger=reader.__name__):
        specs = _specs_by_name(tiny.root, subsets=["co2"])
    assert "channels [2] have no documented name" in caplog.text
    frame = next(iter(specs["co2"].frames()))
    assert [c for c in frame.columns if c in schema.VARIABLES and schema.VARIABLES[c].role == "target"] == [
        "GPP",
        "NEE",
    ]


def test_float64_release_and_size_notes(tmp_path, caplog):
    release = make_tiny_release(tmp_path, n_counties=1, mw_years=2, subsets=["mw"], dtype=np.float64)
    with caplog.at_level(logging.INFO, logger=reader.__name__):
        (spec,) = release_source_specs(tmp_path)
    assert "1 counties (the documented release has 99)" in caplog.text
    assert "2 years (the documented release has 18)" in caplog.text
    (frame,) = list(spec.frames())
    expected = _site_block(release.expected["ecosys"][0].targets, 0)
    np.testing.assert_allclose(frame["YIELD"], expected[:, 3], rtol=1e-6)
    assert frame["YIELD"].dtype == np.float32


def test_constant_column_10_warns(tmp_path, caplog):
    root = write_tiny_release(tmp_path, subsets=["co2"], tower_years=(1,))
    path = root / "t1_co2" / "X_real_scaled_ECfluxnet_0.npy"
    x = np.load(path)
    x[..., 10] = 0.3
    save_npy(path, x)
    with caplog.at_level(logging.WARNING, logger=reader.__name__):
        release_source_specs(root)
    assert "column 10" in caplog.text and "constant" in caplog.text


def test_a_negative_mean_n2o_flux_warns_that_its_sign_is_unstated(tmp_path, caplog):
    """The release's own N2O_FLUX scaler mean (-5.4e-4 g N m-2 d-1, written by the fixture as documented)
    reads as net uptake: the reader says so, naming the scaler file, and keeps the stored sign."""
    write_tiny_release(tmp_path, subsets=["mw"])
    with caplog.at_level(logging.WARNING, logger=reader.__name__):
        release_source_specs(tmp_path)
    assert "Y_scaler_Nitrogen.npy" in caplog.text and "mean N2O_FLUX is -0.000541" in caplog.text
    assert layout.release_column("N2O_FLUX").sign == 1.0


# ----------------------------------------------------------------------------------------------
# subsets
# ----------------------------------------------------------------------------------------------


def test_subsets_present_and_chosen(tmp_path):
    root = write_tiny_release(tmp_path, subsets=["n2o", "co2"])
    assert [s.name for s in release_source_specs(root)] == ["n2o", "co2"]
    assert [s.name for s in release_source_specs(root, subsets=["co2"])] == ["co2"]
    with pytest.raises(DataFileError, match="t0_mw"):
        release_source_specs(root, subsets=["mw"])
    with pytest.raises(ValueError, match="unknown release subset"):
        release_source_specs(root, subsets=["dssat"])


def test_no_subset_present_names_the_folder_and_what_was_expected(tmp_path):
    with pytest.raises(DataFileError) as error:
        release_source_specs(tmp_path)
    assert error.value.path == str(tmp_path)
    for folder in ("t0_mw/", "t0_dc/", "t1_n2o/", "t1_co2/"):
        assert folder in str(error.value)
    with pytest.raises(DataFileError, match="not found"):
        release_source_specs(tmp_path / "nowhere")


# ----------------------------------------------------------------------------------------------
# bad files: each one fails up front, naming the file
# ----------------------------------------------------------------------------------------------


def _replace(path: Path, array: np.ndarray) -> None:
    path.unlink()
    save_npy(path, array)


def _missing(root: Path) -> Path:
    path = root / "t0_mw" / "Y_mw_scaled_Water.npy"
    path.unlink()
    return path


def _missing_chamber_x(root: Path) -> Path:
    path = root / "t1_n2o" / "X_real_scaled_1.npy"
    path.unlink()
    return path


def _missing_scaler(root: Path) -> Path:
    path = root / "t0_scalers" / "Y_scaler_Nitrogen.npy"
    path.unlink()
    return path


def _ten_inputs(root: Path) -> Path:
    path = root / "t0_mw" / "X_mw_scaled.npy"
    _replace(path, np.load(path)[..., :10])
    return path


def _four_carbon_channels(root: Path) -> Path:
    path = root / "t0_mw" / "Y_mw_scaled_Carbon.npy"
    _replace(path, np.load(path)[..., :4])
    return path


def _days_not_whole_years(root: Path) -> Path:
    path = root / "t0_dc" / "X_dc_scaled.npy"
    _replace(path, np.load(path)[:-5])
    return path


def _sites_not_whole_counties(root: Path) -> Path:
    path = root / "t0_dc" / "X_dc_scaled.npy"
    _replace(path, np.load(path)[:, :-3])
    return path


def _y_disagrees_in_days(root: Path) -> Path:
    path = root / "t0_mw" / "Y_mw_scaled_Thermal.npy"
    y = np.load(path)
    _replace(path, np.concatenate([y, y[:DAYS]]))
    return path


def _chamber_shape(root: Path) -> Path:
    path = root / "t1_n2o" / "X_real_scaled_0.npy"
    _replace(path, np.load(path)[:300])
    return path


def _tower_site_axis(root: Path) -> Path:
    path = root / "t1_co2" / "X_real_scaled_ECfluxnet_2.npy"
    _replace(path, np.repeat(np.load(path), 2, axis=1))
    return path


def _tower_y_days(root: Path) -> Path:
    path = root / "t1_co2" / "Y_real_scaled_ECfluxnet_Combined_0.npy"
    y = np.load(path)
    _replace(path, np.concatenate([y, y]))
    return path


def _int64(root: Path) -> Path:
    path = root / "t0_mw" / "X_mw_scaled.npy"
    _replace(path, np.load(path).astype(np.int64))
    return path


def _object(root: Path) -> Path:
    path = root / "t1_co2" / "Y_real_scaled_ECfluxnet_Combined_1.npy"
    array = np.load(path).astype(object)
    path.unlink()
    np.save(path, array, allow_pickle=True)
    return path


def _truncated(root: Path) -> Path:
    path = root / "t0_mw" / "Y_mw_scaled_Nitrogen.npy"
    truncate_file(path, 1000)
    return path


def _truncated_header(root: Path) -> Path:
    path = root / "t1_n2o" / "Y_real_scaled_Combined_2.npy"
    path.write_bytes(path.read_bytes()[:40])
    return path


def _all_nan_simulated(root: Path) -> Path:
    path = root / "t0_dc" / "Y_dc_scaled_Water.npy"
    y = np.load(path)
    y[..., 3] = np.nan
    _replace(path, y)
    return path


def _all_nan_observed(root: Path) -> Path:
    path = root / "t1_co2" / "Y_real_scaled_ECfluxnet_Combined_1.npy"
    y = np.load(path)
    y[..., 1] = np.nan
    _replace(path, y)
    return path


def _zero_std(root: Path) -> Path:
    path = root / "t0_scalers" / "Y_scaler_Thermal.npy"
    scaler = np.load(path)
    scaler[2, 1] = 0.0
    _replace(path, scaler)
    return path


def _nan_std(root: Path) -> Path:
    path = root / "t0_scalers" / "X_scaler.npy"
    scaler = np.load(path)
    scaler[4, 1] = np.nan
    _replace(path, scaler)
    return path


BAD_RELEASES = {
    "missing file": (_missing, "missing"),
    "missing chamber input": (_missing_chamber_x, "missing"),
    "missing scaler": (_missing_scaler, "missing"),
    "10 inputs": (_ten_inputs, "10 inputs"),
    "4 carbon channels": (_four_carbon_channels, "Carbon targets"),
    "days not whole years": (_days_not_whole_years, "not a multiple of 365"),
    "sites not whole counties": (_sites_not_whole_counties, "not a multiple of 20"),
    "Y days differ from X": (_y_disagrees_in_days, "expected"),
    "chamber days": (_chamber_shape, r"expected \(365, 3, 11\)"),
    "tower site axis": (_tower_site_axis, r"expected \(years\*365, 1, 11\)"),
    "tower Y days": (_tower_y_days, "expected"),
    "int64": (_int64, "dtype int64"),
    "object": (_object, "dtype object"),
    "truncated data": (_truncated, "truncated"),
    "truncated header": (_truncated_header, "truncated"),
    "all-NaN simulated target": (_all_nan_simulated, r"channel 3 \(ET\) is all NaN"),
    "all-NaN observed target": (_all_nan_observed, r"channel 1 \(NEE\) is all NaN"),
    "zero std": (_zero_std, r"row 2 \(TS_MAX_3\): std 0.0"),
    "NaN std": (_nan_std, r"row 4 \(PLANTING\): std nan"),
}


@pytest.mark.parametrize("case", list(BAD_RELEASES))
def test_bad_release_fails_up_front_naming_the_file(tmp_path, case):
    break_it, problem = BAD_RELEASES[case]
    root = write_tiny_release(
        tmp_path, n_counties=1, mw_years=1, dc_years=1, n_chambers=3, tower_years=(1, 1, 1)
    )
    path = break_it(root)
    with pytest.raises(DataFileError, match=problem) as error:
        release_source_specs(root)
    assert error.value.path == str(path)
    assert path.name in str(error.value)


# ----------------------------------------------------------------------------------------------
# streaming: lazy, and small in memory
# ----------------------------------------------------------------------------------------------


def test_frames_read_one_county_at_a_time(tiny, monkeypatch):
    reads = []
    original = reader.read_sites

    def counting(path, start, stop):
        reads.append((Path(path).name, start, stop))
        return original(path, start, stop)

    monkeypatch.setattr(reader, "read_sites", counting)
    (spec,) = release_source_specs(tiny.root, subsets=["ecosys"])
    iterator = iter(spec.frames())
    assert reads == []  # validation reads headers and small blocks, never a county
    next(iterator)
    assert {(start, stop) for _, start, stop in reads} == {(0, EXPERIMENTS_PER_COUNTY)}
    assert len(reads) == 5  # X and the four target modules
    next(iterator)
    assert len(reads) == 10
    # A fresh iterator each call: the exporter may stream a source twice.
    assert next(iter(spec.frames()))["site_id"].iloc[0] == "county_000"


def test_streaming_peak_memory_is_a_fraction_of_the_release(tmp_path):
    n_counties, n_years = 24, 2
    make_tiny_release(tmp_path, n_counties=n_counties, mw_years=n_years, subsets=["mw"])
    release_bytes = sum(p.stat().st_size for p in (tmp_path / "t0_mw").glob("*.npy"))
    (spec,) = release_source_specs(tmp_path, subsets=["ecosys"])
    tracemalloc.start()
    try:
        rows = 0
        for frame in spec.frames():
            rows += len(frame)
            del frame
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == n_counties * EXPERIMENTS_PER_COUNTY * n_years * DAYS
    # One county frame holds 1/24 of the data (float32, plus float64 while unscaling): far below the whole.
    assert peak < release_bytes / 3, (peak, release_bytes)
