"""Traversal axes (per dimension and principal directions) and latent-unit activity."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.latent.traversal import (
    ACTIVE_VARIANCE_THRESHOLD,
    MAX_DIMENSION_SLIDERS,
    default_axes,
    dimension_activity,
    dimension_axes,
    principal_axes,
)


def cloud(n: int = 400, dims: int = 6, seed: int = 0) -> np.ndarray:
    """A correlated Gaussian cloud with a non-zero mean and unequal spreads."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(dims, dims))
    return rng.normal(size=(n, dims)) @ mixing + rng.normal(size=dims)


@pytest.mark.parametrize("make_axes", [dimension_axes, lambda x: principal_axes(x, count=4)])
def test_set_coordinate_moves_one_coordinate_only(make_axes):
    latents = cloud()
    axes = make_axes(latents)
    latent = latents[7]
    before = axes.coordinates(latent)
    moved = axes.set_coordinate(latent, 2, 1.5)
    after = axes.coordinates(moved)
    assert after[2] == pytest.approx(1.5)
    np.testing.assert_allclose(np.delete(after, 2), np.delete(before, 2), atol=1e-12)


def test_principal_moves_keep_the_part_outside_the_span():
    latents = cloud()
    axes = principal_axes(latents, count=3)
    latent = latents[11]
    moved = axes.with_coordinates(latent, np.array([0.5, -1.0, 2.0]))
    np.testing.assert_allclose(axes.coordinates(moved), [0.5, -1.0, 2.0])

    def residual(z: np.ndarray) -> np.ndarray:
        offset = z - axes.mean
        return offset - offset @ axes.directions.T @ axes.directions

    np.testing.assert_allclose(residual(moved), residual(latent), atol=1e-12)


def test_dimension_slider_value_is_in_standard_deviations():
    latents = cloud()
    axes = dimension_axes(latents)
    mean, std = latents.mean(0), latents.std(0)
    assert axes.kind == "dimensions"
    assert axes.labels[:3] == ("z0", "z1", "z2")
    assert axes.explained is None
    for i, value in [(0, 2.0), (3, -1.5), (5, 3.0)]:
        moved = axes.set_coordinate(mean, i, value)
        assert moved[i] == pytest.approx(mean[i] + value * std[i])
    np.testing.assert_allclose(
        axes.with_coordinates(latents[0], np.full(6, -1.0)), mean - std, atol=1e-12
    )


def test_principal_axes_are_orthonormal_with_descending_shares():
    latents = cloud(dims=8)
    axes = principal_axes(latents, count=5)
    assert axes.kind == "principal" and len(axes) == 5
    np.testing.assert_allclose(axes.directions @ axes.directions.T, np.eye(5), atol=1e-12)
    assert axes.explained is not None
    assert np.all(np.diff(axes.explained) <= 0)
    assert axes.explained.sum() <= 1.0 + 1e-12
    assert axes.labels[0].startswith("PC1 · ") and axes.labels[0].endswith("%")
    # Scales are the data's spread along each direction.
    projected = (latents - latents.mean(0)) @ axes.directions.T
    np.testing.assert_allclose(axes.scales, projected.std(0))
    assert len(principal_axes(latents, count=50)) == 8


def test_first_principal_direction_follows_the_long_axis():
    rng = np.random.default_rng(1)
    long_axis = np.array([3.0, 4.0, 0.0]) / 5.0
    other = np.array([-4.0, 3.0, 0.0]) / 5.0
    latents = (
        rng.normal(size=(2000, 1)) * 5.0 * long_axis
        + rng.normal(size=(2000, 1)) * 0.5 * other
        + rng.normal(size=(2000, 1)) * 0.2 * np.array([0.0, 0.0, 1.0])
    )
    axes = principal_axes(latents, count=2)
    assert abs(axes.directions[0] @ long_axis) > 0.999
    # The sign is fixed so that the largest component is positive.
    assert axes.directions[0][np.argmax(np.abs(axes.directions[0]))] > 0
    assert axes.explained[0] > 0.95


def test_principal_axes_are_deterministic():
    latents = cloud()
    first, again = principal_axes(latents), principal_axes(latents[::-1].copy())
    np.testing.assert_allclose(first.directions, again.directions, atol=1e-10)


def test_default_axes_switch_above_the_slider_limit():
    small = default_axes(cloud(dims=MAX_DIMENSION_SLIDERS))
    assert small.kind == "dimensions" and len(small) == MAX_DIMENSION_SLIDERS
    wide = default_axes(cloud(dims=MAX_DIMENSION_SLIDERS + 1))
    assert wide.kind == "principal" and len(wide) == 10


def test_axes_need_at_least_two_points_of_matching_size():
    with pytest.raises(ValueError, match="at least 2"):
        dimension_axes(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="N×D"):
        principal_axes(np.zeros(3))
    axes = dimension_axes(cloud(dims=4))
    with pytest.raises(ValueError, match="D = 4"):
        axes.coordinates(np.zeros(5))


def test_a_constant_dimension_does_not_divide_by_zero():
    latents = cloud(dims=3)
    latents[:, 1] = 2.0
    axes = dimension_axes(latents)
    assert np.isfinite(axes.coordinates(latents[0])).all()
    assert axes.set_coordinate(latents[0], 1, 3.0)[1] == pytest.approx(2.0)


def test_activity_marks_constant_dimensions_inactive():
    rng = np.random.default_rng(2)
    means = np.c_[rng.normal(size=500), np.full(500, 0.3), rng.normal(size=500) * 0.05]
    activity = dimension_activity(means)
    np.testing.assert_array_equal(activity.active, [True, False, False])
    assert activity.active_count == 1
    assert activity.kl is None
    assert activity.mean_variance[2] < ACTIVE_VARIANCE_THRESHOLD


def test_kl_matches_a_hand_computed_case():
    means = np.array([[0.0, 1.0], [2.0, 0.0]])
    log_vars = np.array([[0.0, np.log(2.0)], [0.0, 0.0]])
    # Row 1: dim 0 → 0; dim 1 → 0.5·(1 + 2 − ln 2 − 1) = 1 − ln(2)/2.
    # Row 2: dim 0 → 0.5·(4 + 1 − 0 − 1) = 2; dim 1 → 0.
    activity = dimension_activity(means, log_vars)
    np.testing.assert_allclose(activity.kl, [1.0, (1.0 - np.log(2.0) / 2.0) / 2.0])
    with pytest.raises(ValueError, match="log_vars"):
        dimension_activity(means, log_vars[:, :1])
