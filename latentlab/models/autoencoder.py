"""Plain autoencoder and Gaussian VAE, convolutional or fully connected."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from latentlab.config import ModelConfig
from latentlab.models.base import ImageShape, LatentModel
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
        """Negative β-ELBO: reconstruction + kl_weight · KL(q(z|x) ‖ N(0, I)).

        Kingma & Welling (2014), "Auto-Encoding Variational Bayes", eq. 10 and appendix B; the
        reparameterisation z = μ + σ·ε keeps the sample differentiable.
        """
        mean, log_var = self.posterior(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        reconstruction = bernoulli_reconstruction_loss(self.decode_logits(z), x)
        kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp()) / x.shape[0]
        return AutoencoderLosses(
            reconstruction=reconstruction, kl=kl, total=reconstruction + kl_weight * kl
        )
