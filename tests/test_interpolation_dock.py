"""Behaviour of the InterpolationDock: the requests it emits as the user moves through
the recipe, the images it shows when answers come back, and the files it exports."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore

from latentlab.latent.interpolation import lerp, slerp
from latentlab.session.keypoints import PATH_SAMPLES
from latentlab.ui.interpolation.interpolation_dock import NEEDS_ENDPOINTS, InterpolationDock

TIMEOUT = 2000
D = 8
LEFT = QtCore.Qt.MouseButton.LeftButton


def code(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=D)


def thumb(value: int, size: int = 6) -> np.ndarray:
    return np.full((size, size, 1), value, dtype=np.uint8)


def frames(n: int, size: int = 6) -> np.ndarray:
    """n distinct decode-like frames N×H×W×1."""
    return np.stack([thumb(int(v), size) for v in np.linspace(0, 250, n)])


A, B, C = code(1), code(2), code(3)


@pytest.fixture
def dock(qtbot):
    widget = InterpolationDock()
    qtbot.addWidget(widget)
    widget.resize(420, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def dock_ab(dock):
    dock.set_keypoint(0, A, thumb(10), "preview")
    dock.set_keypoint(1, B, thumb(200), "point #123 (label 7)")
    return dock


def test_slider_requests_the_lerp_of_a_and_b(qtbot, dock_ab):
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        dock_ab.slider.setValue(300)
    np.testing.assert_allclose(blocker.args[0], lerp(A, B, 0.3))
    assert dock_ab.t_label.text() == "t = 0.300"


def test_slerp_when_selected(qtbot, dock_ab):
    dock_ab.method_buttons["slerp"].click()
    assert dock_ab.method() == "slerp"
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        dock_ab.slider.setValue(600)
    np.testing.assert_allclose(blocker.args[0], slerp(A, B, 0.6))
    assert not np.allclose(blocker.args[0], lerp(A, B, 0.6))


def test_changing_the_method_requests_a_new_frame(qtbot, dock_ab):
    dock_ab.set_t(0.5)
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        dock_ab.set_method("slerp")
    np.testing.assert_allclose(blocker.args[0], slerp(A, B, 0.5))


def test_three_keypoints_share_t_equally(qtbot, dock_ab):
    dock_ab.add_keypoint(C, thumb(90), "map click (1.2, -0.4)")
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        dock_ab.set_t(0.75)
    np.testing.assert_allclose(blocker.args[0], (B + C) / 2)
    assert dock_ab.end_label.text() == "C"


def test_path_changed_carries_keypoints_path_and_t(qtbot, dock_ab):
    with qtbot.waitSignal(dock_ab.path_changed, timeout=TIMEOUT) as blocker:
        dock_ab.set_t(0.25)
    keypoints, path, t = blocker.args
    assert keypoints.shape == (2, D) and path.shape == (PATH_SAMPLES, D)
    np.testing.assert_allclose(keypoints, np.stack([A, B]))
    np.testing.assert_allclose(path[0], A)
    np.testing.assert_allclose(path[-1], B)
    assert t == pytest.approx(0.25)

    with qtbot.waitSignal(dock_ab.path_changed, timeout=TIMEOUT) as blocker:
        dock_ab.add_keypoint(C, thumb(90), "preview")
    keypoints, path, _ = blocker.args
    assert keypoints.shape == (3, D)
    np.testing.assert_allclose(path[-1], C)


def test_path_is_shared_while_only_t_moves(qtbot, dock_ab):
    paths = []
    dock_ab.path_changed.connect(lambda keypoints, path, t: paths.append(path))
    dock_ab.set_t(0.2)
    dock_ab.set_t(0.4)
    dock_ab.set_method("slerp")
    assert paths[0] is paths[1] and paths[2] is not paths[1]
    assert not paths[0].flags.writeable


def test_a_model_with_another_latent_size_clears_the_keypoints(dock_ab):
    dock_ab.set_enabled_for_model(True, latent_dim=D)  # same space: kept
    assert dock_ab.keypoints().shape == (2, D)
    dock_ab.set_enabled_for_model(True, latent_dim=D + 2)
    assert dock_ab.keypoints().shape[0] == 0 and dock_ab.hint_label.isVisible()


def test_path_is_empty_below_two_keypoints(qtbot, dock_ab):
    with qtbot.waitSignal(dock_ab.path_changed, timeout=TIMEOUT) as blocker:
        dock_ab.remove_keypoint(1)
    keypoints, path, _ = blocker.args
    assert keypoints.shape == (1, D) and path.shape == (0, D)


def test_strip_request_runs_from_a_to_b(qtbot, dock_ab):
    dock_ab.set_frame_count(5)
    with qtbot.waitSignal(dock_ab.strip_requested, timeout=TIMEOUT) as blocker:
        dock_ab.request_strip()
    latents = blocker.args[0]
    assert latents.shape == (5, D)
    np.testing.assert_allclose(latents[0], A)
    np.testing.assert_allclose(latents[2], lerp(A, B, 0.5))
    np.testing.assert_allclose(latents[-1], B)


def test_strip_is_requested_by_itself_when_the_frame_count_changes(qtbot, dock_ab):
    with qtbot.waitSignal(dock_ab.strip_requested, timeout=TIMEOUT) as blocker:
        dock_ab.frames_spin.setValue(12)
    assert blocker.args[0].shape == (12, D)


def test_show_frame_and_show_strip_display_images(dock_ab):
    dock_ab.show_frame(thumb(77, size=16))
    shown = dock_ab.frame_view.image()
    assert (shown.width(), shown.height()) == (16, 16)
    assert not dock_ab.hint_label.isVisible()

    dock_ab.show_strip(frames(8))
    assert dock_ab.strip.count() == 8
    assert dock_ab.export_png_button.isEnabled() and dock_ab.export_gif_button.isEnabled()


def test_clicking_a_strip_frame_moves_t(qtbot, dock_ab):
    dock_ab.show_strip(frames(5))
    target = dock_ab.strip.frame_rect(3).center()
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(dock_ab.strip, LEFT, pos=target)
    assert dock_ab.t() == pytest.approx(0.75)
    np.testing.assert_allclose(blocker.args[0], lerp(A, B, 0.75))
    assert dock_ab.strip.marked() == 3


def test_export_png_has_the_strip_size(qtbot, dock_ab, tmp_path, monkeypatch):
    dock_ab.show_strip(frames(4, size=16))
    monkeypatch.setattr(dock_ab, "_ask_save_path", lambda *args: str(tmp_path / "strip"))
    with qtbot.waitSignal(dock_ab.exported, timeout=TIMEOUT) as blocker:
        dock_ab.export_png_button.click()
    assert blocker.args[0] == str(tmp_path / "strip.png")  # suffix added
    with Image.open(tmp_path / "strip.png") as image:
        scale = 8  # 16 px frames are enlarged to 128 px
        assert image.size == (4 * 16 * scale + 3 * 2, 16 * scale)


def test_export_gif_has_forth_and_back_frames(qtbot, dock_ab, tmp_path, monkeypatch):
    dock_ab.show_strip(frames(6, size=16))
    monkeypatch.setattr(dock_ab, "_ask_save_path", lambda *args: str(tmp_path / "morph.gif"))
    with qtbot.waitSignal(dock_ab.exported, timeout=TIMEOUT):
        dock_ab.export_gif_button.click()
    with Image.open(tmp_path / "morph.gif") as gif:
        assert gif.n_frames == 2 * 6 - 2
        assert min(gif.size) >= 128
        assert gif.info["loop"] == 0


def test_cancelled_export_writes_nothing(dock_ab, tmp_path, monkeypatch):
    dock_ab.show_strip(frames(3))
    monkeypatch.setattr(dock_ab, "_ask_save_path", lambda *args: None)
    assert dock_ab.export_strip_png() is None
    assert not list(tmp_path.iterdir())


def test_failed_export_is_reported(dock_ab, tmp_path, monkeypatch):
    dock_ab.show_strip(frames(3))
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    errors = []
    monkeypatch.setattr(dock_ab, "_ask_save_path", lambda *args: str(blocked / "x.gif"))
    monkeypatch.setattr(dock_ab, "_report_error", errors.append)
    assert dock_ab.export_gif() is None
    assert len(errors) == 1 and "x.gif" in errors[0]


def test_fewer_than_two_keypoints_disable_the_path(dock):
    assert not dock.slider.isEnabled()
    assert not dock.frames_spin.isEnabled()
    assert not dock.export_png_button.isEnabled()
    assert dock.hint_label.isVisible() and dock.hint_label.text() == NEEDS_ENDPOINTS
    dock.set_keypoint(0, A, thumb(10), "preview")
    assert not dock.slider.isEnabled() and dock.hint_label.isVisible()
    dock.set_keypoint(1, B, thumb(200), "preview")
    assert dock.slider.isEnabled() and not dock.hint_label.isVisible()


def test_without_a_model_nothing_is_requested(qtbot, dock_ab):
    dock_ab.set_enabled_for_model(False)
    assert not dock_ab.slider.isEnabled() and not dock_ab.set_a_button.isEnabled()
    assert dock_ab.hint_label.isVisible()
    requested = []
    dock_ab.frame_requested.connect(requested.append)
    dock_ab.set_t(0.5)
    assert requested == []
    with qtbot.waitSignal(dock_ab.strip_requested, timeout=TIMEOUT):
        dock_ab.set_enabled_for_model(True)  # a new model: ask again
    assert len(requested) == 1


def test_buttons_request_keypoints_with_the_right_index(qtbot, dock):
    with qtbot.waitSignal(dock.keypoint_requested, timeout=TIMEOUT) as blocker:
        dock.set_a_button.click()
    assert blocker.args == [0]
    assert not dock.set_b_button.isEnabled()  # B needs an A before it
    dock.set_keypoint(0, A, thumb(10), "preview")
    with qtbot.waitSignal(dock.keypoint_requested, timeout=TIMEOUT) as blocker:
        dock.set_b_button.click()
    assert blocker.args == [1]
    with qtbot.waitSignal(dock.keypoint_requested, timeout=TIMEOUT) as blocker:
        dock.add_button.click()
    assert blocker.args == [1]
    dock.set_keypoint(1, B, thumb(200), "preview")
    with qtbot.waitSignal(dock.keypoint_requested, timeout=TIMEOUT) as blocker:
        dock.add_button.click()
    assert blocker.args == [2]


def test_next_free_index_fills_a_then_b_then_appends(dock):
    for expected, latent in enumerate((A, B, C)):
        assert dock.next_free_index() == expected
        dock.set_keypoint(dock.next_free_index(), latent, thumb(9), f"map click ({expected}, 0)")
    assert dock.keypoint_labels() == ["A", "B", "C"]
    assert dock.keypoint_list.row_text(2) == "map click (2, 0)"


def test_remove_and_clear(qtbot, dock_ab):
    dock_ab.add_keypoint(C, thumb(90), "preview")
    dock_ab.keypoint_list.remove_button(1).click()  # remove B: C becomes B
    np.testing.assert_allclose(dock_ab.keypoints(), np.stack([A, C]))
    assert dock_ab.keypoint_list.row_count() == 2
    dock_ab.show_frame(thumb(5))
    dock_ab.show_strip(frames(4))

    dock_ab.clear_button.click()
    assert dock_ab.keypoints().shape[0] == 0
    assert dock_ab.keypoint_list.row_count() == 0
    assert dock_ab.strip.count() == 0 and dock_ab.frame_view.image() is None
    assert dock_ab.strip_images() is None and not dock_ab.export_gif_button.isEnabled()
    assert dock_ab.hint_label.isVisible()


def test_late_images_after_clear_are_ignored(dock_ab):
    dock_ab.clear()
    dock_ab.show_frame(thumb(5))
    dock_ab.show_strip(frames(4))
    assert dock_ab.frame_view.image() is None and dock_ab.strip.count() == 0


def test_keypoint_checks(dock_ab):
    with pytest.raises(IndexError):
        dock_ab.set_keypoint(-1, C, thumb(1), "preview")
    with pytest.raises(ValueError):
        dock_ab.set_keypoint(2, np.zeros(D + 1), thumb(1), "preview")
    dock_ab.set_keypoint(0, C, thumb(1), "preview")  # replacing A keeps B
    np.testing.assert_allclose(dock_ab.keypoints(), np.stack([C, B]))


def test_an_index_past_the_end_appends(dock):
    dock.set_keypoint(1, B, thumb(1), "preview")  # "use as B" with no A yet
    assert dock.keypoint_labels() == ["A"]
    np.testing.assert_allclose(dock.keypoints(), B[None])


def test_play_animates_t(qtbot, dock_ab):
    dock_ab.play_button.click()
    start = dock_ab.slider.value()
    qtbot.waitUntil(lambda: dock_ab.slider.value() > start + 20, timeout=TIMEOUT)
    dock_ab.play_button.click()
    assert not dock_ab._play_timer.isActive()


def test_play_turns_round_at_the_end(qtbot, dock_ab):
    dock_ab.set_t(0.995)
    dock_ab.play_button.click()
    qtbot.waitUntil(lambda: dock_ab.t() < 0.95, timeout=TIMEOUT)
    dock_ab.play_button.click()


def test_closing_the_dock_stops_play(dock_ab):
    dock_ab.play_button.click()
    assert dock_ab._play_timer.isActive()
    dock_ab.hide()
    assert not dock_ab._play_timer.isActive() and not dock_ab.play_button.isChecked()


def test_the_noise_method_is_offered_only_with_a_prior_and_follows_the_path_it_is_given(
    qtbot, dock_ab
):
    assert not dock_ab.method_buttons["noise"].isVisibleTo(dock_ab)
    dock_ab.set_noise_available(True)
    assert dock_ab.method_buttons["noise"].isVisibleTo(dock_ab)
    keypoints = dock_ab._keypoints
    with qtbot.waitSignal(keypoints.noise_path_wanted, timeout=TIMEOUT) as wanted:
        dock_ab.method_buttons["noise"].setChecked(True)
    stack = wanted.args[0]
    np.testing.assert_array_equal(stack, np.stack([A, B]))
    # A bent path, as a prior's would be (17 samples evenly spaced in t).
    bent = np.stack([lerp(A, B, t) + np.sin(np.pi * t) * C for t in np.linspace(0, 1, 17)])
    assert not keypoints.set_noise_path(stack.copy(), bent)  # asked for other keypoints
    dock_ab.set_t(0.5)
    with qtbot.waitSignal(dock_ab.frame_requested, timeout=TIMEOUT) as blocker:
        assert keypoints.set_noise_path(stack, bent)
    np.testing.assert_allclose(blocker.args[0], bent[8])
    dock_ab.set_noise_available(False)  # the prior went: back to slerp
    assert dock_ab.method() == "slerp"
