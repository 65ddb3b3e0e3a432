"""Dock contents that scroll instead of forcing the window taller than the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QWidget,
)


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


def minimum_height_for_width(content: QWidget, width: int) -> int:
    """The least height ``content`` needs at ``width``, wrapped text included.

    For a dock body to return from ``heightForWidth``: the layout's own ``heightForWidth``
    sums preferred heights (plots prefer ~1,000 px), so a scroll area would make the body much
    taller than the dock, and Qt's minimum for a width leaves out explicit minimum heights of
    nested panels. This walks the layouts itself: the body fills the dock, and scrolls only
    when the dock is too small for it.
    """
    layout = content.layout()
    if layout is None:
        return content.minimumSizeHint().height()
    return max(_layout_height(layout, width), content.minimumHeight())


def _layout_height(layout: QLayout, width: int) -> int:
    margins = layout.contentsMargins()
    inner = max(1, width - margins.left() - margins.right())
    items = [layout.itemAt(i) for i in range(layout.count())]
    shown = [(i, item) for i, item in enumerate(items) if not item.isEmpty()]
    spacing = max(0, layout.spacing())
    if isinstance(layout, QGridLayout):
        spacing = max(0, layout.verticalSpacing())
        rows: dict[int, int] = {}
        for index, item in shown:
            row, _column, row_span, column_span = layout.getItemPosition(index)
            columns = max(1, layout.columnCount())
            height = _item_height(item, inner * column_span // columns)
            rows[row] = max(rows.get(row, 0), height // max(1, row_span))
        body = sum(rows.values()) + spacing * max(0, len(rows) - 1)
    elif isinstance(layout, QBoxLayout) and layout.direction() in (
        QBoxLayout.Direction.LeftToRight,
        QBoxLayout.Direction.RightToLeft,
    ):
        share = inner // max(1, len(shown))
        body = max((_item_height(item, share) for _, item in shown), default=0)
    else:
        body = sum(_item_height(item, inner) for _, item in shown)
        body += spacing * max(0, len(shown) - 1)
    return body + margins.top() + margins.bottom()


def _item_height(item: QLayoutItem, width: int) -> int:
    widget = item.widget()
    if widget is None:
        inner = item.layout()
        return _layout_height(inner, width) if inner is not None else item.minimumSize().height()
    if isinstance(widget, QLabel) and widget.wordWrap():
        needed = widget.heightForWidth(width) if widget.text() else 0
    elif widget.layout() is not None:
        needed = _layout_height(widget.layout(), width)
    else:
        needed = widget.minimumSizeHint().height()
    return max(needed, widget.minimumHeight())
