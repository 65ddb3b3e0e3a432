"""PixelView, the one image view of the docks: sharp enlargements, the array kept, a hint."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6 import QtCore

from latentlab.ui.widgets.pixel_view import PixelView, fit


@pytest.mark.parametrize(
    ("box", "expected", "smooth"),
    [
        (QtCore.QRect(0, 0, 100, 70), QtCore.QRect(18, 3, 64, 64), False),  # 4.375 -> 4×
        (QtCore.QRect(0, 0, 44, 44), QtCore.QRect(0, 0, 44, 44), False),  # 2× would lose 27%
        (QtCore.QRect(10, 10, 8, 12), QtCore.QRect(10, 12, 8, 8), True),  # shrinking: smooth
    ],
)
def test_fit_prefers_whole_zooms_and_smooths_only_when_shrinking(box, expected, smooth):
    assert fit(QtCore.QSize(16, 16), box) == (expected, smooth)


def test_view_keeps_the_array_and_shows_the_placeholder_only_when_empty(qtbot):
    view = PixelView("Nothing yet", dark=True)
    qtbot.addWidget(view)
    view.resize(100, 70)
    view.show()
    assert view.placeholder_label.isVisible() and view.image() is None

    array = np.arange(16 * 16, dtype=np.uint8).reshape(16, 16, 1)
    view.set_image(array)
    assert view.image_array() is array
    assert (view.image().width(), view.image().height()) == (16, 16)
    assert not view.placeholder_label.isVisible()
    assert view.target_rect().size() == QtCore.QSize(64, 64)

    view.set_image(None)
    assert view.image_array() is None and view.placeholder_label.isVisible()
    view.set_placeholder("")
    assert not view.placeholder_label.isVisible()
