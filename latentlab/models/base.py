"""The interface every LatentLab model offers to training, projection and the app."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
from torch import nn

from latentlab.config import ModelConfig

ImageShape = tuple[int, int, int]  # (channels, height, width)


class EncoderUnavailableError(RuntimeError):
    """Raised by ``encode`` on models that have no encoder (GANs)."""


class LatentModel(nn.Module, ABC):
    """A generative image model with a latent space.

    ``decode`` maps latent vectors B×latent_dim to images B×C×H×W in [0, 1]; ``encode`` maps
    images in [0, 1] to latent means (models without an encoder raise
    ``EncoderUnavailableError``); ``sample`` decodes draws from the prior N(0, I).
    """

    has_encoder: ClassVar[bool]
    conditional: ClassVar[bool] = False  # decodes a label vector beside z (models.conditional)

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        super().__init__()
        self.config = config
        self.image_shape: ImageShape = tuple(int(s) for s in image_shape)  # type: ignore[assignment]

    @property
    def kind(self) -> str:
        """Its name in ``latentlab.model_kinds`` (as its config says)."""
        return self.config.kind

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @abstractmethod
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent vectors B×latent_dim -> images B×C×H×W in [0, 1]."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images B×C×H×W in [0, 1] -> latent means B×latent_dim."""
        raise EncoderUnavailableError(f"a {self.kind} model has no encoder")

    def sample_latents(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` draws from the prior N(0, I) on the model's device."""
        return torch.randn(n, self.latent_dim, generator=generator, device=self.device)

    @torch.inference_mode()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images decoded from prior draws, in [0, 1]."""
        return self.decode(self.sample_latents(n, generator))


def check_image_shape(image_shape: ImageShape) -> None:
    """Refuse shapes the architectures cannot handle, with a message that says why."""
    c, h, w = image_shape
    if c not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels, got {c}")
    if min(h, w) < 8:
        raise ValueError(f"images must be at least 8×8 pixels, got {h}×{w}")


def downsampling_plan(height: int, width: int) -> list[tuple[int, int]]:
    """Spatial sizes a conv stack passes through when halving with stride 2.

    Halves while both sides are even and the smaller one is above 4, so every step is exactly
    invertible by a stride-2 transposed convolution: 16 -> 8 -> 4, 28 -> 14 -> 7,
    32 -> 16 -> 8 -> 4, 64 -> 32 -> 16 -> 8 -> 4. Returns the sizes after each halving, the
    input size first.
    """
    sizes = [(height, width)]
    while height % 2 == 0 and width % 2 == 0 and min(height, width) > 4:
        height, width = height // 2, width // 2
        sizes.append((height, width))
    return sizes
