"""Click fidelity: does clicking inside a class region of a map decode an image of that class?

Random places are drawn uniformly over the map's bounding box and kept when they fall inside a
class region: their ``NEIGHBOURS`` nearest map points agree on a label by at least ``MAJORITY``,
and they lie within the data (the distance to the K-th nearest point is at most the
``INSIDE_PERCENTILE``th percentile of the data points' own distance to their K-th neighbour).
Each place is decoded through the map's inverse and a domain classifier labels the image;
fidelity is the share that gets the region's label.

A fidelity figure means little without its ceiling (``FidelityCeiling``): a decoder whose
reconstructions of real test images the classifier cannot recognise cannot do well on clicks,
however good the map. So beside it stand chance, the classifier's accuracy on test images,
and its accuracy on the model's reconstructions of the map's images. (Clicks inside class
regions can beat the reconstructions' figure: a region's inside decodes to typical images,
while the reconstructions include every ambiguous one.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

NEIGHBOURS = 10
MAJORITY = 0.7
INSIDE_PERCENTILE = 90
DECODE_CHUNK = 500


@dataclass(frozen=True)
class ClickFidelity:
    """Share of clicks inside class regions whose decoded image has the region's class (NaN,
    with no clicks, when the map has no class regions)."""

    method: str
    fidelity: float
    clicks: int
    share_inside: float  # of uniformly random places on the map, the share inside a region


CEILING_POINTS = 2_000  # map points whose reconstructions are classified for the ceiling
NO_SIGNAL_MARGIN = 0.1  # a ceiling this close to chance: fidelity cannot tell anything


@dataclass(frozen=True)
class FidelityCeiling:
    """How high click fidelity can go on a map: chance (always answering the commonest
    class), the classifier on real test images, and on the model's reconstructions of the
    map's images (the best a click can do with this decoder)."""

    chance: float
    classifier_accuracy: float
    reconstruction_accuracy: float

    def relative(self, fidelity: float) -> float:
        """Fidelity as a share of the reconstruction ceiling."""
        return fidelity / self.reconstruction_accuracy if self.reconstruction_accuracy else 0.0

    @property
    def tells_nothing(self) -> bool:
        """The classifier recognises reconstructions hardly better than chance."""
        return self.reconstruction_accuracy < self.chance + NO_SIGNAL_MARGIN

    def describe(self) -> str:
        """One sentence for the Projection panel."""
        text = (
            f"For scale: the classifier gets {self.classifier_accuracy:.0%} of test images and "
            f"{self.reconstruction_accuracy:.0%} of this model's reconstructions right; "
            f"chance is {self.chance:.0%}."
        )
        if self.tells_nothing:
            text += (
                " It hardly recognises the reconstructions, so click fidelity cannot tell "
                "anything about this map."
            )
        return text


@dataclass(frozen=True)
class FidelityReport:
    """A map's click fidelity per inverse method, and its ceiling (None without true labels)."""

    by_method: dict[str, ClickFidelity]
    ceiling: FidelityCeiling | None


def fidelity_ceiling(
    cloud,
    decode: Callable[[np.ndarray], np.ndarray],
    classify: Callable[[np.ndarray], np.ndarray],
    classifier_accuracy: float,
    *,
    seed: int = 0,
) -> FidelityCeiling | None:
    """The ceiling of a map of ``cloud`` (a LatentCloud with true labels; None otherwise)."""
    if cloud.labels is None or cloud.labels_predicted or len(cloud) == 0:
        return None
    rows = np.arange(len(cloud))
    if len(rows) > CEILING_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, CEILING_POINTS, replace=False))
    labels = np.asarray(cloud.labels)[rows]
    chunks = np.array_split(rows, max(1, len(rows) // DECODE_CHUNK))
    predicted = np.concatenate([classify(decode(cloud.latents[chunk])) for chunk in chunks])
    return FidelityCeiling(
        chance=float(np.bincount(labels).max() / len(labels)),
        classifier_accuracy=float(classifier_accuracy),
        reconstruction_accuracy=float((predicted == labels).mean()),
    )


def clicks_in_class_regions(
    xy: np.ndarray, labels: np.ndarray, count: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """``count`` random places inside class regions, each one's region label, and the share of
    random places that were inside one."""
    xy = np.asarray(xy, np.float64)
    labels = np.asarray(labels)
    k = min(NEIGHBOURS, len(xy) - 1)
    if k < 1:
        raise ValueError("need at least two labelled points")
    tree = cKDTree(xy)
    own, _ = tree.query(xy, k=k + 1)  # the first neighbour of a point is itself
    reach = np.percentile(own[:, -1], INSIDE_PERCENTILE)
    low, high = xy.min(axis=0), xy.max(axis=0)
    rng = np.random.default_rng(seed)
    places, region_labels, tried = [], [], 0
    while len(places) < count and tried < 1000 * count:
        batch = rng.uniform(low, high, size=(4 * count, 2))
        tried += len(batch)
        distance, index = tree.query(batch, k=k)
        near = labels[np.asarray(index).reshape(len(batch), k)]
        majority = np.array([np.bincount(row).argmax() for row in near])
        share = (near == majority[:, None]).mean(axis=1)
        keep = (share >= MAJORITY) & (np.asarray(distance).reshape(len(batch), k)[:, -1] <= reach)
        places.extend(batch[keep])
        region_labels.extend(majority[keep])
    return (
        np.asarray(places[:count], np.float32).reshape(-1, 2),
        np.asarray(region_labels[:count], np.int64),
        min(count, len(places)) / max(tried, 1),
    )


def click_fidelity(
    data,
    labels: np.ndarray,
    decode: Callable[[np.ndarray], np.ndarray],
    classify: Callable[[np.ndarray], np.ndarray],
    method: str,
    *,
    clicks: int = 500,
    seed: int = 0,
) -> ClickFidelity:
    """Click fidelity of ``data`` (a LatentMapData) decoded through ``method``.

    ``decode``: M×D latents -> M images; ``classify``: M images -> M labels.
    """
    places, region_labels, share = clicks_in_class_regions(data.xy, labels, clicks, seed=seed)
    if len(places) == 0:  # the classes are mixed all over the map: no region to click in
        return ClickFidelity(data.resolve_inverse(method), float("nan"), 0, share)
    predicted = np.concatenate(
        [
            classify(decode(data.to_latent(chunk, method)))
            for chunk in np.array_split(places, max(1, len(places) // DECODE_CHUNK))
        ]
    )
    return ClickFidelity(
        method=data.resolve_inverse(method),
        fidelity=float((predicted == region_labels).mean()),
        clicks=len(places),
        share_inside=share,
    )
