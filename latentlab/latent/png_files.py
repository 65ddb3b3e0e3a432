"""Writing image files the way every LatentLab export does: uint8 arrays as N×H×W×C,
enlarged with whole pixels, and saved atomically (temporary file + rename) so a failed
export never leaves half a file where a good one was. Qt-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from latentlab.atomic_files import atomic_write


def as_nhwc(images: np.ndarray) -> np.ndarray:
    """Validate ``images`` and return them as uint8 N×H×W×C with C in {1, 3}."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"expected images N×H×W×C with C = 1 or 3 and N ≥ 1, got {images.shape}")
    return images


def to_pil(image: np.ndarray, scale: int) -> Image.Image:
    """One H×W×C uint8 image -> a PIL image (L or RGB) enlarged ``scale``× with nearest pixels."""
    pil = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.Resampling.NEAREST)
    return pil


def atomic_save(path: str | Path, write) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    return atomic_write(path, write)
