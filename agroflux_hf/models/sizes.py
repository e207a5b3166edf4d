"""The size checks every AgroFlux model configuration shares, kept apart from ``models.base``.

Each check applies to every configuration that has the field (``getattr``), so an architecture only
checks the fields that are its own (the TCN's kernel, the Pyraformer's strides).
"""

from __future__ import annotations

from typing import Any

POSITIVE_SIZES: tuple[str, ...] = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "sequence_length",
    "inner_size",
    "intermediate_size",  # 0 built a feed-forward layer of width 0 without a word
    "bottleneck_size",
)
"""Size fields that must be >= 1 in every configuration that has them."""

ACTIVATIONS: tuple[str, ...] = ("relu", "gelu")
"""The feed-forward activations the attention encoders offer."""


def check_shared_sizes(config: Any) -> None:
    """Raise ``ValueError`` naming the field for an impossible shared size, dropout or activation."""
    for name in POSITIVE_SIZES:
        value = getattr(config, name, None)
        if value is not None and value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if not 0 <= config.dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {config.dropout}")
    if not 0 <= getattr(config, "attention_dropout", 0.0) < 1:
        raise ValueError(f"attention_dropout must be in [0, 1), got {config.attention_dropout}")
    heads = getattr(config, "num_attention_heads", None)
    if heads is not None and config.hidden_size % heads:
        raise ValueError(f"hidden_size {config.hidden_size} is not divisible by num_attention_heads {heads}")
    activation = getattr(config, "activation", None)
    if activation is not None and activation not in ACTIVATIONS:
        raise ValueError(f"activation must be 'relu' or 'gelu', got {activation!r}")
