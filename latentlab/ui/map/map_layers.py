"""Overlays drawn with the latent map's points: the clicked-place marker, an
interpolation path, named extra point sets, hover/highlight rings and a
backdrop image in data coordinates.

Z order, bottom to top: backdrop < points < diffusion trajectories (trajectory_layer) < path <
extra points < rings < marker.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from latentlab.ui.map.map_points import InertScatterPlotItem

Z_BACKDROP = -100.0
Z_PATH = 50.0
Z_EXTRA = 60.0
Z_RINGS = 80.0
Z_MARKER = 100.0

INK = (25, 25, 30)
ACCENT = (214, 39, 40)  # the map's "you are here" red


def _crosshair_symbol() -> QtGui.QPainterPath:
    """A ring with four ticks, in pyqtgraph's unit symbol box (-0.5..0.5)."""
    path = QtGui.QPainterPath()
    path.addEllipse(QtCore.QPointF(0, 0), 0.25, 0.25)
    ticks = ((-0.5, 0, -0.3, 0), (0.3, 0, 0.5, 0), (0, -0.5, 0, -0.3), (0, 0.3, 0, 0.5))
    for x0, y0, x1, y1 in ticks:
        path.moveTo(x0, y0)
        path.lineTo(x1, y1)
    return path


class _Ring:
    """One marker drawn twice, a wide white halo under a narrower coloured
    stroke, so it reads on any points or backdrop."""

    def __init__(self, vb: pg.ViewBox, symbol, size: float, colour, width: float, z: float):
        self.halo = InertScatterPlotItem(pxMode=True, antialias=True)
        self.main = InertScatterPlotItem(pxMode=True, antialias=True)
        self._style = [
            (self.halo, pg.mkPen(255, 255, 255, 230, width=width + 2.5)),
            (self.main, pg.mkPen(*colour, width=width)),
        ]
        self._symbol, self._size = symbol, size
        for item, _ in self._style:
            item.setZValue(z)
            item.setVisible(False)
            vb.addItem(item)

    def set_position(self, x: float, y: float) -> None:
        """Move the ring: one spot drawn at the items' origin, the items moved (a click moves
        the marker; setting new data each time would rebuild the spots)."""
        for item, pen in self._style:
            if len(item.data) == 0:
                item.setData(
                    x=[0.0], y=[0.0], symbol=self._symbol, size=self._size, pen=pen, brush=None
                )
            item.setPos(x, y)
            item.setVisible(True)

    def clear(self) -> None:
        for item, _ in self._style:
            item.setVisible(False)

    @property
    def visible(self) -> bool:
        return self.main.isVisible()

    def position(self) -> tuple[float, float] | None:
        if not self.visible:
            return None
        return float(self.main.pos().x()), float(self.main.pos().y())


