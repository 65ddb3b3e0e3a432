"""The file dialogs that pick a checkpoint to open or to save to."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

CHECKPOINT_FILTER = "LatentLab checkpoints (*.safetensors);;All files (*)"


def ask_checkpoint_to_open(parent: QWidget, title: str, folder: str = "") -> str:
    """The checkpoint the user picked, or "" when they cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, CHECKPOINT_FILTER)
    return path
