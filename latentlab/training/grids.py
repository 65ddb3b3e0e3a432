"""Image grids as uint8 arrays and PNG files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def image_grid(images: torch.Tensor, columns: int | None = None, padding: int = 1) -> np.ndarray:
    """Images B×C×H×W in [0, 1] -> one uint8 array H×W×C with a thin grey border between."""
    images = images.detach().float().clamp(0, 1).cpu()
    b, c, h, w = images.shape
    columns = columns or math.ceil(math.sqrt(b))
    rows = math.ceil(b / columns)
    grid = torch.full((c, rows * (h + padding) + padding, columns * (w + padding) + padding), 0.5)
    for i in range(b):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, top : top + h, left : left + w] = images[i]
    return (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> Path:
    """Write a uint8 H×W×C (C = 1 or 3) array as PNG, optionally enlarged with nearest pixels."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    image.save(path)
    return path
