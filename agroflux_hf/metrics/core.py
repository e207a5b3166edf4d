"""Goodness-of-fit metrics in plain numpy: one function per metric, observations first.

Every metric takes ``(obs, sim)`` in physical units (never standardised values: a metric on z-scores
hides the scale of the error and is not comparable between configs), checks that both have the same
shape, drops every pair where either side is NaN (NaN = not observed, never filled) and raises
:class:`~agroflux_hf.errors.AllNaNError` when no pair is left. :func:`all_metrics` and
:func:`score_targets`, which score models, are stricter: a NaN *prediction* on an observed day is a
failure of the model, counted in ``n_failed``, and leaves that score NaN.

Metrics that divide by the spread of the observations (``r2``, ``nse``, ``kge``) are undefined when the
observations do not vary (e.g. a single observed day, or a flux that is exactly zero all season); they
return NaN then, rather than scikit-learn's forced 1.0/0.0, because a number there would be an artefact
of the sample, not a measure of skill. ``rmse``, ``mae`` and ``bias`` are always defined.

:func:`score_targets` applies them to model outputs of shape (examples, days, targets), pooled over all
days and per site. For the targets of :data:`CUMULATIVE_TARGETS` (N2O) it adds :func:`cumulative_scores`:
the error of each sequence's cumulative emission over its sampling days, the number inventories use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from agroflux_hf.errors import AllNaNError, SchemaError

METRIC_NAMES: tuple[str, ...] = ("r2", "rmse", "mae", "nse", "kge", "bias")
"""Keys of every metrics dict that :func:`score_targets` returns (plus ``n``, the pairs used)."""

BEST_VALUE: dict[str, str] = {
    "r2": "max",
    "nse": "max",
    "kge": "max",
    "rmse": "min",
    "mae": "min",
    "bias": "zero",
}
"""Which value of each metric is best: the largest, the smallest, or the closest to zero (bias)."""

DEFAULT_MIN_SITE_OBS = 10
"""Fewest observed days a site needs to enter the per-site mean/median (see :func:`score_targets`)."""

CUMULATIVE_TARGETS: tuple[str, ...] = ("N2O_FLUX",)
"""Targets :func:`score_targets` also scores by cumulative emission (:func:`cumulative_scores`) by default."""

CUMULATIVE_METRIC_NAMES: tuple[str, ...] = ("mae", "rmse", "bias", "relative_bias", "r2")
"""Metrics of the per-sequence cumulative sums in a :func:`cumulative_scores` dict."""

MIN_SAMPLING_DAYS = 2
"""Fewest sampling days a sequence needs for a cumulative emission (one day spans no period)."""


def _observed_pairs(obs: np.ndarray, sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both sides are present, as float64 vectors; raises on a shape mismatch or no pair.

    Any array shape is accepted (it is flattened) as long as both sides agree, so a (days,) series and a
    (examples, days) block are scored the same way.
    """
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    if obs.shape != sim.shape:
        raise SchemaError(f"obs and sim must have the same shape; got obs {obs.shape} and sim {sim.shape}")
    obs, sim = obs.ravel(), sim.ravel()
    keep = ~(np.isnan(obs) | np.isnan(sim))
    if not keep.any():
        raise AllNaNError(
            f"no pair where both obs and sim are present (of {obs.size} values): the metric is undefined"
        )
    return obs[keep], sim[keep]


def _constant(values: np.ndarray) -> bool:
    """True when every value is the same (tested exactly: a mean of equal floats is not always exact)."""
    return bool(np.all(values == values[0]))


