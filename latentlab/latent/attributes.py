"""Attribute vectors: the difference between the mean latents of two groups, and how reliable it is.

Following White (2016, "Sampling Generative Networks") and Larsen et al. (2016), an attribute
such as "smiling" or "class 3" is the vector from the mean latent of the examples without it
to the mean latent of the examples with it; adding a multiple of it to any latent adds the
attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STRENGTH_RANGE = (-3.0, 3.0)

# Split-half resampling only needs enough rows to estimate the noise in the mean; beyond this
# each group is subsampled (and the noise rescaled to the full size), to keep it interactive.
_MAX_RESAMPLE_ROWS = 20_000

_RELIABLE = 0.9
_FAIR = 0.7


@dataclass(frozen=True, eq=False)
class AttributeVector:
    """The direction mean(positive) − mean(negative), with how stable it is under resampling."""

    direction: np.ndarray
    positive_count: int
    negative_count: int
    reliability: float
    reliability_low: float

    @property
    def norm(self) -> float:
        """Euclidean length of the direction."""
        return float(np.linalg.norm(self.direction))

    def apply(self, base: np.ndarray, strength: float) -> np.ndarray:
        """base + strength·direction, for one latent (D,) or a batch (N, D)."""
        base = np.asarray(base, dtype=np.float64)
        if base.ndim not in (1, 2) or base.shape[-1] != self.direction.shape[0]:
            raise ValueError(
                f"base must be (D,) or (N, D) with D = {self.direction.shape[0]}, "
                f"got shape {base.shape}"
            )
        return base + float(strength) * self.direction

    def strip(self, base: np.ndarray, strengths: Sequence[float]) -> np.ndarray:
        """(S, D): row s is ``apply(base, strengths[s])`` for a single base latent."""
        base = np.asarray(base, dtype=np.float64)
        if base.ndim != 1:
            raise ValueError(f"a strip starts from one latent (D,), got shape {base.shape}")
        strengths = np.asarray(strengths, dtype=np.float64).reshape(-1)
        return self.apply(base, 0.0)[None, :] + strengths[:, None] * self.direction[None, :]

    def verdict(self) -> str:
        """One short line for the UI saying whether the direction can be trusted."""
        if min(self.positive_count, self.negative_count) < 2:
            return "too few points to tell (need ≥ 2 in each group)"
        if np.isnan(self.reliability):
            return "reliability not measured"
        numbers = f"(cos {self.reliability:.2f}, 5%: {self.reliability_low:.2f})"
        if self.reliability >= _RELIABLE:
            return f"reliable: split-half directions agree {numbers}"
        if self.reliability >= _FAIR:
            return f"fair: split-half directions roughly agree {numbers}"
        return f"noisy: the groups are too small or too alike {numbers}"


def attribute_vector(
    positive: np.ndarray, negative: np.ndarray, *, bootstrap: int = 200, seed: int = 0
) -> AttributeVector:
    """The attribute vector from ``negative`` (M×D) to ``positive`` (N×D), with its reliability.

    Reliability is split-half agreement over ``bootstrap`` random splits: each group is split
    in two random halves, giving two independent difference vectors whose cosine is taken.
    (Comparing bootstrap resamples with the full-data direction instead is biased upwards:
    they share its noise, so two samples of one distribution in D = 32 still score ≈ 0.7.)
    A (D,) vector counts as one point.
    """
    pos = _as_points(positive, "positive")
    neg = _as_points(negative, "negative")
    if pos.shape[1] != neg.shape[1]:
        raise ValueError(
            f"the groups have different latent sizes: positive D = {pos.shape[1]}, "
            f"negative D = {neg.shape[1]}"
        )
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be ≥ 0, got {bootstrap}")
    mean_pos, mean_neg = pos.mean(axis=0), neg.mean(axis=0)
    direction = mean_pos - mean_neg
    scale = max(float(np.abs(mean_pos).max()), float(np.abs(mean_neg).max()), 1.0)
    if float(np.abs(direction).max()) <= 1e-12 * scale:
        raise ValueError("the two groups have the same mean; there is no direction between them")

    reliability = reliability_low = float("nan")
    if min(len(pos), len(neg)) >= 2 and bootstrap > 0:
        rng = np.random.default_rng(seed)
        # Each split gives two directions direction ± w, where w carries the sampling noise.
        offset_pos = _half_offsets(pos, bootstrap, rng)
        offset_neg = _half_offsets(neg, bootstrap, rng)
        noise = offset_pos - offset_neg
        first, second = direction + noise, direction - noise
        cosines = _row_cosines(first, second)
        reliability = float(np.median(cosines))
        reliability_low = float(np.percentile(cosines, 5))

    direction.flags.writeable = False
    return AttributeVector(
        direction=direction,
        positive_count=len(pos),
        negative_count=len(neg),
        reliability=reliability,
        reliability_low=reliability_low,
    )


def class_versus_rest(
    latents: np.ndarray, labels: np.ndarray, cls: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows labelled ``cls``, all other rows), the two groups for a class attribute vector."""
    latents = np.asarray(latents, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1)
    if latents.ndim != 2 or len(latents) != len(labels):
        raise ValueError(
            f"need N×D latents and N labels, got shapes {latents.shape} and {labels.shape}"
        )
    mask = labels == cls
    if not mask.any():
        raise ValueError(f"no point has label {cls}")
    if mask.all():
        raise ValueError(f"every point has label {cls}; there is no rest to compare with")
    return latents[mask], latents[~mask]


