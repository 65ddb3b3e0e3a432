"""A GAN loss and a map projection that are not built in, registered the way a plugin would:
only through the registries (tests/test_registries.py). The loss is least squares (Mao et al.
2017), as a critic so that the flags are exercised; the projection brings its own settings."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from latentlab.settings_fields import check_settings, setting

CALLS = {"discriminator": 0}


def least_squares_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    CALLS["discriminator"] += 1
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def least_squares_generator(fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


@dataclass(frozen=True, kw_only=True)
class FirstTwoSettings:
    """The toy projection's own setting: how much it stretches the plane."""

    scale: float = setting(1.0, "Stretch by", 0.5, 4.0, decimals=1, tooltip="A toy setting.")

    def __post_init__(self) -> None:
        check_settings(self)


def run_first_two_dimensions(cloud, points, config, previous):
    """A toy projection: the first two numbers of each point (times its ``scale``), reached
    in two streamed steps; new points are placed by their nearest neighbours."""
    import numpy as np

    from latentlab.projection.tsne import EmbeddingProjection, ProjectionProgress

    class FirstTwo(EmbeddingProjection):
        axis_labels = ("z[0]", "z[1]")

    xy = np.ascontiguousarray(points[:, :2] * config.settings.scale, dtype=np.float32)
    for done in (1, 2):
        yield ProjectionProgress(phase="toy", done=done, total=2, xy=xy * done / 2)
    return FirstTwo(points, xy), xy
