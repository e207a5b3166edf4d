"""What the six AgroFlux models share: configuration fields, normalisation, masking, loss, target mapping.

Every model is ``inputs in physical units -> normalise -> backbone -> per-day linear head -> de-normalise``.
Only the backbone differs between architectures; everything a user or the training loop can observe
(normalisation, NaN handling, the loss, the head, the output type, loading checks) lives here once.
"""

from __future__ import annotations

import math
import os
from typing import Any, ClassVar

import torch
from torch import nn
from transformers import PreTrainedConfig, PreTrainedModel
from transformers import initialization as init

from agroflux_hf.errors import IncompatibleCheckpointError, SchemaError
from agroflux_hf.models.config_checks import check_names, clean_group
from agroflux_hf.models.dropout import Dropout
from agroflux_hf.models.loss import masked_target_loss
from agroflux_hf.models.name_checks import (
    LEGACY_FIELDS,
    SHAPE_FIELDS,
    refuse_name_overrides,
    refuse_partial_load,
)
from agroflux_hf.models.outputs import (
    FluxRegressionOutput,
    refuse_unknown_arguments,
    regression_output,
    targets_or_labels,
)
from agroflux_hf.models.scaling import FluxScaler
from agroflux_hf.models.sizes import check_shared_sizes
from agroflux_hf.models.strict_config import strict_config
from agroflux_hf.schema import STAT_GROUPS  # the one definition; models.base re-exports it

"""Values of fields a saved config.json may lack because it predates them: what those checkpoints did."""

_GROUP_NAMES_FIELD = {"inputs": "input_names", "static": "static_names", "targets": "target_names"}


