"""Where model B comes from: a checkpoint file (opened on a worker, reading no file it
names), or an earlier epoch of the run being explored (its map as it was then)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from latentlab.ui.background import start_job
from latentlab.ui.compare.compare_controller import CompareController
from latentlab.ui.dialogs.checkpoint_files import ask_checkpoint_to_open


class CompareSources(QObject):
    """File › Compare with checkpoint… and Compare with an earlier epoch…"""

    error_raised = Signal(str, str)
    status_changed = Signal(str)

    def __init__(self, compare: CompareController, parent: QWidget) -> None:
        super().__init__(parent)
        self.compare = compare
        self.window = parent

    def ask_checkpoint(self, folder: str = "") -> None:
        path = ask_checkpoint_to_open(self.window, "Compare with checkpoint", folder)
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: str | Path) -> None:
        """Open ``path`` on a worker and show it as B (mapped on A's data when it fits)."""
        from latentlab.jobs.models import open_model_job

        if self.compare.state_a.model is None:
            self.error_raised.emit("Nothing to compare with", "Open or train a model first.")
            return
        self.status_changed.emit(f"Opening {path} to compare…")
        start_job(
            open_model_job,
            str(path),
            on_result=self._on_opened,
            on_error=lambda error: self.error_raised.emit(
                "Could not open the checkpoint to compare", f"{Path(path).name}: {error}"
            ),
        )

    def _on_opened(self, opened: Any) -> None:
        self.compare.compare_with(opened.model, opened.dataset, opened.path.name)

    def epochs(self) -> list[int]:
        """The earlier epochs of the explored run whose maps are kept."""
        maps = self.compare.explorer.maps
        shown = maps.history[maps.shown_index].epoch if maps.history else None
        return [e.epoch for e in maps.history if e.epoch is not None and e.epoch != shown]

    def ask_epoch(self) -> None:
        epochs = self.epochs()
        if not epochs:
            self.error_raised.emit(
                "No other epoch to compare with",
                "The maps of a run's epochs are kept while it trains in this window; train a "
                "model (or compare with a checkpoint file) first.",
            )
            return
        names = [f"epoch {epoch}" for epoch in epochs]
        name, chosen = QInputDialog.getItem(
            self.window, "Compare with an earlier epoch", "Epoch:", names, 0, False
        )
        if chosen:
            self.compare_with_epoch(epochs[names.index(name)])

    def compare_with_epoch(self, epoch: int) -> None:
        """Show the explored run at ``epoch`` as B, with the map it had then."""
        maps = self.compare.explorer.maps
        entry = next(e for e in maps.history if e.epoch == epoch)
        self.compare.compare_with(
            entry.model, maps.dataset, f"epoch {epoch}", epoch=epoch, data=entry.data
        )
