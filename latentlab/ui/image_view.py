"""A label that shows a numpy image scaled crisply to its size."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

from latentlab.ui.images import array_to_qimage


class ImageView(QLabel):
    """Shows a uint8 image enlarged with nearest-neighbour pixels (no blur), keeping its
    aspect ratio, re-scaled when the widget is resized."""

    def __init__(self, placeholder: str = "", minimum: int = 64, parent=None) -> None:
        super().__init__(parent)
        self._source: QPixmap | None = None
        self._image: np.ndarray | None = None
        self._placeholder = placeholder
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("QLabel { background: #101014; color: #8a8a99; border-radius: 4px; }")
        self.setText(placeholder)
        self.setWordWrap(True)

    def set_image(self, image: np.ndarray | None) -> None:
        """Show ``image`` (uint8 H×W×C), or the placeholder text for None."""
        self._image = image
        if image is None:
            self._source = None
            self.setPixmap(QPixmap())
            self.setText(self._placeholder)
            return
        self._source = QPixmap.fromImage(array_to_qimage(image))
        self._rescale()

    def image(self) -> np.ndarray | None:
        """The image shown, as given (for export)."""
        return self._image

    def sizeHint(self) -> QSize:
        return QSize(192, 192)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._source is None:
            return
        side = max(1, min(self.width(), self.height()) - 4)
        self.setPixmap(
            self._source.scaled(
                side,
                side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )
