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
        hidden_states (`torch.FloatTensor` of shape `(batch, days, config.hidden_size)`):
            The per-day representation that the regression head reads (before the head's dropout); what
            domain adaptation aligns. One tensor, not the per-layer tuple other transformers models return.
    """

    loss: torch.FloatTensor | None = None
    predictions: torch.FloatTensor | None = None
    hidden_states: torch.FloatTensor | None = None
