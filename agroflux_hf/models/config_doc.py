"""The documentation of the configuration fields every AgroFlux model shares, written once.

Each ``<Arch>Config`` docstring says ``{common_args}`` where these arguments belong; the decorator
:func:`with_common_config_doc` puts them there, so the six docstrings cannot drift apart.
"""

from __future__ import annotations

COMMON_CONFIG_DOC = """
    input_names (`list[str]`, *optional*, defaults to `[]`):
        Daily inputs (schema names, drivers and management), in the order of the last axis of
        ``past_values``. Their count sets the daily input width ``num_daily_features`` (twice the
        count with ``observed_mask_inputs``).
    static_names (`list[str]`, *optional*, defaults to `[]`):
        Static site attributes (schema names), in the order of ``static_real_features``.
    target_names (`list[str]`, *optional*, defaults to `[]`):
        Predicted targets (schema names), in the order of ``target_values`` and of the predictions.
        Fine-tuning maps targets by these names (``model.select_targets``).
    stats (`dict`, *optional*, defaults to `None`):
        Normalisation statistics of the training split, in the ``agroflux_configs.json`` format
        ``{"inputs": {name: {"mean": m, "std": s}}, "static": {...}, "targets": {...}}``. A missing group
        means identity (mean 0, std 1) for that group; a group that is present must hold every name of
        the model. Only the model's own names are kept.
    target_weights (`dict[str, float]`, *optional*, defaults to `None`):
        Weight of each target in the loss, by name; targets not listed weigh 1. The loss is each
        target's mean squared error over its observed days (standardised units), then the weighted
        mean over targets (``agroflux_hf.models.loss``), so a target observed on few days weighs as
        much as one observed every day.
    hidden_size (`int`, *optional*, defaults to 50):
        Width of the per-day representation ``hidden_states`` (the paper's baselines use 50).
    dropout (`float`, *optional*, defaults to 0.2):
        Dropout probability (between layers and before the head).
    initializer_range (`float`, *optional*, defaults to 0.02):
        Standard deviation of the normal initialisation of linear layers (transformers' default).
    observed_mask_inputs (`bool`, *optional*, defaults to `True`):
        Append one 0/1 channel per daily input to the backbone's input, 1 where the value was observed
        (finite in ``past_values`` and not 0 in ``past_observed_mask``), so the model can tell a
        measurement from the training mean that fills a gap. ``False`` is the behaviour of checkpoints
        saved before this field existed: a saved config.json without the key loads as ``False``
        (see ``FluxConfig.from_dict``). Static attributes get no flag (a missing one is still the
        training mean).
    static_bounds (`dict[str, list[float]]`, *optional*, defaults to `None`):
        ``{name: [low, high]}`` in physical units: each static attribute is clipped to this range
        before it is normalised, so a site far outside the training sites (an elevation 40 training
        standard deviations out) enters at the edge of what training showed instead of being
        multiplied into the predictions. Set by training with ``TrainingArguments.bound_statics``
        (the training split's range); ``None`` (the default, and every checkpoint saved before the
        field existed) clips nothing.
"""


def with_common_config_doc(cls: type) -> type:
    """Put the shared arguments' documentation where a config docstring says ``{common_args}``."""
    cls.__doc__ = (cls.__doc__ or "").replace("    {common_args}\n", COMMON_CONFIG_DOC.lstrip("\n"))
    return cls
