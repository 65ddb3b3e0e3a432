"""What a new map may take from the map shown before it, so that a refreshed map keeps its
layout: the previous positions of the same points, or the previous map itself."""

from __future__ import annotations

import numpy as np

from latentlab.config import ProjectionConfig
from latentlab.projection.feature_space import unwrap
from latentlab.projection.latent_cloud import LatentCloud
from latentlab.projection.latent_map import LatentMapData


def previous_of_kind(
    previous: LatentMapData | None, kind: type, config: ProjectionConfig
) -> LatentMapData | None:
    """``previous`` if it is a ``kind`` map of the same space (latents or image features)."""
    if previous is None or previous.config.space != config.space:
        return None
    return previous if isinstance(unwrap(previous.projection), kind) else None


def previous_positions(
    cloud: LatentCloud, previous: LatentMapData | None, kind: type, config: ProjectionConfig
) -> np.ndarray | None:
    """The previous map's positions of exactly these points, if it was a ``kind`` map made
    with the same settings (new settings deserve a fresh start)."""
    if previous_of_kind(previous, kind, config) is None or previous.config != config:
        return None
    if not np.array_equal(previous.cloud.indices, cloud.indices):
        return None
    return previous.xy
