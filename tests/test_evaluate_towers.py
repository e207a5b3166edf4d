"""``agroflux evaluate CKPT --towers FILE``: a shipped checkpoint scored on a real tower file it is given.

The file is the committed US-Ne1 FLUXNET2015 daily cut of 2004 (tests/data/towers, CC BY 4.0); 2004 is
a leap year, so the alignment after February 29 is checked against the raw file too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from agroflux_hf import cli
from agroflux_hf.checkpoints import checkpoint_path

pytestmark = pytest.mark.usefixtures("one_thread")

TOWERS = Path(__file__).resolve().parent / "data" / "towers"
DAILY_CUT = TOWERS / "FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_cut.csv.gz"
HOURLY = TOWERS / "US-Ne1_qca_ustar_2004.csv.gz"
CHECKPOINT = checkpoint_path("lstm")


@pytest.fixture(scope="module")
def daily_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("towers") / "scores"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(
            ["-q", "evaluate", str(CHECKPOINT), "--towers", str(DAILY_CUT), "--output-dir", str(out)]
        )
    assert code == 0
    return out, buffer.getvalue()


def test_scores_file_has_the_site_and_its_observed_targets(daily_run: tuple[Path, str]) -> None:
    out, _ = daily_run
    rows = pd.read_csv(out / "scores.csv")
    assert set(rows["site_id"]) == {"US-Ne1"}
    # the daily FLUXNET file has NEE, GPP, RECO, ET and TS_1 but no SWC_1: not scored, and said so
    assert set(rows["target"]) == {"NEE", "GPP", "RECO", "ET", "TS_1"}
    for metric in ("r2", "rmse", "mae", "bias", "kge"):
        assert rows[metric].map(math.isfinite).all(), metric
    assert (rows["n"] > 300).all() and (rows["n_failed"] == 0).all()
    scores = json.loads((out / "scores.json").read_text())
    assert scores["unscored_targets"] == ["SWC_1"]
    site = scores["sites"]["US-Ne1"]
    assert site["years"] == [2004]
    assert 2004 in site["agroflux_mini_years"]["train"]
    # a daily FLUXNET file has no TMAX/TMIN and no management; nothing states the site's attributes
    assert {"TMAX", "TMIN", "N_FERT", "CROP"} <= set(site["missing_inputs"])
    assert not {"TA", "PRECIP", "SW_IN", "VPD"} & set(site["missing_inputs"])
    assert site["missing_statics"] == ["CROPLAND", "LATITUDE", "LONGITUDE", "ELEVATION", "IRRIGATED"]
    nee = scores["scores"]["NEE"]["sites"]["US-Ne1"]
    assert nee["r2"] == pytest.approx(rows.set_index("target").loc["NEE", "r2"])


def test_table_names_the_missing_inputs_and_a_png_is_drawn(daily_run: tuple[Path, str]) -> None:
    out, printed = daily_run
    assert printed.splitlines()[0].split()[:4] == ["site", "target", "days", "R2"]
    assert "inputs missing (NaN, masked): TMAX, TMIN" in printed
    # the fixture is cut from an AgroFlux-mini tower: the user is told the shipped checkpoint saw 2004,
    # from the training data its config.json records
    assert "US-Ne1 is in temporal_co2, the data this checkpoint was trained on" in printed
    assert "2004 were seen in training" in printed
    png = out / "US-Ne1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_predictions_match_the_raw_file_and_a_direct_forward(daily_run: tuple[Path, str]) -> None:
    """Observed values are the raw file's on the same dates (after Feb 29 too), and the predictions are
    the model's on inputs assembled by hand from the raw columns (no builder, no importer)."""
    from agroflux_hf.models import load_model

    out, _ = daily_run
    daily = pd.read_csv(out / "predictions.csv", parse_dates=["date"])
    raw = pd.read_csv(DAILY_CUT, dtype={"TIMESTAMP": str}).replace(-9999, np.nan)
    raw["date"] = pd.to_datetime(raw["TIMESTAMP"], format="%Y%m%d")
    raw = raw[~((raw["date"].dt.month == 2) & (raw["date"].dt.day == 29))].reset_index(drop=True)
    assert len(daily) == 365 and (daily["date"].to_numpy() == raw["date"].to_numpy()).all()
    np.testing.assert_allclose(daily["TS_1_observed"], raw["TS_F_MDS_1"], rtol=1e-6)
    measured = raw["NEE_VUT_REF_QC"] >= 40 / 48
    np.testing.assert_allclose(
        daily.loc[measured, "NEE_observed"], raw.loc[measured, "NEE_VUT_REF"], rtol=1e-6
    )
    assert daily.loc[~measured, "NEE_observed"].isna().all()

    model = load_model(CHECKPOINT)
    columns = {"TA": raw["TA_F"], "PRECIP": raw["P_F"], "SW_IN": raw["SW_IN_F"] * 0.0864, "VPD": raw["VPD_F"]}
    past = np.full((1, 365, len(model.config.input_names)), np.nan, dtype=np.float32)
    for j, name in enumerate(model.config.input_names):
        if name in columns:
            past[0, :, j] = columns[name].to_numpy(np.float32)
    static = torch.full((1, len(model.config.static_names)), float("nan"))
    with torch.no_grad():
        predicted = model(past_values=torch.from_numpy(past), static_real_features=static).predictions[0]
    for k, name in enumerate(model.config.target_names):
        if f"{name}_predicted" in daily:
            np.testing.assert_allclose(
                daily[f"{name}_predicted"], predicted[:, k].numpy(), rtol=1e-4, atol=1e-4
            )


