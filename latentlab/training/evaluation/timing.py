"""Timing a small first chunk of the IWAE pass, so a time budget can choose k and the images
(``plan.plan_for_budget``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import torch

from latentlab.models import VariationalAutoencoder
from latentlab.training.evaluation.images import _as_float
from latentlab.training.evaluation.likelihood import (
    importance_weighted_bound,
    iwae_chunking,
    posterior_noise,
)
from latentlab.training.evaluation.progress import PhaseMeter
from latentlab.training.evaluation.records import EvaluationProgress

PROBE_K = 100  # samples per image while timing: the middle of the k a budget picks
PROBE_SECONDS = 2.0  # many decoder calls, and past short bursts of load; 3% of the default budget
MAX_PROBE_BATCHES = 10_000


def _timed_rate(
    model: VariationalAutoencoder,
    source: torch.Tensor,
    *,
    seed: int,
    budget: int,
    stop: Callable[[], bool],
    clock: Callable[[], float],
) -> Generator[EvaluationProgress, None, tuple[float, float]]:
    """Decoder samples per second of the IWAE pass on ``source``'s first images, as the pass
    runs them (the same batching, noise and decoder calls); returns (rate, seconds spent). The
    first batch is not timed: it pays for allocations and thread start-up once."""
    started = clock()
    meter = PhaseMeter("timing", 1, clock)
    yield meter.at(0)
    images_per_batch, samples_per_chunk = iwae_chunking(
        PROBE_K, math.prod(source.shape[1:]), budget
    )

    def one_batch(batch: int) -> int:
        start = batch * images_per_batch % len(source)
        x = _as_float(source[start : start + images_per_batch], model.device)
        noise = posterior_noise(seed, range(start, start + len(x)), PROBE_K, model.latent_dim)
        importance_weighted_bound(
            model, x, PROBE_K, samples_per_chunk=samples_per_chunk, noise=noise, should_stop=stop
        )
        return len(x) * PROBE_K

    one_batch(0)
    timed_from, samples, elapsed = clock(), 0, 0.0
    for batch in range(1, MAX_PROBE_BATCHES + 1):
        samples += one_batch(batch)
        elapsed = clock() - timed_from
        if elapsed >= PROBE_SECONDS:
            break
    yield meter.at(1)
    return samples / max(elapsed, 1e-9), clock() - started
