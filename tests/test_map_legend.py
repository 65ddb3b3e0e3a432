"""The map's legend with many classes: search, a coloured subset, long names; and the axis
titles that fit their axis. Driven with real clicks and key presses on the widgets."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtTest import QTest

from latentlab.ui.map.latent_map import LatentMap
from latentlab.ui.map.map_colours import NEUTRAL_CLASS_COLOUR

LEFT = QtCore.Qt.MouseButton.LeftButton
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier
TIMEOUT = 2000
LONG_NAMES = [f"person with a very long name number {k}" for k in range(40)]


@pytest.fixture
def latent_map(qtbot):
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)  # synthetic mouse moves come faster than 10 ms
    widget = LatentMap()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    pg.setConfigOption("mouseRateLimit", old)


def forty_classes(latent_map: LatentMap) -> np.ndarray:
    """Five points per class on a ring of 40 clusters; returns the labels."""
    labels = np.repeat(np.arange(40), 5)
    angle = labels * 2 * np.pi / 40
    xy = np.stack([np.cos(angle), np.sin(angle)], 1) * 10
    xy += np.random.default_rng(0).normal(scale=0.2, size=xy.shape)
    latent_map.set_points(xy, labels, LONG_NAMES)
    return labels


def hover(latent_map: LatentMap, x: float, y: float) -> None:
    viewport = latent_map.plot_widget.viewport()
    pos = latent_map.data_to_viewport(x, y)
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove,
        QtCore.QPointF(pos),
        QtCore.QPointF(viewport.mapToGlobal(pos)),
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    QtCore.QCoreApplication.sendEvent(viewport, event)


def test_search_shows_only_with_many_classes_and_filters_as_you_type(latent_map, qtbot):
    latent_map.set_points(np.zeros((3, 2)), np.arange(3), ["zero", "one", "two"])
    assert latent_map.legend.search.isHidden()
    forty_classes(latent_map)
    legend = latent_map.legend
    assert legend.search.isVisible()
    QTest.keyClicks(legend.search, "NUMBER 1")  # case does not matter
    assert legend.listed_names() == [LONG_NAMES[1], *LONG_NAMES[10:20]]
    assert all(legend.toggles[k].isHidden() for k in (0, 2, 25))
    legend.search.clear()
    assert len(legend.listed_names()) == 40
    assert latent_map.visible_point_count() == 200  # filtering the list hides no points


def test_ctrl_click_colours_a_subset_and_the_rest_stay_grey_and_hoverable(latent_map, qtbot):
    labels = forty_classes(latent_map)
    legend = latent_map.legend
    assert legend.colour_all.isHidden()
    with qtbot.waitSignal(latent_map.coloured_classes_changed, timeout=TIMEOUT) as changed:
        QTest.mouseClick(legend.toggles[14], LEFT, CTRL)
    assert np.flatnonzero(changed.args[0]).tolist() == [14]
    QTest.mouseClick(legend.toggles[15], LEFT, CTRL)
    assert np.flatnonzero(latent_map.coloured_classes()).tolist() == [14, 15]
    # Every class is still shown: Ctrl+click colours, it does not hide.
    assert all(t.isChecked() for t in legend.toggles)
    assert latent_map.visible_point_count() == 200
    rgba = latent_map.points.point_rgba()
    grey = ~np.isin(labels, [14, 15])
    assert (rgba[grey] == NEUTRAL_CLASS_COLOUR).all()
    assert not (rgba[~grey] == NEUTRAL_CLASS_COLOUR).all(axis=1).any()
    assert [k for k, t in enumerate(legend.toggles) if not t.neutral] == [14, 15]
    # A grey point is still hovered (and so clicked, dragged, selected) like any other.
    row = int(np.flatnonzero(labels == 3)[0])
    with qtbot.waitSignal(latent_map.point_hovered, timeout=TIMEOUT) as hovered:
        hover(latent_map, *latent_map.points.xy[row])
    assert labels[hovered.args[0]] == 3
    # The coloured classes are drawn over the grey ones.
    z_of = {item.zValue() for item in latent_map.points.items()}
    assert max(z_of) > 0.5 > min(z_of)
    QTest.mouseClick(legend.toggles[14], LEFT, CTRL)
    assert np.flatnonzero(latent_map.coloured_classes()).tolist() == [15]
    assert legend.colour_all.isVisible()
    QTest.mouseClick(legend.colour_all, LEFT)
    assert latent_map.coloured_classes().all()
    assert legend.colour_all.isHidden()
    assert not any(t.neutral for t in legend.toggles)


def test_ctrl_clicking_the_last_coloured_class_colours_all_again(latent_map):
    forty_classes(latent_map)
    toggle = latent_map.legend.toggles[7]
    QTest.mouseClick(toggle, LEFT, CTRL)
    QTest.mouseClick(toggle, LEFT, CTRL)
    assert latent_map.coloured_classes().all()


def test_colouring_a_hidden_class_shows_it(latent_map):
    forty_classes(latent_map)
    toggle = latent_map.legend.toggles[5]
    QTest.mouseClick(toggle, LEFT)  # hidden
    assert not latent_map.visible_classes()[5]
    QTest.mouseClick(toggle, LEFT, CTRL)
    assert latent_map.visible_classes()[5] and toggle.isChecked()
    assert np.flatnonzero(latent_map.coloured_classes()).tolist() == [5]


def test_enter_in_the_search_colours_only_the_matches(latent_map, qtbot):
    forty_classes(latent_map)
    search = latent_map.legend.search
    QTest.keyClicks(search, "number 3")
    with qtbot.waitSignal(latent_map.coloured_classes_changed, timeout=TIMEOUT):
        QTest.keyClick(search, QtCore.Qt.Key.Key_Return)
    assert np.flatnonzero(latent_map.coloured_classes()).tolist() == [3, *range(30, 40)]
    # New points (another dataset) start with every class coloured and no search text.
    forty_classes(latent_map)
    assert latent_map.coloured_classes().all() and search.text() == ""


def test_subset_colours_survive_moving_points_and_value_mode(latent_map):
    labels = forty_classes(latent_map)
    latent_map.set_coloured_classes([2])
    latent_map.move_points(latent_map.points.xy + 1.0)
    latent_map.set_colour_values(np.arange(200.0), "error")
    assert all(t.neutral for t in latent_map.legend.toggles)  # value mode: no class colours
    latent_map.set_colour_mode("label")
    assert np.flatnonzero(latent_map.coloured_classes()).tolist() == [2]
    rgba = latent_map.points.point_rgba()
    assert (rgba[labels != 2] == NEUTRAL_CLASS_COLOUR).all()


def test_long_class_names_are_elided_in_the_middle_with_the_name_in_the_tooltip(latent_map):
    forty_classes(latent_map)
    toggle = latent_map.legend.toggles[14]
    assert toggle.text() == LONG_NAMES[14]
    shown = toggle.shown_text()
    assert "…" in shown and shown.endswith("number 14") and shown.startswith("person")
    assert LONG_NAMES[14] in toggle.toolTip()
    assert latent_map.legend.width() <= 220
    # Names that fit are drawn whole, however many rows scroll.
    names = [f"{d}, upside down" for d in range(40)]
    latent_map.set_points(np.zeros((40, 2)), np.arange(40), names)
    QtCore.QCoreApplication.sendPostedEvents()  # the legend takes its new width
    assert [t.shown_text() for t in latent_map.legend.toggles] == names


def test_a_long_axis_title_is_elided_to_the_plot_with_the_title_in_a_tooltip(latent_map):
    title = "PCA plane, turned 166° and mirrored to keep the last map's layout " * 2
    latent_map.set_axis_labels(title, "PC 1 + 2 (40%)")
    titles, bottom = latent_map.axis_titles, latent_map.plot_item.getAxis("bottom")
    shown = titles.shown_text("bottom")
    assert shown.endswith("…") and title.startswith(shown[:-1])
    assert bottom.label.boundingRect().width() <= bottom.width()
    assert bottom.toolTip() == title
    assert titles.shown_text("left") == "PC 1 + 2 (40%)"
    assert latent_map.plot_item.getAxis("left").toolTip() == ""
    latent_map.resize(1600, 500)  # wider: more of the title fits
    assert len(titles.shown_text("bottom")) > len(shown)
