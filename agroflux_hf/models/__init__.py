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
import os
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModel, PreTrainedConfig

from agroflux_hf import schema
from agroflux_hf.errors import AgroFluxError, IncompatibleCheckpointError, UnknownNameError
from agroflux_hf.hub import read_checkpoint_config
from agroflux_hf.models.base import FluxConfig, FluxPreTrainedModel
from agroflux_hf.models.ealstm import EALSTMConfig, EALSTMForFluxRegression
from agroflux_hf.models.itransformer import ITransformerConfig, ITransformerForFluxRegression
from agroflux_hf.models.lstm import LSTMConfig, LSTMForFluxRegression
from agroflux_hf.models.outputs import FluxRegressionOutput
from agroflux_hf.models.pyraformer import PyraformerConfig, PyraformerForFluxRegression
from agroflux_hf.models.tcn import TCNConfig, TCNForFluxRegression
from agroflux_hf.models.transformer import TransformerConfig, TransformerForFluxRegression

MODEL_NAMES: tuple[str, ...] = schema.ARCHITECTURES

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


def _push_to_hub_with_card(self: FluxPreTrainedModel, repo_id: str, **kwargs: Any) -> str:
    """Push this model with its measured card and the remote code (``agroflux_hf.publish.push_model_to_hub``).

    Keyword arguments: ``card`` (text or README.md path; default the card of the folder the model was
    loaded from), ``private``, ``revision``, ``create_pr``, ``commit_message``, ``token``, ``api``.
    """
    from agroflux_hf.publish import push_model_to_hub

    return push_model_to_hub(self, repo_id, **kwargs)


# Set here, not in models/base.py: base.py is also concatenated into the Hub's remote code
# (agroflux_hf.remote_code), which must not import the rest of the package.
FluxPreTrainedModel.push_to_hub = _push_to_hub_with_card


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


MODEL_NAME_OF_TYPE: dict[str, str] = {model_type: name for name, model_type in MODEL_TYPES.items()}
"""transformers ``model_type`` (``agroflux_<name>``) -> model name."""


def load_model(
    path: str | os.PathLike,
    *,
    model_name: str | None = None,
    target_names: list[str] | tuple[str, ...] | None = None,
    target_stats: dict | None = None,
    revision: str | None = None,
) -> FluxPreTrainedModel:
    """Load any AgroFlux checkpoint: the package's one checkpoint loader.

    ``path`` is a ``save_pretrained`` folder or a Hub model repo id ``ORG/NAME`` (``ORG/NAME@REVISION``,
    or ``revision=``), fetched through ``huggingface_hub``'s cache, so it loads offline once cached
    (``agroflux_hf.hub.resolve_checkpoint`` has the rules; a bare name that is neither is an error).
    ``model_name`` (one of ``MODEL_NAMES``), when given, must be the checkpoint's architecture (a run
    that asks for a TCN must not fine-tune an LSTM). ``target_names`` re-points the head by name
    (``select_targets``; ``target_stats`` gives statistics of new targets). Errors: see
    :func:`read_checkpoint_config`; a checkpoint whose weights do not load is
    ``IncompatibleCheckpointError`` naming it. The model's ``name_or_path`` is the local folder, whose
    README.md (the measured card) ``push_to_hub`` sends along.
    """
    from agroflux_hf.hub import describe, resolve_checkpoint

    folder = resolve_checkpoint(path, revision)
    where = describe(path, revision) if folder != Path(path) else str(path)
    config = read_checkpoint_config(folder)
    found = MODEL_NAME_OF_TYPE[config["model_type"]]
    if model_name is not None and _model_name(model_name) != found:
        raise IncompatibleCheckpointError(
            f"{where}: checkpoint is a {config['model_type']!r} model, the run asks for {model_name!r}"
        )
    try:
        return MODEL_CLASSES[found].from_pretrained(
            str(folder), target_names=target_names, target_stats=target_stats
        )
    except AgroFluxError:  # already named (missing, incompatible, schema): keep it
        raise
    except Exception as err:  # corrupt weights, a config transformers rejects: name the checkpoint
        raise IncompatibleCheckpointError(f"{where}: cannot load the checkpoint: {err}") from err


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
