"""The desktop app as a user meets it: launch, one-click training, clicking the map,
interpolating, opening checkpoints, errors in workers, and a clean exit."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import torch
from gui_helpers import TIMEOUT, click_map, decoded_preview, open_and_wait
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from trained_models import train_digits_gan

from latentlab.config import ModelConfig, TrainConfig
from latentlab.jobs.training_request import TrainingRequest
from latentlab.latent import lerp
from latentlab.projection import decode_latents
from latentlab.session.decode_purposes import (
    BackdropDecode,
    HoverDecode,
    InterpolationFrameDecode,
    KeypointDecode,
)
from latentlab.ui.main_window import MainWindow


def test_the_app_starts_on_the_welcome_page(window):
    assert window.isVisible()
    assert window.central.currentWidget() is window.welcome
    welcome = window.welcome
    buttons = [welcome.explore, welcome.quick_train, welcome.open_button, welcome.new_training]
    assert [b.text() for b in buttons] == [
        "Explore a trained MNIST VAE",
        "Train a VAE on MNIST",
        "Open checkpoint…",
        "New training…",
    ]
    assert [b.text() for b in welcome.more_models] == ["Fashion-MNIST VAE", "MNIST DCGAN"]
    assert all(b.isEnabled() for b in [*buttons, *welcome.more_models])
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Select", "&Help"]


@pytest.mark.parametrize(
    ("button", "model_kind", "dataset"),
    [
        ("explore", "vae", "mnist-small"),
        ("Fashion-MNIST VAE", "vae", "fashion-mnist-small"),
        ("MNIST DCGAN", "dcgan", "mnist-small"),
    ],
)
def test_a_shipped_model_opens_offline_and_decodes_a_click(
    qtbot, window, no_network, button, model_kind, dataset
):
    """The welcome page's trained models: no training, no download, a map to click."""
    welcome = window.welcome
    widget = (
        welcome.explore
        if button == "explore"
        else next(b for b in welcome.more_models if b.text() == button)
    )
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    assert window.central.currentWidget() is window.map_area
    assert window.explorer.model.config.kind == model_kind
    assert window.state.identity.dataset_name == dataset
    assert window.map.point_count() > 0
    x0, x1, y0, y1 = window.map.view_range()
    image = decoded_preview(
        qtbot, window, lambda: click_map(qtbot, window, (x0 + x1) / 2, (y0 + y1) / 2)
    )
    assert image.shape[:2] == (28, 28) and image.std() > 0  # a real picture, not blank


def test_one_click_training_on_the_shipped_mnist_shows_a_map_after_its_first_epoch(
    qtbot, window, no_network
):
    with qtbot.waitSignal(window.explorer.map_ready, timeout=120_000):
        qtbot.mouseClick(window.welcome.quick_train, Qt.MouseButton.LeftButton)
    assert window.training.running  # the map came while training goes on
    assert window.central.currentWidget() is window.map_area
    qtbot.waitUntil(lambda: window.map.point_count() == 2_000, timeout=TIMEOUT)  # the test split
    assert "Epoch" in window.training_dock.progress_label.text()
    with qtbot.waitSignal(window.training.run_finished, timeout=TIMEOUT) as finished:
        window.training.stop()
    assert finished.args[0].status == "stopped"
    assert window.map.point_count() == 2_000  # stopping keeps what was learned on screen


def test_one_click_digits_training_ends_with_a_map(qtbot, window, digits, monkeypatch):
    """Digits, the quickest run, to its end: 20 epochs, then "Done"."""
    from latentlab.jobs import training_request

    shipped = training_request.default_request
    monkeypatch.setattr(training_request, "default_request", lambda: shipped("digits"))
    with qtbot.waitSignal(window.training.run_finished, timeout=120_000) as finished:
        qtbot.mouseClick(window.welcome.quick_train, Qt.MouseButton.LeftButton)
    assert finished.args[0].status == "completed"
    qtbot.waitUntil(lambda: window.central.currentWidget() is window.map_area, timeout=TIMEOUT)
    expected = int(digits.test_mask.sum())
    qtbot.waitUntil(lambda: window.map.point_count() == expected, timeout=TIMEOUT)
    assert f"{expected:,} points" in window.points_label.text()
    assert "Epoch 20/20" in window.training_dock.progress_label.text()
    assert window.training_dock.progress_bar.format().startswith("Done")


