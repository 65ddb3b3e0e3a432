"""Behaviour of the LatentMap widget, driven like a user would: real mouse
events on the plot viewport, checks on emitted signals and on rendered pixels."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtTest import QTest

from latentlab.ui.map.latent_map import LatentMap
from latentlab.ui.map.map_raster import rasterise

LEFT = QtCore.Qt.MouseButton.LeftButton
RIGHT = QtCore.Qt.MouseButton.RightButton
NO_MOD = QtCore.Qt.KeyboardModifier.NoModifier
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier
NAMES = ["zero", "one", "two"]
TIMEOUT = 2000


@pytest.fixture(autouse=True)
def _unthrottled_mouse():
    # pyqtgraph drops mouse moves closer than 10 ms apart; synthetic events are.
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    yield
    pg.setConfigOption("mouseRateLimit", old)


@pytest.fixture
def latent_map(qtbot):
    widget = LatentMap()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def three_points() -> tuple[np.ndarray, np.ndarray]:
    xy = np.array([[0.0, 0.0], [4.0, 1.0], [2.0, 3.0]])
    return xy, np.array([0, 1, 2])


def clustered(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    return centres[labels] + rng.normal(size=(n, 2)), labels


def viewport_pos(widget: LatentMap, x: float, y: float) -> QtCore.QPoint:
    return widget.data_to_viewport(x, y)


def viewport(widget: LatentMap):
    return widget.plot_widget.viewport()


def move(widget: LatentMap, pos: QtCore.QPoint, buttons=QtCore.Qt.MouseButton.NoButton) -> None:
    # QTest.mouseMove cannot carry held buttons reliably across Qt versions.
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove,
        QtCore.QPointF(pos),
        QtCore.QPointF(viewport(widget).mapToGlobal(pos)),
        QtCore.Qt.MouseButton.NoButton,
        buttons,
        NO_MOD,
    )
    QtCore.QCoreApplication.sendEvent(viewport(widget), event)


def colour_pixel_count(image: QtGui.QImage) -> int:
    """Pixels clearly coloured (saturated), i.e. data points, not axes/grid."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = arr[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3]
    spread = rgb.max(axis=2).astype(int) - rgb.min(axis=2)
    return int(np.count_nonzero(spread > 60))


def test_set_points_shows_all_points(latent_map):
    xy, labels = clustered(500)
    latent_map.set_points(xy, labels, NAMES)
    assert latent_map.point_count() == 500
    assert latent_map.visible_point_count() == 500
    drawn = sum(len(item.getData()[0]) for item in latent_map.points.items())
    assert drawn == 500
    x0, x1, y0, y1 = latent_map.view_range()
    assert x0 <= xy[:, 0].min() and x1 >= xy[:, 0].max()
    assert y0 <= xy[:, 1].min() and y1 >= xy[:, 1].max()
    assert [t.text() for t in latent_map.legend.toggles] == NAMES


def test_empty_and_unlabelled_points_are_fine(latent_map):
    latent_map.set_points(np.zeros((0, 2)), None, [])
    assert latent_map.point_count() == 0
    latent_map.set_points(np.random.default_rng(1).normal(size=(50, 2)))
    assert latent_map.visible_point_count() == 50
    assert not latent_map.legend.isVisible()
    assert colour_pixel_count(latent_map.grab().toImage()) > 0


