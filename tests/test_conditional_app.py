"""A conditional VAE in the app: the Preview's class controls decode the clicked style as the
chosen class or as a mix of two, and the style as every class; the controls leave with it."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import TIMEOUT, click_map, decoded_preview, open_and_wait
from trained_models import train_digits

from latentlab.session.decode_purposes import ClassRowDecode


@pytest.fixture(scope="module")
def cvae_checkpoint(tmp_path_factory, digits):
    trainer = train_digits(digits, "cvae", epochs=6, latent_dim=4)
    return trainer.save(tmp_path_factory.mktemp("cvae") / "digits-cvae.safetensors")


def class_row(qtbot, window, action):
    """Run ``action`` and return the "every class" row's images it leads to."""
    with qtbot.waitSignal(
        window.explorer.decoder.decoded,
        timeout=TIMEOUT,
        check_params_cb=lambda r: isinstance(r.purpose, ClassRowDecode),
    ) as row:
        action()
    return row.args[0].images


def test_the_class_controls_decode_the_clicked_style_as_each_class_and_mixes(
    qtbot, window, cvae_checkpoint, digits_checkpoint, tmp_path
):
    open_and_wait(qtbot, window, cvae_checkpoint)
    controls = window.preview_dock.classes
    assert not controls.isHidden()
    assert controls.class_names() == tuple(window.state.dataset.class_names)
    np.testing.assert_array_equal(window.state.condition, np.eye(10)[0])

    row = class_row(qtbot, window, lambda: click_map(qtbot, window, 0.0, 0.0))
    assert row.shape[0] == 10  # the clicked style as 0, 1, …, 9
    as_zero = window.explorer.preview_image.copy()
    np.testing.assert_array_equal(as_zero, row[0])
    latent = window.state.preview.latent.copy()

    # Another class: the same latent, decoded again as that class.
    as_seven = decoded_preview(qtbot, window, lambda: controls.first.setCurrentIndex(7))
    np.testing.assert_array_equal(window.state.preview.latent, latent)
    np.testing.assert_array_equal(as_seven, row[7])
    assert "label: 7" in controls.weights.text()

    # The mix slider: at 0.5 half of each label, at 1 the second class exactly.
    controls.second.setCurrentIndex(1)
    halfway = decoded_preview(qtbot, window, lambda: controls.mix.setValue(50))
    np.testing.assert_allclose(window.state.condition, np.eye(10)[7] * 0.5 + np.eye(10)[1] * 0.5)
    assert not np.array_equal(halfway, row[7]) and not np.array_equal(halfway, row[1])
    assert "0.50" in controls.weights.text()
    as_one = decoded_preview(qtbot, window, lambda: controls.mix.setValue(100))
    np.testing.assert_array_equal(as_one, row[1])

    # An exported preview records the label it was decoded as; reopened, it is decoded so.
    exported = window.latent_files.export_preview(tmp_path / "one.png")
    from latentlab.latent.provenance import read_provenance

    np.testing.assert_array_equal(read_provenance(exported).label, np.eye(10)[1])
    controls.first.setCurrentIndex(4)
    controls.mix.setValue(0)
    with qtbot.waitSignal(window.explorer.preview_shown, timeout=TIMEOUT):
        window.latent_files.open_latent(exported)
    np.testing.assert_array_equal(window.state.condition, np.eye(10)[1])
    assert controls.first.currentIndex() == 1 and controls.mix.value() == 0

    # An unconditional model: no class controls, no label.
    open_and_wait(qtbot, window, digits_checkpoint)
    assert controls.isHidden() and window.state.condition is None
