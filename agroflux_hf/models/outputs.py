"""The one output type of every AgroFlux model, so training, prediction and domain adaptation never
need to know which architecture they are driving."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers.utils import ModelOutput


@dataclass
class FluxRegressionOutput(ModelOutput):
    """Output of every ``<Arch>ForFluxRegression`` model.

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*):
            The model's one loss (``agroflux_hf.models.loss``): each target's mean squared error in
            standardised units over its observed (non-NaN) entries of ``target_values``, then the mean
            over targets weighted by ``config.target_weights`` (equal by default). Only present when
            ``target_values`` is given; exactly 0 (still attached to the graph) when nothing is observed.
        predictions (`torch.FloatTensor` of shape `(batch, days, len(config.target_names))`):
            Daily predictions in physical units (schema units), always float32 whatever the model dtype.
        hidden_states (`torch.FloatTensor` of shape `(batch, days, config.hidden_size)`, *optional*):
            The per-day representation that the regression head reads (before the head's dropout); what
            domain adaptation aligns. One tensor, not the per-layer tuple other transformers models return.
            Only present with ``output_hidden_states=True`` (or ``config.output_hidden_states``).
    """

    loss: torch.FloatTensor | None = None
    predictions: torch.FloatTensor | None = None
    hidden_states: torch.FloatTensor | None = None


FORWARD_ARGUMENTS: tuple[str, ...] = (
    "past_values",
    "static_real_features",
    "past_observed_mask",
    "target_values",
    "labels",
    "output_hidden_states",
    "return_dict",
    "num_items_in_batch",
)
"""Every keyword ``forward`` accepts; anything else is refused by :func:`refuse_unknown_arguments`."""


def refuse_unknown_arguments(model_name: str, unknown: dict) -> None:
    """A ``TypeError`` naming every unexpected keyword argument of ``forward`` (and what is accepted).

    ``forward`` takes ``**kwargs`` only to refuse them with this message: a misspelt ``target_value``
    must not silently train without a loss."""
    if unknown:
        raise TypeError(
            f"{model_name}.forward() got unexpected keyword argument(s) {sorted(unknown)}; "
            f"it accepts {list(FORWARD_ARGUMENTS)}"
        )


def targets_or_labels(target_values: torch.Tensor | None, labels: torch.Tensor | None) -> torch.Tensor | None:
    """``labels`` is transformers' name for the targets (what ``Trainer`` and data collators pass);
    the two are one argument, so giving both is an error rather than a silent choice."""
    if target_values is not None and labels is not None:
        raise ValueError(
            "got both target_values and labels; they are the same argument (labels is transformers' "
            "name for target_values): pass one"
        )
    return target_values if target_values is not None else labels


def regression_output(
    loss: torch.Tensor | None,
    predictions: torch.Tensor,
    hidden_states: torch.Tensor | None,
    return_dict: bool,
) -> FluxRegressionOutput | tuple[torch.Tensor, ...]:
    """The output as :class:`FluxRegressionOutput`, or with ``return_dict=False`` the tuple transformers
    models return: the fields that are set, in order (loss first when there is one)."""
    output = FluxRegressionOutput(loss=loss, predictions=predictions, hidden_states=hidden_states)
    return output if return_dict else output.to_tuple()
