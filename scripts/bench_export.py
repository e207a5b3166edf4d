"""Benchmark: exporting the official AgroFlux release, our streaming way vs the published code's way.

Writes a FULL-SIZE random release in the official layout (Ecosys: 18*365 days x 1980 site-experiments
x 11 inputs and the 20 targets in four module files, float32; optionally DayCent too), then runs, each
in its own subprocess so peak memory is measured per method (the child's own peak resident set,
VmHWM, which ``resource.getrusage``/``os.wait4`` ru_maxrss would overstate: see ``_own_peak_rss``):

* ``ours``: ``release_source_specs`` + ``agroflux_hf.data.export.export_dataset`` (every temporal
  and spatial config, parquet), reading county by county from memory maps;
* ``reader``: our reader alone, streaming every canonical daily frame (no export);
* ``published``: what the published loader does, re-expressed with NumPy: ``np.load`` every array
  whole (no memory map), concatenate the four target modules into "All", then cut one spatial fold
  (train/validation/test counties) and reorder to (sequences, 365, variables), each step a copy.

Prints a markdown table: wall time, site-days per second, peak RSS, and ours/published ratios.

    python scripts/bench_export.py                         # full size, Ecosys only
    python scripts/bench_export.py --counties 10 --years 4 # quick run
    python scripts/bench_export.py --daycent --keep --dir /tmp/release

The random values are z-scores (statics constant per site, so the exporter accepts them); timing and
memory do not depend on the values. Generated arrays are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agroflux_hf import schema  # noqa: E402
from agroflux_hf.data.sources import release_layout as layout  # noqa: E402

DAYS = schema.SEQUENCE_LENGTH
EXPERIMENTS = 20
STATIC_COLUMNS = [
    layout.release_column(n).index for n in schema.static_input_names(layout.RELEASE_INPUT_NAMES)
]
MODULES = tuple(schema.Module)


# ----------------------------------------------------------------------------------------------
# generation
# ----------------------------------------------------------------------------------------------


def _write_scalers(root: Path) -> None:
    folder = root / "t0_scalers"
    folder.mkdir(parents=True, exist_ok=True)
    x = [layout.release_column(n).scaler for n in layout.RELEASE_INPUT_NAMES]
    np.save(folder / "X_scaler.npy", np.asarray(x, dtype=np.float64))
    for module in MODULES:
        rows = [layout.release_column(n).scaler for n in layout.RELEASE_MODULE_TARGETS[module]]
        np.save(folder / f"Y_scaler_{module.value}.npy", np.asarray(rows, dtype=np.float64))


def _write_simulation(root: Path, code: str, counties: int, years: int, dtype: np.dtype, seed: int) -> int:
    """Random z-scores in the t0 layout, written block by block through a memory map; returns bytes."""
    folder = root / f"t0_{code}"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    days, sites = years * DAYS, counties * EXPERIMENTS
    statics = np.repeat(rng.standard_normal((counties, len(STATIC_COLUMNS))), EXPERIMENTS, axis=0).astype(
        dtype
    )
    shapes = {f"X_{code}_scaled.npy": 11}
    shapes |= {f"Y_{code}_scaled_{m.value}.npy": len(layout.RELEASE_MODULE_TARGETS[m]) for m in MODULES}
    total = 0
    for name, channels in shapes.items():
        tmp = folder / f".{name}.tmp"
        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(days, sites, channels))
        for start in range(0, days, DAYS):
            block = rng.standard_normal((DAYS, sites, channels), dtype=np.float32).astype(dtype, copy=False)
            if name.startswith("X_"):
                block[:, :, STATIC_COLUMNS] = statics
            array[start : start + DAYS] = block
        array.flush()
        del array
        tmp.rename(folder / name)
        total += (folder / name).stat().st_size
    return total


# ----------------------------------------------------------------------------------------------
# the measured methods, each run in a child process
# ----------------------------------------------------------------------------------------------


def _site_days(root: Path) -> int:
    total = 0
    for folder in ("t0_mw", "t0_dc"):
        for path in (root / folder).glob("X_*_scaled.npy"):
            shape = np.load(path, mmap_mode="r").shape
            total += shape[0] * shape[1]
    return total


def run_reader(root: Path) -> dict:
    from agroflux_hf.data.sources.release import release_source_specs

    rows = 0
    for spec in release_source_specs(root):
        for frame in spec.frames():
            rows += len(frame)
    return {"site_days": rows}


def run_ours(root: Path, out: Path) -> dict:
    from agroflux_hf.data.export import export_dataset
    from agroflux_hf.data.sources.release import release_source_specs

    export_dataset(release_source_specs(root), out, overwrite=True, progress=False)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"site_days": _site_days(root), "dataset_bytes": size}


def run_published(root: Path, fold: int = 0) -> dict:
    """Load whole arrays, concatenate the modules into "All", cut one spatial fold, reorder (copies)."""
    site_days = 0
    for folder in ("t0_mw", "t0_dc"):
        if not (root / folder).is_dir():
            continue
        code = folder.split("_")[1]
        x = np.load(root / folder / f"X_{code}_scaled.npy")
        y = np.concatenate(
            [np.load(root / folder / f"Y_{code}_scaled_{m.value}.npy") for m in MODULES], axis=-1
        )
        days, sites = x.shape[:2]
        counties = sites // EXPERIMENTS
        fold_size = max(counties // 5, 1)
        val = list(range(fold * fold_size, (fold + 1) * fold_size))
        test = list(range((fold + 1) % 5 * fold_size, ((fold + 1) % 5 + 1) * fold_size))
        train = [c for c in range(counties) if c not in val and c not in test]
        parts = []
        for array in (x, y):
            per_county = array.reshape(days, counties, EXPERIMENTS, array.shape[-1])
            for ids in (train, val, test):
                split = np.ascontiguousarray(per_county[:, ids]).reshape(days, -1, array.shape[-1])
                parts.append(
                    np.ascontiguousarray(split.transpose(1, 0, 2)).reshape(-1, DAYS, array.shape[-1])
                )
        site_days += days * sites
        del x, y
    return {"site_days": site_days, "sequences": int(sum(p.shape[0] for p in parts[:3]))}


def child_main(method: str, root: Path, out: Path | None) -> None:
    start = time.perf_counter()
    if method == "ours":
        result = run_ours(root, out)
    elif method == "reader":
        result = run_reader(root)
    else:
        result = run_published(root)
    result["seconds"] = time.perf_counter() - start
    result["vm_hwm_bytes"] = _own_peak_rss()
    print("RESULT " + json.dumps(result), flush=True)


def _own_peak_rss() -> int | None:
    """This process' peak resident set (VmHWM), or None off Linux.

    Preferred over the ``ru_maxrss`` that ``wait4`` reports: Linux carries the parent's high-water mark
    into a child across vfork + exec, so ``ru_maxrss`` of a child is never below the parent's peak
    (here the parent's, from generating the arrays).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def measure(method: str, root: Path, out: Path) -> dict:
    """Run one method in a fresh interpreter; wall time and peak RSS of that child only."""
    command = [sys.executable, __file__, "--child", method, "--dir", str(root), "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{method} failed with exit code {process.returncode}")
    result = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[7:])
    result["wait4_maxrss_bytes"] = usage.ru_maxrss * 1024
    result |= {"wall": wall, "peak_rss_bytes": result.get("vm_hwm_bytes") or result["wait4_maxrss_bytes"]}
    return result