def r2(obs: np.ndarray, sim: np.ndarray) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot``.

    ``SS_res = sum((obs - sim)^2)``, ``SS_tot = sum((obs - mean(obs))^2)``: the share of the variance of
    the observations the simulation explains; 1 is perfect, 0 is no better than the observed mean, and it
    is unbounded below. This is scikit-learn's ``r2_score`` (not the squared Pearson correlation), as in
    the AgroFlux paper's tables. NaN when the observations have no variance (``SS_tot == 0``), where
    scikit-learn would force 1.0 or 0.0.

    Reference: Nash, J. E., Sutcliffe, J. V. (1970), J. Hydrol. 10(3), 282-290; scikit-learn ``r2_score``.
    """
    return _r2_of_pairs(*_observed_pairs(obs, sim))


def _r2_of_pairs(obs: np.ndarray, sim: np.ndarray) -> float:
    if _constant(obs):
        return math.nan  # no variance to explain
    ss_tot = float(np.sum((obs - obs.mean()) ** 2))
    if ss_tot == 0.0:
        return math.nan  # spread below float resolution (subnormal differences)
    ss_res = float(np.sum((obs - sim) ** 2))
    return 1.0 - ss_res / ss_tot


def nse(obs: np.ndarray, sim: np.ndarray) -> float:
    """Nash-Sutcliffe efficiency, ``1 - sum((obs - sim)^2) / sum((obs - mean(obs))^2)``.

    The same formula as :func:`r2` on the same pair, so the two are always equal; hydrology calls it
    NSE, machine learning calls it R2. Kept under both names so tables read in either tradition. NaN when
    the observations have no variance.

    Reference: Nash, J. E., Sutcliffe, J. V. (1970), River flow forecasting through conceptual models
    part I, J. Hydrol. 10(3), 282-290.
    """
    return r2(obs, sim)


def rmse(obs: np.ndarray, sim: np.ndarray) -> float:
    """Root mean squared error, ``sqrt(mean((sim - obs)^2))``, in the unit of the variable.

    Reference: scikit-learn ``mean_squared_error(obs, sim) ** 0.5``.
    """
    return _rmse_of_pairs(*_observed_pairs(obs, sim))


def _rmse_of_pairs(obs: np.ndarray, sim: np.ndarray) -> float:
    return float(np.sqrt(np.mean((sim - obs) ** 2)))


def mae(obs: np.ndarray, sim: np.ndarray) -> float:
    """Mean absolute error, ``mean(|sim - obs|)``, in the unit of the variable.

    Reference: scikit-learn ``mean_absolute_error``.
    """
    return _mae_of_pairs(*_observed_pairs(obs, sim))


def _mae_of_pairs(obs: np.ndarray, sim: np.ndarray) -> float:
    return float(np.mean(np.abs(sim - obs)))


def bias(obs: np.ndarray, sim: np.ndarray) -> float:
    """Mean error, ``mean(sim - obs)``: positive when the simulation is too high on average."""
    return _bias_of_pairs(*_observed_pairs(obs, sim))


def _bias_of_pairs(obs: np.ndarray, sim: np.ndarray) -> float:
    return float(np.mean(sim - obs))


def kge(obs: np.ndarray, sim: np.ndarray) -> float:
    """Kling-Gupta efficiency, ``1 - sqrt((r - 1)^2 + (alpha - 1)^2 + (beta - 1)^2)``.

    ``r`` is the Pearson correlation of sim with obs, ``alpha = std(sim) / std(obs)`` the variability
    ratio and ``beta = mean(sim) / mean(obs)`` the bias ratio (the 2009 form, not the 2012 one with the
    coefficient of variation). 1 is perfect; ``1 - sqrt(2) ~ -0.41`` is what the observed mean scores.

    NaN when it is undefined: observations without variance (``alpha`` and ``r``), a constant simulation
    (``r``), or observations whose mean is zero (``beta``). The last matters for net fluxes such as NEE
    whose season-long mean can be close to zero, where ``beta`` explodes: read KGE of NEE with care.

    Reference: Gupta, H. V., Kling, H., Yilmaz, K. K., Martinez, G. F. (2009), Decomposition of the mean
    squared error and NSE performance criteria, J. Hydrol. 377(1-2), 80-91.
    """
    return _kge_of_pairs(*_observed_pairs(obs, sim))


def _kge_of_pairs(obs: np.ndarray, sim: np.ndarray) -> float:
    if _constant(obs) or _constant(sim):
        return math.nan
    obs_std, sim_std, obs_mean = float(obs.std()), float(sim.std()), float(obs.mean())
    if obs_mean == 0.0 or obs_std == 0.0 or sim_std == 0.0:  # a spread below float resolution is none
        return math.nan
    r = float(np.mean((obs - obs_mean) * (sim - sim.mean())) / (obs_std * sim_std))
    alpha = sim_std / obs_std
    beta = float(sim.mean()) / obs_mean
    # hypot, not sqrt of squares: alpha or beta can be ~1e160 on near-zero observations (no overflow)
    return 1.0 - math.hypot(r - 1.0, alpha - 1.0, beta - 1.0)


# The formulas on pairs already cleaned of NaN: the public functions and all_metrics share them.
_PAIR_METRICS = {
    "r2": _r2_of_pairs,
    "rmse": _rmse_of_pairs,
    "mae": _mae_of_pairs,
    "kge": _kge_of_pairs,
    "bias": _bias_of_pairs,
}


def all_metrics(obs: np.ndarray, sim: np.ndarray) -> dict[str, float]:
    """Every metric of :data:`METRIC_NAMES` plus ``n`` (pairs used) and ``n_failed`` (observed days
    with a NaN prediction, :func:`failed_predictions`); all metrics NaN when no pair or any failure.

    Unlike the single metrics this does not raise on no observed pair, so that one unobserved target
    (e.g. N2O at a tower) does not stop the scoring of the others; its entry says ``n = 0``.
    """
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    failed = failed_predictions(obs, sim)
    try:
        pairs = _observed_pairs(obs, sim)
    except AllNaNError:
        return {**dict.fromkeys(METRIC_NAMES, math.nan), "n": 0, "n_failed": failed}
    if failed:  # a model that gives no number on an observed day has failed there: no score
        return {**dict.fromkeys(METRIC_NAMES, math.nan), "n": len(pairs[0]), "n_failed": failed}
    scores = {name: fn(*pairs) for name, fn in _PAIR_METRICS.items()}
    scores["nse"] = scores["r2"]  # the same formula (see nse)
    scores = {name: scores[name] for name in METRIC_NAMES}
    return {**scores, "n": len(pairs[0]), "n_failed": 0}


def failed_predictions(obs: np.ndarray, sim: np.ndarray) -> int:
    """Observed days on which the prediction is NaN (or infinite): failures, not missing data.

    Only an observation can be missing; a prediction that is not a finite number is a model that
    failed (diverged, or could not be evaluated there), and dropping those days would score it on the
    days it happened to get right.
    """
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    return int(np.count_nonzero(np.isfinite(obs) & ~np.isfinite(sim)))


def _trapezoid(days: np.ndarray, values: np.ndarray) -> float:
    """Integral of the straight lines joining ``(days[i], values[i])``: ``sum(dt * (v_i + v_i+1) / 2)``."""
    return float(np.sum(np.diff(days) * (values[1:] + values[:-1]) / 2.0))


def sampled_cumulative(obs: np.ndarray, sim: np.ndarray) -> tuple[float, float, int]:
    """Cumulative observed and simulated emission of one daily sequence over its sampling days.

    The sampling days are the days with an observation (NaN = not sampled). A prediction that is not a
    finite number on a sampling day is a model that failed there (:func:`failed_predictions`): its total
    is NaN, not a total over the days it happened to give. Between the first and the last sampling day
    the flux is interpolated linearly from one sampling day to the next, and integrated over days::

        C = sum_i (d[i+1] - d[i]) * (x[d[i]] + x[d[i+1]]) / 2

    computed once with ``x = obs`` and once with ``x = sim`` *on the same days*: a model is judged only
    where there are observations, by the same interpolation that turns chamber samples into an emission
    total (a daily flux in g N m-2 d-1 gives g N m-2 over the sampled period). Days before the first and
    after the last sampling day do not count.

    Returns ``(obs_total, sim_total, sampling_days)``; both totals are NaN with fewer than
    :data:`MIN_SAMPLING_DAYS` sampling days, ``sim_total`` alone where the model failed.

    References: linear interpolation between sampling days for cumulative N2O, and how its result
    depends on the sampling frequency: Parkin, T. B. (2008), J. Environ. Qual. 37(4), 1390-1395;
    Barton, L. et al. (2015), Sampling frequency affects estimates of annual nitrous oxide fluxes,
    Sci. Rep. 5, 15912.
    """
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    if obs.ndim != 1 or obs.shape != sim.shape:
        raise SchemaError(
            f"obs and sim must be daily series (days,) of one length; got obs {obs.shape} and sim {sim.shape}"
        )
    days = np.flatnonzero(np.isfinite(obs))
    if days.size < MIN_SAMPLING_DAYS:
        return math.nan, math.nan, int(days.size)
    simulated = _trapezoid(days, sim[days]) if np.isfinite(sim[days]).all() else math.nan
    return _trapezoid(days, obs[days]), simulated, int(days.size)


def cumulative_scores(obs: Sequence[np.ndarray], sim: Sequence[np.ndarray]) -> dict[str, object]:
    """Error of the cumulative emission per sequence (:func:`sampled_cumulative`), over sequences.

    Args:
        obs, sim: one daily series per sequence, as an (examples, days) array or a list of (days,)
            arrays (lengths may differ between sequences, not between ``obs`` and ``sim``).

    Returns:
        ``{"mae", "rmse", "bias", "relative_bias", "r2", "n", "n_excluded", "n_failed", "obs", "sim",
        "sampling_days"}``. With ``S_obs``, ``S_sim`` the cumulative sums of the ``n`` sequences that
        have at least :data:`MIN_SAMPLING_DAYS` sampling days: ``mae = mean|S_sim - S_obs|``,
        ``rmse = sqrt(mean((S_sim - S_obs)^2))``, ``bias = mean(S_sim - S_obs)`` (unit of the flux times
        days, e.g. g N m-2), ``relative_bias = sum(S_sim - S_obs) / sum(S_obs)`` (a fraction; > 0 = the
        model emits too much in total; NaN when the observed total is 0; the PBIAS of Moriasi et al.
        (2007), Trans. ASABE 50(3), 885-900, divided by -100, since theirs is > 0 for too little) and
        ``r2`` of :func:`r2` across sequences (how well the model ranks and scales the sequences'
        totals; NaN with fewer than 2 sequences or equal totals). ``n_excluded`` counts the sequences
        left out for too few sampling days, ``n_failed`` the kept ones with a prediction that is not a
        finite number on a sampling day (any makes every metric NaN); ``obs``, ``sim`` and
        ``sampling_days`` are per sequence in the given order (NaN totals for excluded ones). Metrics
        are NaN when ``n`` is 0; nothing raises.
    """
    if len(obs) != len(sim):
        raise SchemaError(f"obs has {len(obs)} sequences but sim has {len(sim)}")
    per_sequence = [sampled_cumulative(o, s) for o, s in zip(obs, sim, strict=True)]
    obs_totals = np.array([p[0] for p in per_sequence], dtype=np.float64)
    sim_totals = np.array([p[1] for p in per_sequence], dtype=np.float64)
    kept = ~np.isnan(obs_totals)
    failed = int((kept & np.isnan(sim_totals)).sum())
    scores = _cumulative_metrics(obs_totals[kept], sim_totals[kept])
    if failed:  # a sequence the model failed fails the scores, as a failed day fails the daily ones
        scores = dict.fromkeys(scores, math.nan)
    return {
        **scores,
        "n": int(kept.sum()),
        "n_excluded": int((~kept).sum()),
        "n_failed": failed,
        "obs": obs_totals.tolist(),
        "sim": sim_totals.tolist(),
        "sampling_days": [p[2] for p in per_sequence],
    }


def _cumulative_metrics(obs_totals: np.ndarray, sim_totals: np.ndarray) -> dict[str, float]:
    if obs_totals.size == 0:
        return dict.fromkeys(CUMULATIVE_METRIC_NAMES, math.nan)
    observed_total = float(obs_totals.sum())
    error_total = float((sim_totals - obs_totals).sum())
    return {
        "mae": _mae_of_pairs(obs_totals, sim_totals),
        "rmse": _rmse_of_pairs(obs_totals, sim_totals),
        "bias": _bias_of_pairs(obs_totals, sim_totals),
        "relative_bias": error_total / observed_total if observed_total != 0.0 else math.nan,
        "r2": _r2_of_pairs(obs_totals, sim_totals),
    }


def _site_blocks(site_ids: Sequence[object], n_examples: int) -> tuple[np.ndarray, dict[str, slice]]:
    """An example order that puts each site's examples together, and each site's slice of that order.

    Sites keep their order of first appearance; ids become strings. Slices of a reordered array are views,
    so scoring thousands of sites does not copy the data once per site.
    """
    ids = [str(s) for s in site_ids]
    if len(ids) != n_examples:
        raise SchemaError(
            f"site_ids must give one id per example: got {len(ids)} ids for {n_examples} examples"
        )
    groups: dict[str, list[int]] = {}
    for index, site in enumerate(ids):
        groups.setdefault(site, []).append(index)
    order, blocks, start = [], {}, 0
    for site, rows in groups.items():
        order.extend(rows)
        blocks[site] = slice(start, start + len(rows))
        start += len(rows)
    return np.asarray(order, dtype=np.intp), blocks


def _summarise_sites(site_scores: dict[str, dict[str, float]], min_site_obs: int) -> dict[str, object]:
    """Mean and median of each metric over the sites with at least ``min_site_obs`` observed days.

    A site whose metric is NaN (e.g. constant observations) is left out of that metric's mean/median only.
    A site where the model failed (a NaN prediction on an observed day, ``n_failed`` > 0) fails the
    summary: every mean and median is NaN, as the pooled scores are, and ``n_failed_sites`` counts them;
    leaving it out would score the model on the sites it happened to get right.
    """
    kept = [s for s in site_scores.values() if s["n"] >= min_site_obs]
    failed = sum(1 for s in site_scores.values() if s.get("n_failed", 0))
    summary: dict[str, object] = {"mean": {}, "median": {}, "n_sites": len(kept), "n_failed_sites": failed}
    for name in METRIC_NAMES:
        values = np.array([s[name] for s in kept], dtype=np.float64)
        values = values[~np.isnan(values)]
        scored = values.size > 0 and not failed
        summary["mean"][name] = float(values.mean()) if scored else math.nan
        summary["median"][name] = float(np.median(values)) if scored else math.nan
    return summary


def score_targets(
    obs: np.ndarray,
    sim: np.ndarray,
    target_names: Sequence[str],
    site_ids: Sequence[object] | None = None,
    min_site_obs: int = DEFAULT_MIN_SITE_OBS,
    cumulative_targets: Sequence[str] | None = None,
) -> dict[str, dict[str, object]]:
    """Score every target, pooled over all days and, when ``site_ids`` is given, per site.

    Args:
        obs, sim: observations and predictions in physical units, shape (examples, days, targets) or
            (examples, targets); NaN in ``obs`` = not observed, so only observed days are scored.
        target_names: one name per last-axis column, in that order.
        site_ids: one site id per example (first axis); examples of the same site (years, experiments)
            are scored together.
        min_site_obs: a site enters the per-site mean/median only with at least this many observed
            days; sites with fewer are still listed under ``"sites"`` with their ``n``.
        cumulative_targets: targets also scored by their cumulative emission per example
            (:func:`cumulative_scores`; needs the days axis). ``None`` = those of
            :data:`CUMULATIVE_TARGETS` (N2O_FLUX) among ``target_names``; names given explicitly must
            be among ``target_names``.

    Returns:
        ``{target: {"pooled": metrics, "per_site": {"mean": ..., "median": ..., "n_sites": int} or None,
        "sites": {site_id: metrics}}}`` where ``metrics`` is ``{"r2", "rmse", "mae", "nse", "kge",
        "bias", "n"}`` (``n`` = observed pairs). ``per_site`` is None and ``sites`` empty without
        ``site_ids``. A cumulative target's entry also has ``"cumulative"``: the
        :func:`cumulative_scores` dict, per-sequence values in the order of the examples.

    Why both: the pooled R2 over all days and sites is dominated by the differences between sites and by
    the seasonal cycle that every model gets right; it can be high for a model that explains nothing
    within a site. The mean and median of per-site R2 (as the AgroFlux paper reports for its county maps)
    measure skill within a site. Report both, and say which.

    A target with no observed value at all (e.g. N2O in a set without chamber data) does not fail the
    call: its pooled entry has ``n = 0`` and NaN metrics, and ``n_sites = 0``. Use the single metric
    functions to get an :class:`~agroflux_hf.errors.AllNaNError` instead.
    """
    obs, sim = np.asarray(obs), np.asarray(sim)
    target_names = [str(t) for t in target_names]
    if obs.shape != sim.shape:
        raise SchemaError(f"obs and sim must have the same shape; got obs {obs.shape} and sim {sim.shape}")
    if obs.ndim not in (2, 3):
        raise SchemaError(
            f"obs and sim must be (examples, days, targets) or (examples, targets); got {obs.shape}"
        )
    if obs.shape[-1] != len(target_names):
        raise SchemaError(
            f"the last axis has {obs.shape[-1]} targets but {len(target_names)} target_names were given: "
            f"{target_names}"
        )
    cumulative = _cumulative_names(cumulative_targets, target_names, obs.ndim)
    order, blocks = _site_blocks(site_ids, obs.shape[0]) if site_ids is not None else (None, {})
    scores: dict[str, dict[str, object]] = {}
    for j, name in enumerate(target_names):
        # One target at a time in float64 (not the whole array), examples grouped by site.
        obs_j = np.ascontiguousarray(obs[..., j] if order is None else obs[order, ..., j], dtype=np.float64)
        sim_j = np.ascontiguousarray(sim[..., j] if order is None else sim[order, ..., j], dtype=np.float64)
        entry: dict[str, object] = {"pooled": all_metrics(obs_j, sim_j), "per_site": None, "sites": {}}
        if order is not None:
            sites = {site: all_metrics(obs_j[rows], sim_j[rows]) for site, rows in blocks.items()}
            entry["sites"] = sites
            entry["per_site"] = _summarise_sites(sites, min_site_obs)
        if name in cumulative:
            entry["cumulative"] = cumulative_scores(obs[..., j], sim[..., j])
        scores[name] = entry
    return scores


def _cumulative_names(requested: Sequence[str] | None, target_names: list[str], ndim: int) -> set[str]:
    """The targets to score cumulatively: the default ones present, or exactly those requested."""
    if requested is None:
        return {t for t in CUMULATIVE_TARGETS if t in target_names} if ndim == 3 else set()
    requested = [str(t) for t in requested]
    unknown = [t for t in requested if t not in target_names]
    if unknown:
        raise SchemaError(f"cumulative_targets {unknown} are not among target_names {target_names}")
    if requested and ndim != 3:
        raise SchemaError("cumulative_targets need daily sequences: obs and sim of (examples, days, targets)")
    return set(requested)
