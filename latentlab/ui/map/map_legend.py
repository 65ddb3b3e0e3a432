"""Side panel of the latent map: a colour bar in value mode and one toggle per
class (click shows/hides the class, double-click shows it alone)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

_SWATCH = 12
_NEUTRAL = (150, 150, 150)
_STYLE = """
#MapLegend { background: white; border-left: 1px solid #d4d4d4; }
#MapLegend QScrollArea, #MapLegend QScrollArea > QWidget > QWidget { background: transparent; }
#MapLegend QPushButton {
    border: none; border-radius: 3px; padding: 3px 6px; text-align: left; color: #222;
}
#MapLegend QPushButton:hover { background: #e9eef5; }
#MapLegend QPushButton:!checked { color: #9a9a9a; }
#MapLegend QLabel[role="title"] { font-weight: 600; color: #333; }
"""


def _swatch_icon(rgba: Sequence[int]) -> QtGui.QIcon:
    """A filled disc when the class is shown (checked), a hollow ring when not."""
    icon = QtGui.QIcon()
    colour = QtGui.QColor(*(int(c) for c in rgba[:3]))
    for state, filled in ((QtGui.QIcon.State.On, True), (QtGui.QIcon.State.Off, False)):
        pixmap = QtGui.QPixmap(2 * _SWATCH, 2 * _SWATCH)
        pixmap.setDevicePixelRatio(2.0)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        outline = colour.darker(125) if filled else QtGui.QColor(160, 160, 160)
        painter.setPen(QtGui.QPen(outline, 1.5))
        painter.setBrush(colour if filled else QtCore.Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QtCore.QRectF(1.5, 1.5, _SWATCH - 3, _SWATCH - 3))
        painter.end()
        for mode in (QtGui.QIcon.Mode.Normal, QtGui.QIcon.Mode.Active):
            icon.addPixmap(pixmap, mode, state)
    return icon


class ClassToggle(QtWidgets.QPushButton):
    """One legend entry; checked means the class is drawn."""

    double_clicked = QtCore.Signal()

    def __init__(self, name: str, rgba: Sequence[int], count: int, parent=None):
        super().__init__(parent)
        self.setText(name)
        self._icons = (_swatch_icon(rgba), _swatch_icon(_NEUTRAL))
        self.setIcon(self._icons[0])
        self.setIconSize(QtCore.QSize(_SWATCH, _SWATCH))
        self.setCheckable(True)
        self.setChecked(True)
        self.setFlat(True)
        policy = QtWidgets.QSizePolicy.Policy
        self.setSizePolicy(policy.Expanding, policy.Fixed)
        self.setToolTip(
            f"{name}: {count:,} points\nClick to show/hide, double-click to show only this"
        )
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)

    def set_neutral(self, neutral: bool) -> None:
        """Grey swatch while points are coloured by value, not by class."""
        self.setIcon(self._icons[1 if neutral else 0])

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        self.double_clicked.emit()
        event.accept()


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


class MapLegend(QtWidgets.QWidget):
    """Class toggles and, in value mode, a titled colour bar."""

    class_toggled = QtCore.Signal(int, bool)  # class index, now shown
    class_soloed = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("MapLegend")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_STYLE)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 6)
        layout.setSpacing(4)

        self._value_title = QtWidgets.QLabel()
        self._value_title.setWordWrap(True)
        self._value_title.setProperty("role", "title")
        self._colour_bar = ColourBar()
        layout.addWidget(self._value_title)
        layout.addWidget(self._colour_bar)

        self._classes_title = QtWidgets.QLabel("Classes")
        self._classes_title.setProperty("role", "title")
        layout.addWidget(self._classes_title)

        self._rows_widget = QtWidgets.QWidget()
        self._rows = QtWidgets.QVBoxLayout(self._rows_widget)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(0)
        self._rows.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self._rows_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll = scroll
        layout.addWidget(scroll, 1)

        self.toggles: list[ClassToggle] = []
        self.clear_colour_bar()
        self._update_visibility()

    def set_classes(self, names: Sequence[str], colours: np.ndarray, counts: Sequence[int]) -> None:
        """Replace the class rows (all shown)."""
        for toggle in self.toggles:
            self._rows.removeWidget(toggle)
            toggle.deleteLater()
        self.toggles = []
        for k, (name, rgba, count) in enumerate(zip(names, colours, counts, strict=True)):
            toggle = ClassToggle(name, rgba, int(count))
            toggle.toggled.connect(lambda shown, k=k: self.class_toggled.emit(k, shown))
            toggle.double_clicked.connect(lambda k=k: self.class_soloed.emit(k))
            self._rows.insertWidget(k, toggle)
            self.toggles.append(toggle)
        self._update_visibility()

    def set_class_shown(self, index: int, shown: bool) -> None:
        """Reflect a class's visibility without emitting ``class_toggled``."""
        toggle = self.toggles[index]
        blocked = toggle.blockSignals(True)
        toggle.setChecked(shown)
        toggle.blockSignals(blocked)

    def set_colour_bar(self, title: str, lut: np.ndarray, vmin: float, vmax: float) -> None:
        """Show the value colour bar."""
        self._value_title.setText(title or "value")
        self._colour_bar.set_range(lut, vmin, vmax)
        self._value_title.setVisible(True)
        self._colour_bar.setVisible(True)
        for toggle in self.toggles:
            toggle.set_neutral(True)
        self._update_visibility()

    def clear_colour_bar(self) -> None:
        """Hide the value colour bar."""
        self._value_title.setVisible(False)
        self._colour_bar.setVisible(False)
        for toggle in self.toggles:
            toggle.set_neutral(False)
        self._update_visibility()

    @property
    def colour_bar_title(self) -> str:
        """What the colour bar measures ('' when it is hidden)."""
        return self._value_title.text() if self.colour_bar_visible else ""

    @property
    def colour_bar_range(self) -> tuple[float, float]:
        """The values at the colour bar's two ends."""
        return self._colour_bar.value_range

    @property
    def colour_bar_visible(self) -> bool:
        return not self._colour_bar.isHidden()

    def _update_visibility(self) -> None:
        has_classes = bool(self.toggles)
        self._classes_title.setVisible(has_classes)
        self._scroll.setVisible(has_classes)
        self.setVisible(has_classes or self.colour_bar_visible)

    def sizeHint(self) -> QtCore.QSize:
        width = max([t.sizeHint().width() for t in self.toggles] + [110])
        return QtCore.QSize(min(width + 24, 220), 300)