def test_a_click_changes_the_preview_and_two_places_differ(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    assert window.central.currentWidget() is window.map_area
    x0, x1, y0, y1 = window.map.view_range()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    first = decoded_preview(qtbot, window, lambda: click_map(qtbot, window, cx - 1.0, cy))
    second = decoded_preview(qtbot, window, lambda: click_map(qtbot, window, cx + 1.0, cy + 0.5))
    assert first.shape == (16, 16, 1)
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 1.0
    marker = window.map.marker_position()
    assert marker is not None and marker[0] == pytest.approx(cx + 1.0, abs=0.05)
    # The preview shows what the exact inverse of that place decodes to.
    latent = window.explorer.map_data.to_latent([[cx + 1.0, cy + 0.5]])
    expected = decode_latents(window.explorer.model, latent)[0]
    assert np.abs(expected.astype(int) - second.astype(int)).max() <= 3


def test_dragging_decodes_continuously_and_ends_where_the_mouse_stops(
    qtbot, window, digits_checkpoint
):
    open_and_wait(qtbot, window, digits_checkpoint)
    viewport = window.map.plot_widget.viewport()
    points = [(-1.0 + 0.25 * i, 0.1 * i) for i in range(9)]
    QTest.mousePress(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        window.map.data_to_viewport(*points[0]),
    )
    for x, y in points[1:]:
        QTest.mouseMove(viewport, window.map.data_to_viewport(x, y))
    QTest.mouseRelease(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        window.map.data_to_viewport(*points[-1]),
    )
    last = window.explorer.map_data.to_latent([points[-1]])[0]
    qtbot.waitUntil(
        lambda: (
            window.explorer.preview_latent is not None
            and np.allclose(window.explorer.preview_latent, last, atol=0.05)
        ),
        timeout=TIMEOUT,
    )


def test_the_slider_shows_decode_of_lerp_a_b_t(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, -1.0, 0.0))
    window.preview_dock.use_as_a.click()
    decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 1.0, 0.5))
    window.preview_dock.use_as_b.click()
    dock = window.interpolation_dock
    a, b = dock.keypoints()
    assert not np.allclose(a, b)

    def frame_for(t):
        return lambda r: (
            isinstance(r.purpose, InterpolationFrameDecode)
            and np.allclose(r.latents[0], lerp(a, b, t), atol=1e-5)
        )

    with qtbot.waitSignal(
        window.explorer.decoder.decoded, timeout=TIMEOUT, check_params_cb=frame_for(0.3)
    ) as shown:
        dock.slider.setValue(round(0.3 * dock.slider.maximum()))
    expected = decode_latents(window.explorer.model, lerp(a, b, 0.3)[None])[0]
    np.testing.assert_array_equal(shown.args[0].images[0], expected)
    assert dock.frame_view.image() is not None
    assert window.map.overlays.path_visible  # the path A -> B is drawn on the map


def test_opening_a_checkpoint_fills_the_map(qtbot, window, digits_checkpoint, digits):
    open_and_wait(qtbot, window, digits_checkpoint)
    assert window.map.point_count() == int(digits.test_mask.sum())
    assert "vae (conv), latent 8, digits" in window.model_label.text()
    assert "digits.safetensors" in window.windowTitle()
    assert window._recent_files()[0] == str(digits_checkpoint)


