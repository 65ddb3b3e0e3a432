"""Writing image files the way every LatentLab file is written: uint8 arrays (N×H×W×C, or one
H×W×C), enlarged with whole pixels, saved atomically (temporary file + rename) with the user's
permissions, so a failed write never leaves half a file where a good one was. Qt-free; used by
the training previews, the exports and the provenance PNGs alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

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


def write_png(
    image: np.ndarray, path: str | Path, *, scale: int = 1, text: PngInfo | None = None
) -> Path:
    """Write one H×W, H×W×1 or H×W×3 uint8 image as a PNG, enlarged ``scale``× with nearest
    pixels, with ``text`` chunks if given; atomically. Returns the path."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"expected one image H×W or H×W×C, got shape {image.shape}")
    if scale < 1:
        raise ValueError(f"scale must be ≥ 1, got {scale}")
    pil = to_pil(as_nhwc(image[None])[0], scale)
    return atomic_write(path, lambda tmp: pil.save(tmp, format="PNG", pnginfo=text))
