"""A light grid behind the latent map.

pyqtgraph's own grid (``PlotItem.showGrid``) is drawn by the axes as a
QPicture spanning the whole view and cost ~11 ms per frame here; this item
draws the same major/minor lines directly in device pixels in well under 1 ms.
"""

from __future__ import annotations

import logging
import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

_log = logging.getLogger(__name__)

Z_GRID = -200.0  # under the backdrop image, which hides it
_LEVEL_ALPHA = (38, 16)  # major, minor


class GridItem(pg.GraphicsObject):
    """Vertical/horizontal lines at the tick positions of two AxisItems."""

    def __init__(self, x_axis: pg.AxisItem, y_axis: pg.AxisItem, rgb=(0, 0, 0)) -> None:
        super().__init__()
        self._axes = (x_axis, y_axis)
        self._pens = []
        for alpha in _LEVEL_ALPHA:
            pen = QtGui.QPen(QtGui.QColor(*rgb, alpha))
            pen.setCosmetic(True)
            pen.setWidth(1)
            self._pens.append(pen)
        self._bounds = QtCore.QRectF()
        self._lines: list[list[QtCore.QLineF]] = []
        self._lines_key: tuple | None = None
        self.setZValue(Z_GRID)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        return None, None  # never part of auto-range

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._bounds)

    def viewRangeChanged(self) -> None:
        vb = self.getViewBox()
        if vb is not None:
            self.prepareGeometryChange()
            self._bounds = vb.viewRect()
            self.update()

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        # An exception escaping a paint override crashes PySide6 6.12.
        painter.save()
        try:
            self._paint(painter)
        except Exception:
            _log.exception("drawing the map grid failed")
        finally:
            painter.restore()

    def _paint(self, painter: QtGui.QPainter) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        world = painter.transform()
        (x0, x1), (y0, y1) = vb.viewRange()
        device = world.mapRect(vb.viewRect())
        if device.width() < 2 or device.height() < 2:
            return
        key = (_transform_key(world), x0, x1, y0, y1)
        if key != self._lines_key:  # the ticks are Python work: once per view, not per paint
            self._lines = self._device_lines(world, device, ((x0, x1), (y0, y1)))
            self._lines_key = key
        painter.resetTransform()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for level, lines in enumerate(self._lines):
            painter.setPen(self._pens[level])
            painter.drawLines(lines)

    def _device_lines(self, world: QtGui.QTransform, device: QtCore.QRectF, ranges) -> list:
        """The grid's lines in device pixels, one list per level (major, minor)."""
        per_level: list[list[QtCore.QLineF]] = [[] for _ in self._pens]
        for axis_index, (lo, hi) in enumerate(ranges):
            length = device.width() if axis_index == 0 else device.height()
            levels = self._axes[axis_index].tickValues(lo, hi, length)
            for level, (_spacing, values) in enumerate(levels[: len(self._pens)]):
                for v in values:
                    if axis_index == 0:
                        px = math.floor(world.map(QtCore.QPointF(v, 0)).x()) + 0.5
                        line = QtCore.QLineF(px, device.top(), px, device.bottom())
                    else:
                        py = math.floor(world.map(QtCore.QPointF(0, v)).y()) + 0.5
                        line = QtCore.QLineF(device.left(), py, device.right(), py)
                    per_level[level].append(line)
        return per_level


def _transform_key(t: QtGui.QTransform) -> tuple[float, ...]:
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
