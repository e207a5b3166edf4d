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
import os
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModel, PreTrainedConfig

from agroflux_hf.errors import (
    AgroFluxError,
    IncompatibleCheckpointError,
    MissingCheckpointError,
    UnknownNameError,
)
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
        raise UnknownNameError(f"unknown model {name!r}; choose one of {list(MODEL_NAMES)}")
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


def read_checkpoint_config(path: str | os.PathLike) -> dict[str, Any]:
    """The ``config.json`` of an AgroFlux ``save_pretrained`` folder, after checking the folder.

    The one folder check (loading, evaluation, fine-tuning, cards and publishing all call it), so a
    bad folder fails with the same named error everywhere: ``MissingCheckpointError`` when the
    folder, its config.json or its weights are missing (never a silent fresh model),
    ``IncompatibleCheckpointError`` when it is a file, its config.json is not JSON or it is not an
    AgroFlux model.
    """
    folder = Path(path)
    if not folder.exists():
        raise MissingCheckpointError(f"{folder}: checkpoint folder does not exist")
    if not folder.is_dir():
        raise IncompatibleCheckpointError(f"{folder}: expected a save_pretrained folder, found a file")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise MissingCheckpointError(
            f"{config_file}: no config.json; is this a save_pretrained model folder?"
        )
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise MissingCheckpointError(
            f"{folder}: no weights file (model.safetensors); save the model with save_pretrained"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise IncompatibleCheckpointError(f"{config_file}: not valid JSON ({err})") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in MODEL_NAME_OF_TYPE:
        raise IncompatibleCheckpointError(
            f"{config_file}: model_type {model_type!r} is not an AgroFlux model ({sorted(MODEL_NAME_OF_TYPE)})"
        )
    return config


MODEL_NAME_OF_TYPE: dict[str, str] = {model_type: name for name, model_type in MODEL_TYPES.items()}
"""transformers ``model_type`` (``agroflux_<name>``) -> model name."""


def load_model(
    path: str | os.PathLike,
    *,
    model_name: str | None = None,
    target_names: list[str] | tuple[str, ...] | None = None,
    target_stats: dict | None = None,
) -> FluxPreTrainedModel:
    """Load any AgroFlux checkpoint folder: the package's one checkpoint loader.

    ``model_name`` (one of ``MODEL_NAMES``), when given, must be the checkpoint's architecture (a run
    that asks for a TCN must not fine-tune an LSTM). ``target_names`` re-points the head by name
    (``select_targets``; ``target_stats`` gives statistics of new targets). Errors: see
    :func:`read_checkpoint_config`; a checkpoint whose weights do not load is
    ``IncompatibleCheckpointError`` naming the folder.
    """
    config = read_checkpoint_config(path)
    found = MODEL_NAME_OF_TYPE[config["model_type"]]
    if model_name is not None and _model_name(model_name) != found:
        raise IncompatibleCheckpointError(
            f"{path}: checkpoint is a {config['model_type']!r} model, the run asks for {model_name!r}"
        )
    try:
        return MODEL_CLASSES[found].from_pretrained(
            str(path), target_names=target_names, target_stats=target_stats
        )
    except AgroFluxError:  # already named (missing, incompatible, schema): keep it
        raise
    except Exception as err:  # corrupt weights, a config transformers rejects: name the folder
        raise IncompatibleCheckpointError(f"{path}: cannot load the checkpoint: {err}") from err


__all__ = [
    "CONFIG_CLASSES",
    "MODEL_CLASSES",
    "MODEL_NAMES",
    "MODEL_NAME_OF_TYPE",
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
    "read_checkpoint_config",
]
