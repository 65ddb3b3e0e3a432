"""The Projection panel in the app: t-SNE streamed into the map, Cancel, clicking empty space
on a t-SNE map, paths placed on it, and the maps of earlier epochs."""

from __future__ import annotations

import numpy as np
from gui_helpers import TIMEOUT, click_map, decoded_preview, explore_two_epochs, open_and_wait
from scipy.spatial import cKDTree

from latentlab.latent.recipes import MapClickRecipe
from latentlab.projection import PCAProjection, TSNEProjection, decode_latents


def switch_to_tsne(qtbot, window, iterations: int = 150):
    """Pick t-SNE in the panel as a user does; returns the provisional maps streamed."""
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(iterations)
    streamed = []
    window.explorer.maps.moved.connect(streamed.append)
    with qtbot.waitSignal(window.explorer.map_improved, timeout=TIMEOUT):
        dock.method.setCurrentIndex(dock.method.findData("tsne"))
        dock.method.activated.emit(dock.method.currentIndex())
    window.explorer.maps.moved.disconnect(streamed.append)
    return streamed


def emptiest_place(data) -> tuple[float, float]:
    """The place inside the map's bounding box farthest from any point."""
    (x0, y0), (x1, y1) = data.xy.min(0), data.xy.max(0)
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40)), -1)
    grid = grid.reshape(-1, 2)
    distance, _ = cKDTree(data.xy).query(grid)
    return tuple(grid[np.argmax(distance)])


