"""How much a map's neighbourhoods keep to one class: for each point, the share of its ``k``
nearest map points that have its label, averaged. Near 1: the classes form islands; near
the largest class share: they are mixed (a conditional model's z holds style, not class)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

PURITY_NEIGHBOURS = 10


def neighbour_class_purity(
    xy: np.ndarray, labels: np.ndarray, k: int = PURITY_NEIGHBOURS
) -> float | None:
    """Mean share of each point's ``k`` nearest map points (itself left out) with its label;
    None with fewer than k + 1 points or fewer than two classes."""
    xy, labels = np.asarray(xy, dtype=np.float64), np.asarray(labels)
    if len(xy) <= k or len(np.unique(labels)) < 2:
        return None
    _, index = cKDTree(xy).query(xy, k=k + 1)
    neighbours = index[:, 1:]  # the first is the point itself
    return float(np.mean(labels[neighbours] == labels[:, None]))


def chance_purity(labels: np.ndarray) -> float:
    """The purity of a map whose points are placed at random: Σ (class share)²."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    shares = counts / counts.sum()
    return float(np.sum(shares**2))
