"""Conditional VAE and conditional DCGAN (no Qt): labels in, the label vector's meaning,
training, checkpoints, and the map's codes told their labels."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from latentlab.config import ConfigError, ModelConfig, TrainConfig
from latentlab.latent.label_mix import mixed_label
from latentlab.models import build_model
from latentlab.models.conditional import (
    Conditioned,
    encode_given,
    is_conditional,
    one_hot,
)
from latentlab.training import EpochFinished, Trainer, load_checkpoint

CVAE = ModelConfig(kind="cvae", latent_dim=4, base_channels=8, classes=3)
CGAN = ModelConfig(kind="cdcgan", latent_dim=4, base_channels=8, classes=3)


def train(config: ModelConfig, images, epochs: int = 2, **train) -> Trainer:
    trainer = Trainer(
        dataclasses.replace(config, classes=0),
        TrainConfig(epochs=epochs, batch_size=16, log_every=1, device="cpu", **train),
        images,
    )
    trainer.records = list(trainer.run())
    return trainer


@pytest.mark.parametrize("config", [CVAE, CGAN], ids=["cvae", "cdcgan"])
def test_label_mixing_at_0_and_1_is_the_pure_class(config, tiny_images):
    model = build_model(config, tiny_images.image_shape).eval()
    z = torch.randn(5, 4)
    with torch.inference_mode():
        as_a = model.decode(z, torch.zeros(5, dtype=torch.long))
        as_b = model.decode(z, torch.full((5,), 2))
        at_0 = Conditioned(model, mixed_label(3, 0, 2, 0.0)).decode(z)
        at_1 = Conditioned(model, mixed_label(3, 0, 2, 1.0)).decode(z)
        halfway = Conditioned(model, mixed_label(3, 0, 2, 0.5)).decode(z)
    torch.testing.assert_close(at_0, as_a)
    torch.testing.assert_close(at_1, as_b)
    assert not torch.allclose(halfway, as_a) and not torch.allclose(halfway, as_b)
    np.testing.assert_allclose(mixed_label(3, 0, 2, 0.25), [0.75, 0.0, 0.25])


@pytest.mark.parametrize("config", [CVAE, CGAN], ids=["cvae", "cdcgan"])
def test_the_same_style_decodes_differently_as_each_class(config, tiny_images):
    model = build_model(config, tiny_images.image_shape).eval()
    z = torch.randn(1, 4).expand(3, -1)
    with torch.inference_mode():
        row = model.decode(z, torch.arange(3))  # "this style, every class"
        unlabelled = model.decode(torch.randn(6, 4))  # samples: row i is class i mod 3
    assert row.shape == (3, *tiny_images.image_shape)
    assert not torch.allclose(row[0], row[1])
    assert unlabelled.shape == (6, *tiny_images.image_shape)


def test_a_cvae_learns_each_image_with_its_class_and_reopens(tiny_images, tmp_path):
    trainer = train(CVAE, tiny_images, epochs=40)
    model = trainer.model.eval()
    assert is_conditional(model) and model.n_classes == 3
    assert trainer.model_config.classes == 3  # from the dataset
    epochs = [r for r in trainer.records if isinstance(r, EpochFinished)]
    assert epochs[-1].losses["total"] < epochs[0].losses["total"]
    # the label matters: decoding a test image's code as its own class reconstructs it best
    test = tiny_images.split("test")
    x = test.images.float() / 255
    with torch.inference_mode():
        z = model.encode(x, test.labels)
        own = (model.decode(z, test.labels) - x).pow(2).mean()
        other = (model.decode(z, (test.labels + 1) % 3) - x).pow(2).mean()
    assert own < 0.8 * other, (own, other)
    path = trainer.save(tmp_path / "cvae.safetensors")
    reopened = load_checkpoint(path).model.eval()
    assert reopened.kind == "cvae" and reopened.n_classes == 3
    with torch.inference_mode():
        torch.testing.assert_close(reopened.decode(z, test.labels), model.decode(z, test.labels))


def test_a_conditional_gan_trains_with_the_real_batchs_labels(tiny_images, monkeypatch):
    from latentlab.models.conditional_dcgan import ConditionalDCGAN

    seen = []
    original = ConditionalDCGAN.discriminator_losses

    def recording(self, real, fake, labels=None):
        seen.append(labels)
        return original(self, real, fake, labels)

    monkeypatch.setattr(ConditionalDCGAN, "discriminator_losses", recording)
    trainer = train(CGAN, tiny_images, epochs=1)
    assert seen and all(labels is not None and labels.shape == (16,) for labels in seen)
    finished = trainer.records[-1]
    assert finished.status == "completed"
    assert all(np.isfinite(v) for v in finished.losses.values())


def test_a_conditional_wgan_gp_critic_trains(tiny_images):
    trainer = train(dataclasses.replace(CGAN, gan_loss="wgan-gp"), tiny_images, epochs=1)
    assert trainer.records[-1].status == "completed"
    assert "Wasserstein estimate" in trainer.records[-1].losses


def test_a_conditional_model_on_unlabelled_images_is_refused_with_a_reason(tiny_images):
    unlabelled = dataclasses.replace(tiny_images, labels=None, class_names=())
    with pytest.raises(ConfigError, match="no labels"):
        train(CVAE, unlabelled)


def test_the_map_encodes_each_image_told_its_label(tiny_images):
    from latentlab.projection.latent_cloud import encode_dataset

    model = build_model(CVAE, tiny_images.image_shape).eval()
    cloud = encode_dataset(model, tiny_images)
    x = tiny_images.images.float() / 255
    with torch.inference_mode():
        told = encode_given(model, x, tiny_images.labels).numpy()
        untold = model.encode(x).numpy()
    np.testing.assert_allclose(cloud.latents, told, atol=1e-5)
    assert not np.allclose(told, untold, atol=1e-3)


def test_conditioned_view_decodes_every_latent_as_its_label(tiny_images):
    from latentlab.projection import decode_latents

    model = build_model(CVAE, tiny_images.image_shape).eval()
    view = Conditioned(model, one_hot(torch.tensor([1]), 3)[0].numpy())
    latents = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)
    images = decode_latents(view, latents)
    with torch.inference_mode():
        expected = model.decode(torch.from_numpy(latents), torch.ones(4, dtype=torch.long))
    expected = expected.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1)
    np.testing.assert_array_equal(images, expected.numpy())
    assert view.latent_dim == 4 and view.image_shape == model.image_shape
    with pytest.raises(ValueError, match="of 3 classes"):
        Conditioned(model, np.ones(2))


def test_old_configs_without_classes_are_unconditional():
    config = ModelConfig.from_dict({"kind": "vae", "latent_dim": 8})
    assert config.classes == 0
    with pytest.raises(ConfigError, match="classes"):
        ModelConfig(kind="cvae", classes=1)
