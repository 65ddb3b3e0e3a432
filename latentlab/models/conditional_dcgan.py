"""A conditional DCGAN: the label vector enters the generator beside z and the discriminator
as one constant image plane per class beside the pixels (Mirza & Osindero 2014, "Conditional
Generative Adversarial Nets"), so D judges whether an image is a real image *of that class*.
Fakes are drawn with the real batch's labels."""

from __future__ import annotations

import torch

from latentlab.config import ModelConfig
from latentlab.models.base import ImageShape, LatentModel
from latentlab.models.conditional import ConditionalLabels
from latentlab.models.dcgan import (
    DCGAN,
    Discriminator,
    DiscriminatorLosses,
    Generator,
    init_dcgan_weights,
)
from latentlab.models.gan_loss_functions import gradient_penalty


class ConditionalDCGAN(ConditionalLabels, DCGAN):
    """``decode(z, labels)`` runs the generator on [z, y]; D scores (image, label) pairs."""

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        LatentModel.__init__(self, config, image_shape)
        self.check_classes()
        c, h, w = self.image_shape
        base = config.base_channels
        self.generator = Generator(self.image_shape, base, self.latent_dim + self.n_classes)
        self._set_loss(config.gan_loss)
        self.discriminator = Discriminator(
            (c + self.n_classes, h, w), base, batch_norm=self.loss.batch_norm
        )
        self.apply(init_dcgan_weights)

    def decode(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        y = self.labels_for(labels, z.shape[0], z.device)
        return (self.generator(torch.cat([z, y.to(z.dtype)], 1)) + 1) / 2

    def _critic(self, images: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """D on images in [-1, 1] with their label vectors as extra planes."""
        planes = y[:, :, None, None].expand(-1, -1, *images.shape[2:]).to(images.dtype)
        return self.discriminator(torch.cat([images, planes], 1))

    @torch.inference_mode()
    def realness(self, images: torch.Tensor, labels=None) -> torch.Tensor:
        """D(x, y) (no labels: D told nothing, 1/classes each)."""
        y = self.labels_for(labels, images.shape[0], images.device, unknown="uniform")
        return self._score(self._critic(images * 2 - 1, y))

    def discriminator_losses(
        self, real: torch.Tensor, fake: torch.Tensor, labels=None
    ) -> DiscriminatorLosses:
        y = self.labels_for(labels, real.shape[0], real.device)
        real_in, fake_in = real * 2 - 1, fake * 2 - 1
        real_out, fake_out = self._critic(real_in, y), self._critic(fake_in, y)
        penalty = None
        if self.loss.gradient_penalty > 0:
            penalty = gradient_penalty(lambda images: self._critic(images, y), real_in, fake_in)
        return self._discriminator_losses(real_out, fake_out, penalty)

    def generator_loss(self, fake: torch.Tensor, labels=None) -> torch.Tensor:
        y = self.labels_for(labels, fake.shape[0], fake.device)
        return self._g_loss(self._critic(fake * 2 - 1, y))
