"""Map position -> latent by mixing the latents of the nearest map points."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


class NeighbourInverse:
    """Inverse-distance-weighted mean of the latents of the ``k`` nearest map points.

    Works for any projection (also non-linear ones) and stays on the data manifold, at the price
    of only producing latents that look like mixtures of existing points.
    """

    def __init__(self, map_xy: np.ndarray, latents: np.ndarray, k: int = 8) -> None:
        if len(map_xy) != len(latents):
            raise ValueError("map_xy and latents must have one row per point")
        self.tree = cKDTree(np.asarray(map_xy, dtype=np.float64))
        self.latents = np.asarray(latents, dtype=np.float32)
        self.k = min(k, len(latents))

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        """M×2 map coordinates -> M×D latents."""
        distances, index = self.tree.query(np.atleast_2d(xy), k=self.k)
        distances = distances.reshape(len(index), -1)
        index = index.reshape(len(index), -1)
        weights = 1.0 / np.maximum(distances, 1e-9) ** 2
        weights /= weights.sum(axis=1, keepdims=True)
        return np.einsum("mk,mkd->md", weights, self.latents[index]).astype(np.float32)
