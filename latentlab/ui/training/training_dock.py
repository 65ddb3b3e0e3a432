"""TrainingDock: watch a run learn (curves, progress, preview grids) and steer it.

A pure view: it shows the training records it is handed and emits ``*_requested`` signals
from its buttons; the main window owns the worker and the TrainingControl.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.model_kinds import MODEL_KINDS
from latentlab.record_text import format_duration
from latentlab.training.records import (
    EpochFinished,
    PreviewGrids,
    StepProgress,
    TrainingFinished,
)
from latentlab.ui.training.loss_plot import LossPlot
from latentlab.ui.training.sample_quality_panel import SampleQualityPanel
from latentlab.ui.training.training_preview import PreviewPanel
from latentlab.ui.widgets.elided_label import ElidedLabel
from latentlab.ui.widgets.scrolling import minimum_height_for_width, scrollable

STATES = ("idle", "running", "paused", "finished")
_FAILED_INK = "#c62828"
_MUTED_STYLE = "color: #707070;"
_NO_RUN_TEXT = "No training yet: press “Start training…” to begin."
_WAITING_TEXT = "Appears after the first preview…"
_WARNING_STYLE = (
    "background: #fff4d6; color: #6b4400; border: 1px solid #e0b450; border-radius: 3px;"
    " padding: 4px;"
)


class TrainingDock(QtWidgets.QDockWidget):
    """The "Training" dock: buttons, progress, loss curves and preview grids.

    Feed it with :meth:`begin_run`, then the records of ``Trainer.run()`` through
    :meth:`show_step`, :meth:`show_previews`, :meth:`show_epoch` and :meth:`show_finished`.
    ``begin_run`` puts it in the "running" state and ``show_finished`` in "finished"; a click
    on Pause/Resume switches between "running" and "paused" at once (TrainingControl acts
    immediately); :meth:`set_state` can override the state at any time.
    """

    start_requested = QtCore.Signal()
    pause_requested = QtCore.Signal()
    resume_requested = QtCore.Signal()
    stop_requested = QtCore.Signal()
    save_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("TrainingDock")
        self._state = "idle"
        self._stopping = False
        self._finished_status = ""
        self._last_fraction = 0.0

        self.start_button = QtWidgets.QPushButton("Start training…")
        self.start_button.setToolTip("Choose a dataset and a model, then train")
        self.pause_button = QtWidgets.QPushButton("Pause")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and save a checkpoint")
        self.save_button = QtWidgets.QPushButton("Save checkpoint")
        self.save_button.setToolTip("Save the current weights without stopping")
        # Lambdas: `clicked` carries a `checked` argument the *_requested signals do not take.
        self.start_button.clicked.connect(lambda: self.start_requested.emit())
        self.pause_button.clicked.connect(self._pause_clicked)
        self.stop_button.clicked.connect(self._stop_clicked)
        self.save_button.clicked.connect(lambda: self.save_requested.emit())

        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        # Elided: its changing text never re-lays out the dock (or widens it).
        self.progress_label = ElidedLabel(_NO_RUN_TEXT)
        self.message_label = QtWidgets.QLabel()
        self.message_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # messages quote paths
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.message_label.hide()
        # GANs: what is going wrong (the discriminator winning, mode collapse), while it lasts.
        self.warning_label = QtWidgets.QLabel()
        self.warning_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(_WARNING_STYLE)
        self.warning_label.hide()
        self._warnings: dict[str, str] = {}

        self.loss_plot = LossPlot()
        self.samples_panel = PreviewPanel("Samples", "from fixed noise")
        self.reconstructions_panel = PreviewPanel(
            "Reconstructions", "test images above,\nreconstructions below"
        )
        self.quality_panel = SampleQualityPanel()
        self.quality_panel.hide()
        self.run_label = _PathLabel()
        self.run_label.setStyleSheet(_MUTED_STYLE)

        self.setWidget(scrollable(self._build_contents()))
        self.samples_panel.clear(_NO_RUN_TEXT)
        self.reconstructions_panel.clear(_NO_RUN_TEXT)
        self.set_state("idle")

    # -- what the main window calls ---------------------------------------------------

    @property
    def state(self) -> str:
        """One of ``STATES``."""
        return self._state

    def set_state(self, state: str) -> None:
        """Enable the buttons that make sense in ``state`` (idle/running/paused/finished)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}; got {state!r}")
        starting = state == "running" and self._state in ("idle", "finished")
        self._state = state
        if starting:
            # A new run is on its way (loading data can take a while before begin_run).
            self._reset_views()
            self.progress_label.setText("Loading the dataset and building the model…")
        if state == "idle":
            self.clear_run()
        if state not in ("running", "paused"):
            self._stopping = False
        active = state in ("running", "paused") and not self._stopping
        self.start_button.setEnabled(state in ("idle", "finished"))
        self.pause_button.setEnabled(active)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.pause_button.setToolTip(
            "Continue training" if state == "paused" else "Hold training after the current step"
        )
        self.stop_button.setEnabled(active)
        # A finished run's model can still be saved (elsewhere than its autosave).
        self.save_button.setEnabled(active or state == "finished")
        self._update_bar_text()

    def clear_run(self) -> None:
        """Show no run: a failed start, or a model opened from a file while none trains.
        The previous run's curves and images go, so the dock never describes another model."""
        self._reset_views()
        self.loss_plot.reset(())
        self.samples_panel.clear(_NO_RUN_TEXT)
        self.reconstructions_panel.set_shown(True)
        self.reconstructions_panel.clear(_NO_RUN_TEXT)
        self.quality_panel.reset("")
        self.quality_panel.hide()
        self.run_label.set_path(None)
        self.progress_label.setText(_NO_RUN_TEXT)

    def begin_run(
        self,
        kind: str,
        loss_names: tuple[str, ...],
        epochs: int,
        total_steps: int,
        run_dir: str | None,
    ) -> None:
        """Clear the previous run and get ready for a new one (state becomes "running")."""
        self.set_state("running")
        self._reset_views()
        entry = MODEL_KINDS.get(kind)
        # Reconstruction losses fall by orders of magnitude; a GAN's losses balance.
        self.loss_plot.reset(loss_names, log_y=not entry.adversarial)
        self.progress_label.setText(f"Starting: epoch 1/{epochs} · {total_steps:,} steps")
        self.samples_panel.clear(_WAITING_TEXT)
        has_encoder = entry.has_encoder
        self.reconstructions_panel.set_shown(has_encoder)
        if has_encoder:
            self.reconstructions_panel.clear(_WAITING_TEXT)
        # A GAN has no reconstructions: its column shows how good the samples are instead.
        self.quality_panel.setVisible(not has_encoder)
        self.quality_panel.reset("Measured after each epoch…")
        self.run_label.set_path(run_dir, prefix="Run folder: ")
        self._update_bar_text()

    def show_step(self, record: StepProgress) -> None:
        """Progress bar and text, and one point per loss curve (its legend shows the value)."""
        self._last_fraction = record.fraction_done
        self.progress_bar.setValue(round(1000 * record.fraction_done))
        self._update_bar_text()
        self.progress_label.setText(
            f"Epoch {record.epoch + 1}/{record.epochs} · step {record.step:,}/"
            f"{record.total_steps:,} · {record.images_per_second:,.0f} img/s · "
            f"ETA {format_duration(record.eta_seconds)}"
        )
        self.loss_plot.append(record.step, record.losses)

    def show_previews(self, record: PreviewGrids) -> None:
        """Show the sample grid and, for models with an encoder, the reconstruction grid."""
        self.samples_panel.set_image(record.samples, record.step)
        if record.reconstructions is not None:
            self.reconstructions_panel.set_image(record.reconstructions, record.step)

    def show_epoch(self, record: EpochFinished) -> None:
        """Mark the epoch on the curves and say where it was autosaved."""
        self.loss_plot.mark_epoch(record.step)
        if record.checkpoint_path:
            self.run_label.set_note(f"autosaved after epoch {record.epoch + 1}")

    def show_classifier_progress(self, record) -> None:
        """The domain classifier that judges a GAN's samples is being trained (once per
        dataset; later runs load it from the cache)."""
        text = (
            f"Training the domain classifier that judges the samples: step "
            f"{record.step:,}/{record.total_steps:,}"
        )
        self.progress_label.setText(text)
        self.quality_panel.set_note(text)

    def show_quality(self, record) -> None:
        """A GanEpochQuality: a point on the Fréchet-distance curve and the class census."""
        self.quality_panel.add(record)

    def show_warning(self, record) -> None:
        """A GanWarning: shown while it is active, removed when it no longer holds."""
        if record.active:
            self._warnings[record.kind] = record.message
        else:
            self._warnings.pop(record.kind, None)
        self.warning_label.setText("\n\n".join(f"⚠ {m}" for m in self._warnings.values()))
        self.warning_label.setVisible(bool(self._warnings))

    def warnings(self) -> dict[str, str]:
        """The active warnings by kind."""
        return dict(self._warnings)

    def show_finished(self, record: TrainingFinished) -> None:
        """Show why the run ended (a failure in red); state becomes "finished"."""
        failed = record.status == "failed"
        self.message_label.setText(record.message)
        self.message_label.setStyleSheet(f"color: {_FAILED_INK};" if failed else "")
        self.message_label.show()
        self.loss_plot.flush()  # the last points may still wait for the next redraw
        if record.losses:
            self.loss_plot.show_values(record.losses)
        self._finished_status = record.status
        self.set_state("finished")

    # -- helpers ------------------------------------------------------------------------

    def _build_contents(self) -> QtWidgets.QWidget:
        buttons = QtWidgets.QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.start_button, self.pause_button, self.stop_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        previews = QtWidgets.QGridLayout()
        previews.setHorizontalSpacing(8)
        previews.setVerticalSpacing(2)
        self.samples_panel.place(previews, 0)
        self.reconstructions_panel.place(previews, 1)
        previews.setRowStretch(2, 1)
        # A GAN has no reconstructions: the sample quality panel takes their place, beside
        # the grid (not in it, so that its own minimum height holds).
        below = QtWidgets.QHBoxLayout()
        below.setSpacing(8)
        below.addLayout(previews, 1)
        below.addWidget(self.quality_panel, 1)

        contents = _Contents()
        layout = QtWidgets.QVBoxLayout(contents)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.loss_plot, 3)
        layout.addSpacing(4)
        layout.addLayout(below, 2)
        layout.addWidget(self.run_label)
        return contents

    def _reset_views(self) -> None:
        self._stopping = False
        self._finished_status = ""
        self._last_fraction = 0.0
        self.progress_bar.setValue(0)
        self.message_label.hide()
        self._warnings.clear()
        self.warning_label.hide()

    def _update_bar_text(self) -> None:
        percent = f"{100 * self._last_fraction:.0f}%"
        if self._stopping:
            text = f"Stopping… {percent}"
        elif self._state == "paused":
            text = f"Paused · {percent}"
        elif self._state == "finished":
            text = {"completed": "Done", "stopped": "Stopped", "failed": "Failed"}.get(
                self._finished_status, "Finished"
            )
            text = f"{text} · {percent}"
        else:
            text = percent
        self.progress_bar.setFormat(text)

    def _pause_clicked(self) -> None:
        if self._state == "paused":
            self.set_state("running")
            self.resume_requested.emit()
        else:
            self.set_state("paused")
            self.pause_requested.emit()

    def _stop_clicked(self) -> None:
        # The loop stops between steps, then sends TrainingFinished; until then no more clicks.
        self._stopping = True
        self.set_state(self._state)
        self.stop_requested.emit()


