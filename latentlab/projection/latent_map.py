"""A latent cloud projected to 2-D, with the way back from the plane to latent space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from latentlab.projection.latent_cloud import LatentCloud
from latentlab.projection.linear import IdentityProjection, PCAProjection, fit_projection
from latentlab.projection.neighbours import NeighbourInverse

InverseMethod = Literal["exact", "neighbours"]


@dataclass(frozen=True)
class LatentMapData:
    """Everything the map view needs, computed off the GUI thread."""

    cloud: LatentCloud
    projection: PCAProjection | IdentityProjection
    xy: np.ndarray  # N×2 float32

    @property
    def axis_labels(self) -> tuple[str, str]:
        return self.projection.axis_labels

    def to_latent(self, xy: np.ndarray, method: InverseMethod = "exact") -> np.ndarray:
        """M×2 map positions -> M×D latents: the projection's exact inverse, or a mix of the
        nearest data points' latents."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float32))
        if method == "neighbours":
            return self._neighbours.inverse(xy)
        return self.projection.inverse(xy)

    def to_map(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2 map positions (for clicked places, paths, new points)."""
        return self.projection.transform(np.atleast_2d(latents))

    @property
    def _neighbours(self) -> NeighbourInverse:
        cached = self.__dict__.get("_neighbour_inverse")
        if cached is None:
            cached = NeighbourInverse(self.xy, self.cloud.latents)
            object.__setattr__(self, "_neighbour_inverse", cached)
        return cached


def build_map(cloud: LatentCloud) -> LatentMapData:
    """PCA of the cloud (identity for 2-D latents) and every point's position on it."""
    projection = fit_projection(cloud.latents)
    return LatentMapData(cloud=cloud, projection=projection, xy=projection.transform(cloud.latents))