def test_left_click_reports_data_position(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    with qtbot.waitSignal(latent_map.position_clicked, timeout=TIMEOUT) as first:
        QTest.mouseClick(viewport(latent_map), LEFT, NO_MOD, viewport_pos(latent_map, 4, 1))
    with qtbot.waitSignal(latent_map.position_clicked, timeout=TIMEOUT) as second:
        QTest.mouseClick(viewport(latent_map), LEFT, SHIFT, viewport_pos(latent_map, 1, 2.5))
    x, y, mods = first.args
    tol = 2 * max(latent_map.view_box.viewPixelSize())
    assert abs(x - 4) < tol and abs(y - 1) < tol
    assert not mods & SHIFT.value
    x2, y2, mods2 = second.args
    assert abs(x2 - 1) < tol and abs(y2 - 2.5) < tol
    assert mods2 & SHIFT.value


def test_left_drag_reports_positions_and_does_not_pan(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    before = latent_map.view_range()
    start, end = viewport_pos(latent_map, 0, 0), viewport_pos(latent_map, 3, 2)
    positions = []
    latent_map.position_dragged.connect(lambda x, y: positions.append((x, y)))
    QTest.mousePress(viewport(latent_map), LEFT, NO_MOD, start)
    for f in np.linspace(0.2, 1.0, 5):
        move(latent_map, start + (end - start) * f, LEFT)
    with qtbot.waitSignal(latent_map.drag_finished, timeout=TIMEOUT):
        QTest.mouseRelease(viewport(latent_map), LEFT, NO_MOD, end)
    assert len(positions) >= 3
    assert np.allclose(positions[-1], (3, 2), atol=2 * max(latent_map.view_box.viewPixelSize()))
    assert latent_map.view_range() == pytest.approx(before)


def test_right_drag_pans_and_view_changed_follows(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    qtbot.waitSignal(latent_map.view_changed, timeout=TIMEOUT).wait()  # from set_points
    x0, x1, _, _ = latent_map.view_range()
    start = viewport_pos(latent_map, 2, 1)
    with qtbot.waitSignal(latent_map.view_changed, timeout=TIMEOUT) as changed:
        QTest.mousePress(viewport(latent_map), RIGHT, NO_MOD, start)
        for dx in (20, 40, 60):
            move(latent_map, start + QtCore.QPoint(dx, 0), RIGHT)
        QTest.mouseRelease(viewport(latent_map), RIGHT, NO_MOD, start + QtCore.QPoint(60, 0))
    nx0, nx1, _, _ = changed.args
    # Dragging right moves the data right, i.e. the window left.
    assert nx0 < x0 and nx1 < x1
    assert nx1 - nx0 == pytest.approx(x1 - x0)


def test_hover_reports_nearest_point_then_none(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    near = viewport_pos(latent_map, 2, 3) + QtCore.QPoint(3, -2)
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as hovered:
        move(latent_map, near)
    assert hovered.args == [2]
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as left:
        move(latent_map, viewport_pos(latent_map, 1, 1.5))
    assert left.args == [-1]


def test_hidden_class_is_not_drawn_nor_hoverable(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    toggle = latent_map.legend.toggles[2]
    with qtbot.waitSignal(latent_map.class_visibility_changed, timeout=TIMEOUT) as toggled:
        QTest.mouseClick(toggle, LEFT)
    assert toggled.args == [2, False]
    assert not toggle.isChecked()
    assert latent_map.visible_point_count() == 2
    drawn = sum(len(item.getData()[0]) for item in latent_map.points.items())
    assert drawn == 2
    # Visit a shown point first so a -1 is a change that must be emitted.
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as on_shown:
        move(latent_map, viewport_pos(latent_map, 4, 1))
    assert on_shown.args == [1]
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as on_hidden:
        move(latent_map, viewport_pos(latent_map, 2, 3))
    assert on_hidden.args == [-1]
    QTest.mouseClick(toggle, LEFT)
    assert latent_map.visible_point_count() == 3


def test_colour_by_values_switches_mode_and_back(latent_map):
    xy, labels = clustered(2000)
    latent_map.set_points(xy, labels, NAMES)
    label_image = latent_map.grab().toImage()
    latent_map.set_colour_values(np.linalg.norm(xy, axis=1), "error")
    assert latent_map.colour_mode() == "value"
    assert latent_map.legend.colour_bar_visible
    assert latent_map.grab().toImage() != label_image
    latent_map.set_colour_values(None, "")
    assert latent_map.colour_mode() == "label"
    assert not latent_map.legend.colour_bar_visible


@pytest.mark.parametrize("mode", ["label", "value"])
def test_large_data_is_rasterised_and_coloured(latent_map, mode):
    xy, labels = clustered(100_000)
    latent_map.set_points(xy, labels, NAMES)
    if mode == "value":
        latent_map.set_colour_values(xy[:, 0], "x")
    assert latent_map.points.rasterised
    image = latent_map.grab().toImage()
    assert colour_pixel_count(image) > 5000
    latent_map.move_points(xy * 0.5)
    assert colour_pixel_count(latent_map.grab().toImage()) > 2000


def test_move_points_keeps_view_and_updates_hover(latent_map, qtbot):
    xy, labels = three_points()
    latent_map.set_points(xy, labels, NAMES)
    view = latent_map.view_range()
    moved = xy.copy()
    moved[0] = (2.0, 1.5)
    latent_map.move_points(moved)
    assert latent_map.view_range() == pytest.approx(view)
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as hovered:
        move(latent_map, viewport_pos(latent_map, 2.0, 1.5))
    assert hovered.args == [0]


def test_overlays_draw_above_points(latent_map):
    xy, labels = clustered(300)
    latent_map.set_points(xy, labels, NAMES)
    backdrop = np.full((8, 8, 3), 200, np.uint8)
    latent_map.set_backdrop(backdrop, (-6, -3, 12, 10))
    latent_map.set_marker(0.0, 0.0)
    latent_map.set_path(
        np.array([[-4, 0], [0, 4], [4, 0]]), ["A", "B"], np.array([[-4, 0], [4, 0]])
    )
    latent_map.set_extra_points("encoded", np.array([[0.0, 2.0]]))
    assert latent_map.marker_position() == (0.0, 0.0)
    image = latent_map.grab().toImage()
    centre = viewport_pos(latent_map, 0.0, 0.0) + latent_map.plot_widget.pos()
    # The marker's ring passes ~6 px right of the centre; it is red (accent).
    ring = image.pixelColor(centre + QtCore.QPoint(6, 0))
    assert ring.red() > 150 and ring.green() < 120
    latent_map.clear_marker()
    latent_map.clear_path()
    latent_map.clear_extra_points("encoded")
    latent_map.clear_backdrop()
    assert latent_map.marker_position() is None


def test_reset_view_and_double_click_fit_the_points(latent_map, qtbot):
    """(Home is the window's View › Reset map view: tests/test_app.py.)"""
    latent_map.set_points(*three_points(), NAMES)
    fitted = latent_map.view_range()
    latent_map.set_view_range(10, 20, 10, 20)
    latent_map.reset_view()
    assert latent_map.view_range() == pytest.approx(fitted)
    latent_map.set_view_range(10, 20, 10, 20)
    # What a platform sends for a double click: press, release, dblclick, release.
    at = QtCore.QPoint(200, 200)
    QTest.mouseClick(viewport(latent_map), LEFT, NO_MOD, at)
    QTest.mouseDClick(viewport(latent_map), LEFT, NO_MOD, at)
    QTest.mouseRelease(viewport(latent_map), LEFT, NO_MOD, at)
    assert latent_map.view_range() == pytest.approx(fitted)


def test_clicks_and_drags_pass_through_overlays(latent_map, qtbot):
    latent_map.set_points(*three_points(), NAMES)
    latent_map.set_backdrop(np.full((4, 4), 128, np.uint8), (-1, -1, 6, 5))
    latent_map.set_path(np.array([[0, 0], [4, 1]]), ["A", "B"], np.array([[0, 0], [4, 1]]))
    latent_map.set_marker(2, 3)
    with qtbot.waitSignal(latent_map.position_clicked, timeout=TIMEOUT) as clicked:
        QTest.mouseClick(viewport(latent_map), LEFT, NO_MOD, viewport_pos(latent_map, 2, 3))
    assert clicked.args[:2] == pytest.approx([2, 3], abs=0.1)
    start = viewport_pos(latent_map, 0, 0)
    with qtbot.waitSignal(latent_map.drag_finished, timeout=TIMEOUT) as finished:
        QTest.mousePress(viewport(latent_map), LEFT, NO_MOD, start)
        move(latent_map, start + QtCore.QPoint(30, 0), LEFT)
        move(latent_map, start + QtCore.QPoint(60, 0), LEFT)
        QTest.mouseRelease(viewport(latent_map), LEFT, NO_MOD, start + QtCore.QPoint(60, 0))
    assert finished.args[0] > 0.5


def test_raster_dot_is_where_the_point_is(qtbot):
    widget = LatentMap(raster_threshold=0)  # force the raster renderer
    qtbot.addWidget(widget)
    widget.resize(500, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_points(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([3, 3]), ["a", "b", "c", "d"])
    widget.set_view_range(-3, 3, -3, 3)
    assert widget.points.rasterised
    image = widget.plot_widget.grab().toImage()
    expected = widget.data_to_viewport(1.0, 2.0)
    # tab10's red (class 3) around the expected pixel, nothing red far away.
    near = image.pixelColor(expected)
    assert near.red() > 180 and near.green() < 80
    far = image.pixelColor(expected + QtCore.QPoint(12, 0))
    assert not (far.red() > 180 and far.green() < 80)


def test_many_signal_emits_do_not_crash_the_interpreter(qtbot):
    # PySide6 6.12.0 on CPython 3.11 leaks a reference to True per emit and to None
    # per void call, which aborts the interpreter; pyproject.toml excludes that
    # release, and this fails (crashes) if a build with the leak is installed.
    widget = LatentMap()
    qtbot.addWidget(widget)
    for _ in range(20_000):
        widget.point_hovered.emit(-1)
        widget.setObjectName("map")


def test_rasterise_paints_in_order_and_clips():
    xs = np.array([1.0, 1.0, 50.0, -100.0], np.float32)
    ys = np.array([1.0, 1.0, 2.0, 3.0], np.float32)
    colours = np.array([10, 20, 30, 40, 0], np.uint32)
    image, in_view = rasterise(xs, ys, colours, None, (1.0, 1.0), (0.0, 0.0), (8, 6), radius=1)
    assert in_view == 2  # x=50 and x=-100 are outside the 8 px wide image
    assert image.shape == (6, 8)
    assert image[1, 1] == 20  # the later of two coincident points wins
    assert image[0, 0] == 20 and image[2, 2] == 20  # 3x3 dot
    assert image[5, 7] == 0
    keep = np.array([True, False, True, True])
    image, _ = rasterise(xs, ys, colours, keep, (1.0, 1.0), (0.0, 0.0), (8, 6), radius=1)
    assert image[1, 1] == 10
