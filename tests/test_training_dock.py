"""The Training dock as a user sees it: progress text, curves, previews, buttons, messages."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6 import QtCore

from latentlab.training.records import (
    EpochFinished,
    PreviewGrids,
    StepProgress,
    TrainingFinished,
)
from latentlab.ui.training.training_dock import TrainingDock

LEFT = QtCore.Qt.MouseButton.LeftButton
VAE_LOSSES = ("total", "reconstruction", "kl")
GAN_LOSSES = ("discriminator", "generator", "D(x)", "D(G(z))")
TIMEOUT = 1000


@pytest.fixture
def dock(qtbot):
    widget = TrainingDock()
    qtbot.addWidget(widget)
    widget.resize(420, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def step_record(step: int, losses: dict[str, float] | None = None) -> StepProgress:
    return StepProgress(
        epoch=step // 50,
        epochs=2,
        step=step,
        total_steps=100,
        losses=losses or {"total": 120.0, "reconstruction": 116.0, "kl": 4.0},
        images_per_second=5432.1,
        eta_seconds=42,
    )


def grid(size: int, channels: int = 1) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (size, size, channels), dtype=np.uint8)


def test_steps_update_progress_text_and_curves(dock, qtbot):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir="/tmp/runs/a")
    dock.show_step(step_record(20))
    dock.show_step(step_record(60, {"total": 110.0, "reconstruction": 107.0, "kl": 3.0}))

    assert dock.progress_label.text() == "Epoch 2/2 · step 60/100 · 5,432 img/s · ETA 0:42"
    assert dock.progress_bar.value() == 600
    assert dock.progress_bar.text() == "60%"
    # The first point is drawn at once, the next with the following (rate-limited) redraw.
    assert len(dock.loss_plot.curve("kl").getData()[0]) >= 1

    def drawn() -> list[int]:
        return [len(dock.loss_plot.curve(name).getData()[0]) for name in VAE_LOSSES]

    qtbot.waitUntil(lambda: drawn() == [2, 2, 2], timeout=TIMEOUT)
    steps, values = dock.loss_plot.curve_data("kl")
    assert steps.tolist() == [20, 60] and values.tolist() == [4.0, 3.0]
    assert dock.loss_plot.legend_text() == "total 110  reconstruction 107  kl 3"


def test_a_new_run_starts_with_empty_curves(dock):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    dock.show_step(step_record(20))
    dock.begin_run("ae", ("total", "reconstruction"), epochs=2, total_steps=100, run_dir=None)

    assert dock.loss_plot.loss_names == ("total", "reconstruction")
    steps, _values = dock.loss_plot.curve("total").getData()
    assert steps is None or len(steps) == 0
    assert dock.progress_bar.value() == 0


def test_previews_show_images_scaled_up(dock):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    assert dock.samples_panel.view.image() is None

    dock.show_previews(PreviewGrids(step=40, samples=grid(37), reconstructions=grid(37, 3)))

    for panel in (dock.samples_panel, dock.reconstructions_panel):
        assert panel.view.image().size() == QtCore.QSize(37, 37)
        assert panel.view.target_rect().width() > 37  # enlarged to fit the panel
        assert panel.step_label.text() == "step 40"


def test_gan_run_hides_reconstructions_and_plots_scores(dock):
    dock.begin_run("dcgan", GAN_LOSSES, epochs=2, total_steps=100, run_dir=None)
    dock.show_step(
        step_record(20, {"discriminator": 1.1, "generator": 0.7, "D(x)": 0.8, "D(G(z))": 0.3})
    )
    dock.show_previews(PreviewGrids(step=20, samples=grid(37), reconstructions=None))

    assert not dock.reconstructions_panel.shown
    assert not dock.reconstructions_panel.view.isVisible()
    assert dock.samples_panel.view.image() is not None
    assert dock.loss_plot.score_widget.isVisible()
    assert dock.loss_plot.curve("D(x)").getData()[1].tolist() == [0.8]

    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    assert dock.reconstructions_panel.view.isVisible()
    assert not dock.loss_plot.score_widget.isVisible()


def test_buttons_follow_state_and_emit(dock, qtbot):
    def enabled():
        buttons = (dock.start_button, dock.pause_button, dock.stop_button, dock.save_button)
        return tuple(b.isEnabled() for b in buttons)

    assert enabled() == (True, False, False, False)
    assert dock.start_button.text() == "Start training…"
    with qtbot.waitSignal(dock.start_requested, timeout=TIMEOUT):
        qtbot.mouseClick(dock.start_button, LEFT)

    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    assert dock.state == "running"
    assert enabled() == (False, True, True, True)
    with qtbot.waitSignal(dock.save_requested, timeout=TIMEOUT):
        qtbot.mouseClick(dock.save_button, LEFT)
    with qtbot.waitSignal(dock.pause_requested, timeout=TIMEOUT):
        qtbot.mouseClick(dock.pause_button, LEFT)
    assert dock.state == "paused"
    assert dock.pause_button.text() == "Resume"
    assert dock.progress_bar.text().startswith("Paused")
    with qtbot.waitSignal(dock.resume_requested, timeout=TIMEOUT):
        qtbot.mouseClick(dock.pause_button, LEFT)
    assert dock.pause_button.text() == "Pause"

    with qtbot.waitSignal(dock.stop_requested, timeout=TIMEOUT):
        qtbot.mouseClick(dock.stop_button, LEFT)
    assert enabled() == (False, False, False, False)  # stopping: wait for the loop
    dock.set_state("finished")
    assert enabled() == (True, False, False, True)  # a finished run can still be saved
    dock.set_state("paused")
    assert enabled() == (False, True, True, True)
    with pytest.raises(ValueError):
        dock.set_state("flying")


def test_a_new_run_clears_the_old_message(dock):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    dock.show_finished(TrainingFinished(status="stopped", message="Stopped.", step=3))
    dock.set_state("running")  # the next run is starting; begin_run follows once it is built

    assert not dock.message_label.isVisible()
    assert dock.progress_label.text().startswith("Loading")
    assert dock.progress_bar.value() == 0


def test_failure_is_shown_in_red(dock):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    message = "The CUDA ran out of memory at batch size 512. Try a smaller batch size, e.g. 256."
    dock.show_finished(TrainingFinished(status="failed", message=message, step=3))

    assert dock.message_label.isVisible()
    assert dock.message_label.text() == message
    assert "#c62828" in dock.message_label.styleSheet()
    assert dock.progress_bar.text().startswith("Failed")
    assert dock.state == "finished" and dock.start_button.isEnabled()


def test_completed_run_message_is_not_red(dock):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=None)
    done = TrainingFinished(status="completed", message="Training finished.", step=100)
    dock.show_finished(done)

    assert dock.message_label.text() == "Training finished."
    assert "#c62828" not in dock.message_label.styleSheet()
    assert dock.progress_bar.text().startswith("Done")


def test_autosave_is_reported_with_the_run_folder(dock, tmp_path):
    dock.begin_run("vae", VAE_LOSSES, epochs=2, total_steps=100, run_dir=str(tmp_path))
    assert dock.run_label.text().startswith("Run folder:")
    assert dock.run_label.toolTip() == str(tmp_path)  # the label may elide the middle
    checkpoint = str(tmp_path / "checkpoint.safetensors")
    record = EpochFinished(epoch=0, epochs=2, step=50, losses={}, checkpoint_path=checkpoint)
    dock.show_epoch(record)

    assert "autosaved after epoch 1" in dock.run_label.text()
