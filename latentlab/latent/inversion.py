"""Finding a latent for an image by optimisation, for models without an encoder (GANs).

A GAN maps z to an image but has no way back. Inversion searches for the z whose image is
closest to the target: gradient descent on the pixel error from several random starts at
once (Zhu et al. 2016, "Generative Visual Manipulation on the Natural Image Manifold",
section 3.1), with a small pull towards the prior's typical norm so the answer stays where
the generator was trained. A plain generator: it yields progress and can be stopped between
steps, so it runs the same from the app's worker, the CLI and tests.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.models import LatentModel

DEFAULT_STEPS = 300
DEFAULT_RESTARTS = 8
DEFAULT_LEARNING_RATE = 0.05
PRIOR_WEIGHT = 1e-3  # weight of the mean squared latent (a Gaussian prior's −log p, scaled)
REPORT_EVERY = 10


@dataclass(frozen=True)
class InversionProgress:
    step: int
    total: int
    error: float  # best mean squared pixel error so far, pixels in [0, 1]


@dataclass(frozen=True)
class InversionResult:
    latent: np.ndarray  # (D,) float64
    reconstruction: np.ndarray  # H×W×C uint8: what the latent decodes to
    error: float  # its mean squared pixel error against the target
    initial_error: float  # the best random start's error, before any step
    steps: int


def invert(
    model: LatentModel,
    target: np.ndarray,
    *,
    steps: int = DEFAULT_STEPS,
    restarts: int = DEFAULT_RESTARTS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    seed: int = 0,
    should_stop=None,
) -> Generator[InversionProgress, None, InversionResult]:
    """Search the latent whose decoded image best matches ``target`` (C×H×W uint8, the
    model's image shape). Yields progress every few steps; returns the best latent found.
    ``should_stop()`` is checked between steps (a stopped search returns its best so far)."""
    if tuple(target.shape) != tuple(model.image_shape):
        raise ValueError(f"target is {tuple(target.shape)}, the model makes {model.image_shape}")
    if steps < 1 or restarts < 1:
        raise ValueError("inversion needs at least one step and one start")
    model.eval()
    device = model.device
    x = torch.from_numpy(np.ascontiguousarray(target)).to(device).float().div(255)[None]
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(restarts, model.latent_dim, generator=generator).to(device)
    z.requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=learning_rate)

    def errors(latents: torch.Tensor) -> torch.Tensor:
        # restarts×C×H×W -> restarts: each start's mean squared pixel error.
        return (model.decode(latents) - x).pow(2).flatten(1).mean(1)

    with torch.no_grad():
        start_errors = errors(z)
    best_error, best = float(start_errors.min()), z[start_errors.argmin()].detach().clone()
    initial_error = best_error
    done = 0
    for step in range(1, steps + 1):
        if should_stop is not None and should_stop():
            break
        with torch.enable_grad():
            per_start = errors(z)
            loss = per_start.sum() + PRIOR_WEIGHT * z.pow(2).mean(1).sum()
            # Gradients for z only: the model's weights stay untouched (no .grad on them).
            (gradient,) = torch.autograd.grad(loss, [z])
        current = per_start.detach()
        if float(current.min()) < best_error:  # the errors were measured before this step
            best_error = float(current.min())
            best = z.detach()[current.argmin()].clone()
        z.grad = gradient
        optimizer.step()
        done = step
        if step % REPORT_EVERY == 0 or step == steps:
            yield InversionProgress(step, steps, best_error)
    with torch.no_grad():
        final_errors = errors(z.detach())
        if float(final_errors.min()) < best_error:
            best = z.detach()[final_errors.argmin()].clone()
        best_error = float(errors(best[None])[0])
        image = model.decode(best[None]).clamp(0, 1).mul(255).round().to(torch.uint8)
    return InversionResult(
        latent=best.double().cpu().numpy(),
        reconstruction=image[0].permute(1, 2, 0).cpu().numpy(),
        error=best_error,
        initial_error=initial_error,
        steps=done,
    )
