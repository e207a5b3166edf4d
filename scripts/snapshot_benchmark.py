"""Copy a benchmark's output folder, while it runs, into a folder small enough to commit.

The paper preset runs for days, in parts, in an output folder outside the repository; what has finished is
committed in ``benchmarks/paper/`` now and then (README, "The paper preset, committed run by run"). This
copies SOURCE to DESTINATION without what only the running machine needs: the workers' ``logs/``, every
Accelerate checkpoint of a run but its newest (the one a later call resumes from), runs that wrote nothing
but their ``run_config.json`` (they start over anyway), and any file above ``--max-file-mb`` (listed, so
that a model a report needs is never dropped unseen). DESTINATION is built beside itself and swapped in
whole. ``--exclude GLOB`` leaves out the runs whose folder names match (a fold that has only partly
finished, so that every model's mean over folds is over the same folds). ``--whole-slices PRESET`` finds
those itself: it plans PRESET's runs on the data (``--data-dir``, default the embedded AgroFlux-mini) and
leaves out every slice (task, config, source config, seed: one fold of one task for every model) not
finished of which some runs have finished or hold a checkpoint to resume from. ``--unfinished DIR`` (with
``--whole-slices``) copies those left-out runs (their records, or the newest checkpoint of one stopped
mid-way) into DIR instead of dropping them: a
slice longer than one working session then continues in the next one, on a fresh machine, from what was
committed. Then rebuild the reports from the copied runs with ``--report-only``:

    python scripts/snapshot_benchmark.py /work/paper/results benchmarks/paper --whole-slices paper \
        --unfinished benchmarks/paper-unfinished
    agroflux benchmark --preset paper --keep-models needed --output-dir benchmarks/paper --report-only

and to continue on another machine, start from both folders:

    cp -r benchmarks/paper RESULTS && cp -r benchmarks/paper-unfinished/runs/. RESULTS/runs/

The run may go on meanwhile: a run's record is written last and atomically, and the checkpoint kept is
the newest complete one (the one with its loop state, written last), so a copy sees each run finished,
resumable or only started. A checkpoint deleted during the copy (its run saved a newer one) makes the copy
fail loudly, leaving DESTINATION as it was; run it again.
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import sys
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from agroflux_hf.files import building_directory
from agroflux_hf.training.checkpointing import latest_checkpoint


def only_started(run: Path) -> bool:
    """A run folder holding nothing but its settings: started, nothing to resume."""
    return [p.name for p in run.iterdir()] == ["run_config.json"]


def left_out(
    source: Path, max_bytes: int, exclude: Sequence[str] = (), only: Collection[str] | None = None
) -> tuple[set[Path], list[str]]:
    """Paths (relative to ``source``) not to copy, and the reasons to print. With ``only``, nothing but
    those runs' folders is copied (no reports, no other run)."""
    skipped, reasons = {Path("logs")}, []
    if only is not None:
        skipped |= {p.relative_to(source) for p in source.iterdir() if p.name != "runs"}
    runs = source / "runs"
    for run in sorted(runs.iterdir()) if runs.is_dir() else []:
        if not run.is_dir():
            continue
        if only is not None and run.name not in only:
            skipped.add(run.relative_to(source))
            continue
        if any(fnmatch.fnmatchcase(run.name, pattern) for pattern in exclude):
            skipped.add(run.relative_to(source))
            reasons.append(f"{run.name}: matches --exclude")
            continue
        if only_started(run):
            skipped.add(run.relative_to(source))
            reasons.append(f"{run.name}: only started (no record, no checkpoint)")
            continue
        checkpoints = run / "checkpoints"
        if checkpoints.is_dir():
            keep = latest_checkpoint(run)  # the one a resumed run loads
            for old in checkpoints.iterdir():
                if old != keep:
                    skipped.add(old.relative_to(source))
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and path.stat().st_size > max_bytes and not _under(relative, skipped):
            skipped.add(relative)
            reasons.append(f"{relative}: {path.stat().st_size / 2**20:.0f} MB, above the limit")
    return skipped, reasons


def _under(relative: Path, skipped: set[Path]) -> bool:
    return any(relative == s or s in relative.parents for s in skipped)


def snapshot(
    source: Path,
    destination: Path,
    max_bytes: int,
    exclude: Sequence[str] = (),
    only: Collection[str] | None = None,
    readme: str | None = None,
) -> list[str]:
    """Copy ``source`` into ``destination`` (swapped in whole) without what :func:`left_out` names;
    ``readme``, when given, is written as the copy's README.md."""
    if not (source / "run_config.json").is_file():
        raise SystemExit(f"{source}: not a benchmark output folder (no run_config.json)")
    skipped, reasons = left_out(source, max_bytes, exclude, only)

    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(source)
        return {name for name in names if _under(relative / name, skipped)}

    with building_directory(destination) as built:
        shutil.copytree(source, built, ignore=ignore, dirs_exist_ok=True)
        if readme is not None:
            (built / "README.md").write_text(readme)
    return reasons