def test_tsne_streams_into_the_map_then_offers_a_learned_inverse(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    pca_xy = window.explorer.map_data.xy.copy()
    measured = []  # connected first: a cached classifier can measure the map at once
    window.explorer.fidelity_measured.connect(measured.append)
    streamed = switch_to_tsne(qtbot, window)
    assert len(streamed) >= 3, "the map should move while t-SNE runs"
    assert not np.allclose(streamed[0].xy, streamed[-1].xy)
    data = window.explorer.map_data
    assert isinstance(data.projection, TSNEProjection)
    assert window.map.point_count() == len(pca_xy)
    dock = window.projection_dock
    learned = dock.inverse_notes["learned"]
    assert dock.inverse_buttons["learned"].isEnabled() and "round trip" in learned.text()
    assert not dock.inverse_buttons["exact"].isEnabled()
    assert dock.trust.text().startswith("Trustworthiness 0.")
    qtbot.waitUntil(lambda: not dock.cancel.isEnabled(), timeout=TIMEOUT)  # the job has ended
    # The domain classifier (trained on a worker, cached) then measures click fidelity.
    # (The first test of a session trains the classifier: allow for a busy machine.)
    # (The PCA map shown first may be measured too, when the classifier was cached already.)
    qtbot.waitUntil(
        lambda: bool(measured) and "learned" in measured[-1].by_method, timeout=3 * TIMEOUT
    )
    assert set(measured[-1].by_method) == {"learned", "neighbours"}
    assert all(0 <= r.fidelity <= 1 for r in measured[-1].by_method.values())
    # Beside the figures, their ceiling: what the classifier sees in real and decoded images.
    ceiling = measured[-1].ceiling
    assert 0 < ceiling.chance < ceiling.reconstruction_accuracy <= 1
    assert dock.ceiling.isVisibleTo(dock) and dock.ceiling.text() == ceiling.describe()
    # A 2-epoch digits VAE: the classifier reads few of its reconstructions (the panel says
    # what that means for the figure), or enough to put fidelity against its ceiling.
    if ceiling.tells_nothing:
        assert "click fidelity cannot tell anything" in dock.ceiling.text()
        assert "of the reconstructions' figure" not in dock.inverse_notes["learned"].text()
    else:
        assert "of the reconstructions' figure" in dock.inverse_notes["learned"].text()
    assert "fidelity" in learned.text()


def test_clicking_empty_space_on_a_tsne_map_decodes_an_image(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    switch_to_tsne(qtbot, window)
    data = window.explorer.map_data
    window.map.reset_view()
    x, y = emptiest_place(data)
    qtbot.waitUntil(lambda: window.explorer.classifier.classifier is not None, timeout=3 * TIMEOUT)
    images = {}
    # The click lands on a whole viewport pixel, a little off (x, y): what the chosen inverse
    # must have decoded is the place the map reported, not the one asked for.
    clicked = []
    window.map.position_clicked.connect(lambda *args: clicked.append(args[:2]))
    for method in ("learned", "neighbours"):
        window.projection_dock.inverse_buttons[method].click()
        clicked.clear()
        images[method] = decoded_preview(qtbot, window, lambda: click_map(qtbot, window, x, y))
        assert len(clicked) == 1
        recipe = window.explorer.preview_recipe
        assert isinstance(recipe, MapClickRecipe)
        assert recipe.inverse == method and recipe.map_xy == tuple(clicked[0])
        latent = data.to_latent([clicked[0]], method)
        np.testing.assert_allclose(window.explorer.preview_latent, latent[0], rtol=1e-6)
        expected = decode_latents(window.explorer.model, latent)[0]
        np.testing.assert_array_equal(expected, images[method])
        assert window.projection_dock.inverse_shown() == method
    assert "looks like" in window.preview_dock.caption.text()  # the classifier names it
    assert images["learned"].shape == (16, 16, 1)
    assert images["learned"].std() > 10  # an image with strokes, not a flat field


def test_cancel_stops_tsne_and_puts_the_pca_map_back(qtbot, window, digits_checkpoint):
    open_and_wait(qtbot, window, digits_checkpoint)
    pca = window.explorer.map_data
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(5_000)
    with qtbot.waitSignal(window.explorer.maps.moved, timeout=TIMEOUT):
        dock.method.setCurrentIndex(dock.method.findData("tsne"))
        dock.method.activated.emit(dock.method.currentIndex())
    assert dock.cancel.isEnabled()
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        dock.cancel.click()
    assert window.explorer.map_data is pca
    assert isinstance(window.explorer.map_data.projection, PCAProjection)
    qtbot.waitUntil(lambda: not window.explorer.maps.animation.is_running(), timeout=TIMEOUT)
    np.testing.assert_allclose(window.map.points.xy, pca.xy, atol=1e-5)
    assert not dock.cancel.isEnabled()


def test_cancelling_a_models_first_map_leaves_no_map_to_click_or_colour(
    qtbot, window, digits_checkpoint
):
    """Found by the monkey test: the provisional t-SNE map stayed the explorer's map after
    Cancel emptied the view, and colouring by reconstruction error then raised
    "400 values for 0 points"."""
    open_and_wait(qtbot, window, digits_checkpoint)
    dock = window.projection_dock
    dock.setting("tsne", "iterations").setValue(5_000)
    with qtbot.waitSignal(window.explorer.maps.moved, timeout=TIMEOUT):
        dock.method.setCurrentIndex(dock.method.findData("tsne"))
        dock.method.activated.emit(dock.method.currentIndex())
    dock.cancel.click()  # back to the PCA map
    qtbot.waitUntil(lambda: not dock.cancel.isEnabled(), timeout=TIMEOUT)
    # The same file again is another model: its first map is a t-SNE map, streamed.
    with qtbot.waitSignal(window.explorer.maps.moved, timeout=TIMEOUT):
        window.open_checkpoint(digits_checkpoint)
    assert window.explorer.map_data is not None  # clicks use the provisional map meanwhile
    dock.cancel.click()
    assert window.map.point_count() == 0
    assert window.explorer.map_data is None
    window.explorer.set_colour_mode("value")  # raised before
    click_map(qtbot, window, 0.0, 0.0)
    assert window.explorer.preview_latent is None


def test_an_interpolation_path_is_drawn_where_its_ends_are_on_a_tsne_map(
    qtbot, window, digits_checkpoint
):
    open_and_wait(qtbot, window, digits_checkpoint)
    switch_to_tsne(qtbot, window)
    data = window.explorer.map_data
    ends = [0, 7]
    for slot, index in enumerate(ends):
        with qtbot.waitSignal(window.interpolation_dock.path_changed, timeout=TIMEOUT):
            window.interpolation_dock.set_keypoint(
                slot, data.cloud.latents[index], data.cloud.images[index], f"point {index}"
            )
    spread = np.linalg.norm(data.xy - data.xy.mean(0), axis=1).mean()
    path = window.map.overlays.path_xy()
    for end, index in ((path[0], ends[0]), (path[-1], ends[1])):
        assert np.linalg.norm(end - data.xy[index]) < 0.25 * spread  # placed at once
    with qtbot.waitSignal(window.explorer.placer.placed, timeout=TIMEOUT):
        pass  # openTSNE places the path again in the background
    refined = window.map.overlays.path_xy()
    assert np.linalg.norm(refined[0] - data.xy[ends[0]]) < 0.25 * spread


def test_the_epoch_slider_shows_earlier_maps_with_their_models(qtbot, window, digits_checkpoint):
    model, _later = explore_two_epochs(qtbot, window, digits_checkpoint)
    dock = window.projection_dock
    assert dock.epoch_box.isVisibleTo(dock) and dock.epoch_slider.maximum() == 1
    assert dock.epoch_label.text() == "epoch 2 of 2"
    second = window.explorer.map_data
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        dock.epoch_slider.setValue(0)
    assert window.explorer.model is model
    assert window.explorer.map_data is not second
    assert dock.epoch_label.text() == "epoch 1 of 2"
    # The aligned epoch-2 map keeps the layout of epoch 1: points moved little.
    first = window.explorer.map_data
    spread = np.linalg.norm(first.xy - first.xy.mean(0), axis=1).mean()
    assert np.linalg.norm(second.xy - first.xy, axis=1).mean() < 0.5 * spread
