"""Two models side by side: linked selection, clicks decoded in both, interpolation in both,
two epochs of one run, and a GAN beside a VAE."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from gui_helpers import TIMEOUT, click_map, explore_two_epochs, open_and_wait

from latentlab.config import ProjectionConfig
from latentlab.projection import build_map, decode_latents, encode_dataset
from latentlab.session import ModelIdentity
from latentlab.session.comparison import ComparisonLink, counterparts, map_points_of


@pytest.fixture(scope="module")
def other_vae(digits):
    """A second digits VAE of another latent size (4) and other weights."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.training import DatasetInfo, Trainer

    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=1, batch_size=32, seed=3),
        digits,
        dataset_info=DatasetInfo(name="digits", class_names=digits.class_names, spec="digits"),
    )
    for _ in trainer.run():
        pass
    return trainer.model.eval()


def _vae(digits_checkpoint):
    from latentlab.training import load_checkpoint

    return load_checkpoint(digits_checkpoint).model.eval()


# -- the rules, without Qt ---------------------------------------------------------------


def test_a_data_point_of_a_has_the_same_images_code_in_b(digits, digits_checkpoint, other_vae):
    a_model = _vae(digits_checkpoint)
    test = digits.split("test")
    map_a = build_map(encode_dataset(a_model, test))
    map_b = build_map(encode_dataset(other_vae, test), previous=map_a)
    row = 17
    found = counterparts(map_a.cloud.latents[[row]], map_a, map_b, "exact", linked=True)
    assert map_points_of(map_a, map_a.cloud.latents[[row]])[0] == map_a.cloud.indices[row]
    b_row = np.flatnonzero(map_b.cloud.indices == map_a.cloud.indices[row])[0]
    np.testing.assert_allclose(found[0], map_b.cloud.latents[b_row])
    # A place between points: B's own inverse at that place of the (aligned) map.
    place = map_a.xy[:2].mean(0, keepdims=True)
    between = map_a.to_latent(place)
    found = counterparts(between, map_a, map_b, "exact", linked=True, places=place)
    np.testing.assert_allclose(found, map_b.to_latent(place), rtol=1e-5, atol=1e-6)
    # Unlinked maps never use dataset indices.
    unlinked = counterparts(map_a.cloud.latents[[row]], map_a, map_b, "exact", linked=False)
    np.testing.assert_allclose(unlinked, map_b.to_latent(map_a.xy[[row]]), rtol=1e-5, atol=1e-5)


def test_b_s_pca_map_is_turned_onto_a_s(digits, digits_checkpoint, other_vae):
    test = digits.split("test")
    map_a = build_map(encode_dataset(_vae(digits_checkpoint), test))
    cloud_b = encode_dataset(other_vae, test)
    aligned = build_map(cloud_b, ProjectionConfig(), previous=map_a)
    alone = build_map(cloud_b, ProjectionConfig())
    distance = np.linalg.norm(aligned.xy - map_a.xy, axis=1).mean()
    assert distance < np.linalg.norm(alone.xy - map_a.xy, axis=1).mean()


def test_only_two_maps_of_the_same_images_are_linked(digits, digits_checkpoint, other_vae):
    from trained_models import train_digits_gan

    vae, gan = _vae(digits_checkpoint), train_digits_gan(digits).model.eval()
    a = ModelIdentity.of(vae, digits)
    same = ComparisonLink.between(a, ModelIdentity.of(other_vae, digits))
    assert same.linked and "digits" in same.explanation
    with_gan = ComparisonLink.between(a, ModelIdentity.of(gan, digits))
    assert not with_gan.linked and "B's map shows its own samples" in with_gan.explanation
    other = dataclasses.replace(digits.split("test"), name="digits test")
    elsewhere = ComparisonLink.between(
        ModelIdentity.of(vae, digits), ModelIdentity.of(other_vae, other)
    )
    assert not elsewhere.linked and "different data" in elsewhere.explanation


# -- in the window -----------------------------------------------------------------------


def _compare(qtbot, window, model, name="B", **kwargs):
    with qtbot.waitSignal(window.compare.shown, timeout=TIMEOUT):
        window.compare.compare_with(model, window.explorer.dataset, name, **kwargs)
    qtbot.waitUntil(lambda: window.compare_view.isVisible(), timeout=TIMEOUT)


