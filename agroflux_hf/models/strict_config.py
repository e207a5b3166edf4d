"""``@strict_config``: huggingface_hub's ``@strict`` type checks, made to run on this package's configs.

Why: under ``from __future__ import annotations`` every field annotation is a string, and ``@strict``
skips string annotations; so a config took ``causal="False"`` (a string, truthy: a causal TCN built
from ``--model-override causal=False``, recorded as not seeing the future) or
``observed_mask_inputs="no"`` without a word. The fields the AgroFlux config classes declare are
resolved to real types first; transformers' own fields are left as transformers declares them.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from huggingface_hub.dataclasses import strict


def strict_config(cls: Any) -> Any:
    """``@strict`` over ``cls`` with the annotations of the fields its own module declares resolved."""
    namespace = vars(sys.modules[cls.__module__])
    for f in dataclasses.fields(cls):
        if isinstance(f.type, str) and _declared_in(cls, f.name):
            f.type = eval(f.type, namespace)
    return strict(cls)


def _declared_in(cls: Any, name: str) -> bool:
    """True when the field comes from a class of ``cls``'s own module (not from transformers)."""
    for klass in cls.__mro__:
        if name in vars(klass).get("__annotations__", {}):
            return klass.__module__ == cls.__module__ or klass.__module__.startswith("agroflux_hf.")
    return False
