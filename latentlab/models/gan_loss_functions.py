"""The functions of the registered GAN losses (``latentlab.gan_losses``), on the
discriminator's raw outputs (logits)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def binary_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """−[log D(x) + log(1 − D(G(z)))]: Goodfellow et al. (2014), eq. 1, D's side."""
    return F.binary_cross_entropy_with_logits(
        real, torch.ones_like(real)
    ) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def non_saturating_generator(fake: torch.Tensor) -> torch.Tensor:
    """−log D(G(z)): the heuristic of Goodfellow et al. (2014), section 3, that keeps gradients
    alive early on, and the one DCGAN (Radford et al. 2016) trains with."""
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def minimax_generator(fake: torch.Tensor) -> torch.Tensor:
    """log(1 − D(G(z))), the original objective; log(1 − σ(l)) = −softplus(l)."""
    return -F.softplus(fake).mean()
