"""A diffusion prior over latent codes: trained with DDPM's objective (Ho et al. 2020),
sampled with DDIM (Song et al. 2021; η = 0 deterministic, η = 1 DDPM's ancestral sampler),
inverted with DDIM run backwards, and guided without a classifier (Ho & Salimans 2022).

Codes are standardised per dimension before the diffusion (the statistics are buffers saved
with the weights), so one schedule fits any autoencoder's scale (Rombach et al. 2022 scale
their latents for the same reason). Everything public takes and returns codes in the
autoencoder's own units; the noise is the standardised space's N(0, I).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from latentlab.models.diffusion.config import DiffusionPriorConfig
from latentlab.models.diffusion.denoiser import Denoiser
from latentlab.models.diffusion.schedule import cosine_alphas_cumprod, sampling_timesteps

MIN_STD = 1e-4  # dimensions a VAE left unused (posterior collapse) have ~0 spread


@dataclass(frozen=True)
class Sampled:
    """Codes drawn from the prior and, when asked for, the way each one went."""

    latents: torch.Tensor  # N×D, in the autoencoder's units
    trajectory: torch.Tensor | None  # (steps + 1)×N×D: the noise first, ``latents`` last


class DiffusionPrior(nn.Module):
    def __init__(self, config: DiffusionPriorConfig) -> None:
        super().__init__()
        self.config = config
        self.denoiser = Denoiser(config)
        self.register_buffer("latent_mean", torch.zeros(config.latent_dim))
        self.register_buffer("latent_std", torch.ones(config.latent_dim))
        # ᾱ_t follows from the config, so it is not saved with the weights.
        self.register_buffer(
            "alphas_cumprod", cosine_alphas_cumprod(config.timesteps).float(), persistent=False
        )

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def device(self) -> torch.device:
        return self.latent_mean.device

    def fit_scale(self, latents: torch.Tensor) -> None:
        """Take the codes' per-dimension mean and spread (once, before training)."""
        latents = latents.float()
        self.latent_mean.copy_(latents.mean(0))
        self.latent_std.copy_(latents.std(0).clamp(min=MIN_STD))

    def standardise(self, latents: torch.Tensor) -> torch.Tensor:
        return (latents.float().to(self.device) - self.latent_mean) / self.latent_std

    def unstandardise(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.latent_std + self.latent_mean

    # -- training ----------------------------------------------------------------------

    def loss(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """DDPM's simple loss (Ho et al. 2020, eq. 14): ‖ε − ε̂(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t)‖²,
        t uniform. A conditional prior sees a share ``class_dropout`` of codes without their
        class, so one network also learns the unconditional ε̂ that guidance needs."""
        x0 = self.standardise(latents)
        n, device = x0.shape[0], x0.device
        t = torch.randint(0, self.config.timesteps, (n,), device=device, generator=generator)
        noise = torch.randn(x0.shape, device=device, generator=generator)
        alpha_bar = self.alphas_cumprod[t][:, None]
        x_t = alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise
        class_index = None
        if self.config.conditional and labels is not None:
            class_index = labels.to(device).long().clone()
            dropped = torch.rand(n, device=device, generator=generator) < self.config.class_dropout
            class_index[dropped] = self.config.num_classes
        return nn.functional.mse_loss(self.denoiser(x_t, t, class_index), noise)

    # -- sampling ----------------------------------------------------------------------

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` starting points N(0, I), in the standardised space."""
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    def _noise_predictor(
        self, timesteps: list[int], labels: torch.Tensor | None, guidance: float
    ) -> Callable[[torch.Tensor, int], torch.Tensor]:
        """ε̂(x, i) at the i-th of ``timesteps``, with the steps' and classes' terms worked out
        once. With classes asked for (``labels``; −1 = none), classifier-free guidance:
        ε̂_u + g·(ε̂_c − ε̂_u) — g = 0 ignores the class, 1 is the plain conditional model,
        above 1 pushes towards the class (Ho & Salimans 2022's w is g − 1)."""
        denoiser = self.denoiser
        steps = denoiser.step_terms(torch.tensor(timesteps, device=self.device))  # [S×width]
        guided = self.config.conditional and labels is not None and guidance not in (0.0, 1.0)
        if not self.config.conditional:
            rows = [torch.zeros_like(term[:1]) for term in steps]
        else:
            no_class = torch.tensor([self.config.num_classes], device=self.device)
            asked = no_class if labels is None else labels.to(self.device).long()
            asked = torch.where(asked < 0, self.config.num_classes, asked)
            if labels is not None and guidance == 0.0:
                asked = no_class.expand_as(asked)
            if guided:  # one batch of 2N: the asked classes first, then the codes without
                asked = torch.cat([asked, no_class.expand_as(asked)])
            rows = denoiser.class_terms(asked)  # [N×width] (or 2N, or 1)
        # Every step's shift for every row, once: a step is then the residual MLP alone.
        terms = [step[:, None, :] + row[None] for step, row in zip(steps, rows, strict=True)]
        if not guided:
            return lambda x, i: denoiser.denoise(x, [term[i] for term in terms])

        def guided_noise(x: torch.Tensor, i: int) -> torch.Tensor:
            conditional, free = denoiser.denoise(torch.cat([x, x]), [t[i] for t in terms]).chunk(2)
            return free + guidance * (conditional - free)

        return guided_noise

    @torch.inference_mode()
    def sample(
        self,
        noise: torch.Tensor,
        steps: int = 50,
        *,
        labels: torch.Tensor | None = None,
        guidance: float = 1.0,
        eta: float = 0.0,
        generator: torch.Generator | None = None,
        keep_trajectory: bool = False,
    ) -> Sampled:
        """Denoise ``noise`` (N×D, standardised) in ``steps`` DDIM steps (Song et al. 2021,
        eq. 12). η = 0 is deterministic: the same noise gives the same codes; η = 1 adds
        DDPM's noise at each step (drawn from ``generator``)."""
        x = noise.float().to(self.device)
        trajectory = [self.unstandardise(x)] if keep_trajectory else None
        timesteps = sampling_timesteps(self.config.timesteps, steps).tolist()
        alpha_bars = [*self.alphas_cumprod[timesteps].tolist(), 1.0]  # ᾱ after the last: 1
        predict = self._noise_predictor(timesteps, labels, guidance)
        for i in range(len(timesteps)):
            now, after = alpha_bars[i], alpha_bars[i + 1]
            sigma = eta * math.sqrt((1 - after) / (1 - now) * (1 - now / after))
            x = _ddim_step(x, predict(x, i), now, after, math.sqrt(max(1 - after - sigma**2, 0)))
            if sigma > 0 and i + 1 < len(timesteps):
                x = x + sigma * torch.randn(x.shape, generator=generator).to(x.device)
            if trajectory is not None:
                trajectory.append(self.unstandardise(x))
        latents = self.unstandardise(x)
        return Sampled(latents, None if trajectory is None else torch.stack(trajectory))

    @torch.inference_mode()
    def invert(
        self,
        latents: torch.Tensor,
        steps: int = 50,
        *,
        labels: torch.Tensor | None = None,
        guidance: float = 1.0,
    ) -> torch.Tensor:
        """The noise (N×D, standardised) that deterministic DDIM sampling in ``steps`` steps
        turns into ``latents``: DDIM run backwards, each step using ε̂ at the point it starts
        from (the approximation that makes inversion work; exact as steps → ∞)."""
        x = self.standardise(latents)
        timesteps = sampling_timesteps(self.config.timesteps, steps).flip(0).tolist()
        alpha_bars = [1.0, *self.alphas_cumprod[timesteps].tolist()]
        predict = self._noise_predictor(timesteps, labels, guidance)
        for i in range(len(timesteps)):
            now, after = alpha_bars[i], alpha_bars[i + 1]
            x = _ddim_step(x, predict(x, i), now, after, math.sqrt(1 - after))
        return x


def _ddim_step(
    x: torch.Tensor, eps: torch.Tensor, now: float, after: float, eps_share: float
) -> torch.Tensor:
    """√ᾱ' · x̂₀ + ``eps_share`` · ε̂, where x̂₀ = (x − √(1−ᾱ) ε̂) / √ᾱ, in two operations
    (``now`` = ᾱ, ``after`` = ᾱ')."""
    scale = math.sqrt(after / now)
    return (x * scale).add_(eps, alpha=eps_share - scale * math.sqrt(1 - now))
