"""The six AgroFlux baselines as transformers models; importing this module registers them with Auto*.

    >>> from agroflux_hf.models import build_model
    >>> model = build_model("lstm", input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE"])
    >>> model.config.model_type
    'agroflux_lstm'

After ``model.save_pretrained(path)``, ``transformers.AutoModel.from_pretrained(path)`` (with this module
imported) or :func:`load_model` returns the same model.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModel, PreTrainedConfig

from agroflux_hf.errors import IncompatibleCheckpointError, MissingCheckpointError
from agroflux_hf.models.base import FluxConfig, FluxPreTrainedModel
from agroflux_hf.models.ealstm import EALSTMConfig, EALSTMForFluxRegression
from agroflux_hf.models.itransformer import ITransformerConfig, ITransformerForFluxRegression
from agroflux_hf.models.lstm import LSTMConfig, LSTMForFluxRegression
from agroflux_hf.models.outputs import FluxRegressionOutput
from agroflux_hf.models.pyraformer import PyraformerConfig, PyraformerForFluxRegression
from agroflux_hf.models.tcn import TCNConfig, TCNForFluxRegression
from agroflux_hf.models.transformer import TransformerConfig, TransformerForFluxRegression

MODEL_NAMES: tuple[str, ...] = ("lstm", "ealstm", "tcn", "transformer", "itransformer", "pyraformer")

CONFIG_CLASSES: dict[str, type[FluxConfig]] = {
    "lstm": LSTMConfig,
    "ealstm": EALSTMConfig,
    "tcn": TCNConfig,
    "transformer": TransformerConfig,
    "itransformer": ITransformerConfig,
    "pyraformer": PyraformerConfig,
}

MODEL_CLASSES: dict[str, type[FluxPreTrainedModel]] = {
    "lstm": LSTMForFluxRegression,
    "ealstm": EALSTMForFluxRegression,
    "tcn": TCNForFluxRegression,
    "transformer": TransformerForFluxRegression,
    "itransformer": ITransformerForFluxRegression,
    "pyraformer": PyraformerForFluxRegression,
}

MODEL_TYPES: dict[str, str] = {name: config.model_type for name, config in CONFIG_CLASSES.items()}
"""Model name -> transformers ``model_type`` (``agroflux_<name>``)."""


def _register_with_auto() -> None:
    for name in MODEL_NAMES:
        AutoConfig.register(MODEL_TYPES[name], CONFIG_CLASSES[name], exist_ok=True)
        AutoModel.register(CONFIG_CLASSES[name], MODEL_CLASSES[name], exist_ok=True)


_register_with_auto()


def _model_name(name: str) -> str:
    if name not in MODEL_CLASSES:
        raise ValueError(f"unknown model {name!r}; choose one of {list(MODEL_NAMES)}")
    return name


def build_model(
    name: str,
    *,
    input_names: list[str] | tuple[str, ...],
    static_names: list[str] | tuple[str, ...],
    target_names: list[str] | tuple[str, ...],
    stats: dict | None = None,
    **config_overrides: Any,
) -> FluxPreTrainedModel:
    """A freshly initialised model ``name`` (one of ``MODEL_NAMES``) sized by the variable names.

    ``stats`` is the ``agroflux_configs.json`` statistics dict of the training split (``None`` =
    identity normalisation); ``config_overrides`` are fields of the model's config (e.g. ``hidden_size``);
    a name the config does not have is a ``ValueError`` (a typo must not fall back to a default).
    """
    config_class = CONFIG_CLASSES[_model_name(name)]
    fields = {f.name for f in dataclasses.fields(config_class)}
    own = fields - {f.name for f in dataclasses.fields(PreTrainedConfig)}
    unknown = sorted(set(config_overrides) - fields)
    if unknown:
        raise ValueError(
            f"{config_class.__name__} has no field(s) {unknown}; its own fields are {sorted(own)}"
        )
    config = config_class(
        input_names=list(input_names),
        static_names=list(static_names),
        target_names=list(target_names),
        stats=stats,
        **config_overrides,
    )
    return MODEL_CLASSES[name](config)


def load_model(
    path: str | Path, *, target_names: list[str] | None = None, target_stats: dict | None = None
) -> FluxPreTrainedModel:
    """Load any AgroFlux checkpoint folder; optionally re-point its head at ``target_names`` by name.

    Raises ``MissingCheckpointError`` when the folder or its config.json is missing (never a silent fresh
    model) and ``IncompatibleCheckpointError`` when it is not an AgroFlux model or no target is shared.
    """
    config_file = Path(path) / "config.json"
    if not config_file.is_file():
        raise MissingCheckpointError(f"{config_file}: no checkpoint config here")
    model_type = json.loads(config_file.read_text()).get("model_type")
    by_type = {MODEL_TYPES[n]: MODEL_CLASSES[n] for n in MODEL_NAMES}
    if model_type not in by_type:
        raise IncompatibleCheckpointError(
            f"{config_file}: model_type {model_type!r} is not an AgroFlux model ({sorted(by_type)})"
        )
    return by_type[model_type].from_pretrained(
        str(path), target_names=target_names, target_stats=target_stats
    )


__all__ = [
    "CONFIG_CLASSES",
    "MODEL_CLASSES",
    "MODEL_NAMES",
    "MODEL_TYPES",
    "EALSTMConfig",
    "EALSTMForFluxRegression",
    "FluxConfig",
    "FluxPreTrainedModel",
    "FluxRegressionOutput",
    "ITransformerConfig",
    "ITransformerForFluxRegression",
    "LSTMConfig",
    "LSTMForFluxRegression",
    "PyraformerConfig",
    "PyraformerForFluxRegression",
    "TCNConfig",
    "TCNForFluxRegression",
    "TransformerConfig",
    "TransformerForFluxRegression",
    "build_model",
    "load_model",
]
