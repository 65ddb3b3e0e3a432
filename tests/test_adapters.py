"""Models trained elsewhere, opened through adapter files or TorchScript."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from latentlab.models import (
    AdapterError,
    AdapterModel,
    AdapterNeedsInfo,
    AdapterRangeError,
    EncoderUnavailableError,
    load_adapter,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"

# A VAE for 1×16×16 images with a 3-D latent, written the way users write theirs.
TINY_VAE_ADAPTER = """
import torch
from torch import nn

IMAGE_SHAPE = (1, 16, 16)
OUTPUT = "logits"

class TinyVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(256, 6)  # mean and log-variance
        self.dec = nn.Linear(3, 256)

    def encode(self, x):
        return self.enc(x.flatten(1)).chunk(2, dim=1)

def build():
    return TinyVAE()

def decode(module, z):
    return module.dec(z)  # flat logits, B×256

def encode(module, x):
    return module.encode(x)  # (mean, log-variance): LatentLab keeps the mean
"""


def write_adapter(folder: Path, source: str, name: str = "adapter.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def built_module(adapter: Path) -> nn.Module:
    """The adapter's module with fresh random weights, as the user's training code has it."""
    spec = importlib.util.spec_from_file_location(f"test_{adapter.stem}", adapter)
    namespace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(namespace)
    torch.manual_seed(0)
    return namespace.build()


@pytest.fixture
def tiny_vae(tmp_path) -> tuple[Path, Path]:
    adapter = write_adapter(tmp_path, TINY_VAE_ADAPTER)
    weights = tmp_path / "tiny.pth"
    torch.save(built_module(adapter).state_dict(), weights)
    return adapter, weights


def test_an_adapter_file_and_a_state_dict_open_as_a_latent_model(tiny_vae):
    model = load_adapter(*tiny_vae)
    assert isinstance(model, AdapterModel)
    assert model.has_encoder and model.config.kind == "vae"
    assert model.latent_dim == 3  # probed from encode()'s output
    assert model.image_shape == (1, 16, 16)
    assert model.source == "adapter adapter.py + tiny.pth"
    assert not model.training and not any(p.requires_grad for p in model.parameters())

    images = model.decode(torch.randn(5, 3))
    assert images.shape == (5, 1, 16, 16)
    assert images.min() >= 0 and images.max() <= 1
    assert model.encode(images).shape == (5, 3)


def test_weights_nested_in_a_training_dict_or_in_safetensors_load(tmp_path, tiny_vae):
    adapter, weights = tiny_vae
    state = torch.load(weights, weights_only=True)
    nested = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, "state_dict": state, "optimizer": {"lr": 1e-3}}, nested)
    safetensors = tmp_path / "tiny.safetensors"
    save_file(state, str(safetensors))
    z = torch.randn(2, 3)
    expected = load_adapter(adapter, weights).decode(z)
    assert torch.equal(load_adapter(adapter, nested).decode(z), expected)
    assert torch.equal(load_adapter(adapter, safetensors).decode(z), expected)


def test_the_pytorch_examples_vae_opens_from_its_state_dict(tmp_path):
    adapter = EXAMPLES / "mlp_vae_adapter.py"
    weights = tmp_path / "vae.pth"
    torch.save(built_module(adapter).state_dict(), weights)
    model = load_adapter(adapter, weights)
    assert model.latent_dim == 20 and model.image_shape == (1, 28, 28) and model.has_encoder
    images = model.decode(torch.randn(2, 20))
    assert images.shape == (2, 1, 28, 28)
    assert model.encode(images).shape == (2, 20)


def test_the_pytorch_examples_dcgan_opens_and_its_tanh_output_is_rescaled(tmp_path):
    adapter = EXAMPLES / "dcgan_adapter.py"
    generator = built_module(adapter)
    for m in generator.modules():  # the script's N(0, 0.02) init gives a wider range of pixels
        if isinstance(m, nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.2)
    weights = tmp_path / "netG_epoch_24.pth"
    torch.save(generator.state_dict(), weights)
    model = load_adapter(adapter, weights)
    assert model.latent_dim == 100 and model.image_shape == (3, 64, 64)
    assert not model.has_encoder and model.config.kind == "dcgan"
    images = model.sample(2)
    assert images.shape == (2, 3, 64, 64)
    assert images.min() >= 0 and images.max() <= 1 and images.min() < 0.5 < images.max()
    with pytest.raises(EncoderUnavailableError):
        model.encode(images)


def test_weights_that_do_not_fit_name_the_missing_keys(tmp_path, tiny_vae):
    adapter, weights = tiny_vae
    state = torch.load(weights, weights_only=True)
    del state["dec.bias"]
    state["enc.weight"] = torch.zeros(8, 256)
    state["extra.weight"] = torch.zeros(1)
    broken = tmp_path / "broken.pth"
    torch.save(state, broken)
    with pytest.raises(AdapterError) as caught:
        load_adapter(adapter, broken)
    message = str(caught.value)
    assert "missing keys: dec.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "enc.weight (file 8×256, model 6×256)" in message


def test_a_decoder_of_the_wrong_shape_is_refused_with_the_shapes(tmp_path):
    adapter = write_adapter(
        tmp_path,
        """
        from torch import nn
        LATENT_DIM = 4
        IMAGE_SHAPE = (1, 8, 8)
        def build():
            return nn.Linear(4, 50)
        def decode(module, z):
            return module(z)
        """,
    )
    with pytest.raises(AdapterError, match=r"4×50.*\(1, 8, 8\)"):
        load_adapter(adapter, None)


def test_a_decoder_that_drops_the_batch_is_refused(tmp_path):
    adapter = write_adapter(
        tmp_path,
        """
        import torch
        from torch import nn
        LATENT_DIM = 4
        def build():
            return nn.Linear(4, 64)
        def decode(module, z):
            return torch.sigmoid(module(z)).mean(0).view(1, 1, 8, 8)
        """,
    )
    with pytest.raises(AdapterError, match="for 4 latent vectors"):
        load_adapter(adapter, None)


TANH_DECODER = """
import torch
from torch import nn
LATENT_DIM = 4
def build():
    return nn.Linear(4, 64)
