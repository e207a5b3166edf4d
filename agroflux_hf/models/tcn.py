"""TCN baseline: the temporal convolutional network of Bai et al. (2018) (configuration and model)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm
from transformers import initialization as init

from agroflux_hf import schema
from agroflux_hf.models.base import (
    FluxConfig,
    FluxPreTrainedModel,
    repeat_static_daily,
)
from agroflux_hf.models.config_doc import with_common_config_doc
from agroflux_hf.models.dropout import Dropout
from agroflux_hf.models.strict_config import strict_config


def levels_for_receptive_field(sequence_length: int, kernel_size: int) -> int:
    """Fewest residual blocks (dilations 1, 2, 4, ...) whose receptive field covers ``sequence_length`` days.

    Each block has two convolutions, so L blocks see ``1 + 2 (k - 1) (2^L - 1)`` days.
    """
    if sequence_length <= 1:
        return 1
    return max(1, math.ceil(math.log2((sequence_length - 1) / (2 * (kernel_size - 1)) + 1)))


def receptive_field(levels: int, kernel_size: int) -> int:
    return 1 + 2 * (kernel_size - 1) * (2**levels - 1)


@with_common_config_doc
@strict_config
class TCNConfig(FluxConfig):
    r"""Configuration of :class:`TCNForFluxRegression`.

    Args:
    {common_args}
        kernel_size (`int`, *optional*, defaults to 3):
            Width of every temporal convolution (days).
        num_levels (`int`, *optional*, defaults to `None`):
            Residual blocks, with dilation ``2**level``. ``None`` = the fewest whose receptive field covers
            ``sequence_length`` days (7 blocks for 365 days with kernel 3).
        sequence_length (`int`, *optional*, defaults to 365):
            Days the receptive field must cover when ``num_levels`` is None. Inputs of any length work.
        causal (`bool`, *optional*, defaults to `True`):
            Causal convolutions (day t sees days <= t), as in the paper. ``False`` centres the kernels, so
            each day also sees the following days.
        use_weight_norm (`bool`, *optional*, defaults to `True`):
            Weight normalisation of the convolutions, as in the paper.

    Example:

    ```python
    >>> import torch
    >>> from agroflux_hf.models.tcn import TCNConfig, TCNForFluxRegression
    >>> config = TCNConfig(input_names=["TMAX", "PRECIP"], static_names=["SAND"], target_names=["NEE", "GPP"])
    >>> config.levels(), config.receptive_field()
    (7, 509)
    >>> model = TCNForFluxRegression(config).eval()
    >>> out = model(torch.randn(2, 365, 2), torch.randn(2, 1), output_hidden_states=True)
    >>> tuple(out.predictions.shape), tuple(out.hidden_states.shape)
    ((2, 365, 2), (2, 365, 50))

    ```
    """

    model_type = "agroflux_tcn"

    kernel_size: int = 3
    num_levels: int | None = None
    sequence_length: int = schema.SEQUENCE_LENGTH
    causal: bool = True
    use_weight_norm: bool = True

    def check_sizes(self) -> None:
        super().check_sizes()
        if self.kernel_size < 2:
            raise ValueError(f"kernel_size must be >= 2, got {self.kernel_size}")
        if self.num_levels is not None and self.num_levels < 1:
            raise ValueError(f"num_levels must be >= 1 or None, got {self.num_levels}")

    def levels(self) -> int:
        """Residual blocks the model builds."""
        return self.num_levels or levels_for_receptive_field(self.sequence_length, self.kernel_size)

    def receptive_field(self) -> int:
        """Days one output sees (the past only when causal; split around the day otherwise)."""
        return receptive_field(self.levels(), self.kernel_size)


class TemporalBlock(nn.Module):
    """Two dilated convolutions (each: pad, conv, ReLU, dropout) plus a residual connection, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int, config: TCNConfig) -> None:
        super().__init__()
        total = (config.kernel_size - 1) * dilation
        # Causal: all padding on the left (Bai et al. pad both sides and chomp the right; same result).
        self.padding = (total, 0) if config.causal else (total // 2, total - total // 2)
        wrap = weight_norm if config.use_weight_norm else (lambda conv: conv)
        self.conv1 = wrap(nn.Conv1d(in_channels, out_channels, config.kernel_size, dilation=dilation))
        self.conv2 = wrap(nn.Conv1d(out_channels, out_channels, config.kernel_size, dilation=dilation))
        self.dropout = Dropout(config.dropout)
        self.residual = nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, channels, T)
        out = self.dropout(F.relu(self.conv1(F.pad(x, self.padding))))
        out = self.dropout(F.relu(self.conv2(F.pad(out, self.padding))))
        residual = x if self.residual is None else self.residual(x)
        return F.relu(out + residual)


class TCNBackbone(nn.Module):
    def __init__(self, config: TCNConfig) -> None:
        super().__init__()
        in_channels = config.num_daily_features + len(config.static_names)
        self.blocks = nn.ModuleList(
            TemporalBlock(
                in_channels if level == 0 else config.hidden_size, config.hidden_size, 2**level, config
            )
            for level in range(config.levels())
        )

    def forward(self, daily: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        x = repeat_static_daily(daily, static).transpose(1, 2)  # (B, channels, T): convolve over days
        for block in self.blocks:
            x = block(x)
        return x.transpose(1, 2)  # (B, T, hidden)


class TCNPreTrainedModel(FluxPreTrainedModel):
    config_class = TCNConfig

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, nn.Conv1d):
            # Bai et al.: convolution weights N(0, 0.01). With weight norm, draw the direction v and set
            # the magnitude g = |v| so the effective weight starts at that draw.
            if parametrize.is_parametrized(module, "weight"):
                direction = module.parametrizations.weight.original1
                init.normal_(direction, mean=0.0, std=0.01)
                magnitude = module.parametrizations.weight.original0
                init.copy_(magnitude, direction.norm(dim=(1, 2), keepdim=True).to(magnitude.dtype))
            else:
                init.normal_(module.weight, mean=0.0, std=0.01)


class TCNForFluxRegression(TCNPreTrainedModel):
    """Temporal Convolutional Network, Bai, Kolter & Koltun (2018), "An Empirical Evaluation of Generic
    Convolutional and Recurrent Networks for Sequence Modeling", arXiv:1803.01271.

    Causal dilated 1-D convolutions over days (dilation doubling per residual block, two weight-normalised
    convolutions per block), with as many blocks as needed for the receptive field to cover the sequence.
    Unlike the published AgroFlux code, the convolution runs over time with the variables as channels.
    Differences from the paper: static attributes are appended as constant channels, ``causal=False``
    offers centred kernels, physical-unit inputs and outputs, NaN inputs filled with the training mean
    (and flagged by observed channels), and a per-day linear head on the last block's channels.

    Returns :class:`~agroflux_hf.models.outputs.FluxRegressionOutput` with ``predictions``
    (batch, days, n_targets), ``hidden_states`` (batch, days, hidden_size) when asked
    (``output_hidden_states``) and ``loss`` when targets are given.
    """

    def __init__(self, config: TCNConfig) -> None:
        super().__init__(config)
        self.backbone = TCNBackbone(config)
        self.post_init()


__all__ = [
    "TCNBackbone",
    "TCNConfig",
    "TCNForFluxRegression",
    "TCNPreTrainedModel",
    "TemporalBlock",
    "levels_for_receptive_field",
    "receptive_field",
]