UNFINISHED_README = """# Runs of slices not finished yet

Written by `scripts/snapshot_benchmark.py --unfinished`: the runs of a running benchmark's output folder
(`{source}`) that belong to a slice (one fold of one task and seed) some of whose runs have not finished,
each with its record or with the newest checkpoint it resumes from. They are not in the reports (every
model's mean over folds is over the same folds); they are here so that the benchmark continues from them
on another machine:

    cp -r {committed} RESULTS && cp -r {here}/runs/. RESULTS/runs/
    agroflux benchmark --preset {preset} --keep-models needed --output-dir RESULTS

Slices:

{slices}
"""


def planned_slices(preset: str, data_dir: str | None) -> dict[tuple, list[str]]:
    """The run ids of ``preset`` on the data, per slice (task, config, source config, seed): the runs one
    fold of one task needs from every model for a mean over folds to be over the same folds."""
    from agroflux_hf.benchmark.planning import plan_runs
    from agroflux_hf.benchmark.presets import get_preset
    from agroflux_hf.data.loading import config_infos

    infos = config_infos(data_dir)
    slices: dict[tuple, list[str]] = defaultdict(list)
    for spec in plan_runs(get_preset(preset), infos):
        slices[(spec.task, spec.config, spec.source_config or "", spec.seed)].append(spec.run_id)
    return dict(slices)


def partial_slices(source: Path, slices: Mapping[tuple, Sequence[str]]) -> tuple[list[str], list[str]]:
    """(run ids to leave out, lines to print): every run of a slice not finished whose runs have got
    somewhere in ``source``: some finished, or one holds a checkpoint to resume from (a slice with neither
    adds nothing to the tables and nothing to resume, and is copied as it is)."""
    from agroflux_hf.benchmark.planning import RUN_RECORD

    names, reasons = [], []
    for (task, config, source_config, seed), run_ids in slices.items():
        runs = [source / "runs" / run_id for run_id in run_ids]
        finished = [(run / RUN_RECORD).is_file() for run in runs]
        done = sum(finished)
        resumable = sum(
            not f and latest_checkpoint(run) is not None for f, run in zip(finished, runs, strict=True)
        )
        if done < len(run_ids) and done + resumable > 0:
            names += run_ids
            origin = f" from {source_config}" if source_config else ""
            line = f"{task} {config}{origin} seed {seed}: {done} of {len(run_ids)} runs finished"
            reasons.append(line + (f", {resumable} resumable" if resumable else ""))
    return names, reasons


def keep_unfinished(
    source: Path,
    here: Path,
    committed: Path,
    run_ids: Sequence[str],
    slices: Sequence[str],
    max_bytes: int,
    preset: str,
) -> None:
    """Copy the runs of the unfinished slices (``run_ids``; ``slices`` describes them) into ``here``, with
    a README saying how to resume from it beside the committed folder."""
    readme = UNFINISHED_README.format(
        source=source.name,
        preset=preset,
        committed=committed,
        here=here,
        slices="\n".join(f"- {line}" for line in slices) or "- none",
    )
    for reason in snapshot(source, here, max_bytes, only=set(run_ids), readme=readme):
        print(f"unfinished: left out {reason}")
    print(f"copied the runs of {len(slices)} unfinished slices -> {here}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the running benchmark's --output-dir")
    parser.add_argument("destination", type=Path, help="the folder to commit, e.g. benchmarks/paper")
    parser.add_argument("--max-file-mb", type=float, default=10.0, help="leave out (and list) larger files")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out runs whose folder name matches (repeatable), e.g. 't0__*_fold2__*' for a fold in progress",
    )
    parser.add_argument(
        "--whole-slices",
        metavar="PRESET",
        help="leave out the runs of every slice (one fold of one task and seed) the preset has not finished",
    )
    parser.add_argument("--data-dir", default=None, help="with --whole-slices: the benchmark's --data-dir")
    parser.add_argument(
        "--unfinished",
        type=Path,
        metavar="DIR",
        help="with --whole-slices: copy the runs of the unfinished slices here (replacing DIR), to resume elsewhere",
    )
    args = parser.parse_args(argv)
    if args.unfinished is not None and not args.whole_slices:
        parser.error("--unfinished needs --whole-slices PRESET (it keeps the runs that one leaves out)")
    exclude, max_bytes = list(args.exclude), int(args.max_file_mb * 2**20)
    source = args.source.resolve()
    if args.whole_slices:
        names, partial = partial_slices(source, planned_slices(args.whole_slices, args.data_dir))
        exclude += names
        for line in partial:
            print(f"left out the slice {line}")
        if args.unfinished is not None:
            keep_unfinished(
                source, args.unfinished, args.destination, names, partial, max_bytes, args.whole_slices
            )
    from agroflux_hf.benchmark.planning import run_folder_names

    committed = run_folder_names(args.destination)
    reasons = snapshot(source, args.destination, max_bytes, exclude)
    for reason in reasons:
        print(f"left out {reason}")
    dropped = sorted(committed - run_folder_names(args.destination))
    if dropped:
        print(
            f"WARNING: {args.destination} no longer has {len(dropped)} run folders it had, which {args.source} "
            f"lacks or the rules above left out (git restores them): {', '.join(dropped)}",
            file=sys.stderr,
        )
    print(f"copied {args.source} -> {args.destination}; now rebuild its reports with --report-only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
