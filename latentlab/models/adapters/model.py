"""``AdapterModel``: a user's ``nn.Module`` behind the LatentModel interface."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentlab.config import ModelConfig
from latentlab.models.adapters.declared import OutputMapping
from latentlab.models.adapters.errors import _call_user
from latentlab.models.adapters.outputs import _images_from_output, _latent_means, _to_unit_range
from latentlab.models.base import EncoderUnavailableError, ImageShape, LatentModel

PROBE_BATCH = 4  # more than one, so a decoder that drops or merges the batch is caught

DecodeFn = Callable[[nn.Module, torch.Tensor], Any]
EncodeFn = Callable[[nn.Module, torch.Tensor], Any]


class AdapterModel(LatentModel):
    """A user's ``nn.Module`` behind the LatentModel interface, read-only, on the CPU.

    ``decode_fn(module, z)`` and ``encode_fn(module, x)`` are the adapter's functions;
    ``output`` says how the decoder's values map to [0, 1]. Build one with ``load_adapter``,
    which probes and validates; the constructor trusts its arguments. ``config.kind`` is
    ``"vae"`` with an encoder and ``"dcgan"`` without, for display only: this is not one of
    LatentLab's architectures and cannot be trained or saved as a LatentLab checkpoint.
    """

    kind = "adapter"

    def __init__(
        self,
        module: nn.Module,
        decode_fn: DecodeFn,
        encode_fn: EncodeFn | None = None,
        *,
        latent_dim: int,
        image_shape: ImageShape,
        output: OutputMapping = "unit",
        source: str = "adapter",
        notes: tuple[str, ...] = (),
        adapter_path: Path | None = None,
        weights_path: Path | None = None,
    ) -> None:
        config = ModelConfig(
            kind="vae" if encode_fn is not None else "dcgan",
            architecture="conv",
            latent_dim=latent_dim,
        )
        super().__init__(config, image_shape)
        self.module = module
        self._decode_fn = decode_fn
        self._encode_fn = encode_fn
        self.output: OutputMapping = output
        self.source = source  # e.g. "adapter mlp_vae_adapter.py + vae.pth"
        self.notes = tuple(notes)  # what was inferred rather than declared
        self.adapter_path = adapter_path  # None for TorchScript
        self.weights_path = weights_path
        for parameter in self.parameters():  # ScriptModules refuse module.requires_grad_()
            parameter.requires_grad_(False)
        self.eval()

    @property
    def has_encoder(self) -> bool:  # type: ignore[override]  # per instance, not per class
        return self._encode_fn is not None

    @property
    def device(self) -> torch.device:
        # A decoder may have no parameters at all (only buffers, or none).
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            return tensor.device
        return torch.device("cpu")

    def train(self, mode: bool = True) -> AdapterModel:
        # Read-only: batch norm and dropout must never switch to their training behaviour.
        return super().train(False)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        y = self._decode_fn(self.module, z)
        images = _images_from_output(y, z.shape[0], self.image_shape)
        # Out of place: the output may be a view of the user's tensors (a buffer, a cache).
        return _to_unit_range(images, self.output).clamp(0, 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self._encode_fn is None:
            raise EncoderUnavailableError(f"{self.source} has no encoder")
        return _latent_means(self._encode_fn(self.module, x), x.shape[0], self.latent_dim)

    def set_likelihood(self, posterior_fn: Callable[..., Any], logits_fn: Callable[..., Any]):
        """Offer what the likelihood bounds of ``latentlab eval`` need, as LatentLab's VAE
        does: ``posterior(x) -> (mean, log-variance)`` of a diagonal Gaussian q(z|x), and
        ``decode_logits(z)`` of a Bernoulli decoder (B×C×H×W). Checked on a probe batch."""
        module, shape, dim = self.module, self.image_shape, self.latent_dim

        def posterior(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            mean, log_var = posterior_fn(module, x)
            return mean.reshape(x.shape[0], dim), log_var.reshape(x.shape[0], dim)

        def decode_logits(z: torch.Tensor) -> torch.Tensor:
            return logits_fn(module, z).reshape(z.shape[0], *shape)

        with torch.inference_mode():
            probe = torch.zeros(PROBE_BATCH, *shape, device=self.device)
            _call_user(posterior, (probe,), f"posterior() in {self.source}")
            z = torch.zeros(PROBE_BATCH, dim, device=self.device)
            _call_user(decode_logits, (z,), f"decode_logits() in {self.source}")
        # Instance attributes, so only adapters that define them offer the bounds.
        self.posterior = posterior
        self.decode_logits = decode_logits
