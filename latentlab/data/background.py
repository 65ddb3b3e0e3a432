"""What a dataset's backgrounds look like, so that an image the user brings can be matched
to them: a black-on-white drawing inverted for MNIST's white-on-black, and nothing inverted
for data that is neither (photos, mid-grey faces).

Decided from the data's own border pixels: a dataset is dark (or light) only when nearly
every image's border is dark (light) and its centre is clearly lighter (darker); an image is
inverted only when its border lies outside the range of the dataset's own borders and the
inverted image's would lie nearer the dataset's typical border. So no image of the dataset
itself is ever inverted. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

DARK_BORDER, LIGHT_BORDER = 64, 191  # a border this dark (light) is a black (white) one
CLEAR_CONTRAST = 20  # centre vs border: strokes stand out from the background by this much
TYPICAL_SHARE = 0.9  # the share of images that must have such a border
SAMPLE = 2_000  # images looked at


@dataclass(frozen=True)
class BackgroundTone:
    """``kind`` "dark" (light strokes on black, MNIST), "light" (dark on white) or None
    (neither clearly: then nothing is inverted); the range of the images' border means."""

    kind: Literal["dark", "light"] | None
    border_low: float  # 1st percentile of the images' border means
    border_high: float  # 99th percentile
    border_typical: float  # median

    def should_invert(self, border: float) -> bool:
        """Whether an image with this border mean should be inverted to look like the data."""
        if self.kind is None or self.border_low <= border <= self.border_high:
            return False
        inverted = 255.0 - border
        return abs(inverted - self.border_typical) < abs(border - self.border_typical)

    def describe(self) -> str:
        return f"{self.kind} background" if self.kind else "no clear background tone"


DARK_BACKGROUND = BackgroundTone("dark", 0.0, 8.0, 0.0)  # as MNIST's
LIGHT_BACKGROUND = BackgroundTone("light", 247.0, 255.0, 255.0)  # as a scanned drawing's


def background_of(images: np.ndarray) -> BackgroundTone:
    """The tone of N×H×W×C (or N×H×W) uint8 images, from up to ``SAMPLE`` of them."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.size == 0:
        raise ValueError(f"expected images N×H×W×C, got shape {images.shape}")
    if len(images) > SAMPLE:
        images = images[np.linspace(0, len(images) - 1, SAMPLE).astype(np.int64)]
    border, centre = border_means(images), centre_means(images)
    kind: Literal["dark", "light"] | None = None
    if np.mean(border <= DARK_BORDER) >= TYPICAL_SHARE:
        kind = "dark" if np.median(centre - border) >= CLEAR_CONTRAST else None
    elif np.mean(border >= LIGHT_BORDER) >= TYPICAL_SHARE:
        kind = "light" if np.median(border - centre) >= CLEAR_CONTRAST else None
    low, typical, high = np.percentile(border, [1, 50, 99])
    return BackgroundTone(kind, float(low), float(high), float(typical))


def border_means(images: np.ndarray) -> np.ndarray:
    """Mean of each image's outer ring (2 px; 1 px on tiny images), for N×H×W×C."""
    h, w = images.shape[1], images.shape[2]
    ring = 2 if min(h, w) >= 8 else 1
    if h <= 2 * ring or w <= 2 * ring:
        return images.reshape(len(images), -1).mean(axis=1)
    edges = (
        images[:, :ring],
        images[:, -ring:],
        images[:, ring:-ring, :ring],
        images[:, ring:-ring, -ring:],
    )
    total = sum(edge.reshape(len(images), -1).sum(axis=1, dtype=np.int64) for edge in edges)
    return total / sum(edge[0].size for edge in edges)


def centre_means(images: np.ndarray) -> np.ndarray:
    """Mean of each image's middle half (N×H×W×C)."""
    h, w = images.shape[1], images.shape[2]
    middle = images[:, h // 4 : h - h // 4 or None, w // 4 : w - w // 4 or None]
    return middle.reshape(len(images), -1).mean(axis=1)
