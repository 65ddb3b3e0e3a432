"""WGAN-GP (Gulrajani et al. 2017) as a GAN loss: the critic, its gradient penalty, its
optimiser and what training reports (no Qt)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from latentlab.config import ModelConfig, TrainConfig
from latentlab.gan_losses import GAN_LOSSES
from latentlab.models.gan_loss_functions import gradient_penalty
from latentlab.training import StepProgress, Trainer, load_checkpoint
from latentlab.training.gan_monitor import DiscriminatorWatch

WGAN = ModelConfig(kind="dcgan", latent_dim=8, gan_loss="wgan-gp")


def batch_norms(module: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in module.modules())


def test_wgan_gp_is_registered_with_the_papers_settings():
    loss = GAN_LOSSES.get("wgan-gp")
    assert loss.critic and loss.score_range is None  # a score, not a probability
    assert loss.gradient_penalty == 10.0 and loss.critic_steps == 5
    assert loss.betas == (0.0, 0.9) and loss.learning_rate == 1e-4
    assert not loss.batch_norm


def test_the_critic_has_no_batch_norm_and_the_generator_keeps_it(tiny_images):
    from latentlab.models import build_model

    critic_gan = build_model(WGAN, tiny_images.image_shape)
    plain_gan = build_model(ModelConfig(kind="dcgan", latent_dim=8), tiny_images.image_shape)
    assert batch_norms(critic_gan.discriminator) == 0
    assert batch_norms(plain_gan.discriminator) > 0
    assert batch_norms(critic_gan.generator) == batch_norms(plain_gan.generator) > 0


def test_the_gradient_penalty_is_zero_for_a_1_lipschitz_critic_and_grows_off_it():
    torch.manual_seed(0)
    real, fake = torch.randn(16, 1, 4, 4), torch.randn(16, 1, 4, 4)
    direction = torch.randn(16)

    def linear(scale: float):
        w = direction / direction.norm() * scale  # ‖∇f‖ = scale everywhere
        return lambda x: x.flatten(1) @ w

    assert gradient_penalty(linear(1.0), real, fake).item() == pytest.approx(0.0, abs=1e-10)
    assert gradient_penalty(linear(3.0), real, fake).item() == pytest.approx(4.0, rel=1e-5)


def test_training_reports_the_critic_the_wasserstein_estimate_and_the_penalty(tiny_images):
    trainer = Trainer(WGAN, TrainConfig(epochs=1, batch_size=16, log_every=1), tiny_images)
    steps = [r for r in trainer.run() if isinstance(r, StepProgress)]
    objective = trainer.objective
    assert objective.loss_names == (
        "critic",
        "generator",
        "Wasserstein estimate",
        "gradient penalty",
    )
    last = steps[-1].losses
    assert set(last) == set(objective.loss_names)
    assert all(math.isfinite(v) for v in last.values())
    assert last["gradient penalty"] >= 0
    # Five critic updates per generator update, with Adam(lr 1e-4, β = (0, 0.9)).
    critic_steps = objective.d_optimizer.state_dict()["state"][0]["step"]
    generator_steps = objective.g_optimizer.state_dict()["state"][0]["step"]
    assert critic_steps == 5 * generator_steps == 5 * trainer.global_step
    group = objective.d_optimizer.param_groups[0]
    assert group["betas"] == (0.0, 0.9) and group["lr"] == pytest.approx(1e-4)
    # A critic never "wins outright": its scores are no probabilities.
    watch = DiscriminatorWatch("wgan-gp", records=1)
    assert all(watch.update(record) is None for record in steps)


def test_a_wgan_gp_checkpoint_opens_with_its_critic(tiny_images, tmp_path):
    trainer = Trainer(WGAN, TrainConfig(epochs=1, batch_size=16), tiny_images)
    for _ in trainer.run():
        pass
    opened = load_checkpoint(trainer.save(tmp_path / "wgan.safetensors")).model
    assert opened.loss.name == "wgan-gp" and batch_norms(opened.discriminator) == 0
    images = torch.rand(4, *tiny_images.image_shape)
    assert torch.isfinite(opened.realness(images)).all()
