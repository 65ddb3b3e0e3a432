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


def explore_two_epochs(qtbot, window, checkpoint):
    """Open ``checkpoint``, then show its weights as epoch 1 and slightly changed weights as
    epoch 2 of a run (as training would); returns the two models."""
    import torch

    from latentlab.training import load_checkpoint

    open_and_wait(qtbot, window, checkpoint)
    dataset = window.explorer.dataset
    first, later = (load_checkpoint(checkpoint).model.eval() for _ in range(2))
    with torch.no_grad():
        for parameter in later.parameters():
            parameter.mul_(1.05)  # another epoch's weights
    for epoch, weights in ((1, first), (2, later)):
        with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
            window.explorer.set_model(weights, dataset, epoch=epoch)
    return first, later