@strict_config
class FluxConfig(PreTrainedConfig):
    """Fields every AgroFlux model configuration shares (see ``models.config_doc.COMMON_CONFIG_DOC``). Not registered itself."""

    model_type: ClassVar[str] = ""
    # Output fields Trainer's prediction loop leaves out of the predictions it gathers.
    keys_to_ignore_at_inference: ClassVar[list[str]] = ["hidden_states"]

    input_names: list[str] | tuple[str, ...] = ()
    static_names: list[str] | tuple[str, ...] = ()
    target_names: list[str] | tuple[str, ...] = ()
    stats: dict | None = None
    target_weights: dict | None = None
    hidden_size: int = 50
    dropout: float | int = 0.2
    initializer_range: float | int = 0.02
    observed_mask_inputs: bool = True
    static_bounds: dict | None = None

    def __post_init__(self, **kwargs: Any) -> None:
        super().__post_init__(**kwargs)
        self.check_values()

    def check_values(self) -> None:
        """Check and clean every field. Also run by the model's ``__init__``: transformers sets
        ``from_pretrained``'s keyword arguments on the config after ``__post_init__``, so
        ``stats=`` with a zero std or ``static_bounds`` with low > high passed no check."""
        # Lists, not tuples, so a config and its JSON round trip compare equal.
        self.input_names = list(self.input_names)
        self.static_names = list(self.static_names)
        self.target_names = list(self.target_names)
        for field in ("input_names", "static_names", "target_names"):
            check_names(field, getattr(self, field))
        self.stats = self._cleaned_stats(self.stats)
        self.target_weights = self._cleaned_weights(self.target_weights)
        self.static_bounds = self._cleaned_bounds(self.static_bounds)
        self.check_sizes()

    def _cleaned_stats(self, stats: dict | None) -> dict[str, dict[str, dict[str, float]]]:
        stats = stats or {}
        unknown_groups = sorted(set(stats) - set(STAT_GROUPS))
        if unknown_groups:
            raise SchemaError(
                f"stats has unknown groups {unknown_groups}; expected some of {list(STAT_GROUPS)}"
            )
        return {
            group: clean_group(group, getattr(self, _GROUP_NAMES_FIELD[group]), stats.get(group))
            for group in STAT_GROUPS
        }

    def _cleaned_weights(self, weights: dict | None) -> dict[str, float] | None:
        if weights is None:
            return None
        unknown = sorted(set(weights) - set(self.target_names))
        if unknown:
            raise SchemaError(
                f"target_weights names {unknown}, which are not among target_names {self.target_names}"
            )
        cleaned = {n: float(w) for n, w in weights.items()}
        bad = {n: w for n, w in cleaned.items() if not (math.isfinite(w) and w >= 0)}
        if bad:
            raise SchemaError(f"target_weights must be finite and >= 0, got {bad}")
        return cleaned

    def _cleaned_bounds(self, bounds: dict | None) -> dict[str, list[float]] | None:
        if not bounds:
            return None
        unknown = sorted(set(bounds) - set(self.static_names))
        if unknown:
            raise SchemaError(
                f"static_bounds names {unknown}, which are not among static_names {self.static_names}"
            )
        cleaned = {}
        for name, pair in bounds.items():
            low, high = (float(v) for v in pair)
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise SchemaError(
                    f"static_bounds[{name!r}] must be [low, high], finite, low <= high; got {pair}"
                )
            cleaned[name] = [low, high]
        return cleaned

    def static_limits(self) -> tuple[list[float], list[float]]:
        """(lows, highs) of the static features in ``static_names`` order; ±inf where unbounded."""
        bounds = self.static_bounds or {}
        lows = [bounds[n][0] if n in bounds else -math.inf for n in self.static_names]
        highs = [bounds[n][1] if n in bounds else math.inf for n in self.static_names]
        return lows, highs

    def check_sizes(self) -> None:
        """Raise ``ValueError`` for impossible sizes (called by ``__post_init__``). The fields several
        architectures share are checked here wherever a config has them; an architecture extends it
        with its own fields only."""
        check_shared_sizes(self)

    @property
    def sees_future(self) -> bool:
        """Whether a day's prediction may read later days of the sequence (a whole-year model rather
        than a forecaster). Read from the config's ``causal`` field where it has one; recurrent
        architectures, causal by construction, override it."""
        return not getattr(self, "causal", False)

    @property
    def num_daily_features(self) -> int:
        """Daily channels the backbone reads: the normalised inputs, then their observed flags if any."""
        return len(self.input_names) * (2 if self.observed_mask_inputs else 1)

    def statistics(self, group: str) -> tuple[list[float], list[float]]:
        """Means and stds of one group (``inputs``, ``static``, ``targets``) in the order of its names."""
        names = getattr(self, _GROUP_NAMES_FIELD[group])
        return [self.stats[group][n]["mean"] for n in names], [self.stats[group][n]["std"] for n in names]

    def loss_weights(self) -> list[float]:
        """Weight of each target in the loss, in the order of ``target_names`` (unlisted targets weigh 1)."""
        weights = self.target_weights or {}
        return [weights.get(n, 1.0) for n in self.target_names]

    @classmethod
    def from_dict(cls, config_dict: dict[str, Any], **kwargs: Any):
        """Rebuild a saved config: refuse another architecture, and read a config saved before
        ``observed_mask_inputs`` existed as ``False`` (its weights were sized without mask channels).

        Every saved config.json and ``to_dict()`` carries the key, so only older files take the legacy
        value; a config built in code (``cls(...)``, ``build_model``) gets the class default ``True``.
        """
        found = config_dict.get("model_type")
        if cls.model_type and found is not None and found != cls.model_type:
            raise IncompatibleCheckpointError(
                f"{cls.__name__} expects a checkpoint of model_type {cls.model_type!r}, but this one is "
                f"{found!r}; load it with transformers.AutoModel.from_pretrained or the matching class"
            )
        config_dict = {**LEGACY_FIELDS, **config_dict}
        refuse_name_overrides(config_dict, kwargs)
        return super().from_dict(config_dict, **kwargs)

    @classmethod
    def from_json_file(cls, json_file: str | os.PathLike):
        """Through :meth:`from_dict`, so a JSON file gets the same checks and legacy values."""
        return cls.from_dict(cls._dict_from_json_file(json_file))


def repeat_static_daily(daily: torch.Tensor, static: torch.Tensor, days_first: bool = False) -> torch.Tensor:
    """(batch, days, n_inputs) and (batch, n_static) -> (batch, days, n_inputs + n_static): static every day.

    ``days_first``: ``daily`` and the result are (days, batch, ...), the fused LSTM kernel's own layout."""
    day_axis = 0 if days_first else 1
    repeated = static.unsqueeze(day_axis).expand(*daily.shape[:2], -1)
    return torch.cat([daily, repeated], dim=-1)


