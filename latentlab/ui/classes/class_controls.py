"""The class controls under the Preview (shown for conditional models only)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSlider,
    QWidget,
)

from latentlab.image_tiles import tile_images
from latentlab.latent.label_mix import mixed_label
from latentlab.ui.widgets.elided_label import ElidedLabel
from latentlab.ui.widgets.pixel_view import PixelView

MIX_STEPS = 100  # slider positions between the two classes


class ClassControls(QGroupBox):
    """Decode as a class, or as a mix of two (the slider sets the second one's weight), and
    a row of the preview's style decoded as every class."""

    label_changed = Signal(int, int, float)  # first class, second class, the second's weight

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Class (conditional model)", parent)
        grid = QGridLayout(self)
        self.first = QComboBox()
        self.second = QComboBox()
        self.first.setToolTip("The class every latent is decoded as")
        self.second.setToolTip("The class the slider mixes in")
        self.mix = QSlider(Qt.Orientation.Horizontal)
        self.mix.setRange(0, MIX_STEPS)
        self.mix.setToolTip(
            "The label vector between the two classes: 0 is the first, 1 the second, 0.5 "
            "half of each"
        )
        self.weights = ElidedLabel("")
        grid.addWidget(QLabel("Decode as"), 0, 0)
        grid.addWidget(self.first, 0, 1)
        grid.addWidget(QLabel("mixed with"), 1, 0)
        grid.addWidget(self.second, 1, 1)
        grid.addWidget(self.mix, 2, 0, 1, 2)
        grid.addWidget(self.weights, 3, 0, 1, 2)
        self.row_title = QLabel("This style as every class")
        self.row_title.setStyleSheet("color: palette(mid);")
        grid.addWidget(self.row_title, 4, 0, 1, 2)
        self.row = PixelView("Click the map to see its style as every class.", minimum=40)
        grid.addWidget(self.row, 5, 0, 1, 2)
        self._names: tuple[str, ...] = ()
        self.first.currentIndexChanged.connect(self._emit)
        self.second.currentIndexChanged.connect(self._emit)
        self.mix.valueChanged.connect(self._emit)

    def set_classes(self, names: tuple[str, ...]) -> None:
        """The model's classes; starts at the first, unmixed."""
        self._names = tuple(names)
        for combo, start in ((self.first, 0), (self.second, min(1, len(names) - 1))):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(self._names))
            combo.setCurrentIndex(start)
            combo.blockSignals(False)
        self.mix.blockSignals(True)
        self.mix.setValue(0)
        self.mix.blockSignals(False)
        self.row.set_image(None)
        self._describe()

    def class_names(self) -> tuple[str, ...]:
        return self._names

    def amount(self) -> float:
        return self.mix.value() / MIX_STEPS

    def show_label(self, label: np.ndarray) -> None:
        """Show ``label`` (set elsewhere) as its two heaviest classes and their mix, without
        asking for it again."""
        label = np.asarray(label, dtype=np.float64)
        if len(label) != len(self._names) or np.allclose(label, self._label()):
            return
        order = np.argsort(-label, kind="stable")
        first, second = int(order[0]), int(order[1]) if len(order) > 1 else int(order[0])
        weight = label[first] + label[second]
        amount = float(label[second] / weight) if weight > 0 else 0.0
        widgets = (self.first, self.second, self.mix)
        for widget in widgets:
            widget.blockSignals(True)
        self.first.setCurrentIndex(first)
        self.second.setCurrentIndex(second)
        self.mix.setValue(round(amount * MIX_STEPS))
        for widget in widgets:
            widget.blockSignals(False)
        self._describe()

    def _label(self) -> np.ndarray:
        return mixed_label(
            len(self._names), self.first.currentIndex(), self.second.currentIndex(), self.amount()
        )

    def show_row(self, images: np.ndarray) -> None:
        """The preview's latent decoded as each class, in class order."""
        self.row.set_image(tile_images(images, columns=len(images), gap=1, fill=128))

    def _emit(self) -> None:
        self._describe()
        self.label_changed.emit(
            self.first.currentIndex(), self.second.currentIndex(), self.amount()
        )

    def _describe(self) -> None:
        if not self._names:
            self.weights.setText("")
            return
        first, second, amount = self.first.currentText(), self.second.currentText(), self.amount()
        if amount == 0 or first == second:
            self.weights.setText(f"label: {first}")
        elif amount == 1:
            self.weights.setText(f"label: {second}")
        else:
            self.weights.setText(f"label: {1 - amount:.2f} · {first} + {amount:.2f} · {second}")
