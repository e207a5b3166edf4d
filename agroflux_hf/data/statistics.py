"""Normalisation statistics of a config, merged from per-file partial sums.

Why partial sums: the exporter streams one site at a time and each config's training split is a
different union of files, so each file keeps its count, mean and sum of squared deviations and a
config merges those of its training files exactly (Chan et al.), without a second pass over the data.
Missing values (NaN) do not count; a variable never observed in training gets None (see
``schema.VariableStats`` for how the layers read that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agroflux_hf import schema

if TYPE_CHECKING:
    from agroflux_hf.data.builder import SiteExamples
    from agroflux_hf.data.sources.contract import SourceSpec


@dataclass
class PartialStats:
    """NaN-ignoring count, mean and sum of squared deviations per variable; merged exactly (Chan et al.)."""

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PartialStats:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))

    @classmethod
    def of(cls, values: np.ndarray) -> PartialStats:
        """Statistics of ``values`` [rows, n]; NaN entries do not count."""
        values = values.astype(np.float64)
        finite = np.isfinite(values)
        count = finite.sum(axis=0).astype(np.float64)
        total = np.where(finite, values, 0.0).sum(axis=0)
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        m2 = (np.where(finite, values - mean, 0.0) ** 2).sum(axis=0)
        return cls(count, mean, m2)

    def merge(self, other: PartialStats) -> PartialStats:
        count = self.count + other.count
        delta = other.mean - self.mean
        safe = np.where(count > 0, count, 1.0)
        mean = self.mean + delta * other.count / safe
        m2 = self.m2 + other.m2 + delta**2 * self.count * other.count / safe
        return PartialStats(count, mean, m2)

    def as_dict(self, names: tuple[str, ...]) -> dict[str, dict[str, float | None]]:
        """{name: {"mean", "std"}} (population std); None for a variable never observed in training."""
        out: dict[str, dict[str, float | None]] = {}
        for j, name in enumerate(names):
            if self.count[j] == 0:
                out[name] = {"mean": None, "std": None}
            else:
                out[name] = {
                    "mean": float(self.mean[j]),
                    "std": float(np.sqrt(self.m2[j] / self.count[j])),
                }
        return out


def example_stats(site: SiteExamples) -> dict[str, PartialStats]:
    """Per-group partial statistics of a set of examples (statics counted once per example)."""
    return {
        schema.STAT_INPUTS: PartialStats.of(site.past_values.reshape(-1, site.past_values.shape[-1])),
        schema.STAT_STATIC: PartialStats.of(site.static_real_features),
        schema.STAT_TARGETS: PartialStats.of(site.target_values.reshape(-1, site.target_values.shape[-1])),
    }


def train_stats(
    spec: SourceSpec, partials: list[dict[str, PartialStats]]
) -> dict[str, dict[str, dict[str, float | None]]]:
    """The config's statistics: the per-file partial statistics of its training files, merged."""
    names = {
        schema.STAT_INPUTS: spec.input_names,
        schema.STAT_STATIC: spec.static_names,
        schema.STAT_TARGETS: spec.target_names,
    }
    merged = {g: PartialStats.empty(len(names[g])) for g in schema.STAT_GROUPS}
    for partial in partials:
        for g in schema.STAT_GROUPS:
            merged[g] = merged[g].merge(partial[g])
    return {g: merged[g].as_dict(names[g]) for g in schema.STAT_GROUPS}


FAR_STATIC_Z = 3.0
"""A site attribute more than this many training standard deviations from the training mean is reported."""


def z_scores(values: Sequence[float], names: Sequence[str], stats: Mapping[str, Mapping]) -> dict[str, float]:
    """Per static attribute, the z-score of one site's value against the training statistics
    (:meth:`schema.VariableStats.z_score`; ``stats`` is ``{name: {"mean", "std"}}``)."""
    return {
        name: schema.VariableStats.from_entry(stats.get(name) or {}).z_score(value)
        for name, value in zip(names, values, strict=True)
    }


def far_features(z: Mapping[str, float], limit: float = FAR_STATIC_Z) -> dict[str, float]:
    """The attributes with ``|z| > limit``, largest first (NaN never counts)."""
    far = {name: v for name, v in z.items() if abs(v) > limit}
    return dict(sorted(far.items(), key=lambda item: -abs(item[1])))


@dataclass(frozen=True)
class StaticReach:
    """How far a split's static attributes reach beyond a config's training statistics.

    Why: a network multiplies a normalised attribute however far it lies from training, so a test
    site 40 training standard deviations out (the simulations' spatial fold 1, README) is an
    extrapolation that validation on the training regions does not reveal.
    """

    largest_z: float  # the largest finite |z| over the split's rows and attributes (0 when none)
    attribute: str  # the attribute it belongs to ("" when none)
    unseen: tuple[str, ...]  # attributes constant over training that take another value here


def static_reach(static: np.ndarray, names: tuple[str, ...] | list[str], stats: dict) -> StaticReach:
    """:class:`StaticReach` of the rows ``static`` [rows, attributes] against ``stats`` (``{name: {"mean",
    "std"}}``, the training statistics of the static group); NaN values are left out."""
    largest, attribute, unseen = 0.0, "", []
    for j, name in enumerate(names):
        entry = schema.VariableStats.from_entry(stats.get(name) or {})
        values = np.unique(static[:, j][np.isfinite(static[:, j])]) if len(static) else ()
        scores = [abs(entry.z_score(float(v))) for v in values]
        if any(np.isinf(scores)):
            unseen.append(name)
        finite = [z for z in scores if np.isfinite(z)]
        if finite and max(finite) > largest:
            largest, attribute = max(finite), name
    return StaticReach(largest, attribute, tuple(unseen))
