"""Fully connected encoder / decoder, the layout of pytorch/examples' ``vae/main.py``.

For 28×28 MNIST with hidden_dim=400 and latent_dim=20 this is the classic 784-400-20 VAE.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from latentlab.models.base import ImageShape


class MlpEncoder(nn.Module):
    """Images B×C×H×W -> features B×out_features through one hidden layer."""

    def __init__(self, image_shape: ImageShape, hidden_dim: int, out_features: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),  # B×C×H×W -> B×(C·H·W)
            nn.Linear(math.prod(image_shape), hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, out_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MlpDecoder(nn.Module):
    """Latents B×latent_dim -> logits B×C×H×W through one hidden layer."""

    def __init__(self, image_shape: ImageShape, hidden_dim: int, latent_dim: int) -> None:
        super().__init__()
        self.image_shape = image_shape
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, math.prod(image_shape)),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.image_shape)  # B×(C·H·W) -> B×C×H×W
