"""How well a way back from the map finds held-out points' latents: ‖inverse(P(z)) − z‖."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from latentlab.projection.learned_inverse import learn_inverse
from latentlab.projection.neighbours import NeighbourInverse

InverseFunction = Callable[[np.ndarray], np.ndarray]  # M×2 map positions -> M×D latents
FitInverse = Callable[[np.ndarray, np.ndarray], InverseFunction]  # (train xy, train z) -> it


@dataclass(frozen=True)
class RoundTripError:
    """Distances from held-out latents to the latents found at their map positions, relative
    to ``latent_spread`` (0: exact; about 1: no better than always answering the centroid)."""

    method: str
    median: float
    mean: float
    p90: float
    held_out: int


def latent_spread(latents: np.ndarray) -> float:
    """The typical spread of a latent cloud: the RMS distance of its points to their centroid,
    sqrt(mean ‖z − mean(z)‖²). An inverse that always returns the centroid scores ≈ 1.0 (exactly
    1 as a root mean square over all points; a little less as a mean or median)."""
    latents = np.asarray(latents, dtype=np.float64)
    centred = latents - latents.mean(axis=0)
    return float(np.sqrt((centred**2).sum(axis=1).mean()))


def round_trip_error(
    xy: np.ndarray,
    latents: np.ndarray,
    fit_inverse: FitInverse,
    *,
    method: str,
    held_out_fraction: float = 0.1,
    max_held_out: int = 2000,
    seed: int = 0,
) -> RoundTripError:
    """Fit an inverse on all points but a random held-out subset, then measure how far it lands
    from the held-out latents, relative to the spread of all latents."""
    xy = np.asarray(xy, dtype=np.float32)
    latents = np.asarray(latents, dtype=np.float32)
    if len(xy) != len(latents) or len(xy) < 2:
        raise ValueError("need at least two points, with one map position per latent")
    count = int(np.clip(round(held_out_fraction * len(xy)), 1, min(max_held_out, len(xy) - 1)))
    held = np.zeros(len(xy), dtype=bool)
    held[np.random.default_rng(seed).choice(len(xy), count, replace=False)] = True

    inverse = fit_inverse(xy[~held], latents[~held])
    errors = np.linalg.norm(inverse(xy[held]) - latents[held], axis=1) / max(
        latent_spread(latents), 1e-12
    )
    return RoundTripError(
        method=method,
        median=float(np.median(errors)),
        mean=float(errors.mean()),
        p90=float(np.quantile(errors, 0.9)),
        held_out=count,
    )


def neighbour_round_trip(xy: np.ndarray, latents: np.ndarray, **kwargs) -> RoundTripError:
    """``round_trip_error`` of NeighbourInverse (IDW of the nearest map points' latents)."""
    return round_trip_error(
        xy, latents, lambda a, b: NeighbourInverse(a, b).inverse, method="neighbours", **kwargs
    )


def learned_round_trip(
    xy: np.ndarray,
    latents: np.ndarray,
    *,
    max_seconds: float = 5.0,
    max_steps: int = 3000,
    **kwargs,
) -> RoundTripError:
    """``round_trip_error`` of a LearnedInverse trained for at most ``max_seconds`` and
    ``max_steps``."""
    return round_trip_error(
        xy,
        latents,
        lambda a, b: learn_inverse(a, b, max_seconds=max_seconds, max_steps=max_steps).inverse,
        method="learned",
        **kwargs,
    )


def held_out_mask(
    count: int, *, fraction: float = 0.1, max_held_out: int = 2000, seed: int = 0
) -> np.ndarray:
    """A random bool mask of the points kept out of fitting an inverse (at least one, and at
    least one left to fit on)."""
    held_count = int(np.clip(round(fraction * count), 1, min(max_held_out, count - 1)))
    held = np.zeros(count, dtype=bool)
    held[np.random.default_rng(seed).choice(count, held_count, replace=False)] = True
    return held


def relative_error(
    method: str, predicted: np.ndarray, truth: np.ndarray, spread: float
) -> RoundTripError:
    """Summary of ‖predicted − truth‖ / spread over the rows."""
    errors = np.linalg.norm(
        np.asarray(predicted, np.float64) - np.asarray(truth, np.float64), axis=1
    ) / max(spread, 1e-12)
    return RoundTripError(
        method=method,
        median=float(np.median(errors)),
        mean=float(errors.mean()),
        p90=float(np.quantile(errors, 0.9)),
        held_out=len(errors),
    )
