"""Runs training on a worker thread and routes its records to the training dock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from latentlab.jobs.training import ModelSnapshot, RunStarted, training_job
from latentlab.jobs.training_request import TrainingRequest
from latentlab.ui.background import dedicated_pool, start_job


class TrainingController(QObject):
    """Starts, pauses, resumes, stops and saves a run. One run at a time."""

    run_started = Signal(object)  # RunStarted
    model_updated = Signal(object)  # ModelSnapshot
    run_finished = Signal(object)  # TrainingFinished
    error_raised = Signal(str, str)  # title, message
    checkpoint_saved = Signal(str)
    quality_measured = Signal(object)  # GanEpochQuality

    def __init__(self, dock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dock = dock
        self._worker = None
        self._control = None
        self._pool = dedicated_pool()  # a paused run must not hold a thread the map needs
        self.run: RunStarted | None = None
        self._shut_down = False
        dock.pause_requested.connect(self.pause)
        dock.resume_requested.connect(self.resume)
        dock.stop_requested.connect(self.stop)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, request: TrainingRequest) -> None:
        from latentlab.training import TrainingControl

        if self.running:
            self.error_raised.emit("Training is running", "Stop the current run first.")
            return
        self._control = TrainingControl()
        self.run = None
        self.dock.set_state("running")
        self._worker = start_job(
            training_job,
            request,
            self._control,
            on_yield=self._on_record,
            on_error=self._on_error,
            on_finished=self._on_worker_finished,
            pool=self._pool,
        )

    def pause(self) -> None:
        if self._control is not None:
            self._control.pause()
            self.dock.set_state("paused")

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()
            self.dock.set_state("running")

    def stop(self) -> None:
        if self._control is not None:
            self._control.stop()

    def save(self, path: str | Path) -> None:
        """Save the run's model: between steps while training, at once when it has ended."""
        if self.running and self._control is not None:
            self._control.request_checkpoint(path)
        elif self.run is not None:
            start_job(
                self.run.trainer.save,
                path,
                on_result=lambda saved: self.checkpoint_saved.emit(str(saved)),
                on_error=self._on_error,
            )

    def shutdown(self) -> None:
        """Stop training and let the worker end (it saves at the stop)."""
        self._shut_down = True
        if self._control is not None:
            self._control.stop()
        if self._worker is not None:
            self._worker.quit()

    # -- records ------------------------------------------------------------------------

    def _on_record(self, record: Any) -> None:
        if self._shut_down:
            return  # records queued before the window closed
        from latentlab.training import (
            CheckpointSaved,
            EpochFinished,
            GanEpochQuality,
            GanWarning,
            PreviewGrids,
            StepProgress,
            TrainingFinished,
        )
        from latentlab.training.classifier import ClassifierProgress

        if isinstance(record, StepProgress):
            self.dock.show_step(record)
        elif isinstance(record, PreviewGrids):
            self.dock.show_previews(record)
        elif isinstance(record, EpochFinished):
            self.dock.show_epoch(record)
        elif isinstance(record, ModelSnapshot):
            self.model_updated.emit(record)
        elif isinstance(record, RunStarted):
            self.run = record
            self.dock.begin_run(
                record.kind, record.loss_names, record.epochs, record.total_steps, record.run_dir
            )
            self.dock.set_state("running")
            self.run_started.emit(record)
        elif isinstance(record, GanEpochQuality):
            self.dock.show_quality(record)
            self.quality_measured.emit(record)
        elif isinstance(record, GanWarning):
            self.dock.show_warning(record)
        elif isinstance(record, ClassifierProgress):
            self.dock.show_classifier_progress(record)
        elif isinstance(record, CheckpointSaved):
            self.checkpoint_saved.emit(record.path)
        elif isinstance(record, TrainingFinished):
            self.dock.show_finished(record)
            self.run_finished.emit(record)

    def _on_error(self, error: Exception) -> None:
        self.error_raised.emit("Training failed", f"{type(error).__name__}: {error}")

    def _on_worker_finished(self) -> None:
        self._worker = None
        self._control = None
        self.dock.set_state("finished" if self.run is not None else "idle")
