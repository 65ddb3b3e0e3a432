"""Side panel of the latent map: a colour bar in value mode and one toggle per class (click
shows/hides the class, double-click shows it alone, Ctrl+click colours only the classes
picked so). With many classes a search field filters the toggles; Enter in it colours only
the classes that match."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.ui.map.class_toggle import ClassToggle
from latentlab.ui.map.colour_bar import ColourBar

SEARCH_FROM = 13  # classes: fewer fit on screen and need no search field
MAX_WIDTH = 220  # px: longer class names are elided, the map keeps the room
_STYLE = """
#MapLegend { background: white; border-left: 1px solid #d4d4d4; }
#MapLegend QScrollArea, #MapLegend QScrollArea > QWidget > QWidget { background: transparent; }
#MapLegend QPushButton {
    border: none; border-radius: 3px; padding: 3px 6px; text-align: left; color: #222;
}
#MapLegend QPushButton:hover { background: #e9eef5; }
#MapLegend QPushButton:!checked { color: #9a9a9a; }
#MapLegend QPushButton#ColourAll { color: #2a6fb0; padding: 1px 4px; }
#MapLegend QLabel[role="title"] { font-weight: 600; color: #333; }
#MapLegend QLabel[role="hint"] { color: #777; }
"""


class MapLegend(QtWidgets.QWidget):
    """Class toggles and, in value mode, a titled colour bar."""

    class_toggled = QtCore.Signal(int, bool)  # class index, now shown
    class_soloed = QtCore.Signal(int)
    class_colour_toggled = QtCore.Signal(int)  # Ctrl+click: in or out of the coloured subset
    colour_only_requested = QtCore.Signal(object)  # list of class indices; [] colours all

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("MapLegend")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_STYLE)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 6)
        layout.setSpacing(4)

        self._value_title = QtWidgets.QLabel()
        self._value_title.setWordWrap(True)
        self._value_title.setProperty("role", "title")
        self._colour_bar = ColourBar()
        layout.addWidget(self._value_title)
        layout.addWidget(self._colour_bar)
        layout.addLayout(self._build_classes_header())

        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Find a class")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "Shows the classes whose name contains this text;\n"
            "Enter colours only those (the others turn grey)"
        )
        self.search.textChanged.connect(self._apply_filter)
        self.search.returnPressed.connect(self._colour_matches)
        layout.addWidget(self.search)
        self._hint = QtWidgets.QLabel("Ctrl+click: colour only some")
        self._hint.setProperty("role", "hint")
        self._hint.setWordWrap(True)
        layout.addWidget(self._hint)

        self._rows_widget = QtWidgets.QWidget()
        self._rows = QtWidgets.QVBoxLayout(self._rows_widget)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(0)
        self._rows.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self._rows_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll = scroll
        layout.addWidget(scroll, 1)

        self.toggles: list[ClassToggle] = []
        self._coloured = np.zeros(0, bool)
        self.clear_colour_bar()
        self._update_visibility()

    def _build_classes_header(self) -> QtWidgets.QHBoxLayout:
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        self._classes_title = QtWidgets.QLabel("Classes")
        self._classes_title.setProperty("role", "title")
        self.colour_all = QtWidgets.QPushButton("Colour all")
        self.colour_all.setObjectName("ColourAll")
        self.colour_all.setFlat(True)
        self.colour_all.setToolTip("Give every class its colour again")
        self.colour_all.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.colour_all.clicked.connect(lambda: self.colour_only_requested.emit([]))
        header.addWidget(self._classes_title)
        header.addStretch(1)
        header.addWidget(self.colour_all)
        return header

    def set_classes(self, names: Sequence[str], colours: np.ndarray, counts: Sequence[int]) -> None:
        """Replace the class rows (all shown, all coloured, no search text)."""
        for toggle in self.toggles:
            self._rows.removeWidget(toggle)
            toggle.deleteLater()
        self.toggles = []
        for k, (name, rgba, count) in enumerate(zip(names, colours, counts, strict=True)):
            toggle = ClassToggle(name, rgba, int(count))
            toggle.toggled.connect(lambda shown, k=k: self.class_toggled.emit(k, shown))
            toggle.double_clicked.connect(lambda k=k: self.class_soloed.emit(k))
            toggle.colour_toggled.connect(lambda k=k: self.class_colour_toggled.emit(k))
            self._rows.insertWidget(k, toggle)
            self.toggles.append(toggle)
        self._coloured = np.ones(len(self.toggles), bool)
        blocked = self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(blocked)
        self._apply_filter("")
        many = len(names) >= SEARCH_FROM
        self._classes_title.setText(f"{len(names)} classes" if many else "Classes")
        self._update_swatches()
        self._update_visibility()

    def set_class_shown(self, index: int, shown: bool) -> None:
        """Reflect a class's visibility without emitting ``class_toggled``."""
        toggle = self.toggles[index]
        blocked = toggle.blockSignals(True)
        toggle.setChecked(shown)
        toggle.blockSignals(blocked)

    def set_coloured(self, coloured: np.ndarray) -> None:
        """Reflect which classes are coloured (the others get grey swatches)."""
        self._coloured = np.asarray(coloured, bool).copy()
        self._update_swatches()

    # -- search -------------------------------------------------------------------------
    def matching_classes(self) -> list[int]:
        """Indices of the classes whose names contain the search text (all when empty)."""
        needle = self.search.text().strip().casefold()
        return [k for k, t in enumerate(self.toggles) if needle in t.text().casefold()]

    def listed_names(self) -> list[str]:
        """Names of the entries the search leaves in the list."""
        return [t.text() for t in self.toggles if not t.isHidden()]

    def _apply_filter(self, _text: str = "") -> None:
        matches = set(self.matching_classes())
        for k, toggle in enumerate(self.toggles):
            toggle.setVisible(k in matches)
        if self.search.text().strip():
            self._scroll.verticalScrollBar().setValue(0)

    def _colour_matches(self) -> None:
        if self.search.text().strip() and (matches := self.matching_classes()):
            self.colour_only_requested.emit(matches)

    # -- value mode ---------------------------------------------------------------------
    def set_colour_bar(self, title: str, lut: np.ndarray, vmin: float, vmax: float) -> None:
        """Show the value colour bar."""
        self._value_title.setText(title or "value")
        self._colour_bar.set_range(lut, vmin, vmax)
        self._value_title.setVisible(True)
        self._colour_bar.setVisible(True)
        self._update_swatches()
        self._update_visibility()

    def clear_colour_bar(self) -> None:
        """Hide the value colour bar."""
        self._value_title.setVisible(False)
        self._colour_bar.setVisible(False)
        self._update_swatches()
        self._update_visibility()

    @property
    def colour_bar_title(self) -> str:
        """What the colour bar measures ('' when it is hidden)."""
        return self._value_title.text() if self.colour_bar_visible else ""

    @property
    def colour_bar_range(self) -> tuple[float, float]:
        """The values at the colour bar's two ends."""
        return self._colour_bar.value_range

    @property
    def colour_bar_visible(self) -> bool:
        return not self._colour_bar.isHidden()

    def _update_swatches(self) -> None:
        by_value = self.colour_bar_visible
        for k, toggle in enumerate(self.toggles):
            toggle.set_neutral(by_value or not self._coloured[k])
        # "Colour all" undoes a subset; in value mode there is nothing to undo on screen.
        self.colour_all.setVisible(bool(self.toggles) and not self._coloured.all())

    def _update_visibility(self) -> None:
        has_classes = bool(self.toggles)
        many = len(self.toggles) >= SEARCH_FROM
        self._classes_title.setVisible(has_classes)
        self.search.setVisible(many)
        self._hint.setVisible(many)
        self._scroll.setVisible(has_classes)
        self.setVisible(has_classes or self.colour_bar_visible)

    def sizeHint(self) -> QtCore.QSize:
        # Room for the longest name (elided beyond MAX_WIDTH), the margins and the scroll bar.
        width = max([t.sizeHint().width() for t in self.toggles] + [110])
        width += 12 + self._scroll.verticalScrollBar().sizeHint().width()
        return QtCore.QSize(min(width, MAX_WIDTH), 300)
