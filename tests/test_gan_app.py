"""A GAN in the app as a user meets it: trained in the training view (Fréchet-distance curve,
class census, warnings), mapped by what its samples look like, clicked, and coloured by the
discriminator."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from gui_helpers import TIMEOUT, click_map, decoded_preview

from latentlab.config import ModelConfig, TrainConfig
from latentlab.jobs.training_request import TrainingRequest
from latentlab.projection import FeatureSpaceProjection
from latentlab.training import GanWarning
from latentlab.training.classifier import predict_labels

EPOCHS = 8


@pytest.fixture
def trained(qtbot, window, tmp_path):
    """A DCGAN trained on the digits in the app, its last map on screen."""
    request = TrainingRequest(
        dataset_spec="digits",
        data_root=None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(kind="dcgan", latent_dim=8),
        train_config=TrainConfig(epochs=EPOCHS, batch_size=32, preview_every=100),
        run_dir=str(tmp_path / "run"),
    )
    window.start_training(request)
    qtbot.waitUntil(lambda: not window.training.running, timeout=4 * TIMEOUT)
    maps = window.explorer.maps
    qtbot.waitUntil(
        lambda: (
            maps._worker is None
            and window.explorer.map_data is not None
            and window.explorer.map_data.cloud.labels_predicted
            and maps.history[-1].epoch == EPOCHS
        ),
        timeout=TIMEOUT,
    )
    return window


def switch_space(qtbot, window, space: str):
    dock = window.projection_dock
    index = dock.space.findData(space)
    with qtbot.waitSignal(window.explorer.maps.improved, timeout=TIMEOUT):
        dock.space.setCurrentIndex(index)
        dock.space.activated.emit(index)
    qtbot.waitUntil(lambda: not window.explorer.maps.animation.is_running(), timeout=TIMEOUT)
    return window.explorer.map_data


def test_training_draws_the_frechet_curve_and_maps_samples_by_class(trained, digits):
    window = trained
    dock = window.training_dock
    epochs, distances = dock.quality_panel.curve()
    assert epochs == list(range(1, EPOCHS + 1))
    assert distances[-1] < distances[0] / 2  # the samples got much closer to real digits
    shares = dock.quality_panel.census_shares()
    assert len(shares) == 10 and shares.sum() == pytest.approx(1.0)
    assert f"Epoch {EPOCHS}: FD" in dock.quality_panel.summary_label.text()
    assert "of real test images right (chance" in dock.quality_panel.summary_label.text()
    assert dock.quality_panel.isVisibleTo(dock)
    assert not dock.reconstructions_panel.view.isVisibleTo(dock)  # a GAN has none

    cloud = window.explorer.map_data.cloud
    assert cloud.from_prior and cloud.labels_predicted and len(cloud) == 2_000
    assert window.map.class_names() == list(digits.class_names)
    assert "classes as the classifier sees them" in window.points_label.text()
    # The colours are the classifier's verdict on each point's own image.
    classifier = window.explorer.classifier.classifier
    np.testing.assert_array_equal(predict_labels(classifier.model, cloud.images), cloud.labels)


def test_a_map_of_image_features_is_clicked_coloured_and_resampled(qtbot, trained):
    window = trained
    fidelity = []
    window.explorer.fidelity_measured.connect(fidelity.append)
    data = switch_space(qtbot, window, "features")
    assert isinstance(data.projection, FeatureSpaceProjection)
    assert data.inverse_methods[0] == "learned" and "exact" not in data.inverse_methods
    assert "image features" in data.axis_labels[0]

    # A click in the middle of each of the three biggest classes generates that class.
    classifier = window.explorer.classifier.classifier.model
    labels, xy = data.cloud.labels, data.xy
    hits = []
    for label in np.argsort(-np.bincount(labels))[:3]:
        members = xy[labels == label]
        centre = members[np.argmin(np.linalg.norm(members - np.median(members, 0), axis=1))]
        image = decoded_preview(qtbot, window, lambda c=centre: click_map(qtbot, window, *c))
        hits.append(int(predict_labels(classifier, image[None])[0]) == label)
    assert sum(hits) >= 2, hits
    # Over hundreds of clicks inside class regions, as the Projection panel reports it.
    qtbot.waitUntil(lambda: bool(fidelity), timeout=TIMEOUT)
    assert max(f.fidelity for f in fidelity[-1].by_method.values()) > 0.7

    # Coloured by the discriminator's D(x) of each sample.
    scores = window.explorer.map_data.cloud.discriminator_scores
    assert scores.shape == (2_000,) and scores.min() >= 0 and scores.max() <= 1
    window.explorer.set_colour_mode("score")
    assert window.map.colour_mode() == "value"
    assert "discriminator" in window.map.legend.colour_bar_title

    # Fewer samples: a new map of 500, still coloured as the user chose.
    dock = window.projection_dock
    assert dock.samples.isVisibleTo(dock)
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        dock.samples.setValue(500)
        dock.samples_chosen.emit(500)
    assert window.map.point_count() == 500
    assert window.map.colour_mode() == "value"


def test_warnings_show_while_they_hold(qtbot, window):
    dock = window.training_dock
    dock.begin_run("dcgan", ("discriminator", "generator", "D(x)", "D(G(z))"), 5, 100, None)
    dock.show_warning(GanWarning("discriminator-wins", "The discriminator is winning.", 40))
    dock.show_warning(GanWarning("mode-collapse", "Possible mode collapse: 3 (90%).", 60))
    assert dock.warning_label.isVisibleTo(dock)
    assert "winning" in dock.warning_label.text() and "collapse" in dock.warning_label.text()
    dock.show_warning(GanWarning("discriminator-wins", "It no longer wins.", 80, active=False))
    assert list(dock.warnings()) == ["mode-collapse"]
    dock.show_warning(GanWarning("mode-collapse", "Covered again.", 90, active=False))
    assert not dock.warning_label.isVisibleTo(dock)
