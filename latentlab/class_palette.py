"""Colours for many classes, each as far from the others as it can be (Glasbey et al. 2007,
"Colour displays for categorical images"): greedily pick, from a grid of sRGB colours, the one
whose smallest CIEDE2000 difference to the colours chosen so far is largest.

Numpy only: the map draws with it, tests and scripts measure it without Qt. The palette grows
from given seed colours (the map's tab10), so a longer palette starts with a shorter one and
the first classes keep their colours as classes are added.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Colours to stay away from without being handed out: the map's white background, and the
# light grey of classes left out of a coloured subset (ui/map/map_colours.NEUTRAL_CLASS_COLOUR).
AVOIDED = ((255, 255, 255), (205, 205, 205))
# Lightness and chroma bounds of the candidates: lighter colours fade into the white
# background, darker ones all look black, and greys would read as "not coloured".
LIGHTNESS = (30.0, 82.0)
MIN_CHROMA = 22.0
_GRID_LEVELS = 16  # 16³ = 4,096 candidates; a 24³ grid adds < 0.5 to the minimum distance


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in 0..255 -> (..., 3) CIELAB (D65 white)."""
    c = np.asarray(rgb, np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [[0.4124564, 0.3575761, 0.1804375],
         [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]
    )  # fmt: skip
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between broadcastable (..., 3) CIELAB arrays (Sharma,
    Wu and Dalal 2005, "The CIEDE2000 color-difference formula"). About 1 is just noticeable;
    categorical colours want 10 or more."""
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, np.float64), np.asarray(lab2, np.float64))
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = (
        np.where(np.abs(h1p - h2p) > 180, np.where(h_sum < 360, h_sum + 360, h_sum - 360), h_sum)
        / 2
    )
    h_mean = np.where(c1p * c2p == 0, h_sum, h_mean)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    sc = 1 + 0.045 * cp_mean
    sh = 1 + 0.015 * cp_mean * t
    rotation = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    rt = -np.sin(np.radians(2 * rotation)) * rc
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


@lru_cache(maxsize=1)
def _candidates() -> tuple[np.ndarray, np.ndarray]:
    """The sRGB grid within the lightness and chroma bounds, and its CIELAB."""
    levels = np.linspace(0, 255, _GRID_LEVELS).round()
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    lab = srgb_to_lab(rgb)
    keep = (lab[:, 0] >= LIGHTNESS[0]) & (lab[:, 0] <= LIGHTNESS[1])
    keep &= np.hypot(lab[:, 1], lab[:, 2]) >= MIN_CHROMA
    return rgb[keep].astype(np.uint8), lab[keep]


class _Palette:
    """The colours picked after one set of seeds, grown on demand (the next pick depends only
    on the picks before it, so a longer palette never changes a shorter one)."""

    def __init__(self, seeds: tuple[tuple[int, int, int], ...]) -> None:
        # Each candidate's distance to the nearest colour it must differ from.
        self.nearest = np.full(len(_candidates()[0]), np.inf)
        for colour in (*AVOIDED, *seeds):
            self._add(srgb_to_lab(np.array(colour, np.float64)))
        self.picked: list[np.ndarray] = []

    def _add(self, lab: np.ndarray) -> None:
        self.nearest = np.minimum(self.nearest, ciede2000(_candidates()[1], lab))

    def grow(self, n: int) -> None:
        rgb, lab = _candidates()
        while len(self.picked) < n:
            best = int(np.argmax(self.nearest))
            self.picked.append(rgb[best])
            self._add(lab[best])


_palettes: dict[tuple[tuple[int, int, int], ...], _Palette] = {}


def glasbey_extension(seeds: tuple[tuple[int, int, int], ...], n: int) -> np.ndarray:
    """(n, 3) uint8 sRGB colours that follow ``seeds``: each is the candidate farthest (in
    CIEDE2000) from the seeds, the avoided colours and the colours picked before it. Grown
    once per process (~2 ms a colour on one core) and kept."""
    palette = _palettes.get(seeds)
    if palette is None:
        palette = _palettes[seeds] = _Palette(seeds)
    palette.grow(n)
    return np.array(palette.picked[:n], np.uint8).reshape(n, 3)
