"""t-SNE maps: streaming, stopping, subsample + placement, new points, stable refreshes, and
the ways back from a t-SNE map to latent space."""

from __future__ import annotations

import numpy as np
import pytest
from generator_jobs import run_to_end
from trained_models import train_digits_vae

from latentlab.config import ConfigError, ProjectionConfig
from latentlab.projection import (
    LatentCloud,
    MapFinished,
    MapReady,
    PCAProjection,
    ProjectionProgress,
    TSNEProjection,
    build_map,
    encode_dataset,
    map_steps,
    project_cloud,
    run_tsne,
)
from latentlab.projection.alignment import procrustes_rotation

FAST = ProjectionConfig.of("tsne", perplexity=20, exaggeration_iterations=100, iterations=150)


def blobs(n_per: int = 100, clusters: int = 4, dim: int = 8, seed: int = 0):
    """Well separated Gaussian clusters: latents and their cluster labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10, size=(clusters, dim))
    labels = np.repeat(np.arange(clusters), n_per)
    latents = centres[labels] + rng.normal(size=(len(labels), dim))
    return latents.astype(np.float32), labels


def cloud_of(latents: np.ndarray, labels: np.ndarray) -> LatentCloud:
    n = len(latents)
    return LatentCloud(
        latents=latents,
        images=np.zeros((n, 4, 4, 1), np.uint8),
        labels=labels,
        class_names=tuple(str(k) for k in range(labels.max() + 1)),
        indices=np.arange(n),
        reconstruction_errors=None,
        source="blobs",
    )


def neighbour_agreement(xy: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Share of points whose k nearest map neighbours mostly carry their own label."""
    distances = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :k]
    return float((np.mean(labels[nearest] == labels[:, None], axis=1) > 0.5).mean())


def test_tsne_streams_every_points_position_and_separates_clusters():
    latents, labels = blobs()
    records, (projection, xy) = run_to_end(run_tsne(latents, FAST))
    frames = [r for r in records if isinstance(r, ProjectionProgress) and r.xy is not None]
    assert len(frames) >= 3, "the map should be streamed while it forms"
    assert all(f.xy.shape == (len(latents), 2) for f in frames)
    assert {"Forming clusters", "Settling"} <= {f.phase for f in frames}
    assert isinstance(projection, TSNEProjection) and xy.shape == (len(latents), 2)
    assert np.isfinite(xy).all()
    assert neighbour_agreement(xy, labels) > 0.95


def test_closing_the_generator_stops_tsne_between_steps():
    latents, _ = blobs()
    steps = run_tsne(latents, FAST)
    first_frame = next(r for r in steps if r.xy is not None)
    steps.close()  # what a worker's abort does
    assert first_frame.done < FAST.settings.exaggeration_iterations
    with pytest.raises(StopIteration):
        next(steps)


def test_large_clouds_are_fitted_on_a_subsample_and_the_rest_placed_near_their_cluster():
    latents, labels = blobs(n_per=150)
    config = ProjectionConfig.of(
        "tsne", perplexity=15, fit_points=200, exaggeration_iterations=100, iterations=150
    )
    records, (_, xy) = run_to_end(run_tsne(latents, config))
    phases = {r.phase for r in records}
    assert "Placing 400 more points" in phases and "Refining placed points" in phases
    assert np.isfinite(xy).all()
    assert neighbour_agreement(xy, labels) > 0.95  # placed points sit among their own


def test_new_latents_land_near_their_neighbours_at_once_and_after_refining():
    latents, labels = blobs()
    _, (projection, xy) = run_to_end(run_tsne(latents, FAST))
    rng = np.random.default_rng(5)
    picked = rng.choice(len(latents), 6, replace=False)
    new = latents[picked] + rng.normal(scale=0.05, size=(6, latents.shape[1])).astype(np.float32)
    spread = np.linalg.norm(xy - xy.mean(0), axis=1).mean()
    for placed in (projection.transform(new), projection.refine(new)):
        assert placed.shape == (6, 2)
        for row, index in enumerate(picked):
            cluster = xy[labels == labels[index]]
            # Inside its own cluster: much closer to that cluster's centre than the map is wide.
            assert np.linalg.norm(placed[row] - cluster.mean(0)) < 0.5 * spread