def _exporter_available() -> bool:
    try:
        from agroflux_hf.data.export import export_dataset  # noqa: F401
    except ImportError:
        return False
    return True


def _table(results: dict[str, dict], release_bytes: int) -> str:
    published = results.get("published")
    lines = [
        "| method | wall time (s) | site-days / s | peak RSS (GB) | time vs published | RSS vs published |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "ours": "ours: validate + stream + export (parquet, all configs)",
        "reader": "ours: validate + stream canonical frames",
        "published": 'published way: np.load whole + "All" + one spatial fold',
    }
    for method, r in results.items():
        ratio_t = f"{r['wall'] / published['wall']:.2f}x" if published else "-"
        ratio_m = f"{r['peak_rss_bytes'] / published['peak_rss_bytes']:.3f}x" if published else "-"
        lines.append(
            f"| {labels[method]} | {r['wall']:.1f} | {r['site_days'] / r['wall']:,.0f} | "
            f"{r['peak_rss_bytes'] / 1e9:.2f} | {ratio_t} | {ratio_m} |"
        )
    lines.append(f"\nrelease arrays on disk: {release_bytes / 1e9:.2f} GB")
    if "ours" in results and "dataset_bytes" in results["ours"]:
        lines.append(f"exported dataset folder: {results['ours']['dataset_bytes'] / 1e9:.2f} GB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counties", type=int, default=99, help="counties (x 20 experiments); release: 99")
    parser.add_argument("--years", type=int, default=18, help="Ecosys years; release: 18")
    parser.add_argument("--daycent", action="store_true", help="also generate and measure DayCent (t0_dc)")
    parser.add_argument("--dc-years", type=int, default=21, help="DayCent years; release: 21")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument(
        "--methods", default="ours,reader,published", help="comma list of ours, reader, published"
    )
    parser.add_argument("--dir", type=Path, default=None, help="release folder (default: a new temp folder)")
    parser.add_argument("--out", type=Path, default=None, help="exported dataset folder (deleted afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the generated release arrays")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["ours", "reader", "published"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        child_main(args.child, args.dir, args.out)
        return 0

    root = args.dir or Path(tempfile.mkdtemp(prefix="agroflux-bench-release-"))
    out = args.out or root.with_name(root.name + "-export")
    dtype = np.dtype(args.dtype)
    need = (args.years + (args.dc_years if args.daycent else 0)) * DAYS * args.counties * EXPERIMENTS * 31
    need *= dtype.itemsize
    free = shutil.disk_usage(root.parent if not root.exists() else root).free
    if need * 1.6 > free:  # the arrays plus the exported parquet
        parser.error(
            f"needs about {need * 1.6 / 1e9:.1f} GB free in {root.parent}; {free / 1e9:.1f} GB available"
        )
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if "ours" in methods and not _exporter_available():
        print("agroflux_hf.data.export.export_dataset not found: measuring the reader alone", file=sys.stderr)
        methods = [m for m in methods if m != "ours"] + ([] if "reader" in methods else ["reader"])
    try:
        start = time.perf_counter()
        release_bytes = 0
        if not (root / "t0_mw" / "X_mw_scaled.npy").exists():
            _write_scalers(root)
            release_bytes += _write_simulation(root, "mw", args.counties, args.years, dtype, args.seed)
            if args.daycent:
                release_bytes += _write_simulation(
                    root, "dc", args.counties, args.dc_years, dtype, args.seed + 1
                )
            print(
                f"generated {release_bytes / 1e9:.2f} GB in {time.perf_counter() - start:.0f} s under {root}"
            )
        else:
            release_bytes = sum(p.stat().st_size for p in root.rglob("*.npy"))
        results = {}
        for method in methods:
            results[method] = measure(method, root, out)
            print(f"{method}: {json.dumps(results[method])}", flush=True)
            shutil.rmtree(out, ignore_errors=True)
        print()
        print(
            f"{args.counties} counties x {EXPERIMENTS} experiments, Ecosys {args.years} years"
            + (f", DayCent {args.dc_years} years" if args.daycent else "")
            + f", {args.dtype}, {os.cpu_count()} CPUs"
        )
        print(_table(results, release_bytes))
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
