"""The data points of the latent map, coloured by class or by a value.

Small data sets are drawn as pyqtgraph scatter items (anti-aliased markers),
one item per colour with a shared brush so pyqtgraph can batch them. Above
``raster_threshold`` visible points the same picture is painted by
:class:`RasterScatterItem` instead, whose frame cost grows far slower with N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from latentlab.ui.map.map_colours import (
    MISSING_VALUE_COLOUR,
    NEUTRAL_CLASS_COLOUR,
    UNLABELLED_COLOUR,
    categorical_colours,
    default_value_range,
    pack_argb32,
    sequential_lut,
    value_indices,
)
from latentlab.ui.map.map_raster import RasterScatterItem

# Chosen with benchmarks/map_frame_time.py (2-core software raster, 800x600):
# the scatter items cost ~3 ms + ~0.15 ms per 1,000 points per frame, the raster
# ~5 ms flat from 10k to 200k; they cross near 20k. Below it the scatter's
# anti-aliased, outlined markers look better for the same price.
DEFAULT_RASTER_THRESHOLD = 20_000
MARKER_SIZE = 7  # px; the raster's sparse dot (radius 3) matches it
VALUE_BINS = 32  # colour levels of the scatter items in value mode
POINTS_Z = 0.0
COLOURED_SUBSET_Z = 0.5  # classes of a coloured subset are drawn above the grey ones


class InertScatterPlotItem(pg.ScatterPlotItem):
    """A scatter item that never claims mouse clicks, with a cached bounding rect.

    ScatterPlotItem runs ``pointsAt`` (hundreds of ms at 100k points) on every
    click and swallows clicks on markers; the map does its own hit testing.
    Its ``boundingRect`` (~80 µs of Python) is asked for over a hundred times per
    click by the scene's item look-ups: it is computed once per change of data,
    spot size or view transform instead. And it draws only the spots in the region
    being repainted: a marker moving over 10,000 points repaints a few of them, not all."""

    _cached_rect: QtCore.QRectF | None = None
    _exposed: QtCore.QRectF | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Qt then hands paint() the exposed part of the item, not its whole bounding rect.
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()

    def paint(self, p, option, widget=None) -> None:
        exposed = option.exposedRect
        self._exposed = None if exposed.isEmpty() else QtCore.QRectF(exposed)
        try:
            if self._exposed is None or self._has_spot_in(self._exposed):
                super().paint(p, option, widget)
        finally:
            self._exposed = None

    def _has_spot_in(self, rect: QtCore.QRectF) -> bool:
        """Whether any spot reaches into ``rect`` (item coordinates). A marker moving over
        ten class items exposes two small rects that most items have no spot in; skipping
        those saves their whole paint (~0.7 ms each at 1,000 spots)."""
        x, y = self.data["x"], self.data["y"]
        if x.size == 0:
            return False
        view = super().viewRect()
        if view is None or rect.width() * rect.height() > 0.25 * view.width() * view.height():
            return True  # a pan or zoom repaints it all: no time to lose on looking first
        px, py = self.pixelVectors()
        if px is None or py is None:
            return True  # no view yet: let pyqtgraph decide
        pad = self.pixelPadding()
        pad_x = pad * (abs(px.x()) + abs(py.x()))
        pad_y = pad * (abs(px.y()) + abs(py.y()))
        inside = (
            (x >= rect.left() - pad_x)
            & (x <= rect.right() + pad_x)
            & (y >= rect.top() - pad_y)
            & (y <= rect.bottom() + pad_y)
        )
        return bool(inside.any())

    def viewRect(self) -> QtCore.QRectF | None:
        """The visible part of the view, and while painting only the part being repainted
        (ScatterPlotItem.paint culls spots outside this rect)."""
        rect = super().viewRect()
        if rect is not None and self._exposed is not None:
            return rect.intersected(self._exposed)
        return rect

    def boundingRect(self) -> QtCore.QRectF:
        if self._cached_rect is None:
            self._cached_rect = super().boundingRect()
        return QtCore.QRectF(self._cached_rect)

    def prepareGeometryChange(self) -> None:  # new data, or the view transform changed
        self._cached_rect = None
        super().prepareGeometryChange()

    def updateSpots(self, dataSet=None) -> None:  # spot sizes (the padding) may change
        super().updateSpots(dataSet)
        self._cached_rect = None

    def clear(self) -> None:
        super().clear()
        self._cached_rect = None


@dataclass(frozen=True)
class ValueColouring:
    """What value mode shows: the values, their range and the colour table."""

    values: np.ndarray  # (N,) float
    label: str
    vmin: float
    vmax: float
    lut: np.ndarray  # (256, 4) uint8


class PointsLayer:
    """Owns the point items in one ViewBox and keeps them in step with the data,
    the visible classes and the colour mode."""

    def __init__(self, view_box: pg.ViewBox, raster_threshold: int = DEFAULT_RASTER_THRESHOLD):
        self._vb = view_box
        self.raster_threshold = raster_threshold
        self.xy = np.zeros((0, 2), np.float64)
        self.labels: np.ndarray | None = None
        self.class_colours = np.zeros((0, 4), np.uint8)
        self.class_visible = np.zeros(0, bool)
        self.class_coloured = np.zeros(0, bool)  # False: drawn in NEUTRAL_CLASS_COLOUR
        self.value_colouring: ValueColouring | None = None
        self._opacity = 1.0
        self._scatter_items: list[InertScatterPlotItem] = []
        self._raster = RasterScatterItem()
        self._raster.setZValue(POINTS_Z)
        self._raster.setVisible(False)
        self._vb.addItem(self._raster)
        # Paint order for the raster: a fixed shuffle in label mode, so no class
        # systematically hides another; ascending value in value mode, so the
        # highest values (e.g. anomalies) end up on top.
        self._order = np.zeros(0, np.intp)
        self._finite = np.zeros(0, bool)
        self._raster_colours: np.ndarray | None = None  # packed, in paint order

    # -- data -------------------------------------------------------------
    @property
    def count(self) -> int:
        return int(self.xy.shape[0])

    def set_data(self, xy: np.ndarray, labels: np.ndarray | None, n_classes: int) -> None:
        """Replace all points; labels are 0..n_classes-1 or None."""
        self.xy = xy
        self._finite = np.isfinite(xy).all(axis=1)
        self.labels = labels
        self.class_colours = categorical_colours(n_classes)
        self.class_visible = np.ones(n_classes, bool)
        self.class_coloured = np.ones(n_classes, bool)
        self.value_colouring = None
        self._order = self._label_order()
        self.refresh()

    def move(self, xy: np.ndarray) -> None:
        """New positions for the same points; colours and order are kept."""
        self.xy = xy
        self._finite = np.isfinite(xy).all(axis=1)
        self.refresh(colours_changed=False)

    def set_value_colouring(self, colouring: ValueColouring | None) -> None:
        """Switch to colouring by value (or back to classes with None)."""
        self.value_colouring = colouring
        if colouring is None:
            self._order = self._label_order()
        else:
            # NaN sorts last in argsort; put missing values at the bottom instead.
            v = np.where(np.isfinite(colouring.values), colouring.values, -np.inf)
            self._order = np.argsort(v, kind="stable")
        self.refresh()

    def set_class_visible(self, visible: np.ndarray) -> None:
        """Which classes are drawn (bool per class)."""
        self.class_visible = np.asarray(visible, bool).copy()
        self.refresh(colours_changed=False)

    def set_class_coloured(self, coloured: np.ndarray) -> None:
        """Which classes get their colour in label mode (bool per class); the others are
        drawn grey, under them, and stay hoverable."""
        self.class_coloured = np.asarray(coloured, bool).copy()
        if self.value_colouring is None:
            self._order = self._label_order()
        self.refresh()

    def _label_order(self) -> np.ndarray:
        """Raster paint order in label mode: a fixed shuffle, so no class systematically
        hides another; grey classes of a coloured subset first, under the coloured ones."""
        order = np.random.default_rng(0).permutation(self.count)
        if self.labels is None or self.class_coloured.all():
            return order
        return order[np.argsort(self.class_coloured[self.labels[order]], kind="stable")]

    def displayed_class_colours(self) -> np.ndarray:
        """(n_classes, 4) uint8: each class's colour, grey where it is out of the subset."""
        colours = self.class_colours.copy()
        colours[~self.class_coloured] = NEUTRAL_CLASS_COLOUR
        return colours

    def set_opacity(self, opacity: float) -> None:
        """Opacity of all points (lowered over a backdrop image)."""
        self._opacity = opacity
        self._raster.setOpacity(opacity)
        for item in self._scatter_items:
            item.setOpacity(opacity)

    def set_raster_threshold(self, threshold: int) -> None:
        """Visible-point count above which points are rasterised."""
        self.raster_threshold = threshold
        self.refresh(colours_changed=False)

    # -- derived ----------------------------------------------------------
    def point_visible(self) -> np.ndarray | None:
        """(N,) bool of points in a shown class, or None when all are shown."""
        if self.labels is None or self.class_visible.all():
            return None
        return self.class_visible[self.labels]

    def visible_count(self) -> int:
        mask = self.point_visible()
        return self.count if mask is None else int(np.count_nonzero(mask))

    @property
    def rasterised(self) -> bool:
        """Whether the points are currently drawn by the raster item."""
        return self._raster.isVisible()

    def point_rgba(self) -> np.ndarray:
        """(N, 4) uint8 colour of every point in the current mode."""
        vc = self.value_colouring
        if vc is not None:
            table = np.vstack([vc.lut, np.asarray(MISSING_VALUE_COLOUR, np.uint8)])
            return table[value_indices(vc.values, vc.vmin, vc.vmax)]
        if self.labels is None:
            return np.broadcast_to(np.asarray(UNLABELLED_COLOUR, np.uint8), (self.count, 4))
        return self.displayed_class_colours()[self.labels]

    def data_bounds(self) -> tuple[float, float, float, float] | None:
        """(x0, x1, y0, y1) of the visible points, or None."""
        mask = self.point_visible()
        xy = self.xy if mask is None else self.xy[mask]
        finite = xy[np.isfinite(xy).all(axis=1)]
        if finite.size == 0:
            return None
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def items(self) -> list:
        """The graphics items currently drawing points (for auto-range)."""
        if self.rasterised:
            return [self._raster]
        return [i for i in self._scatter_items if i.isVisible()]

    # -- drawing ----------------------------------------------------------
    def refresh(self, colours_changed: bool = True) -> None:
        """Rebuild whichever renderer fits the current visible count.

        ``colours_changed=False`` (only positions moved) lets the raster reuse
        its packed colours."""
        if colours_changed:
            self._raster_colours = None
        if self.visible_count() > self.raster_threshold:
            self._hide_scatter()
            self._update_raster()
            self._raster.setVisible(True)
        else:
            self._raster.setVisible(False)
            self._raster.set_points(np.zeros(0), np.zeros(0), np.zeros(1, np.uint32), None)
            self._update_scatter()

    def _drawable(self) -> np.ndarray | None:
        """(N,) bool of points to draw (shown class, finite position) or None."""
        mask = self.point_visible()
        if self._finite.all():
            return mask
        return self._finite if mask is None else mask & self._finite

    def _update_raster(self) -> None:
        order = self._order
        if self._raster_colours is None:
            colours = np.empty(self.count + 1, np.uint32)
            colours[:-1] = pack_argb32(self.point_rgba()[order])
            colours[-1] = 0  # the empty pixel
            self._raster_colours = colours
        xy = self.xy[order]
        if not self._finite.all():
            # Hidden via `keep` anyway; zeros keep NaN out of the int casts.
            xy[~self._finite[order]] = 0.0
        mask = self._drawable()
        keep = None if mask is None else mask[order]
        self._raster.set_points(xy[:, 0], xy[:, 1], self._raster_colours, keep)

    def _groups(self) -> list[tuple[np.ndarray, tuple[int, ...], float]]:
        """(point indices, rgba, z) per scatter item in the current mode."""
        mask = self._drawable()
        vc = self.value_colouring
        if vc is not None:
            rows = value_indices(vc.values, vc.vmin, vc.vmax)
            # 256 LUT rows -> VALUE_BINS levels; missing values are bin -1.
            bins = np.where(rows < 256, rows * VALUE_BINS // 256, -1)
            groups = []
            for b in range(-1, VALUE_BINS):
                idx = np.flatnonzero((bins == b) if mask is None else (bins == b) & mask)
                if b < 0:
                    rgba = MISSING_VALUE_COLOUR
                else:
                    rgba = tuple(int(c) for c in vc.lut[(2 * b + 1) * 128 // VALUE_BINS])
                groups.append((idx, rgba, POINTS_Z + (b + 1) * 1e-3))
            return groups
        if self.labels is None:
            idx = np.arange(self.count) if mask is None else np.flatnonzero(mask)
            return [(idx, UNLABELLED_COLOUR, POINTS_Z)]
        shown = np.arange(self.count) if mask is None else np.flatnonzero(mask)
        order = shown[np.argsort(self.labels[shown], kind="stable")]
        bounds = np.searchsorted(self.labels[order], np.arange(len(self.class_colours) + 1))
        groups = []
        for k, colour in enumerate(self.displayed_class_colours()):
            idx = order[bounds[k] : bounds[k + 1]]
            z = POINTS_Z + k * 1e-3 + COLOURED_SUBSET_Z * self.class_coloured[k]
            groups.append((idx, tuple(int(c) for c in colour), z))
        return groups

    def _update_scatter(self) -> None:
        groups = self._groups()
        while len(self._scatter_items) < len(groups):
            item = InertScatterPlotItem(pxMode=True, useCache=True, antialias=True)
            item.setOpacity(self._opacity)
            self._vb.addItem(item)
            self._scatter_items.append(item)
        pen = pg.mkPen(255, 255, 255, 200, width=0.8)
        for item, (idx, rgba, z) in zip(self._scatter_items, groups, strict=False):
            if idx.size == 0:
                item.setVisible(False)
                item.clear()
                continue
            xy = self.xy[idx]
            item.setData(
                x=xy[:, 0],
                y=xy[:, 1],
                size=MARKER_SIZE,
                symbol="o",
                pen=pen,
                brush=pg.mkBrush(*rgba[:3], 235),
            )
            item.setZValue(z)
            item.setVisible(True)
        for item in self._scatter_items[len(groups) :]:
            item.setVisible(False)
            item.clear()

    def _hide_scatter(self) -> None:
        for item in self._scatter_items:
            if item.isVisible():
                item.setVisible(False)
                item.clear()


def make_value_colouring(
    values: np.ndarray,
    label: str,
    vmin: float | None = None,
    vmax: float | None = None,
    colormap: str = "viridis",
    lut_range: tuple[float, float] = (0.0, 1.0),
) -> ValueColouring:
    """Build a :class:`ValueColouring`, defaulting the range to min..max."""
    lo, hi = default_value_range(values)
    lo = lo if vmin is None else float(vmin)
    hi = hi if vmax is None else float(vmax)
    return ValueColouring(
        values=np.asarray(values, np.float64),
        label=label,
        vmin=lo,
        vmax=hi,
        lut=sequential_lut(colormap, *lut_range),
    )


def class_names_or_default(class_names: Sequence[str], labels: np.ndarray | None) -> list[str]:
    """Class names, padded with 'class k' when labels exceed the names given."""
    names = list(class_names)
    if labels is not None and labels.size:
        for k in range(len(names), int(labels.max()) + 1):
            names.append(f"class {k}")
    return names
