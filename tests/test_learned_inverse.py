"""The learned map position -> latent inverse, and the round-trip error that judges it."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.projection.learned_inverse import (
    InverseFitProgress,
    LearnedInverse,
    fit_learned_inverse,
    learn_inverse,
)
from latentlab.projection.round_trip import (
    RoundTripError,
    latent_spread,
    learned_round_trip,
    neighbour_round_trip,
    round_trip_error,
)

NO_TIME_LIMIT = 1e6  # so that only max_steps ends a fit and results are reproducible


def smooth_case(count: int, dim: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Map positions in t-SNE-like units and latents that are a smooth nonlinear function of
    them, so a good inverse can be nearly exact."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-20, 20, (count, 2))
    frequencies = rng.normal(0, 0.08, (2, dim))
    phases = rng.uniform(0, 2 * np.pi, dim)
    latents = np.sin(xy @ frequencies + phases) + 0.001 * xy[:, :1] * xy[:, 1:]
    return xy.astype(np.float32), latents.astype(np.float32)


def fit_centroid(train_xy: np.ndarray, train_latents: np.ndarray):
    centroid = train_latents.mean(axis=0)
    return lambda xy: np.tile(centroid, (len(xy), 1))


def test_latent_spread_is_the_rms_distance_to_the_centroid():
    latents = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 3.0], [0.0, -3.0]])
    assert latent_spread(latents) == pytest.approx(np.sqrt((1 + 1 + 9 + 9) / 4))


def test_always_answering_the_centroid_scores_about_one():
    latents = np.random.default_rng(0).normal(size=(2000, 8)).astype(np.float32)
    xy = np.random.default_rng(1).normal(size=(2000, 2)).astype(np.float32)
    error = round_trip_error(xy, latents, fit_centroid, method="centroid")
    assert isinstance(error, RoundTripError)
    assert error.held_out == 200
    assert 0.85 < error.median <= error.p90
    assert 0.9 < error.mean < 1.05


def test_learned_inverse_recovers_a_smooth_map_from_held_out_points():
    xy, latents = smooth_case(2000)

    def fit(train_xy, train_latents):
        return learn_inverse(
            train_xy, train_latents, max_steps=150, max_seconds=NO_TIME_LIMIT
        ).inverse

    learned = round_trip_error(xy, latents, fit, method="learned")
    centroid = round_trip_error(xy, latents, fit_centroid, method="centroid")
    assert learned.median < 0.05 and learned.p90 < 0.1  # measured: 0.013-0.015, 0.026-0.037
    assert learned.mean < 0.1 * centroid.mean


def test_inverse_gives_finite_float32_latents_of_the_right_shape():
    xy, latents = smooth_case(300, dim=5)
    inverse = learn_inverse(xy, latents, max_steps=20, max_seconds=NO_TIME_LIMIT)
    assert isinstance(inverse, LearnedInverse) and inverse.latent_dim == 5
    many = inverse.inverse(xy[:7])
    assert many.shape == (7, 5) and many.dtype == np.float32
    assert inverse.inverse(xy[0]).shape == (1, 5)  # one point, as a click gives it
    # Far off the map the network is not extrapolated: the answer is that of the map's edge.
    far = inverse.inverse(np.array([[1e6, 0.0], [1e9, 0.0]]))
    assert np.isfinite(far).all() and np.allclose(far[0], far[1])


def test_fit_yields_progress_then_the_inverse():
    xy, latents = smooth_case(300, dim=3)
    records = list(fit_learned_inverse(xy, latents, max_steps=70, max_seconds=NO_TIME_LIMIT))
    progress, last = records[:-1], records[-1]
    assert isinstance(last, LearnedInverse) and last.steps == 70
    assert all(isinstance(record, InverseFitProgress) for record in progress)
    assert [record.step for record in progress] == [50, 70]
    assert progress[-1].fraction_done == 1.0
    assert progress[-1].loss < progress[0].loss and np.isfinite(progress[-1].loss)


def test_should_stop_ends_the_fit_without_an_inverse():
    xy, latents = smooth_case(300, dim=3)
    calls = []

    def should_stop() -> bool:
        calls.append(None)
        return len(calls) > 55

    records = list(fit_learned_inverse(xy, latents, should_stop=should_stop))
    assert records and not any(isinstance(record, LearnedInverse) for record in records)
    assert [record.step for record in records] == [50]
    with pytest.raises(RuntimeError, match="stopped"):
        learn_inverse(xy, latents, should_stop=lambda: True)


def test_a_seed_and_a_step_count_give_the_same_inverse():
    xy, latents = smooth_case(500, dim=4)
    grid = np.stack(np.meshgrid(np.linspace(-25, 25, 9), np.linspace(-25, 25, 9)), -1)
    grid = grid.reshape(-1, 2)

    def fitted(seed: int) -> np.ndarray:
        inverse = learn_inverse(xy, latents, seed=seed, max_steps=10, max_seconds=NO_TIME_LIMIT)
        return inverse.inverse(grid)

    first = fitted(0)
    assert np.array_equal(first, fitted(0))
    assert not np.allclose(first, fitted(1))


def test_a_small_map_with_a_two_dimensional_latent_space():
    xy, latents = smooth_case(300, dim=2)
    error = learned_round_trip(xy, latents, max_seconds=NO_TIME_LIMIT, max_steps=150)
    assert error.held_out == 30 and error.method == "learned"
    assert error.median < 0.1  # measured: 0.009; the centroid scores about 1


def test_neighbour_round_trip_on_a_smooth_map():
    xy, latents = smooth_case(2000)
    error = neighbour_round_trip(xy, latents, held_out_fraction=0.5, max_held_out=100)
    assert error.method == "neighbours" and error.held_out == 100
    assert error.median < 0.1  # measured: 0.02


def test_the_time_limit_ends_the_fit_early():
    xy, latents = smooth_case(5000, dim=16)
    inverse = learn_inverse(xy, latents, max_seconds=0.05, max_steps=3000)
    assert 0 < inverse.steps < 3000
    assert np.isfinite(inverse.inverse(xy[:3])).all()


def test_fit_rejects_mismatched_inputs():
    with pytest.raises(ValueError):
        learn_inverse(np.zeros((5, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError):
        learn_inverse(np.zeros((5, 3)), np.zeros((5, 3)))
