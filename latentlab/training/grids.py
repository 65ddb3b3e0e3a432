"""The training previews' image grids: model outputs in [0, 1] as one uint8 image."""

from __future__ import annotations

import numpy as np
import torch

from latentlab.image_tiles import tile_images

GRID_FILL = 128  # the grey between the images


def image_grid(images: torch.Tensor, columns: int | None = None, padding: int = 1) -> np.ndarray:
    """Images B×C×H×W in [0, 1] -> one uint8 array H×W×C with a thin grey border between."""
    pixels = (images.detach().float().clamp(0, 1).cpu() * 255).round().to(torch.uint8)
    nhwc = pixels.permute(0, 2, 3, 1).numpy()
    return tile_images(nhwc, columns, gap=padding, border=padding, fill=GRID_FILL)
