"""The style GAN (no Qt): modulated convolutions, one latent per resolution, style mixing,
training and checkpoints."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import latentlab.models.style_generator as style_module
from latentlab.config import ModelConfig, TrainConfig
from latentlab.models import build_model
from latentlab.models.style_generator import W_DIM, ModulatedConv
from latentlab.training import Trainer, load_checkpoint

STYLE = ModelConfig(kind="stylegan", latent_dim=4, base_channels=8)


def test_a_modulated_convolution_is_one_convolution_per_sample_with_its_styled_weights():
    torch.manual_seed(0)
    conv = ModulatedConv(3, 5, 3)
    x, w = torch.randn(2, 3, 6, 6), torch.randn(2, W_DIM)
    out = conv(x, w)
    style = conv.affine(w)
    for i in range(2):
        weight = conv.weight * conv.scale * style[i][None, :, None, None]  # out×in×k×k
        weight = weight / weight.pow(2).sum((1, 2, 3), keepdim=True).add(1e-8).sqrt()
        bias = conv.bias * style_module.LR_MULTIPLIER
        expected = F.conv2d(x[i : i + 1], weight, padding=1) + bias[None, :, None, None]
        torch.testing.assert_close(out[i : i + 1], expected, rtol=1e-4, atol=1e-5)


def test_style_mixing_with_a_equal_to_b_is_a_and_the_levels_choose_their_source(tiny_images):
    model = build_model(STYLE, tiny_images.image_shape).eval()
    assert model.style_levels == [(4, 4), (8, 8), (16, 16)]  # coarse first
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    with torch.inference_mode():
        as_a, as_b = model.decode(a), model.decode(b)
        torch.testing.assert_close(model.mix(a, a, (True, False, True)), as_a)
        torch.testing.assert_close(model.mix(a, b, (False, False, False)), as_a)
        torch.testing.assert_close(model.mix(a, b, (True, True, True)), as_b)
        coarse_from_a = model.mix(a, b, (False, True, True))
    assert not torch.allclose(coarse_from_a, as_a) and not torch.allclose(coarse_from_a, as_b)
    with pytest.raises(ValueError, match="one latent per level"):
        model.decode_levels(torch.randn(3, 2, 4))


def test_training_mixes_styles_and_the_checkpoint_reopens(tiny_images, tmp_path, monkeypatch):
    import latentlab.models.style_generator as style

    monkeypatch.setattr(style, "MIXING_PROBABILITY", 1.0)
    trainer = Trainer(STYLE, TrainConfig(epochs=1, batch_size=16, device="cpu"), tiny_images)
    records = list(trainer.run())
    assert records[-1].status == "completed"
    model = trainer.model
    z = torch.randn(4, 4)
    model.train()
    torch.manual_seed(1)
    mixed = model.decode(z)  # a second latent takes over from a random level
    model.eval()
    with torch.inference_mode():
        assert not torch.allclose(mixed, model.decode(z))
        path = trainer.save(tmp_path / "style.safetensors")
        reopened = load_checkpoint(path).model.eval()
        torch.testing.assert_close(reopened.decode(z), model.decode(z))
        torch.testing.assert_close(
            reopened.mix(z, z.flip(0), (False, True, True)),
            model.mix(z, z.flip(0), (False, True, True)),
        )
