"""Small shared widgets for the docks' layouts."""

from __future__ import annotations

from PySide6 import QtWidgets


def section_title(title: str) -> QtWidgets.QLabel:
    """A bold caption above a group of controls (lighter than a QGroupBox frame)."""
    label = QtWidgets.QLabel(title)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
