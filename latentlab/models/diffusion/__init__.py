"""A diffusion model over an autoencoder's latent codes (latent diffusion, Rombach et al. 2022):
a learned prior to sample codes from, instead of N(0, I)."""

from latentlab.models.diffusion.config import DiffusionPriorConfig
from latentlab.models.diffusion.prior import DiffusionPrior, Sampled

__all__ = ["DiffusionPrior", "DiffusionPriorConfig", "Sampled"]
