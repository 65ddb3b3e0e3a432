"""Linear projections: PCA, and the identity when the latent space is already 2-D."""

from __future__ import annotations

import copy
from collections.abc import Generator
from typing import Any

import numpy as np

from latentlab.config import ProjectionConfig
from latentlab.projection.alignment import procrustes_rotation, shared_points
from latentlab.projection.latent_cloud import LatentCloud
from latentlab.projection.previous import previous_of_kind


class PCAProjection:
    """The first two principal components of the latent cloud.

    ``inverse`` is exact on the plane: it returns mean + x·pc1 + y·pc2, i.e. the latent whose
    components outside the plane are held at the data mean.
    """

    name = "PCA"
    exact_inverse = True

    def __init__(self, latents: np.ndarray) -> None:
        latents = np.asarray(latents, dtype=np.float64)
        if latents.ndim != 2 or latents.shape[1] < 2 or len(latents) < 2:
            raise ValueError("PCA needs at least two latent vectors of dimension ≥ 2")
        self.mean = latents.mean(axis=0)
        centred = latents - self.mean
        # Thin SVD: rows of vt are the principal directions, by decreasing variance.
        _, singular_values, vt = np.linalg.svd(centred, full_matrices=False)
        self.components = vt[:2]  # 2×D
        variance = singular_values**2
        self.explained_variance_ratio = variance[:2] / max(variance.sum(), 1e-12)
        ratio = self.explained_variance_ratio
        self.axis_labels = (f"PC 1 ({ratio[0]:.0%})", f"PC 2 ({ratio[1]:.0%})")

    @property
    def latent_dim(self) -> int:
        return self.mean.shape[0]

    def transform(self, latents: np.ndarray) -> np.ndarray:
        """N×D latents -> N×2 map coordinates."""
        return ((np.asarray(latents, dtype=np.float64) - self.mean) @ self.components.T).astype(
            np.float32
        )

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        """M×2 map coordinates -> M×D latents on the PCA plane."""
        return (self.mean + np.asarray(xy, dtype=np.float64) @ self.components).astype(np.float32)

    def rotated(self, rotation: np.ndarray) -> PCAProjection:
        """The same plane seen through a 2×2 orthogonal ``rotation`` (new xy = old xy @ R):
        the map turns, the inverse stays exact."""
        turned = copy.copy(self)
        turned.components = rotation.T @ self.components
        if not np.allclose(rotation, np.eye(2), atol=1e-6):
            angle = np.degrees(np.arctan2(rotation[0, 1], rotation[0, 0]))
            mirrored = " and mirrored" if np.linalg.det(rotation) < 0 else ""
            turned.axis_labels = (
                f"PCA plane, turned {angle:.0f}°{mirrored} to keep the last map's layout",
                f"PC 1 + 2 ({self.explained_variance_ratio.sum():.0%})",
            )
        return turned


class IdentityProjection:
    """For a 2-D latent space the map is the latent space itself."""

    name = "latent"
    exact_inverse = True
    axis_labels = ("z[0]", "z[1]")
    latent_dim = 2

    def transform(self, latents: np.ndarray) -> np.ndarray:
        return np.asarray(latents, dtype=np.float32).copy()

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        return np.asarray(xy, dtype=np.float32).copy()


def fit_projection(latents: np.ndarray) -> PCAProjection | IdentityProjection:
    """The identity for 2-D latents, otherwise PCA."""
    if np.asarray(latents).shape[1] == 2:
        return IdentityProjection()
    return PCAProjection(latents)


def run_linear(
    cloud: LatentCloud, points: np.ndarray, config: ProjectionConfig, previous: Any
) -> Generator[Any, None, tuple[PCAProjection | IdentityProjection, np.ndarray]]:
    """The "pca" runner (see latentlab.projections): done at once (it yields nothing); a PCA
    map of the same space shown before is matched by turning the new one onto it."""
    projection = fit_projection(points)
    xy = projection.transform(points)
    before = previous_of_kind(previous, PCAProjection, config)
    if isinstance(projection, PCAProjection) and before is not None:
        new_rows, old_rows = shared_points(cloud.indices, before.cloud.indices)
        projection = projection.rotated(procrustes_rotation(xy[new_rows], before.xy[old_rows]))
        xy = projection.transform(points)
    return projection, xy
    yield  # a generator, like the runners that stream
