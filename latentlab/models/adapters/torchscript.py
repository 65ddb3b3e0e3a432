"""A TorchScript file opened without an adapter: its ``decode`` method (else ``forward``) is
the decoder and its ``encode`` method, if any, the encoder."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentlab.models.adapters.declared import OutputMapping
from latentlab.models.adapters.errors import AdapterError
from latentlab.models.adapters.file_kinds import (
    _looks_like_safetensors,
    _refuse_latentlab_checkpoint,
    is_torchscript_file,
)
from latentlab.models.adapters.model import AdapterModel
from latentlab.models.adapters.probing import _probed_model
from latentlab.models.base import ImageShape


def _open_torchscript(
    path: Path,
    latent_dim: int | None,
    image_shape: ImageShape | None,
    output: OutputMapping | None,
) -> AdapterModel:
    if not is_torchscript_file(path):
        if _looks_like_safetensors(path):
            _refuse_latentlab_checkpoint(path)
        hint = (
            " It looks like plain weights: open it together with an adapter file that builds "
            "the model."
            if zipfile.is_zipfile(path) or _looks_like_safetensors(path)
            else ""
        )
        raise AdapterError(f"{path.name} is not a TorchScript file.{hint}")
    try:
        with warnings.catch_warnings():
            # PyTorch 2.10+ flags TorchScript as deprecated; the files users have still load.
            warnings.simplefilter("ignore", FutureWarning)
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as error:
        raise AdapterError(f"{path.name} could not be loaded as TorchScript: {error}") from error
    decode_fn = _script_decode if _has_method(module, "decode") else _script_forward
    encode_fn = _script_encode if _has_method(module, "encode") else None
    notes = [] if decode_fn is _script_decode else ["no decode method: forward is the decoder"]
    return _probed_model(
        module,
        decode_fn,
        encode_fn,
        latent_dim=latent_dim,
        image_shape=image_shape,
        output=output or "unit",
        source=f"TorchScript {path.name}",
        notes=notes,
        adapter_path=None,
        weights_path=path,
    )


def _script_decode(module: nn.Module, z: torch.Tensor) -> Any:
    return module.decode(z)  # type: ignore[operator]


def _script_forward(module: nn.Module, z: torch.Tensor) -> Any:
    return module(z)


def _script_encode(module: nn.Module, x: torch.Tensor) -> Any:
    return module.encode(x)  # type: ignore[operator]


def _has_method(module: nn.Module, name: str) -> bool:
    try:
        return callable(getattr(module, name))
    except (AttributeError, RuntimeError):
        return False