def test_a_failing_worker_shows_its_error_and_the_app_stays_usable(
    qtbot, window, tmp_path, digits_checkpoint
):
    request = TrainingRequest(
        dataset_spec=f"folder:{tmp_path / 'no-such-folder'}",
        data_root=None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(),
        train_config=TrainConfig(epochs=1),
        run_dir=str(tmp_path / "run"),
    )
    with qtbot.waitSignal(window.training.error_raised, timeout=TIMEOUT):
        window.start_training(request)
    assert "no-such-folder" in window.last_error
    assert window.error_box is not None and window.error_box.isVisible()
    qtbot.waitUntil(lambda: not window.training.running, timeout=TIMEOUT)
    window.error_box.close()

    bad = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(1)}, bad)
    with qtbot.waitSignal(window.explorer.map_ready, timeout=500, raising=False):
        window.open_checkpoint(bad)
    qtbot.waitUntil(lambda: "never unpickles" in window.last_error, timeout=TIMEOUT)
    open_and_wait(qtbot, window, digits_checkpoint)  # still works afterwards
    assert window.map.point_count() > 0


def test_a_gan_checkpoint_maps_prior_samples(qtbot, window, tmp_path, digits):
    trainer = train_digits_gan(digits)
    open_and_wait(qtbot, window, trainer.save(tmp_path / "gan.safetensors"))
    assert window.map.point_count() == 2_000
    image = decoded_preview(qtbot, window, lambda: click_map(qtbot, window, 0.0, 0.0))
    assert image.shape == (16, 16, 1)


def test_dropping_a_checkpoint_on_the_window_opens_it(qtbot, window, digits_checkpoint):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(digits_checkpoint))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        window.dropEvent(drop)
    assert window.map.point_count() > 0


