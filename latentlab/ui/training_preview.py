"""PreviewPanel: a titled image grid that scales to its space with sharp pixels."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.images import array_to_pixmap

_PLACEHOLDER_INK = "#808080"
_CAPTION_STYLE = "color: #707070;"
# Below this share of the space an integer zoom would waste, a fractional zoom is used.
_MIN_INTEGER_FILL = 0.8


def fitted_scale(image_size: QtCore.QSize, space: QtCore.QSize) -> tuple[float, bool]:
    """The zoom that fits ``image_size`` into ``space`` and whether to smooth it.

    Enlarging uses nearest pixels, at a whole zoom when that fills at least 80% of the fitted
    size: uneven pixel widths (1.5× makes every other pixel twice as wide) look like
    artefacts in a 16×16 digit. Shrinking is smoothed so thin grid lines never vanish.
    """
    if image_size.isEmpty() or space.isEmpty():
        return 1.0, False
    fit = min(space.width() / image_size.width(), space.height() / image_size.height())
    if fit < 1:
        return fit, True
    whole = math.floor(fit)
    return (float(whole) if whole / fit >= _MIN_INTEGER_FILL else fit), False


class PixelView(QtWidgets.QWidget):
    """Paints one pixmap centred and scaled to fit, or a grey placeholder text."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QtGui.QPixmap | None = None
        self._placeholder = ""
        self.setMinimumSize(64, 64)
        policy = QtWidgets.QSizePolicy.Policy.Expanding
        self.setSizePolicy(policy, policy)

    def pixmap(self) -> QtGui.QPixmap | None:
        """The image shown, at its own size (None while the placeholder shows)."""
        return self._pixmap

    def set_pixmap(self, pixmap: QtGui.QPixmap | None) -> None:
        self._pixmap = pixmap
        self.update()

    def set_placeholder(self, text: str) -> None:
        """Text shown while there is no image."""
        self._placeholder = text
        self.update()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(180, 180)

    def target_rect(self) -> QtCore.QRectF:
        """Where the image is drawn, in widget coordinates (empty without an image)."""
        if self._pixmap is None:
            return QtCore.QRectF()
        size = self._pixmap.size()
        scale, _ = fitted_scale(size, self.size())
        w, h = size.width() * scale, size.height() * scale
        return QtCore.QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        if self._pixmap is None:
            painter.setPen(QtGui.QColor(_PLACEHOLDER_INK))
            flags = QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), flags, self._placeholder)
            return
        _, smooth = fitted_scale(self._pixmap.size(), self.size())
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawPixmap(self.target_rect(), self._pixmap, QtCore.QRectF(self._pixmap.rect()))


class PreviewPanel:
    """A bold title, the step the grid is from, a grey caption, and the grid itself.

    Not a widget but a set of them, placed into a grid layout with :meth:`place`: panels side
    by side then share rows, so their images start at the same height even when one caption
    wraps onto two lines and the other does not.
    """

    def __init__(self, title: str, caption: str = "") -> None:
        self.title_label = QtWidgets.QLabel(f"<b>{title}</b>")
        self.step_label = QtWidgets.QLabel()
        self.step_label.setStyleSheet(_CAPTION_STYLE)
        self.caption_label = QtWidgets.QLabel(caption)
        self.caption_label.setStyleSheet(_CAPTION_STYLE)
        self.caption_label.setWordWrap(True)
        self.caption_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.view = PixelView()
        # A widget, not a bare layout, so that hiding it frees its grid column.
        self.header = QtWidgets.QWidget()
        header = QtWidgets.QHBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title_label)
        header.addStretch(1)
        header.addWidget(self.step_label)
        self._shown = True

    def place(self, grid: QtWidgets.QGridLayout, column: int, first_row: int = 0) -> None:
        """Put the title row, caption and image in ``column`` of three grid rows."""
        grid.addWidget(self.header, first_row, column)
        grid.addWidget(self.caption_label, first_row + 1, column)
        grid.addWidget(self.view, first_row + 2, column)

    @property
    def shown(self) -> bool:
        """Whether the panel is part of the layout (set_shown), whatever its parent's state."""
        return self._shown

    def set_shown(self, shown: bool) -> None:
        self._shown = shown
        for widget in (self.header, self.caption_label, self.view):
            widget.setVisible(shown)

    def set_image(self, image: np.ndarray, step: int | None = None) -> None:
        """Show a uint8 H×W×C grid (C = 1 or 3) made at ``step``."""
        self.view.set_pixmap(array_to_pixmap(image))
        self.step_label.setText("" if step is None else f"step {step:,}")

    def clear(self, placeholder: str) -> None:
        """Drop the image and show ``placeholder`` instead."""
        self.view.set_pixmap(None)
        self.view.set_placeholder(placeholder)
        self.step_label.clear()