def sinusoidal_positions(days: int, width: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Vaswani et al. (2017) sinusoidal encoding of day positions 0..days-1, shape (days, width)."""
    position = torch.arange(days, device=device, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(
        torch.arange(0, width, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / width)
    )
    encoding = torch.zeros(days, width, device=device, dtype=torch.float32)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return encoding.to(dtype)


class FluxPreTrainedModel(PreTrainedModel):
    """Base of the six models: physical units in and out, NaN-masked inputs and loss, name-mapped targets.

    Subclasses set ``config_class`` and build ``self.backbone``, a module taking normalised
    ``(daily (batch, days, config.num_daily_features), static (batch, n_static))`` and returning
    ``(batch, days, hidden_size)``.

    Missing inputs: non-finite entries of ``past_values``, NaN entries of ``static_real_features`` and
    entries where ``past_observed_mask`` is 0 are set to 0 *after* normalisation, that is to the
    training mean. With ``config.observed_mask_inputs`` (the default for new models) the daily input
    also carries one 0/1 observed flag per input, so the model can tell a filled value from a measured
    one; without it (checkpoints saved before the flag existed) the model is not told. Static attributes
    get no flag.
    """

    config_class = FluxConfig
    base_model_prefix = "backbone"
    main_input_name = "past_values"
    supports_gradient_checkpointing = False
    accepts_loss_kwargs = False  # Trainer: the loss is already a mean; do not pass num_items_in_batch

    def __init__(self, config: FluxConfig) -> None:
        super().__init__(config)
        config.check_values()  # values set on the config after it was built (from_pretrained's kwargs)
        if not config.input_names and not config.static_names:
            raise SchemaError(f"{type(self).__name__}: the config lists no input_names and no static_names")
        if not config.target_names:
            raise SchemaError(f"{type(self).__name__}: the config lists no target_names")
        self.scaler = FluxScaler(config)
        self.head_dropout = Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, len(config.target_names))

    # ----- initialisation -----
    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, FluxScaler):
            module.refill(self.config)

    # ----- forward -----
    def forward(
        self,
        past_values: torch.Tensor,
        static_real_features: torch.Tensor | None = None,
        past_observed_mask: torch.Tensor | None = None,
        target_values: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        num_items_in_batch: int | torch.Tensor | None = None,
        **kwargs: Any,
    ) -> FluxRegressionOutput | tuple[torch.Tensor, ...]:
        """Predict daily targets in physical units.

        Args:
            past_values: (batch, days, len(input_names)) daily inputs in physical units; NaN = missing.
            static_real_features: (batch, len(static_names)); may be omitted when there are none.
            past_observed_mask: (batch, days, len(input_names)), 1 = observed; 0 entries are treated as NaN
                (filled, and flagged 0 when ``config.observed_mask_inputs``).
            target_values: (batch, days, len(target_names)) in physical units; NaN = not observed.
            labels: another name of ``target_values`` (transformers' ``Trainer`` passes ``labels``).
            output_hidden_states: return ``hidden_states`` (default ``config.output_hidden_states``).
            return_dict: ``False`` returns a tuple (loss first when given), as transformers models do
                (default ``config.return_dict``).
            num_items_in_batch: accepted for ``Trainer`` and ignored: the loss is a mean per target,
                not a sum to divide by a token count (``accepts_loss_kwargs`` is ``False``).
        Any other keyword is a ``TypeError`` naming it.
        """
        refuse_unknown_arguments(type(self).__name__, kwargs)
        target_values = targets_or_labels(target_values, labels)
        daily, static = self._normalised_inputs(past_values, static_real_features, past_observed_mask)
        hidden = self.backbone(daily, static)  # (B, T, hidden)
        features, loss = self.head_dropout(hidden), None
        if target_values is None and self.head.weight.dtype == torch.float32:
            predictions = self._head_in_units(features)  # no loss to compute: no standardised output needed
        else:
            normalised = self.head(features)  # (B, T, n_targets)
            predictions = self.scaler.denormalise(normalised, "targets")
            if target_values is not None:
                loss = self._masked_loss(normalised, self._check_targets(target_values, past_values))
        if output_hidden_states is None:
            output_hidden_states = self.config.output_hidden_states
        return regression_output(
            loss,
            predictions,
            hidden if output_hidden_states else None,
            self.config.return_dict if return_dict is None else return_dict,
        )

    def _head_in_units(self, features: torch.Tensor) -> torch.Tensor:
        """The head with the target statistics folded into its weights: ``head(x) * std + mean`` as one
        linear layer, one pass over (B, T, n_targets) instead of three (issue 13: 2.5 ms of an iTransformer's
        46 ms inference step). Equal up to float rounding; float32 only (a bf16 bias could not hold means)."""
        std, mean = self.scaler.targets_std, self.scaler.targets_mean
        weight = self.head.weight * std.unsqueeze(1)
        return nn.functional.linear(features, weight, torch.addcmul(mean, self.head.bias, std))

    def _normalised_inputs(
        self, past_values: torch.Tensor, static: torch.Tensor | None, observed: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n_inputs, n_static = len(self.config.input_names), len(self.config.static_names)
        if past_values.dim() != 3 or past_values.shape[-1] != n_inputs:
            raise SchemaError(
                f"past_values must be (batch, days, {n_inputs}) for input_names {self.config.input_names}, "
                f"got shape {tuple(past_values.shape)}"
            )
        batch = past_values.shape[0]
        if static is None:
            if n_static:
                raise SchemaError(
                    f"static_real_features (batch, {n_static}) is required for {self.config.static_names}"
                )
            static = past_values.new_zeros(batch, 0)
        if static.shape != (batch, n_static):
            raise SchemaError(
                f"static_real_features must be ({batch}, {n_static}) for static_names {self.config.static_names}, "
                f"got shape {tuple(static.shape)}"
            )
        daily = self._daily_features(past_values, observed)
        if self.config.static_bounds:  # a site outside the training range enters at its edge
            static = self.scaler.bound_static(static)
        # unknown (NaN) or infinite attributes enter at the training mean, as missing daily inputs do
        static = torch.nan_to_num(self.scaler.normalise(static, "static"), nan=0.0, posinf=0.0, neginf=0.0)
        dtype = self.head.weight.dtype
        return daily.to(dtype), static.to(dtype)

    def _daily_features(self, past_values: torch.Tensor, observed: torch.Tensor | None) -> torch.Tensor:
        """(batch, days, num_daily_features): normalised inputs, missing ones at the training mean (0),
        then the 0/1 observed flags when ``observed_mask_inputs``. ``past_values`` itself is not changed."""
        if observed is not None and observed.shape != past_values.shape:
            raise SchemaError(
                f"past_observed_mask shape {tuple(observed.shape)} differs from past_values "
                f"{tuple(past_values.shape)}"
            )
        is_observed = past_values.abs() < torch.inf  # = isfinite (NaN, ±inf: False) in two passes, not four
        if observed is not None:
            is_observed &= observed.bool()
        daily = torch.where(is_observed, self.scaler.normalise(past_values, "inputs"), 0.0)
        if not self.config.observed_mask_inputs:
            return daily
        return torch.cat([daily, is_observed.to(daily.dtype)], dim=-1)  # (B, T, 2 * n_inputs)

    def _check_targets(self, target_values: torch.Tensor, past_values: torch.Tensor) -> torch.Tensor:
        expected = (*past_values.shape[:2], len(self.config.target_names))
        if tuple(target_values.shape) != expected:
            raise SchemaError(
                f"target_values must be {expected} for target_names {self.config.target_names}, "
                f"got shape {tuple(target_values.shape)}"
            )
        return target_values

    def _masked_loss(self, normalised: torch.Tensor, target_values: torch.Tensor) -> torch.Tensor:
        """The one loss (:func:`~agroflux_hf.models.loss.masked_target_loss`) of the head's standardised output."""
        target = self.scaler.normalise(target_values, "targets")
        return masked_target_loss(normalised, target, self.scaler.loss_weights)

    def loss_of_predictions(
        self,
        predictions: torch.Tensor,
        target_values: torch.Tensor,
        target_names: list[str] | tuple[str, ...] | None = None,
        counts: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The model's loss of physical-unit ``predictions`` against ``target_values`` (NaN = not observed).

        The same quantity ``forward`` returns as ``loss``, for predictions gathered outside a forward
        pass (validation, the adversarial step). ``target_names`` names the last axis when it holds only
        some of the model's targets, in any order; the config's statistics and weights follow them.
        ``counts``: the whole batch's observed days per target when these are one process's share
        (:func:`~agroflux_hf.models.loss.masked_target_loss`).
        """
        names = list(self.config.target_names)
        index = list(range(len(names))) if target_names is None else [names.index(n) for n in target_names]
        where = torch.tensor(index, dtype=torch.long, device=self.scaler.targets_mean.device)
        mean = self.scaler.targets_mean.float()[where].to(predictions.device)
        std = self.scaler.targets_std.float()[where].to(predictions.device)
        weights = self.scaler.loss_weights.float()[where]
        return masked_target_loss(
            (predictions.float() - mean) / std, (target_values.float() - mean) / std, weights, counts
        )

    # ----- targets -----
    @torch.no_grad()
    def select_targets(
        self, target_names: list[str] | tuple[str, ...], target_stats: dict | None = None
    ) -> FluxPreTrainedModel:
        """Re-point the head at ``target_names`` (e.g. 20 simulated targets -> the 2 a tower observes).

        Head rows of targets the model already predicts are kept and rescaled so their physical
        predictions do not change when ``target_stats`` ({name: {"mean", "std"}}) gives new statistics;
        new targets get freshly initialised rows (and identity statistics unless given). Raises
        ``IncompatibleCheckpointError`` when no name is shared: that would be training from scratch.
        """
        new_names = list(target_names)
        check_names("target_names", new_names)
        old_names = list(self.config.target_names)
        shared = [n for n in new_names if n in old_names]
        if not shared:
            raise IncompatibleCheckpointError(
                f"none of the targets {new_names} is predicted by this {self.config.model_type} model "
                f"(it predicts {old_names}); refusing to start the head from scratch"
            )
        old_stats = self.config.stats["targets"]
        given = target_stats or {}
        new_stats = {n: given.get(n, old_stats.get(n, {"mean": 0.0, "std": 1.0})) for n in new_names}
        new_stats = clean_group("targets", new_names, new_stats)
        head = nn.Linear(self.config.hidden_size, len(new_names), device=self.head.weight.device)
        init.normal_(head.weight, mean=0.0, std=self.config.initializer_range)
        init.zeros_(head.bias)
        for row, name in enumerate(new_names):
            if name in old_names:
                old_row, old, new = old_names.index(name), old_stats[name], new_stats[name]
                # Same physical output: (w.h + b) * s_old + m_old == (w'.h + b') * s_new + m_new.
                ratio = old["std"] / new["std"]
                head.weight[row] = self.head.weight[old_row].float() * ratio
                head.bias[row] = (
                    self.head.bias[old_row].float() * old["std"] + old["mean"] - new["mean"]
                ) / new["std"]
        self.head = head.to(self.head.weight.dtype)
        weights = {n: w for n, w in (self.config.target_weights or {}).items() if n in new_names} or None
        self.config.target_names = new_names
        self.config.target_weights = weights
        self.config.stats = {**self.config.stats, "targets": new_stats}
        device = self.scaler.inputs_mean.device
        self.scaler = FluxScaler(self.config).to(device)
        return self

    # ----- loading -----
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Any, *args: Any, **kwargs: Any):
        """``PreTrainedModel.from_pretrained`` plus agroflux checks.

        ``input_names`` / ``static_names`` / ``observed_mask_inputs`` keyword arguments must equal the
        checkpoint's, since its weights are sized by them (a clear ``IncompatibleCheckpointError``
        otherwise); ``target_names`` (and ``target_stats``) re-point the head by name through
        :meth:`select_targets`.
        """
        expected = {k: kwargs.pop(k) for k in SHAPE_FIELDS if k in kwargs}
        target_names = kwargs.pop("target_names", None)
        target_stats = kwargs.pop("target_stats", None)
        wants_info = bool(kwargs.pop("output_loading_info", False))
        try:
            loaded, info = super().from_pretrained(
                pretrained_model_name_or_path, *args, output_loading_info=True, **kwargs
            )
        except IncompatibleCheckpointError as error:
            raise IncompatibleCheckpointError(f"{pretrained_model_name_or_path}: {error}") from None
        refuse_partial_load(pretrained_model_name_or_path, info)
        model = (loaded, info) if wants_info else loaded
        for field, wanted in expected.items():
            wanted = list(wanted) if isinstance(wanted, (list, tuple)) else wanted
            if wanted != getattr(loaded.config, field):
                raise IncompatibleCheckpointError(
                    f"{pretrained_model_name_or_path}: checkpoint {field} {getattr(loaded.config, field)} "
                    f"differ from the requested {wanted}; its weights are sized by them (retrain instead)"
                )
        current = list(loaded.config.target_names)
        wanted = current if target_names is None else list(target_names)
        if wanted != current or target_stats is not None:  # target_stats alone re-scales the same head
            loaded.select_targets(wanted, target_stats)
        return model
