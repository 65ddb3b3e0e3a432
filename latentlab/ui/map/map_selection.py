"""Selecting points on the latent map: rectangle, lasso and ctrl-click.

The view's part of selection: it draws the shape being dragged and rings the selected
points, and turns a finished shape into row indices with the Qt-free geometry in
``latentlab.latent.selection``. What a selection is used for (named groups, export) is
the app's business.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from latentlab.latent.selection import points_in_polygon, points_in_rectangle, simplify_lasso
from latentlab.ui.map.map_points import InertScatterPlotItem, PointsLayer

SELECTION_TOOLS = ("click", "rectangle", "lasso")
Z_SELECTION = 55.0  # above the points and the path, under named extra points
# Near-black rings on a white halo read over every class colour (orange rings were taken
# for class 1's points).
SELECTED_COLOUR = (20, 20, 20)
LASSO_STEP_PX = 3.0  # mouse moves closer than this add no lasso vertex

_ADD = (
    QtCore.Qt.KeyboardModifier.ShiftModifier.value
    | QtCore.Qt.KeyboardModifier.ControlModifier.value
)
_REMOVE = QtCore.Qt.KeyboardModifier.AltModifier.value


class MapSelection(QtCore.QObject):
    """Selected rows of the map's points, the selection tools and their drawing."""

    changed = QtCore.Signal(object)  # np.ndarray of selected row indices, sorted

    def __init__(self, view_box: pg.ViewBox, points: PointsLayer) -> None:
        super().__init__()
        self._view_box = view_box
        self._points = points
        self.tool = "click"
        self.rows = np.zeros(0, dtype=np.intp)
        self._shape: list[tuple[float, float]] = []
        self._modifiers = 0

        self._halo = InertScatterPlotItem(pxMode=True, antialias=True)
        self._halo.setZValue(Z_SELECTION - 0.1)
        self._rings = InertScatterPlotItem(pxMode=True, antialias=True)
        self._rings.setZValue(Z_SELECTION)
        self._outline = pg.PlotCurveItem(
            pen=pg.mkPen(*SELECTED_COLOUR, width=1.6, style=QtCore.Qt.PenStyle.DashLine)
        )
        self._outline.setZValue(Z_SELECTION + 1)
        for item in (self._halo, self._rings, self._outline):
            item.setVisible(False)
            view_box.addItem(item, ignoreBounds=True)

    # -- tools ----------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        """'click' (left drag scrubs), 'rectangle' or 'lasso' (left drag selects)."""
        if tool not in SELECTION_TOOLS:
            raise ValueError(f"unknown selection tool {tool!r}; choose from {SELECTION_TOOLS}")
        self.tool = tool
        self._shape = []
        self._outline.setVisible(False)

    def on_shape_dragged(
        self, x: float, y: float, started: bool, finished: bool, modifiers: int
    ) -> None:
        """One step of a rectangle or lasso drag (from the view box)."""
        if started:
            self._shape = [(x, y)]
            self._modifiers = modifiers
            return
        if not self._shape:
            return
        if self.tool == "lasso":
            last_x, last_y = self._shape[-1]
            pixel = max(self._view_box.viewPixelSize())
            if np.hypot(x - last_x, y - last_y) >= LASSO_STEP_PX * pixel or finished:
                self._shape.append((x, y))
        else:
            self._shape = [self._shape[0], (x, y)]
        self._draw_outline()
        if finished:
            self._finish_shape()

    def _draw_outline(self) -> None:
        outline = self.shape_outline()
        closed = np.vstack([outline, outline[:1]]) if len(outline) else outline
        self._outline.setData(closed[:, 0], closed[:, 1])
        self._outline.setVisible(len(outline) > 1)

    def shape_outline(self) -> np.ndarray:
        """The shape being drawn as polygon vertices (K, 2)."""
        if self.tool == "rectangle" and len(self._shape) == 2:
            (x0, y0), (x1, y1) = self._shape
            return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
        return np.asarray(self._shape, dtype=np.float64).reshape(-1, 2)

    def _finish_shape(self) -> None:
        xy = self._points.xy
        if self.tool == "rectangle" and len(self._shape) == 2:
            inside = points_in_rectangle(xy, self._shape[0], self._shape[1])
        else:
            pixel = max(self._view_box.viewPixelSize())
            polygon = simplify_lasso(np.asarray(self._shape, np.float64), pixel)
            inside = points_in_polygon(xy, polygon)
        visible = self._points.point_visible()
        if visible is not None:
            inside &= visible  # hidden classes cannot be picked
        self._shape = []
        self._outline.setVisible(False)
        self.select_region(np.flatnonzero(inside), self._modifiers)

    def select_region(self, rows: np.ndarray, modifiers: int = 0) -> None:
        """Replace the selection with ``rows``; shift/ctrl add to it, alt removes from it."""
        rows = np.asarray(rows, dtype=np.intp)
        if modifiers & _REMOVE:
            rows = np.setdiff1d(self.rows, rows)
        elif modifiers & _ADD:
            rows = np.union1d(self.rows, rows)
        self.set_rows(rows)

    def toggle(self, row: int) -> None:
        """Add ``row`` to the selection, or take it out if it is in (ctrl-click)."""
        if row in self.rows:
            self.set_rows(self.rows[self.rows != row])
        else:
            self.set_rows(np.append(self.rows, row))

    # -- state ----------------------------------------------------------------
    def set_rows(self, rows: np.ndarray, *, notify: bool = True) -> None:
        """Select exactly ``rows`` (indices into the map's points)."""
        rows = np.unique(np.asarray(rows, dtype=np.intp))
        rows = rows[(rows >= 0) & (rows < self._points.count)]
        self.rows = rows
        self.redraw()
        if notify:
            self.changed.emit(rows.copy())

    def clear(self, *, notify: bool = True) -> None:
        self.set_rows(np.zeros(0, dtype=np.intp), notify=notify)

    def redraw(self) -> None:
        """Ring the selected points where they are now (after the points moved)."""
        if len(self.rows) == 0:
            for item in (self._halo, self._rings):
                item.setVisible(False)
                item.clear()
            return
        xy = self._points.xy[self.rows]
        for item, pen in (
            (self._halo, pg.mkPen(255, 255, 255, 230, width=3.6)),
            (self._rings, pg.mkPen(*SELECTED_COLOUR, width=1.5)),
        ):
            item.setData(x=xy[:, 0], y=xy[:, 1], symbol="o", size=10, pen=pen, brush=None)
            item.setVisible(True)
