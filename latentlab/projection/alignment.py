"""Keeping a refreshed map in the same orientation as the one the user was looking at."""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes


def shared_points(
    indices: np.ndarray, previous_indices: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the new and of the previous cloud that show the same images."""
    _, new_rows, old_rows = np.intersect1d(indices, previous_indices, return_indices=True)
    return new_rows, old_rows


def procrustes_rotation(xy: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2×2 orthogonal R (rotation, possibly a reflection) that brings ``xy`` closest to
    ``target`` (same points, same order): argmin ‖xy·R − target‖ with both centred."""
    xy = np.asarray(xy, np.float64)
    target = np.asarray(target, np.float64)
    if len(xy) < 2:
        return np.eye(2)
    rotation, _ = orthogonal_procrustes(xy - xy.mean(0), target - target.mean(0))
    return rotation
