"""AgroFlux splits for transformers' ``Trainer``: a torch ``Dataset`` of dicts the models take.

The package trains with its own Accelerate loop (``agroflux train``), but the models are plain
transformers models, so ``transformers.Trainer`` trains them too. This module gives Trainer what it
needs from a config: each split read into memory once by :mod:`.tensors` (columns aligned to the
model by name), served one example at a time as ``{"past_values", "static_real_features", "labels"}``
(``labels`` is the models' other name of ``target_values``, the one Trainer looks for). With
:func:`agroflux_hf.metrics.trainer.trainer_compute_metrics` it is the whole Trainer set-up; see
``scripts/trainer_example.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from agroflux_hf import schema
from agroflux_hf.training.tensors import SplitTensors, align_to_model


class FluxTrainerDataset(Dataset):
    """One split as examples ``{"past_values", "static_real_features", "labels"}`` (physical units, NaN =
    missing); ``static_real_features`` is left out when the model has no static attributes.

    ``site_ids`` (one per example, in order) is what ``trainer_compute_metrics(site_ids=...)`` takes.
    """

    def __init__(self, data: SplitTensors) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        example = {"past_values": self.data.past_values[index], "labels": self.data.targets[index]}
        if self.data.static.shape[-1] > 0:
            example["static_real_features"] = self.data.static[index]
        return example

    @property
    def site_ids(self) -> list[str]:
        return [str(s) for s in self.data.site_ids]


def trainer_datasets(
    config: str, model: Any, data_dir: str | Path | None = None
) -> dict[str, FluxTrainerDataset]:
    """Every split of ``config`` (``train``, ``validation``, ``test`` as present) as a
    :class:`FluxTrainerDataset` whose columns follow ``model``'s input, static and target names.

    ``data_dir`` is what ``load_agroflux`` takes (a folder, a Hub repo id; default the embedded
    AgroFlux-mini). Inputs the config lacks are fed as NaN (masked by the model).
    """
    from agroflux_hf.training.plans import load_config_data

    data = load_config_data(config, data_dir)
    return {
        split: FluxTrainerDataset(align_to_model(data.splits[split], model))
        for split in schema.SPLITS
        if split in data.splits
    }


def model_for_config(
    model_name: str, config: str, data_dir: str | Path | None = None, **config_overrides: Any
) -> Any:
    """A fresh ``model_name`` model sized by ``config``'s variables, normalised with its training-split
    statistics (made usable as ``agroflux train`` does: ``plans.stats_for``); ``config_overrides`` are
    model config fields (``hidden_size=8``)."""
    from agroflux_hf.data.loading import config_info
    from agroflux_hf.models import build_model
    from agroflux_hf.training.plans import stats_for

    info = config_info(config, data_dir=data_dir)
    names = (info.input_names, info.static_names, info.target_names)
    return build_model(
        model_name,
        input_names=list(names[0]),
        static_names=list(names[1]),
        target_names=list(names[2]),
        stats=stats_for(info.stats, *names),
        **config_overrides,
    )
