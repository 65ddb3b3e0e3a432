"""Many images as one: grids and rows of uint8 images, with gaps and a border. Qt-free; the
training previews, the exported strips and the manifold backdrop use it alike."""

from __future__ import annotations

import math

import numpy as np

from latentlab.png_files import as_nhwc


def tile_images(
    images: np.ndarray,
    columns: int | None = None,
    *,
    gap: int = 0,
    border: int = 0,
    fill: int = 255,
) -> np.ndarray:
    """Images N×H×W×C (or N×H×W) uint8, row-major -> one image H'×W'×C: ``columns`` per row
    (default: a square-ish grid), ``gap`` pixels of ``fill`` between them and ``border``
    around; places of a last row left short are ``fill`` too."""
    images = as_nhwc(images)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    height = rows * h + (rows - 1) * gap + 2 * border
    width = columns * w + (columns - 1) * gap + 2 * border
    out = np.full((height, width, c), fill, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = border + r * (h + gap), border + col * (w + gap)
        out[top : top + h, left : left + w] = images[i]
    return out
