"""A ViewBox with the latent map's mouse bindings.

Left button belongs to the app (press = decode here, drag = scrub, or with a
selection tool on, click = decode here and drag = draw a rectangle or lasso), so
panning moves to the right and middle buttons; the wheel zooms about the cursor and a double click
resets the view. pyqtgraph's context menu is disabled because a right-button
drag pans."""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6 import QtCore

_LEFT = QtCore.Qt.MouseButton.LeftButton
_PAN_BUTTONS = (QtCore.Qt.MouseButton.RightButton, QtCore.Qt.MouseButton.MiddleButton)


class MapViewBox(pg.ViewBox):
    """ViewBox emitting left clicks and drags in data coordinates."""

    left_clicked = QtCore.Signal(float, float, int)  # x, y, Qt.KeyboardModifier as int
    left_dragged = QtCore.Signal(float, float, bool)  # x, y, finished
    # With a selection tool on, left drags draw a shape instead of scrubbing:
    # x, y, started, finished, Qt.KeyboardModifier as int (of the drag's start).
    shape_dragged = QtCore.Signal(float, float, bool, bool, int)
    double_clicked = QtCore.Signal()

    def __init__(self, **kwargs) -> None:
        super().__init__(enableMenu=False, lockAspect=True, **kwargs)
        self.drawing_shapes = False  # set by the map when a selection tool is chosen

    def updateViewRange(self, forceX: bool = False, forceY: bool = False) -> None:
        super().updateViewRange(forceX, forceY)
        # pyqtgraph defers the new transform to the next paint; applying it then
        # moves every item mid-paint and schedules a second full repaint. Apply
        # it now so one view change costs one paint.
        self.updateMatrix()

    def mousePressEvent(self, ev) -> None:
        """A left press is the click: the image is decoded while the button is still down
        (a click holds it ~100 ms), not after pyqtgraph's release handling. The press is
        left unaccepted so pyqtgraph still makes its click, double-click and drag events."""
        ev.ignore()
        if ev.button() == _LEFT and not self.drawing_shapes:
            self._emit_left_clicked(ev)

    def mouseDoubleClickEvent(self, ev) -> None:
        ev.ignore()  # Qt's default presses again; pyqtgraph reports the double click

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != _LEFT:
            ev.accept()  # swallow right/middle clicks: no context menu
            return
        if not self.sceneBoundingRect().contains(ev.scenePos()):
            ev.ignore()
            return
        ev.accept()
        if ev.double():
            self.double_clicked.emit()
        elif self.drawing_shapes:  # a press starts a shape; only a click decodes
            self._emit_left_clicked(ev)

    def _emit_left_clicked(self, ev) -> None:
        # The axes forward their clicks here; a click on an axis is not a place.
        if self.sceneBoundingRect().contains(ev.scenePos()):
            pos = self.mapToView(ev.pos())
            self.left_clicked.emit(pos.x(), pos.y(), ev.modifiers().value)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() == _LEFT:
            if axis is not None:  # a drag that started on an axis
                ev.ignore()
                return
            ev.accept()
            pos = self.mapToView(ev.pos())
            if self.drawing_shapes:
                modifiers = ev.modifiers().value
                if ev.isStart():  # the shape starts where the button went down
                    down = self.mapToView(ev.buttonDownPos())
                    self.shape_dragged.emit(down.x(), down.y(), True, False, modifiers)
                self.shape_dragged.emit(pos.x(), pos.y(), False, ev.isFinish(), modifiers)
            else:
                self.left_dragged.emit(pos.x(), pos.y(), ev.isFinish())
            return
        if ev.button() not in _PAN_BUTTONS:
            ev.ignore()
            return
        ev.accept()
        # Translate so the data point under the cursor stays under it.
        delta = ev.lastPos() - ev.pos()
        inverse = fn.invertQTransform(self.childGroup.transform())
        shift = inverse.map(delta) - inverse.map(QtCore.QPointF(0, 0))
        self._resetTarget()
        # A drag on an axis (axis 0 or 1) pans along that axis only.
        self.translateBy(
            x=None if axis == 1 else shift.x(),
            y=None if axis == 0 else shift.y(),
        )
        self.sigRangeChangedManually.emit(self.state["mouseEnabled"])
