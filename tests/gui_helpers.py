"""Mouse actions and waits that the GUI tests repeat (their fixtures are in conftest.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from latentlab.session.decode_purposes import PreviewDecode

TIMEOUT = 60_000


def open_and_wait(qtbot, window, path):
    """Open a checkpoint and wait until its map is on screen and fitted."""
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_checkpoint(path)


def click_map(qtbot, window, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    viewport = window.map.plot_widget.viewport()
    QTest.mouseClick(
        viewport, Qt.MouseButton.LeftButton, modifier, window.map.data_to_viewport(x, y)
    )


def decoded_preview(qtbot, window, action):
    """Run ``action`` and return the preview image it leads to."""
    with qtbot.waitSignal(
        window.explorer.decoder.decoded,
        timeout=TIMEOUT,
        check_params_cb=lambda r: isinstance(r.purpose, PreviewDecode),
    ):
        action()
    return window.explorer.preview_image.copy()
