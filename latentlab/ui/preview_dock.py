"""The Preview pane: the image decoded where the user clicked, and the point under the mouse."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latentlab.ui.classes.class_controls import ClassControls
from latentlab.ui.widgets.elided_label import ElidedLabel
from latentlab.ui.widgets.pixel_view import PixelView
from latentlab.ui.widgets.scrolling import scrollable

LAST_HOVERED = "Last hovered: "


class PreviewDock(QDockWidget):
    """Shows the decoded preview and the last hovered data point, its image and
    reconstruction. Buttons hand the preview to the interpolation (A / B)."""

    use_as_keypoint_requested = Signal(int)  # 0 = A, 1 = B
    use_point_as_keypoint_requested = Signal(int)  # the last hovered data point as A (0) / B (1)
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Preview", parent)
        self.setObjectName("PreviewDock")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)

        self.preview = PixelView(
            "Click anywhere on the map to decode that place.", dark=True, minimum=120
        )
        layout.addWidget(self.preview, stretch=3)
        # One line, not word-wrapped: a wrapping label makes the scrolling dock take its
        # preferred height instead of shrinking to the space it has.
        # Elided: a long recipe ("A − B + C at …") must not widen the dock past the window.
        self.caption = ElidedLabel("")
        layout.addWidget(self.caption)

        buttons = QHBoxLayout()
        self.use_as_a = QPushButton("Use as A")
        self.use_as_b = QPushButton("Use as B")
        self.export = QPushButton("Export…")
        for button in (self.use_as_a, self.use_as_b, self.export):
            button.setEnabled(False)
            buttons.addWidget(button)
        self.use_as_a.setToolTip("Make this image the start of the interpolation")
        self.use_as_b.setToolTip("Make this image the end of the interpolation")
        self.export.setToolTip("Save the preview image as PNG")
        self.use_as_a.clicked.connect(lambda: self.use_as_keypoint_requested.emit(0))
        self.use_as_b.clicked.connect(lambda: self.use_as_keypoint_requested.emit(1))
        self.export.clicked.connect(self.export_requested)
        layout.addLayout(buttons)
        self.classes = ClassControls()  # shown for conditional models
        layout.addWidget(self.classes)

        hover = QGridLayout()
        # Elided too: a point's title names its class ("… · looks like person14").
        self.hover_title = ElidedLabel("Hover a point to see it and its reconstruction")
        self.hover_title.setStyleSheet("color: palette(mid);")
        hover.addWidget(self.hover_title, 0, 0, 1, 2)
        self.hover_image = PixelView(dark=True, minimum=56)
        self.hover_reconstruction = PixelView(dark=True, minimum=56)
        hover.addWidget(self.hover_image, 1, 0)
        hover.addWidget(self.hover_reconstruction, 1, 1)
        self.hover_labels = (QLabel("data"), QLabel("reconstruction"))
        for column, label in enumerate(self.hover_labels):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hover.addWidget(label, 2, column)
        point_buttons = QHBoxLayout()
        self.point_as_a = QPushButton("Point as A")
        self.point_as_b = QPushButton("Point as B")
        for index, button in enumerate((self.point_as_a, self.point_as_b)):
            button.setEnabled(False)
            button.setToolTip("Use this data point's own latent code as an interpolation end")
            button.clicked.connect(
                lambda _checked=False, i=index: self.use_point_as_keypoint_requested.emit(i)
            )
            point_buttons.addWidget(button)
        hover.addLayout(point_buttons, 3, 0, 1, 2)
        layout.addLayout(hover, stretch=1)
        self.setWidget(scrollable(body))

    def show_preview(self, image: np.ndarray, caption: str) -> None:
        self.preview.set_image(image)
        self.caption.setText(caption)
        # Painted now, not in the window's next repaint: that one also waits for what the
        # preview sets off (traversal sliders, attribute strips), ~3 ms on 2 cores.
        self.preview.repaint()
        self.caption.repaint()
        for button in (self.use_as_a, self.use_as_b, self.export):
            button.setEnabled(True)

    def clear_preview(self) -> None:
        """No preview (the latent it showed belonged to another model)."""
        self.preview.set_image(None)
        self.caption.setText("")
        for button in (self.use_as_a, self.use_as_b, self.export):
            button.setEnabled(False)

    def clear(self) -> None:
        self.clear_preview()
        self.clear_hover()

    def show_hover(self, image: np.ndarray, title: str) -> None:
        """Show a data point; it stays after the mouse leaves it, so it can be used as A/B."""
        self.hover_title.setStyleSheet("")
        self.hover_title.setText(title)
        self.hover_image.set_image(image)
        self.hover_reconstruction.set_image(None)
        self.point_as_a.setEnabled(True)
        self.point_as_b.setEnabled(True)

    def show_hover_reconstruction(self, image: np.ndarray | None) -> None:
        self.hover_reconstruction.set_image(image)

    def mark_hover_stale(self) -> None:
        """The mouse left the point: it stays (to be used as A or B), marked as the last one."""
        title = self.hover_title.text()
        if self.point_as_a.isEnabled() and not title.startswith(LAST_HOVERED):
            self.hover_title.setText(f"{LAST_HOVERED}{title}")
            self.hover_title.setStyleSheet("color: palette(mid);")

    def clear_hover(self) -> None:
        self.hover_title.setStyleSheet("color: palette(mid);")
        self.hover_title.setText("Hover a point to see it and its reconstruction")
        self.hover_image.set_image(None)
        self.hover_reconstruction.set_image(None)
        self.point_as_a.setEnabled(False)
        self.point_as_b.setEnabled(False)

    def set_has_encoder(self, has_encoder: bool) -> None:
        """GAN samples have no reconstruction: say so instead of showing an empty box."""
        self.hover_labels[1].setText("reconstruction" if has_encoder else "(no encoder)")
