"""Two reference baselines that flux modellers expect next to any network.

- :class:`GradientBoostingBaseline`: one ``HistGradientBoostingRegressor`` per target on daily rows
  (an observed site-day of the training split is one row). Features are the day's dynamic inputs,
  trailing means (temperature, radiation) and sums (precipitation) over the previous 3, 7 and 30 days,
  the day of year as sine/cosine, and the static site attributes. It sees the same 365-day sequence
  the networks see and nothing else (no lagged targets, no history before the sequence's first day).
- :class:`ClimatologyBaseline`: per target, the training-split mean of each day of year, smoothed with
  a centred window, per site for sites seen in training (pooled over sites for the others); it
  answers "is the model better than the site's seasonal cycle?".

Both produce :class:`ArrayPredictions`, the same (N, T, k) arrays in physical units that
``agroflux_hf.training.predict_dataset`` returns for the networks, so every model is scored by the
same ``agroflux_hf.metrics.core`` code. Missing stays missing: NaN targets never enter a fit, NaN
features are left to the trees, and nothing here fills an observation.

Observed masks: the networks are told which daily inputs were observed by one 0/1 channel per input
(``observed_mask_inputs``). The tree model gets the same information from the NaN itself:
``HistGradientBoostingRegressor`` sends missing values to a side of each split learnt in training, so
"this input is missing today" is a split it can make on every input column, whatever the observed
values are. Explicit 0/1 columns would duplicate those splits, so there are none; a column is kept
when its observed values vary *or* when it is missing on some rows only (its missingness is then the
information). The climatology reads no inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from agroflux_hf import schema
from agroflux_hf.benchmark.presets import BaselineSettings
from agroflux_hf.errors import SchemaError

DAYS_PER_YEAR = schema.SEQUENCE_LENGTH


@dataclass
class ArrayPredictions:
    """Predictions of one model on one split; the fields of ``agroflux_hf.training.Predictions``.

    ``obs`` and ``predicted`` are (examples, days, targets) in physical units, NaN = not observed.
    """

    obs: np.ndarray
    predicted: np.ndarray
    site_ids: np.ndarray
    years: np.ndarray
    experiments: np.ndarray
    target_names: tuple[str, ...]
    first_dates: np.ndarray


@dataclass
class SplitArrays:
    """One split of a sequence dataset as numpy arrays (what both baselines read)."""

    past_values: np.ndarray  # (examples, days, dynamic inputs)
    static: np.ndarray  # (examples, static inputs)
    targets: np.ndarray  # (examples, days, targets)
    site_ids: np.ndarray
    years: np.ndarray
    experiments: np.ndarray
    first_dates: np.ndarray

    @classmethod
    def from_dataset(cls, split) -> SplitArrays:
        """Read a ``datasets.Dataset`` split in the contract's field layout."""
        batch = split.with_format("numpy")[:]
        n = len(split)
        past = np.asarray(batch[schema.PAST_VALUES], dtype=np.float32).reshape(n, DAYS_PER_YEAR, -1)
        targets = np.asarray(batch[schema.TARGET_VALUES], dtype=np.float32).reshape(n, DAYS_PER_YEAR, -1)
        static = (
            np.asarray(batch[schema.STATIC_FEATURES], dtype=np.float32).reshape(n, -1)
            if schema.STATIC_FEATURES in batch
            else np.zeros((n, 0), np.float32)
        )
        return cls(
            past_values=past,
            static=static,
            targets=targets,
            site_ids=np.asarray(batch["site_id"]).astype(str),
            years=np.asarray(batch["year"]).astype(np.int64),
            experiments=np.asarray(batch.get("experiment", np.full(n, schema.NO_EXPERIMENT))).astype(
                np.int64
            ),
            first_dates=np.asarray(batch.get("first_date", np.full(n, ""))).astype(str),
        )

    def predictions(self, predicted: np.ndarray, target_names: Sequence[str]) -> ArrayPredictions:
        return ArrayPredictions(
            obs=self.targets,
            predicted=predicted.astype(np.float32),
            site_ids=self.site_ids,
            years=self.years,
            experiments=self.experiments,
            target_names=tuple(target_names),
            first_dates=self.first_dates,
        )


def day_of_year_index(first_dates: np.ndarray, n_days: int = DAYS_PER_YEAR) -> np.ndarray:
    """(examples, days) 0-based no-leap day of year of every day of every sequence.

    A sequence starts on its ``first_date`` (January 1 when the date is empty, the release's layout).
    """
    offsets = np.array([_noleap_day_of_year(d) for d in first_dates], dtype=np.int64)
    return (offsets[:, None] + np.arange(n_days)[None, :]) % DAYS_PER_YEAR


