"""The in-memory data layer: a split as tensors, batches, samplers, and a model's predictions over them.

A split is read from Arrow once into contiguous float32 tensors; batches are then cut by fancy
indexing in the collate function, so the Arrow-to-tensor path is paid once per run, not per step.
Columns are matched *by variable name* (a model trained on a simulation can be run on an
observation config whose inputs differ: a missing input is fed as NaN, which the model masks).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from agroflux_hf import schema
from agroflux_hf.errors import SchemaError

logger = logging.getLogger(__name__)


@dataclass
class SplitTensors:
    """One split held in memory: inputs, static features and targets, with ids per sequence.

    Shapes: ``past_values`` (sequences, days, inputs), ``static`` (sequences, statics),
    ``targets`` (sequences, days, targets); NaN = missing / not observed.
    """

    past_values: torch.Tensor
    static: torch.Tensor
    targets: torch.Tensor
    input_names: tuple[str, ...]
    static_names: tuple[str, ...]
    target_names: tuple[str, ...]
    site_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    years: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int32))
    experiments: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int32))
    first_dates: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))

    def __len__(self) -> int:
        return int(self.past_values.shape[0])

    def select(
        self,
        input_names: Sequence[str] | None = None,
        static_names: Sequence[str] | None = None,
        target_names: Sequence[str] | None = None,
    ) -> SplitTensors:
        """The same sequences with columns re-ordered by name; names this split lacks become NaN."""
        input_names = tuple(self.input_names if input_names is None else input_names)
        static_names = tuple(self.static_names if static_names is None else static_names)
        target_names = tuple(self.target_names if target_names is None else target_names)
        return SplitTensors(
            past_values=_columns_by_name(self.past_values, self.input_names, input_names),
            static=_columns_by_name(self.static, self.static_names, static_names),
            targets=_columns_by_name(self.targets, self.target_names, target_names),
            input_names=input_names,
            static_names=static_names,
            target_names=target_names,
            site_ids=self.site_ids,
            years=self.years,
            experiments=self.experiments,
            first_dates=self.first_dates,
        )

    def batch(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """The rows ``index`` as a model batch (plus ``index`` so gathered predictions can be ordered)."""
        return {
            "index": index,
            "past_values": self.past_values[index],
            "static_real_features": self.static[index],
            "target_values": self.targets[index],
        }


def _columns_by_name(values: torch.Tensor, have: Sequence[str], want: Sequence[str]) -> torch.Tensor:
    """``values[..., j]`` for each wanted name, NaN where ``have`` lacks it; no copy when identical."""
    if tuple(have) == tuple(want):
        return values
    out = torch.full((*values.shape[:-1], len(want)), float("nan"), dtype=values.dtype)
    position = {name: j for j, name in enumerate(have)}
    for k, name in enumerate(want):
        if name in position:
            out[..., k] = values[..., position[name]]
    return out


def split_tensors(
    dataset: Any,
    input_names: Sequence[str],
    static_names: Sequence[str],
    target_names: Sequence[str],
) -> SplitTensors:
    """Read a ``datasets.Dataset`` split (the sequence-dataset layout) into memory once.

    ``*_names`` are the names of the dataset's columns, in order (``config_info(...)`` gives them).
    """
    if isinstance(dataset, SplitTensors):
        return dataset
    columns = dataset.column_names
    for needed in (schema.PAST_VALUES, schema.TARGET_VALUES):
        if needed not in columns:
            raise SchemaError(f"dataset has no {needed!r} column; it has {columns}")
    numeric = dataset.with_format("numpy", columns=[c for c in _NUMERIC if c in columns])[:]
    n = len(dataset)
    past = _as_float32(numeric[schema.PAST_VALUES], (n, -1, len(input_names)), schema.PAST_VALUES)
    targets = _as_float32(numeric[schema.TARGET_VALUES], (n, -1, len(target_names)), schema.TARGET_VALUES)
    if schema.STATIC_FEATURES in numeric and len(static_names):
        static = _as_float32(numeric[schema.STATIC_FEATURES], (n, len(static_names)), schema.STATIC_FEATURES)
    else:
        static = torch.zeros((n, 0), dtype=torch.float32)
    ids = {c: dataset[c] for c in ("site_id", "year", "experiment", "first_date") if c in columns}
    return SplitTensors(
        past_values=past,
        static=static,
        targets=targets,
        input_names=tuple(input_names),
        static_names=tuple(static_names),
        target_names=tuple(target_names),
        site_ids=np.asarray(ids.get("site_id", [""] * n), dtype=object),
        years=np.asarray(ids.get("year", [0] * n), dtype=np.int32),
        experiments=np.asarray(ids.get("experiment", [schema.NO_EXPERIMENT] * n), dtype=np.int32),
        first_dates=np.asarray(ids.get("first_date", [""] * n), dtype=object),
    )


_NUMERIC = (schema.PAST_VALUES, schema.STATIC_FEATURES, schema.TARGET_VALUES)


def _as_float32(values: Any, shape: tuple[int, ...], name: str) -> torch.Tensor:
    array = np.asarray(values, dtype=np.float32)
    try:
        array = array.reshape(shape)
    except ValueError:
        raise SchemaError(
            f"column {name!r} has shape {array.shape}, which does not fit the expected {shape} "
            "(names given do not match the dataset's columns)"
        ) from None
    return torch.from_numpy(np.ascontiguousarray(array))


class IndexDataset(Dataset):
    """Yields row numbers; :class:`TensorBatchCollator` turns a list of them into one batch."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> int:
        return i


