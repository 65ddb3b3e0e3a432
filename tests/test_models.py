"""Every model kind on several image shapes: shapes, ranges, finite losses, gradients."""

from __future__ import annotations

import pytest
import torch

from latentlab.config import ConfigError, ModelConfig
from latentlab.models import (
    DCGAN,
    Autoencoder,
    EncoderUnavailableError,
    build_model,
    registered_kinds,
)

SHAPES = [(1, 16, 16), (1, 28, 28), (3, 32, 32), (3, 64, 64)]
VARIANTS = [("ae", "conv"), ("ae", "mlp"), ("vae", "conv"), ("vae", "mlp"), ("dcgan", "conv")]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize(("kind", "arch"), VARIANTS, ids=lambda v: str(v))
def test_decode_encode_shapes_and_finite_losses(kind, arch, shape):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, architecture=arch, latent_dim=6), shape)
    x = torch.rand(4, *shape)
    images = model.decode(torch.randn(4, 6))
    assert images.shape == (4, *shape)
    assert images.min() >= 0 and images.max() <= 1
    assert model.sample(3).shape == (3, *shape)
    if isinstance(model, Autoencoder):
        assert model.encode(x).shape == (4, 6)
        losses = model.losses(x, kl_weight=1.0)
        assert torch.isfinite(losses.total) and losses.total > 0
        losses.total.backward()
    else:
        assert isinstance(model, DCGAN)
        d = model.discriminator_losses(x, images.detach())
        g = model.generator_loss(images)
        assert torch.isfinite(d.total) and torch.isfinite(g)
        assert 0 < d.real_score < 1 and 0 < d.fake_score < 1
        g.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(grad).all() for grad in grads)


@pytest.mark.parametrize("latent_dim", [2, 512])
def test_latent_dimension_limits(latent_dim):
    model = build_model(ModelConfig(kind="vae", latent_dim=latent_dim), (1, 28, 28))
    assert model.encode(torch.rand(2, 1, 28, 28)).shape == (2, latent_dim)


def test_mlp_matches_the_classic_784_400_20_vae():
    model = build_model(
        ModelConfig(kind="vae", architecture="mlp", latent_dim=20, hidden_dim=400), (1, 28, 28)
    )
    weights = [p.shape for n, p in model.named_parameters() if n.endswith("weight")]
    assert weights == [(400, 784), (40, 400), (400, 20), (784, 400)]


def test_gan_has_no_encoder():
    model = build_model(ModelConfig(kind="dcgan", latent_dim=8), (1, 16, 16))
    assert not model.has_encoder
    with pytest.raises(EncoderUnavailableError):
        model.encode(torch.rand(1, 1, 16, 16))


def test_minimax_and_non_saturating_generator_losses_differ():
    torch.manual_seed(0)
    nonsat = build_model(ModelConfig(kind="dcgan", latent_dim=8), (1, 16, 16))
    minimax = build_model(ModelConfig(kind="dcgan", latent_dim=8, gan_loss="minimax"), (1, 16, 16))
    minimax.load_state_dict(nonsat.state_dict())
    fake = nonsat.decode(torch.randn(4, 8))
    d_fake = torch.sigmoid(nonsat.discriminator(fake * 2 - 1))
    assert nonsat.generator_loss(fake).item() == pytest.approx(
        -torch.log(d_fake).mean().item(), rel=1e-4
    )
    assert minimax.generator_loss(fake).item() == pytest.approx(
        torch.log(1 - d_fake).mean().item(), rel=1e-4
    )


def test_vae_kl_is_zero_for_the_prior_and_beta_weights_it():
    model = build_model(ModelConfig(kind="vae", latent_dim=4), (1, 16, 16))
    x = torch.rand(8, 1, 16, 16)
    torch.manual_seed(1)
    with_kl = model.losses(x, kl_weight=2.0)
    assert with_kl.kl >= 0
    assert with_kl.total.item() == pytest.approx((with_kl.reconstruction + 2 * with_kl.kl).item())


def test_kl_annealing_ramps_from_zero_to_beta():
    config = ModelConfig(kind="vae", beta=4.0, kl_anneal_epochs=10)
    assert config.kl_weight(0) == 0
    assert config.kl_weight(5) == pytest.approx(2.0)
    assert config.kl_weight(10) == pytest.approx(4.0)
    assert config.kl_weight(25) == pytest.approx(4.0)
    assert ModelConfig(kind="vae", beta=0.5).kl_weight(0) == 0.5


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"latent_dim": 1}, "latent_dim"),
        ({"latent_dim": 513}, "latent_dim"),
        ({"kind": "diffusion"}, "kind"),
        ({"kind": "dcgan", "architecture": "mlp"}, "conv"),
        ({"beta": -1}, "beta"),
    ],
)
def test_invalid_configs_are_refused_with_a_message(settings, message):
    with pytest.raises(ConfigError, match=message):
        ModelConfig(**settings)


def test_registry_lists_the_kinds_and_refuses_tiny_images():
    assert set(registered_kinds()) == {"ae", "vae", "dcgan", "cvae", "cdcgan", "stylegan"}
    with pytest.raises(ValueError, match="8×8"):
        build_model(ModelConfig(), (1, 4, 4))


def test_the_bernoulli_loss_equals_pytorchs_binary_cross_entropy():
    from latentlab.models.autoencoder import bernoulli_reconstruction_loss

    torch.manual_seed(0)
    logits = torch.randn(8, 1, 28, 28) * 6
    x = torch.rand(8, 1, 28, 28)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 8
    assert bernoulli_reconstruction_loss(logits, x).item() == pytest.approx(
        expected.item(), rel=1e-6
    )
    logits.requires_grad_(True)
    bernoulli_reconstruction_loss(logits, x).backward()
    expected_grad = (torch.sigmoid(logits) - x) / 8
    torch.testing.assert_close(logits.grad, expected_grad.detach(), atol=1e-6, rtol=1e-5)
