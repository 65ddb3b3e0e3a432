"""The Style mixing panel with a style GAN trained on the digits: A and B, the levels each
takes its styles from, the crossovers and a traversal at one resolution."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import TIMEOUT, click_map, open_and_wait
from trained_models import train_digits

from latentlab.session.decode_purposes import StyleTraversalDecode


@pytest.fixture(scope="module")
def style_checkpoint(tmp_path_factory, digits):
    trainer = train_digits(
        digits, "stylegan", epochs=1, batch_size=64, latent_dim=8, base_channels=8
    )
    return trainer.save(tmp_path_factory.mktemp("style") / "digits-style.safetensors")


def mixed(qtbot, window, action):
    """Run ``action`` and return the mix shown after it."""
    with qtbot.waitSignal(window.style_mixing.mix_shown, timeout=TIMEOUT):
        action()
    return window.style_mixing_dock.mix.image_array().copy()


def test_style_mixing_takes_each_resolution_from_a_or_b(
    qtbot, window, style_checkpoint, digits_checkpoint
):
    dock, controller = window.style_mixing_dock, window.style_mixing
    assert not dock.note.isHidden()  # no style model yet
    with qtbot.waitSignal(controller.mix_shown, timeout=TIMEOUT):
        open_and_wait(qtbot, window, style_checkpoint)
    assert controller.names == ["4×4 (coarse)", "8×8 (middle)", "16×16 (fine)"]
    assert dock.from_b() == (False, True, True)  # coarse from A, the rest from B
    a_image = dock.sources[0].image_array().copy()
    b_image = dock.sources[1].image_array().copy()

    # Every level from A is A; every level from B is B.
    np.testing.assert_array_equal(mixed(qtbot, window, lambda: dock.set_from_b([0, 0, 0])), a_image)
    np.testing.assert_array_equal(mixed(qtbot, window, lambda: dock.set_from_b([1, 1, 1])), b_image)
    coarse_from_a = mixed(qtbot, window, lambda: dock.set_from_b([0, 1, 1]))
    assert not np.array_equal(coarse_from_a, a_image)
    assert "4×4 from A" in dock.mix_caption.text() and "16×16 from B" in dock.mix_caption.text()

    # B from the map: the clicked place's latent.
    with qtbot.waitSignal(window.explorer.preview_shown, timeout=TIMEOUT):
        click_map(qtbot, window, 0.0, 0.0)
    mixed(qtbot, window, lambda: dock.source_buttons[1][0].click())
    np.testing.assert_array_equal(controller.sources[1], window.state.preview.latent)
    np.testing.assert_array_equal(dock.sources[1].image_array(), window.state.preview.image)

    # A traversal at the fine level: 7 steps, the middle one is the mix itself.
    with qtbot.waitSignal(
        window.explorer.decoder.decoded,
        timeout=TIMEOUT,
        check_params_cb=lambda r: isinstance(r.purpose, StyleTraversalDecode),
    ) as traversal:
        dock.traverse_level.setCurrentIndex(2)
    steps = traversal.args[0].images
    assert len(steps) == 7
    np.testing.assert_array_equal(steps[3], dock.mix.image_array())
    assert not np.array_equal(steps[0], steps[6])

    # A model without styles: the panel says what it needs.
    open_and_wait(qtbot, window, digits_checkpoint)
    assert controller.names == [] and not dock.note.isHidden()
