"""What a map's points are coloured by, as View › Colour by says: by class, by reconstruction
error, or by a GAN discriminator's score over its own range (a critic's has none fixed). The
explored map and the Compare view's map are coloured alike. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PointColouring:
    """A value per point, its name for the colour bar, and fixed ends (None: the values')."""

    values: Any  # N floats
    label: str
    vmin: float | None = None
    vmax: float | None = None


def point_colouring(data: Any, model: Any, mode: str) -> PointColouring | None:
    """How to colour a map of ``data`` (a LatentMapData) of ``model`` in ``mode`` ('label',
    'value' or 'score'); None: by class (also for a map without those values)."""
    cloud = None if data is None else data.cloud
    if cloud is None:
        return None
    if mode == "value" and cloud.reconstruction_errors is not None:
        return PointColouring(cloud.reconstruction_errors, "reconstruction error (MSE)")
    if mode == "score" and cloud.discriminator_scores is not None and hasattr(model, "loss"):
        loss = model.loss  # a GAN's (GanLossKind)
        # A probability keeps its colours at every epoch; a critic's score has no fixed range:
        # the colours span the map's own.
        low, high = loss.score_range or (None, None)
        return PointColouring(cloud.discriminator_scores, loss.score_name, low, high)
    return None
