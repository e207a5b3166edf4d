"""Running DSSAT-CSM: one rotation in sequence mode, a whole grid in parallel with a per-run cache.

Why a module of its own: the binary's quirks (short fixed-length paths, waiting for ENTER on an error,
a shared DSSAT_HOME) and the grid's bookkeeping (cache by input hash, every failure recorded with its
inputs, a progress bar, tables written atomically) are process work, apart from the physics.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agroflux_hf import files
from agroflux_hf.data.sources import dssat_files, terms
from agroflux_hf.data.sources.dssat_files import ExperimentSettings
from agroflux_hf.data.sources.dssat_grid import (
    RunFailure,
    RunInputs,
    SimulationGrid,
    dssat_package_dir,
    import_dssattools,
)
from agroflux_hf.data.sources.dssat_outputs import map_outputs

logger = logging.getLogger(__name__)

RUN_TIMEOUT_S = 600
MAX_WORKDIR_CHARS = 40  # DSSAT-CSM keeps paths (weather, genotype files) in short fixed-length strings


# --- one DSSAT run ---


def dssat_home(root: Path) -> Path:
    """A DSSAT_HOME under ``root`` that links the shipped data files (genotypes, codes, CO2 series)."""
    home = root / "home"
    if not home.exists():
        data = dssat_package_dir() / "dssat-csm-os" / "Data"
        tmp = root / f"home.tmp{os.getpid()}"
        tmp.mkdir(parents=True, exist_ok=True)
        for item in data.iterdir():
            (tmp / item.name).symlink_to(item)
        try:
            os.replace(tmp, home)
        except OSError:  # another worker was first
            shutil.rmtree(tmp, ignore_errors=True)
    return home


def write_run_files(inputs: RunInputs, run_dir: Path, home: Path) -> None:
    """Every input file of one sequence run in ``run_dir``."""
    tav, amp = inputs.station.climate()
    for name, text in dssat_files.weather_files(
        inputs.weather,
        latitude=inputs.station.latitude,
        longitude=inputs.station.longitude,
        elevation=inputs.station.elevation,
        tav=tav,
        amp=amp,
    ).items():
        (run_dir / name).write_text(text)
    (run_dir / "SOIL.SOL").write_text(dssat_files.soil_file_text(inputs.soil))
    layers = inputs.soil.layers()
    settings = ExperimentSettings(
        start=date(inputs.start_year, 1, 1),
        years=inputs.last_year + 1 - inputs.start_year + 1,
        soil_id=inputs.soil.profile_id,
        initial_layers=tuple((float(r.SLB), float(r.SDUL)) for r in layers.itertuples()),
        initial_residue=inputs.management.initial_residue,
    )
    seasons = inputs.seasons()
    experiment = f"{dssat_files.EXPERIMENT_NAME}.SQX"
    (run_dir / experiment).write_text(dssat_files.experiment_text(seasons, settings))
    (run_dir / dssat_files.BATCH_NAME).write_text(dssat_files.batch_text(experiment, len(seasons)))
    models = {s.crop: s.model for s in seasons}
    (run_dir / "DSSATPRO.L48").write_text(dssat_files.profile_text(run_dir, home, models))


OUTPUT_FILES = (
    "PlantGro",
    "PlantC",
    "GHG",
    "ET",
    "SoilWat",
    "SoilTemp",
    "SoilNi",
    "SOMLITC",
    "Summary",
    "INFO",
    "SoilCBal",
)


def run_dssat(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    """Run the rotation once in a fresh folder under ``workdir``; the text of the ``.OUT`` files we map.

    DSSAT-CSM reads paths into fixed-length strings (a long one gives "Error in Cultivar entry" or
    "Weather file not found"), so a ``workdir`` longer than ``MAX_WORKDIR_CHARS`` is replaced by a short
    temporary folder in /tmp.
    """
    if len(str(Path(workdir).resolve())) > MAX_WORKDIR_CHARS:
        with tempfile.TemporaryDirectory(
            prefix="agxd_", dir="/tmp" if os.path.isdir("/tmp") else None
        ) as short:
            return _run_in(inputs, Path(short))
    return _run_in(inputs, Path(workdir))


def _run_in(inputs: RunInputs, workdir: Path) -> dict[str, str]:
    """Write the inputs, run ``dscsm048 Q`` with no standard input (on an error it waits for ENTER
    otherwise) and a time limit, and read the outputs."""
    binary = dssat_package_dir() / "bin" / "dscsm048"
    home = dssat_home(workdir)
    run_dir = workdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    write_run_files(inputs, run_dir, home)
    proc = subprocess.run(
        [str(binary), "Q", dssat_files.BATCH_NAME],
        cwd=run_dir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={"DSSAT_HOME": f"{home}/", "PATH": os.environ.get("PATH", "")},
        timeout=RUN_TIMEOUT_S,
    )
    if proc.returncode != 0:
        error = run_dir / "ERROR.OUT"
        detail = error.read_text(errors="replace")[-1500:] if error.exists() else ""
        raise RuntimeError(
            f"dscsm048 exited {proc.returncode} for {inputs.site_id} experiment {inputs.experiment} "
            f"({inputs.simulator}): {proc.stdout.strip()[-800:]}\n{detail}"
        )
    out = {}
    for name in OUTPUT_FILES:
        path = run_dir / f"{name}.OUT"
        if path.exists():
            out[name] = path.read_text(errors="replace")
    return out


def dssat_runner(inputs: RunInputs, workdir: Path) -> pd.DataFrame:
    """The real runner: DSSAT-CSM in sequence mode, then the mapping to canonical columns."""
    return map_outputs(inputs, run_dssat(inputs, workdir))


# --- the grid ---

Runner = Callable[[RunInputs, Path], pd.DataFrame]
_WORKDIR: Path | None = None


def _worker_dir(root: Path) -> Path:
    """One DSSAT working folder per process under ``root``; ``simulate_grid`` removes ``root``."""
    global _WORKDIR
    if _WORKDIR is None or _WORKDIR.parent != root or not _WORKDIR.exists():
        _WORKDIR = root / str(os.getpid())
        _WORKDIR.mkdir(parents=True, exist_ok=True)
    return _WORKDIR


def default_cache_dir() -> Path:
    """``$AGROFLUX_CACHE/dssat_runs`` (``files.cache_root``): one parquet per run."""
    return files.cache_root() / "dssat_runs"


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.parquet"


def _execute(
    inputs: RunInputs, runner: Runner, cache_dir: Path | None, work_root: Path
) -> tuple[pd.DataFrame | None, RunFailure | None, bool]:
    """One run with its cache: (table, failure, was_cached). Never raises for a failing run."""
    key = inputs.cache_key()
    if cache_dir is not None:
        path = _cache_path(cache_dir, key)
        if path.exists():
            try:
                return pd.read_parquet(path), None, True
            except Exception:  # a corrupt cache entry is recomputed
                path.unlink(missing_ok=True)
    try:
        frame = runner(inputs, _worker_dir(work_root))
    except Exception as err:
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return None, RunFailure(inputs.describe(), detail), False
    if cache_dir is not None:
        path = _cache_path(cache_dir, key)
        with files.atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    return frame, None, False


def _pool_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def simulate_grid(
    grid: SimulationGrid,
    *,
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame, list[RunFailure]]:
    """Run every cell of ``grid``; the canonical daily table of all runs and the failed runs.

    ``workers`` processes (default: all cores; 1 = in this process). ``cache_dir`` holds one parquet
    per run keyed by a hash of its inputs (default ``$AGROFLUX_CACHE/dssat_runs``). ``runner`` replaces
    DSSAT (tests); it must be picklable when ``workers > 1``.
    """
    if runner is None:
        import_dssattools()
        runner = dssat_runner
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    runs = grid.runs()
    workers = workers or os.cpu_count() or 1
    frames: list[pd.DataFrame] = []
    failures: list[RunFailure] = []
    cached = 0
    started = time.perf_counter()
    bar = _progress_bar(len(runs), progress)
    work_root = Path(tempfile.mkdtemp(prefix="agxd_", dir="/tmp" if os.path.isdir("/tmp") else None))
    try:
        if workers == 1:
            for result in (_execute(r, runner, cache, work_root) for r in runs):
                cached += _collect(*result, frames, failures, bar)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
                futures = [pool.submit(_execute, r, runner, cache, work_root) for r in runs]
                for future in as_completed(futures):
                    cached += _collect(*future.result(), frames, failures, bar)
    finally:
        bar.close()
        shutil.rmtree(work_root, ignore_errors=True)
    logger.info(
        "%d DSSAT runs (%d cached, %d failed) in %.1f s",
        len(runs),
        cached,
        len(failures),
        time.perf_counter() - started,
    )
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not table.empty:
        table = table.sort_values(["source", "site_id", "experiment", "date"], kind="stable").reset_index(
            drop=True
        )
    failures.sort(key=lambda f: json.dumps(f.inputs, sort_keys=True))
    return table, failures


def _collect(frame, failure, hit, frames, failures, bar) -> int:
    if frame is not None:
        frames.append(frame)
    if failure is not None:
        failures.append(failure)
        logger.warning("DSSAT run failed %s: %s", failure.inputs, failure.error.splitlines()[0])
    bar.update(1)
    return int(hit)


def _progress_bar(total: int, enabled: bool):
    from agroflux_hf.progress import progress_bar

    return progress_bar(total=total, desc="DSSAT runs", unit="run", enabled=enabled)


# --- writing ---


def write_source_tables(
    table: pd.DataFrame,
    out_dir: str | Path,
    records: Callable[[pd.DataFrame], list[dict]] | None = None,
) -> dict[str, Path]:
    """One zstd parquet per source (``dssat_ceres_maize.parquet``, ``dssat_ixim_maize.parquet``), written
    atomically. ``records(part)``: the terms of the sources behind one source's table (``terms.py``),
    kept in its file's metadata with the overall redistributable flag, so that the publish step reads
    them there."""
    out_dir = Path(out_dir)
    written = {}
    for source, part in table.groupby("source", sort=True):
        path = out_dir / f"{source}.parquet"
        arrow = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
        if records is not None:
            sources = records(part)
            metadata = dict(arrow.schema.metadata or {})
            metadata[terms.SOURCES_KEY] = json.dumps(sources).encode()
            metadata[terms.REDISTRIBUTABLE_KEY] = terms.overall_flag(sources).encode()
            arrow = arrow.replace_schema_metadata(metadata)
        with files.atomic_path(path) as tmp:
            pq.write_table(arrow, tmp, compression="zstd", compression_level=19)
        written[str(source)] = path
    return written


def write_grid_metadata(
    grid: SimulationGrid, failures: list[RunFailure], out_path: str | Path, **extra
) -> Path:
    out_path = Path(out_path)
    payload = {**grid.metadata(), **extra, "failures": [f.to_dict() for f in failures]}
    return files.write_json(out_path, payload)