def strength_values(count: int = 7, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    """``count`` evenly spaced strengths from ``low`` to ``high`` (0 is among them when the range
    is symmetric and ``count`` odd)."""
    if count < 1:
        raise ValueError(f"count must be ≥ 1, got {count}")
    values = np.linspace(low, high, count)
    # linspace can land a hair off zero at the midpoint; snap it so "strength 0" is the base.
    values[np.isclose(values, 0.0, atol=1e-12 * max(abs(low), abs(high), 1.0))] = 0.0
    return values


def _as_points(group: np.ndarray, name: str) -> np.ndarray:
    points = np.asarray(group, dtype=np.float64)
    if points.ndim == 1:
        points = points[None, :]
    if points.ndim != 2:
        raise ValueError(f"{name} must be N×D latents (or one D vector), got shape {points.shape}")
    if len(points) == 0 or points.shape[1] == 0:
        raise ValueError(f"the {name} group is empty")
    return points


def _half_offsets(points: np.ndarray, splits: int, rng: np.random.Generator) -> np.ndarray:
    """(splits, D): for each random split into halves A and B, (mean_A − mean_B) / 2.

    That is the deviation of either half's mean from the full mean, which has the same
    variance as the full mean's own sampling noise (σ²/N), so direction ± it behave like two
    independent estimates each as noisy as the real one. Split masks are 0/1 weight rows so all
    splits cost one matrix product instead of fancy indexing.
    """
    count = len(points)
    sample = points
    if count > _MAX_RESAMPLE_ROWS:
        sample = points[rng.choice(count, _MAX_RESAMPLE_ROWS, replace=False)]
    rows = len(sample)
    half = rows // 2
    pattern = np.zeros(rows)
    pattern[:half] = 1.0
    masks = rng.permuted(np.broadcast_to(pattern, (splits, rows)), axis=1)
    sum_a = masks @ sample
    sum_b = sample.sum(axis=0) - sum_a
    offsets = (sum_a / half - sum_b / (rows - half)) / 2.0
    # For exact halves Var(offset) = σ²/rows; rescale so it matches the full group's σ²/count.
    # (An odd count adds an O(1/N) asymmetry that does not matter here.)
    return offsets * np.sqrt(rows / count)


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
