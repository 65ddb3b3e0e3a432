"""Traversal sliders: move a latent along single dimensions or along principal directions.

Sliders are measured in standard deviations of the data along each axis, so ±3 covers almost
all of the encoded cloud whatever its scale. Principal directions of the latent cloud are
GANSpace's axes (Härkönen et al. 2020); they are the default for wide latents, where one
slider per dimension would be too many to use and most dimensions may be inactive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SLIDER_RANGE = 3.0
MAX_DIMENSION_SLIDERS = 16
# Burda et al. 2016 (Importance Weighted Autoencoders), §5.2: unit i is active when
# Cov_x(E_q[z_i | x]) > 0.01; inactive units are ignored by the decoder.
ACTIVE_VARIANCE_THRESHOLD = 0.01

_MIN_SCALE = 1e-8
# The SVD only needs enough points to pin down the covariance; cap it to stay interactive.
_MAX_SVD_ROWS = 20_000
_SVD_SEED = 0


@dataclass(frozen=True, eq=False)
class TraversalAxes:
    """K orthonormal axes through the data mean, each with the data's spread along it."""

    kind: str
    mean: np.ndarray
    directions: np.ndarray
    scales: np.ndarray
    labels: tuple[str, ...]
    explained: np.ndarray | None

    def __len__(self) -> int:
        return len(self.directions)

    def coordinates(self, latent: np.ndarray) -> np.ndarray:
        """Position of ``latent`` along each axis, in standard deviations: (K,), or (N, K)."""
        latent = self._check(latent)
        return (latent - self.mean) @ self.directions.T / self.scales

    def set_coordinate(self, latent: np.ndarray, k: int, value: float) -> np.ndarray:
        """``latent`` moved along axis ``k`` alone so that its coordinate there is ``value``."""
        if not -len(self) <= k < len(self):
            raise IndexError(f"axis {k} out of range for {len(self)} axes")
        latent = self._check(latent)
        current = self.coordinates(latent)[..., k]
        # The axes are orthonormal, so a step along one leaves the others' coordinates alone.
        step = (float(value) - current) * self.scales[k]
        return latent + np.multiply.outer(step, self.directions[k])

    def with_coordinates(self, latent: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``latent`` with all K coordinates replaced by ``values``; its part outside the span
        of the axes is kept."""
        latent = self._check(latent)
        values = np.asarray(values, dtype=np.float64)
        if values.shape[-1:] != (len(self),):
            raise ValueError(f"need {len(self)} coordinate values, got shape {values.shape}")
        steps = (values - self.coordinates(latent)) * self.scales
        return latent + steps @ self.directions

    def _check(self, latent: np.ndarray) -> np.ndarray:
        latent = np.asarray(latent, dtype=np.float64)
        if latent.ndim not in (1, 2) or latent.shape[-1] != self.mean.shape[0]:
            raise ValueError(
                f"latent must be (D,) or (N, D) with D = {self.mean.shape[0]}, "
                f"got shape {latent.shape}"
            )
        return latent


def dimension_axes(latents: np.ndarray) -> TraversalAxes:
    """One axis per latent dimension, scaled by the data's standard deviation in it."""
    cloud = _as_cloud(latents)
    dims = cloud.shape[1]
    return _frozen_axes(
        kind="dimensions",
        mean=cloud.mean(axis=0),
        directions=np.eye(dims),
        scales=cloud.std(axis=0),
        labels=tuple(f"z{i}" for i in range(dims)),
        explained=None,
    )


def principal_axes(latents: np.ndarray, count: int = 10) -> TraversalAxes:
    """The top ``count`` principal directions of the latent cloud (at most D), GANSpace-style."""
    cloud = _as_cloud(latents)
    if count < 1:
        raise ValueError(f"count must be ≥ 1, got {count}")
    sample = cloud
    if len(cloud) > _MAX_SVD_ROWS:
        rng = np.random.default_rng(_SVD_SEED)
        sample = cloud[rng.choice(len(cloud), _MAX_SVD_ROWS, replace=False)]
    centred = sample - sample.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    count = min(count, len(vt))
    directions = vt[:count].copy()
    # SVD signs are arbitrary; fix them so the same data always gives the same slider sense.
    largest = np.argmax(np.abs(directions), axis=1)
    signs = np.sign(directions[np.arange(count), largest])
    directions *= np.where(signs == 0, 1.0, signs)[:, None]
    power = singular**2
    total = float(power.sum())
    explained = power[:count] / total if total > 0 else np.zeros(count)
    return _frozen_axes(
        kind="principal",
        mean=cloud.mean(axis=0),
        directions=directions,
        scales=np.sqrt(power[:count] / len(sample)),
        labels=tuple(f"PC{k + 1} · {share:.0%}" for k, share in enumerate(explained)),
        explained=explained,
    )


def default_axes(latents: np.ndarray) -> TraversalAxes:
    """Dimension sliders for small latents, the first ten principal directions otherwise."""
    cloud = _as_cloud(latents)
    if cloud.shape[1] <= MAX_DIMENSION_SLIDERS:
        return dimension_axes(cloud)
    return principal_axes(cloud, count=min(10, cloud.shape[1]))


@dataclass(frozen=True, eq=False)
class DimensionActivity:
    """Per-dimension statistics saying which latent units the model actually uses."""

    mean_variance: np.ndarray
    kl: np.ndarray | None
    active: np.ndarray

    @property
    def active_count(self) -> int:
        """Number of active dimensions."""
        return int(self.active.sum())


def dimension_activity(means: np.ndarray, log_vars: np.ndarray | None = None) -> DimensionActivity:
    """Burda's activity statistic from posterior means (N×D), and the per-dimension KL to the
    prior when posterior log-variances (N×D) are given."""
    means = _as_cloud(means, name="means")
    kl = None
    if log_vars is not None:
        log_vars = np.asarray(log_vars, dtype=np.float64)
        if log_vars.shape != means.shape:
            raise ValueError(f"log_vars must match means {means.shape}, got shape {log_vars.shape}")
        # KL(N(μ, σ²) ‖ N(0, 1)) per dimension (Kingma & Welling 2014, appendix B).
        kl = (0.5 * (means**2 + np.exp(log_vars) - log_vars - 1.0)).mean(axis=0)
    mean_variance = means.var(axis=0)
    return DimensionActivity(
        mean_variance=mean_variance,
        kl=kl,
        active=mean_variance > ACTIVE_VARIANCE_THRESHOLD,
    )


def _as_cloud(latents: np.ndarray, name: str = "latents") -> np.ndarray:
    cloud = np.asarray(latents, dtype=np.float64)
    if cloud.ndim != 2 or cloud.shape[1] == 0:
        raise ValueError(f"{name} must be an N×D array, got shape {cloud.shape}")
    if len(cloud) < 2:
        raise ValueError(f"need at least 2 points to measure spread, got {len(cloud)}")
    if not np.isfinite(cloud).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return cloud


def _frozen_axes(
    *,
    kind: str,
    mean: np.ndarray,
    directions: np.ndarray,
    scales: np.ndarray,
    labels: tuple[str, ...],
    explained: np.ndarray | None,
) -> TraversalAxes:
    # A dimension the data never moves in would make coordinates divide by zero.
    scales = np.maximum(scales, _MIN_SCALE)
    arrays = [mean, directions, scales] + ([] if explained is None else [explained])
    for array in arrays:
        array.flags.writeable = False
    return TraversalAxes(kind, mean, directions, scales, labels, explained)
