"""A latent cloud projected to 2-D, with the ways back from the plane to latent space."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from latentlab.config import ProjectionConfig
from latentlab.projection.latent_cloud import LatentCloud
from latentlab.projection.neighbours import NeighbourInverse
from latentlab.projection.round_trip import RoundTripError

InverseMethod = Literal["exact", "neighbours", "learned"]


@dataclass(frozen=True)
class MapQuality:
    """How faithful a map is: trustworthiness of its neighbourhoods (scikit-learn, on a
    subsample) and the round-trip error of each way back from the map to latent space."""

    trustworthiness: float
    trust_points: int
    trust_neighbours: int
    round_trips: tuple[RoundTripError, ...] = ()
    # Share of each point's 10 nearest map points of its class (None: no labels); and what
    # points placed at random would give, to read it against.
    class_purity: float | None = None
    chance_purity: float | None = None

    def round_trip(self, method: str) -> RoundTripError | None:
        return next((r for r in self.round_trips if r.method == method), None)


@dataclass(frozen=True)
class LatentMapData:
    """Everything the map view needs, computed off the GUI thread.

    ``projection`` is a PCAProjection, IdentityProjection, TSNEProjection or (while t-SNE is
    still running) an EmbeddingProjection. ``learned_inverse`` and ``quality`` arrive a few
    seconds after the map itself.
    """

    cloud: LatentCloud
    projection: Any
    xy: np.ndarray  # N×2 float32
    config: ProjectionConfig = field(default_factory=ProjectionConfig)
    learned_inverse: Any = None  # LearnedInverse
    quality: MapQuality | None = None

    @property
    def axis_labels(self) -> tuple[str, str]:
        return self.projection.axis_labels

    @property
    def inverse_methods(self) -> tuple[str, ...]:
        """The ways back that this map offers, best first."""
        methods = ("exact",) if self.projection.exact_inverse else ()
        if self.learned_inverse is not None:
            methods += ("learned",)
        return (*methods, "neighbours")

    def resolve_inverse(self, method: str) -> str:
        """``method`` if this map offers it, otherwise the best one it does."""
        return method if method in self.inverse_methods else self.inverse_methods[0]

    def to_latent(self, xy: np.ndarray, method: str = "exact") -> np.ndarray:
        """M×2 map positions -> M×D latents: the projection's exact inverse (PCA), the learned
        inverse, or a mix of the nearest data points' latents; an unavailable method falls back
        to the best available one."""
        xy = np.atleast_2d(np.asarray(xy, dtype=np.float32))
        method = self.resolve_inverse(method)
        if method == "exact":
            return self.projection.inverse(xy)
        if method == "learned":
            return self.learned_inverse.inverse(xy)
        return self._neighbours.inverse(xy)

    def to_map(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2 map positions at once (exact for PCA; from the nearest data
        points for t-SNE, see ``refine_positions``)."""
        return self.projection.transform(np.atleast_2d(latents))

    @property
    def instant_placement(self) -> bool:
        """Whether ``to_map`` is cheap enough for the GUI thread. A map of image features
        decodes each latent and featurizes its image first: that is done on a worker."""
        return not getattr(self.projection, "featurize", None)

    @property
    def can_refine(self) -> bool:
        """Whether ``refine_positions`` improves on ``to_map`` (non-linear maps)."""
        return bool(getattr(self.projection, "refinable", hasattr(self.projection, "refine")))

    def refine_positions(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2 by the projection's own placement (seconds; run on a worker)."""
        if not self.can_refine:
            return self.to_map(latents)
        return self.projection.refine(np.atleast_2d(latents))

    def replace(self, **changes: Any) -> LatentMapData:
        return dataclasses.replace(self, **changes)

    @property
    def _neighbours(self) -> NeighbourInverse:
        cached = self.__dict__.get("_neighbour_inverse")
        if cached is None:
            cached = NeighbourInverse(self.xy, self.cloud.latents)
            object.__setattr__(self, "_neighbour_inverse", cached)
        return cached
