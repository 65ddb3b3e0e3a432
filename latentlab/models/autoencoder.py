"""Plain autoencoder and Gaussian VAE, convolutional or fully connected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from latentlab.config import ModelConfig
from latentlab.models.base import ImageShape, LatentModel
from latentlab.models.conditional import ConditionalLabels
from latentlab.models.conv_nets import ConvDecoder, ConvEncoder
from latentlab.models.mlp_nets import MlpDecoder, MlpEncoder


@dataclass(frozen=True)
class AutoencoderLosses:
    """Per-image means over the batch, in nats. ``kl`` is zero for the plain autoencoder."""

    reconstruction: torch.Tensor
    kl: torch.Tensor
    total: torch.Tensor


def _make_encoder(config: ModelConfig, image_shape: ImageShape, out_features: int) -> nn.Module:
    if config.architecture == "mlp":
        return MlpEncoder(image_shape, config.hidden_dim, out_features)
    return ConvEncoder(image_shape, config.base_channels, out_features)


def _make_decoder(config: ModelConfig, image_shape: ImageShape) -> nn.Module:
    if config.architecture == "mlp":
        return MlpDecoder(image_shape, config.hidden_dim, config.latent_dim)
    return ConvDecoder(image_shape, config.base_channels, config.latent_dim)


def bernoulli_reconstruction_loss(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """−log p(x|z) under a per-pixel Bernoulli (continuous targets in [0, 1] allowed).

    Summed over pixels, averaged over the batch, as in Kingma & Welling (2014), "Auto-Encoding
    Variational Bayes", appendix C. Written out as max(l, 0) − x·l + log(1 + e^−|l|), the stable
    form of binary cross-entropy with logits, in float32 even under autocast: PyTorch's CPU
    kernel goes through an unvectorised log1p that took 15% of a training step. The two agree
    to ~1e-7 per pixel.
    """
    logits, x = logits.float(), x.float()
    per_pixel = F.relu(logits) - x * logits + torch.log(1 + torch.exp(-logits.abs()))
    return per_pixel.sum() / x.shape[0]


class Autoencoder(LatentModel):
    """Deterministic autoencoder: the latent is the encoder's output."""

    has_encoder = True

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        super().__init__(config, image_shape)
        self.encoder = _make_encoder(config, self.image_shape, self._encoder_outputs())
        self.decoder = _make_decoder(config, self.image_shape)

    def _encoder_outputs(self) -> int:
        return self.latent_dim

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Images -> their reconstructions through the latent mean, in [0, 1]."""
        return self.decode(self.encode(x))

    def losses(self, x: torch.Tensor, kl_weight: float | torch.Tensor) -> AutoencoderLosses:
        """Training losses for a batch of images in [0, 1]. ``kl_weight`` is unused here."""
        reconstruction = bernoulli_reconstruction_loss(self.decode_logits(self.encode(x)), x)
        zero = torch.zeros((), device=x.device)
        return AutoencoderLosses(reconstruction=reconstruction, kl=zero, total=reconstruction)


class VariationalAutoencoder(Autoencoder):
    """Gaussian VAE with a β-weighted KL term (Kingma & Welling 2014; Higgins et al. 2017)."""

    def _encoder_outputs(self) -> int:
        return 2 * self.latent_dim  # mean and log-variance

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x) as (mean, log-variance), each B×latent_dim."""
        mean, log_var = self.encoder(x).chunk(2, dim=1)
        return mean, log_var

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]

    def losses(self, x: torch.Tensor, kl_weight: float | torch.Tensor) -> AutoencoderLosses:
        """Negative β-ELBO: reconstruction + kl_weight · KL(q(z|x) ‖ N(0, I))."""
        mean, log_var = self.posterior(x)
        return negative_elbo(mean, log_var, self.decode_logits, x, kl_weight)


def negative_elbo(
    mean: torch.Tensor,
    log_var: torch.Tensor,
    decode_logits: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    kl_weight: float | torch.Tensor,
) -> AutoencoderLosses:
    """Reconstruction of x from z ~ q(z|x) = N(mean, exp(log_var)) + kl_weight · KL(q ‖ N(0, I)).

    Kingma & Welling (2014), "Auto-Encoding Variational Bayes", eq. 10 and appendix B; the
    reparameterisation z = μ + σ·ε keeps the sample differentiable.
    """
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
    reconstruction = bernoulli_reconstruction_loss(decode_logits(z), x)
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / x.shape[0]
    return AutoencoderLosses(
        reconstruction=reconstruction, kl=kl, total=reconstruction + kl_weight * kl
    )


class ConditionalVAE(ConditionalLabels, VariationalAutoencoder):
    """A conditional VAE (Sohn, Lee & Yan 2015; Kingma et al. 2014's M2 with known labels):
    the label vector enters the encoder, as one constant image plane per class beside the
    pixels, and the decoder, beside z and again as planes beside the input of every
    transposed convolution. z is left to carry what the label does not: the style.
    """

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        LatentModel.__init__(self, config, image_shape)
        self.check_classes()
        c, h, w = self.image_shape
        self.encoder = ConvEncoder(
            (c + self.n_classes, h, w), config.base_channels, 2 * self.latent_dim
        )
        self.decoder = ConvDecoder(
            self.image_shape,
            config.base_channels,
            self.latent_dim + self.n_classes,
            label_channels=self.n_classes,
        )

    def posterior(self, x: torch.Tensor, labels=None) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x, y) as (mean, log-variance); no labels: told nothing (1/classes each)."""
        y = self.labels_for(labels, x.shape[0], x.device, unknown="uniform")
        planes = y[:, :, None, None].expand(-1, -1, *x.shape[2:])  # B×classes×H×W
        mean, log_var = self.encoder(torch.cat([x, planes.to(x.dtype)], 1)).chunk(2, dim=1)
        return mean, log_var

    def encode(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        return self.posterior(x, labels)[0]

    def decode_logits(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        y = self.labels_for(labels, z.shape[0], z.device).to(z.dtype)
        return self.decoder(torch.cat([z, y], 1), y)

    def decode(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z, labels))

    def reconstruct(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        return self.decode(self.encode(x, labels), labels)

    def losses(
        self, x: torch.Tensor, kl_weight: float | torch.Tensor, labels=None
    ) -> AutoencoderLosses:
        """The negative β-ELBO of x given its labels."""
        y = self.labels_for(labels, x.shape[0], x.device)
        mean, log_var = self.posterior(x, y)
        return negative_elbo(mean, log_var, lambda z: self.decode_logits(z, y), x, kl_weight)
