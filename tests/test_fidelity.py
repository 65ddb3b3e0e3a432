"""Click fidelity: clicks inside a class region should decode to that class."""

from __future__ import annotations

import math

import numpy as np

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
