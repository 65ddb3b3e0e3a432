"""The colour bar of the map's legend in value mode: a vertical gradient with three ticks."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets


def _format_tick(value: float, span: float) -> str:
    """Same decimals for every tick, enough to tell min, mid and max apart."""
    if span <= 0 or not np.isfinite(span):
        return f"{value:.3g}"
    magnitude = max(abs(value), span)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.2e}"
    decimals = max(0, 2 - math.floor(math.log10(span)))
    return f"{value:.{decimals}f}"


class ColourBar(QtWidgets.QWidget):
    """A vertical gradient (high values on top) with min / mid / max ticks."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lut = np.zeros((256, 4), np.uint8)
        self._vmin, self._vmax = 0.0, 1.0
        self.setMinimumHeight(130)
        policy = QtWidgets.QSizePolicy.Policy
        self.setSizePolicy(policy.Preferred, policy.Fixed)

    @property
    def value_range(self) -> tuple[float, float]:
        return self._vmin, self._vmax

    def set_range(self, lut: np.ndarray, vmin: float, vmax: float) -> None:
        self._lut, self._vmin, self._vmax = lut, vmin, vmax
        self.update()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(120, 140)

    def paintEvent(self, event) -> None:
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        fm = painter.fontMetrics()
        top, bottom = fm.height() // 2 + 2, self.height() - fm.height() // 2 - 2
        bar = QtCore.QRectF(6, top, 16, bottom - top)
        gradient = QtGui.QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for i in range(0, 256, 15):
            gradient.setColorAt(i / 255, QtGui.QColor(*(int(c) for c in self._lut[i])))
        gradient.setColorAt(1.0, QtGui.QColor(*(int(c) for c in self._lut[255])))
        painter.fillRect(bar, gradient)
        painter.setPen(QtGui.QPen(QtGui.QColor(90, 90, 90), 1))
        painter.drawRect(bar)
        painter.setPen(self.palette().color(QtGui.QPalette.ColorRole.WindowText))
        for frac in (0.0, 0.5, 1.0):
            y = bar.bottom() - frac * bar.height()
            value = self._vmin + frac * (self._vmax - self._vmin)
            painter.drawLine(QtCore.QPointF(bar.right(), y), QtCore.QPointF(bar.right() + 4, y))
            anchor = QtCore.QPointF(bar.right() + 7, y + fm.ascent() / 2 - 1)
            painter.drawText(anchor, _format_tick(value, self._vmax - self._vmin))
        painter.end()
