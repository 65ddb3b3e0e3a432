"""DCGAN generator and discriminator sized from the image shape.

Radford, Metz & Chintala (2016), "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks": strided (transposed) convolutions, batch norm, ReLU in the
generator, LeakyReLU in the discriminator, tanh output, N(0, 0.02) initialisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from latentlab.config import ModelConfig
from latentlab.gan_losses import GAN_LOSSES
from latentlab.models.base import ImageShape, LatentModel, downsampling_plan
from latentlab.models.gan_loss_functions import gradient_penalty


def _channels_per_level(base_channels: int, levels: int) -> list[int]:
    """Channels at each resolution, fine to coarse: 64×64 with base 64 -> [64, 128, 256, 512]."""
    return [base_channels * 2**i for i in range(max(levels, 1))]


class Generator(nn.Module):
    """Latents B×nz -> images B×C×H×W in [-1, 1]. For 16×16×1, base 32: nz×1×1 -> 64×4×4 ->
    32×8×8 -> 1×16×16."""

    def __init__(self, image_shape: ImageShape, base_channels: int, latent_dim: int) -> None:
        super().__init__()
        c, h, w = image_shape
        plan = downsampling_plan(h, w)
        levels = len(plan) - 1
        channels = _channels_per_level(base_channels, levels)
        coarse = plan[-1]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, channels[-1], coarse, 1, 0, bias=False),  # 1×1 -> h×w
            nn.BatchNorm2d(channels[-1]),
            nn.ReLU(True),
        ]
        for level in range(levels - 1, 0, -1):  # each doubles H and W
            layers += [
                nn.ConvTranspose2d(channels[level], channels[level - 1], 4, 2, 1, bias=False),
                nn.BatchNorm2d(channels[level - 1]),
                nn.ReLU(True),
            ]
        if levels == 0:
            layers.append(nn.Conv2d(channels[0], c, 3, 1, 1))
        else:
            layers.append(nn.ConvTranspose2d(channels[0], c, 4, 2, 1))  # last doubling
        layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])  # B×nz -> B×nz×1×1 -> B×C×H×W


class Discriminator(nn.Module):
    """Images B×C×H×W in [-1, 1] -> one logit (a critic: one score) per image (B,).
    ``batch_norm=False`` for a critic with a gradient penalty, which is per image."""

    def __init__(self, image_shape: ImageShape, base_channels: int, batch_norm: bool = True):
        super().__init__()
        c, h, w = image_shape
        plan = downsampling_plan(h, w)
        levels = len(plan) - 1
        channels = _channels_per_level(base_channels, levels)
        layers: list[nn.Module] = []
        if levels == 0:
            layers += [nn.Conv2d(c, channels[0], 3, 1, 1), nn.LeakyReLU(0.2, True)]
        in_ch = c
        for level in range(levels):  # each halves H and W
            layers.append(nn.Conv2d(in_ch, channels[level], 4, 2, 1, bias=False))
            if level > 0 and batch_norm:  # DCGAN: none on the discriminator's input layer
                layers.append(nn.BatchNorm2d(channels[level]))
            layers.append(nn.LeakyReLU(0.2, True))
            in_ch = channels[level]
        layers.append(nn.Conv2d(channels[-1], 1, plan[-1], 1, 0))  # h×w -> 1×1
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()  # B×1×1×1 -> B


def init_dcgan_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@dataclass(frozen=True)
class DiscriminatorLosses:
    total: torch.Tensor
    real_score: torch.Tensor  # mean D(x): the probability given to real images (a critic: score)
    fake_score: torch.Tensor  # mean D(G(z))
    penalty: torch.Tensor | None = None  # the gradient penalty (before λ), if the loss has one


class DCGAN(LatentModel):
    """A DCGAN. ``decode`` runs the generator; there is no encoder."""

    has_encoder = False

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        super().__init__(config, image_shape)
        self.generator = Generator(self.image_shape, config.base_channels, config.latent_dim)
        self._set_loss(config.gan_loss)
        self.discriminator = Discriminator(
            self.image_shape, config.base_channels, batch_norm=self.loss.batch_norm
        )
        self.apply(init_dcgan_weights)

    def _set_loss(self, name: str) -> None:
        self.loss = GAN_LOSSES.get(name)
        self._d_loss, self._g_loss = self.loss.discriminator_loss(), self.loss.generator_loss()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self.generator(z) + 1) / 2  # tanh range [-1, 1] -> [0, 1]

    @torch.inference_mode()
    def realness(self, images: torch.Tensor) -> torch.Tensor:
        """D(x): the discriminator's probability that each image (B×C×H×W in [0, 1]) is real
        (a critic's loss: its score, of no fixed range)."""
        return self._score(self.discriminator(images * 2 - 1))

    def _score(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs if self.loss.critic else torch.sigmoid(outputs)

    def discriminator_losses(self, real: torch.Tensor, fake: torch.Tensor) -> DiscriminatorLosses:
        """The discriminator's loss (``config.gan_loss``'s, see latentlab.gan_losses) on
        images in [0, 1]; fake must be detached."""
        real_in, fake_in = real * 2 - 1, fake * 2 - 1
        real_out = self.discriminator(real_in)
        fake_out = self.discriminator(fake_in)
        penalty = None
        if self.loss.gradient_penalty > 0:
            penalty = gradient_penalty(self.discriminator, real_in, fake_in)
        return self._discriminator_losses(real_out, fake_out, penalty)

    def _discriminator_losses(
        self, real_out: torch.Tensor, fake_out: torch.Tensor, penalty: torch.Tensor | None
    ) -> DiscriminatorLosses:
        """The loss on D's outputs for real and fake images, with λ·penalty when there is one."""
        total = self._d_loss(real_out, fake_out)
        if penalty is not None:
            total = total + self.loss.gradient_penalty * penalty
        return DiscriminatorLosses(
            total=total,
            real_score=self._score(real_out).mean(),
            fake_score=self._score(fake_out).mean(),
            penalty=penalty,
        )

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """The generator's loss (``config.gan_loss``'s) for generated images in [0, 1]."""
        return self._g_loss(self.discriminator(fake * 2 - 1))
