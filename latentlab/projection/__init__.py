"""Maps from latent space to the 2-D plane and back, and the latent codes they draw."""

from latentlab.projection.latent_cloud import (
    LatentCloud,
    decode_latents,
    encode_dataset,
    sample_prior,
)
from latentlab.projection.latent_map import InverseMethod, LatentMapData, build_map
from latentlab.projection.linear import IdentityProjection, PCAProjection, fit_projection
from latentlab.projection.neighbours import NeighbourInverse

__all__ = [
    "IdentityProjection",
    "InverseMethod",
    "LatentCloud",
    "LatentMapData",
    "NeighbourInverse",
    "PCAProjection",
    "build_map",
    "decode_latents",
    "encode_dataset",
    "fit_projection",
    "sample_prior",
]
