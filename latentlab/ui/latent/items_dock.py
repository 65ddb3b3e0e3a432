"""The Items panel: selection tools for the map and the named items latent math works on.

Items are groups of data points (made from a selection), single points, clicked places,
encoded images and arithmetic results. This dock only shows them and reports what the
user asks; the workbench owns them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.ui.widgets.images import array_to_qimage

TOOL_TITLES = (
    ("click", "Click", "Left drag scrubs the decoded place (ctrl-click still picks points)"),
    ("rectangle", "Rectangle", "Left drag selects the points in a rectangle (R)"),
    ("lasso", "Lasso", "Left drag draws a lasso around points (L)"),
)
THUMBNAIL_PX = 28


class ItemsDock(QtWidgets.QDockWidget):
    """Selection tools, the selection's size, and the list of named items."""

    tool_chosen = QtCore.Signal(str)
    make_group_requested = QtCore.Signal()
    export_selection_requested = QtCore.Signal()
    clear_selection_requested = QtCore.Signal()
    add_preview_requested = QtCore.Signal()
    encode_image_requested = QtCore.Signal()
    item_chosen = QtCore.Signal(str)  # clicked in the list
    insert_requested = QtCore.Signal(str)  # into the expression
    keypoint_requested = QtCore.Signal(str, int)  # name, 0 = A / 1 = B
    rename_requested = QtCore.Signal(str, str)  # old, new
    remove_requested = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Items", parent)
        self.setObjectName("ItemsDock")
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(self._build_tools())
        layout.addLayout(self._build_selection_row())
        self.items = QtWidgets.QTreeWidget()
        self.items.setColumnCount(3)
        self.items.setHeaderLabels(["Name", "Kind", "What"])
        self.items.setRootIsDecorated(False)
        self.items.setIconSize(QtCore.QSize(THUMBNAIL_PX, THUMBNAIL_PX))
        self.items.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
            | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.items.setToolTip(
            "Named items for latent math. Double-click a name to rename it;\n"
            "its name is what expressions use."
        )
        self.items.header().setStretchLastSection(True)
        layout.addWidget(self.items, stretch=1)
        layout.addLayout(self._build_item_buttons())
        self.setWidget(body)

        self._names: list[str] = []
        self._editing = False
        self.items.itemChanged.connect(self._on_item_edited)
        self.items.currentItemChanged.connect(self._on_current_changed)
        self.items.itemClicked.connect(lambda item, _column: self.item_chosen.emit(item.text(0)))
        self.set_selection_count(0)
        self.set_has_model(False)

    def _build_tools(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Select:"))
        self.tool_buttons: dict[str, QtWidgets.QToolButton] = {}
        group = QtWidgets.QButtonGroup(self)
        for tool, title, tip in TOOL_TITLES:
            button = QtWidgets.QToolButton()
            button.setText(title)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setChecked(tool == "click")
            button.toggled.connect(lambda on, t=tool: on and self.tool_chosen.emit(t))
            group.addButton(button)
            row.addWidget(button)
            self.tool_buttons[tool] = button
        row.addStretch(1)
        return row

    def _build_selection_row(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.selection_label = QtWidgets.QLabel("")
        self.make_group = QtWidgets.QPushButton("Make group")
        self.make_group.setToolTip("Keep the selected points as a named group")
        self.export_selection = QtWidgets.QPushButton("Export…")
        self.export_selection.setToolTip(
            "Write the selected points' images to a folder, with a CSV of their\n"
            "indices, labels and latent vectors"
        )
        self.clear_selection = QtWidgets.QPushButton("Clear")
        self.clear_selection.setToolTip("Select nothing (Esc on the map)")
        self.make_group.clicked.connect(self.make_group_requested)
        self.export_selection.clicked.connect(self.export_selection_requested)
        self.clear_selection.clicked.connect(self.clear_selection_requested)
        row.addWidget(self.selection_label, stretch=1)
        for button in (self.make_group, self.export_selection, self.clear_selection):
            row.addWidget(button)
        return row

    def _build_item_buttons(self) -> QtWidgets.QGridLayout:
        grid = QtWidgets.QGridLayout()
        self.add_preview = QtWidgets.QPushButton("Add preview")
        self.add_preview.setToolTip("Keep the decoded preview's latent as an item")
        self.encode_image = QtWidgets.QPushButton("Encode image…")
        self.encode_image.setToolTip("Encode an image file (or drop one on the window)")
        self.insert = QtWidgets.QPushButton("Insert")
        self.insert.setToolTip("Insert the item's name into the expression")
        self.use_as_a = QtWidgets.QPushButton("Use as A")
        self.use_as_b = QtWidgets.QPushButton("Use as B")
        for button, tip in (
            (self.use_as_a, "Start the interpolation here (a group: its mean)"),
            (self.use_as_b, "End the interpolation here (a group: its mean)"),
        ):
            button.setToolTip(tip)
        self.remove = QtWidgets.QPushButton("Remove")
        self.add_preview.clicked.connect(self.add_preview_requested)
        self.encode_image.clicked.connect(self.encode_image_requested)
        self.insert.clicked.connect(lambda: self._emit_for_current(self.insert_requested.emit))
        self.use_as_a.clicked.connect(
            lambda: self._emit_for_current(lambda n: self.keypoint_requested.emit(n, 0))
        )
        self.use_as_b.clicked.connect(
            lambda: self._emit_for_current(lambda n: self.keypoint_requested.emit(n, 1))
        )
        self.remove.clicked.connect(lambda: self._emit_for_current(self.remove_requested.emit))
        grid.addWidget(self.add_preview, 0, 0)
        grid.addWidget(self.encode_image, 0, 1)
        grid.addWidget(self.insert, 0, 2)
        grid.addWidget(self.use_as_a, 1, 0)
        grid.addWidget(self.use_as_b, 1, 1)
        grid.addWidget(self.remove, 1, 2)
        return grid

    # -- state from the app ----------------------------------------------------
    def set_has_model(self, has_model: bool, has_encoder: bool = True) -> None:
        for button in (self.add_preview, self.encode_image):
            button.setEnabled(has_model)
        self.encode_image.setToolTip(
            "Encode an image file (or drop one on the window)"
            if has_encoder
            else "Find the latent of an image by optimisation (this model has no encoder)"
        )

    def set_selection_count(self, count: int) -> None:
        self.selection_label.setText(
            "No points selected" if count == 0 else f"{count:,} point{'s' * (count != 1)} selected"
        )
        for button in (self.make_group, self.export_selection, self.clear_selection):
            button.setEnabled(count > 0)

    def set_tool(self, tool: str) -> None:
        """Show ``tool`` as chosen (shortcuts change it from outside)."""
        self.tool_buttons[tool].setChecked(True)

    def set_items(self, items: list[Any]) -> None:
        """Show ``items`` (LatentItem records), keeping the current row where possible."""
        current = self.current_name()
        self._editing = True
        self.items.clear()
        self._names = []
        for item in items:
            row = QtWidgets.QTreeWidgetItem([item.name, item.kind, item.description])
            row.setFlags(row.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            row.setToolTip(2, item.description)
            if item.image is not None:
                row.setIcon(0, QtGui.QIcon(QtGui.QPixmap.fromImage(_thumbnail(item.image))))
            self.items.addTopLevelItem(row)
            self._names.append(item.name)
            if item.name == current:
                self.items.setCurrentItem(row)
        self.items.resizeColumnToContents(0)
        self.items.resizeColumnToContents(1)
        self._editing = False
        self._on_current_changed(self.items.currentItem(), None)

    def current_name(self) -> str | None:
        item = self.items.currentItem()
        return None if item is None else item.text(0)

    def select_item(self, name: str) -> None:
        if name in self._names:
            self.items.setCurrentItem(self.items.topLevelItem(self._names.index(name)))

    # -- user actions ----------------------------------------------------------
    def _emit_for_current(self, emit) -> None:
        name = self.current_name()
        if name is not None:
            emit(name)

    def _on_current_changed(self, current, _previous) -> None:
        for button in (self.insert, self.use_as_a, self.use_as_b, self.remove):
            button.setEnabled(current is not None)

    def _on_item_edited(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if self._editing or column != 0:
            return
        index = self.items.indexOfTopLevelItem(item)
        old, new = self._names[index], item.text(0).strip()
        if new != old:
            self.rename_requested.emit(old, new)  # the workbench answers with set_items


def _thumbnail(image: np.ndarray) -> QtGui.QImage:
    return array_to_qimage(image).scaled(
        THUMBNAIL_PX,
        THUMBNAIL_PX,
        QtCore.Qt.AspectRatioMode.KeepAspectRatio,
        QtCore.Qt.TransformationMode.FastTransformation,
    )
