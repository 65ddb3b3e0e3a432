"""What the central area offers before any model is loaded."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Three ways in: one-click digits training, open a checkpoint, or a configured run."""

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

        self.quick_train = QPushButton("Train a VAE on the built-in digits")
        self.quick_train.setToolTip(
            "1,797 handwritten digits, no download: a map appears within seconds"
        )
        self.quick_train.setDefault(True)
        self.open_button = QPushButton("Open checkpoint…")
        self.new_training = QPushButton("New training…")
        for button in (self.quick_train, self.open_button, self.new_training):
            button.setMinimumSize(320, 44)
            button.setStyleSheet("font-size: 15px;")
            layout.addWidget(button, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.quick_train.setStyleSheet(
            "font-size: 15px; font-weight: 600; background: #2f6fd6; color: white;"
            "border-radius: 6px; padding: 8px;"
        )
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
        for button in (self.quick_train, self.open_button, self.new_training):
            button.setEnabled(not message)
