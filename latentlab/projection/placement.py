"""Placing new latents on a non-linear map at once, from their nearest data points."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


class NearestPlacement:
    """Puts a latent at the median map position of its ``k`` nearest data latents.

    The same rule as openTSNE's ``median`` initialisation of new points, but answered from a
    KD-tree built once: about 0.1 ms per call, where ``prepare_partial`` costs ~20 ms, so paths
    and clicked places can be drawn within the frame that asked for them.
    """

    def __init__(self, latents: np.ndarray, xy: np.ndarray, k: int = 10) -> None:
        if len(latents) != len(xy):
            raise ValueError("latents and xy must have one row per point")
        self.xy = np.asarray(xy, dtype=np.float32)
        self.k = max(1, min(k, len(xy)))
        self.tree = cKDTree(np.asarray(latents, dtype=np.float32))

    def place(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2 map positions."""
        latents = np.atleast_2d(np.asarray(latents, dtype=np.float32))
        _, index = self.tree.query(latents, k=self.k)
        index = np.asarray(index).reshape(len(latents), self.k)
        return np.median(self.xy[index], axis=1).astype(np.float32)
