"""The Projection panel: how the map is made, how clicks are decoded, and how good both are."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latentlab.config import ProjectionConfig
from latentlab.jobs.maps import PRIOR_SAMPLES
from latentlab.projections import PROJECTIONS
from latentlab.ui.map.setting_rows import read_settings, setting_boxes
from latentlab.ui.widgets.scrolling import scrollable

SPACES = (("Latent codes z", "latent"), ("Image features", "features"))
INVERSES = (
    ("exact", "Exact inverse (PCA plane)"),
    ("learned", "Learned inverse (a small network)"),
    ("neighbours", "Nearest points (a weighted mix)"),
)
NOTE_STYLE = "color: #555; font-size: 9pt"


class ProjectionDock(QDockWidget):
    """Method and parameters with Project and Cancel; progress of the running projection;
    the choice of inverse with each one's round-trip error; trustworthiness; and a slider
    over the maps of earlier epochs."""

    config_applied = Signal(object)  # ProjectionConfig
    samples_chosen = Signal(int)  # prior samples on the map of a model without an encoder
    cancel_requested = Signal()
    inverse_chosen = Signal(str)  # 'exact', 'learned' or 'neighbours'
    epoch_chosen = Signal(int)  # index into the kept maps

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Projection", parent)
        self.setObjectName("ProjectionDock")
        self._data: Any = None
        self._fidelity: dict = {}
        self._ceiling: Any = None  # FidelityCeiling of the shown map
        self._chosen_inverse = "exact"  # the user's choice; a map without it uses its best
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._build_settings())
        layout.addWidget(self._build_progress())
        layout.addWidget(self._build_inverse())
        layout.addWidget(self._build_epochs())
        layout.addStretch(1)
        self.setWidget(scrollable(body))
        self._on_method_changed()
        self.set_model_options(prior_samples=False, features_available=True)
        self.set_map(None)
        self.set_history([], -1)
        self.set_progress("", 0, 0)

    # -- building -----------------------------------------------------------------------

    def _build_settings(self) -> QGroupBox:
        box = QGroupBox("Map")
        form = QFormLayout(box)
        self.method = QComboBox()
        for kind in PROJECTIONS:
            self.method.addItem(kind.label, kind.name)
        self.method.setToolTip(
            "\n".join(kind.description for kind in PROJECTIONS)
            + "\nWithout an exact inverse, clicks use a learned or a nearest-points inverse."
        )
        form.addRow("Method", self.method)
        self.space = QComboBox()
        for text, value in SPACES:
            self.space.addItem(text, value)
        self.space.setToolTip(
            "What is projected. Latent codes: the z of each point. Image features: what a "
            "classifier trained on the dataset sees in each point's image, so images that look "
            "alike sit together (for a GAN, whose z are plain Gaussian noise, this is the map "
            "that shows structure). Clicks on either map decode a latent."
        )
        form.addRow("Map of", self.space)
        self.samples = QSpinBox(minimum=100, maximum=50_000, singleStep=500)
        self.samples.setValue(PRIOR_SAMPLES)
        self.samples.setGroupSeparatorShown(True)
        self.samples.setToolTip(
            "A model without an encoder is mapped by drawing this many z from N(0, I) and "
            "generating their images."
        )
        form.addRow("Samples", self.samples)
        # Each projection's own settings (ProjectionKind.settings), shown while it is chosen.
        self.setting_rows: dict[str, dict[str, tuple[str, Any]]] = {}
        for kind in PROJECTIONS:
            settings_type = kind.settings_type()
            self.setting_rows[kind.name] = (
                {} if settings_type is None else setting_boxes(settings_type)
            )
            for label, widget in self.setting_rows[kind.name].values():
                form.addRow(label, widget)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=ProjectionConfig().seed)
        self.seed.setToolTip("The projection's random choices: another seed, another layout.")
        form.addRow("Seed", self.seed)
        self.project = QPushButton("Project")
        self.project.setToolTip("Make the map again with these settings")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running projection and keep the map shown before")
        buttons = QHBoxLayout()
        buttons.addWidget(self.project)
        buttons.addWidget(self.cancel)
        form.addRow(buttons)
        self._form = form
        self.method.currentIndexChanged.connect(self._on_method_changed)
        # Choosing a method makes the map at once; the parameters wait for Project.
        self.method.activated.connect(lambda _index: self.config_applied.emit(self.config()))
        self.space.activated.connect(lambda _index: self.config_applied.emit(self.config()))
        self.samples.editingFinished.connect(lambda: self.samples_chosen.emit(self.samples.value()))
        self.project.clicked.connect(lambda: self.config_applied.emit(self.config()))
        self.cancel.clicked.connect(self.cancel_requested)
        return box

    def _build_progress(self) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.phase = QLabel("")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        layout.addWidget(self.phase)
        layout.addWidget(self.progress)
        return widget

    def _build_inverse(self) -> QGroupBox:
        box = QGroupBox("Click decodes")
        layout = QVBoxLayout(box)
        self.inverse_group = QButtonGroup(self)
        self.inverse_buttons: dict[str, QRadioButton] = {}
        self.inverse_notes: dict[str, QLabel] = {}
        for value, text in INVERSES:
            button = QRadioButton(text)
            note = QLabel("")
            note.setStyleSheet(NOTE_STYLE)
            note.setWordWrap(True)  # round trip, fidelity and its share can exceed one line
            note.setContentsMargins(22, 0, 0, 4)  # under the button's text, not its circle
            self.inverse_buttons[value] = button
            self.inverse_notes[value] = note
            self.inverse_group.addButton(button)
            layout.addWidget(button)
            layout.addWidget(note)
            button.toggled.connect(lambda checked, v=value: checked and self._on_inverse_clicked(v))
        self.inverse_buttons["exact"].setChecked(True)
        self.round_trip_note = QLabel(
            "Round trip: ‖inverse(map(z)) − z‖ on held-out points, relative to the spread of "
            "the codes (0 = exact, 1 = no better than the centre). Fidelity: share of clicks "
            "inside class regions that decode to an image of that class, judged by a classifier "
            "trained on the dataset."
        )
        self.round_trip_note.setWordWrap(True)
        self.round_trip_note.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.round_trip_note)
        self.trust = QLabel("")
        self.trust.setToolTip(
            "Trustworthiness (Venna & Kaski): 1.0 means every point's neighbours on the map "
            "are also its neighbours in latent space."
        )
        layout.addWidget(self.trust)
        self.purity = QLabel("")
        self.purity.setWordWrap(True)
        self.purity.setToolTip(
            "Class purity: the share of each point's 10 nearest map points that have its "
            "label. Near 1, the classes form islands; near the random value, they are mixed."
        )
        layout.addWidget(self.purity)
        self._conditional = False
        self.ceiling = QLabel("")
        self.ceiling.setWordWrap(True)
        self.ceiling.setToolTip(
            "Click fidelity can be no higher than the share of the model's reconstructions of "
            "real test images that the classifier recognises; chance is always answering the "
            "commonest class."
        )
        self.ceiling.setVisible(False)
        layout.addWidget(self.ceiling)
        return box

    def _build_epochs(self) -> QGroupBox:
        self.epoch_box = QGroupBox("Maps of earlier epochs")
        layout = QHBoxLayout(self.epoch_box)
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal)
        self.epoch_slider.setMinimum(0)
        self.epoch_slider.setPageStep(1)
        self.epoch_label = QLabel("")
        self.epoch_label.setMinimumWidth(90)
        layout.addWidget(self.epoch_slider, 1)
        layout.addWidget(self.epoch_label)
        self.epoch_slider.valueChanged.connect(self._on_epoch_slider)
        self._epochs: list[int | None] = []
        return self.epoch_box

    # -- reading ------------------------------------------------------------------------

    def config(self) -> ProjectionConfig:
        """The settings in the panel."""
        kind = PROJECTIONS.get(self.method.currentData())
        settings_type = kind.settings_type()
        settings = None
        if settings_type is not None:
            settings = read_settings(settings_type, self.setting_rows[kind.name])
        return ProjectionConfig(
            method=kind.name,
            space=self.space.currentData(),
            settings=settings,
            seed=self.seed.value() if kind.uses_seed else ProjectionConfig().seed,
        )

    def setting(self, method: str, name: str) -> Any:
        """The spin box of ``method``'s setting ``name`` (tests and benchmarks set them)."""
        return self.setting_rows[method][name][1]

    def chosen_inverse(self) -> str:
        """The inverse the user chose (the one checked may be the map's best instead)."""
        return self._chosen_inverse

    def inverse_shown(self) -> str:
        """The inverse whose button is checked: the one clicks use on the shown map."""
        return next(v for v, b in self.inverse_buttons.items() if b.isChecked())

    def _on_inverse_clicked(self, value: str) -> None:
        if self._data is not None and value not in self._data.inverse_methods:
            return  # checked by set_map, not by the user
        self._chosen_inverse = value
        self.inverse_chosen.emit(value)

    # -- showing ------------------------------------------------------------------------

    def set_progress(self, phase: str, done: int, total: int) -> None:
        """What the projection job is doing ('' when idle)."""
        running = bool(phase)
        self.cancel.setEnabled(running)
        self.progress.setVisible(running)
        self.phase.setText(f"{phase} {done:,}/{total:,}" if running and total > 1 else phase)
        self.progress.setRange(0, max(total, 0) if total > 1 else 0)  # 0..0: busy
        if total > 1:
            self.progress.setValue(done)

    def set_model_options(
        self, *, prior_samples: bool, features_available: bool, conditional: bool = False
    ) -> None:
        """Show the sample count for maps of prior samples; offer maps of image features only
        where a domain classifier can be trained (labelled data); a conditional model's map
        is read as one of style (its classes should mix)."""
        self._conditional = conditional
        self.samples.setVisible(prior_samples)
        self._form.labelForField(self.samples).setVisible(prior_samples)
        item = self.space.model().item(1)
        item.setEnabled(features_available)
        item.setToolTip(
            "" if features_available else "Needs a labelled dataset to train a classifier on"
        )

    def set_map(self, data: Any) -> None:
        """Offer the inverses this map has, with their round-trip errors and trustworthiness."""
        if data is not None:
            self.space.setCurrentIndex(max(0, self.space.findData(data.config.space)))
        self._data = data
        self._fidelity = {}
        self._ceiling = None
        self.ceiling.setVisible(False)
        self._label_inverses()
        quality = None if data is None else data.quality
        self.round_trip_note.setVisible(quality is not None)
        if quality is None:
            self.trust.setText("Measuring the map…" if data is not None else "")
        else:
            self.trust.setText(
                f"Trustworthiness {quality.trustworthiness:.3f} "
                f"(k = {quality.trust_neighbours}, {quality.trust_points:,} points)"
            )
        self.purity.setText(self._purity_text(quality))
        self.purity.setVisible(bool(self.purity.text()))

    def _purity_text(self, quality: Any) -> str:
        if quality is None or quality.class_purity is None:
            return ""
        text = f"Class purity {quality.class_purity:.2f} (at random: {quality.chance_purity:.2f})"
        if self._conditional:
            text += (
                ". The label goes into this model beside z, so z holds the style and "
                "the classes should mix: the lower, the more z leaves the class to the label."
            )
        return text

    def set_fidelity(self, report: Any) -> None:
        """Click fidelity per inverse of the shown map, and its ceiling (a FidelityReport)."""
        self._fidelity = dict(report.by_method)
        self._ceiling = report.ceiling
        self.ceiling.setText("" if report.ceiling is None else report.ceiling.describe())
        self.ceiling.setVisible(report.ceiling is not None)
        self._label_inverses()

    def _label_inverses(self) -> None:
        data = self._data
        methods = () if data is None else data.inverse_methods
        quality = None if data is None else data.quality
        # Check the inverse clicks use now: the chosen one, or the map's best.
        in_use = (
            self._chosen_inverse if data is None else data.resolve_inverse(self._chosen_inverse)
        )
        button = self.inverse_buttons[in_use]
        if not button.isChecked():
            button.blockSignals(True)
            button.setChecked(True)
            button.blockSignals(False)
        # A non-linear map learns its inverse after it is shown; a linear one never does.
        learning = data is not None and not data.projection.exact_inverse and quality is None
        for value, _text in INVERSES:
            self.inverse_buttons[value].setEnabled(value in methods)
            notes = []
            error = None if quality is None else quality.round_trip(value)
            if error is not None:
                notes.append(f"round trip {error.median:.2f}")
            elif value == "learned" and learning:
                notes.append("learning…")
            fidelity = self._fidelity.get(value)
            if fidelity is not None and fidelity.clicks == 0:
                notes.append("no class regions to measure clicks in")
            elif fidelity is not None:
                notes.append(f"fidelity {fidelity.fidelity:.0%}")
                if self._ceiling is not None and not self._ceiling.tells_nothing:
                    relative = self._ceiling.relative(fidelity.fidelity)
                    notes.append(f"{relative:.0%} of the reconstructions' figure")
            self.inverse_notes[value].setText(" · ".join(notes))
            self.inverse_notes[value].setVisible(bool(notes))

    def set_history(self, epochs: list[int | None], index: int) -> None:
        """The epochs whose maps are kept, and which one is shown."""
        self._epochs = list(epochs)
        self.epoch_box.setVisible(len(epochs) > 1)
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setMaximum(max(0, len(epochs) - 1))
        self.epoch_slider.setValue(max(0, index))
        self.epoch_slider.blockSignals(False)
        self._label_epoch(index)

    def _on_epoch_slider(self, index: int) -> None:
        self._label_epoch(index)
        self.epoch_chosen.emit(index)

    def _label_epoch(self, index: int) -> None:
        if 0 <= index < len(self._epochs):
            epoch = self._epochs[index]
            last = self._epochs[-1]
            self.epoch_label.setText(f"epoch {epoch} of {last}" if epoch is not None else "")
        else:
            self.epoch_label.setText("")

    def _on_method_changed(self) -> None:
        chosen = PROJECTIONS.get(self.method.currentData())
        for method, rows in self.setting_rows.items():
            for _label, widget in rows.values():
                widget.setVisible(method == chosen.name)
                self._form.labelForField(widget).setVisible(method == chosen.name)
        self.seed.setVisible(chosen.uses_seed)
        self._form.labelForField(self.seed).setVisible(chosen.uses_seed)
