"""Import and CLI start-up times: ``import agroflux_hf`` beyond ``import torch``, and ``agroflux --help``.

Each command runs in a fresh interpreter (``python -c ...``), ``--repeat`` times; the median wall
time is printed. The budget (issue 12): ``import agroflux_hf`` under 1 s beyond ``import torch``;
``agroflux --help`` fast, because the command modules import only the standard library and the
package's public names are imported on first use.

    python scripts/bench_import.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES: dict[str, list[str]] = {
    "python (empty)": [sys.executable, "-c", "pass"],
    "import torch": [sys.executable, "-c", "import torch"],
    "import agroflux_hf": [sys.executable, "-c", "import agroflux_hf"],
    "agroflux --help": [sys.executable, "-m", "agroflux_hf.cli", "--help"],
}
"""Wall time of a fresh interpreter running each command."""

AFTER_TORCH = """
import time, torch
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""
IN_PROCESS: dict[str, str] = {
    "import agroflux_hf, beyond import torch": "import agroflux_hf",
    "first use (agroflux_hf.build_model: transformers, models), beyond torch": (
        "import agroflux_hf; agroflux_hf.build_model"
    ),
}
"""Seconds measured inside the interpreter after ``import torch``: the load's noise stays out."""


def wall_seconds(command: list[str]) -> float:
    """Wall time of one run of ``command`` (output discarded; a failure raises)."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_seconds(command: list[str], repeat: int) -> float:
    """Median over ``repeat`` runs: the machine is shared, single runs are noisy."""
    return statistics.median(wall_seconds(command) for _ in range(repeat))


def seconds_after_torch(statement: str, repeat: int) -> float:
    """Median time of ``statement`` in a fresh interpreter that has already imported torch."""
    code = AFTER_TORCH.format(statement=statement)
    runs = [
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times = {name: median_seconds(command, args.repeat) for name, command in CASES.items()}
    times |= {name: seconds_after_torch(statement, args.repeat) for name, statement in IN_PROCESS.items()}
    print("| what | seconds |\n|---|---:|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
