"""t-SNE maps with openTSNE, run as a generator that streams the embedding as it forms.

openTSNE is used because it can do what scikit-learn's TSNE cannot: optimise in steps (so a
worker can stream positions and stop between steps) and place new points into an existing
embedding (``prepare_partial`` + optimisation, i.e. its ``transform``). Large clouds are fitted
on a random subset and the rest are placed into that embedding, which is what brings 70,000
points within a minute on two cores.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
from openTSNE import TSNEEmbedding, affinity, initialization
from openTSNE.tsne import PartialTSNEEmbedding

from latentlab.config import ProjectionConfig
from latentlab.projection.placement import NearestPlacement

EARLY_EXAGGERATION = 12.0
CONTINUE_ITERATIONS = 250  # when starting from the previous epoch's map: no new clusters form
# ... and a tenth of openTSNE's automatic rate (N): at the full rate the whole map keeps
# expanding (by a third over 250 steps on test blobs) and points drift; at N/10 they moved 11%
# of the map's spread for a KL within 4% of the full rate's.
CONTINUE_RATE = 0.1
PLACE_BATCH = 5_000  # new points per prepare_partial call, so progress shows and Cancel works
PLACE_ITERATIONS = 150  # openTSNE's transform uses 250; 150 moves the points as far, sooner
PLACE_PERPLEXITY = 5.0  # openTSNE's default for transform: new points follow close neighbours
# openTSNE's transform step: small, clipped steps, so new points settle without pushing through
PLACE_STEP = {"learning_rate": 0.1, "exaggeration": 1.5, "momentum": 0.8, "max_grad_norm": 0.25}
STEP_SECONDS = 0.25  # aim for one streamed frame (and one chance to cancel) this often
# Barnes-Hut gradients up to this many fitted points, FFT-interpolated ones above. openTSNE's
# own switch is at 10,000, but on two cores BH fitted 10k MNIST codes in 22 s against FFT's
# 44 s, with a lower KL and the same trustworthiness (0.980).
BARNES_HUT_UP_TO = 20_000


@dataclass(frozen=True)
class ProjectionProgress:
    """One step of a long projection: what it is doing and where every point is so far."""

    phase: str
    done: int
    total: int
    xy: np.ndarray | None  # N×2 float32 positions of every point, None until there are any


class EmbeddingProjection:
    """A non-linear map known only by its points' positions (e.g. t-SNE while it runs): new
    latents are placed from their nearest data points; there is no inverse, so clicks are
    decoded by the neighbour or learned inverse."""

    name = "t-SNE"
    axis_labels = ("t-SNE 1", "t-SNE 2")
    exact_inverse = False

    def __init__(self, latents: np.ndarray, xy: np.ndarray) -> None:
        self.latents = np.asarray(latents, dtype=np.float32)
        self.xy = np.asarray(xy, dtype=np.float32)
        self.latent_dim = self.latents.shape[1]

    @functools.cached_property
    def placement(self) -> NearestPlacement:
        return NearestPlacement(self.latents, self.xy)

    def transform(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2, from the nearest data points (well under a millisecond)."""
        return self.placement.place(latents)


class TSNEProjection(EmbeddingProjection):
    """A fitted t-SNE map: new latents are placed at once from their nearest data points
    (``transform``) and, when there is time, by openTSNE's optimisation (``refine``)."""

    def __init__(
        self, embedding: TSNEEmbedding, latents: np.ndarray, xy: np.ndarray, perplexity: float
    ) -> None:
        super().__init__(latents, xy)
        self.embedding = embedding  # the fitted subset, centred; reference for refine()
        self.perplexity = perplexity

    def refine(self, latents: np.ndarray) -> np.ndarray:
        """M×D latents -> M×2 by openTSNE's placement into the fitted embedding, starting from
        ``transform`` (about half a second on two cores: run it on a worker)."""
        latents = np.atleast_2d(np.asarray(latents, dtype=np.float64))
        start = self.transform(latents)
        placed = _placement(
            self.embedding, start, _affinities_to_fit(self.embedding, latents, start)
        )
        placed.optimize(n_iter=PLACE_ITERATIONS, inplace=True, **PLACE_STEP)
        return np.asarray(placed, dtype=np.float32)


