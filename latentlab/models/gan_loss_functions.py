"""The functions of the registered GAN losses (``latentlab.gan_losses``), on the
discriminator's raw outputs (logits)."""

from __future__ import annotations

from collections.abc import Callable

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


def wasserstein_critic(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[f(G(z))] − E[f(x)]: the critic's side of the Wasserstein GAN (Arjovsky et al. 2017,
    eq. 3); its negative estimates the distance. The gradient penalty is added by the model."""
    return fake.mean() - real.mean()


def wasserstein_generator(fake: torch.Tensor) -> torch.Tensor:
    """−E[f(G(z))]: the generator raises the critic's score of its images."""
    return -fake.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    """E[(‖∇f(x̂)‖₂ − 1)²] at x̂ uniformly between paired real and fake images (Gulrajani et
    al. 2017, Algorithm 1); differentiable, so the critic's update includes it."""
    mix = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), device=real.device)
    between = (mix * real + (1 - mix) * fake).requires_grad_(True)
    (gradients,) = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return ((gradients.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