def decode(module, z):
    return torch.tanh(3 * module(z))
"""


def test_values_outside_the_unit_range_suggest_the_output_mapping(tmp_path):
    adapter = write_adapter(tmp_path, TANH_DECODER)
    with pytest.raises(AdapterRangeError, match="OUTPUT = 'tanh'") as caught:
        load_adapter(adapter, None)
    assert caught.value.suggestion == "tanh"

    model = load_adapter(adapter, None, output=caught.value.suggestion)  # the app's retry
    images = model.decode(torch.randn(3, 4))
    assert images.shape == (3, 1, 8, 8) and images.min() >= 0 and images.max() <= 1

    logits = write_adapter(tmp_path, TANH_DECODER.replace("torch.tanh(3 * ", "(9 * "), "raw.py")
    with pytest.raises(AdapterRangeError) as caught:
        load_adapter(logits, None)
    assert caught.value.suggestion == "logits"


def test_a_pickled_model_is_refused_without_running_code(tmp_path, tiny_vae):
    adapter, _ = tiny_vae
    whole = tmp_path / "whole_model.pth"
    torch.save(ScriptedDecoder(), whole)  # the whole module, pickled with its class
    with pytest.raises(AdapterError, match=r"state_dict\(\)"):
        load_adapter(adapter, whole)

    marker = tmp_path / "code_ran"
    booby_trapped = tmp_path / "trap.pth"
    torch.save({"dec.weight": torch.zeros(256, 3), "trap": _OpensAFile(marker)}, booby_trapped)
    with pytest.raises(AdapterError, match="never unpickles"):
        load_adapter(adapter, booby_trapped)
    assert not marker.exists()


class _OpensAFile:
    """Unpickling this creates a file: proof of code running."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("raise RuntimeError('no GPU here')", "RuntimeError: no GPU here"),
        ("def build(:\n    pass", "syntax error on line 1"),
        ("import sys\nsys.exit(2)", "SystemExit"),
    ],
)
def test_an_adapter_that_fails_to_run_names_the_file(tmp_path, source, expected):
    adapter = write_adapter(tmp_path, source, "broken_adapter.py")
    with pytest.raises(AdapterError, match=r"broken_adapter\.py failed to run") as caught:
        load_adapter(adapter, None)
    assert expected in str(caught.value)


def test_an_adapter_without_decode_is_refused(tmp_path):
    adapter = write_adapter(
        tmp_path, "from torch import nn\ndef build():\n    return nn.Linear(2, 4)\n"
    )
    with pytest.raises(AdapterError, match=r"no decode\(\) function"):
        load_adapter(adapter, None)


class ScriptedDecoder(nn.Module):
    """Latents B×5 -> images B×1×8×8 in [0, 1], with an encoder, for TorchScript."""

    def __init__(self) -> None:
        super().__init__()
        self.up = nn.Linear(5, 64)
        self.down = nn.Linear(64, 5)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(x.flatten(1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.up(z)).view(-1, 1, 8, 8)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit is deprecated in PyTorch 2.10+
def test_a_torchscript_file_opens_without_an_adapter(tmp_path):
    path = tmp_path / "decoder.pt"
    torch.jit.save(torch.jit.script(ScriptedDecoder()), str(path))
    model = load_adapter(None, path)
    assert model.latent_dim == 5  # probed: the first layer input size that decode accepts
    assert model.image_shape == (1, 8, 8) and model.has_encoder
    assert model.source == "TorchScript decoder.pt"
    images = model.decode(torch.randn(3, 5))
    assert images.shape == (3, 1, 8, 8)
    assert model.encode(images).shape == (3, 5)
    assert load_adapter(None, path, latent_dim=5).latent_dim == 5

    with pytest.raises(AdapterError, match="without an adapter file"):
        load_adapter(write_adapter(tmp_path, TANH_DECODER), path)


def test_a_latent_size_that_cannot_be_probed_is_asked_for(tmp_path):
    adapter = write_adapter(
        tmp_path,
        """
        import torch
        from torch import nn
        class Basis(nn.Module):
            def __init__(self):
                super().__init__()
                self.basis = nn.Parameter(torch.randn(6, 64))
        def build():
            return Basis()
        def decode(module, z):
            return torch.sigmoid(z @ module.basis)  # B×64: square gray 8×8 images
        """,
    )
    with pytest.raises(AdapterNeedsInfo) as caught:
        load_adapter(adapter, None)
    assert caught.value.missing == ("latent_dim",)

    model = load_adapter(adapter, None, latent_dim=6)
    assert model.latent_dim == 6 and model.image_shape == (1, 8, 8)
    assert any("square gray" in note for note in model.notes)


def test_an_adapter_model_drives_the_map_and_the_clicks(tiny_vae, tiny_images):
    from latentlab.projection import decode_latents, encode_dataset, sample_prior

    model = load_adapter(*tiny_vae)
    cloud = encode_dataset(model, tiny_images)
    assert cloud.latents.shape == (len(tiny_images), 3)
    assert np.isfinite(cloud.reconstruction_errors).all()
    prior = sample_prior(model, 10)
    assert prior.images.shape == (10, 16, 16, 1)
    clicked = decode_latents(model, cloud.latents[:4])
    assert clicked.shape == (4, 16, 16, 1) and clicked.dtype == np.uint8