def run_tsne(
    latents: np.ndarray,
    config: ProjectionConfig,
    *,
    previous_xy: np.ndarray | None = None,
    n_jobs: int | None = None,
) -> Generator[ProjectionProgress, None, tuple[TSNEProjection, np.ndarray]]:
    """Fit t-SNE to N×D ``latents``, yielding progress with every point's position; returns
    the projection and the N×2 map.

    ``previous_xy`` (N×2, the same points on the previous map) starts the optimisation from
    there and skips early exaggeration, so a map refreshed after an epoch keeps its layout.
    Stop early by closing the generator (a worker's abort does this between steps).
    """
    latents = np.ascontiguousarray(latents, dtype=np.float64)
    n = len(latents)
    if n < 10:
        raise ValueError(f"t-SNE needs at least 10 points, got {n}")
    n_jobs = n_jobs or os.cpu_count() or 1
    settings = config.settings  # TsneSettings
    rng = np.random.default_rng(config.seed)
    fit_index = np.sort(rng.permutation(n)[: min(n, settings.fit_points)])
    rest_index = np.setdiff1d(np.arange(n), fit_index)
    fit_latents = latents[fit_index]
    # openTSNE needs perplexity < N / 3; small clouds get the largest that fits.
    perplexity = min(settings.perplexity, (len(fit_index) - 1) / 3)

    yield ProjectionProgress("Finding neighbours", 0, 1, None)
    affinities = affinity.PerplexityBasedNN(
        fit_latents, perplexity=perplexity, n_jobs=n_jobs, random_state=config.seed
    )
    # Until they are placed properly, other points follow the median of their nearest fitted
    # points, so the whole cloud moves as one while the map forms.
    follow = np.zeros((0, 1), np.intp)
    if len(rest_index):
        k = min(5, len(fit_index))
        tree = NearestPlacement(fit_latents, np.zeros((len(fit_index), 2)), k=k).tree
        follow = np.asarray(tree.query(latents[rest_index], k=k)[1]).reshape(len(rest_index), k)

    def everything(fit_xy: np.ndarray, rest_xy: np.ndarray | None = None) -> np.ndarray:
        xy = np.empty((n, 2), np.float32)
        xy[fit_index] = fit_xy
        if len(rest_index):
            xy[rest_index] = np.median(fit_xy[follow], axis=1) if rest_xy is None else rest_xy
        return xy

    continuing = previous_xy is not None and len(previous_xy) == n
    if continuing:
        start = np.asarray(previous_xy, dtype=np.float64)[fit_index]
        rate = max(len(fit_index) * CONTINUE_RATE, 50.0)
        phases = [("Updating the map", CONTINUE_ITERATIONS, None, 0.8, rate)]
    else:
        start = initialization.pca(fit_latents, random_state=config.seed)
        phases = [
            ("Forming clusters", settings.exaggeration_iterations, EARLY_EXAGGERATION, 0.5, "auto"),
            ("Settling", settings.iterations, None, 0.8, "auto"),
        ]
    gradients = "bh" if len(fit_index) <= BARNES_HUT_UP_TO else "fft"
    embedding = TSNEEmbedding(
        start, affinities, negative_gradient_method=gradients, n_jobs=n_jobs,
        random_state=config.seed,
    )  # fmt: skip
    for phase, iterations, exaggeration, momentum, rate in phases:

        def step(count: int, exaggeration=exaggeration, momentum=momentum, rate=rate) -> None:
            embedding.optimize(
                n_iter=count,
                exaggeration=exaggeration,
                momentum=momentum,
                learning_rate=rate,
                inplace=True,
            )

        for done in _in_steps(step, iterations):
            yield ProjectionProgress(phase, done, iterations, everything(np.asarray(embedding)))

    # Centre once now: openTSNE centres the reference in place before placing new points,
    # which would otherwise shift it away from the positions already reported.
    embedding -= (embedding.max(axis=0) + embedding.min(axis=0)) / 2
    fit_xy = np.asarray(embedding, dtype=np.float32)
    rest_xy = None
    if len(rest_index):
        rest_xy = yield from _place_rest(
            embedding,
            latents[rest_index],
            everything(fit_xy)[rest_index]
            if not continuing
            else np.asarray(previous_xy, np.float32)[rest_index],
            fit_xy,
            everything,
        )
    xy = everything(fit_xy, rest_xy)
    return TSNEProjection(embedding, latents.astype(np.float32), xy, perplexity), xy


