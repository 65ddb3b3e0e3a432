"""PreviewPanel: a titled image grid that scales to its space with sharp pixels."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.ui.widgets.pixel_view import PixelView

_CAPTION_STYLE = "color: #707070;"


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
        self.view = PixelView(minimum=64, preferred=180)
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
        self.view.set_image(image)
        self.step_label.setText("" if step is None else f"step {step:,}")

    def clear(self, placeholder: str) -> None:
        """Drop the image and show ``placeholder`` instead."""
        self.view.set_image(None)
        self.view.set_placeholder(placeholder)
        self.step_label.clear()
