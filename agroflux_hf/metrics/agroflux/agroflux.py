"""AgroFlux metric for ``evaluate``: R2, RMSE, MAE, NSE, KGE and bias per target, pooled and per site;
for N2O also the error of each example's cumulative emission.

A thin wrapper: the numbers come from :func:`agroflux_hf.metrics.core.score_targets`, so that
``evaluate.load(agroflux_hf.METRIC_PATH).compute(...)`` and the training loop report the same values.
"""

import itertools

import datasets
import evaluate
import numpy as np

from agroflux_hf.metrics import core

_CITATION = """\
@article{agroflux2026,
  title   = {AgroFlux: A Spatial-Temporal Benchmark for Carbon and Nitrogen Flux Prediction in
             Agricultural Ecosystems},
  journal = {arXiv preprint arXiv:2602.01614},
  year    = {2026}
}
@article{gupta2009kge,
  title   = {Decomposition of the mean squared error and NSE performance criteria},
  author  = {Gupta, Hoshin V. and Kling, Harald and Yilmaz, Koray K. and Martinez, Guillermo F.},
  journal = {Journal of Hydrology}, volume = {377}, number = {1-2}, pages = {80--91}, year = {2009}
}
"""

_DESCRIPTION = """\
Goodness of fit of daily flux predictions in physical units, per target: R2 (1 - SSres/SStot, as
scikit-learn's r2_score), RMSE, MAE, Nash-Sutcliffe efficiency (the same formula as R2), Kling-Gupta
efficiency (2009) and bias (mean of prediction - observation). Pairs with a missing (NaN) observation or
prediction are dropped. Scores are pooled over all days and, when site ids are given, computed per site
and summarised by the mean and median across sites. For N2O_FLUX (or the targets named in
cumulative_targets) each example's flux is also integrated over its sampling days (linear interpolation
between observed days, the same days for prediction and observation) and the cumulative sums are
compared across examples: MAE, RMSE, bias, relative bias and R2.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: one sequence of floats per example: the model's days x targets values, flattened row
        by row (day 0 targets, day 1 targets, ...), physical units. Or, as evaluate's built-in
        regression metrics take them, one float per element: all elements are then one series
        (rows of len(target_names) values).
    references: the observations, same layout as predictions; NaN = not observed.
    target_names: list of target names, one per column (default ["value"]: one target).
    site_ids: optional, one site id per example (per row in the flat form); adds per-site scores and
        their mean/median.
    min_site_obs: optional, fewest observed days a site needs to enter the per-site mean/median
        (default 10).
    cumulative_targets: optional, targets scored by cumulative emission per example (default: N2O_FLUX
        when it is among target_names; [] for none).
Returns:
    {target: {"pooled": {r2, rmse, mae, nse, kge, bias, n, n_failed}, "per_site": {"mean": {...},
    "median": {...}, "n_sites": int, "n_failed_sites": int} or None, "sites": {site: {...}}}}; a
    cumulative target also has "cumulative": {mae, rmse, bias, relative_bias, r2, n, n_excluded, n_failed,
    obs, sim, sampling_days} (per-example totals in the flux's unit times days; examples with fewer than 2
    sampling days are excluded and counted). A prediction that is not a finite number on an observed day
    is a failure, counted in n_failed: it makes the pooled, per-site and cumulative scores NaN.
Examples:
    >>> metric = evaluate.load(agroflux_hf.METRIC_PATH)
    >>> out = metric.compute(predictions=[[1.0, 2.0, 3.0]], references=[[1.1, 1.9, 3.2]])
    >>> round(out["value"]["pooled"]["rmse"], 3)
    0.141
    >>> flat = metric.compute(predictions=[1.0, 2.0, 3.0], references=[1.1, 1.9, 3.2])
    >>> round(flat["value"]["pooled"]["rmse"], 3)
    0.141
    >>> nan = float("nan")
    >>> out = metric.compute(
    ...     predictions=[[1.0, 1.0, 1.0, 1.0]], references=[[2.0, nan, 4.0, nan]], target_names=["N2O_FLUX"]
    ... )
    >>> out["N2O_FLUX"]["cumulative"]["obs"], out["N2O_FLUX"]["cumulative"]["sim"]
    ([6.0], [2.0])
"""


