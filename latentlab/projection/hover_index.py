"""Nearest-point lookup for hovering, backed by a KD-tree.

A linear scan (or ScatterPlotItem.pointsAt) costs O(N) per mouse move; a
cKDTree query is sub-millisecond at 200k points. The tree is built lazily, on
the first query after the points change, so animating positions with
``move_points`` does not pay for trees nobody queries (and scipy.spatial, 0.2 s to import, is
imported then, not while the window starts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

_FIRST_K = 8  # neighbours checked for a visible one before widening the search
_WIDE_K = 128


class HoverIndex:
    """Finds the nearest shown point within a radius."""

    def __init__(self) -> None:
        self._xy = np.zeros((0, 2))
        self._tree: cKDTree | None = None

    def set_points(self, xy: np.ndarray) -> None:
        """New point positions (N, 2); the tree is rebuilt on the next query."""
        self._xy = xy
        self._tree = None

    def nearest(self, x: float, y: float, radius: float, visible: np.ndarray | None = None) -> int:
        """Index of the nearest point with ``visible[i]`` within ``radius`` of
        (x, y), or -1. ``visible`` None means every point counts."""
        n = self._xy.shape[0]
        if n == 0 or not np.isfinite(radius) or radius <= 0:
            return -1
        if self._tree is None:
            from scipy.spatial import cKDTree

            finite = np.isfinite(self._xy).all(axis=1)
            # Non-finite points cannot be hovered; park them far away.
            self._tree = cKDTree(np.where(finite[:, None], self._xy, 1e300))
        for k in (_FIRST_K, _WIDE_K):
            k = min(k, n)
            dist, idx = self._tree.query((x, y), k=k, distance_upper_bound=radius)
            dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
            found = idx[np.isfinite(dist)]
            if visible is not None:
                found = found[visible[found]]
            if found.size:
                return int(found[0])
            # Stop unless all k neighbours were in range but hidden.
            if not np.isfinite(dist[-1]) or k == n:
                return -1
        return -1
