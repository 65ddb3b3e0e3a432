"""Linear and spherical interpolation between latent vectors, through any number of keypoints."""

from __future__ import annotations

import numpy as np

INTERPOLATIONS = ("lerp", "slerp")  # closed form: the keypoints alone give the path
NOISE = "noise"  # through a diffusion prior's noise: the path is computed (diffusion_sampling)
METHODS = (*INTERPOLATIONS, NOISE)


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """(1 − t)·a + t·b."""
    return (1.0 - t) * a + t * b


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation (Shoemake 1985), as White (2016) recommends for Gaussian priors:
    it keeps intermediate points at the norms the prior makes typical, where lerp passes close
    to the origin. Falls back to lerp for (anti)parallel or zero vectors."""
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a < 1e-12 or norm_b < 1e-12:
        return lerp(a, b, t)
    cos = float(np.clip(np.dot(a, b) / (norm_a * norm_b), -1.0, 1.0))
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return lerp(a, b, t)
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def interpolate_path(keypoints: np.ndarray, t: float, method: str = "lerp") -> np.ndarray:
    """The point at ``t`` ∈ [0, 1] along A → B → C ...; each segment gets an equal share of t."""
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.ndim != 2 or len(keypoints) < 2:
        raise ValueError("an interpolation needs at least two keypoints (K×D)")
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {INTERPOLATIONS}, got {method!r}")
    segments = len(keypoints) - 1
    position = float(np.clip(t, 0.0, 1.0)) * segments
    index = min(int(position), segments - 1)
    local_t = position - index
    blend = slerp if method == "slerp" else lerp
    return blend(keypoints[index], keypoints[index + 1], local_t)


def path_frames(keypoints: np.ndarray, frames: int, method: str = "lerp") -> np.ndarray:
    """``frames`` evenly spaced points from the first keypoint to the last, F×D."""
    if frames < 2:
        raise ValueError("a strip needs at least two frames")
    return np.stack([interpolate_path(keypoints, t, method) for t in np.linspace(0.0, 1.0, frames)])


def along_samples(samples: np.ndarray, t: float) -> np.ndarray:
    """The point at ``t`` ∈ [0, 1] along P samples of a path that are evenly spaced in t
    (P×D), blending linearly between the two samples around it."""
    samples = np.asarray(samples)
    position = float(np.clip(t, 0.0, 1.0)) * (len(samples) - 1)
    low = min(int(position), len(samples) - 2) if len(samples) > 1 else 0
    high = min(low + 1, len(samples) - 1)
    return samples[low] + (position - low) * (samples[high] - samples[low])