def test_site_metadata_fills_the_statics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", str(CHECKPOINT), "--towers", str(HOURLY), "--output-dir", str(tmp_path)]
    code = cli.main([*args, "--latitude", "41.1651", "--longitude", "-96.4766", "--igbp", "CRO"])
    assert code == 0
    site = json.loads((tmp_path / "scores.json").read_text())["sites"]["US-Ne1"]
    assert site["missing_statics"] == ["ELEVATION", "IRRIGATED"]
    # the hourly qca file has no precipitation or humidity: missing, never derived from anything else
    assert {"PRECIP", "VPD"} <= set(site["missing_inputs"])
    rows = pd.read_csv(tmp_path / "scores.csv")
    assert list(rows["target"]) == ["NEE"] and math.isfinite(rows["r2"].iloc[0])


def test_site_attributes_far_outside_training_are_reported(tmp_path: Path, capsys) -> None:
    """A site whose attributes lie far from every training site gets a note and ``far_statics``."""
    args = ["evaluate", str(CHECKPOINT), "--towers", str(HOURLY), "--output-dir", str(tmp_path)]
    assert cli.main([*args, "--latitude", "-45.0", "--longitude", "170.0", "--igbp", "CRO"]) == 0
    far = json.loads((tmp_path / "scores.json").read_text())["sites"]["US-Ne1"]["far_statics"]
    assert set(far) == {"LATITUDE", "LONGITUDE"} and far["LATITUDE"] < -3 and far["LONGITUDE"] > 3
    assert "US-Ne1: site attributes far outside the training range (LATITUDE" in capsys.readouterr().out
    assert cli.main([*args, "--latitude", "41.1651", "--longitude", "-96.4766", "--igbp", "CRO"]) == 0
    assert json.loads((tmp_path / "scores.json").read_text())["sites"]["US-Ne1"]["far_statics"] == {}
    assert "far outside the training range" not in capsys.readouterr().out

    from agroflux_hf.models import load_model

    bounded = load_model(CHECKPOINT)
    bounded.config.static_bounds = {"LATITUDE": [30.0, 55.0], "LONGITUDE": [-125.0, 15.0]}
    bounded.save_pretrained(tmp_path / "bounded")
    args[1] = str(tmp_path / "bounded")
    assert cli.main([*args, "--latitude", "-45.0", "--longitude", "170.0", "--igbp", "CRO"]) == 0
    assert "the checkpoint clips them to its training range (static_bounds)" in capsys.readouterr().out


