"""``scripts/readme_tables.py``: the README's tables from a leaderboard CSV, as a user runs it."""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "readme_tables.py"


def load_script():
    spec = importlib.util.spec_from_file_location("readme_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(task: str, scheme: str, model: str, r2: float, seed: int = 0, dataset: str = "co2") -> dict:
    kind = "baseline" if model in ("gbt", "climatology") else "network"
    return {"task": task, "dataset": dataset, "source_dataset": None, "scheme": scheme, "model": model,
            "kind": kind, "target": "NEE", "seed": seed, "fold": 0, "r2": r2, "site_r2_median": r2,
            "sees_future": model == "transformer"}  # fmt: skip


def test_rows_by_task_and_scheme_with_seed_spread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV written in run order (T1 before T0, spatial before temporal, empty source_dataset read as
    NaN) gives the table in task order; several seeds give mean ± std; † marks whole-year models."""
    rows = [row("t1", "spatial", "lstm", 0.1), row("t1", "temporal", "transformer", 0.4),
            row("t1", "temporal", "transformer", 0.6, seed=1), row("t1", "temporal", "climatology", 0.2),
            row("t0", "temporal", "lstm", 0.7, dataset="dssat_ceres_maize")]  # fmt: skip
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--targets", "NEE"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T")]
    assert [line.split(" | ")[0] for line in lines] == [
        "| T0 dssat_ceres_maize, temporal", "| T1 co2, temporal", "| T1 co2, spatial"
    ]  # fmt: skip
    assert "0.50 ± 0.14 (transformer†)" in lines[1] and "| 0.20 |" in lines[1]
    assert lines[1].endswith("| - |"), "no val_r2 column (an older leaderboard): nothing chosen on validation"


def test_network_chosen_on_validation_is_scored_on_test_fold_by_fold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In each fold and seed the network with the highest validation R² is taken and its test R² kept:
    here the transformer has the best test mean (0.65) but validation picks the LSTM in fold 1, where it
    fails, so the honest figure is (0.9 - 0.5) / 2 = 0.20 with the transformer chosen once of twice; a
    run without a validation score is never chosen, and the baselines are not candidates."""
    rows = [row("t0", "spatial", "transformer", 0.9) | {"val_r2": 0.8},
            row("t0", "spatial", "lstm", 0.7) | {"val_r2": 0.7},
            row("t0", "spatial", "transformer", 0.4) | {"fold": 1, "val_r2": 0.6},
            row("t0", "spatial", "lstm", -0.5) | {"fold": 1, "val_r2": 0.7},
            row("t0", "spatial", "tcn", 0.95) | {"fold": 1, "val_r2": float("nan")},
            row("t0", "spatial", "gbt", 0.8) | {"val_r2": 0.99},
            row("t0", "spatial", "gbt", 0.6) | {"fold": 1, "val_r2": 0.99}]  # fmt: skip
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--targets", "NEE"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    assert line == "| T0 co2, spatial | NEE | - | 0.70 | 0.95 (tcn) | 0.95 | 0.20 (transformer† 1/2) |"


def test_by_fold_rows_show_each_spatial_fold_with_the_networks_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fold where every network fails stays visible (the mean over folds would hide it); seeds are
    averaged within a fold and counted; the temporal scheme is left out."""
    rows = [row("t0", "spatial", "lstm", 0.8), row("t0", "spatial", "transformer", 0.9),
            row("t0", "spatial", "transformer", 0.7, seed=1), row("t0", "spatial", "gbt", 0.85),
            row("t0", "temporal", "lstm", 0.95)]  # fmt: skip
    failing = [row("t0", "spatial", "lstm", -1.5) | {"fold": 1}, row("t0", "spatial", "gbt", 0.6) | {"fold": 1},
               row("t0", "spatial", "transformer", 0.2) | {"fold": 1}]  # fmt: skip
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame(rows + failing).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--by-fold", "--task", "t0", "--targets", "NEE"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    assert lines == [
        "| T0 co2 | 0 | NEE | - | 0.85 | 0.80 to 0.80 | lstm | - | 2 |",
        "| T0 co2 | 1 | NEE | - | 0.60 | -1.50 to 0.20 | transformer† | - | 1 |",
    ]
    # with validation scores, the fold's network chosen on validation (the lstm in fold 1) and its score
    scored = [r | {"val_r2": 0.9 if r["model"] == "lstm" else 0.5} for r in rows + failing]
    pd.DataFrame(scored).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--by-fold", "--task", "t0", "--targets", "NEE"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    assert lines[1] == "| T0 co2 | 1 | NEE | - | 0.60 | -1.50 to 0.20 | transformer† | -1.50 (lstm 1/1) | 1 |"


def test_network_chosen_on_the_other_regions_never_reads_the_held_out_regions_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """For each held-out region the architecture with the best mean test R² over the other regions of
    the same seed. Region 0: the transformer ((0.4 + 0.6) / 2 = 0.50 against the lstm's 0.45), though the
    lstm is better there; region 1: the transformer (0.55 against 0.50); region 2: the tcn (0.99 in
    regions 0-1), which fails there. A failed run makes its model's mean fail, so the tcn is never
    chosen for regions 0 and 1, and the failed choice fails the column's mean; a temporal scheme, or one
    fold, chooses nothing; the baselines are not candidates."""
    from agroflux_hf.benchmark.selection import chosen_on_other_folds, render_selection_section

    scores = {"lstm": [0.9, 0.8, 0.1], "transformer": [0.5, 0.4, 0.6], "tcn": [0.99, 0.99, 0.99]}
    rows = [row("t0", "spatial", model, r2) | {"fold": fold, "val_r2": 0.5, "n_failed": int(model == "tcn" and fold == 2)}
            for model, r2s in scores.items() for fold, r2 in enumerate(r2s)]  # fmt: skip
    rows += [row("t0", "spatial", "gbt", 0.99) | {"fold": fold, "n_failed": 0} for fold in range(3)]
    rows += [row("t0", "temporal", "lstm", 0.9) | {"n_failed": 0}]
    frame = pd.DataFrame(rows)
    chosen = chosen_on_other_folds(frame[frame["scheme"] == "spatial"], ["task", "scheme", "target", "seed"])
    assert list(zip(chosen["fold"], chosen["model"], strict=True)) == [
        (0, "transformer"),
        (1, "transformer"),
        (2, "tcn"),
    ]
    assert chosen_on_other_folds(frame[frame["scheme"] == "temporal"], ["scheme", "target"]).empty
    assert chosen_on_other_folds(frame[frame["fold"] == 0], ["scheme", "target"]).empty
    csv = tmp_path / "leaderboard.csv"
    frame.to_csv(csv, index=False)
    assert load_script().main([str(csv), "--selection", "--targets", "NEE"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    # best network: the lstm's mean 0.60 (the tcn's mean fails); chosen on validation: all tie at 0.5,
    # the first network row of each fold, the lstm; on the other regions: the tcn failed in region 2
    assert line == "| T0 co2 | NEE | 3 | 0.60 (lstm) | 0.60 (lstm 3/3) | - |"
    frame[frame["model"] != "tcn"].to_csv(csv, index=False)
    assert load_script().main([str(csv), "--selection", "--targets", "NEE"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    # regions 0-1 the transformer (0.5, 0.4), region 2 the lstm (0.85 against 0.45): (0.5 + 0.4 + 0.1) / 3
    assert line == "| T0 co2 | NEE | 3 | 0.60 (lstm) | 0.60 (lstm 3/3) | 0.33 (transformer† 2/3) |"
    # the benchmark's leaderboard.md carries the same two rules as a section of its own
    section = render_selection_section(frame[frame["model"] != "tcn"])
    assert section[0] == "## Choosing an architecture for a region never seen"
    assert "| T0 co2 | NEE | 0.60 (lstm 3/3) | 0.33 (transformer† 2/3) |" in section
    assert render_selection_section(frame[frame["fold"] == 0]) == []  # one region: nothing to choose on
    # a region whose test sites never observe the target (R² NaN, n 0) is neither scored nor a choice
    unobserved = frame[frame["model"] != "tcn"].assign(r2=lambda f: f["r2"].where(f["fold"] != 2))
    assert "| T0 co2 | NEE | 0.85 (lstm 2/2) | 0.85 (lstm 2/2) |" in render_selection_section(unobserved)


def test_a_seed_part_way_through_the_folds_counts_once_it_has_run_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long benchmark runs seed 1's fold 0 (T2 starts from it) long before its other folds: until they
    have run, seed 1 is left out of the mean over folds and seeds (README table and leaderboard alike),
    rather than mixing its one region with seed 0's two."""
    from agroflux_hf.benchmark.leaderboard import aggregate_over_folds

    rows = [row("t0", "spatial", "lstm", 0.8), row("t0", "spatial", "lstm", 0.4) | {"fold": 1},
            row("t0", "spatial", "gbt", 0.7), row("t0", "spatial", "gbt", 0.5) | {"fold": 1},
            row("t0", "spatial", "lstm", 0.9, seed=1), row("t0", "spatial", "gbt", 0.7, seed=1)]  # fmt: skip
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--targets", "NEE"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| T0")]
    assert line == "| T0 co2, spatial | NEE | - | 0.60 | 0.60 (lstm) | 0.60 | - |"

    frame = pd.DataFrame(rows).assign(n=100, **{m: 0.0 for m in ("rmse", "mae", "nse", "kge", "bias")})
    lstm = aggregate_over_folds(frame).query("model == 'lstm'").iloc[0]
    assert (lstm["seeds"], lstm["folds"]) == (1, 2) and lstm["r2_mean"] == pytest.approx(0.6)

    finished = pd.DataFrame([*rows, row("t0", "spatial", "lstm", 0.6, seed=1) | {"fold": 1}])
    lstm = aggregate_over_folds(
        finished.assign(n=100, **{m: 0.0 for m in ("rmse", "mae", "nse", "kge", "bias")})
    )
    lstm = lstm.query("model == 'lstm'").iloc[0]
    assert lstm["seeds"] == 2 and lstm["r2_mean"] == pytest.approx(0.675)  # seed 1 counts once whole


