"""Drawing codes from a diffusion prior with their denoising paths, and the path between two
codes through the prior's noise (DDIM inversion, slerp, DDIM sampling)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from latentlab.latent.interpolation import slerp

SAMPLERS = {  # name -> η of DDIM (Song et al. 2021): 0 deterministic, 1 DDPM's ancestral sampler
    "ddim": 0.0,
    "ddpm": 1.0,
}
SAMPLER_LABELS = {"ddim": "DDIM (deterministic)", "ddpm": "DDPM (stochastic)"}
NOISE_PATH_STEPS = 50  # DDIM steps of the inversion and of the sampling along a noise path
NOISE_SAMPLES_PER_SEGMENT = 64  # codes sampled per keypoint segment of a noise path


@dataclass(frozen=True)
class SampleRequest:
    """What "Sample with diffusion" draws: ``count`` codes in ``steps`` steps of ``sampler``
    from noise seeded by ``seed``; with a conditional prior, of class ``class_index`` (None:
    any) at guidance scale ``guidance``."""

    count: int = 12
    steps: int = 50
    sampler: str = "ddim"
    seed: int = 0
    class_index: int | None = None
    guidance: float = 3.0

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {tuple(SAMPLERS)}, got {self.sampler!r}")
        if not 1 <= self.count <= 10_000:
            raise ValueError(f"count must be between 1 and 10,000, got {self.count}")


@dataclass(frozen=True)
class DiffusionSamples:
    """Drawn codes and how each one was made."""

    request: SampleRequest
    latents: np.ndarray  # N×D float64, the codes drawn
    trajectories: np.ndarray  # (steps + 1)×N×D float64: the noise first, ``latents`` last

    @property
    def steps(self) -> int:
        return len(self.trajectories) - 1


def draw_samples(prior: Any, request: SampleRequest) -> DiffusionSamples:
    """Sample ``request.count`` codes from ``prior`` (a DiffusionPrior), keeping each one's
    trajectory; the same request always starts from the same noise."""
    import torch

    generator = torch.Generator().manual_seed(request.seed)
    noise = prior.noise(request.count, generator=generator)
    labels = None
    if request.class_index is not None and prior.config.conditional:
        labels = torch.full((request.count,), int(request.class_index), dtype=torch.long)
    sampled = prior.sample(
        noise,
        request.steps,
        labels=labels,
        guidance=request.guidance,
        eta=SAMPLERS[request.sampler],
        generator=generator,
        keep_trajectory=True,
    )
    return DiffusionSamples(
        request,
        sampled.latents.double().cpu().numpy(),
        sampled.trajectory.double().cpu().numpy(),
    )


def invert_to_noise(prior: Any, latents: np.ndarray, steps: int = NOISE_PATH_STEPS) -> np.ndarray:
    """Each code's DDIM noise (N×D, standardised), as the prior sees it without a class."""
    import torch

    codes = torch.as_tensor(np.asarray(latents, dtype=np.float32))
    return prior.invert(codes, steps).double().cpu().numpy()


def noise_path(
    prior: Any,
    keypoints: np.ndarray,
    per_segment: int = NOISE_SAMPLES_PER_SEGMENT,
    steps: int = NOISE_PATH_STEPS,
) -> np.ndarray:
    """Codes along A → B (→ C ...) through the prior's noise: each keypoint is inverted to
    its DDIM noise, consecutive noises are slerped (noise is Gaussian: slerp keeps it at a
    typical norm), and every point is denoised again. Returns ((K − 1)·per_segment + 1)×D
    float64 codes evenly spaced in t; its ends are the keypoints' round trips through the
    noise (close to the keypoints; ``round_trip_error`` says how close)."""
    import torch

    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.ndim != 2 or len(keypoints) < 2:
        raise ValueError("a noise path needs at least two keypoints (K×D)")
    noises = invert_to_noise(prior, keypoints, steps)
    points = []
    for a, b in itertools.pairwise(noises):
        points.extend(slerp(a, b, t) for t in np.linspace(0.0, 1.0, per_segment + 1)[:-1])
    points.append(noises[-1])
    start = torch.as_tensor(np.stack(points), dtype=torch.float32)
    return prior.sample(start, steps).latents.double().cpu().numpy()


def round_trip_error(prior: Any, latents: np.ndarray, steps: int = NOISE_PATH_STEPS) -> float:
    """Mean distance from codes to their inversion → sampling round trip, in units of the
    codes' own spread (0: exact)."""
    import torch

    noise = torch.as_tensor(invert_to_noise(prior, latents, steps), dtype=torch.float32)
    back = prior.sample(noise, steps).latents.double().cpu().numpy()
    spread = prior.latent_std.double().cpu().numpy()
    return float(np.mean(np.linalg.norm((back - latents) / spread, axis=1)))
