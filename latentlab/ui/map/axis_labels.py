"""Axis titles of the map that fit their axis: a long one ("PCA plane, turned 166° and
mirrored to keep the last map's layout") ends in "…" and its axis shows all of it as a tooltip."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

_POINT_SIZE = 10
_MARGIN_PX = 12  # the label item's document margins, and some air at the ends


class AxisTitles(QtCore.QObject):
    """Owns the full titles of a plot's bottom and left axes and re-elides them whenever an
    axis changes length."""

    def __init__(self, plot_item: pg.PlotItem, colour: str) -> None:
        super().__init__()
        self._plot = plot_item
        self._style = {"color": colour, "font-size": f"{_POINT_SIZE}pt"}
        self._full = {"bottom": "", "left": ""}
        self._shown: dict[str, str | None] = {"bottom": None, "left": None}
        self._overhead = {"bottom": 8.0, "left": 8.0}  # px of a label beside its text
        font = QtGui.QFont()
        font.setPointSizeF(_POINT_SIZE)
        self._metrics = QtGui.QFontMetrics(font)
        for name in self._full:
            plot_item.getAxis(name).geometryChanged.connect(self._fit)

    def set_titles(self, x: str, y: str) -> None:
        self._full = {"bottom": x, "left": y}
        self._fit()

    def full_text(self, name: str) -> str:
        """The title given for axis ``name`` ('bottom' or 'left')."""
        return self._full[name]

    def shown_text(self, name: str) -> str:
        """The title as drawn: elided when it is longer than its axis."""
        return self._shown[name] or ""

    def _fit(self) -> None:
        for name, full in self._full.items():
            axis = self._plot.getAxis(name)
            length = axis.width() if name == "bottom" else axis.height()
            shown = self._fitted(name, full, int(length) - _MARGIN_PX)
            axis.setToolTip(full if shown != full else "")

    def _fitted(self, name: str, full: str, room: int) -> str:
        """Show the longest title that fits ``room`` px. Measured on the label as drawn: it
        has margins, and may carry pyqtgraph's scale suffix ("(x0.001)") after the text."""
        label = self._plot.getAxis(name).label
        overhead = self._overhead[name]
        shown = full
        for _ in range(3):  # converges in one step, or two when the suffix comes or goes
            shown = full
            if room > 0:
                mode = QtCore.Qt.TextElideMode.ElideRight
                shown = self._metrics.elidedText(full, mode, max(0, room - round(overhead)))
            self._show(name, shown)
            drawn = label.boundingRect().width() - self._metrics.horizontalAdvance(shown)
            grew = drawn > overhead + 0.5
            overhead = drawn
            if not grew:
                break
        self._overhead[name] = overhead  # a suffix gone leaves room for the next fit
        return shown

    def _show(self, name: str, text: str) -> str:
        if text != self._shown[name]:
            self._shown[name] = text
            self._plot.setLabel(name, html.escape(text), **self._style)
        return text