class MapOverlays:
    """Creates and updates every overlay item of one ViewBox."""

    def __init__(self, vb: pg.ViewBox) -> None:
        self._vb = vb
        self.marker = _Ring(vb, _crosshair_symbol(), 26, ACCENT, 2.0, Z_MARKER)
        self.hover_ring = _Ring(vb, "o", 13, INK, 1.5, Z_RINGS)
        self.highlight_ring = _Ring(vb, "o", 17, ACCENT, 2.0, Z_RINGS + 1)

        self._path_halo = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 220, width=5))
        self._path_line = pg.PlotCurveItem(pen=pg.mkPen(*INK, 220, width=2))
        self._keypoints = InertScatterPlotItem(pxMode=True, antialias=True)
        for z, item in enumerate((self._path_halo, self._path_line, self._keypoints)):
            item.setZValue(Z_PATH + z * 0.1)
            item.setVisible(False)
            vb.addItem(item)
        self._keypoint_labels: list[pg.TextItem] = []

        self._extra: dict[str, InertScatterPlotItem] = {}

        self._backdrop = pg.ImageItem(axisOrder="row-major")
        self._backdrop.setZValue(Z_BACKDROP)
        self._backdrop.setVisible(False)
        vb.addItem(self._backdrop, ignoreBounds=True)

    # -- path ---------------------------------------------------------------
    def set_path(
        self, points: np.ndarray, keypoint_labels: Sequence[str], keypoint_xy: np.ndarray
    ) -> None:
        """Polyline through ``points`` (M, 2) with labelled keypoints (K, 2)."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        keypoint_xy = np.asarray(keypoint_xy, np.float64).reshape(-1, 2)
        for curve in (self._path_halo, self._path_line):
            curve.setData(points[:, 0], points[:, 1])
            curve.setVisible(points.shape[0] > 1)
        self._keypoints.setData(
            x=keypoint_xy[:, 0],
            y=keypoint_xy[:, 1],
            symbol="o",
            size=11,
            pen=pg.mkPen(*INK, width=2),
            brush=pg.mkBrush(255, 255, 255),
        )
        self._keypoints.setVisible(keypoint_xy.shape[0] > 0)
        for text in self._keypoint_labels:
            self._vb.removeItem(text)
        self._keypoint_labels = []
        font = QtGui.QFont()
        font.setBold(True)
        font.setPointSizeF(10.5)
        for label, (x, y) in zip(keypoint_labels, keypoint_xy, strict=False):
            # Anchor at the text's bottom-left, nudged off the keypoint marker.
            text = pg.TextItem(
                str(label),
                color=INK,
                anchor=(-0.25, 1.1),
                fill=pg.mkBrush(255, 255, 255, 210),
                border=pg.mkPen(*INK, 120),
            )
            text.setFont(font)
            text.setPos(float(x), float(y))
            text.setZValue(Z_PATH + 0.5)
            self._vb.addItem(text, ignoreBounds=True)
            self._keypoint_labels.append(text)

    def clear_path(self) -> None:
        """Remove the path and its keypoint labels."""
        for item in (self._path_halo, self._path_line, self._keypoints):
            item.setVisible(False)
        for text in self._keypoint_labels:
            self._vb.removeItem(text)
        self._keypoint_labels = []

    @property
    def path_visible(self) -> bool:
        return self._keypoints.isVisible() or self._path_line.isVisible()

    def path_xy(self) -> np.ndarray:
        """(M, 2) points of the drawn path; empty when none is shown."""
        if not self._path_line.isVisible():
            return np.zeros((0, 2))
        x, y = self._path_line.getData()
        return np.column_stack([x, y])

    # -- extra point sets -------------------------------------------------
    def set_extra_points(self, name: str, xy: np.ndarray, symbol: str, colour, size: float) -> None:
        """Create or replace the named point set."""
        item = self._extra.get(name)
        if item is None:
            item = InertScatterPlotItem(pxMode=True, antialias=True)
            item.setZValue(Z_EXTRA + len(self._extra) * 0.01)
            self._vb.addItem(item)
            self._extra[name] = item
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        item.setData(
            x=xy[:, 0],
            y=xy[:, 1],
            symbol=symbol,
            size=size,
            pen=pg.mkPen(*INK, width=1.2),
            brush=pg.mkBrush(colour),
        )
        item.setVisible(True)

    def clear_extra_points(self, name: str) -> None:
        """Remove the named point set (no error when absent)."""
        item = self._extra.pop(name, None)
        if item is not None:
            self._vb.removeItem(item)

    def extra_point_names(self) -> list[str]:
        return list(self._extra)

    # -- backdrop ---------------------------------------------------------
    def set_backdrop(self, image: np.ndarray, rect: tuple[float, float, float, float]) -> None:
        """Show ``image`` (H, W) or (H, W, 3|4) uint8 over ``rect`` = (x0, y0,
        width, height) in data coordinates; row 0 is the top edge (largest y),
        as in an ordinary picture."""
        image = np.asarray(image)
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise ValueError(f"backdrop must be (H, W) or (H, W, 3|4), got {image.shape}")
        # Row-major ImageItem puts row 0 at y0 (bottom in a y-up view): flip.
        self._backdrop.setImage(
            np.ascontiguousarray(image[::-1]), levels=(0, 255), autoLevels=False
        )
        x0, y0, w, h = (float(v) for v in rect)
        self._backdrop.setRect(QtCore.QRectF(x0, y0, w, h))
        self._backdrop.setVisible(True)

    def clear_backdrop(self) -> None:
        """Hide the backdrop image."""
        self._backdrop.setVisible(False)
        self._backdrop.clear()

    def set_backdrop_opacity(self, opacity: float) -> None:
        """Opacity of the backdrop image, 0..1."""
        self._backdrop.setOpacity(float(np.clip(opacity, 0.0, 1.0)))

    @property
    def backdrop_visible(self) -> bool:
        return self._backdrop.isVisible()
