"""Interpolation strips and morph animations as files users keep (PNG row, animated GIF).

Qt-free: images are uint8 arrays N×H×W×C (C = 1 or 3) or N×H×W, as the decoder
hands them to the UI. Pixels are enlarged with nearest-neighbour sampling so a
16×16 decode stays a crisp 16×16 grid of squares instead of a blur. Writes are
atomic (temporary file + rename), so a failed export never leaves half a file
where a good one was.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from latentlab.latent.provenance import Provenance

GAP_VALUE = 255  # white gaps: strips mostly end up on slides and in papers
DEFAULT_MIN_SIDE = 128


def _as_nhwc(images: np.ndarray) -> np.ndarray:
    """Validate ``images`` and return them as uint8 N×H×W×C with C in {1, 3}."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"expected images N×H×W×C with C = 1 or 3 and N ≥ 1, got {images.shape}")
    return images


def _to_pil(image: np.ndarray, scale: int) -> Image.Image:
    """One H×W×C uint8 image -> a PIL image (L or RGB) enlarged ``scale``× with nearest pixels."""
    pil = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.Resampling.NEAREST)
    return pil


def _atomic_save(path: str | Path, write) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def scale_for_min_side(image_shape: tuple[int, ...], min_side: int = DEFAULT_MIN_SIDE) -> int:
    """The smallest integer enlargement that makes the longer side of H×W(×C) ≥ ``min_side``."""
    longest = max(int(image_shape[0]), int(image_shape[1]))
    return max(1, math.ceil(min_side / max(longest, 1)))


def strip_array(images: np.ndarray, scale: int = 4, gap: int = 2) -> np.ndarray:
    """Images N×H×W×C -> one row H·s × (N·W·s + (N−1)·gap) × C, with ``gap`` output pixels
    of white between frames (the gap is not scaled)."""
    if scale < 1 or gap < 0:
        raise ValueError(f"scale must be ≥ 1 and gap ≥ 0, got scale={scale}, gap={gap}")
    images = _as_nhwc(images)
    n, h, w, c = images.shape
    # N×H×W×C -> N×(H·s)×(W·s)×C: nearest-neighbour enlargement by repetition.
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    step = w * scale + gap
    row = np.full((h * scale, n * step - gap, c), GAP_VALUE, dtype=np.uint8)
    for i in range(n):
        row[:, i * step : i * step + w * scale] = big[i]
    return row


def save_strip_png(
    images: np.ndarray,
    path: str | Path,
    scale: int = 4,
    gap: int = 2,
    *,
    provenance: Provenance | None = None,
) -> Path:
    """Write images N×H×W×C uint8 as one PNG row (see :func:`strip_array`); returns the path.

    With ``provenance`` the PNG carries the latents in its text metadata (see
    :mod:`latentlab.latent.provenance`)."""
    row = strip_array(images, scale=scale, gap=gap)
    pil = _to_pil(row, 1)
    info = None
    if provenance is not None:
        # Imported here: provenance builds on this module's helpers, so a top-level import
        # would be circular.
        from latentlab.latent.provenance import png_info

        info = png_info(provenance)
    return _atomic_save(path, lambda tmp: pil.save(tmp, format="PNG", pnginfo=info))


def morph_sequence(count: int, bounce: bool = True) -> list[int]:
    """Frame order of the animation: 0..N−1, then back N−2..1 when bouncing.

    The endpoints are not repeated on the way back, so the loop never stalls on A or B."""
    forth = list(range(count))
    return forth + forth[-2:0:-1] if bounce else forth


def save_morph_gif(
    images: np.ndarray,
    path: str | Path,
    scale: int = 4,
    fps: float = 12,
    bounce: bool = True,
) -> Path:
    """Write images N×H×W×C uint8 as an animated GIF that loops forever; returns the path.

    With ``bounce`` it plays forth and back (2N − 2 frames, see :func:`morph_sequence`).
    Note that GIF merges identical consecutive frames, so a morph between equal
    keypoints comes out shorter."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    images = _as_nhwc(images)
    frames = [_to_pil(images[i], scale) for i in morph_sequence(len(images), bounce)]
    duration_ms = round(1000 / fps)

    def write(tmp: str) -> None:
        frames[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=duration_ms,
            loop=0,  # 0 = repeat forever
            disposal=1,  # each frame covers the whole canvas: keep, don't clear to background
        )

    return _atomic_save(path, write)
