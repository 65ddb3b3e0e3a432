"""The noise schedule and the sampling steps of a diffusion model."""

from __future__ import annotations

import math

import torch

COSINE_OFFSET = 0.008  # s of Nichol & Dhariwal (2021), eq. 17
# Nichol & Dhariwal clip β at 0.999; then the last step keeps ᾱ = 2·10⁻⁹ of the signal, and
# a DDIM step from it multiplies the noise estimate's error by ~600 (and inversion cannot come
# back from it). At 0.05 the last step keeps ᾱ = 5·10⁻⁴: still noise to the eye (2 % of the
# signal's spread), but every step stays well conditioned.
MAX_BETA = 0.05


def cosine_alphas_cumprod(timesteps: int) -> torch.Tensor:
    """ᾱ_t for t = 0 … T−1 (float64): the share of the signal's variance left after t + 1
    noising steps, from the cosine schedule (Nichol & Dhariwal 2021), whose ᾱ falls slowly at
    both ends rather than linearly destroying the signal early."""
    s = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
    f = torch.cos((s + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
    alphas_cumprod = f / f[0]
    betas = (1 - alphas_cumprod[1:] / alphas_cumprod[:-1]).clamp(max=MAX_BETA)
    return torch.cumprod(1 - betas, dim=0)


def sampling_timesteps(timesteps: int, steps: int) -> torch.Tensor:
    """``steps`` training timesteps, noisiest first, evenly spaced from T − 1 down to 0
    (DDIM's sub-sequence τ, Song et al. 2021, §4.2)."""
    if not 1 <= steps <= timesteps:
        raise ValueError(f"steps must be between 1 and {timesteps}, got {steps}")
    return torch.linspace(timesteps - 1, 0, steps, dtype=torch.float64).round().long()