def _place_rest(
    embedding: TSNEEmbedding,
    rest_latents: np.ndarray,
    start_xy: np.ndarray,
    fit_xy: np.ndarray,
    everything,
) -> Generator[ProjectionProgress, None, np.ndarray]:
    """openTSNE's transform, split into steps: affinities to the fitted points in batches,
    then one optimisation of all new points against the fixed embedding."""
    count = len(rest_latents)
    affinities = []
    for start in range(0, count, PLACE_BATCH):
        batch = slice(start, start + PLACE_BATCH)
        affinities.append(_affinities_to_fit(embedding, rest_latents[batch], start_xy[batch]))
        done = min(start + PLACE_BATCH, count)
        yield ProjectionProgress(f"Placing {count:,} more points", done, count, None)
    placed = _placement(embedding, start_xy, scipy.sparse.vstack(affinities).tocsr())

    def step(iterations: int) -> None:
        placed.optimize(n_iter=iterations, inplace=True, **PLACE_STEP)

    for done in _in_steps(step, PLACE_ITERATIONS):
        xy = everything(fit_xy, np.asarray(placed, dtype=np.float32))
        yield ProjectionProgress("Refining placed points", done, PLACE_ITERATIONS, xy)
    return np.asarray(placed, dtype=np.float32)


def _affinities_to_fit(
    embedding: TSNEEmbedding, latents: np.ndarray, start_xy: np.ndarray
) -> scipy.sparse.csr_matrix:
    """openTSNE's affinities of new points to the fitted ones (M × N_fit, rows sum to 1)."""
    perplexity = min(PLACE_PERPLEXITY, (len(embedding) - 1) / 3)
    partial = embedding.prepare_partial(
        np.asarray(latents, np.float64),
        initialization=np.asarray(start_xy, np.float64),
        perplexity=perplexity,
    )
    return partial.P


def _placement(
    embedding: TSNEEmbedding, start_xy: np.ndarray, affinities: scipy.sparse.csr_matrix
) -> PartialTSNEEmbedding:
    """New points to optimise against the fixed embedding. Always with FFT gradients: they
    interpolate the fitted points' field once, so placing 60,000 points took 2.5 s where
    Barnes-Hut took 50 s."""
    params = {**embedding.gradient_descent_params, "negative_gradient_method": "fft"}
    return PartialTSNEEmbedding(np.asarray(start_xy, np.float64), embedding, affinities, **params)


def _in_steps(step, iterations: int):
    """Run ``step(k)`` until ``iterations`` are done, sizing k so that each call takes about
    STEP_SECONDS; yields the number done after each call."""
    done, size = 0, 5
    while done < iterations:
        size = min(size, iterations - done)
        began = time.perf_counter()
        step(size)
        done += size
        elapsed = max(time.perf_counter() - began, 1e-4)
        size = int(np.clip(size * STEP_SECONDS / elapsed, 1, 50))
        yield done


def run_tsne_map(
    cloud: Any, points: np.ndarray, config: ProjectionConfig, previous: Any
) -> Generator[ProjectionProgress, None, tuple[TSNEProjection, np.ndarray]]:
    """The "tsne" runner (see latentlab.projections): ``run_tsne``, started from the previous
    map's positions when it was a t-SNE map of the same points and settings."""
    from latentlab.projection.previous import previous_positions

    previous_xy = previous_positions(cloud, previous, TSNEProjection, config)
    return (yield from run_tsne(points, config, previous_xy=previous_xy))