def test_unreadable_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "my_tower.csv"
    bad.write_text("hello,world\n1,2\n")
    code = cli.main(
        ["evaluate", str(CHECKPOINT), "--towers", str(DAILY_CUT), str(bad), "--output-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("agroflux evaluate: error:") and str(bad) in err and "unknown format" in err
    assert not (tmp_path / "scores.csv").exists()


def test_a_file_without_site_id_needs_site_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    renamed = tmp_path / "daily_2004.csv.gz"
    renamed.write_bytes(DAILY_CUT.read_bytes())
    args = ["evaluate", str(CHECKPOINT), "--towers", str(renamed), "--output-dir", str(tmp_path / "out")]
    assert cli.main(args) == 1
    assert "cannot tell the site id" in capsys.readouterr().err
    assert cli.main([*args, "--site-id", "MY-Farm"]) == 0
    assert set(pd.read_csv(tmp_path / "out" / "scores.csv")["site_id"]) == {"MY-Farm"}
    assert "note:" not in capsys.readouterr().out
    assert (
        json.loads((tmp_path / "out" / "scores.json").read_text())["sites"]["MY-Farm"]["agroflux_mini_years"]
        is None
    )
    assert (tmp_path / "out" / "MY-Farm.png").is_file()


def test_imported_parquet_with_added_management(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's route for management: import-flux's parquet, with schema-named columns added."""
    from agroflux_hf.data.sources.flux_towers import import_flux_files

    table_path = tmp_path / "us-ne1.parquet"
    import_flux_files([DAILY_CUT], table_path)
    table = pd.read_parquet(table_path)
    table["CROP"] = np.float32(1.0)  # a stated crop code on every day
    table["PLANTING"] = (table["date"] == "2004-05-03").astype(np.float32)
    table.to_parquet(table_path)
    out = tmp_path / "out"
    assert (
        cli.main(["-q", "evaluate", str(CHECKPOINT), "--towers", str(table_path), "--output-dir", str(out)])
        == 0
    )
    missing = json.loads((out / "scores.json").read_text())["sites"]["US-Ne1"]["missing_inputs"]
    assert "CROP" not in missing and "PLANTING" not in missing and "HARVEST" in missing
    with_management = pd.read_csv(out / "predictions.csv")["NEE_predicted"]
    plain = tmp_path / "plain"
    assert (
        cli.main(["-q", "evaluate", str(CHECKPOINT), "--towers", str(DAILY_CUT), "--output-dir", str(plain)])
        == 0
    )
    assert not np.allclose(pd.read_csv(plain / "predictions.csv")["NEE_predicted"], with_management)


def _checkpoint_with_training_data(tmp_path: Path, training_data: dict | None) -> Path:
    """The shipped LSTM with another record of its training data (the weights do not matter here)."""
    import shutil

    folder = tmp_path / "checkpoint"
    shutil.copytree(CHECKPOINT, folder)
    values = json.loads((folder / "config.json").read_text())
    values.pop("training_data", None)
    if training_data is not None:
        values["training_data"] = training_data
    (folder / "config.json").write_text(json.dumps(values))
    return folder


def _notes_of_evaluating(checkpoint: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The ``note:`` lines of ``agroflux -q evaluate CHECKPOINT --towers`` on the daily US-Ne1 cut."""
    args = ["-q", "evaluate", str(checkpoint), "--towers", str(DAILY_CUT), "--output-dir", str(out)]
    assert cli.main(args) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]


@pytest.mark.parametrize(
    ("training_data", "expected"),
    [
        # US-Ne1 is the test tower of spatial fold 3: never in training or validation
        ({"config": "spatial_co2_fold3", "data_dir": None}, "held out of training and validation"),
        # trained on simulations only: the tower is not in its data, nothing to warn of
        ({"config": "temporal_dssat_ceres_maize", "data_dir": None}, None),
        # a checkpoint that does not record its data: temporal_co2 assumed, and said to be assumed
        (None, "assumed: the checkpoint does not record its training data"),
        # recorded data that cannot be opened here: said, not silently taken for an unseen site
        (
            {"config": "temporal_co2", "data_dir": "/nonexistent/agroflux"},
            "cannot tell whether any scored site-year was seen in training",
        ),
    ],
)
def test_the_report_says_whether_the_checkpoint_saw_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], training_data: dict | None, expected: str | None
) -> None:
    checkpoint = _checkpoint_with_training_data(tmp_path, training_data)
    notes = _notes_of_evaluating(checkpoint, tmp_path / "o", capsys)
    if expected is None:
        assert notes == []
    else:
        assert len(notes) == 1 and expected in notes[0], notes


