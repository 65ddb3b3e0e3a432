"""Attribute vectors: difference of group means, application, and split-half reliability."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.latent.attributes import (
    STRENGTH_RANGE,
    AttributeVector,
    attribute_vector,
    class_versus_rest,
    strength_values,
)


def blobs(n: int, dims: int, offset: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two unit Gaussian blobs, the positive one shifted by ``offset`` along the first axis."""
    rng = np.random.default_rng(seed)
    shift = np.zeros(dims)
    shift[0] = offset
    return rng.normal(size=(n, dims)) + shift, rng.normal(size=(n, dims))


def test_direction_is_the_difference_of_means():
    positive, negative = blobs(50, 8, 2.0, seed=1)
    vector = attribute_vector(positive, negative[:30])
    np.testing.assert_allclose(vector.direction, positive.mean(0) - negative[:30].mean(0))
    assert (vector.positive_count, vector.negative_count) == (50, 30)
    assert vector.norm == pytest.approx(np.linalg.norm(vector.direction))


def test_apply_is_exactly_base_plus_strength_times_direction():
    positive, negative = blobs(20, 6, 1.0, seed=2)
    vector = attribute_vector(positive, negative)
    base = np.random.default_rng(3).normal(size=6)
    for alpha in (-3.0, -0.5, 0.0, 1.25, 3.0):
        np.testing.assert_array_equal(vector.apply(base, alpha), base + alpha * vector.direction)
    batch = np.random.default_rng(4).normal(size=(5, 6))
    np.testing.assert_array_equal(vector.apply(batch, 2.0), batch + 2.0 * vector.direction)


def test_apply_rejects_a_latent_of_another_size():
    vector = attribute_vector(np.ones((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="D = 4"):
        vector.apply(np.zeros(5), 1.0)
    with pytest.raises(ValueError):
        vector.apply(np.zeros((3, 5)), 1.0)


def test_strip_rows_are_applications_at_each_strength():
    positive, negative = blobs(20, 5, 1.0, seed=5)
    vector = attribute_vector(positive, negative)
    base = np.arange(5.0)
    strengths = strength_values(5)
    strip = vector.strip(base, strengths)
    assert strip.shape == (5, 5)
    for row, alpha in zip(strip, strengths, strict=True):
        np.testing.assert_allclose(row, vector.apply(base, alpha))
    np.testing.assert_array_equal(strip[2], base)


def test_well_separated_blobs_are_reliable():
    positive, negative = blobs(200, 32, 5.0, seed=6)
    vector = attribute_vector(positive, negative)
    assert vector.reliability > 0.9
    assert vector.reliability_low <= vector.reliability
    assert vector.verdict().startswith("reliable")


def test_two_small_samples_of_one_distribution_are_noisy():
    positive, negative = blobs(10, 32, 0.0, seed=7)
    vector = attribute_vector(positive, negative)
    assert vector.reliability < 0.5
    assert vector.verdict().startswith("noisy")


def test_one_point_gives_nan_reliability_and_says_too_few():
    positive, negative = blobs(10, 4, 1.0, seed=8)
    vector = attribute_vector(positive[0], negative)
    assert vector.positive_count == 1
    assert np.isnan(vector.reliability)
    assert np.isnan(vector.reliability_low)
    assert vector.verdict().startswith("too few points")


def test_empty_groups_are_rejected():
    with pytest.raises(ValueError, match="positive group is empty"):
        attribute_vector(np.zeros((0, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="negative group is empty"):
        attribute_vector(np.ones((2, 3)), np.zeros((0, 3)))


def test_groups_of_different_sizes_are_rejected():
    with pytest.raises(ValueError, match="different latent sizes"):
        attribute_vector(np.ones((2, 3)), np.zeros((2, 4)))


def test_identical_means_are_rejected():
    points = np.random.default_rng(9).normal(size=(6, 3))
    with pytest.raises(ValueError, match="same mean"):
        attribute_vector(points, points[::-1])


def test_same_seed_gives_the_same_reliability():
    positive, negative = blobs(30, 16, 0.5, seed=10)
    first = attribute_vector(positive, negative, seed=3)
    again = attribute_vector(positive, negative, seed=3)
    other = attribute_vector(positive, negative, seed=4)
    assert (first.reliability, first.reliability_low) == (again.reliability, again.reliability_low)
    assert first.reliability != other.reliability


def test_class_versus_rest_splits_by_label():
    latents = np.arange(12.0).reshape(6, 2)
    labels = np.array([0, 1, 1, 2, 1, 0])
    inside, rest = class_versus_rest(latents, labels, 1)
    np.testing.assert_array_equal(inside, latents[[1, 2, 4]])
    np.testing.assert_array_equal(rest, latents[[0, 3, 5]])
    with pytest.raises(ValueError, match="no point"):
        class_versus_rest(latents, labels, 7)
    with pytest.raises(ValueError, match="no rest"):
        class_versus_rest(latents, np.zeros(6, dtype=int), 0)


def test_strength_values_are_even_and_include_zero():
    values = strength_values()
    assert len(values) == 7
    assert (values[0], values[-1]) == STRENGTH_RANGE
    assert 0.0 in values
    np.testing.assert_allclose(np.diff(values), 1.0)
    assert 0.0 in strength_values(11, -2.5, 2.5)


def test_attribute_vector_is_frozen():
    vector = attribute_vector(np.ones((2, 3)), np.zeros((2, 3)))
    assert isinstance(vector, AttributeVector)
    with pytest.raises(AttributeError):
        vector.reliability = 1.0  # type: ignore[misc]
