"""The Traverse panel: one slider per latent dimension or per principal direction.

The sliders show where the preview's latent sits along each axis, in standard deviations
of the data (±3). Dragging one moves the latent along that axis only, and the workbench
decodes it live into the preview. For VAEs each dimension shows its KL activity, and
collapsed (inactive) dimensions are marked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.ui.widgets.scrolling import scrollable

STEPS_PER_STD = 20
RANGE_STD = 3.0
MODES = (("dimensions", "Latent dimensions"), ("principal", "Principal directions"))
_INACTIVE_INK = "#9a9a9a"


class TraversalDock(QtWidgets.QDockWidget):
    """Sliders over the preview latent's coordinates."""

    mode_chosen = QtCore.Signal(str)
    coordinate_changed = QtCore.Signal(int, float)  # axis, value in standard deviations
    reset_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Traverse", parent)
        self.setObjectName("TraversalDock")
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QtWidgets.QHBoxLayout()
        self.mode = QtWidgets.QComboBox()
        for key, title in MODES:
            self.mode.addItem(title, key)
        self.mode.setToolTip(
            "Latent dimensions: one slider per z[i].\n"
            "Principal directions: the main axes of variation of the data's latents\n"
            "(as GANSpace does), for large latents."
        )
        self.reset = QtWidgets.QPushButton("Centre")
        self.reset.setToolTip("Move the latent to the data's mean along every axis")
        top.addWidget(self.mode, stretch=1)
        top.addWidget(self.reset)
        layout.addLayout(top)
        self.summary = QtWidgets.QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.grid = QtWidgets.QGridLayout()
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.setWidget(scrollable(body))

        self.sliders: list[QtWidgets.QSlider] = []
        self.value_labels: list[QtWidgets.QLabel] = []
        self._rows: list[list[QtWidgets.QWidget]] = []
        self.mode.currentIndexChanged.connect(
            lambda _i: self.mode_chosen.emit(self.mode.currentData())
        )
        self.reset.clicked.connect(self.reset_requested)
        self.set_ready(False, "Decode a latent (click the map) to traverse it.")

    def current_mode(self) -> str:
        return self.mode.currentData()

    def set_mode(self, mode: str) -> None:
        """Show ``mode`` as chosen without asking for it again."""
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex([key for key, _ in MODES].index(mode))
        self.mode.blockSignals(False)

    def set_ready(self, ready: bool, note: str = "") -> None:
        for widget in (self.mode, self.reset, *self.sliders):
            widget.setEnabled(ready)
        if note:
            self.summary.setText(note)

    def set_axes(
        self,
        labels: Sequence[str],
        notes: Sequence[str] = (),
        inactive: np.ndarray | None = None,
        summary: str = "",
    ) -> None:
        """One slider row per axis: its label, the slider, the value and a note (e.g. its KL).
        ``inactive`` marks collapsed dimensions (greyed and tagged)."""
        for row in self._rows:
            for widget in row:
                self.grid.removeWidget(widget)
                widget.blockSignals(True)  # until it is deleted, an old slider reports nothing
                widget.hide()
                widget.deleteLater()
        self._rows, self.sliders, self.value_labels = [], [], []
        limit = int(RANGE_STD * STEPS_PER_STD)
        for k, label in enumerate(labels):
            collapsed = inactive is not None and bool(inactive[k])
            name = QtWidgets.QLabel(label)
            slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            slider.setRange(-limit, limit)
            slider.setToolTip(f"{label}: −3 … +3 standard deviations of the data")
            value = QtWidgets.QLabel("")
            value.setMinimumWidth(40)
            note_text = notes[k] if k < len(notes) else ""
            note = QtWidgets.QLabel(("collapsed · " if collapsed else "") + note_text)
            if collapsed:
                for widget in (name, note):
                    widget.setStyleSheet(f"color: {_INACTIVE_INK}")
                name.setToolTip("Inactive: the encoder ignores this dimension (posterior collapse)")
            slider.valueChanged.connect(lambda v, axis=k: self._on_slider(axis, v))
            for column, widget in enumerate((name, slider, value, note)):
                self.grid.addWidget(widget, k, column)
            self._rows.append([name, slider, value, note])
            self.sliders.append(slider)
            self.value_labels.append(value)
        self.summary.setText(summary)

    def set_coordinates(self, values: np.ndarray) -> None:
        """Move the sliders to ``values`` (standard deviations) without reporting it."""
        for slider, label, value in zip(self.sliders, self.value_labels, values, strict=False):
            slider.blockSignals(True)
            slider.setValue(round(float(np.clip(value, -RANGE_STD, RANGE_STD)) * STEPS_PER_STD))
            slider.blockSignals(False)
            label.setText(f"{value:+.2f}")

    def _on_slider(self, axis: int, position: int) -> None:
        if axis >= len(self.sliders):
            return  # a slider of axes that were replaced
        value = position / STEPS_PER_STD
        self.value_labels[axis].setText(f"{value:+.2f}")
        self.coordinate_changed.emit(axis, value)