def test_transfer_gain_by_seed_gives_each_seeds_best_t2_minus_best_t1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One seed's answer to "does pretraining help?" can mislead: ``--by-seed`` prints each seed's best
    T2 network (mean over folds) minus its best T1 network, then mean ± std; a seed that has run only
    some folds (seed 2 here) is left out until it has run them all."""
    scores = {  # seed: (model, t1 fold 0, t1 fold 1, t2 fold 0, t2 fold 1)
        0: [("lstm", 0.5, 0.3, 0.7, 0.5), ("transformer", 0.6, 0.2, 0.5, 0.3)],
        1: [("lstm", 0.5, 0.5, 0.4, 0.4), ("transformer", 0.4, 0.4, 0.4, 0.4)],
    }
    rows = []
    for seed, models in scores.items():
        for model, *r2 in models:
            for fold in range(2):
                rows.append(row("t1", "spatial", model, r2[fold], seed=seed) | {"fold": fold})
                t2 = row("t2-finetune", "spatial", model, r2[2 + fold], seed=seed)
                rows.append(t2 | {"fold": fold, "source_dataset": "dssat"})
    rows += [row("t1", "spatial", "lstm", 0.5, seed=2), row("t2-finetune", "spatial", "lstm", 0.9, seed=2)]
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame([r | {"config": f"spatial_co2_fold{r['fold']}"} for r in rows]).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--transfer-gain", "--by-seed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| T2 task and data | split | target | seed 0 | seed 1 | mean ± std |"
    assert lines[2] == "| T2 fine-tune co2 ← dssat | spatial | NEE | +0.20 | -0.10 | +0.05 ± 0.21 |"


def test_transfer_gain_chosen_on_validation_picks_each_side_by_validation_fold_by_fold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--headline --chosen-on-validation``: in each fold the T2 and the T1 network of highest validation
    R², the difference of their test R². Fold 0: T2 TCN (val 0.9) 0.4 minus T1 LSTM (val 0.8) 0.5 =
    -0.1; fold 1: T2 LSTM 0.6 (the TCN has no validation score) minus T1 TCN 0.3 = +0.3; mean +0.10,
    where best minus best says 0.75 - 0.50 = +0.25."""
    scores = [  # (task, model, fold, test r2, validation r2)
        ("t1", "lstm", 0, 0.5, 0.8), ("t1", "tcn", 0, 0.7, 0.6), ("t2-finetune", "lstm", 0, 0.9, 0.5),
        ("t2-finetune", "tcn", 0, 0.4, 0.9), ("t1", "lstm", 1, 0.2, 0.1), ("t1", "tcn", 1, 0.3, 0.3),
        ("t2-finetune", "lstm", 1, 0.6, 0.4), ("t2-finetune", "tcn", 1, 0.9, float("nan")),
    ]  # fmt: skip
    rows = [
        row(task, "spatial", model, r2)
        | {"fold": fold, "val_r2": val, "config": f"spatial_co2_fold{fold}"}
        | ({"source_dataset": "dssat"} if task != "t1" else {})
        for task, model, fold, r2, val in scores
    ]
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    assert load_script().main([str(csv), "--transfer-gain", "--headline"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "| spatial | NEE (co2) | +0.25 [+0.25] |"
    assert load_script().main([str(csv), "--transfer-gain", "--headline", "--chosen-on-validation"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "| spatial | NEE (co2) | +0.10 [+0.10] |"


REPO = SCRIPT.parents[1]
PAPER_CAPTION = "Test R², pooled, mean over folds"
# the paper preset's detailed tables, linked from the README
PAPER_RESULTS = REPO / "docs" / "paper-results.md"
# the committed paper benchmark's own report, written by ``--report-only``
PAPER_REPORT = REPO / "benchmarks" / "paper" / "README.md"


def one_line(path: Path) -> str:
    """A document's text with its line breaks and runs of spaces as single spaces, so that a phrase
    matches wherever the prose is wrapped."""
    return " ".join(path.read_text(encoding="utf-8").split())


def printed_rows(capsys: pytest.CaptureFixture[str], argv: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The table rows ``readme_tables.py`` prints for ``argv`` that start with one of ``prefixes``."""
    assert load_script().main(argv) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith(prefixes)]


def test_readme_paper_table_is_what_the_script_prints_from_the_committed_leaderboard(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A number in the README was measured by a command in the repo: the paper table's T0 and T1 rows are
    exactly what its caption's command prints from ``benchmarks/paper/leaderboard.csv``, so a snapshot
    that changes the leaderboard without the README (or the reverse) fails here."""
    csv = REPO / "benchmarks" / "paper" / "leaderboard.csv"
    argv = [str(csv), "--targets", "NEE", "GPP", "ET", "N2O_FLUX"]
    expected = printed_rows(capsys, argv, ("| T0", "| T1"))
    readme = (REPO / "README.md").read_text(encoding="utf-8").split(PAPER_CAPTION, 1)[1].splitlines()
    first = next(i for i, line in enumerate(readme) if line.startswith("| T"))
    shown = list(itertools.takewhile(lambda line: line.startswith("| T"), readme[first:]))
    assert expected and shown == expected


def test_readme_checkpoint_table_is_what_the_shipped_cards_say(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped checkpoints' scores in the README are printed from their cards' ``model-index``."""
    argv = ["--checkpoints", str(REPO / "agroflux_hf" / "checkpoints")]
    expected = printed_rows(capsys, argv, ("| t", "| trained on", "|---"))
    assert len(expected) > 2 and "\n".join(expected) in (REPO / "README.md").read_text(encoding="utf-8")


def test_transfer_gain_headline_gives_best_gain_with_each_seeds_in_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--headline``: one row per split and target, one column per T2 protocol and simulator; the cell
    is the best T2 mean minus the best T1 mean, then each seed's own best gain, ``–`` for a seed that
    has not run every fold (seed 1 of the spatial scheme here), rows in the order of ``--targets``."""
    rows = []
    for seed, t1, t2 in ((0, 0.5, 0.7), (1, 0.5, 0.3)):
        for target in ("NEE", "GPP"):
            rows.append(row("t1", "temporal", "lstm", t1, seed=seed) | {"target": target})
            t2_row = row("t2-finetune", "temporal", "lstm", t2, seed=seed) | {"target": target}
            rows.append(t2_row | {"source_dataset": "dssat"})
    for fold in range(2):
        rows.append(row("t1", "spatial", "lstm", 0.2) | {"fold": fold})
        rows.append(row("t2-adversarial", "spatial", "lstm", 0.5) | {"fold": fold, "source_dataset": "dssat"})
    rows += [row("t1", "spatial", "lstm", 0.2, seed=1), row("t2-adversarial", "spatial", "lstm", 0.9, seed=1)]
    csv = tmp_path / "leaderboard.csv"
    frame = pd.DataFrame(rows).assign(config=lambda f: f["scheme"] + "_co2_fold" + f["fold"].astype(str))
    frame.to_csv(csv, index=False)
    argv = [str(csv), "--transfer-gain", "--headline", "--targets", "NEE", "GPP"]
    assert load_script().main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| split | target (data) | fine-tune ← dssat | adv. ← dssat |",
        "|---|---|---|---|",
        "| temporal | NEE (co2) | +0.00 [+0.20, -0.20] | – |",
        "| temporal | GPP (co2) | +0.00 [+0.20, -0.20] | – |",
        "| spatial | NEE (co2) | – | +0.30 [+0.30, –] |",
    ]


@pytest.mark.parametrize(
    "chosen",
    [[], ["--chosen-on-validation"], ["--chosen-on-other-regions"]],
    ids=["best", "validation", "regions"],
)
def test_readme_transfer_gain_headline_is_what_the_script_prints(
    capsys: pytest.CaptureFixture[str], chosen: list[str]
) -> None:
    """The paper's transfer-gain tables in docs/paper-results.md (best minus best, chosen on validation,
    chosen on the other held-out regions) are their captions' commands' output, whole."""
    csv = REPO / "benchmarks" / "paper" / "leaderboard.csv"
    argv = [str(csv), "--transfer-gain", "--headline", *chosen, "--targets", "NEE", "GPP", "ET", "N2O_FLUX"]
    expected = printed_rows(capsys, argv, ("|",))
    assert len(expected) > 2 and "\n".join(expected) in PAPER_RESULTS.read_text(encoding="utf-8")


def test_readme_selection_table_is_what_the_script_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The paper's three selection rules side by side in docs/paper-results.md are their caption's
    command's output."""
    csv = REPO / "benchmarks" / "paper" / "leaderboard.csv"
    argv = [str(csv), "--selection", "--targets", "NEE", "GPP", "ET", "N2O_FLUX"]
    expected = printed_rows(capsys, argv, ("|",))
    assert len(expected) > 2 and "\n".join(expected) in PAPER_RESULTS.read_text(encoding="utf-8")


def test_readme_zero_shot_table_is_what_the_script_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The zero-shot table in docs/paper-results.md is printed by its caption's command from the
    committed CSV."""
    spec = importlib.util.spec_from_file_location("zero_shot", SCRIPT.parent / "zero_shot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = [str(REPO / "benchmarks" / "paper"), "--table", "--targets", "NEE", "GPP", "ET", "N2O_FLUX"]
    assert module.main(argv) == 0
    expected = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    assert len(expected) > 2 and "\n".join(expected) in PAPER_RESULTS.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of the level-2 section ``## heading`` of a markdown text, up to the next one."""
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def test_readme_at_a_glance_quotes_only_numbers_of_the_paper_tables() -> None:
    """The summary at the README's top restates the paper preset's tables (themselves printed from the
    committed leaderboard, tests above): a number there that no paper table holds is stale or invented."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    glance = section(readme, "What it shows, at a glance")
    # the README's results table, the selection table and the transfer-gain tables (not the zero-shot or
    # checkpoint tables)
    results = readme.split(PAPER_CAPTION, 1)[1].split("\n\n", 2)[1]
    details = PAPER_RESULTS.read_text(encoding="utf-8")
    selection = section(details, "Choosing an architecture for a region never seen")
    gains = section(details, "Transfer gain (T2)")
    rows = "\n".join(line for line in (results + selection + gains).splitlines() if line.startswith("|"))
    table_numbers = set(re.findall(r"[+-]?\d+\.\d\d", rows))
    quoted = re.findall(r"[+-]?\d+\.\d\d", glance)
    assert len(quoted) > 10
    assert [n for n in quoted if n not in table_numbers] == []


def test_the_two_choice_rules_of_the_transfer_gain_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "leaderboard.csv"
    pd.DataFrame([row("t1", "spatial", "lstm", 0.1)]).to_csv(csv, index=False)
    argv = [str(csv), "--transfer-gain", "--headline", "--chosen-on-validation", "--chosen-on-other-regions"]
    with pytest.raises(SystemExit) as stopped:
        load_script().main(argv)
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def spatial_t0_seeds_phrase(frame: pd.DataFrame) -> str:
    """How the README and docs/paper-results.md say over which seeds the spatial T0 rows are, from the
    seeds the tables count (those that ran every fold, per simulator)."""
    from agroflux_hf import schema
    from agroflux_hf.benchmark.leaderboard import seeds_over_every_fold

    t0 = seeds_over_every_fold(frame[(frame["task"] == "t0") & (frame["scheme"] == "spatial")])
    names = {
        schema.Source.DSSAT_CERES_MAIZE.value: "CERES-Maize",
        schema.Source.DSSAT_IXIM_MAIZE.value: "IXIM-Maize",
    }

    def seeds(values: list[int]) -> str:
        return f"seed {values[0]}" if len(values) == 1 else f"seeds {values[0]}-{values[-1]}"

    counted = {d: seeds(sorted(int(s) for s in g["seed"].unique())) for d, g in t0.groupby("dataset")}
    if len(set(counted.values())) == 1:
        return f"the spatial T0 rows over {next(iter(counted.values()))} on both simulators"
    return "the spatial T0 rows over " + " and ".join(f"{s} on {names.get(d, d)}" for d, s in counted.items())


def test_the_readme_says_over_which_seeds_the_spatial_t0_rows_are() -> None:
    """When a seed finishes its last spatial fold of a simulator, the tables start counting it: the prose
    saying which seeds the spatial rows are over must change in the same commit."""
    phrase = spatial_t0_seeds_phrase(pd.read_csv(REPO / "benchmarks" / "paper" / "leaderboard.csv"))
    for document in (REPO / "README.md", PAPER_RESULTS):
        text = one_line(document)
        assert phrase in text, f"{document.name} should say '{phrase}'"
        if not phrase.endswith("seed 0 on both simulators"):  # the older wordings of seed 0 alone
            assert "spatial T0 rows are seed 0's" not in text and "These rows are seed 0's" not in text


def test_the_spatial_t0_seeds_phrase_names_each_simulator_where_they_differ() -> None:
    rows = [{**row("t0", "spatial", "lstm", 0.5, seed=s, dataset=d), "fold": f}
            for d, seeds in (("dssat_ceres_maize", (0, 1)), ("dssat_ixim_maize", (0,)))
            for s in seeds for f in range(3)]  # fmt: skip
    rows.append({**row("t0", "spatial", "lstm", 0.5, seed=1, dataset="dssat_ixim_maize"), "fold": 0})
    phrase = spatial_t0_seeds_phrase(pd.DataFrame(rows))
    assert phrase == "the spatial T0 rows over seeds 0-1 on CERES-Maize and seed 0 on IXIM-Maize"


def paper_run_figures() -> dict[str, float]:
    """Runs finished and planned, compute spent and the pending estimate, as the committed paper
    benchmark's own README (written by ``--report-only``) states them."""
    text = one_line(PAPER_REPORT)
    runs = re.search(r"- Runs: (\d+) succeeded, .*?(\d+) pending .*?, of (\d+);", text)
    compute = re.search(r"- Compute: ([\d.]+) h summed over the (\d+) finished runs", text)
    estimate = re.search(r"about ([\d.]+) h in all", text)
    assert runs and compute, "benchmarks/paper/README.md lacks its Runs or Compute line"
    return {
        "finished": int(compute.group(2)),
        "pending": int(runs.group(2)),
        "planned": int(runs.group(3)),
        "hours": float(compute.group(1)),
        "estimate": float(estimate.group(1)) if estimate else 0.0,
    }


def test_where_the_paper_run_stands_is_what_its_committed_report_says() -> None:
    """The status in the README and docs/paper-results.md is written by hand when a slice lands: it must
    quote the runs, the compute and the pending estimate of the committed report, or it is stale."""
    figures = paper_run_figures()
    committed = (
        f"{figures['finished']:,} of the {figures['planned']:,} runs committed, "
        f"{figures['hours']:.1f} h of compute summed over them"
    )
    pending = f"about {figures['estimate']:.0f} h of compute"
    for document in (REPO / "README.md", PAPER_RESULTS):
        text = one_line(document)
        assert committed in text, f"{document.name} should say '{committed}'"
        if figures["pending"]:
            assert pending in text, f"{document.name} should say '{pending}' (pending)"


def test_the_processor_counts_of_the_paper_run_are_what_its_committed_report_says() -> None:
    """docs/paper-results.md says how many runs finished on which processor class (their scores carry
    that noise): the counts must be the committed report's."""
    report = one_line(PAPER_REPORT)
    counts = re.search(r"the processor of the call that finished a run: ([^.]*)\.", report)
    assert counts, "benchmarks/paper/README.md does not count the runs per processor"
    amd = re.search(r"(\d+) on AMD EPYC", counts.group(1))
    intel = re.search(r"(\d+) on Intel", counts.group(1))
    unrecorded = re.search(r"(\d+) not recorded", counts.group(1))
    text = one_line(PAPER_RESULTS)
    expected = [f"{amd.group(1)} finished on an AMD EPYC", f"{intel.group(1)} on an Intel Xeon",
                f"{unrecorded.group(1)} before the processor was recorded"]  # fmt: skip
    assert [phrase for phrase in expected if phrase not in text] == []
