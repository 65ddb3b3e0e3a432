"""Click fidelity: clicks inside a class region should decode to that class."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from latentlab.projection import LatentCloud, build_map
from latentlab.projection.fidelity import click_fidelity


def two_blob_map(labels_of, class_names=("left", "right")):
    rng = np.random.default_rng(0)
    latents = np.concatenate([rng.normal(-3, 1, (300, 4)), rng.normal(3, 1, (300, 4))])
    cloud = LatentCloud(
        latents=latents.astype(np.float32),
        images=np.zeros((600, 2, 2, 1), np.uint8),
        labels=labels_of(latents),
        class_names=class_names,
        indices=np.arange(600),
        reconstruction_errors=None,
        source="blobs",
    )
    return build_map(cloud)


def by_side(latents):
    return (np.asarray(latents)[:, 0] > 0).astype(np.int64)


def test_clicks_in_separated_classes_decode_to_their_class():
    data = two_blob_map(by_side)
    result = click_fidelity(data, data.cloud.labels, lambda z: z, by_side, "exact", clicks=200)
    assert result.clicks == 200 and result.fidelity > 0.95


def test_a_map_with_classes_mixed_everywhere_has_no_regions_to_click():
    # Ten classes dealt out in turn, unrelated to position (a GAN's samples on a map of z).
    data = two_blob_map(lambda z: np.arange(len(z)) % 10, tuple("0123456789"))
    result = click_fidelity(data, data.cloud.labels, lambda z: z, by_side, "exact", clicks=50)
    assert result.clicks == 0 and math.isnan(result.fidelity)


def _cloud(labels):
    n = len(labels)
    return LatentCloud(
        latents=np.arange(n, dtype=np.float32)[:, None].repeat(2, axis=1),
        images=np.zeros((n, 4, 4, 1), np.uint8),
        labels=np.asarray(labels, np.int64),
        class_names=tuple("abcd"),
        indices=np.arange(n, dtype=np.int64),
        reconstruction_errors=None,
        source="test",
    )


def test_the_ceiling_is_what_the_classifier_sees_in_reconstructions():
    from latentlab.projection.fidelity import fidelity_ceiling

    labels = np.repeat(np.arange(4), 50)  # 4 balanced classes: chance 25%
    cloud = _cloud(labels)
    # A decoder whose reconstructions the classifier reads right 3 times in 4.
    truth = {float(i): int(label) for i, label in enumerate(labels)}

    def decode(latents):
        return latents  # stands for images: the classifier below reads the latent's row

    def classify(images):
        return np.array([truth[v] if int(v) % 4 else (truth[v] + 1) % 4 for v in images[:, 0]])

    ceiling = fidelity_ceiling(cloud, decode, classify, classifier_accuracy=0.96)
    assert (ceiling.chance, ceiling.classifier_accuracy) == (0.25, 0.96)
    assert ceiling.reconstruction_accuracy == 0.75
    assert ceiling.relative(0.6) == pytest.approx(0.8)
    assert not ceiling.tells_nothing
    assert ceiling.describe().startswith(
        "For scale: the classifier gets 96% of test images and 75% of this model's "
        "reconstructions right; chance is 25%."
    )


def test_a_ceiling_at_chance_says_fidelity_tells_nothing():
    from latentlab.projection.fidelity import fidelity_ceiling

    labels = np.repeat(np.arange(4), 50)
    cloud = _cloud(labels)
    # The classifier calls every reconstruction the first class (an average image).
    ceiling = fidelity_ceiling(cloud, lambda z: z, lambda x: np.zeros(len(x), np.int64), 0.95)
    assert ceiling.reconstruction_accuracy == 0.25 and ceiling.tells_nothing
    assert "click fidelity cannot tell anything about this map" in ceiling.describe()
    # Prior samples have no true labels: no ceiling.
    predicted = dataclasses.replace(cloud, labels_predicted=True)
    assert fidelity_ceiling(predicted, lambda z: z, lambda x: x[:, 0], 0.9) is None
