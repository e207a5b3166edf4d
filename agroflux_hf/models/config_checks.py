"""The checks of a model config's names and statistics: which variables each field may hold, and
statistics every model can scale with. Split from ``base.py`` (the config and model themselves)."""

from __future__ import annotations

import math

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError


def check_names(field: str, names: list[str]) -> None:
    """Every name is a schema variable of the field's role, listed once (SchemaError otherwise)."""
    unknown = [n for n in names if n not in schema.VARIABLES]
    if unknown:
        raise SchemaError(
            f"{field}: unknown variables {unknown}; the schema knows {sorted(schema.VARIABLES)}"
        )
    allowed = schema.NAME_FIELD_ROLES[field]
    misplaced = {n: str(schema.VARIABLES[n].role) for n in names if schema.VARIABLES[n].role not in allowed}
    if misplaced:
        raise SchemaError(f"{field}: {misplaced} have another role than {[str(r) for r in allowed]}")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SchemaError(f"{field}: names listed twice: {duplicated}")


def clean_group(group: str, names: list[str], given: dict | None) -> dict[str, dict[str, float]]:
    """The statistics of ``names`` from one group of a stats dict; identity when the group is absent."""
    if given is None:
        return {n: {"mean": 0.0, "std": 1.0} for n in names}
    missing = [n for n in names if n not in given]
    if missing:
        raise SchemaError(f"stats[{group!r}] lacks {missing}; it has {sorted(given)}")
    cleaned = {}
    for n in names:
        mean, std = float(given[n]["mean"]), float(given[n]["std"])
        if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
            raise SchemaError(
                f"stats[{group!r}][{n!r}] must have a finite mean and a finite std > 0, got {given[n]}"
            )
        cleaned[n] = {"mean": mean, "std": std}
    return cleaned
