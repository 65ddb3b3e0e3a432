"""TrainingDialog ("New training"): pick a dataset, a model and training settings.

Fields a dataset preset covers (latent dimension, batch size, epochs, base channels) follow
the dataset and model choice until the user edits them. Problems are shown as they appear:
a red outline on the field, a sentence under the form, and a disabled "Train" button.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.config import MAX_LATENT_DIM, MIN_LATENT_DIM, ConfigError, ModelConfig, TrainConfig
from latentlab.data import default_data_root
from latentlab.data.catalog import SOURCES as DATASETS
from latentlab.data.load import BUNDLED_SETS
from latentlab.data.sizes import TrainingSize, training_size
from latentlab.gan_losses import GAN_LOSSES
from latentlab.jobs.training_request import (
    DEFAULT_DATASET,
    TrainingRequest,
    absolute_path,
    data_root_problem,
    default_request,
    default_run_dir,
    default_runs_root,
    download_status,
    image_folder_problem,
    npz_file_problem,
    parse_learning_rate,
    run_dir_problem,
)
from latentlab.model_kinds import MODEL_KINDS
from latentlab.presets import preset_for
from latentlab.training_plan import (
    plan_training,
    rough_cpu_seconds,
    rough_duration,
    steps_per_epoch,
    too_few_steps,
)

SOURCE_CHOICES = (
    ("builtin", "Built in (no download)"),
    ("torchvision", "Download (torchvision)"),
    ("folder", "Image folder…"),
    ("npz", "npz file…"),
)
BUILT_IN = (*BUNDLED_SETS, "digits")
DOWNLOADABLE = ("mnist", "fashion-mnist", "kmnist", "emnist-letters", "cifar10", "svhn", "celeba")
ARCH_CHOICES = (("conv", "Convolutional"), ("mlp", "MLP"))
SCHEDULE_CHOICES = (("constant", "None (constant)"), ("cosine", "Cosine to 0"))
CHANNEL_CHOICES = ((None, "Auto"), (1, "Grayscale"), (3, "RGB"))
PRESET_FIELDS = ("latent_dim", "batch_size", "epochs", "base_channels")

_ERROR_INK, _WARNING_INK = "#c62828", "#9a6700"
_HINT_STYLE = "color: #707070;"
# Invalid fields get a tinted palette rather than a style sheet: a style sheet border on a spin
# box makes Qt draw its arrow buttons from style sheet defaults, which look broken. Fusion
# draws a field's outline from the Window colour, darkened: this one gives a red outline.
_INVALID_BASE, _INVALID_WINDOW = "#fff6f5", "#e06060"


@dataclass(frozen=True)
class _Problem:
    message: str
    widget: QtWidgets.QWidget | None = None
    blocking: bool = True  # False: a warning, training can still start


class PathField(QtWidgets.QWidget):
    """A line edit with a "Browse…" button for a folder or a file.

    ``edited`` follows typing and browsing. With ``fill_on_browse=False`` a browsed path is
    only reported through ``browsed``, for the owner to decide what it means.
    """

    edited = QtCore.Signal()
    browsed = QtCore.Signal(str)

    def __init__(
        self,
        *,
        pick_folder: bool,
        file_filter: str = "",
        caption: str = "",
        fill_on_browse: bool = True,
    ) -> None:
        super().__init__()
        self._pick_folder, self._filter, self._caption = pick_folder, file_filter, caption
        self._fill_on_browse = fill_on_browse
        self.line_edit = QtWidgets.QLineEdit()
        self.line_edit.setMinimumWidth(260)
        self.browse_button = QtWidgets.QPushButton("Browse…")
        self.browse_button.setAutoDefault(False)  # Enter in the dialog means "Train"
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line_edit, 1)
        layout.addWidget(self.browse_button)
        self.setFocusProxy(self.line_edit)
        self.line_edit.textEdited.connect(lambda _text: self.edited.emit())
        self.browse_button.clicked.connect(self._browse)

    def text(self) -> str:
        return self.line_edit.text().strip()

    def set_text(self, text: str) -> None:
        self.line_edit.setText(text)

    def _browse(self) -> None:
        start = self.text() or str(Path.home())
        if self._pick_folder:
            path = QtWidgets.QFileDialog.getExistingDirectory(self, self._caption, start)
        else:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, self._caption, start, self._filter
            )
        if not path:
            return
        if self._fill_on_browse:
            self.set_text(path)
            self.edited.emit()
        self.browsed.emit(path)


class TrainingDialog(QtWidgets.QDialog):
    """The "New training" dialog; after ``exec()`` returns Accepted, :meth:`request` says
    what to train. ``initial`` pre-fills it (e.g. with the previous request)."""

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, initial: TrainingRequest | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New training")
        self._touched: set[str] = set()
        self._sizes: dict[tuple, TrainingSize | None] = {}
        self._filling = False
        self._run_dir_touched = False
        self._runs_root = default_runs_root()
        self._started = datetime.now()  # one timestamp per dialog: the name must not tick
        self._request: TrainingRequest | None = None
        self._problems: list[_Problem] = []

        self._build_data_fields()
        self._build_model_fields()
        self._build_training_fields()
        self._build_layout()
        self._load(initial)
        self._connect()
        self._refresh()

    # -- public -------------------------------------------------------------------------

    def request(self) -> TrainingRequest:
        """The chosen run: as it was when "Train" was pressed, else as the fields are now
        (ValueError while a field is invalid)."""
        if self._request is not None:
            return self._request
        request, problems = self._collect()
        if request is None:
            raise ValueError("; ".join(p.message for p in problems if p.blocking))
        return request

    def is_valid(self) -> bool:
        """Whether "Train" is allowed: no field is invalid."""
        return not any(p.blocking for p in self._problems)

    def message_text(self) -> str:
        """The problems shown under the form, one per line (empty when there are none)."""
        return "\n".join(p.message for p in self._problems)

    def reset_to_preset(self) -> None:
        """Put the dataset preset into every preset field, including edited ones."""
        self._touched.clear()
        self._apply_preset()
        self._refresh()

    def accept(self) -> None:
        self._refresh()
        if self.is_valid():
            self._request = self.request()
            super().accept()

    # -- building -----------------------------------------------------------------------

    def _build_data_fields(self) -> None:
        self.source_combo = _combo(SOURCE_CHOICES)
        self.builtin_combo = _combo((name, DATASETS[name].title) for name in BUILT_IN)
        self.dataset_combo = _combo((name, DATASETS[name].title) for name in DOWNLOADABLE)
        self.data_root_field = PathField(pick_folder=True, caption="Folder for downloads")
        self.data_root_field.setToolTip(
            "Where downloaded datasets are kept; a dataset already there is not downloaded again"
        )
        self.folder_field = PathField(pick_folder=True, caption="Folder of images")
        self.folder_field.setToolTip("Images in this folder; each subfolder becomes a class")
        self.image_size_spin = _spin(8, 512, 64, suffix=" px")
        self.image_size_spin.setToolTip("Images are scaled and center-cropped to this square size")
        self.channels_combo = _combo(CHANNEL_CHOICES)
        self.channels_combo.setToolTip("Auto keeps the images' own colour: gray stays gray")
        self.npz_field = PathField(
            pick_folder=False, file_filter="NumPy arrays (*.npz *.npy)", caption="npz file"
        )
        self.dataset_hint = QtWidgets.QLabel()
        self.dataset_hint.setStyleSheet(_HINT_STYLE)
        self.dataset_hint.setWordWrap(True)
        # Expanding: a wrapping label otherwise keeps a narrow width and wraps early.
        self.dataset_hint.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )

    def _build_model_fields(self) -> None:
        self.kind_combo = _combo((kind.name, kind.label) for kind in MODEL_KINDS)
        self.kind_combo.setToolTip("\n".join(kind.description for kind in MODEL_KINDS))
        self.arch_combo = _combo(ARCH_CHOICES)
        self.latent_spin = _spin(0, 99_999, 16)  # wider than allowed: out of range is explained
        self.latent_spin.setToolTip(
            f"Size of the latent code z ({MIN_LATENT_DIM}–{MAX_LATENT_DIM}); 2 can be plotted "
            "without any projection"
        )
        self.hidden_spin = _spin(1, 16_384, 400)
        self.hidden_spin.setToolTip("Width of the MLP's hidden layer")
        self.base_spin = _spin(1, 1024, 32)
        self.base_spin.setToolTip("Channels of the first conv block; each later block doubles it")
        self.beta_spin = QtWidgets.QDoubleSpinBox()
        self.beta_spin.setRange(0.0, 1000.0)
        self.beta_spin.setDecimals(3)
        self.beta_spin.setSingleStep(0.1)
        self.beta_spin.setValue(1.0)
        self.beta_spin.setToolTip(
            "Weight of the KL term: above 1 gives a smoother, more disentangled latent space "
            "at the cost of blurrier reconstructions (β-VAE)."
        )
        self.anneal_spin = _spin(0, 10_000, 0, suffix=" epochs")
        self.anneal_spin.setSpecialValueText("off")
        self.anneal_spin.setToolTip(
            "Ramp the KL weight from 0 up to β over this many epochs, so the decoder learns to "
            "use the code before the KL term pulls it to the prior (avoids posterior collapse)."
        )
        self.gan_loss_combo = _combo((loss.name, loss.label) for loss in GAN_LOSSES)
        self.gan_loss_combo.setToolTip("\n".join(loss.description for loss in GAN_LOSSES))

    def _build_training_fields(self) -> None:
        self.epochs_spin = _spin(1, 100_000, 20)
        self.epochs_spin.setToolTip("Passes over the training images")
        self.batch_spin = _spin(1, 65_536, 128)
        self.batch_spin.setToolTip("Images per optimisation step")
        self.lr_edit = QtWidgets.QLineEdit()
        self.lr_edit.setToolTip("Adam's step size; leave blank for the model's default")
        self.schedule_combo = QtWidgets.QComboBox()
        for schedule, label in SCHEDULE_CHOICES:
            self.schedule_combo.addItem(label, schedule)
        self.schedule_combo.setToolTip(
            "Cosine: the learning rate falls from its start value to 0 along half a cosine over "
            "the run; long runs end at a better loss"
        )
        self.binarize_check = QtWidgets.QCheckBox("Binarized, x ~ Bernoulli")
        self.binarize_check.setToolTip(
            "Train on x ~ Bernoulli(pixel intensity), drawn again for every batch: the setting "
            "of published MNIST likelihoods (Metrics then reports comparable nats)"
        )
        self.device_combo = QtWidgets.QComboBox()
        for device, label in _device_choices():
            self.device_combo.addItem(label, device)
        self.device_combo.setToolTip("Auto picks a CUDA GPU, then Apple's GPU, then the CPU")
        self.seed_spin = _spin(0, 2**31 - 1, 0)
        self.seed_spin.setToolTip("Same seed and settings: same weights, samples and curves")
        self.preview_spin = _spin(1, 1_000_000, TrainConfig().preview_every)
        self.preview_spin.setSuffix(" steps")
        self.preview_spin.setToolTip(
            "How often the sample grid (from fixed noise) and the reconstructions are drawn; "
            "also at the end of every epoch"
        )
        self.run_dir_field = PathField(pick_folder=True, caption="Run folder", fill_on_browse=False)
        self.run_dir_field.setToolTip(
            "Checkpoints go here; it is created if missing. Browse… to a folder with files in "
            "it makes a new run folder inside."
        )

    def _build_layout(self) -> None:
        self.data_form = _form()
        self.data_form.addRow("&Source:", self.source_combo)
        self.data_form.addRow("&Dataset:", self.builtin_combo)
        self.data_form.addRow("&Dataset:", self.dataset_combo)
        self.data_form.addRow("Data f&older:", self.data_root_field)
        self.data_form.addRow("&Folder:", self.folder_field)
        self.data_form.addRow("&Image size:", self.image_size_spin)
        self.data_form.addRow("&Channels:", self.channels_combo)
        self.data_form.addRow("&npz file:", self.npz_field)
        self.data_form.addRow("", self.dataset_hint)

        self.model_form = _form(fields_fill=True)
        self.model_form.addRow("&Model:", self.kind_combo)
        self.model_form.addRow("&Architecture:", self.arch_combo)
        self.model_form.addRow("&Latent dimension:", self.latent_spin)
        self.model_form.addRow("&Hidden width:", self.hidden_spin)
        self.model_form.addRow("&Base channels:", self.base_spin)
        self.model_form.addRow("KL &weight β:", self.beta_spin)
        self.model_form.addRow("&KL annealing:", self.anneal_spin)
        self.model_form.addRow("&GAN loss:", self.gan_loss_combo)

        self.training_form = _form(fields_fill=True)
        self.training_form.addRow("E&pochs:", self.epochs_spin)
        self.training_form.addRow("Batch si&ze:", self.batch_spin)
        self.training_form.addRow("Learning &rate:", self.lr_edit)
        self.training_form.addRow("Rate deca&y:", self.schedule_combo)
        self.training_form.addRow("Pi&xels:", self.binarize_check)
        self.training_form.addRow("De&vice:", self.device_combo)
        self.training_form.addRow("S&eed:", self.seed_spin)
        self.training_form.addRow("Samples e&very:", self.preview_spin)
        self.plan_label = QtWidgets.QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setStyleSheet(_HINT_STYLE)
        self.training_form.addRow(self.plan_label)

        run_form = _form()
        run_form.addRow("R&un folder:", self.run_dir_field)

        columns = QtWidgets.QHBoxLayout()
        columns.addWidget(_group("Model", self.model_form), 1)
        columns.addWidget(_group("Training", self.training_form), 1)

        self.message_label = QtWidgets.QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(QtCore.Qt.TextFormat.RichText)

        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.train_button = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.train_button.setText("Train")
        self.reset_button = self.buttons.addButton(
            "Rese&t to preset", QtWidgets.QDialogButtonBox.ButtonRole.ResetRole
        )
        self.reset_button.setToolTip(
            "Latent dimension, batch size, epochs and base channels as the dataset's preset"
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self.reset_to_preset)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(_group("Data", self.data_form))
        layout.addLayout(columns)
        layout.addLayout(run_form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for combo in (self.source_combo, self.builtin_combo, self.dataset_combo, self.kind_combo):
            combo.currentIndexChanged.connect(self._dataset_or_model_changed)
        for name, spin in self._preset_spins().items():
            spin.valueChanged.connect(lambda _value, name=name: self._preset_field_edited(name))
        for field in (self.folder_field, self.npz_field):
            field.edited.connect(self._dataset_path_edited)
        self.run_dir_field.edited.connect(self._run_dir_edited)
        self.run_dir_field.browsed.connect(self._run_dir_browsed)
        self.data_root_field.edited.connect(self._refresh)
        self.lr_edit.textChanged.connect(self._refresh)
        self.binarize_check.toggled.connect(self._refresh)
        for widget in (
            self.arch_combo,
            self.channels_combo,
            self.device_combo,
            self.schedule_combo,
        ):
            widget.currentIndexChanged.connect(self._refresh)
        for spin in (self.hidden_spin, self.beta_spin, self.anneal_spin, self.image_size_spin):
            spin.valueChanged.connect(self._refresh)

    # -- filling --------------------------------------------------------------------------

    def _load(self, initial: TrainingRequest | None) -> None:
        """Fill every field from ``initial`` (or the digits default) without marking edits."""
        request = initial or default_request()
        model, train = request.model_config, request.train_config
        self._filling = True
        try:
            self._load_dataset(request)
            _select(self.kind_combo, model.kind)
            _select(self.arch_combo, model.architecture)
            _select(self.gan_loss_combo, model.gan_loss)
            self.latent_spin.setValue(model.latent_dim)
            self.hidden_spin.setValue(model.hidden_dim)
            self.base_spin.setValue(model.base_channels)
            self.beta_spin.setValue(model.beta)
            self.anneal_spin.setValue(model.kl_anneal_epochs)
            self.epochs_spin.setValue(train.epochs)
            self.batch_spin.setValue(train.batch_size)
            self.lr_edit.setText("" if train.learning_rate is None else f"{train.learning_rate:g}")
            _select(self.schedule_combo, train.lr_schedule)
            self.binarize_check.setChecked(train.binarize)
            if self.device_combo.findData(train.device) < 0:
                self.device_combo.addItem(train.device, train.device)
            _select(self.device_combo, train.device)
            self.seed_spin.setValue(train.seed)
            self.preview_spin.setValue(train.preview_every)
        finally:
            self._filling = False
        # Values that differ from the preset were chosen by someone: keep them.
        preset = self._preset_values()
        current = self._preset_field_values()
        self._touched = {name for name in PRESET_FIELDS if current[name] != preset[name]}
        if initial is not None:
            # A new run gets a new folder next to the previous one, never the same folder.
            self._runs_root = Path(initial.run_dir).expanduser().parent
        self._update_run_dir()

    def _load_dataset(self, request: TrainingRequest) -> None:
        spec = request.dataset_spec
        prefix, colon, argument = spec.partition(":")
        self.data_root_field.set_text(request.data_root or str(default_data_root()))
        if request.image_size:
            self.image_size_spin.setValue(request.image_size)
        _select(self.channels_combo, request.channels)
        if colon and prefix.lower() in ("folder", "npz"):
            _select(self.source_combo, prefix.lower())
            field = self.folder_field if prefix.lower() == "folder" else self.npz_field
            field.set_text(argument)
        elif spec.lower() in DOWNLOADABLE:
            _select(self.source_combo, "torchvision")
            _select(self.dataset_combo, spec.lower())
        else:
            _select(self.source_combo, "builtin")
            name = spec.lower() if spec.lower() in BUILT_IN else DEFAULT_DATASET
            _select(self.builtin_combo, name)

    def _preset_values(self) -> dict[str, int]:
        """The preset's values, with epochs and batch size planned by steps when the size of
        the training split is known (a tiny set gets a smaller batch and more epochs)."""
        preset = preset_for(self._dataset_spec())
        size = self._training_size()
        batch, epochs = preset.batch_size, preset.epochs_for(self._kind())
        if size is not None:
            plan = plan_training(preset, self._kind(), size.train_images)
            batch, epochs = plan.batch_size, plan.epochs
        return {
            "latent_dim": preset.latent_dim,
            "batch_size": batch,
            "epochs": epochs,
            "base_channels": preset.base_channels,
        }

    def _training_size(self) -> TrainingSize | None:
        """How many training images the chosen data holds (remembered per spec and file
        time: a folder is counted once, not at each keystroke)."""
        source, spec = self._source(), self._dataset_spec()
        folder = source == "folder"
        changed = None
        if source in ("folder", "npz"):
            path = Path(spec.partition(":")[2] or ".")
            changed = path.stat().st_mtime if path.exists() else None
        key = (
            spec,
            changed,
            self.image_size_spin.value() if folder else None,
            self.channels_combo.currentData() if folder else None,
        )
        if key not in self._sizes:
            self._sizes[key] = training_size(spec, image_size=key[2], channels=key[3])
        return self._sizes[key]

    def _plan_text(self) -> tuple[str, str | None]:
        """The plan line under the training settings, and a warning when it is too short."""
        size = self._training_size()
        if size is None:
            return "Planned steps: known once the data is chosen.", None
        per_epoch = steps_per_epoch(size.train_images, self.batch_spin.value())
        steps = self.epochs_spin.value() * per_epoch
        text = (
            f"Planned: {steps:,} optimizer steps ({self.epochs_spin.value():,} epochs × "
            f"{per_epoch:,} steps of {self.batch_spin.value():,} on {size.train_images:,} "
            "training images)"
        )
        if size.image_shape is not None:
            seconds = rough_cpu_seconds(
                self._kind(),
                self.arch_combo.currentData(),
                steps * self.batch_spin.value(),
                size.image_shape,
                self.base_spin.value(),
            )
            text += f", about {rough_duration(seconds)} on a 2-core CPU (a GPU is faster)"
        return text + ".", too_few_steps(steps, self._kind())

    def _preset_spins(self) -> dict[str, QtWidgets.QSpinBox]:
        """The fields a preset fills, by the Preset attribute they take."""
        return {
            "latent_dim": self.latent_spin,
            "batch_size": self.batch_spin,
            "epochs": self.epochs_spin,
            "base_channels": self.base_spin,
        }

    def _preset_field_values(self) -> dict[str, int]:
        return {name: spin.value() for name, spin in self._preset_spins().items()}

    def _apply_preset(self) -> None:
        spins = self._preset_spins()
        self._filling = True
        try:
            for name, value in self._preset_values().items():
                if name not in self._touched:
                    spins[name].setValue(value)
        finally:
            self._filling = False

    def _update_run_dir(self) -> None:
        if not self._run_dir_touched:
            path = default_run_dir(
                self._dataset_spec(), self._kind(), root=self._runs_root, when=self._started
            )
            self.run_dir_field.set_text(str(path))

    # -- reactions ------------------------------------------------------------------------

    def _dataset_or_model_changed(self) -> None:
        if self._filling:
            return
        self._apply_preset()
        self._update_run_dir()
        self._refresh()

    def _preset_field_edited(self, name: str) -> None:
        if not self._filling:
            self._touched.add(name)
            self._refresh()

    def _dataset_path_edited(self) -> None:
        self._apply_preset()  # another file: another size, another plan
        self._update_run_dir()
        self._refresh()

    def _run_dir_edited(self) -> None:
        self._run_dir_touched = True
        self._refresh()

    def _run_dir_browsed(self, path: str) -> None:
        chosen = Path(path)
        if chosen.is_dir() and any(chosen.iterdir()):
            # A folder with things in it is where runs go, not the run itself.
            self._runs_root, self._run_dir_touched = chosen, False
            self._update_run_dir()
        else:
            self.run_dir_field.set_text(path)
            self._run_dir_touched = True
        self._refresh()

    def _refresh(self) -> None:
        """Show the rows that apply, enable what the model uses, then validate."""
        source, kind = self._source(), self._kind()
        rows = {
            self.builtin_combo: source == "builtin",
            self.dataset_combo: source == "torchvision",
            self.data_root_field: source == "torchvision",
            self.folder_field: source == "folder",
            self.image_size_spin: source == "folder",
            self.channels_combo: source == "folder",
            self.npz_field: source == "npz",
        }
        for widget, shown in rows.items():
            self.data_form.setRowVisible(widget, shown)
        self.dataset_hint.setText(self._dataset_hint())

        entry = MODEL_KINDS.get(kind)
        for index in range(self.arch_combo.count()):
            allowed = self.arch_combo.itemData(index) in entry.architectures
            self.arch_combo.model().item(index).setEnabled(allowed)
        if self.arch_combo.currentData() not in entry.architectures:
            _select(self.arch_combo, entry.architectures[0])
        mlp = self.arch_combo.currentData() == "mlp"
        _enable_row(self.model_form, self.hidden_spin, mlp)
        _enable_row(self.model_form, self.base_spin, not mlp)
        _enable_row(self.model_form, self.beta_spin, entry.variational)
        _enable_row(self.model_form, self.anneal_spin, entry.variational)
        _enable_row(self.model_form, self.gan_loss_combo, entry.adversarial)
        # Dynamic binarization is a likelihood model's trick: not for a discriminator's data.
        _enable_row(self.training_form, self.binarize_check, not entry.adversarial)
        self.lr_edit.setPlaceholderText(f"default ({entry.learning_rate:g})")
        self.plan_label.setText(self._plan_text()[0])
        self._validate()

    def _validate(self) -> None:
        _request, self._problems = self._collect()
        flagged = {p.widget for p in self._problems if p.widget and p.blocking}
        for widget in (
            self.folder_field.line_edit,
            self.npz_field.line_edit,
            self.data_root_field.line_edit,
            self.latent_spin,
            self.lr_edit,
            self.run_dir_field.line_edit,
        ):
            _mark_invalid(widget, widget in flagged)
        lines = [
            f'<span style="color:{_ERROR_INK if p.blocking else _WARNING_INK}">'
            f"{html.escape(p.message)}</span>"
            for p in self._problems
        ]
        self.message_label.setText("<br>".join(lines))
        self.message_label.setVisible(bool(lines))
        self.train_button.setEnabled(self.is_valid())

    # -- reading --------------------------------------------------------------------------

    def _source(self) -> str:
        return self.source_combo.currentData()

    def _kind(self) -> str:
        return self.kind_combo.currentData()

    def _dataset_spec(self) -> str:
        source = self._source()
        if source == "torchvision":
            return self.dataset_combo.currentData()
        if source in ("folder", "npz"):
            field = self.folder_field if source == "folder" else self.npz_field
            # Without a path yet, the bare kind still picks the right preset and run name.
            return f"{source}:{absolute_path(field.text())}" if field.text() else source
        return self.builtin_combo.currentData()

    def _dataset_hint(self) -> str:
        source = self._source()
        if source == "builtin":
            return DATASETS[self.builtin_combo.currentData()].summary
        if source == "torchvision":
            return DATASETS[self.dataset_combo.currentData()].summary
        if source == "folder":
            return "Every image in the folder; subfolders become classes."
        return "Arrays 'images' (optionally 'labels', 'class_names') in a NumPy file."

    def _collect(self) -> tuple[TrainingRequest | None, list[_Problem]]:
        """The request the fields describe, or None, and every problem found."""
        problems = self._data_problems()
        latent = self.latent_spin.value()
        if not MIN_LATENT_DIM <= latent <= MAX_LATENT_DIM:
            problems.append(
                _Problem(
                    f"Latent dimension must be between {MIN_LATENT_DIM} and {MAX_LATENT_DIM}.",
                    self.latent_spin,
                )
            )
        learning_rate, lr_problem = self._learning_rate()
        if lr_problem:
            problems.append(_Problem(lr_problem, self.lr_edit))
        problems += self._device_problems() + self._run_dir_problems()
        short = self._plan_text()[1]
        if short:
            problems.append(_Problem(short, self.epochs_spin, blocking=False))
        if any(p.blocking for p in problems):
            return None, problems
        kind = self._kind()
        variational = MODEL_KINDS.get(kind).variational
        try:
            model_config = ModelConfig(
                kind=kind,
                architecture=self.arch_combo.currentData(),
                latent_dim=latent,
                hidden_dim=self.hidden_spin.value(),
                base_channels=self.base_spin.value(),
                beta=self.beta_spin.value() if variational else 1.0,
                kl_anneal_epochs=self.anneal_spin.value() if variational else 0,
                gan_loss=self.gan_loss_combo.currentData(),
            )
            train_config = TrainConfig(
                epochs=self.epochs_spin.value(),
                batch_size=self.batch_spin.value(),
                learning_rate=learning_rate,
                seed=self.seed_spin.value(),
                device=self.device_combo.currentData(),
                preview_every=self.preview_spin.value(),
                lr_schedule=self.schedule_combo.currentData(),
                binarize=self.binarize_check.isChecked() and not MODEL_KINDS.get(kind).adversarial,
            )
        except ConfigError as error:
            return None, [*problems, _Problem(str(error))]
        folder = self._source() == "folder"
        request = TrainingRequest(
            dataset_spec=self._dataset_spec(),
            data_root=self._data_root(),
            image_size=self.image_size_spin.value() if folder else None,
            channels=self.channels_combo.currentData() if folder else None,
            model_config=model_config,
            train_config=train_config,
            run_dir=str(absolute_path(self.run_dir_field.text())),
        )
        return request, problems

    def _data_root(self) -> str | None:
        text = self.data_root_field.text()
        if self._source() != "torchvision" or not text:
            return None
        root = absolute_path(text)
        # None means "the default": a later change of $LATENTLAB_DATA then still applies.
        return None if root == default_data_root() else str(root)

    def _data_problems(self) -> list[_Problem]:
        source = self._source()
        checks = {
            "torchvision": (self.data_root_field, data_root_problem),
            "folder": (self.folder_field, image_folder_problem),
            "npz": (self.npz_field, npz_file_problem),
        }
        if source not in checks:
            return []
        field, check = checks[source]
        message = check(field.text())
        if message:
            return [_Problem(message, field.line_edit)]
        if source == "torchvision":
            root = absolute_path(field.text()) if field.text() else default_data_root()
            status = download_status(self.dataset_combo.currentData(), root)
            if status is not None:
                return [_Problem(status.message, field.line_edit, blocking=status.blocking)]
        return []

    def _learning_rate(self) -> tuple[float | None, str]:
        try:
            return parse_learning_rate(self.lr_edit.text()), ""
        except ValueError as error:
            return None, str(error)

    def _device_problems(self) -> list[_Problem]:
        from latentlab.training import pick_device

        try:
            pick_device(self.device_combo.currentData())
        except (RuntimeError, ValueError) as error:
            return [_Problem(f"Device: {error}.", self.device_combo)]
        return []

    def _run_dir_problems(self) -> list[_Problem]:
        problem = run_dir_problem(self.run_dir_field.text())
        if problem is None:
            return []
        message, blocking = problem
        return [_Problem(message, self.run_dir_field.line_edit, blocking)]


# -- small helpers ----------------------------------------------------------------------------


def _device_choices() -> list[tuple[str, str]]:
    import torch

    from latentlab.training import describe_device, pick_device

    choices = [("auto", f"Auto: {describe_device(pick_device('auto'))}"), ("cpu", "CPU")]
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        for index in range(count):
            name = "cuda" if count == 1 else f"cuda:{index}"
            choices.append((name, f"{name}: {torch.cuda.get_device_name(index)}"))
    if torch.backends.mps.is_available():
        choices.append(("mps", "Apple GPU (MPS)"))
    return choices


def _combo(choices) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    for data, label in choices:
        combo.addItem(label, data)
    return combo


def _select(combo: QtWidgets.QComboBox, data: object) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def _spin(low: int, high: int, value: int, suffix: str = "") -> QtWidgets.QSpinBox:
    spin = QtWidgets.QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setMinimumWidth(110)
    return spin


def _form(*, fields_fill: bool = False) -> QtWidgets.QFormLayout:
    form = QtWidgets.QFormLayout()
    # The same on every platform. In the narrow Model and Training columns every field fills
    # the column, so their right edges line up; elsewhere only path fields stretch.
    policy = QtWidgets.QFormLayout.FieldGrowthPolicy
    form.setFieldGrowthPolicy(
        policy.AllNonFixedFieldsGrow if fields_fill else policy.ExpandingFieldsGrow
    )
    form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


def _group(title: str, form: QtWidgets.QFormLayout) -> QtWidgets.QGroupBox:
    box = QtWidgets.QGroupBox(title)
    box.setLayout(form)
    return box


def _enable_row(form: QtWidgets.QFormLayout, field: QtWidgets.QWidget, enabled: bool) -> None:
    field.setEnabled(enabled)
    label = form.labelForField(field)
    if label is not None:
        label.setEnabled(enabled)


def _mark_invalid(widget: QtWidgets.QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    if not invalid:
        widget.setPalette(QtGui.QPalette())  # nothing set: inherit the normal colours again
        return
    palette = widget.palette()
    palette.setColor(QtGui.QPalette.ColorRole.Base, QtGui.QColor(_INVALID_BASE))
    palette.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(_INVALID_WINDOW))
    widget.setPalette(palette)
