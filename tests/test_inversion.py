"""Inversion by optimisation: a GAN's latent for an image, found by gradient descent."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from generator_jobs import run_to_end
from torch import nn

from latentlab.config import ModelConfig
from latentlab.latent.inversion import InversionProgress, invert
from latentlab.models import LatentModel
from latentlab.projection import decode_latents


class TinyGenerator(LatentModel):
    """z (8) -> sigmoid(W z + b) as a 1×16×16 image: a generator whose images differ
    plainly from z to z, with no encoder, built in microseconds."""

    kind = "dcgan"
    has_encoder = False

    def __init__(self) -> None:
        super().__init__(ModelConfig(kind="dcgan", latent_dim=8), (1, 16, 16))
        self.net = nn.Linear(8, 256)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z)).view(-1, 1, 16, 16)


@pytest.fixture
def generator():
    torch.manual_seed(0)
    return TinyGenerator().eval()


def test_inversion_finds_a_latent_much_closer_than_random_starts(generator):
    hidden = np.random.default_rng(1).standard_normal((1, 8))
    target = decode_latents(generator, hidden)[0].transpose(2, 0, 1)  # C×H×W uint8
    progress, result = run_to_end(invert(generator, target, steps=150))
    assert all(isinstance(p, InversionProgress) for p in progress) and progress[-1].step == 150
    errors = [p.error for p in progress]
    assert errors == sorted(errors, reverse=True)  # the best error only goes down
    assert result.error < 0.5 * result.initial_error
    assert result.latent.shape == (8,) and np.isfinite(result.latent).all()
    decoded = decode_latents(generator, result.latent[None])[0]
    assert np.array_equal(decoded, result.reconstruction)


def test_inversion_leaves_the_weights_alone_and_can_be_stopped(generator):
    before = [p.detach().clone() for p in generator.parameters()]
    target = np.zeros((1, 16, 16), dtype=np.uint8)
    calls = []
    _, result = run_to_end(
        invert(generator, target, steps=100, should_stop=lambda: len(calls) > 4 or calls.append(1))
    )
    assert result.steps == 5
    assert all(p.grad is None for p in generator.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))


def test_a_target_of_the_wrong_shape_is_refused(generator):
    with pytest.raises(ValueError, match="the model makes"):
        next(invert(generator, np.zeros((3, 16, 16), dtype=np.uint8)))
