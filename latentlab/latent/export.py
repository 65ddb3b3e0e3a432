"""Interpolation strips and morph animations as files users keep (PNG row, animated GIF).

Qt-free: images are uint8 arrays N×H×W×C (C = 1 or 3) or N×H×W, as the decoder
hands them to the UI. Pixels are enlarged with nearest-neighbour sampling so a
16×16 decode stays a crisp 16×16 grid of squares instead of a blur. Writes are
atomic (temporary file + rename), so a failed export never leaves half a file
where a good one was.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentlab.atomic_files import atomic_write
from latentlab.image_tiles import tile_images
from latentlab.png_files import as_nhwc, to_pil, write_png

if TYPE_CHECKING:
    from latentlab.latent.provenance import Provenance

GAP_VALUE = 255  # white gaps: strips mostly end up on slides and in papers
DEFAULT_MIN_SIDE = 128


def scale_for_min_side(image_shape: tuple[int, ...], min_side: int = DEFAULT_MIN_SIDE) -> int:
    """The smallest integer enlargement that makes the longer side of H×W(×C) ≥ ``min_side``."""
    longest = max(int(image_shape[0]), int(image_shape[1]))
    return max(1, math.ceil(min_side / max(longest, 1)))


def strip_array(images: np.ndarray, scale: int = 4, gap: int = 2) -> np.ndarray:
    """Images N×H×W×C -> one row H·s × (N·W·s + (N−1)·gap) × C, with ``gap`` output pixels
    of white between frames (the gap is not scaled)."""
    if scale < 1 or gap < 0:
        raise ValueError(f"scale must be ≥ 1 and gap ≥ 0, got scale={scale}, gap={gap}")
    images = as_nhwc(images)
    # N×H×W×C -> N×(H·s)×(W·s)×C: nearest-neighbour enlargement by repetition.
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    return tile_images(big, columns=len(big), gap=gap, fill=GAP_VALUE)


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
    text = None
    if provenance is not None:
        # Imported here: provenance builds on this module's helpers, so a top-level import
        # would be circular.
        from latentlab.latent.provenance import png_info

        text = png_info(provenance)
    return write_png(row, path, text=text)


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
    images = as_nhwc(images)
    frames = [to_pil(images[i], scale) for i in morph_sequence(len(images), bounce)]
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

    return atomic_write(path, write)