def test_recent_files_and_layout_are_remembered(qtbot, tmp_path, digits_checkpoint):
    settings_file = str(tmp_path / "settings.ini")
    first = MainWindow(QSettings(settings_file, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.show()
    with qtbot.waitSignal(first.torch_ready, timeout=TIMEOUT):
        first.load_torch_in_background()
    with qtbot.waitSignal(first.explorer.map_ready, timeout=TIMEOUT):
        first.open_checkpoint(digits_checkpoint)
    first.training_dock.hide()
    first.close()

    second = MainWindow(QSettings(settings_file, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    recent = [a.text() for a in second.recent_menu.actions()]
    assert recent == [str(digits_checkpoint)]
    assert not second.training_dock.isVisible()  # the dock layout came back as it was left
    second.close()


def test_the_manifold_backdrop_tiles_decoded_images_under_the_points(
    qtbot, window, digits_checkpoint
):
    open_and_wait(qtbot, window, digits_checkpoint)
    with qtbot.waitSignal(
        window.explorer.decoder.decoded,
        timeout=TIMEOUT,
        check_params_cb=lambda r: isinstance(r.purpose, BackdropDecode),
    ) as decoded:
        window.backdrop_action.trigger()
    result = decoded.args[0]
    rows, columns = result.purpose.rows, result.purpose.columns
    assert rows * columns == len(result.images) >= 12
    qtbot.waitUntil(lambda: window.map.overlays.backdrop_visible, timeout=TIMEOUT)
    window.backdrop_action.trigger()
    assert not window.map.overlays.backdrop_visible


def test_menu_choices_do_what_they_name(window):
    """View › Colour by, View › Points and the Select tools, chosen from the menus."""
    from PySide6.QtGui import QAction

    actions = {action.text(): action for action in window.findChildren(QAction)}
    actions["&Discriminator score D(x)"].trigger()
    assert window.explorer.colour_mode == "score"
    actions["&Label"].trigger()
    assert window.explorer.colour_mode == "label"
    actions["&All points"].trigger()
    assert window.explorer.maps.points == "all"
    actions["&Lasso"].trigger()
    assert window.map.selection.tool == "lasso"
    assert window.items_dock.tool_buttons["lasso"].isChecked()
    assert actions["&Lasso"].isChecked() and not actions["&Click (decode)"].isChecked()


def test_hovering_a_point_shows_its_image_and_reconstruction(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    x, y = window.explorer.map_data.xy[0]
    # Qt sends no move event to where the cursor already is (e.g. after another test).
    QTest.mouseMove(window.map.plot_widget.viewport(), QPoint(3, 3))
    with qtbot.waitSignal(
        window.explorer.decoder.decoded,
        timeout=TIMEOUT,
        check_params_cb=lambda r: isinstance(r.purpose, HoverDecode),
    ):
        QTest.mouseMove(window.map.plot_widget.viewport(), window.map.data_to_viewport(x, y))
    hovered = window.map.hovered_index()
    assert hovered >= 0
    np.testing.assert_array_equal(
        window.preview_dock.hover_image.image_array(),
        window.explorer.map_data.cloud.images[hovered],
    )
    assert window.preview_dock.hover_reconstruction.image() is not None
    assert "point #" in window.preview_dock.hover_title.text()


def test_a_hovered_data_point_becomes_an_interpolation_end(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    data = window.explorer.map_data
    viewport = window.map.plot_widget.viewport()
    for end, button in ((0, window.preview_dock.point_as_a), (1, window.preview_dock.point_as_b)):
        x, y = data.xy[end * 50]
        # Qt sends no move event to where the cursor already is (e.g. after another test).
        QTest.mouseMove(viewport, QPoint(3, 3))
        QTest.mouseMove(viewport, window.map.data_to_viewport(float(x), float(y)))
        qtbot.waitUntil(lambda: window.map.hovered_index() >= 0, timeout=TIMEOUT)
        QTest.mouseMove(viewport, QPoint(3, 3))
        assert button.isEnabled()  # the panel keeps the point after the mouse has left it
        hovered = window.explorer.last_hovered
        with qtbot.waitSignal(
            window.explorer.decoder.decoded,
            timeout=TIMEOUT,
            check_params_cb=lambda r: isinstance(r.purpose, KeypointDecode),
        ):
            button.click()
        np.testing.assert_allclose(
            window.interpolation_dock.keypoints()[end], data.cloud.latents[hovered], atol=1e-6
        )


def test_a_checkpoint_given_at_launch_opens_once_pytorch_has_loaded(
    qtbot, tmp_path, digits_checkpoint
):
    """What `latentlab CKPT` does: the window shows first, the file opens after the import."""
    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.open_checkpoint(digits_checkpoint)  # before PyTorch is loaded: remembered
    assert win.central.currentWidget() is win.welcome
    with qtbot.waitSignal(win.map_shown, timeout=TIMEOUT):
        win.load_torch_in_background()
    assert win.map.point_count() > 0
    win.close()


def test_home_fits_the_map_whatever_dock_has_focus(qtbot, window, digits_checkpoint):
    """Home is the window's, not the map's: it works from the docks, and a text field
    keeps it for its cursor."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    open_and_wait(qtbot, window, digits_checkpoint)
    window.projection_dock.show()
    window.items_dock.show()
    places = {
        "the map": window.map.plot_widget,
        "the Projection panel": window.projection_dock.method,
        "the Items dock": window.items_dock.items,
        "the expression field": window.arithmetic_dock.findChild(QLineEdit),
    }
    for where, widget in places.items():
        window.map.view_box.setRange(xRange=(0, 0.01), yRange=(0, 0.01), padding=0)
        widget.setFocus()
        qtbot.waitUntil(lambda widget=widget: QApplication.focusWidget() is widget)
        QTest.keyClick(widget, Qt.Key.Key_Home)
        x0, x1, _y0, _y1 = window.map.view_range()
        fitted = x1 - x0 > 0.1
        assert fitted == (where != "the expression field"), where


def test_help_lists_every_shortcut_from_the_menus_and_a_getting_started_page(window):
    from latentlab.jobs.training_request import default_runs_root
    from latentlab.ui.dialogs.help_pages import shortcut_rows

    rows = {(name, keys) for _menu, name, keys in shortcut_rows(window.menuBar())}
    assert ("Reset map view", "Home") in rows
    assert ("Train a VAE on MNIST", "Ctrl+T") in rows
    assert ("Keyboard shortcuts", "Ctrl+/") in rows
    window.show_shortcuts()
    page = window.help_dialog.browser.toPlainText()
    assert "Reset map view" in page and "Shift + click" in page
    window.show_getting_started()
    page = window.help_dialog.browser.toPlainText()
    assert "Explore a trained MNIST VAE" in page
    assert str(default_runs_root()) in page  # where runs are saved
    assert window.help_dialog.isVisible()