def _noleap_day_of_year(first_date: str) -> int:
    if not first_date:
        return 0
    stamp = pd.Timestamp(first_date)
    if stamp.month == 2 and stamp.day == 29:
        raise SchemaError(f"first_date {first_date} is February 29, which the no-leap calendar never has")
    return pd.Timestamp(2001, stamp.month, stamp.day).day_of_year - 1  # 2001: a non-leap year


# ---------------------------------------------------------------------------------------------
# Gradient-boosted trees on lagged weather
# ---------------------------------------------------------------------------------------------

LAG_SERIES: dict[str, tuple[tuple[str, ...], str]] = {
    # derived series -> (input variables it is made of, aggregation over a trailing window)
    "T_MEAN": (("TMAX", "TMIN"), "mean"),
    "PRECIP": (("PRECIP",), "sum"),
    "SW_IN": (("SW_IN",), "mean"),
}


def trailing_window_mean(values: np.ndarray, window: int) -> np.ndarray:
    """NaN-aware mean over the ``window`` days *before* each day (the day itself excluded).

    ``values`` is (examples, days); days before the sequence start do not exist, so early days
    average what is there, and a day with no observed predecessor is NaN.
    """
    observed = np.isfinite(values)
    filled = np.where(observed, values, 0.0)
    zeros = np.zeros((values.shape[0], 1))
    value_sum = np.concatenate([zeros, np.cumsum(filled, axis=1)], axis=1)
    count_sum = np.concatenate([zeros, np.cumsum(observed, axis=1)], axis=1)
    days = np.arange(values.shape[1])
    start = np.maximum(days - window, 0)
    sums = value_sum[:, days] - value_sum[:, start]
    counts = count_sum[:, days] - count_sum[:, start]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def trailing_window_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over the ``window`` days before each day, gaps filled by the window's observed mean.

    Scaling the mean by the days that exist keeps a gap in the record from looking like a dry spell.
    """
    days_in_window = np.minimum(np.arange(values.shape[1]), window)
    return trailing_window_mean(values, window) * days_in_window[None, :]


def _derived_series(past: np.ndarray, input_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The daily series the lag features are made of, from whichever inputs the dataset has."""
    series: dict[str, np.ndarray] = {}
    for name, (parts, _how) in LAG_SERIES.items():
        columns = [input_names.index(p) for p in parts if p in input_names]
        if not columns:
            continue
        stacked = past[:, :, columns].astype(np.float64)
        all_missing = ~np.isfinite(stacked).any(axis=2)
        summed = np.where(np.isfinite(stacked), stacked, 0.0).sum(axis=2)
        count = np.isfinite(stacked).sum(axis=2)
        series[name] = np.where(all_missing, np.nan, summed / np.maximum(count, 1))
    return series


def lagged_weather_features(
    arrays: SplitArrays,
    input_names: Sequence[str],
    static_names: Sequence[str],
    windows: Sequence[int] = (3, 7, 30),
) -> tuple[np.ndarray, list[str]]:
    """(examples, days, features) design array of the tree model and the feature names."""
    n, t, n_dyn = arrays.past_values.shape
    if n_dyn != len(input_names):
        raise SchemaError(f"past_values has {n_dyn} inputs but the config names {len(input_names)}")
    blocks: list[np.ndarray] = [arrays.past_values.astype(np.float32)]
    names: list[str] = list(input_names)
    for series_name, values in _derived_series(arrays.past_values, list(input_names)).items():
        aggregate = LAG_SERIES[series_name][1]
        for window in windows:
            lagged = (
                trailing_window_sum(values, window)
                if aggregate == "sum"
                else trailing_window_mean(values, window)
            )
            blocks.append(lagged[:, :, None].astype(np.float32))
            names.append(f"{series_name}_{aggregate}_prev{window}d")
    doy = day_of_year_index(arrays.first_dates, t)
    angle = 2.0 * math.pi * doy / DAYS_PER_YEAR
    blocks += [np.sin(angle)[:, :, None].astype(np.float32), np.cos(angle)[:, :, None].astype(np.float32)]
    names += ["DOY_SIN", "DOY_COS"]
    if arrays.static.shape[1] != len(static_names):
        raise SchemaError(
            f"static_real_features has {arrays.static.shape[1]} values but the config names {len(static_names)}"
        )
    if len(static_names):
        blocks.append(
            np.broadcast_to(arrays.static[:, None, :], (n, t, len(static_names))).astype(np.float32)
        )
        names += list(static_names)
    return np.concatenate(blocks, axis=2), names


