"""The Latent math panel: an expression over named items, and attribute vectors.

Typing an expression evaluates it at once (the workbench decodes the result into the
preview and marks where it lands); a bad one gets a message under the field with a caret
at the problem. The attribute section builds "mean of these minus mean of those" from two
groups (or a class against the rest) and applies it to a base item with a strength slider.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.interpolation.interpolation_views import FrameStrip
from latentlab.ui.widgets.scrolling import scrollable
from latentlab.ui.widgets.sections import section_title

STRENGTH_STEPS_PER_UNIT = 20  # slider ticks per unit of strength: 0.05 steps
STRENGTH_LIMIT = 3.0
REST = "the rest"
PREVIEW = "the preview"
_ERROR_INK = "#b00020"
_NOTE_INK = "#555555"


class ArithmeticDock(QtWidgets.QDockWidget):
    """Expression field, attribute-vector controls and the strip of strengths."""

    expression_changed = QtCore.Signal(str)
    keep_result_requested = QtCore.Signal()
    attribute_changed = QtCore.Signal()  # groups or base changed: rebuild the vector
    strength_changed = QtCore.Signal(float)
    keep_vector_requested = QtCore.Signal()
    export_strip_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Latent math", parent)
        self.setObjectName("ArithmeticDock")
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(section_title("Expression"))
        layout.addLayout(self._build_expression())
        layout.addSpacing(8)
        layout.addWidget(section_title("Attribute vector"))
        layout.addLayout(self._build_attribute())
        layout.addStretch(1)
        self.setWidget(scrollable(body))
        self.set_attribute_ready(False)

    # -- construction -----------------------------------------------------------
    def _build_expression(self) -> QtWidgets.QVBoxLayout:
        box = QtWidgets.QVBoxLayout()
        self.expression = QtWidgets.QLineEdit()
        self.expression.setPlaceholderText("e.g. mean(thick) - mean(thin) + p42")
        self.expression.setToolTip(
            "Items by name, numbers, + − × / and parentheses, and the functions\n"
            "mean(group), lerp(a, b, t), slerp(a, b, t), unit(v).\n"
            "The result is decoded into the preview and marked on the map."
        )
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.expression.setFont(mono)
        self.expression_message = QtWidgets.QLabel("")
        self.expression_message.setFont(mono)
        self.expression_message.setWordWrap(True)
        self.expression_message.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.keep_result = QtWidgets.QPushButton("Keep result as item")
        self.keep_result.setEnabled(False)
        self.expression.textChanged.connect(self.expression_changed)
        self.keep_result.clicked.connect(self.keep_result_requested)
        box.addWidget(self.expression)
        box.addWidget(self.expression_message)
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.keep_result)
        box.addLayout(row)
        return box

    def _build_attribute(self) -> QtWidgets.QVBoxLayout:
        box = QtWidgets.QVBoxLayout()
        form = QtWidgets.QFormLayout()
        self.positive = QtWidgets.QComboBox()
        self.negative = QtWidgets.QComboBox()
        self.base = QtWidgets.QComboBox()
        self.positive.setToolTip("Points that have the attribute: a group, or a class")
        self.negative.setToolTip("Points without it: a group, or every other point")
        self.base.setToolTip("What the vector is added to")
        form.addRow("Mean of", self.positive)
        form.addRow("minus mean of", self.negative)
        form.addRow("added to", self.base)
        box.addLayout(form)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Strength"))
        self.strength = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        limit = int(STRENGTH_LIMIT * STRENGTH_STEPS_PER_UNIT)
        self.strength.setRange(-limit, limit)
        self.strength.setValue(STRENGTH_STEPS_PER_UNIT)
        self.strength.setTickInterval(STRENGTH_STEPS_PER_UNIT)
        self.strength.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.strength.setToolTip("base + strength × vector, decoded as you drag (−3 … +3)")
        self.strength_label = QtWidgets.QLabel("")
        self.strength_label.setMinimumWidth(44)
        row.addWidget(self.strength, stretch=1)
        row.addWidget(self.strength_label)
        box.addLayout(row)

        self.reliability = QtWidgets.QLabel("")
        self.reliability.setWordWrap(True)
        self.reliability.setStyleSheet(f"color: {_NOTE_INK}")
        box.addWidget(self.reliability)
        self.strip = FrameStrip()
        self.strip.setToolTip("The base with strengths −3 … +3; click a frame to use it")
        box.addWidget(self.strip)
        buttons = QtWidgets.QHBoxLayout()
        self.keep_vector = QtWidgets.QPushButton("Keep vector as item")
        self.keep_vector.setToolTip("Name the vector, to use it in expressions (e.g. p3 + 2*v1)")
        self.export_strip = QtWidgets.QPushButton("Export strip…")
        self.export_strip.setToolTip("Save the strip as PNG, with every frame's latent inside")
        buttons.addStretch(1)
        buttons.addWidget(self.keep_vector)
        buttons.addWidget(self.export_strip)
        box.addLayout(buttons)

        for combo in (self.positive, self.negative, self.base):
            combo.currentIndexChanged.connect(lambda _i: self.attribute_changed.emit())
        self.strength.valueChanged.connect(self._on_strength_moved)
        self.strip.frame_clicked.connect(self._on_strip_clicked)
        self.keep_vector.clicked.connect(self.keep_vector_requested)
        self.export_strip.clicked.connect(self.export_strip_requested)
        self._strip_strengths: np.ndarray | None = None
        self._strip_images: np.ndarray | None = None
        self._on_strength_moved(self.strength.value())
        return box

    # -- expression ---------------------------------------------------------------
    def insert_name(self, name: str) -> None:
        """Put ``name`` into the expression at the cursor, with spaces around operators."""
        text, cursor = self.expression.text(), self.expression.cursorPosition()
        before = text[:cursor].rstrip()
        joiner = "" if not before or before[-1] in "(+-*/," else " + "
        self.expression.setText(f"{before}{joiner}{name}{text[cursor:]}")
        self.expression.setCursorPosition(len(before) + len(joiner) + len(name))
        self.expression.setFocus()

    def show_expression_error(self, text: str, message: str, position: int, length: int) -> None:
        """The message, and under the expression a caret line pointing at the problem."""
        caret = " " * position + "^" + "~" * max(0, length - 1)
        shown = f"{text}\n{caret}\n{message}" if text.strip() else message
        self.expression_message.setText(shown)
        self.expression_message.setStyleSheet(f"color: {_ERROR_INK}")
        self.keep_result.setEnabled(False)

    def show_expression_result(self, description: str) -> None:
        self.expression_message.setText(description)
        self.expression_message.setStyleSheet(f"color: {_NOTE_INK}")
        self.keep_result.setEnabled(True)

    def clear_expression_message(self) -> None:
        self.expression_message.setText("")
        self.keep_result.setEnabled(False)

    # -- attribute ----------------------------------------------------------------
    def set_choices(self, groups: list[str], classes: list[str], bases: list[str]) -> None:
        """Fill the combos, keeping what was chosen where it still exists. ``classes`` are
        class names (offered as "class: name" against the rest)."""
        positives = groups + [f"class: {name}" for name in classes]
        negatives = [REST, *groups]
        _refill(self.positive, positives)
        _refill(self.negative, negatives)
        _refill(self.base, [PREVIEW, *bases])
        self.set_attribute_ready(bool(positives))

    def set_attribute_ready(self, ready: bool) -> None:
        for widget in (self.positive, self.negative, self.base, self.strength):
            widget.setEnabled(ready)
        if not ready:
            self.reliability.setText(
                "Select points on the map and make groups (or open a labelled dataset)."
            )
            self.show_vector(None, "")

    def attribute_choice(self) -> tuple[str, str, str]:
        """(positive, negative, base) as shown in the combos."""
        return self.positive.currentText(), self.negative.currentText(), self.base.currentText()

    def strength_value(self) -> float:
        return self.strength.value() / STRENGTH_STEPS_PER_UNIT

    def set_strength(self, strength: float) -> None:
        self.strength.setValue(round(strength * STRENGTH_STEPS_PER_UNIT))

    def show_vector(self, vector: Any, summary: str) -> None:
        """The vector's reliability note (``vector`` None: no vector)."""
        self.reliability.setText(summary)
        for button in (self.keep_vector, self.export_strip):
            button.setEnabled(vector is not None)
        if vector is None:
            self.strip.set_images(None)
            self._strip_images = None

    def strip_images(self) -> np.ndarray | None:
        """The strip's frames N×H×W×C as last shown, or None."""
        return self._strip_images

    def show_strip(self, images: np.ndarray, strengths: np.ndarray) -> None:
        self._strip_images = images
        self._strip_strengths = np.asarray(strengths)
        self.strip.set_images(images)
        self._mark_strip()

    def _on_strength_moved(self, value: int) -> None:
        strength = value / STRENGTH_STEPS_PER_UNIT
        self.strength_label.setText(f"{strength:+.2f}")
        self._mark_strip()
        self.strength_changed.emit(strength)

    def _mark_strip(self) -> None:
        if self._strip_strengths is None or self.strip.count() == 0:
            return
        nearest = int(np.argmin(np.abs(self._strip_strengths - self.strength_value())))
        self.strip.set_marked(nearest)

    def _on_strip_clicked(self, index: int) -> None:
        if self._strip_strengths is not None and 0 <= index < len(self._strip_strengths):
            self.set_strength(float(self._strip_strengths[index]))


def _refill(combo: QtWidgets.QComboBox, entries: list[str]) -> None:
    current = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(entries)
    if current in entries:
        combo.setCurrentIndex(entries.index(current))
    combo.blockSignals(False)
