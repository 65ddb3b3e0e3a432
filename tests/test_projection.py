"""Projections, their inverses, and the latent cloud of a dataset."""

from __future__ import annotations

import numpy as np
import torch

from latentlab.config import ModelConfig
from latentlab.models import build_model
from latentlab.projection import (
    IdentityProjection,
    NeighbourInverse,
    PCAProjection,
    build_map,
    decode_latents,
    encode_dataset,
    sample_prior,
)


def test_pca_inverse_is_exact_on_the_plane_and_holds_the_rest_at_the_mean():
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(500, 6)) * [5, 3, 1, 0.5, 0.2, 0.1]
    pca = PCAProjection(latents)
    xy = rng.normal(size=(20, 2))
    back = pca.inverse(xy)
    np.testing.assert_allclose(pca.transform(back), xy, atol=1e-4)
    residual = back - pca.mean
    np.testing.assert_allclose(residual @ pca.components.T, xy, atol=1e-4)
    assert pca.explained_variance_ratio[0] > 0.6  # the largest spread is found first


def test_two_dimensional_latents_are_mapped_as_they_are():
    latents = np.random.default_rng(1).normal(size=(50, 2)).astype(np.float32)
    data = build_map_from(latents)
    assert isinstance(data.projection, IdentityProjection)
    np.testing.assert_array_equal(data.xy, latents)
    np.testing.assert_array_equal(data.to_latent(latents[:3]), latents[:3])


def test_neighbour_inverse_returns_the_latent_of_a_point_clicked_exactly():
    rng = np.random.default_rng(2)
    xy = rng.normal(size=(100, 2))
    latents = rng.normal(size=(100, 8)).astype(np.float32)
    inverse = NeighbourInverse(xy, latents, k=5)
    np.testing.assert_allclose(inverse.inverse(xy[7]), latents[7:8], atol=1e-5)
    between = inverse.inverse((xy[3] + xy[4]) / 2)
    assert between.shape == (1, 8)


def test_encoding_the_dataset_gives_one_point_per_test_image(tiny_images):
    model = build_model(ModelConfig(kind="vae", latent_dim=4), tiny_images.image_shape)
    test = tiny_images.split("test")
    cloud = encode_dataset(model, test, batch_size=5)
    assert cloud.latents.shape == (len(test), 4)
    assert cloud.images.shape == (len(test), 16, 16, 1)
    assert cloud.reconstruction_errors is not None and (cloud.reconstruction_errors > 0).all()
    np.testing.assert_array_equal(cloud.labels, test.labels.numpy())
    limited = encode_dataset(model, tiny_images, max_points=10)
    assert len(limited) == 10 and len(set(limited.indices.tolist())) == 10


def test_a_gan_map_is_made_of_prior_samples():
    model = build_model(ModelConfig(kind="dcgan", latent_dim=6), (1, 16, 16))
    cloud = sample_prior(model, 40)
    assert cloud.latents.shape == (40, 6) and cloud.images.shape == (40, 16, 16, 1)
    assert cloud.reconstruction_errors is None


def test_decoding_a_clicked_place_gives_an_image(tiny_images):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="vae", latent_dim=4), tiny_images.image_shape)
    data = build_map(encode_dataset(model, tiny_images))
    a, b = decode_latents(model, data.to_latent(np.array([[0.0, 0.0], [3.0, -2.0]])))
    assert a.shape == (16, 16, 1) and a.dtype == np.uint8
    assert not np.array_equal(a, b)  # two places, two images
    neighbours = data.to_latent(data.xy[:1], method="neighbours")
    np.testing.assert_allclose(neighbours, data.cloud.latents[:1], atol=1e-4)


def build_map_from(latents):
    from latentlab.projection import LatentCloud

    n = len(latents)
    cloud = LatentCloud(
        latents=latents,
        images=np.zeros((n, 4, 4, 1), np.uint8),
        labels=None,
        class_names=(),
        indices=np.arange(n),
        reconstruction_errors=None,
        source="test",
    )
    return build_map(cloud)


def test_a_test_split_too_small_to_map_gives_a_map_of_every_point_that_says_why():
    """400 face photos of 40 people with 2 test images each: 80 test points (2 per class)
    make a near-empty map, so the map shows all 400 and its source says why."""
    from latentlab.data import ImageSet
    from latentlab.jobs.maps import encode_for_map

    images = torch.randint(0, 255, (400, 1, 16, 16), dtype=torch.uint8)
    labels = torch.arange(400) % 40
    test = torch.arange(400) >= 320
    faces = ImageSet("faces", images, labels, tuple(f"person{i}" for i in range(40)), test)
    model = build_model(ModelConfig(kind="vae", latent_dim=4), faces.image_shape)
    cloud = encode_for_map(model, faces, "test")
    assert len(cloud) == 400
    assert cloud.source == "faces, all points: its test split has only 80 test images, 2 per class"
    # A test split big enough is mapped as it is.
    many = ImageSet("many", images, labels % 4, ("a", "b", "c", "d"), torch.arange(400) >= 150)
    assert len(encode_for_map(model, many, "test")) == 250
    assert len(encode_for_map(model, faces, "all")) == 400
