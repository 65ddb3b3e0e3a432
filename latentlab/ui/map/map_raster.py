"""Draw many points as an image.

Above a few tens of thousands of points, QPainter cost per marker dominates
every frame. Here the points are painted with numpy into a screen-sized image
instead (cost ~linear in N with a tiny constant, independent of overlap), and
that image is blitted at device resolution. Re-rasterising happens inside
``paint``, so exactly once per drawn frame and only when the view changed.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

_log = logging.getLogger(__name__)

# Dot radius (pixels) by how many points are inside the view: dense views get
# small dots so structure stays visible, sparse (zoomed-in) views get dots about
# as large as the scatter markers used for small data sets.
_RADIUS_STEPS = ((20_000, 1), (2_000, 2))
_SPARSE_RADIUS = 3


def dot_radius(points_in_view: int) -> int:
    """Dot radius in pixels for a view showing this many points."""
    for above, radius in _RADIUS_STEPS:
        if points_in_view > above:
            return radius
    return _SPARSE_RADIUS


def _device_radius(radius: int, pixel_ratio: float) -> int:
    """A radius in logical pixels, in device pixels (same dot diameter)."""
    return max(1, round((radius + 0.5) * pixel_ratio - 0.5))


def _max_along(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Running maximum over a window of 2*radius+1 along one axis."""
    out = a.copy()
    n = a.shape[axis]
    for s in range(1, min(radius, n - 1) + 1):
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(s, None), slice(None, -s)
        np.maximum(out[tuple(lo)], a[tuple(hi)], out=out[tuple(lo)])
        np.maximum(out[tuple(hi)], a[tuple(lo)], out=out[tuple(hi)])
    return out


def _dilate_disc(rank: np.ndarray, radius: int) -> np.ndarray:
    """Grey dilation with a disc, as a union of separable rectangles.

    Max over paint ranks means the point painted last wins every pixel its disc
    covers, i.e. painter's-algorithm order."""
    if radius <= 1:
        return _max_along(_max_along(rank, radius, 1), radius, 0)
    # Half-width of the disc at each row offset; a rectangle whose width equals
    # the next one's lies inside it and is skipped.
    widths = [math.floor(math.sqrt((radius + 0.5) ** 2 - dy**2)) for dy in range(radius + 1)]
    rows = [dy for dy in range(radius + 1) if dy == radius or widths[dy] > widths[dy + 1]]
    out = None
    for dy in rows:
        part = _max_along(_max_along(rank, widths[dy], 1), dy, 0)
        out = part if out is None else np.maximum(out, part, out=out)
    return out


def rasterise(
    xs: np.ndarray,
    ys: np.ndarray,
    colours: np.ndarray,
    keep: np.ndarray | None,
    scale: tuple[float, float],
    offset: tuple[float, float],
    size: tuple[int, int],
    radius: int | None = None,
    pixel_ratio: float = 1.0,
) -> tuple[np.ndarray, int]:
    """Paint points as opaque dots, in array order (later points on top).

    xs, ys: (N,) float32 data coordinates, already in paint order.
    colours: (N+1,) uint32 premultiplied ARGB per point; colours[-1] is the
        empty pixel (0 = transparent).
    keep: (N,) bool or None; False points are not drawn.
    scale, offset: pixel = data * scale + offset, per axis (no rotation).
    size: (width, height) of the image in pixels.
    radius: dot radius in pixels, or None to pick by the number of points in view.
    pixel_ratio: device pixels per logical pixel; dots grow with it so they
        keep their on-screen size on high-DPI screens.
    Returns the (height, width) uint32 image and the number of points in view.
    """
    width, height = size
    n = xs.shape[0]
    if n == 0 or width <= 0 or height <= 0:
        return np.zeros((max(height, 0), max(width, 0)), np.uint32), 0
    # Paint into a margin so dots of points just outside the view still reach in.
    pad = _device_radius(_SPARSE_RADIUS, pixel_ratio)
    wp, hp = width + 2 * pad, height + 2 * pad
    px = xs * np.float32(scale[0])
    px += np.float32(offset[0] + pad)
    py = ys * np.float32(scale[1])
    py += np.float32(offset[1] + pad)
    # Clipping keeps the int cast defined when zoomed far in; -1 and wp fall out.
    np.clip(px, -1, wp, out=px)
    np.clip(py, -1, hp, out=py)
    ix = px.astype(np.int32)
    iy = py.astype(np.int32)
    # One unsigned comparison per axis rejects both negative and too-large.
    inside = ix.view(np.uint32) < wp
    inside &= iy.view(np.uint32) < hp
    if keep is not None:
        inside &= keep
    flat = iy
    flat *= wp
    flat += ix
    dump = wp * hp  # out-of-view points are all written to one spare slot
    np.copyto(flat, dump, where=~inside)
    ranks = np.full(dump + 1, -1, dtype=np.int32)
    # numpy applies repeated fancy-index writes in order, so for each pixel
    # the last point in paint order stays (asserted by a test).
    ranks[flat] = np.arange(n, dtype=np.int32)
    rank = ranks[:dump].reshape(hp, wp)
    in_view = int(np.count_nonzero(inside))
    r = _device_radius(dot_radius(in_view) if radius is None else radius, pixel_ratio)
    rank = _dilate_disc(rank, r)[pad : pad + height, pad : pad + width]
    # rank -1 (empty) picks colours[-1]: transparent.
    return colours[rank], in_view


