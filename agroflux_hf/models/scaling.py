"""The training statistics a model normalises with, as buffers: ``FluxScaler``.

Why a module: normalising inputs, bounding static attributes and de-normalising predictions are one
concern (the numbers a config carries, applied in float32 whatever the model's dtype), apart from the
forward pass that uses them (``models.base``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import initialization as init

from agroflux_hf.schema import STAT_GROUPS


class FluxScaler(nn.Module):
    """The training split's means and stds as float32 buffers, filled from the config (never from weights).

    Non-persistent: the config is the single source of truth for the statistics; ``_init_weights``
    refills the buffers after ``from_pretrained`` builds the model on the meta device. The buffers stay
    float32 when the model is cast (``model.to(torch.bfloat16)``), so a bf16 model still normalises
    with the exact statistics.
    """

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.values = self._values_of(config)
        for name, values in self.values.items():
            self.register_buffer(name, torch.tensor(values, dtype=torch.float32), persistent=False)

    @staticmethod
    def _values_of(config: Any) -> dict[str, list[float]]:
        values = {}
        for group in STAT_GROUPS:
            values[f"{group}_mean"], values[f"{group}_std"] = config.statistics(group)
        values["loss_weights"] = config.loss_weights()
        values["static_low"], values["static_high"] = config.static_limits()
        return values

    def refill(self, config: Any) -> None:
        self.values = self._values_of(config)
        for name, values in self.values.items():
            init.copy_(getattr(self, name), torch.tensor(values, dtype=torch.float32))

    def _apply(self, fn, recurse: bool = True):
        """Follow the model's device but not its dtype: rebuild the float32 statistics after a cast."""
        super()._apply(fn, recurse)
        for name, values in self.values.items():
            buffer = self._buffers[name]
            if buffer.dtype != torch.float32 and buffer.device.type != "meta":
                self._buffers[name] = torch.tensor(values, dtype=torch.float32, device=buffer.device)
        return self

    def normalise(self, values: torch.Tensor, group: str) -> torch.Tensor:
        """``(x - mean) / std`` in float32.

        The division is in place on the fresh difference: the same values, one large tensor fewer to
        allocate (a new one costs page faults; 2-3x the time of the pass itself, issue 13)."""
        mean, std = getattr(self, f"{group}_mean").float(), getattr(self, f"{group}_std").float()
        return (values.float() - mean).div_(std)

    def bound_static(self, values: torch.Tensor) -> torch.Tensor:
        """Static features clipped to ``config.static_bounds`` (physical units); NaN stays NaN."""
        return torch.minimum(torch.maximum(values.float(), self.static_low), self.static_high)

    def denormalise(self, values: torch.Tensor, group: str) -> torch.Tensor:
        """``x * std + mean`` in float32; the sum in place on the fresh product (see :meth:`normalise`)."""
        mean, std = getattr(self, f"{group}_mean").float(), getattr(self, f"{group}_std").float()
        return (values.float() * std).add_(mean)