def _b_decoded(qtbot, window, purpose, action):
    with qtbot.waitSignal(
        window.compare.decoded, timeout=TIMEOUT, check_params_cb=lambda p: p == purpose
    ):
        action()
    return window.compare_view.image_b.image_array()


def test_a_lasso_in_one_map_rings_the_same_images_in_the_other(
    qtbot, window, digits_checkpoint, other_vae
):
    open_and_wait(qtbot, window, digits_checkpoint)
    _compare(qtbot, window, other_vae)
    assert window.compare.link.linked
    assert "Linked" in window.compare_view.link_note.text()
    cloud_a, cloud_b = window.explorer.map_data.cloud, window.compare.state.map_data.cloud
    # Select in A: B rings the same dataset indices.
    window.map.set_selection(np.arange(5, 25), notify=True)
    ringed = cloud_b.indices[window.compare_view.map.selected_rows()]
    np.testing.assert_array_equal(np.sort(ringed), np.sort(cloud_a.indices[5:25]))
    # Select in B: A's state and A's map follow.
    window.compare_view.map.set_selection(np.arange(40, 48), notify=True)
    chosen = np.sort(cloud_b.indices[40:48])
    np.testing.assert_array_equal(np.sort(window.state.selected_indices), chosen)
    np.testing.assert_array_equal(np.sort(cloud_a.indices[window.map.selected_rows()]), chosen)
    assert window.items_dock.selection_label.text().startswith("8")
    # Coloured by reconstruction error in A: B's map too, by its own model's errors.
    window.explorer.set_colour_mode("value")
    assert window.compare_view.map.colour_mode() == "value"
    assert window.compare_view.map.legend.colour_bar_title == "reconstruction error (MSE)"
    window.explorer.set_colour_mode("label")
    assert window.compare_view.map.colour_mode() == "label"


def test_a_click_decodes_in_both_each_through_its_own_inverse(
    qtbot, window, digits_checkpoint, other_vae
):
    open_and_wait(qtbot, window, digits_checkpoint)
    _compare(qtbot, window, other_vae)
    data_a, data_b = window.explorer.map_data, window.compare.state.map_data
    x, y = data_a.xy[:3].mean(0)
    image_b = _b_decoded(qtbot, window, "preview", lambda: click_map(qtbot, window, x, y))
    clicked = window.explorer.preview_recipe.map_xy
    latent_b = data_b.to_latent([clicked], window.compare._inverse_of_b())
    np.testing.assert_array_equal(image_b, decode_latents(other_vae, latent_b)[0])
    np.testing.assert_array_equal(
        window.compare_view.image_a.image_array(), window.explorer.preview_image
    )
    assert window.compare_view.map.marker_position() == pytest.approx(tuple(clicked))
    # A click in B's map decodes that place in A (A's inverse) and in B (B's).
    bx, by = data_b.xy[10]
    viewport = window.compare_view.map.plot_widget.viewport()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    def click_b():
        QTest.mouseClick(
            viewport,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            window.compare_view.map.data_to_viewport(bx, by),
        )

    image_b = _b_decoded(qtbot, window, "preview", click_b)
    place = window.explorer.preview_recipe.map_xy
    assert np.hypot(place[0] - bx, place[1] - by) < 0.1 * np.ptp(data_b.xy[:, 0])
    latent_a = data_a.to_latent([place], window.state.inverse_in_use())
    np.testing.assert_allclose(window.explorer.preview_latent, latent_a[0], rtol=1e-5, atol=1e-5)
    latent_b = data_b.to_latent([place], window.compare._inverse_of_b())
    np.testing.assert_array_equal(image_b, decode_latents(other_vae, latent_b)[0])


