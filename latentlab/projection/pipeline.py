"""From a latent cloud to a clickable map: project, then measure it and learn its inverse.

A plain generator, so the app (on a worker), the benchmarks and the tests run the same steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np
from sklearn.manifold import trustworthiness

from latentlab.config import ProjectionConfig
from latentlab.projection.class_purity import chance_purity, neighbour_class_purity
from latentlab.projection.feature_space import FeatureSpaceProjection, unwrap
from latentlab.projection.latent_cloud import Featurize, LatentCloud
from latentlab.projection.latent_map import LatentMapData, MapQuality
from latentlab.projection.learned_inverse import (
    InverseFitProgress,
    LearnedInverse,
    fit_learned_inverse,
)
from latentlab.projection.linear import IdentityProjection
from latentlab.projection.neighbours import NeighbourInverse
from latentlab.projection.round_trip import held_out_mask, latent_spread, relative_error
from latentlab.projection.tsne import (
    EmbeddingProjection,
    ProjectionProgress,
    TSNEProjection,
)
from latentlab.projections import PROJECTIONS

TRUST_POINTS = 2_000  # trustworthiness is O(N²) in memory: measured on a random subsample
TRUST_NEIGHBOURS = 10
INVERSE_SECONDS = 5.0  # budget for learning the inverse after each projection


@dataclass(frozen=True)
class MapReady:
    """The map can be drawn and clicked."""

    data: LatentMapData


@dataclass(frozen=True)
class MapFinished:
    """The same map with its quality measured and its learned inverse."""

    data: LatentMapData


MapRecord = ProjectionProgress | InverseFitProgress | MapReady | MapFinished


def project_cloud(
    cloud: LatentCloud,
    config: ProjectionConfig,
    previous: LatentMapData | None = None,
    featurize: Featurize | None = None,
) -> Generator[ProjectionProgress, None, LatentMapData]:
    """Project ``cloud`` with ``config``, turned or started from ``previous`` (the map the user
    was looking at) so that a refreshed map keeps its layout. A map of image features
    (``config.space``) needs ``featurize`` to place new latents on it."""
    points = cloud.map_input(config.space)
    run = PROJECTIONS.get(config.method).run()
    projection, xy = yield from run(cloud, points, config, previous)
    return LatentMapData(
        cloud=cloud, projection=_in_latents(projection, config, featurize), xy=xy, config=config
    )


def provisional_map(
    cloud: LatentCloud, xy: np.ndarray, config: ProjectionConfig, featurize: Featurize | None
) -> LatentMapData:
    """The map while t-SNE still runs: its current positions, placing new points by their
    nearest neighbours."""
    projection = EmbeddingProjection(cloud.map_input(config.space), xy)
    return LatentMapData(
        cloud=cloud, projection=_in_latents(projection, config, featurize), xy=xy, config=config
    )


def _in_latents(projection, config: ProjectionConfig, featurize: Featurize | None):
    """A projection of image features, wrapped to take latents (others as they are)."""
    if config.space != "features":
        return projection
    if featurize is None:
        raise ValueError("a map of image features needs a way to featurize new latents")
    return FeatureSpaceProjection(projection, featurize)


def build_map(
    cloud: LatentCloud,
    config: ProjectionConfig | None = None,
    previous: LatentMapData | None = None,
    featurize: Featurize | None = None,
) -> LatentMapData:
    """``project_cloud`` run to the end (PCA by default: no waiting)."""
    steps = project_cloud(cloud, config or ProjectionConfig(), previous, featurize)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def map_steps(
    cloud: LatentCloud,
    config: ProjectionConfig,
    previous: LatentMapData | None = None,
    *,
    learn_inverse: bool = True,
    inverse_seconds: float = INVERSE_SECONDS,
    featurize: Featurize | None = None,
) -> Iterator[MapRecord]:
    """Project (streaming progress), yield MapReady, then measure the map, learn its inverse
    (non-linear maps only), and yield MapFinished."""
    data = yield from project_cloud(cloud, config, previous, featurize)
    fitted = unwrap(data.projection)
    if isinstance(fitted, TSNEProjection):
        fitted.placement  # noqa: B018 (builds the KD-tree here, not on the first click)
    yield MapReady(data)

    latents, xy = cloud.latents, data.xy
    held = held_out_mask(len(latents), seed=config.seed)
    spread = latent_spread(latents)
    round_trips = []
    if data.projection.exact_inverse and not isinstance(data.projection, IdentityProjection):
        exact = data.projection.inverse(xy[held])
        round_trips.append(relative_error("exact", exact, latents[held], spread))
    neighbours = NeighbourInverse(xy[~held], latents[~held]).inverse(xy[held])
    round_trips.append(relative_error("neighbours", neighbours, latents[held], spread))
    # Neighbourhoods are judged in what was projected: latents, or image features.
    quality = _quality(
        cloud.map_input(config.space), xy, round_trips, labels=cloud.labels, seed=config.seed
    )
    data = data.replace(quality=quality)

    # Linear maps have their exact inverse: a network would only compete with training for
    # the CPU after every epoch.
    if learn_inverse and not data.projection.exact_inverse:
        learned = None
        for record in fit_learned_inverse(
            xy[~held], latents[~held], seed=config.seed, max_seconds=inverse_seconds
        ):
            if isinstance(record, LearnedInverse):
                learned = record
            else:
                yield record
        if learned is not None:
            error = relative_error("learned", learned.inverse(xy[held]), latents[held], spread)
            quality = dataclasses.replace(quality, round_trips=(*quality.round_trips, error))
            data = data.replace(learned_inverse=learned, quality=quality)
    yield MapFinished(data)


def map_trustworthiness(
    latents: np.ndarray, xy: np.ndarray, *, points: int = TRUST_POINTS, seed: int = 0
) -> tuple[float, int]:
    """Trustworthiness (Venna & Kaski 2001) of the map on a random subsample, and its size."""
    n = len(latents)
    rows = np.arange(n)
    if n > points:
        rows = np.sort(np.random.default_rng(seed).choice(n, points, replace=False))
    k = min(TRUST_NEIGHBOURS, max(1, len(rows) // 2 - 1))
    return float(trustworthiness(latents[rows], xy[rows], n_neighbors=k)), len(rows)


def _quality(latents, xy, round_trips, *, labels, seed: int) -> MapQuality:
    trust, points = map_trustworthiness(latents, xy, seed=seed)
    purity = chance = None
    if labels is not None:
        purity = neighbour_class_purity(xy, labels)
        chance = None if purity is None else chance_purity(labels)
    return MapQuality(
        trustworthiness=trust,
        trust_points=points,
        trust_neighbours=TRUST_NEIGHBOURS,
        round_trips=tuple(round_trips),
        class_purity=purity,
        chance_purity=chance,
    )
