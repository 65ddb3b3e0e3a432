"""One class of the map's legend: a swatch and the class name, elided to fit."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.map.map_colours import NEUTRAL_CLASS_COLOUR

SWATCH = 12
_ICON_SPACING = 4  # px between the swatch and the name, as QPushButton lays them out


def _swatch_icon(rgba: Sequence[int]) -> QtGui.QIcon:
    """A filled disc when the class is shown (checked), a hollow ring when not."""
    icon = QtGui.QIcon()
    colour = QtGui.QColor(*(int(c) for c in rgba[:3]))
    for state, filled in ((QtGui.QIcon.State.On, True), (QtGui.QIcon.State.Off, False)):
        pixmap = QtGui.QPixmap(2 * SWATCH, 2 * SWATCH)
        pixmap.setDevicePixelRatio(2.0)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        outline = colour.darker(125) if filled else QtGui.QColor(160, 160, 160)
        painter.setPen(QtGui.QPen(outline, 1.5))
        painter.setBrush(colour if filled else QtCore.Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QtCore.QRectF(1.5, 1.5, SWATCH - 3, SWATCH - 3))
        painter.end()
        for mode in (QtGui.QIcon.Mode.Normal, QtGui.QIcon.Mode.Active):
            icon.addPixmap(pixmap, mode, state)
    return icon


class ClassToggle(QtWidgets.QPushButton):
    """One legend entry; checked means the class is drawn. A click shows or hides the class,
    a double click shows it alone, and Ctrl+click puts it in or out of the coloured subset
    (``colour_toggled``) without hiding it. A long name is elided in the middle, where names
    such as 'person 14' and 'person 15' do not differ; the tooltip has all of it."""

    double_clicked = QtCore.Signal()
    colour_toggled = QtCore.Signal()

    def __init__(self, name: str, rgba: Sequence[int], count: int, parent=None):
        super().__init__(parent)
        self.setText(name)
        self._icons = (_swatch_icon(rgba), _swatch_icon(NEUTRAL_CLASS_COLOUR))
        self._ctrl_pressed = False
        self.neutral = False
        self.setIcon(self._icons[0])
        self.setIconSize(QtCore.QSize(SWATCH, SWATCH))
        self.setCheckable(True)
        self.setChecked(True)
        self.setFlat(True)
        policy = QtWidgets.QSizePolicy.Policy
        self.setSizePolicy(policy.Expanding, policy.Fixed)
        self.setToolTip(
            f"{name}: {count:,} points\nClick to show/hide, double-click to show only this,\n"
            "Ctrl+click to colour only the Ctrl+clicked classes"
        )
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)

    def set_neutral(self, neutral: bool) -> None:
        """Grey swatch while the class is drawn grey: colouring by value, or a coloured subset
        that leaves this class out."""
        self.neutral = neutral
        self.setIcon(self._icons[1 if neutral else 0])

    def shown_text(self) -> str:
        """The name as drawn, elided to the button's width."""
        option = QtWidgets.QStyleOptionButton()
        self.initStyleOption(option)
        contents = self.style().subElementRect(
            QtWidgets.QStyle.SubElement.SE_PushButtonContents, option, self
        )
        room = max(0, contents.width() - self.iconSize().width() - _ICON_SPACING)
        return self.fontMetrics().elidedText(self.text(), QtCore.Qt.TextElideMode.ElideMiddle, room)

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(3 * SWATCH + 2 * _ICON_SPACING, super().minimumSizeHint().height())

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self._ctrl_pressed = bool(event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        self._ctrl_pressed = False  # Space toggles visibility, as a plain click does
        super().keyPressEvent(event)

    def nextCheckState(self) -> None:
        if self._ctrl_pressed:
            self.colour_toggled.emit()  # the class stays shown or hidden as it was
            return
        super().nextCheckState()

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        self.double_clicked.emit()
        event.accept()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        option = QtWidgets.QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.shown_text()  # the style elides on the right, and only sometimes
        painter = QtWidgets.QStylePainter(self)
        painter.drawControl(QtWidgets.QStyle.ControlElement.CE_PushButton, option)