def test_an_interpolation_between_two_data_points_plays_in_both(
    qtbot, window, digits_checkpoint, other_vae
):
    open_and_wait(qtbot, window, digits_checkpoint)
    _compare(qtbot, window, other_vae)
    cloud_a, cloud_b = window.explorer.map_data.cloud, window.compare.state.map_data.cloud
    dock = window.interpolation_dock
    for keypoint, row in enumerate((3, 30)):
        dock.set_keypoint(keypoint, cloud_a.latents[row], cloud_a.images[row], f"point {row}")
    dock.set_t(0.25)
    # Setting the keypoints decoded frames at the slider's old t too: wait for this one's.
    qtbot.waitUntil(
        lambda: window.compare_view.caption_b.text().endswith("t = 0.25"), timeout=TIMEOUT
    )
    image_b = window.compare_view.image_b.image_array()
    rows_b = [np.flatnonzero(cloud_b.indices == cloud_a.indices[row])[0] for row in (3, 30)]
    ends = cloud_b.latents[rows_b].astype(np.float64)
    expected = (0.75 * ends[0] + 0.25 * ends[1])[None]
    np.testing.assert_array_equal(image_b, decode_latents(other_vae, expected)[0])
    qtbot.waitUntil(
        lambda: window.compare_view.caption_a.text().startswith("A · interpolation at t = 0.25"),
        timeout=TIMEOUT,
    )
    # B's path runs between the same images' places on B's map.
    path = window.compare_view.map.overlays.path_xy()
    np.testing.assert_allclose(path[[0, -1]], window.compare.state.map_data.xy[rows_b], atol=1e-4)


def test_two_epochs_of_one_run_side_by_side(qtbot, window, digits_checkpoint):
    first, _later = explore_two_epochs(qtbot, window, digits_checkpoint)
    assert window.compare_sources.epochs() == [1]
    epoch_1_map = window.explorer.maps.history[0].data
    with qtbot.waitSignal(window.compare.shown, timeout=TIMEOUT):
        window.compare_sources.compare_with_epoch(1)
    assert window.compare.state.model is first and window.compare.state.map_data is epoch_1_map
    assert window.compare_view.title.text().startswith("B: epoch 1   (beside A: epoch 2)")
    x, y = window.explorer.map_data.xy[0]
    image_b = _b_decoded(qtbot, window, "preview", lambda: click_map(qtbot, window, x, y))
    place = window.explorer.preview_recipe.map_xy
    expected = decode_latents(first, epoch_1_map.to_latent([place], "exact"))[0]
    np.testing.assert_array_equal(image_b, expected)


def test_a_gan_beside_a_vae_says_what_it_cannot_link(qtbot, window, digits, digits_checkpoint):
    from trained_models import train_digits_gan

    open_and_wait(qtbot, window, digits_checkpoint)
    gan = train_digits_gan(digits).model.eval()
    _compare(qtbot, window, gan, "a GAN")
    assert not window.compare.link.linked
    assert "own samples" in window.compare_view.link_note.text()
    window.map.set_selection(np.arange(5), notify=True)
    assert len(window.compare_view.map.selected_rows()) == 0  # nothing to ring
    x, y = window.explorer.map_data.xy[0]
    image = _b_decoded(qtbot, window, "preview", lambda: click_map(qtbot, window, x, y))
    assert image.shape == (16, 16, 1)
    window.compare.close()
    assert not window.compare_view.isVisible() and window.compare.state.model is None


def test_an_autoencoder_beside_a_vae_follows_its_projection(
    qtbot, window, digits, digits_checkpoint
):
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.training import Trainer

    trainer = Trainer(ModelConfig(kind="ae", latent_dim=6), TrainConfig(epochs=1), digits)
    for _ in trainer.run():
        pass
    open_and_wait(qtbot, window, digits_checkpoint)
    _compare(qtbot, window, trainer.model.eval(), "an autoencoder")
    assert window.compare.link.linked
    # A t-SNE map for A: B is projected the same way, started from A's layout.
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(100)
    dock.method.setCurrentIndex(dock.method.findData("tsne"))
    with qtbot.waitSignal(window.compare.shown, timeout=TIMEOUT):
        dock.method.activated.emit(dock.method.currentIndex())
    qtbot.waitUntil(lambda: window.compare.state.map_data.config.method == "tsne", timeout=TIMEOUT)
    data_a, data_b = window.explorer.map_data, window.compare.state.map_data
    assert data_b.config == data_a.config
    np.testing.assert_array_equal(np.sort(data_b.cloud.indices), np.sort(data_a.cloud.indices))
    x, y = data_a.xy[5]
    image_b = _b_decoded(qtbot, window, "preview", lambda: click_map(qtbot, window, x, y))
    assert image_b.shape == (16, 16, 1)
    assert window.compare_view.caption_b.text().startswith("B · an autoencoder · map (")
