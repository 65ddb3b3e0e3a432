"""The interpolation dock's strip of frames, one of them marked as the current t.

Frames are painted as QImages straight into their cells, sized by :func:`pixel_view.fit`
(nearest pixels and whole-number enlargements where possible, so every source pixel becomes
an equal square; smoothed only when shrinking).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.widgets.images import array_to_qimage
from latentlab.ui.widgets.pixel_view import fit

_MARKER = QtGui.QColor(214, 39, 40)  # the map's "you are here" red (map_layers.ACCENT)
STRIP_GAP_PX = 3
MARKER_PX = 3
MIN_CELL_PX = 32  # below this a strip prefers to wrap into more rows
PREFERRED_CELL_PX = 56  # taller frames would take the room of the large frame view
DEFAULT_CELLS = 8  # room kept for an empty strip
_BELOW_CELL_PX = MARKER_PX + 2 + STRIP_GAP_PX  # marker line and the gap to the next row


class FrameStrip(QtWidgets.QWidget):
    """Equally sized frames in reading order, the one nearest the current t underlined.

    It asks for one row while every frame gets at least ``MIN_CELL_PX``; more frames
    wrap into balanced rows instead of shrinking below what the eye can read (32 frames
    of 16 px in one row of a 400 px dock would be 10 px smudges). Whatever height the
    layout grants, the frames are arranged to come out as large as possible.
    ``frame_clicked(index)`` when the user clicks a frame."""

    frame_clicked = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QtGui.QImage] = []
        self._marked = -1
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)

    def set_images(self, images: np.ndarray | None) -> None:
        """Show images N×H×W×C uint8 (C = 1 or 3) side by side, or nothing."""
        self._images = [] if images is None else [array_to_qimage(im) for im in images]
        self.updateGeometry()  # the number of rows may have changed
        self.update()

    def count(self) -> int:
        """How many frames are shown."""
        return len(self._images)

    def set_marked(self, index: int) -> None:
        """Underline frame ``index`` (-1: none)."""
        if index != self._marked:
            self._marked = index
            self.update()

    def marked(self) -> int:
        """The underlined frame, -1 when none."""
        return self._marked

    def sizeHint(self) -> QtCore.QSize:
        width = self.width() if self.width() > MIN_CELL_PX else 360
        return QtCore.QSize(360, self._preferred_height(width))

    def minimumSizeHint(self) -> QtCore.QSize:
        # Small on purpose: when the dock is short the big frame view keeps its room and
        # _cells() fits the frames into whatever height is left.
        return QtCore.QSize(MIN_CELL_PX * 2, MIN_CELL_PX)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the preferred height follows the width

    def _preferred_height(self, width: int) -> int:
        """As few rows as keep frames ≥ MIN_CELL_PX wide, frames at most PREFERRED_CELL_PX
        tall (a plain size hint, not height-for-width: Qt treats that as a minimum).

        While empty it prefers a default strip, so the dock does not jump when frames arrive."""
        n = self.count() or DEFAULT_CELLS
        rows = max(1, math.ceil(n * (MIN_CELL_PX + STRIP_GAP_PX) / (width + STRIP_GAP_PX)))
        columns = math.ceil(n / rows)
        rows = math.ceil(n / columns)  # e.g. 10 frames at 4 per row need 3 rows, not 4
        cell_w = max(1, int((width - (columns - 1) * STRIP_GAP_PX) / columns))
        frame_h = int(min(cell_w * self._aspect(), PREFERRED_CELL_PX))
        if self._images:  # the size actually drawn (see fit)
            box = QtCore.QRect(0, 0, cell_w, max(1, frame_h))
            frame_h = fit(self._images[0].size(), box)[0].height()
        return rows * (frame_h + _BELOW_CELL_PX)

    def _aspect(self) -> float:
        """Height / width of the frames (1 while empty)."""
        return self._images[0].height() / self._images[0].width() if self._images else 1.0

    def _cells(self) -> list[QtCore.QRect]:
        """One rectangle per frame (image area, without the marker line below it), in the
        arrangement of rows that gives the largest frames in the widget's actual size."""
        n, width, height = self.count(), self.width(), self.height()
        if n == 0 or width <= 0 or height <= 0:
            return []
        best = (-1.0, 1, n)  # (frame height, rows, columns)
        for rows in range(1, n + 1):
            columns = math.ceil(n / rows)
            if rows > 1 and math.ceil(n / (rows - 1)) == columns:
                continue  # same columns as fewer rows: no bigger frames
            cell_w = (width - (columns - 1) * STRIP_GAP_PX) / columns
            frame_h = min(cell_w * self._aspect(), height / rows - _BELOW_CELL_PX)
            if frame_h > best[0]:
                best = (frame_h, rows, columns)
        frame_h, _, columns = best
        # Pack the frames at their drawn size (see fit) and centre the block, so a
        # short strip is a tidy row rather than frames floating in wide empty cells.
        cell_w = (width - (columns - 1) * STRIP_GAP_PX) / columns
        first = self._images[0]
        box = QtCore.QRect(0, 0, max(1, int(cell_w)), max(1, int(frame_h)))
        size = fit(first.size(), box)[0].size()
        pitch_x, pitch_y = size.width() + STRIP_GAP_PX, size.height() + _BELOW_CELL_PX
        left = (width - (columns * pitch_x - STRIP_GAP_PX)) // 2
        cells = []
        for i in range(n):
            row, column = divmod(i, columns)
            cells.append(QtCore.QRect(QtCore.QPoint(left + column * pitch_x, row * pitch_y), size))
        return cells

    def frame_rect(self, index: int) -> QtCore.QRect:
        """Where frame ``index`` is drawn, in widget coordinates."""
        return self._cells()[index]

    def _index_at(self, point: QtCore.QPoint) -> int:
        for i, cell in enumerate(self._cells()):
            # Gaps and the marker line count as part of the frame to their left/above.
            grown = cell.adjusted(0, 0, STRIP_GAP_PX, _BELOW_CELL_PX)
            if grown.contains(point):
                return i
        return -1

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        index = self._index_at(event.position().toPoint())
        if event.button() == QtCore.Qt.MouseButton.LeftButton and index >= 0:
            self.frame_clicked.emit(index)
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        for i, (image, cell) in enumerate(zip(self._images, self._cells(), strict=True)):
            target, smooth = fit(image.size(), cell)
            painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawImage(target, image)
            if i == self._marked:
                line = QtCore.QRect(target.left(), cell.bottom() + 3, target.width(), MARKER_PX)
                painter.fillRect(line, _MARKER)
        painter.end()
