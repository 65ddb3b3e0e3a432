"""A GAN loss that is not built in, registered the way a plugin would: only through the
registry (tests/test_registries.py). Least squares (Mao et al. 2017), as a critic so that the
flags are exercised."""

from __future__ import annotations

import torch

CALLS = {"discriminator": 0}


def least_squares_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    CALLS["discriminator"] += 1
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def least_squares_generator(fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


def run_first_two_dimensions(cloud, points, config, previous):
    """A toy projection: the first two numbers of each point, reached in two streamed steps;
    new points are placed by their nearest neighbours (EmbeddingProjection)."""
    import numpy as np

    from latentlab.projection.tsne import EmbeddingProjection, ProjectionProgress

    class FirstTwo(EmbeddingProjection):
        axis_labels = ("z[0]", "z[1]")

    xy = np.ascontiguousarray(points[:, :2], dtype=np.float32)
    for done in (1, 2):
        yield ProjectionProgress(phase="toy", done=done, total=2, xy=xy * done / 2)
    return FirstTwo(points, xy), xy
