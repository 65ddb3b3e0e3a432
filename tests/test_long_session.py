"""A whole session, as people have one: several models, datasets and maps in one sitting.

Each feature's own tests start from a fresh window; these keep one window open across model
switches and check that every view describes the model now shown and that nothing made for
another model (a latent of another size, a group of another dataset) reaches it."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import TIMEOUT, click_map, decoded_preview, open_and_wait
from PySide6.QtWidgets import QMessageBox
from trained_models import train_digits_gan

from latentlab.config import ModelConfig, TrainConfig
from latentlab.data import load_dataset
from latentlab.jobs.training_request import TrainingRequest
from latentlab.latent.recipes import NO_RECIPE
from latentlab.training import DatasetInfo, Trainer


@pytest.fixture(scope="module")
def blobs_checkpoint(tmp_path_factory):
    """A VAE of another latent size (4) on another dataset: 200 blobs in an npz file."""
    folder = tmp_path_factory.mktemp("blobs")
    rng = np.random.default_rng(0)
    labels = np.arange(200) % 4
    grid = np.stack(np.meshgrid(np.arange(16.0), np.arange(16.0), indexing="ij"))
    centres = np.array([[4, 4], [4, 11], [11, 4], [11, 11]])[labels] + rng.normal(0, 1, (200, 2))
    distance = ((grid[None] - centres[:, :, None, None]) ** 2).sum(1)
    images = (255 * np.exp(-distance / 6)).astype(np.uint8)
    path = folder / "blobs.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["nw", "ne", "sw", "se"]))
    spec = f"npz:{path}"
    dataset = load_dataset(spec)
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=2, batch_size=32),
        dataset,
        dataset_info=DatasetInfo(name=dataset.name, class_names=dataset.class_names, spec=spec),
    )
    for _ in trainer.run():
        pass
    return trainer.save(folder / "blobs.safetensors"), dataset.name


@pytest.fixture(scope="module")
def gan_checkpoint(tmp_path_factory, digits):
    return train_digits_gan(digits).save(tmp_path_factory.mktemp("gan") / "gan.safetensors")


def problems_of(window) -> list[str]:
    """Every error message the app shows from now on (collected, for one assert at the end)."""
    shown: list[str] = []
    window.explorer.error_raised.connect(lambda title, text: shown.append(f"{title}: {text}"))
    window.explorer.decoder.failed.connect(lambda channel, text: shown.append(f"{channel}: {text}"))
    return shown


def assert_map_in_view(window) -> None:
    """The points fill the view: none outside it, and they span at least half of it."""
    qtbot_free_wait_for_glide(window)
    xy = window.map.points.xy
    x0, x1, y0, y1 = window.map.view_range()
    (px0, py0), (px1, py1) = xy.min(0), xy.max(0)
    assert x0 <= px0 and px1 <= x1 and y0 <= py0 and py1 <= y1, "points outside the view"
    assert max((px1 - px0) / (x1 - x0), (py1 - py0) / (y1 - y0)) > 0.5, "the map is a dot"


def qtbot_free_wait_for_glide(window) -> None:
    animation = window.explorer.maps.animation
    if animation.is_running():
        animation.stop()  # jumps to the end, as the glide would


def switch_projection(qtbot, window, method: str) -> None:
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(120)
    with qtbot.waitSignal(window.explorer.map_improved, timeout=TIMEOUT):
        dock.method.setCurrentIndex(dock.method.findData(method))
        dock.method.activated.emit(dock.method.currentIndex())


def select_and_group(window, rows) -> str:
    window.map.set_selection(np.asarray(rows), notify=True)
    return window.workbench.make_group().name


def groups(window) -> list[str]:
    return [item.name for item in window.state.items if item.kind == "group"]


def test_a_long_session_with_models_of_other_sizes_datasets_and_kinds(
    qtbot, window, digits_checkpoint, blobs_checkpoint, gan_checkpoint, monkeypatch
):
    blobs_checkpoint, blobs = blobs_checkpoint
    asked: list[str] = []  # the blobs checkpoint names its npz: the user is asked once

    def yes(_parent, _title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(yes))
    shown = problems_of(window)
    told: list[str] = []
    window.state.status_reported.connect(told.append)

    # The digits VAE (latent 8): a click, two keypoints, t-SNE, a group, a traversal.
    open_and_wait(qtbot, window, digits_checkpoint)
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 0.5, 0.5))
    for slot in (0, 1):
        with qtbot.waitSignal(window.interpolation_dock.path_changed, timeout=TIMEOUT):
            window.interpolation_dock.keypoint_requested.emit(slot)
    switch_projection(qtbot, window, "tsne")
    assert_map_in_view(window)
    assert window.projection_dock.inverse_shown() in ("learned", "neighbours")
    assert not window.projection_dock.inverse_buttons["exact"].isChecked()
    digits_group = select_and_group(window, range(31))
    window.traversal_dock.coordinate_changed.emit(0, 1.0)
    assert window.model_label.text() == "vae (conv), latent 8, digits"

    # Another latent size and another dataset: every latent and the group go, and we say so.
    open_and_wait(qtbot, window, blobs_checkpoint)
    assert window.model_label.text() == f"vae (conv), latent 4, {blobs}"
    assert window.windowTitle() == "LatentLab — blobs.safetensors"
    assert groups(window) == [] and len(window.state.selected_indices) == 0
    assert len(window.map.selected_rows()) == 0
    assert len(window.state.keypoints) == 0 and window.explorer.preview_latent is None
    assert any(digits_group in text for text in told) and any("8 → 4" in text for text in told)
    # 40 test images are too few to map: every point is shown, and the status bar says why.
    described = f"{window.map.point_count():,} points ({blobs}, all points: its test split has"
    assert window.points_label.text().startswith(described)
    assert_map_in_view(window)
    image = decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 0.0, 0.0))
    assert image.shape == (16, 16, 1) and window.explorer.preview_latent.shape == (4,)
    blobs_group = select_and_group(window, range(5))
    window.traversal_dock.coordinate_changed.emit(0, -1.0)
    window.arithmetic_dock.expression.setText(f"{blobs_group} * 2")

    assert len(asked) == 1 and "blobs.npz" in asked[0]

    # The first checkpoint again: the mirror image of the switch above.
    open_and_wait(qtbot, window, digits_checkpoint)
    assert window.model_label.text() == "vae (conv), latent 8, digits"
    assert groups(window) == [] and window.explorer.preview_latent is None
    assert window.map.point_count() == len(window.explorer.map_data.cloud)
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 0.5, -0.5))
    kept_group = select_and_group(window, range(10))

    # A GAN of the same latent size on the same dataset keeps latents and the group.
    open_and_wait(qtbot, window, gan_checkpoint)
    assert window.model_label.text().startswith("dcgan (conv), latent 8")
    assert groups(window) == [kept_group] and window.explorer.preview_latent is not None
    assert_map_in_view(window)
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 0.2, 0.2))

    # And back to the VAE, whose map is in view with the group re-read from it.
    open_and_wait(qtbot, window, digits_checkpoint)
    assert groups(window) == [kept_group]
    assert_map_in_view(window)
    assert shown == []


def test_the_training_dock_and_title_describe_the_model_shown(
    qtbot, window, tmp_path, digits_checkpoint
):
    request = TrainingRequest(
        dataset_spec="digits",
        data_root=None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(kind="vae", latent_dim=4),
        train_config=TrainConfig(epochs=1, batch_size=64),
        run_dir=str(tmp_path / "run"),
    )
    with qtbot.waitSignal(window.training.run_finished, timeout=3 * TIMEOUT):
        window.start_training(request)
    qtbot.waitUntil(lambda: not window.training.running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "training" not in window.windowTitle(), timeout=TIMEOUT)
    maps = window.explorer.maps
    qtbot.waitUntil(lambda: maps.idle and window.state.map_data is not None, timeout=TIMEOUT)
    assert window.windowTitle() == "LatentLab — vae on digits, epoch 1"
    assert window.training_dock.loss_plot.loss_names  # the run's curves

    open_and_wait(qtbot, window, digits_checkpoint)
    assert window.windowTitle() == "LatentLab — digits.safetensors"
    assert window.model_label.text() == "vae (conv), latent 8, digits"
    assert window.training_dock.loss_plot.loss_names == ()  # not the run's curves any more
    assert window.training_dock.progress_label.text().startswith("No training yet")

    # A start that fails leaves no old curves under "No training yet" either.
    failing = TrainingRequest(**{**request.__dict__, "dataset_spec": f"folder:{tmp_path}/none"})
    with qtbot.waitSignal(window.training.error_raised, timeout=TIMEOUT):
        window.start_training(failing)
    qtbot.waitUntil(lambda: not window.training.running, timeout=TIMEOUT)
    assert window.training_dock.loss_plot.loss_names == ()
    window.error_box.close()


def test_on_a_pca_map_no_inverse_is_said_to_be_learning(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    qtbot.waitUntil(lambda: window.explorer.map_data.quality is not None, timeout=TIMEOUT)
    dock = window.projection_dock
    assert dock.inverse_shown() == "exact"
    assert "learning" not in dock.inverse_notes["learned"].text()
    assert not dock.inverse_buttons["learned"].isEnabled()


def test_a_tsne_map_is_in_view_while_it_forms_and_after(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(150)
    shown_fraction = []

    def on_moved(data):  # how much of the view the points shown so far fill
        x0, x1, y0, y1 = window.map.view_range()
        xy = window.map.points.xy
        shown_fraction.append(max(np.ptp(xy[:, 0]) / (x1 - x0), np.ptp(xy[:, 1]) / (y1 - y0)))

    window.explorer.maps.moved.connect(on_moved)
    switch_projection(qtbot, window, "tsne")
    assert_map_in_view(window)
    assert "×0.001" not in window.map.plot_item.getAxis("bottom").labelString()
    assert len(shown_fraction) >= 3 and min(shown_fraction[1:]) > 0.5  # the view kept up
    # Zooming by hand stops the following; fitting the view (Home, double click) resumes it.
    window.map.view_box.scaleBy((0.5, 0.5))
    window.map.view_box.sigRangeChangedManually.emit([True, True])
    assert not window.explorer.maps.following
    window.map.reset_view()
    assert window.explorer.maps.following
    assert_map_in_view(window)


def test_a_long_caption_does_not_widen_the_preview_past_a_small_screen(
    qtbot, window, digits_checkpoint
):
    window.resize(1366, 768)
    open_and_wait(qtbot, window, digits_checkpoint)
    width = window.preview_dock.width()
    latent = window.explorer.map_data.cloud.latents[0]
    caption = "a latent reopened from a file with a very long name " * 6
    decoded_preview(qtbot, window, lambda: window.explorer.show_latent(latent, caption, NO_RECIPE))
    qtbot.wait(50)  # one layout pass
    assert window.preview_dock.width() <= width + 1
    export = window.preview_dock.export
    assert export.geometry().right() <= export.parentWidget().width()
    assert window.preview_dock.caption.toolTip().startswith(caption.strip()[:20])


def test_the_hover_panel_says_when_it_shows_the_last_point(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    window.explorer._on_hovered(3)
    assert window.preview_dock.hover_title.text().startswith("point #")
    window.explorer._on_hovered(-1)  # the mouse moved to empty space
    assert window.preview_dock.hover_title.text().startswith("Last hovered: point #")
    assert window.preview_dock.point_as_a.isEnabled()  # still usable as A