def test_a_refreshed_tsne_map_starts_from_the_previous_one():
    latents, labels = blobs()
    cloud = cloud_of(latents, labels)
    first = build_map(cloud, FAST)
    noise = np.random.default_rng(1).normal(scale=0.3, size=latents.shape)
    moved = cloud_of(latents + noise.astype(np.float32), labels)  # the model changed a little
    again = build_map(moved, FAST, previous=first)
    spread = np.linalg.norm(first.xy - first.xy.mean(0), axis=1).mean()
    shift = np.linalg.norm(again.xy - first.xy, axis=1).mean()
    assert shift < 0.2 * spread  # the layout stays: points move a little, clusters stay put
    assert neighbour_agreement(again.xy, labels) > 0.95


def test_a_refreshed_pca_map_is_turned_to_match_the_previous_one():
    latents, labels = blobs(dim=6)
    cloud = cloud_of(latents, labels)
    first = build_map(cloud)
    angle = np.radians(70)
    turn = np.array([[np.cos(angle), np.sin(angle)], [np.sin(angle), -np.cos(angle)]])
    on_screen = first.replace(xy=(first.xy @ turn).astype(np.float32))  # turned and mirrored
    refreshed = build_map(cloud, previous=on_screen)
    assert isinstance(refreshed.projection, PCAProjection)
    scale = np.abs(first.xy).max()
    assert np.abs(refreshed.xy - on_screen.xy).max() < 1e-3 * scale
    assert np.abs(refreshed.xy - first.xy).max() > 0.3 * scale
    # The inverse is still exact after turning.
    back = refreshed.to_latent(refreshed.xy[:5])
    np.testing.assert_allclose(refreshed.to_map(back), refreshed.xy[:5], atol=1e-3 * scale)


def test_procrustes_finds_a_reflection_too():
    xy = np.random.default_rng(0).normal(size=(50, 2))
    mirrored = xy * [-1, 1]
    rotation = procrustes_rotation(xy, mirrored)
    np.testing.assert_allclose(xy @ rotation, mirrored, atol=1e-9)


def test_map_steps_measure_the_map_and_learn_its_inverse():
    latents, labels = blobs()
    records = list(map_steps(cloud_of(latents, labels), FAST, inverse_seconds=2.0))
    ready = next(r for r in records if isinstance(r, MapReady))
    finished = records[-1]
    assert isinstance(finished, MapFinished)
    assert ready.data.inverse_methods == ("neighbours",)  # clickable before the inverse is learnt
    data = finished.data
    assert data.inverse_methods == ("learned", "neighbours")
    assert data.quality.trustworthiness > 0.9
    for method in ("learned", "neighbours"):
        error = data.quality.round_trip(method)
        assert error is not None and 0 <= error.median < 1  # better than the centre
    # Clicking anywhere, even far between the clusters, gives a latent of the right size.
    corner = data.xy.max(axis=0) * 0.9
    for method in ("exact", "learned", "neighbours"):  # exact falls back on a t-SNE map
        latent = data.to_latent(corner[None], method)
        assert latent.shape == (1, latents.shape[1]) and np.isfinite(latent).all()


def test_bad_projection_settings_are_refused_with_the_setting_named():
    with pytest.raises(ConfigError, match="perplexity"):
        ProjectionConfig.of("tsne", perplexity=0.5)
    with pytest.raises(ConfigError, match="method"):
        ProjectionConfig(method="umap")


@pytest.fixture(scope="module")
def digits_cloud(digits):
    """Codes of all 1,797 digits from a VAE trained for 8 epochs."""
    trainer = train_digits_vae(digits, epochs=8)
    return encode_dataset(trainer.model.eval(), digits)


def test_round_trip_error_on_digits_is_within_the_stated_bound(digits_cloud):
    """Both ways back from a t-SNE map of digits codes land, on held-out points, within 0.6
    of the codes' spread (the centre scores 1.0); PCA's plane holds the other 6 dims at the
    mean, so its exact inverse does worse than the learned one here."""
    records = list(map_steps(digits_cloud, ProjectionConfig(method="tsne"), inverse_seconds=3))
    quality = records[-1].data.quality
    assert quality.round_trip("neighbours").median < 0.6
    assert quality.round_trip("learned").median < 0.6
    assert quality.trustworthiness > 0.85
    pca = list(map_steps(digits_cloud, ProjectionConfig(), learn_inverse=False))[-1].data
    assert pca.quality.round_trip("exact").median > quality.round_trip("learned").median


def test_projection_progress_can_start_before_any_position_exists():
    latents, labels = blobs()
    first = next(project_cloud(cloud_of(latents, labels), FAST))
    assert first.xy is None and first.phase == "Finding neighbours"