def test_site_attributes_given_for_an_imported_table_are_used(tmp_path: Path) -> None:
    """--latitude/--longitude/--igbp for a parquet table are written over its static columns, not
    ignored; a table of two sites needs them by site id; a table's site cannot be renamed."""
    from agroflux_hf.data.sources.flux_towers import import_flux_files
    from agroflux_hf.errors import DataFileError

    table_path = tmp_path / "us-ne1.parquet"
    import_flux_files([DAILY_CUT], table_path)
    out = tmp_path / "out"
    args = ["-q", "evaluate", str(CHECKPOINT), "--towers", str(table_path), "--output-dir", str(out)]
    assert cli.main([*args, "--latitude", "41.1651", "--longitude", "-96.4766", "--igbp", "CRO"]) == 0
    missing = json.loads((out / "scores.json").read_text())["sites"]["US-Ne1"]["missing_statics"]
    assert missing == ["ELEVATION", "IRRIGATED"]

    from agroflux_hf.data.sources.flux_towers import iter_site_frames

    two = pd.read_parquet(table_path)
    two = pd.concat([two, two.assign(site_id="US-Ne9")], ignore_index=True)
    both = tmp_path / "two.parquet"
    two.to_parquet(both)
    with pytest.raises(DataFileError, match="give their attributes by site id"):
        list(iter_site_frames([both], {"two.parquet": {"latitude": 40.0}}))
    frames = list(iter_site_frames([both], {"US-Ne9": {"latitude": 40.0, "elevation": 300}}))
    assert [f["LATITUDE"].iloc[0] for f in frames][1] == pytest.approx(40.0)
    assert np.isnan(frames[0]["LATITUDE"].iloc[0]) and frames[1]["ELEVATION"].iloc[0] == 300
    with pytest.raises(DataFileError, match="cannot be renamed"):
        list(iter_site_frames([table_path], {"us-ne1.parquet": {"site_id": "MY-Farm"}}))


def test_a_site_scored_on_a_few_days_gets_a_note() -> None:
    from types import SimpleNamespace

    from agroflux_hf.benchmark.tower_report import few_days_notes

    evaluation = SimpleNamespace(
        sites={"US-Xyz": None, "US-Abc": None},
        scores={"NEE": {"sites": {"US-Xyz": {"n": 3}, "US-Abc": {"n": 200}}}, "GPP": {"sites": {}}},
    )
    assert few_days_notes(evaluation) == [
        "note: US-Xyz NEE: only 3 observed day(s) scored (a site needs 10 in the per-site summary): "
        "its scores say little"
    ]


