"""The keypoints of an interpolation (A, B, C, ...) and the list view that shows them."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.session.keypoints import Keypoint, keypoint_label
from latentlab.ui.widgets.elided_label import ElidedLabel
from latentlab.ui.widgets.images import array_to_pixmap

THUMB_PX = 40
ROW_SPACING = 2
MIN_VISIBLE_ROWS = 2  # A and B: the usual case, and room for the empty-list note
MAX_VISIBLE_ROWS = 3  # more keypoints than this scroll, so the frame view keeps its room


def crisp_pixmap(image: np.ndarray, box: int) -> QtGui.QPixmap:
    """A pixmap of the image enlarged by a whole number (even pixels) to fit ``box``, or
    shrunk to fit it when it is bigger."""
    longest = max(image.shape[0], image.shape[1])
    size = box if longest > box else (box // longest) * longest
    return array_to_pixmap(image, size)


class _KeypointRow(QtWidgets.QFrame):
    """Letter, thumbnail, source description and a remove button for one keypoint."""

    def __init__(self, index: int, keypoint: Keypoint, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.index = index
        letter = QtWidgets.QLabel(keypoint_label(index))
        font = letter.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        letter.setFont(font)
        letter.setFixedWidth(28)
        letter.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)

        thumb = QtWidgets.QLabel()
        thumb.setFixedSize(THUMB_PX, THUMB_PX)
        thumb.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        thumb.setStyleSheet("background: #2b2b2b;")
        thumb.setPixmap(crisp_pixmap(keypoint.thumbnail, THUMB_PX))

        self.source = ElidedLabel(keypoint.source)

        self.remove_button = QtWidgets.QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(f"Remove keypoint {keypoint_label(index)}")

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.addWidget(letter)
        layout.addWidget(thumb)
        layout.addWidget(self.source, 1)
        layout.addWidget(self.remove_button)


class KeypointList(QtWidgets.QScrollArea):
    """Rows of keypoints; a view only (the dock owns the list).

    ``remove_clicked(index)`` from a row's ✕ or its context menu;
    ``refill_requested(index)`` from the context menu ("Set from current preview")."""

    remove_clicked = QtCore.Signal(int)
    refill_requested = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QtWidgets.QWidget()
        self._rows_layout = QtWidgets.QVBoxLayout(body)
        self._rows_layout.setContentsMargins(2, 2, 2, 2)
        self._rows_layout.setSpacing(ROW_SPACING)
        self._empty = QtWidgets.QLabel("No keypoints yet.")
        self._empty.setEnabled(False)  # drawn in the palette's muted text colour
        self._rows_layout.addWidget(self._empty)
        self._rows_layout.addStretch(1)
        self.setWidget(body)
        self._rows: list[_KeypointRow] = []
        self._fit_height(0)

    def _fit_height(self, rows: int) -> None:
        """Tall enough for ``rows`` rows, within MIN/MAX_VISIBLE_ROWS."""
        shown = min(max(rows, MIN_VISIBLE_ROWS), MAX_VISIBLE_ROWS)
        row_h = THUMB_PX + 2 + ROW_SPACING
        self.setFixedHeight(shown * row_h + 2 * self.frameWidth() + 4)

    def set_keypoints(self, keypoints: list[Keypoint]) -> None:
        """Rebuild the rows (a handful of widgets: cheaper to redo than to patch)."""
        for row in self._rows:
            self._rows_layout.removeWidget(row)
            row.hide()  # deleteLater waits for the event loop; don't draw it until then
            row.deleteLater()
        self._rows = []
        for index, keypoint in enumerate(keypoints):
            row = _KeypointRow(index, keypoint, self.widget())
            row.remove_button.clicked.connect(lambda _=False, i=index: self.remove_clicked.emit(i))
            row.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
            row.customContextMenuRequested.connect(lambda pos, r=row: self._context_menu(r, pos))
            self._rows_layout.insertWidget(index, row)
            self._rows.append(row)
        self._empty.setVisible(not keypoints)
        self._fit_height(len(keypoints))

    def row_count(self) -> int:
        """How many keypoint rows are shown."""
        return len(self._rows)

    def row_text(self, index: int) -> str:
        """The source description shown in row ``index``."""
        return self._rows[index].source.text()

    def remove_button(self, index: int) -> QtWidgets.QToolButton:
        """Row ``index``'s ✕ button (for tests and accessibility tools)."""
        return self._rows[index].remove_button

    def _context_menu(self, row: _KeypointRow, pos: QtCore.QPoint) -> None:
        menu = QtWidgets.QMenu(self)
        label = keypoint_label(row.index)
        refill = menu.addAction(f"Set {label} from current preview")
        remove = menu.addAction(f"Remove {label}")
        chosen = menu.exec(row.mapToGlobal(pos))
        if chosen is refill:
            self.refill_requested.emit(row.index)
        elif chosen is remove:
            self.remove_clicked.emit(row.index)