def _rows(sequences: list, n_targets: int, what: str) -> list[np.ndarray]:
    """Each example's flat sequence as a (days, n_targets) array; a clear error when it does not divide."""
    rows = []
    for i, sequence in enumerate(sequences):
        values = np.asarray(sequence, dtype=np.float64)
        if values.size % n_targets:
            raise ValueError(
                f"{what}[{i}] has {values.size} values, not a multiple of the {n_targets} target_names"
            )
        rows.append(values.reshape(-1, n_targets))
    return rows


def _is_flat(values) -> bool:
    """True for evaluate's flat form: one number per element (not one sequence per example)."""
    return len(values) > 0 and np.ndim(values[0]) == 0


def _as_one_series(predictions, references, site_ids, n_targets: int):
    """The flat form as one example; per-row site ids become runs of consecutive rows, one per site.

    Each run is scored as an example of its own, so a cumulative emission never sums across sites.
    """
    if site_ids is None:
        return [list(predictions)], [list(references)], None
    n_rows = len(predictions) // n_targets if n_targets else 0
    if len(site_ids) != n_rows:
        raise ValueError(f"site_ids has {len(site_ids)} ids for {n_rows} rows of the flat predictions")
    starts = [0] + [i for i in range(1, n_rows) if site_ids[i] != site_ids[i - 1]] + [n_rows]
    runs = list(itertools.pairwise(starts))
    pred = [list(predictions[a * n_targets : b * n_targets]) for a, b in runs]
    ref = [list(references[a * n_targets : b * n_targets]) for a, b in runs]
    return pred, ref, [site_ids[a] for a, _ in runs]


def _cumulative_names(requested, target_names: list[str]) -> list[str]:
    """Targets scored by cumulative emission: the default ones present, or exactly those requested.

    Scored per example here, not on the concatenated days, so no sum runs across two examples.
    """
    if requested is None:
        return [t for t in core.CUMULATIVE_TARGETS if t in target_names]
    unknown = [t for t in requested if t not in target_names]
    if unknown:
        raise ValueError(f"cumulative_targets {unknown} are not among target_names {target_names}")
    return list(requested)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Agroflux(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # Two accepted forms; evaluate picks the one the inputs match.
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("float32")),
                        "references": datasets.Sequence(datasets.Value("float32")),
                    }
                ),
                datasets.Features(
                    {"predictions": datasets.Value("float32"), "references": datasets.Value("float32")}
                ),
            ],
            reference_urls=["https://arxiv.org/abs/2602.01614"],
        )

    def _compute(
        self,
        predictions,
        references,
        target_names=None,
        site_ids=None,
        min_site_obs=None,
        cumulative_targets=None,
    ):
        target_names = list(target_names) if target_names is not None else ["value"]
        if _is_flat(predictions) and _is_flat(references):
            predictions, references, site_ids = _as_one_series(
                predictions, references, site_ids, len(target_names)
            )
        sim_rows = _rows(predictions, len(target_names), "predictions")
        obs_rows = _rows(references, len(target_names), "references")
        for i, (o, s) in enumerate(zip(obs_rows, sim_rows, strict=True)):
            if o.shape != s.shape:
                raise ValueError(f"example {i}: references have {o.size} values but predictions {s.size}")
        row_sites = None
        if site_ids is not None:
            if len(site_ids) != len(obs_rows):
                raise ValueError(f"site_ids has {len(site_ids)} ids for {len(obs_rows)} examples")
            # One row per day: the site id of its example, so examples of different lengths are fine.
            row_sites = [site for site, o in zip(site_ids, obs_rows, strict=True) for _ in range(len(o))]
        obs = np.concatenate(obs_rows) if obs_rows else np.empty((0, len(target_names)))
        sim = np.concatenate(sim_rows) if sim_rows else np.empty((0, len(target_names)))
        kwargs = {} if min_site_obs is None else {"min_site_obs": int(min_site_obs)}
        scores = core.score_targets(obs, sim, target_names, site_ids=row_sites, **kwargs)
        for name in _cumulative_names(cumulative_targets, target_names):
            k = target_names.index(name)
            scores[name]["cumulative"] = core.cumulative_scores(
                [o[:, k] for o in obs_rows], [s[:, k] for s in sim_rows]
            )
        return scores
