"""Geometry of lasso and rectangle selections on the 2-D latent map."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of the N×2 points inside the polygon (M×2 vertices, closed implicitly).

    Even-odd ray casting, so self-intersecting lassos work; points on the boundary may fall
    either way. Fewer than 3 vertices enclose nothing.
    """
    xy = _as_xy(xy, "xy")
    polygon = _as_xy(polygon, "polygon")
    result = np.zeros(len(xy), dtype=bool)
    if len(polygon) < 3 or len(xy) == 0:
        return result
    low, high = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero(((xy >= low) & (xy <= high)).all(axis=1))
    if len(candidates) == 0:
        return result

    # Sort candidates by y: each edge then crosses a horizontal ray only for the contiguous run
    # of points whose y lies in its span, so the work is about N × (crossings per line), not N×M.
    order = candidates[np.argsort(xy[candidates, 1], kind="stable")]
    px, py = xy[order, 0], xy[order, 1]
    start = polygon
    end = np.roll(polygon, -1, axis=0)
    y_low = np.minimum(start[:, 1], end[:, 1])
    y_high = np.maximum(start[:, 1], end[:, 1])
    # Half-open spans [y_low, y_high) count a ray through a shared vertex exactly once.
    firsts = np.searchsorted(py, y_low, side="left")
    lasts = np.searchsorted(py, y_high, side="left")
    inside = np.zeros(len(order), dtype=bool)
    for (x1, y1), (x2, y2), first, last in zip(
        start.tolist(), end.tolist(), firsts.tolist(), lasts.tolist(), strict=True
    ):
        if last <= first:  # horizontal edge, or no point in its span
            continue
        band = slice(first, last)
        crossing_x = x1 + (py[band] - y1) * ((x2 - x1) / (y2 - y1))
        inside[band] ^= px[band] < crossing_x
    result[order] = inside
    return result


def points_in_rectangle(
    xy: np.ndarray, corner: Sequence[float], opposite: Sequence[float]
) -> np.ndarray:
    """Boolean mask of the N×2 points inside the axis-aligned rectangle with these two opposite
    corners (in any order), edges included."""
    xy = _as_xy(xy, "xy")
    a = np.asarray(corner, dtype=np.float64).reshape(2)
    b = np.asarray(opposite, dtype=np.float64).reshape(2)
    low, high = np.minimum(a, b), np.maximum(a, b)
    return ((xy >= low) & (xy <= high)).all(axis=1)


def simplify_lasso(polygon: np.ndarray, min_step: float) -> np.ndarray:
    """The lasso without vertices closer than ``min_step`` to the previous kept vertex (mouse
    moves produce hundreds of near-duplicates); the first vertex is always kept."""
    polygon = _as_xy(polygon, "polygon")
    if min_step < 0:
        raise ValueError(f"min_step must be ≥ 0, got {min_step}")
    if len(polygon) == 0:
        return polygon.copy()
    # Each decision depends on the last kept vertex, so this is inherently sequential.
    keep = [0]
    last_x, last_y = polygon[0].tolist()
    limit = float(min_step) ** 2
    for index, (x, y) in enumerate(polygon.tolist()[1:], start=1):
        if (x - last_x) ** 2 + (y - last_y) ** 2 >= limit:
            keep.append(index)
            last_x, last_y = x, y
    return polygon[keep]


def _as_xy(points: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(points, dtype=np.float64)
    if array.size == 0:
        return array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must be an N×2 array, got shape {array.shape}")
    return array
