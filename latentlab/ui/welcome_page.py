"""What the central area offers before any model is loaded."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from latentlab.training.bundled import BUNDLED_MODELS

PRIMARY_STYLE = (
    "font-size: 15px; font-weight: 600; background: #2f6fd6; color: white;"
    "border-radius: 6px; padding: 8px;"
)


class WelcomePage(QWidget):
    """Ways in: explore a shipped trained model, one-click training on the shipped MNIST
    subset, open a checkpoint, or a configured run. Nothing here needs a download."""

    explore_requested = Signal(str)  # a BundledModel key
    quick_train_requested = Signal()
    open_requested = Signal()
    new_training_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(12)

        title = QLabel("LatentLab")
        title.setStyleSheet("font-size: 28px; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        subtitle = QLabel(
            "Train or open a VAE or GAN, then click anywhere on its latent map to generate."
        )
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle.setWordWrap(True)
        subtitle.setStyleSheet("color: palette(mid); font-size: 14px;")
        layout.addWidget(subtitle)
        layout.addSpacing(12)

        first, *others = BUNDLED_MODELS
        self.explore = QPushButton(first.title)
        self.explore.setToolTip(f"{first.summary}: click its map to generate")
        self.explore.setDefault(True)
        self.quick_train = QPushButton("Train a VAE on MNIST")
        self.quick_train.setToolTip(
            "10,000 MNIST digits shipped with LatentLab, no download: the map appears after "
            "the first epoch, within seconds, and sharpens while training goes on"
        )
        self.open_button = QPushButton("Open checkpoint…")
        self.new_training = QPushButton("New training…")
        for button in (self.explore, self.quick_train, self.open_button, self.new_training):
            button.setMinimumSize(320, 44)
            button.setStyleSheet("font-size: 15px;")
            layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.explore.setStyleSheet(PRIMARY_STYLE)
        self.explore.clicked.connect(lambda: self.explore_requested.emit(first.key))
        more = QHBoxLayout()
        more.addStretch(1)
        more.addWidget(QLabel("Also trained and shipped:"))
        self.more_models: list[QPushButton] = []
        for entry in others:
            link = QPushButton(entry.name)
            link.setToolTip(entry.summary)
            link.setFlat(True)
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.setStyleSheet("color: palette(link); text-decoration: underline;")
            link.clicked.connect(lambda _=False, key=entry.key: self.explore_requested.emit(key))
            more.addWidget(link)
            self.more_models.append(link)
        more.addStretch(1)
        layout.addLayout(more)
        self.status = QLabel("")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setStyleSheet("color: palette(mid);")
        layout.addSpacing(8)
        layout.addWidget(self.status)
        hint = QLabel("Tip: drop a checkpoint file (.safetensors) anywhere on this window.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: palette(mid);")
        layout.addWidget(hint)

        self.quick_train.clicked.connect(self.quick_train_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.new_training.clicked.connect(self.new_training_requested)

    def set_busy(self, message: str) -> None:
        """Show what is happening (e.g. 'Loading PyTorch…') and hold the buttons until ready."""
        self.status.setText(message)
        for button in (
            self.explore,
            self.quick_train,
            self.open_button,
            self.new_training,
            *self.more_models,
        ):
            button.setEnabled(not message)
