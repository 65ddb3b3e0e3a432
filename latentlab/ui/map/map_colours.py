"""Colour tables for the latent map: a categorical palette for classes and
sequential lookup tables for scalar values, plus packing into the 32-bit
premultiplied ARGB words the raster renderer paints with."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from latentlab.class_palette import AVOIDED, glasbey_extension

# matplotlib's tab10 for the first ten classes (familiar to ML users, and what the screenshots
# show), then Glasbey colours grown from them: 40 classes stay at least 14 CIEDE2000 apart, 60 at
# least 11 (tests/test_palette.py).
_TAB10 = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip

UNLABELLED_COLOUR = (31, 119, 180, 255)
MISSING_VALUE_COLOUR = (170, 170, 170, 255)
# Classes left out of a coloured subset: lighter than tab10's grey, kept apart from every
# class colour by class_palette.AVOIDED.
NEUTRAL_CLASS_COLOUR = (*AVOIDED[1], 255)


def _hex_to_rgb(code: str) -> tuple[int, int, int]:
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


_SEEDS = tuple(_hex_to_rgb(c) for c in _TAB10)


def categorical_colours(n: int) -> np.ndarray:
    """(n, 4) uint8 RGBA colours for n classes: tab10, then Glasbey colours (each as far
    from all before it as the sRGB gamut allows; no palette keeps hundreds apart)."""
    rgb = np.vstack([np.asarray(_SEEDS, np.uint8), glasbey_extension(_SEEDS, max(0, n - 10))])
    rgba = np.full((n, 4), 255, np.uint8)
    rgba[:, :3] = rgb[:n]
    return rgba


def sequential_lut(name: str = "viridis", start: float = 0.0, stop: float = 1.0) -> np.ndarray:
    """(256, 4) uint8 RGBA lookup table from one of pyqtgraph's bundled colour
    maps, restricted to [start, stop] of its range (to drop an end that would
    vanish into the background)."""
    cmap = pg.colormap.get(name)
    positions = np.linspace(start, stop, 256)
    rgba = cmap.map(positions, mode=pg.ColorMap.BYTE)
    return np.ascontiguousarray(rgba, dtype=np.uint8)


def value_indices(values: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Map values to LUT rows 0..255; non-finite values get row 256 (missing)."""
    values = np.asarray(values, dtype=np.float64)
    span = vmax - vmin if vmax > vmin else 1.0
    scaled = (values - vmin) * (255.0 / span)
    finite = np.isfinite(scaled)
    rows = np.full(values.shape, 256, dtype=np.int32)
    rows[finite] = np.clip(scaled[finite], 0, 255).astype(np.int32)
    return rows


def pack_argb32(rgba: np.ndarray) -> np.ndarray:
    """(..., 4) uint8 RGBA -> (...) uint32 premultiplied ARGB, the native
    QImage.Format_ARGB32_Premultiplied word (fastest to blit)."""
    rgba = np.asarray(rgba, dtype=np.uint32)
    a = rgba[..., 3]
    r = rgba[..., 0] * a // 255
    g = rgba[..., 1] * a // 255
    b = rgba[..., 2] * a // 255
    return (a << 24) | (r << 16) | (g << 8) | b


def default_value_range(values: np.ndarray) -> tuple[float, float]:
    """Min and max of the finite values (0, 1 when there are none)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