def test_a_partial_year_file_leaves_its_padding_out(tmp_path: Path, daily_run: tuple[Path, str]) -> None:
    """A file of July-December: the sequence's January-June is padding, never written or drawn as
    predictions, and a note says so; the docstring's figures (GPP R² 0.58 against 0.64 with the
    whole year, on the same days) are measured here."""
    raw = pd.read_csv(DAILY_CUT, dtype={"TIMESTAMP": str})
    half = tmp_path / "FLX_US-Ne1_FLUXNET2015_SUBSET_DD_2004_half.csv.gz"
    raw[raw["TIMESTAMP"] >= "20040701"].to_csv(half, index=False)
    out = tmp_path / "half"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert (
            cli.main(["-q", "evaluate", str(CHECKPOINT), "--towers", str(half), "--output-dir", str(out)])
            == 0
        )
    assert (
        "note: US-Ne1 2004: the files cover 184 of its 365 days (2004-07-01 to 2004-12-31)"
        in buffer.getvalue()
    )
    daily = pd.read_csv(out / "predictions.csv", parse_dates=["date"])
    january_to_june = daily["date"] < "2004-07-01"
    for target in ("NEE", "GPP", "ET"):
        assert daily.loc[january_to_june, f"{target}_predicted"].isna().all()
        assert daily.loc[~january_to_june, f"{target}_predicted"].notna().all()
    whole = pd.read_csv(daily_run[0] / "predictions.csv", parse_dates=["date"])
    whole = whole[whole["date"] >= "2004-07-01"].reset_index(drop=True)
    later = daily[~january_to_june].reset_index(drop=True)
    observed = later["GPP_observed"].notna()

    def r2(predicted: pd.Series) -> float:
        y = later.loc[observed, "GPP_observed"]
        return float(1 - ((y - predicted[observed]) ** 2).sum() / ((y - y.mean()) ** 2).sum())

    assert r2(later["GPP_predicted"]) == pytest.approx(0.58, abs=0.01)
    assert r2(whole["GPP_predicted"]) == pytest.approx(0.64, abs=0.01)
    assert "files cover" not in daily_run[1]


def test_an_attribute_constant_in_training_is_reported_when_it_differs(tmp_path: Path, capsys) -> None:
    """Every AgroFlux-mini tower is cropland, so the checkpoint stores CROPLAND with std 1 (a constant
    cannot be scaled) and a z-score of a grassland site is -1: the recorded training data's std 0 says
    it instead, for T1 and for T2 (whose statistics come from the simulations)."""
    for name in ("lstm", "lstm-t2"):
        checkpoint = checkpoint_path(name, "temporal_co2")
        out = tmp_path / name
        args = ["evaluate", str(checkpoint), "--towers", str(HOURLY), "--output-dir", str(out)]
        assert cli.main([*args, "--latitude", "41.1651", "--longitude", "-96.4766", "--igbp", "GRA"]) == 0
        report = json.loads((out / "scores.json").read_text())
        assert report["constant_statics"] == {"CROPLAND": 1.0}
        assert report["sites"]["US-Ne1"]["unseen_statics"] == {"CROPLAND": 0.0}
        assert report["sites"]["US-Ne1"]["far_statics"] == {}
        printed = capsys.readouterr().out
        assert "site attributes at a value training never showed: CROPLAND 0 (1 at every training" in printed
        assert cli.main([*args, "--latitude", "41.1651", "--longitude", "-96.4766", "--igbp", "CRO"]) == 0
        assert json.loads((out / "scores.json").read_text())["sites"]["US-Ne1"]["unseen_statics"] == {}
        assert "training never showed" not in capsys.readouterr().out


def test_a_record_of_the_embedded_data_is_read_as_that_whatever_agroflux_data_dir_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``training_data.data_dir`` None is the embedded AgroFlux-mini: with $AGROFLUX_DATA_DIR pointing
    elsewhere the report still knows US-Ne1 was held out of spatial fold 3 (it read the other folder
    before, and said it could not tell); and a run that read $AGROFLUX_DATA_DIR records that folder."""
    from agroflux_hf.data.loading import recorded_data_dir, recorded_data_location

    checkpoint = _checkpoint_with_training_data(tmp_path, {"config": "spatial_co2_fold3", "data_dir": None})
    monkeypatch.setenv("AGROFLUX_DATA_DIR", str(tmp_path / "another-dataset"))
    notes = _notes_of_evaluating(checkpoint, tmp_path / "o", capsys)
    assert len(notes) == 1 and "held out of training and validation" in notes[0], notes
    assert recorded_data_dir(None) == str(tmp_path / "another-dataset")
    assert recorded_data_dir("ORG/agroflux") == "ORG/agroflux"
    assert Path(recorded_data_location(None)).name.startswith("default-")
    monkeypatch.delenv("AGROFLUX_DATA_DIR")
    assert recorded_data_dir(None) is None
