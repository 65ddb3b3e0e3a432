"""The Diffusion panel in the app: a prior trained on the digits VAE's codes, its samples'
denoising paths on the map with the step scrubber, guidance, the noise-space interpolation
in the Interpolation panel, and the prior kept only for the weights it learned."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from gui_helpers import TIMEOUT, open_and_wait

from latentlab.latent.recipes import DiffusionSampleRecipe

TRAIN_STEPS = 300


@pytest.fixture
def with_prior(qtbot, window, digits_checkpoint, tmp_path):
    """The digits VAE (a copy: its prior is written beside it) open, with a prior trained
    from the Diffusion panel."""
    checkpoint = shutil.copy(digits_checkpoint, tmp_path / "digits.safetensors")
    open_and_wait(qtbot, window, checkpoint)
    dock = window.diffusion_dock
    assert dock.train_button.isEnabled() and not dock.sample_button.isEnabled()
    dock.train_steps.setValue(TRAIN_STEPS)
    with qtbot.waitSignal(window.diffusion.status_changed, timeout=TIMEOUT * 2) as saved:
        dock.train_button.click()
    assert "Saved the diffusion prior" in saved.args[0]
    return window, tmp_path / "digits.prior.safetensors"


def sample(qtbot, window):
    """Click "Sample with diffusion" and wait until the paths are on the map and the first
    sample is in the preview; returns the samples."""
    diffusion = window.diffusion
    with (
        qtbot.waitSignal(diffusion.samples_drawn, timeout=TIMEOUT) as drawn,
        qtbot.waitSignal(diffusion.trajectories_shown, timeout=TIMEOUT),
        qtbot.waitSignal(window.explorer.preview_shown, timeout=TIMEOUT),
    ):
        window.diffusion_dock.sample_button.click()
    return drawn.args[0]


def test_a_prior_trained_in_the_app_draws_samples_whose_paths_are_on_the_map(qtbot, with_prior):
    window, prior_path = with_prior
    dock = window.diffusion_dock
    assert prior_path.is_file()
    assert window.state.prior is not None and window.state.prior.step == TRAIN_STEPS
    assert "conditional diffusion prior" in dock.prior_label.text().lower()
    assert dock.sample_button.isEnabled() and dock.guidance.isEnabled()

    dock.count.setValue(8)
    dock.steps.setValue(20)
    samples = sample(qtbot, window)
    assert samples.trajectories.shape == (21, 8, window.state.latent_dim)

    # Each path runs from the sample's noise to where the map places the sample.
    data = window.state.map_data
    paths = window.map.trajectories.paths()
    assert paths.shape == (21, 8, 2)
    np.testing.assert_allclose(paths[-1], data.to_map(samples.latents), atol=1e-6)
    np.testing.assert_allclose(paths[0], data.to_map(samples.trajectories[0]), atol=1e-6)
    # The preview shows the first sample, made by the prior.
    preview = window.state.preview
    np.testing.assert_allclose(preview.latent, samples.latents[0])
    assert isinstance(preview.recipe, DiffusionSampleRecipe) and preview.recipe.step == 20
    finished_image = preview.image.copy()

    # The scrubber moves every sample back in time and decodes the chosen one's noise.
    with qtbot.waitSignal(window.explorer.preview_shown, timeout=TIMEOUT):
        dock.selected.setValue(3)
    with qtbot.waitSignal(window.explorer.preview_shown, timeout=TIMEOUT):
        dock.set_step(0)
    np.testing.assert_allclose(window.state.preview.latent, samples.trajectories[0, 2])
    assert window.state.preview.recipe.step == 0 and window.state.preview.recipe.index == 2
    assert "step 0/20" in window.state.preview.description
    np.testing.assert_allclose(window.map.trajectories.positions_at_step(), paths[0])
    assert not np.array_equal(window.state.preview.image, finished_image)

    # t-SNE after PCA: the paths are placed again, on the new map, where it puts the codes.
    from latentlab.config import ProjectionConfig

    with qtbot.waitSignal(window.diffusion.trajectories_shown, timeout=TIMEOUT):
        window.explorer.set_projection(ProjectionConfig(method="tsne"))
    data = window.state.map_data
    assert data.config.method == "tsne"
    paths = window.map.trajectories.paths()
    assert paths.shape == (21, 8, 2)
    np.testing.assert_allclose(paths[-1], data.to_map(samples.latents), atol=1e-6)


def test_moving_the_guidance_slider_draws_the_samples_again_for_the_class(qtbot, with_prior):
    window, _ = with_prior
    dock = window.diffusion_dock
    dock.class_choice.setCurrentIndex(dock.class_choice.findText("3"))
    dock.set_guidance(0.0)
    unguided = sample(qtbot, window)
    assert unguided.request.class_index == 3 and unguided.request.guidance == 0.0
    with (
        qtbot.waitSignal(
            window.diffusion.samples_drawn,
            timeout=TIMEOUT,
            check_params_cb=lambda s: s.request.guidance == 3.0,
        ) as blocker,
        qtbot.waitSignal(
            window.explorer.preview_shown,
            timeout=TIMEOUT,
            check_params_cb=lambda _latent, recipe: getattr(recipe, "guidance", None) == 3.0,
        ),
    ):
        dock.set_guidance(3.0)
    guided = blocker.args[0]
    # The same noise, pushed towards the class: other codes, and the preview follows.
    np.testing.assert_array_equal(guided.trajectories[0], unguided.trajectories[0])
    assert not np.allclose(guided.latents, unguided.latents)
    assert "class 3, guidance 3.0" in window.state.preview.description


def test_the_noise_method_interpolates_through_the_priors_noise_and_draws_its_path(
    qtbot, with_prior
):
    window, _ = with_prior
    dock = window.interpolation_dock
    assert dock.method_buttons["noise"].isVisibleTo(dock)
    cloud = window.state.map_data.cloud
    a, b = cloud.latents[0], cloud.latents[int(np.argmax(cloud.labels != cloud.labels[0]))]
    for index, latent in enumerate((a, b)):
        with qtbot.waitSignal(window.state.keypoints.changed, timeout=TIMEOUT):
            window.explorer.decode_keypoint(index, latent, f"point {index}")
    with (
        qtbot.waitSignal(window.state.keypoints.noise_path_found, timeout=TIMEOUT),
        qtbot.waitSignal(dock.strip_requested, timeout=TIMEOUT),
    ):
        dock.method_buttons["noise"].setChecked(True)
    path = window.state.keypoints.path()
    # Its ends are the keypoints' round trips through the noise: near A and B.
    spread = np.linalg.norm(a - b)
    assert np.linalg.norm(path[0] - a) < 0.5 * spread
    assert np.linalg.norm(path[-1] - b) < 0.5 * spread
    # It is not the straight line: the prior bends it.
    straight = np.stack([a + (b - a) * t for t in np.linspace(0, 1, len(path))])
    assert np.max(np.linalg.norm(path - straight, axis=1)) > 0.05 * spread
    # Drawn on the map, and the strip is decoded along it.
    qtbot.waitUntil(lambda: window.map.overlays.path_visible, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: dock.strip.count() == dock.frame_count(), timeout=TIMEOUT)


def test_the_prior_goes_with_other_weights_and_comes_back_with_its_checkpoint(qtbot, with_prior):
    import torch

    from latentlab.training import load_checkpoint

    window, _ = with_prior
    sample(qtbot, window)
    checkpoint = window.state.fingerprint.path
    other = load_checkpoint(checkpoint).model.eval()
    with torch.no_grad():
        for parameter in other.parameters():
            parameter.mul_(1.05)  # another epoch's weights: other codes
    with qtbot.waitSignal(window.state.prior_changed, timeout=TIMEOUT):
        window.explorer.set_model(other, window.state.dataset, epoch=3)
    assert window.state.prior is None
    assert not window.map.trajectories.visible
    assert not window.diffusion_dock.sample_button.isEnabled()
    assert not window.interpolation_dock.method_buttons["noise"].isVisibleTo(
        window.interpolation_dock
    )
    # Reopening the checkpoint finds the prior saved beside it.
    with qtbot.waitSignal(window.state.prior_changed, timeout=TIMEOUT):
        open_and_wait(qtbot, window, checkpoint)
    assert window.state.prior is not None and window.state.prior.step == TRAIN_STEPS
    assert window.diffusion_dock.sample_button.isEnabled()


def test_a_cancelled_prior_is_kept_and_continues_to_its_last_step(
    qtbot, window, digits_checkpoint, tmp_path
):
    checkpoint = shutil.copy(digits_checkpoint, tmp_path / "digits.safetensors")
    open_and_wait(qtbot, window, checkpoint)
    dock, diffusion = window.diffusion_dock, window.diffusion
    dock.train_steps.setValue(600)
    dock.train_button.click()
    # Cancel once it is training (steps are counted, not timed: 500 remain to stop in).
    qtbot.waitUntil(
        lambda: dock.progress.maximum() == 600 and dock.progress.value() >= 100, timeout=TIMEOUT
    )
    with qtbot.waitSignal(diffusion.prior_trained, timeout=TIMEOUT) as stopped:
        dock.cancel_button.click()
    assert stopped.args[0].step < 600 and not stopped.args[0].finished
    qtbot.waitUntil(lambda: not diffusion.training, timeout=TIMEOUT)
    assert dock.train_button.text() == "Continue training" and dock.sample_button.isEnabled()
    with qtbot.waitSignal(diffusion.prior_trained, timeout=TIMEOUT * 2) as finished:
        dock.train_button.click()
    assert finished.args[0].step == 600 and finished.args[0].finished
    qtbot.waitUntil(lambda: not diffusion.training, timeout=TIMEOUT)
    assert dock.train_button.text() == "Train prior"
