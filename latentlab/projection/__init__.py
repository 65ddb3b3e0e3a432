"""Maps from latent space to the 2-D plane and back."""

from latentlab.projection.linear import IdentityProjection, PCAProjection, fit_projection
from latentlab.projection.neighbours import NeighbourInverse

__all__ = ["IdentityProjection", "NeighbourInverse", "PCAProjection", "fit_projection"]
