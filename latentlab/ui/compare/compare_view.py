"""The Compare view's widgets: B's name, how the two maps are linked, B's map, and the
two-up preview (A's image beside B's for the same click or interpolation frame)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from latentlab.ui.map.latent_map import LatentMap
from latentlab.ui.widgets.elided_label import ElidedLabel
from latentlab.ui.widgets.pixel_view import PixelView

TWO_UP_HEIGHT = 200  # the rest of the height is B's map


class CompareView(QWidget):
    """B's side of a comparison; ``close_requested`` when the user closes it."""

    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CompareView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)

        header = QHBoxLayout()
        self.title = ElidedLabel("")
        self.title.setStyleSheet("font-weight: bold")
        self.close_button = QPushButton("Close comparison")
        self.close_button.clicked.connect(self.close_requested)
        header.addWidget(self.title, stretch=1)
        header.addWidget(self.close_button)
        layout.addLayout(header)
        self.link_note = QLabel("")
        self.link_note.setWordWrap(True)
        self.link_note.setStyleSheet("color: palette(placeholder-text)")
        layout.addWidget(self.link_note)
        self.progress = QLabel("")
        layout.addWidget(self.progress)

        self.map = LatentMap()
        layout.addWidget(self.map, stretch=4)

        two_up = QGridLayout()
        self.image_a = PixelView("Click either map: A decodes here…", dark=True, minimum=96)
        self.image_b = PixelView("…and B the same place, beside it.", dark=True, minimum=96)
        self.caption_a, self.caption_b = ElidedLabel(""), ElidedLabel("")
        two_up.addWidget(self.image_a, 0, 0)
        two_up.addWidget(self.image_b, 0, 1)
        two_up.addWidget(self.caption_a, 1, 0)
        two_up.addWidget(self.caption_b, 1, 1)
        for image in (self.image_a, self.image_b):
            image.setMaximumHeight(TWO_UP_HEIGHT)
        layout.addLayout(two_up, stretch=1)

    def set_sides(self, name_a: str, name_b: str) -> None:
        self.title.setText(f"B: {name_b}   (beside A: {name_a})")

    def set_progress(self, text: str) -> None:
        self.progress.setText(text)

    def set_link_note(self, text: str) -> None:
        self.link_note.setText(text)

    def show_a(self, image: np.ndarray | None, caption: str) -> None:
        self.image_a.set_image(image)
        self.caption_a.setText(f"A · {caption}" if caption else "")

    def show_b(self, image: np.ndarray | None, caption: str) -> None:
        self.image_b.set_image(image)
        self.caption_b.setText(f"B · {caption}" if caption else "")

    def clear_images(self) -> None:
        self.show_a(None, "")
        self.show_b(None, "")
