"""The Style mixing panel: two latents A and B, which resolution's styles come from which,
the mix, StyleGAN's crossover row, and a traversal that moves one resolution only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.image_tiles import tile_images
from latentlab.ui.widgets.pixel_view import PixelView
from latentlab.ui.widgets.scrolling import scrollable
from latentlab.ui.widgets.sections import section_title

TRAVERSAL_VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)  # σ of the prior N(0, I)
NO_STYLES_TEXT = (
    "Style mixing needs a model whose latent enters at every resolution: train a Style GAN "
    "(New training › Style GAN) or open one."
)


class StyleMixingDock(QtWidgets.QDockWidget):
    source_requested = QtCore.Signal(int, str)  # 0 = A, 1 = B; "preview" or "random"
    levels_changed = QtCore.Signal(object)  # tuple of bools: level i's styles from B
    traversal_changed = QtCore.Signal(int, int)  # level, latent dimension

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Style mixing", parent)
        self.setObjectName("StyleMixingDock")
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        self.note = QtWidgets.QLabel(NO_STYLES_TEXT)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

        layout.addWidget(section_title("A, B and their mix"))
        sources = QtWidgets.QGridLayout()
        self.sources: list[PixelView] = []
        self.source_buttons: list[tuple[QtWidgets.QPushButton, QtWidgets.QPushButton]] = []
        for index, name in enumerate("AB"):
            view = PixelView(name, dark=True, minimum=72)
            from_preview = QtWidgets.QPushButton(f"Preview as {name}")
            from_preview.setToolTip(f"Take the Preview's latent as {name}")
            random = QtWidgets.QPushButton("Random")
            random.setToolTip(f"Draw a new {name} from N(0, I)")
            from_preview.clicked.connect(
                lambda _c=False, i=index: self.source_requested.emit(i, "preview")
            )
            random.clicked.connect(
                lambda _c=False, i=index: self.source_requested.emit(i, "random")
            )
            sources.addWidget(view, 0, index)
            sources.addWidget(from_preview, 1, index)
            sources.addWidget(random, 2, index)
            self.sources.append(view)
            self.source_buttons.append((from_preview, random))
        self.mix = PixelView("The mix", dark=True, minimum=72)
        sources.addWidget(self.mix, 0, 2)
        self.mix_caption = QtWidgets.QLabel("")
        self.mix_caption.setWordWrap(True)
        sources.addWidget(self.mix_caption, 1, 2, 2, 1)
        layout.addLayout(sources)

        layout.addWidget(section_title("Styles from"))
        self.levels_grid = QtWidgets.QGridLayout()
        layout.addLayout(self.levels_grid)
        self._level_groups: list[QtWidgets.QButtonGroup] = []
        self._level_widgets: list[QtWidgets.QWidget] = []

        layout.addWidget(section_title("Coarsest levels from A, the rest from B"))
        self.crossovers = PixelView("", minimum=40)
        layout.addWidget(self.crossovers)
        self.crossover_caption = QtWidgets.QLabel("")
        self.crossover_caption.setWordWrap(True)
        self.crossover_caption.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.crossover_caption)

        layout.addWidget(section_title("Traverse one resolution"))
        traverse = QtWidgets.QFormLayout()
        self.traverse_level = QtWidgets.QComboBox()
        self.traverse_level.setToolTip("Only this resolution's styles move")
        self.traverse_dimension = QtWidgets.QSpinBox()
        self.traverse_dimension.setToolTip("The latent dimension moved, from −3 σ to +3 σ")
        traverse.addRow("Resolution", self.traverse_level)
        traverse.addRow("Dimension", self.traverse_dimension)
        layout.addLayout(traverse)
        self.traversal = PixelView("", minimum=40)
        layout.addWidget(self.traversal)
        self.traverse_level.currentIndexChanged.connect(self._emit_traversal)
        self.traverse_dimension.valueChanged.connect(self._emit_traversal)
        layout.addStretch(1)
        self.setWidget(scrollable(body))
        self.set_levels([], 0)

    # -- model ------------------------------------------------------------------------

    def set_levels(self, names: Sequence[str], latent_dim: int) -> None:
        """The model's resolutions (coarse first); none: the panel explains what it needs.
        Starts with the coarsest level from A and the rest from B."""
        for widget in self._level_widgets:
            widget.deleteLater()
        self._level_widgets, self._level_groups = [], []
        for row, name in enumerate(names):
            label = QtWidgets.QLabel(name)
            group = QtWidgets.QButtonGroup(self)
            self.levels_grid.addWidget(label, row, 0)
            self._level_widgets.append(label)
            for column, source in enumerate("AB"):
                button = QtWidgets.QRadioButton(source)
                button.setChecked(column == (0 if row == 0 else 1))
                group.addButton(button, column)
                self.levels_grid.addWidget(button, row, column + 1)
                self._level_widgets.append(button)
            group.idClicked.connect(lambda _id: self.levels_changed.emit(self.from_b()))
            self._level_groups.append(group)
        ready = bool(names)
        self.note.setVisible(not ready)
        for widget in (*self.sources, self.mix, self.crossovers, self.traversal):
            widget.setEnabled(ready)
            widget.set_image(None)
        for buttons in self.source_buttons:
            for button in buttons:
                button.setEnabled(ready)
        self.traverse_level.blockSignals(True)
        self.traverse_level.clear()
        self.traverse_level.addItems(list(names))
        self.traverse_level.blockSignals(False)
        self.traverse_dimension.blockSignals(True)
        self.traverse_dimension.setRange(1, max(latent_dim, 1))
        self.traverse_dimension.blockSignals(False)
        self.traverse_level.setEnabled(ready)
        self.traverse_dimension.setEnabled(ready)
        self.mix_caption.setText("")
        self.crossover_caption.setText("")

    def from_b(self) -> tuple[bool, ...]:
        return tuple(group.checkedId() == 1 for group in self._level_groups)

    def set_from_b(self, from_b: Sequence[bool]) -> None:
        for group, take_b in zip(self._level_groups, from_b, strict=True):
            group.button(1 if take_b else 0).setChecked(True)
        self.levels_changed.emit(self.from_b())

    def traversal_choice(self) -> tuple[int, int]:
        return self.traverse_level.currentIndex(), self.traverse_dimension.value() - 1

    # -- images -----------------------------------------------------------------------

    def show_source(self, index: int, image: np.ndarray) -> None:
        self.sources[index].set_image(image)

    def show_mix(self, image: np.ndarray, caption: str) -> None:
        self.mix.set_image(image)
        self.mix_caption.setText(caption)

    def show_crossovers(self, images: np.ndarray, caption: str) -> None:
        self.crossovers.set_image(tile_images(images, columns=len(images), gap=1, fill=128))
        self.crossover_caption.setText(caption)

    def show_traversal(self, images: np.ndarray) -> None:
        self.traversal.set_image(tile_images(images, columns=len(images), gap=1, fill=128))

    def _emit_traversal(self) -> None:
        level, dimension = self.traversal_choice()
        if level >= 0:
            self.traversal_changed.emit(level, dimension)