def informative_columns(rows: np.ndarray) -> np.ndarray:
    """Indices of the feature columns that vary in ``rows``: two distinct observed values, or a value
    observed on some rows and missing on others (the tree's view of the networks' observed flag).

    A column that is never observed on a target's training rows (e.g. precipitation at towers that do
    not record it), or observed everywhere with one value, carries no information, and scikit-learn's
    binning fails on a column with no observed value.
    """
    keep = []
    for j in range(rows.shape[1]):
        observed = np.isfinite(rows[:, j])
        values = rows[observed, j]
        if values.size and (values.min() < values.max() or not observed.all()):
            keep.append(j)
    return np.asarray(keep, dtype=np.int64)


@dataclass
class GradientBoostingBaseline:
    """One histogram gradient-boosted tree ensemble per target on site-day rows."""

    input_names: tuple[str, ...]
    static_names: tuple[str, ...]
    target_names: tuple[str, ...]
    settings: BaselineSettings = field(default_factory=BaselineSettings)
    seed: int = 0
    regressors: dict[str, HistGradientBoostingRegressor | None] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # feature columns used per target
    constants: dict[str, float] = field(default_factory=dict)  # targets predicted by their training mean
    feature_names: list[str] = field(default_factory=list)
    train_rows: dict[str, int] = field(default_factory=dict)

    name = "gbt"

    def fit(self, train: SplitArrays) -> GradientBoostingBaseline:
        """Fit on the observed site-days of the training split (NaN targets dropped, NaN features kept)."""
        features, self.feature_names = self._features(train)
        rows = features.reshape(-1, features.shape[2])
        rng = np.random.default_rng(self.seed)
        for k, target in enumerate(self.target_names):
            y = train.targets[:, :, k].reshape(-1)
            observed = np.flatnonzero(np.isfinite(y))
            cap = self.settings.gbt_max_train_rows
            if cap is not None and observed.size > cap:
                observed = np.sort(rng.choice(observed, size=cap, replace=False))
            self.train_rows[target] = int(observed.size)
            if observed.size == 0:  # never observed in training: this target gets no prediction
                self.regressors[target] = None
                continue
            self.columns[target] = informative_columns(rows[observed])
            if self.columns[target].size == 0:  # no feature varies: the best guess is the training mean
                self.regressors[target] = None
                self.constants[target] = float(np.mean(y[observed]))
                continue
            regressor = HistGradientBoostingRegressor(
                max_iter=self.settings.gbt_max_iter,
                learning_rate=self.settings.gbt_learning_rate,
                max_leaf_nodes=self.settings.gbt_max_leaf_nodes,
                min_samples_leaf=min(self.settings.gbt_min_samples_leaf, max(1, observed.size // 2)),
                early_stopping=False,
                random_state=self.seed,
            )
            with threadpool_limits(limits=self.settings.gbt_threads, user_api="openmp"):
                self.regressors[target] = regressor.fit(rows[observed][:, self.columns[target]], y[observed])
        return self

    def predict(self, split: SplitArrays) -> ArrayPredictions:
        features, _ = self._features(split)
        n, t, n_features = features.shape
        rows = features.reshape(-1, n_features)
        predicted = np.full((n, t, len(self.target_names)), np.nan, dtype=np.float32)
        for k, target in enumerate(self.target_names):
            regressor = self.regressors.get(target)
            if target in self.constants:
                predicted[:, :, k] = self.constants[target]
            elif regressor is not None:
                with threadpool_limits(limits=self.settings.gbt_threads, user_api="openmp"):
                    predicted[:, :, k] = regressor.predict(rows[:, self.columns[target]]).reshape(n, t)
        return split.predictions(predicted, self.target_names)

    def _features(self, arrays: SplitArrays) -> tuple[np.ndarray, list[str]]:
        return lagged_weather_features(arrays, self.input_names, self.static_names, self.settings.lag_windows)


# ---------------------------------------------------------------------------------------------
# Day-of-year climatology
# ---------------------------------------------------------------------------------------------


def smoothed_day_of_year_mean(
    values: np.ndarray, day_of_year: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """(365,) NaN-aware mean of ``values`` per day of year, pooled over a centred circular window.

    Sums and counts are pooled over the window before dividing, so a day with many observations
    weighs more than a day with one. Returns the smoothed means and the observation counts behind them.
    """
    if window < 1 or window % 2 == 0:
        raise ValueError(f"climatology window must be a positive odd number of days, got {window}")
    observed = np.isfinite(values)
    sums = np.bincount(day_of_year[observed], weights=values[observed], minlength=DAYS_PER_YEAR)
    counts = np.bincount(day_of_year[observed], minlength=DAYS_PER_YEAR).astype(np.float64)
    half = window // 2
    pooled_sums = sum(np.roll(sums, shift) for shift in range(-half, half + 1))
    pooled_counts = sum(np.roll(counts, shift) for shift in range(-half, half + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(pooled_counts > 0, pooled_sums / np.maximum(pooled_counts, 1), np.nan)
    return means, pooled_counts


@dataclass
class ClimatologyBaseline:
    """Per target and site: the smoothed training-split mean of each day of year.

    A site seen in training is predicted by its own seasonal cycle (its own training years), the fair
    reference in a temporal split: a pooled cycle would mix the Swiss and the Nebraskan summer. A day
    whose site has fewer than ``min_site_obs`` training observations within the window (a chamber
    sampled once a fortnight: a mean of one or two episodic values is noise, not a cycle), and every
    day of a site never seen in training (spatial folds), falls back to the cycle pooled over all
    training sites; a day of year with no observation at all falls back to the target's overall
    training mean. Only predictions are filled, never an observation.
    """

    target_names: tuple[str, ...]
    window: int = 15
    min_site_obs: int = 5
    table: np.ndarray | None = None  # (365, targets), pooled over sites
    counts: np.ndarray | None = None
    site_tables: dict[str, np.ndarray] = field(default_factory=dict)  # site -> (365, targets), NaN = none

    name = "climatology"

    def fit(self, train: SplitArrays) -> ClimatologyBaseline:
        doy = day_of_year_index(train.first_dates, train.targets.shape[1])
        self.table, self.counts = self._cycle(train.targets, doy, fill=True)
        self.site_tables = {}
        for site in np.unique(train.site_ids):
            rows = train.site_ids == site
            own, counts = self._cycle(train.targets[rows], doy[rows], fill=False)
            self.site_tables[str(site)] = np.where(counts >= self.min_site_obs, own, np.nan)
        return self

    def _cycle(self, targets: np.ndarray, doy: np.ndarray, fill: bool) -> tuple[np.ndarray, np.ndarray]:
        """(365, targets) smoothed means and counts; ``fill`` puts the overall mean on empty days."""
        table = np.full((DAYS_PER_YEAR, len(self.target_names)), np.nan)
        counts = np.zeros_like(table)
        for k in range(len(self.target_names)):
            values = targets[:, :, k].astype(np.float64)
            means, n = smoothed_day_of_year_mean(values, doy, self.window)
            if fill and np.isfinite(values).any():
                means = np.where(np.isfinite(means), means, np.nanmean(values))
            table[:, k], counts[:, k] = means, n
        return table, counts

    def predict(self, split: SplitArrays) -> ArrayPredictions:
        if self.table is None:
            raise RuntimeError("ClimatologyBaseline.predict called before fit")
        doy = day_of_year_index(split.first_dates, split.targets.shape[1])
        predicted = self.table[doy]  # (examples, days, targets), pooled
        for i, site in enumerate(split.site_ids):
            own = self.site_tables.get(str(site))
            if own is not None:
                predicted[i] = np.where(np.isfinite(own[doy[i]]), own[doy[i]], predicted[i])
        return split.predictions(predicted, self.target_names)

    def to_frame(self) -> pd.DataFrame:
        """The pooled climatology as a table: one row per day of year (1-based), one column per target."""
        frame = pd.DataFrame(self.table, columns=list(self.target_names))
        frame.insert(0, "day_of_year", np.arange(1, DAYS_PER_YEAR + 1))
        return frame


def build_baseline(
    name: str,
    *,
    input_names: Sequence[str],
    static_names: Sequence[str],
    target_names: Sequence[str],
    settings: BaselineSettings,
    seed: int = 0,
) -> GradientBoostingBaseline | ClimatologyBaseline:
    """A fresh, unfitted baseline by name (``gbt`` or ``climatology``)."""
    if name == "gbt":
        return GradientBoostingBaseline(
            tuple(input_names), tuple(static_names), tuple(target_names), settings=settings, seed=seed
        )
    if name == "climatology":
        return ClimatologyBaseline(
            tuple(target_names),
            window=settings.climatology_window,
            min_site_obs=settings.climatology_min_site_obs,
        )
    raise ValueError(f"unknown baseline {name!r}; choose 'gbt' or 'climatology'")