class TensorBatchCollator:
    """Cuts a batch out of in-memory tensors with one fancy index per field (no per-row stacking)."""

    def __init__(self, data: SplitTensors) -> None:
        self.data = data

    def __call__(self, rows: list[int]) -> dict[str, torch.Tensor]:
        return self.data.batch(torch.as_tensor(rows, dtype=torch.long))


class EpochPermutationSampler(Sampler[int]):
    """A permutation of ``range(n)`` drawn from (seed, epoch) only: restartable, the same on every process.

    Deliberately no ``set_epoch``/``generator`` attribute: Accelerate would otherwise drive or
    re-seed it; the loop sets :attr:`epoch` itself.
    """

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        yield from torch.randperm(self.n, generator=generator).tolist()


class StepBatchSampler:
    """Random batches of a (small) split keyed by (seed, draw): the observation side of adversarial
    training, which cycles independently of the source epoch and needs no resume state.

    ``draw`` is the number of the micro-batch in the run (the loop's global step times the gradient
    accumulation plus the position in the accumulation window), so each micro-batch of a window gets
    its own batch. Under several processes every process draws the same global batch of
    ``batch_size`` x ``num_processes`` sequences and takes its own slice: the processes together see
    what one process would (only a split smaller than the global batch repeats sequences).
    """

    def __init__(
        self, data: SplitTensors, batch_size: int, seed: int, process_index: int, num_processes: int = 1
    ) -> None:
        self.data = data
        self.batch_size = min(batch_size, len(data)) if num_processes == 1 else batch_size
        self.seed = seed
        self.process_index = process_index
        self.num_processes = num_processes

    def indices(self, draw: int) -> torch.Tensor:
        """The rows of this process's batch at micro-batch ``draw``."""
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + draw) * 97)
        order = torch.randperm(len(self.data), generator=generator)
        wanted = self.batch_size * self.num_processes
        order = order.repeat(-(-wanted // len(order)))[:wanted]
        return order[self.process_index * self.batch_size : (self.process_index + 1) * self.batch_size]

    def __call__(self, draw: int, device: torch.device) -> dict[str, torch.Tensor]:
        return {k: v.to(device) for k, v in self.data.batch(self.indices(draw)).items()}


def train_loader(data: SplitTensors, batch_size: int, seed: int, num_workers: int) -> DataLoader:
    return DataLoader(
        IndexDataset(len(data)),
        batch_size=batch_size,
        sampler=EpochPermutationSampler(len(data), seed),
        collate_fn=TensorBatchCollator(data),
        num_workers=num_workers,
        # its own generator: creating an iterator must not consume the global RNG (resume exactness)
        generator=torch.Generator().manual_seed(seed),
    )


def model_inputs(batch: dict[str, torch.Tensor], with_targets: bool) -> dict[str, torch.Tensor]:
    """Keyword arguments of ``model(...)`` from a batch (static features only when there are any)."""
    kwargs = {"past_values": batch["past_values"]}
    static = batch["static_real_features"]
    if static.shape[-1] > 0:
        kwargs["static_real_features"] = static
    if with_targets:
        kwargs["target_values"] = batch["target_values"]
    return kwargs


@dataclass
class Predictions:
    """Observations and predictions of one split, physical units, shapes (sequences, days, targets)."""

    obs: np.ndarray
    predicted: np.ndarray
    target_names: tuple[str, ...]
    site_ids: np.ndarray
    years: np.ndarray
    experiments: np.ndarray
    first_dates: np.ndarray

    def scores(self, per_site: bool = True) -> dict:
        """``metrics.core.score_targets`` of these arrays (per-site statistics by ``site_ids``)."""
        from agroflux_hf.metrics.core import score_targets

        return score_targets(
            self.obs, self.predicted, list(self.target_names), site_ids=self.site_ids if per_site else None
        )


def model_names(model: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(input, static, target) names a model was built with, read from its config."""
    config = model.config
    return (
        tuple(getattr(config, "input_names", ()) or ()),
        tuple(getattr(config, "static_names", ()) or ()),
        tuple(config.target_names),
    )


def align_to_model(data: SplitTensors, model: Any) -> SplitTensors:
    """Columns of ``data`` in the model's order, by name; refuses data that shares no input."""
    inputs, statics, targets = model_names(model)
    if not inputs:  # a model that does not record names: trust the data's order
        return data
    shared = set(inputs) & set(data.input_names)
    if not shared:
        raise SchemaError(
            f"the data's inputs {list(data.input_names)} share no name with the model's inputs {list(inputs)}"
        )
    missing = [n for n in inputs if n not in data.input_names]
    if missing:
        logger.info("inputs %s are not in the data: fed as NaN (the model masks them)", missing)
    return data.select(inputs, statics, targets)


@torch.no_grad()
def predict_dataset(
    model: Any,
    dataset: Any,
    batch_size: int = 256,
    accelerator: Any = None,
    *,
    info: Any = None,
) -> Predictions:
    """Run ``model`` over a dataset split and return observations and predictions, physical units.

    ``dataset`` is a ``datasets.Dataset`` (then ``info``, e.g. ``config_info(config)``, names its
    columns; without it the columns are taken to be in the model's order) or :class:`SplitTensors`.
    Only targets that both the model predicts and the data carries are returned, in the model's
    order. With an ``accelerator`` the sequences are shared out across processes and collected with
    ``gather_for_metrics`` (padding duplicates dropped), then put back in dataset order; every
    process gets the full arrays.
    """
    data = _as_split(dataset, model, info)
    carried = set(data.target_names)  # a column added as NaN by the name alignment is not scored
    data = align_to_model(data, model)
    scored = [j for j, name in enumerate(data.target_names) if name in carried]
    loader = DataLoader(
        IndexDataset(len(data)), batch_size=batch_size, shuffle=False, collate_fn=TensorBatchCollator(data)
    )
    was_training = model.training
    model.eval()
    if accelerator is not None:
        loader = accelerator.prepare_data_loader(loader)
        device = accelerator.device
    else:
        device = next(model.parameters()).device
    indices, predictions = [], []
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        predicted = model(**model_inputs(batch, with_targets=False)).predictions.float()
        index = batch["index"]
        if accelerator is not None:
            index, predicted = accelerator.gather_for_metrics((index, predicted))
        indices.append(index.cpu())
        predictions.append(predicted.cpu())
    model.train(was_training)
    order = torch.cat(indices).argsort()
    predicted = torch.cat(predictions)[order].numpy()
    if predicted.shape[0] != len(data):
        raise RuntimeError(f"predicted {predicted.shape[0]} sequences for a split of {len(data)}")
    obs = data.targets.numpy()
    return Predictions(
        obs=obs[..., scored],
        predicted=predicted[..., scored],
        target_names=tuple(data.target_names[j] for j in scored),
        site_ids=data.site_ids,
        years=data.years,
        experiments=data.experiments,
        first_dates=data.first_dates,
    )


def _as_split(dataset: Any, model: Any, info: Any) -> SplitTensors:
    if isinstance(dataset, SplitTensors):
        return dataset
    if info is None:
        inputs, statics, targets = model_names(model)
        return split_tensors(dataset, inputs, statics, targets)
    return split_tensors(dataset, info.input_names, info.static_names, info.target_names)
