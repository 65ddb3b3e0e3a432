"""PixelView: one numpy image as large as fits, with sharp pixels, or a placeholder text.

Used for the decoded preview and the hovered point (Preview dock), the interpolation frame
and the training previews. The image is painted straight into its target rectangle, so a
resize only repaints, and setting an image only converts it and schedules a repaint (well
below a millisecond, which the interpolation slider relies on).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.widgets.images import array_to_qimage

DARK_BACKDROP = QtGui.QColor("#2b2b2b")
_DARK_INK = "#b4b4b4"  # placeholder text on the dark backdrop
_INK = "#808080"  # placeholder text on the window's own background
_CORNER_RADIUS = 4.0
_DARK_INSET = 2  # keeps the rounded corners of the backdrop visible around the image
_PLACEHOLDER_MARGIN = 12
# Below this share of the fitted size that a whole-number zoom keeps, a fractional zoom is used.
_MIN_INTEGER_FILL = 0.8


def fit(image_size: QtCore.QSize, box: QtCore.QRect) -> tuple[QtCore.QRect, bool]:
    """Where to draw an image of ``image_size`` in ``box`` (centred, aspect kept), and
    whether to draw it smoothed.

    Enlarging uses nearest pixels at a whole zoom when that keeps at least 80% of the fitted
    size: uneven pixel widths (1.5× makes every other pixel twice as wide) look like
    artefacts in a 16×16 digit. Shrinking is smoothed so thin lines (grid borders) never
    vanish.
    """
    if image_size.isEmpty() or box.width() <= 0 or box.height() <= 0:
        return QtCore.QRect(), False
    scale = min(box.width() / image_size.width(), box.height() / image_size.height())
    smooth = scale < 1
    if not smooth:
        whole = math.floor(scale)
        if whole / scale >= _MIN_INTEGER_FILL:
            scale = float(whole)
    w = max(1, round(image_size.width() * scale))
    h = max(1, round(image_size.height() * scale))
    left = box.x() + (box.width() - w) // 2
    top = box.y() + (box.height() - h) // 2
    return QtCore.QRect(left, top, w, h), smooth


class PixelView(QtWidgets.QWidget):
    """Shows a uint8 H×W×C image (C = 1 or 3) centred and as large as fits, or a centred,
    word-wrapped placeholder text while there is none.

    ``dark=True`` paints a rounded dark backdrop (an image stage, as in the Preview and
    Interpolation docks); otherwise the parent's background shows around the image.
    ``minimum`` and ``preferred`` are the side of the smallest and the preferred square.
    """

    def __init__(
        self,
        placeholder: str = "",
        *,
        dark: bool = False,
        minimum: int = 64,
        preferred: int = 192,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._image: QtGui.QImage | None = None
        self._dark = dark
        self._preferred = QtCore.QSize(preferred, preferred)
        self.setMinimumSize(minimum, minimum)
        policy = QtWidgets.QSizePolicy.Policy.Expanding
        self.setSizePolicy(policy, policy)
        # A real label (not painted text) so that it wraps, and tests and screen readers see
        # it. Placed by resizeEvent rather than a layout, so its text never sizes the view.
        self.placeholder_label = QtWidgets.QLabel(placeholder, self)
        self.placeholder_label.setWordWrap(True)
        self.placeholder_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.placeholder_label.setStyleSheet(f"color: {_DARK_INK if dark else _INK};")
        self.placeholder_label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._update_placeholder()

    # -- content ------------------------------------------------------------------------
    def set_image(self, image: np.ndarray | None) -> None:
        """Show ``image`` (uint8 H×W×C, C = 1 or 3), or the placeholder for None."""
        self._image = None if image is None else array_to_qimage(image)
        self._array = image
        self._update_placeholder()
        self.update()

    def image(self) -> QtGui.QImage | None:
        """The image shown, as a QImage at its own size (None while the placeholder shows)."""
        return self._image

    def image_array(self) -> np.ndarray | None:
        """The array given to :meth:`set_image`, as given (for export), or None."""
        return self._array

    def set_placeholder(self, text: str) -> None:
        """Text shown in the middle while there is no image (empty: nothing)."""
        self.placeholder_label.setText(text)
        self._update_placeholder()

    def _update_placeholder(self) -> None:
        self.placeholder_label.setVisible(
            self._image is None and bool(self.placeholder_label.text())
        )

    # -- geometry -----------------------------------------------------------------------
    def sizeHint(self) -> QtCore.QSize:
        return self._preferred

    def _content_rect(self) -> QtCore.QRect:
        inset = _DARK_INSET if self._dark else 0
        return self.rect().adjusted(inset, inset, -inset, -inset)

    def target_rect(self) -> QtCore.QRect:
        """Where the image is drawn, in widget coordinates (empty without an image)."""
        if self._image is None:
            return QtCore.QRect()
        return fit(self._image.size(), self._content_rect())[0]

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        m = _PLACEHOLDER_MARGIN
        self.placeholder_label.setGeometry(self.rect().adjusted(m, m, -m, -m))

    # -- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        if self._dark:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(DARK_BACKDROP)
            painter.drawRoundedRect(QtCore.QRectF(self.rect()), _CORNER_RADIUS, _CORNER_RADIUS)
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        if self._image is not None:
            target, smooth = fit(self._image.size(), self._content_rect())
            painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawImage(target, self._image)
        painter.end()
