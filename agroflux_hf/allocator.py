"""glibc malloc settings that keep freed memory for reuse, set by the ``agroflux`` commands.

Why: a training step allocates and frees the same large tensors every step. Under glibc's defaults a
block above the dynamic ``mmap`` threshold gets fresh pages from the kernel each time, and the first
touch of each page is a page fault; on the 2-core Intel machine of the benchmark these faults cost more
than the element-wise pass that fills the tensor. Keeping freed memory in the heap instead
(``scripts/bench_malloc.py``) trained the LSTM 1.26x and the Pyraformer 1.21x faster, the TCN and the
Transformer within the noise, and changes nothing the models compute.

What: blocks below 32 MB (glibc's largest threshold) come from the heap, freed heap memory up to 2 GB is
kept instead of returned to the kernel, and the heap grows in 512 MB steps (untouched pages cost no
memory). The running process gets them through ``mallopt``; processes it starts (the benchmark's spawned
workers, the process model) through the ``MALLOC_*_`` variables, which glibc reads at start.

Opt out with ``AGROFLUX_MALLOC=default``; if any of the three variables is already set, the user chose
and nothing is changed. Other C libraries (macOS, musl, Windows) are left alone.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import sys
from typing import NamedTuple

logger = logging.getLogger(__name__)

OPT_OUT_ENV = "AGROFLUX_MALLOC"
"""``AGROFLUX_MALLOC=default`` keeps glibc's own settings."""


class MallocSetting(NamedTuple):
    variable: str  # what glibc reads at process start
    parameter: int  # mallopt's parameter number (glibc's malloc.h)
    value: int


SETTINGS: tuple[MallocSetting, ...] = (
    MallocSetting("MALLOC_MMAP_THRESHOLD_", -3, 32 * 2**20),  # M_MMAP_THRESHOLD, glibc's maximum
    MallocSetting("MALLOC_TRIM_THRESHOLD_", -1, 2**31 - 1),  # M_TRIM_THRESHOLD, the largest mallopt takes
    MallocSetting("MALLOC_TOP_PAD_", -2, 512 * 2**20),  # M_TOP_PAD
)


def tuned_environment() -> dict[str, str]:
    """The variables that give a new process these settings."""
    return {setting.variable: str(setting.value) for setting in SETTINGS}


def _glibc() -> ctypes.CDLL | None:
    """The running process's C library when it is glibc, else None."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def keep_freed_memory() -> bool:
    """Apply the settings to this process and the processes it starts; True if they were applied.

    Not applied (False) when the user opted out, set any of the variables themselves, or the C library
    is not glibc. Idempotent.
    """
    if os.environ.get(OPT_OUT_ENV, "").strip().lower() == "default":
        return False
    if any(setting.variable in os.environ for setting in SETTINGS) and not _applied_by_us():
        return False
    libc = _glibc()
    if libc is None:
        return False
    for setting in SETTINGS:
        if libc.mallopt(ctypes.c_int(setting.parameter), ctypes.c_int(setting.value)) != 1:
            logger.debug("mallopt(%d, %d) refused; glibc defaults kept", setting.parameter, setting.value)
            return False
    os.environ.update(tuned_environment())
    logger.debug("malloc keeps freed memory: %s", tuned_environment())
    return True


def _applied_by_us() -> bool:
    """True when the variables hold exactly our values (a second call, or a worker we started)."""
    return all(os.environ.get(key) == value for key, value in tuned_environment().items())