class RasterScatterItem(pg.GraphicsObject):
    """A pyqtgraph item that draws points through :func:`rasterise`.

    Works in data coordinates inside a ViewBox; ``paint`` renders the visible
    part of the view at device-pixel resolution and caches the image until the
    view or the data change."""

    def __init__(self) -> None:
        super().__init__()
        self._xs = np.zeros(0, np.float32)
        self._ys = np.zeros(0, np.float32)
        self._colours = np.zeros(1, np.uint32)
        self._keep: np.ndarray | None = None
        self._bounds = QtCore.QRectF()
        self._data_rect: tuple[float, float, float, float] | None = None
        self._cache_key: tuple | None = None
        self._cache_image: QtGui.QImage | None = None
        self._cache_array: np.ndarray | None = None
        self.points_in_view = 0
        self.last_raster_ms = 0.0

    def set_points(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        colours: np.ndarray,
        keep: np.ndarray | None,
    ) -> None:
        """Replace the points (in paint order) and their packed colours."""
        self._xs = np.ascontiguousarray(xs, dtype=np.float32)
        self._ys = np.ascontiguousarray(ys, dtype=np.float32)
        self._colours = np.ascontiguousarray(colours, dtype=np.uint32)
        self._keep = None if keep is None or keep.all() else np.ascontiguousarray(keep)
        xs_kept = self._xs if self._keep is None else self._xs[self._keep]
        ys_kept = self._ys if self._keep is None else self._ys[self._keep]
        if xs_kept.size:
            self._data_rect = (
                float(np.nanmin(xs_kept)),
                float(np.nanmax(xs_kept)),
                float(np.nanmin(ys_kept)),
                float(np.nanmax(ys_kept)),
            )
        else:
            self._data_rect = None
        self._cache_key = None
        self.update()

    # -- pyqtgraph item protocol ------------------------------------------
    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        """Extent of the drawn points along one axis (used by auto-range)."""
        if self._data_rect is None:
            return None, None
        return self._data_rect[2 * ax : 2 * ax + 2]

    def pixelPadding(self) -> float:
        return float(_SPARSE_RADIUS + 1)

    def boundingRect(self) -> QtCore.QRectF:
        # The whole view: what we paint depends on the view, not on the data.
        return QtCore.QRectF(self._bounds)

    def viewRangeChanged(self) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        self.prepareGeometryChange()
        self._bounds = vb.viewRect()
        self.update()

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        # An exception escaping a paint override takes PySide6 6.12 down with a
        # segfault; log it and skip the frame instead.
        try:
            self._paint(painter)
        except Exception:
            _log.exception("rasterising the latent map failed")

    def _paint(self, painter: QtGui.QPainter) -> None:
        if self._xs.size == 0:
            return
        vb = self.getViewBox()
        if vb is None:
            return
        world = painter.transform()
        if world.m12() != 0.0 or world.m21() != 0.0:
            return  # rotated views are not used by the map
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        target = world.mapRect(vb.viewRect())
        left, top = math.floor(target.left()), math.floor(target.top())
        width = math.ceil(target.right() * dpr) - math.floor(left * dpr)
        height = math.ceil(target.bottom() * dpr) - math.floor(top * dpr)
        scale = (world.m11() * dpr, world.m22() * dpr)
        offset = ((world.dx() - left) * dpr, (world.dy() - top) * dpr)
        key = (scale, offset, width, height)
        if key != self._cache_key:
            t0 = QtCore.QElapsedTimer()
            t0.start()
            image, self.points_in_view = rasterise(
                self._xs,
                self._ys,
                self._colours,
                self._keep,
                scale,
                offset,
                (width, height),
                pixel_ratio=dpr,
            )
            self._cache_array = image  # QImage does not own the buffer
            fmt = QtGui.QImage.Format.Format_ARGB32_Premultiplied
            qimage = QtGui.QImage(image.data, width, height, 4 * width, fmt)
            qimage.setDevicePixelRatio(dpr)
            self._cache_image = qimage
            self._cache_key = key
            self.last_raster_ms = t0.nsecsElapsed() / 1e6
        painter.save()
        painter.resetTransform()
        painter.drawImage(QtCore.QPointF(left, top), self._cache_image)
        painter.restore()
