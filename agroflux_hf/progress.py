"""Progress bars that a quiet run (``agroflux -q``, ``TQDM_DISABLE=1``) silences everywhere.

tqdm reads ``TQDM_DISABLE`` only as a default: a bar created with an explicit ``disable=False`` would
still draw. Every bar of the package goes through :func:`progress_bar`, which honours both.
"""

from __future__ import annotations

import os
from typing import Any

QUIET_ENV = "TQDM_DISABLE"


def bars_silenced() -> bool:
    """True when the environment asks for no progress bars (``-q`` sets it)."""
    return os.environ.get(QUIET_ENV, "").strip().lower() in ("1", "true", "yes")


def progress_bar(iterable: Any = None, *, enabled: bool = True, **kwargs: Any) -> Any:
    """``tqdm(iterable, **kwargs)``, drawn only when ``enabled`` and not silenced."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not enabled or bars_silenced(), **kwargs)
