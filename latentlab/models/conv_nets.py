"""Convolutional encoder / decoder pair sized from the image shape.

Each stride-2 level halves the image (see ``downsampling_plan``); channels double per level,
starting at ``base_channels`` and capped at ``MAX_CHANNELS``. For a 28×28×1 image and
base_channels=32: 1×28×28 -> 32×14×14 -> 64×7×7 -> latent.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from latentlab.models.base import ImageShape, downsampling_plan

MAX_CHANNELS = 256


def level_channels(base_channels: int, levels: int) -> list[int]:
    """Channels after each stride-2 level (at least one entry, for the stride-1 fallback)."""
    return [min(base_channels * 2**i, MAX_CHANNELS) for i in range(max(levels, 1))]


class ConvEncoder(nn.Module):
    """Images B×C×H×W -> features B×out_features."""

    def __init__(self, image_shape: ImageShape, base_channels: int, out_features: int) -> None:
        super().__init__()
        c, h, w = image_shape
        plan = downsampling_plan(h, w)
        levels = len(plan) - 1
        channels = level_channels(base_channels, levels)
        layers: list[nn.Module] = []
        in_ch = c
        if levels == 0:  # odd-sized images: keep the resolution, still learn local features
            layers += [nn.Conv2d(in_ch, channels[0], 3, 1, 1), nn.LeakyReLU(0.2)]
        for out_ch in channels[:levels]:
            layers += [nn.Conv2d(in_ch, out_ch, 4, 2, 1), nn.LeakyReLU(0.2)]  # halves H and W
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        last_h, last_w = plan[-1]
        self.head = nn.Linear(channels[-1] * last_h * last_w, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))  # B×(ch·h·w) -> B×out_features


class ConvDecoder(nn.Module):
    """Latents B×latent_dim -> logits B×C×H×W (the mirror image of ``ConvEncoder``).

    ``label_channels`` > 0 (a conditional decoder): ``forward(z, labels)`` also puts the label
    vector B×label_channels beside the input of every (transposed) convolution, as constant
    planes, so the label reaches every resolution and not only the first projection."""

    def __init__(
        self, image_shape: ImageShape, base_channels: int, latent_dim: int, label_channels: int = 0
    ) -> None:
        super().__init__()
        self.label_channels = label_channels
        extra = label_channels
        c, h, w = image_shape
        plan = downsampling_plan(h, w)
        levels = len(plan) - 1
        channels = level_channels(base_channels, levels)
        self.start_shape = (channels[-1], *plan[-1])
        self.project = nn.Sequential(nn.Linear(latent_dim, math.prod(self.start_shape)), nn.ReLU())
        layers: list[nn.Module] = []
        ups = list(reversed(channels[:levels]))  # e.g. [64, 32]: channels entering each level
        next_ups: list[int | None] = [*ups[1:], None] if ups else []
        for in_ch, out_ch in zip(ups, next_ups, strict=True):
            if out_ch is None:  # last level: straight to image channels (logits)
                layers.append(nn.ConvTranspose2d(in_ch + extra, c, 4, 2, 1))  # doubles H and W
            else:
                layers += [nn.ConvTranspose2d(in_ch + extra, out_ch, 4, 2, 1), nn.ReLU()]
        if levels == 0:
            layers.append(nn.Conv2d(channels[0] + extra, c, 3, 1, 1))
        self.upsample = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.project(z).view(-1, *self.start_shape)  # B×latent -> B×ch×h×w
        if not self.label_channels:
            return self.upsample(x)
        for layer in self.upsample:
            if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
                planes = labels[:, :, None, None].expand(-1, -1, *x.shape[2:]).to(x.dtype)
                x = torch.cat([x, planes], 1)  # B×(ch + labels)×h×w
            x = layer(x)
        return x