class _Contents(QtWidgets.QWidget):
    """The dock's body; its size hint is what a main window gives a newly docked dock."""

    def sizeHint(self) -> QtCore.QSize:
        # The plots alone would ask for ~600 px; 420 leaves the latent map most of the window.
        return QtCore.QSize(420, 760)

    def heightForWidth(self, width: int) -> int:
        # The scroll area asks this; the layout's own answer would push the previews out of
        # sight (see minimum_height_for_width).
        return minimum_height_for_width(self, width)


class _PathLabel(QtWidgets.QLabel):
    """Shows "Run folder: …/name · note", eliding the start of the path (the run's own name
    is at its end); a click on the path opens the folder in the file manager."""

    def __init__(self) -> None:
        super().__init__()
        self._prefix = ""
        self._path: str | None = None
        self._note = ""
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.linkActivated.connect(self._open)

    def set_path(self, path: str | None, prefix: str = "") -> None:
        self._path, self._prefix, self._note = path, prefix, ""
        self.setToolTip(path or "")
        self._refresh()

    def set_note(self, note: str) -> None:
        self._note = note
        self._refresh()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh()

    def _refresh(self) -> None:
        if not self._path:
            self.setText(html.escape(self._note))
            return
        note = f" · {self._note}" if self._note else ""
        metrics = self.fontMetrics()
        room = self.width() - metrics.horizontalAdvance(self._prefix + note) - 4
        shown = metrics.elidedText(
            _home_relative(self._path), QtCore.Qt.TextElideMode.ElideLeft, max(room, 40)
        )
        self.setText(
            f"{html.escape(self._prefix)}<a href='open' style='color:#505a6a'>"
            f"{html.escape(shown)}</a>{html.escape(note)}"
        )

    def _open(self, _link: str) -> None:
        if self._path and Path(self._path).is_dir():
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(self._path))


def _home_relative(path: str) -> str:
    try:
        return "~/" + Path(path).expanduser().relative_to(Path.home()).as_posix()
    except ValueError:
        return path
