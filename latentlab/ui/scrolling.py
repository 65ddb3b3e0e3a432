"""Dock contents that scroll instead of forcing the window taller than the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def scrollable(content: QWidget) -> QScrollArea:
    """Wrap ``content`` so its dock can shrink below the content's minimum height (a
    1366×768 screen) and scroll; at normal sizes it looks the same, with no scroll bars."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    # Scroll vertically only: the dock keeps the width its content needs.
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll_bar = area.verticalScrollBar().sizeHint().width()
    area.setMinimumWidth(content.minimumSizeHint().width() + scroll_bar)
    return area
