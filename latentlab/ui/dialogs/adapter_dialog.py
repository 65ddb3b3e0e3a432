"""AdapterDialog ("Open model with adapter"): a model trained in the user's own code.

The adapter file is Python that LatentLab runs, so the dialog says so, shows its full path, and
the button that opens it says that it runs it.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6 import QtWidgets

from latentlab.data import default_data_root
from latentlab.jobs.models import AdapterRequest

DATASET_CHOICES = (
    ("", "None: map samples from the prior"),
    ("digits", "Built-in digits"),
    ("mnist", "MNIST"),
    ("fashion-mnist", "Fashion-MNIST"),
    ("kmnist", "KMNIST"),
    ("cifar10", "CIFAR-10"),
    ("svhn", "SVHN"),
    ("celeba", "CelebA"),
)
OUTPUT_CHOICES = (
    (None, "As the adapter says (OUTPUT, default: already in [0, 1])"),
    ("unit", "Already in [0, 1]"),
    ("tanh", "tanh, in [−1, 1]: rescale to [0, 1]"),
    ("logits", "Logits: apply a sigmoid"),
)
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"


class AdapterDialog(QtWidgets.QDialog):
    """Asks for the adapter file (or none, for TorchScript), the weights, the data to map,
    and optionally the latent size and output range."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, start_folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Open model with adapter")
        self._start_folder = start_folder or str(EXAMPLES_DIR)
        form = QtWidgets.QFormLayout()
        self.adapter = self._file_row(form, "Adapter file", "Python files (*.py)")
        self.adapter.setPlaceholderText("none: the weights file is a TorchScript module")
        self.weights = self._file_row(
            form, "Weights", "Weights (*.pt *.pth *.safetensors *.ts);;All files (*)"
        )
        self.dataset = QtWidgets.QComboBox()
        for value, text in DATASET_CHOICES:
            self.dataset.addItem(text, value)
        form.addRow("Data to map", self.dataset)
        self.data_root = QtWidgets.QLineEdit(str(default_data_root()))
        form.addRow("Data folder", self.data_root)
        self.latent_dim = QtWidgets.QSpinBox(minimum=0, maximum=4096)
        self.latent_dim.setSpecialValueText("found by probing")
        form.addRow("Latent size", self.latent_dim)
        self.output = QtWidgets.QComboBox()
        for value, text in OUTPUT_CHOICES:
            self.output.addItem(text, value)
        form.addRow("Decoder output", self.output)

        self.warning = QtWidgets.QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #9a6700;")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton(
            "Open", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)
        for field in (self.adapter, self.weights):
            field.textChanged.connect(self._refresh)
        self._refresh()
        self.resize(620, self.sizeHint().height())

    def _file_row(self, form, label: str, file_filter: str) -> QtWidgets.QLineEdit:
        edit = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton("Browse…")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(browse)
        form.addRow(label, row)

        def choose() -> None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, label, edit.text() or self._start_folder, file_filter
            )
            if path:
                edit.setText(path)

        browse.clicked.connect(choose)
        return edit

    def _refresh(self) -> None:
        adapter = self.adapter.text().strip()
        weights = self.weights.text().strip()
        problem = None
        if not weights:
            problem = "Choose the weights file."
        elif not Path(weights).is_file():
            problem = f"No file at {weights}."
        elif adapter and not Path(adapter).is_file():
            problem = f"No adapter file at {adapter}."
        if problem:
            self.warning.setText(html.escape(problem))
        elif adapter:
            self.warning.setText(
                "The adapter file is Python code: LatentLab will <b>run</b> "
                f"<code>{html.escape(str(Path(adapter).resolve()))}</code> with your "
                "permissions. Open only adapters you wrote or trust. (The weights are read "
                "without running code.)"
            )
        else:
            self.warning.setText(
                "No adapter file: the weights file is opened as a TorchScript module, whose "
                "stored program runs too. Open only files you trust."
            )
        self.open_button.setEnabled(problem is None)
        self.open_button.setText("Run adapter and open" if adapter else "Open")

    def request(self) -> AdapterRequest:
        adapter = self.adapter.text().strip()
        return AdapterRequest(
            adapter_path=adapter or None,
            weights_path=self.weights.text().strip(),
            dataset_spec=self.dataset.currentData() or None,
            data_root=self.data_root.text().strip() or None,
            latent_dim=self.latent_dim.value() or None,
            output=self.output.currentData(),
        )
