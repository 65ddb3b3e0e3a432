"""What the adapter does not declare, probed on the CPU (the latent size from the encoder's
output or the model's layers, the image shape from the decoder's output), and a decoded batch
of prior samples checked before the module is wrapped as an ``AdapterModel``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentlab.config import MAX_LATENT_DIM, MIN_LATENT_DIM
from latentlab.models.adapters.declared import OutputMapping, _checked_latent_dim
from latentlab.models.adapters.errors import (
    AdapterError,
    AdapterNeedsInfo,
    _call_user,
    _listed,
    _shape,
)
from latentlab.models.adapters.model import PROBE_BATCH, AdapterModel, DecodeFn, EncodeFn
from latentlab.models.adapters.outputs import (
    _check_is_batch,
    _check_values,
    _images_from_output,
    _latent_means,
    _to_unit_range,
)
from latentlab.models.base import ImageShape

_MAX_CANDIDATES = 16  # layer input sizes tried when probing the latent size


def _probed_model(
    module: nn.Module,
    decode_fn: DecodeFn,
    encode_fn: EncodeFn | None,
    *,
    latent_dim: int | None,
    image_shape: ImageShape | None,
    output: OutputMapping,
    source: str,
    notes: list[str],
    adapter_path: Path | None,
    weights_path: Path | None,
) -> AdapterModel:
    """Fill in what the adapter did not declare, check a decoded batch, wrap the module."""
    module = module.to("cpu").eval()
    for parameter in module.parameters():  # ScriptModules refuse module.requires_grad_()
        parameter.requires_grad_(False)
    generator = torch.Generator().manual_seed(0)
    # no_grad rather than inference_mode: anything the user's code caches here stays usable
    # by callers that do want gradients.
    with torch.no_grad():
        if latent_dim is None and encode_fn is not None and image_shape is not None:
            x = torch.rand(PROBE_BATCH, *image_shape, generator=generator)
            means = _latent_means(
                _call_user(encode_fn, (module, x), f"encode(module, x) in {source}"),
                PROBE_BATCH,
                None,
            )
            latent_dim = _checked_latent_dim(means.shape[1], "the encoder's output size")
            notes.append(f"latent size {latent_dim}: the size of encode()'s output")
        if latent_dim is None:
            latent_dim = _latent_dim_from_layers(module, decode_fn, source, notes)

        z = torch.randn(PROBE_BATCH, latent_dim, generator=generator)
        y = _call_user(
            decode_fn, (module, z), f"decode(module, z) in {source}, for z of shape {_shape(z)},"
        )
        if image_shape is None:
            image_shape = _inferred_image_shape(y, PROBE_BATCH, notes)
        images = _images_from_output(y, PROBE_BATCH, image_shape)
        _check_values(images, output)
        if encode_fn is not None:
            x = _to_unit_range(images, output).clamp(0, 1)
            means = _latent_means(
                _call_user(encode_fn, (module, x), f"encode(module, x) in {source}"),
                PROBE_BATCH,
                latent_dim,
            )
            if not torch.isfinite(means).all():
                raise AdapterError(f"encode() in {source} returned NaN or infinite values")
    return AdapterModel(
        module,
        decode_fn,
        encode_fn,
        latent_dim=latent_dim,
        image_shape=image_shape,
        output=output,
        source=source,
        notes=tuple(notes),
        adapter_path=adapter_path,
        weights_path=weights_path,
    )


def _layer_input_sizes(module: nn.Module) -> list[int]:
    """Input sizes of Linear and ConvTranspose2d layers, in the order the module lists them.

    Reads weight shapes rather than attributes so TorchScript modules (whose submodules are
    not instances of nn.Linear) work too: Linear weights are out×in, ConvTranspose2d weights
    in×out×k×k.
    """
    sizes: list[int] = []
    for sub in module.modules():
        kind = getattr(sub, "original_name", None) or type(sub).__name__
        weight = getattr(sub, "weight", None)
        if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
            continue
        if kind == "Linear":
            size = int(weight.shape[1])
        elif kind == "ConvTranspose2d":
            size = int(weight.shape[0])
        else:
            continue
        if MIN_LATENT_DIM <= size <= MAX_LATENT_DIM and size not in sizes:
            sizes.append(size)
    return sizes[:_MAX_CANDIDATES]


def _latent_dim_from_layers(
    module: nn.Module, decode_fn: DecodeFn, source: str, notes: list[str]
) -> int:
    """The first layer input size that decode accepts as B×D (the encoder's layers come first
    in most modules, so each candidate is tried, not just the first)."""
    candidates = _layer_input_sizes(module)
    first_error = None
    for size in candidates:
        z = torch.randn(2, size, generator=torch.Generator().manual_seed(0))
        try:
            y = decode_fn(module, z)
        except Exception as error:
            first_error = first_error or f"{type(error).__name__}: {error}"
            continue
        if isinstance(y, torch.Tensor) and y.dim() >= 2 and y.shape[0] == 2:
            tried = ", ".join(str(c) for c in candidates[: candidates.index(size) + 1])
            notes.append(
                f"latent size {size}: the first layer input size that decode() accepts "
                f"(tried {tried})"
            )
            return size
    detail = (
        f"decode() failed for every layer input size tried ({_listed([str(c) for c in candidates])}"
        f"; first error: {first_error})"
        if candidates
        else "the model has no Linear or ConvTranspose2d layer to read it from"
    )
    raise AdapterNeedsInfo(
        f"{source}: the latent size is not declared and could not be probed: {detail}. "
        "Set LATENT_DIM in the adapter file, or enter it.",
        missing=("latent_dim",),
    )


def _inferred_image_shape(y: Any, batch: int, notes: list[str]) -> ImageShape:
    """(C, H, W) read off the decoder's output when the adapter does not declare it."""
    _check_is_batch(y, batch)
    if y.dim() == 4:
        c, h, w = (int(s) for s in y.shape[1:])
        if c not in (1, 3):
            hint = (
                " It looks channels-last (B×H×W×C): permute it to B×C×H×W in decode()."
                if y.shape[-1] in (1, 3)
                else ""
            )
            raise AdapterError(
                f"decode() returned images of shape {_shape(y)}: LatentLab shows images with 1 "
                f"or 3 channels, B×C×H×W.{hint}"
            )
        notes.append(f"image shape {(c, h, w)}: decode()'s output")
        return (c, h, w)
    if y.dim() == 3:
        h, w = int(y.shape[1]), int(y.shape[2])
        notes.append(f"image shape (1, {h}, {w}): decode() returns B×H×W, read as gray images")
        return (1, h, w)
    if y.dim() == 2:
        n = int(y.shape[1])
        side = math.isqrt(n)
        if side * side == n:
            notes.append(
                f"image shape (1, {side}, {side}): decode() returns flat vectors of {n} values, "
                "read as square gray images (set IMAGE_SHAPE if that is wrong)"
            )
            return (1, side, side)
        raise AdapterNeedsInfo(
            f"decode() returns flat vectors of {n} values, which is not a square gray image: "
            "set IMAGE_SHAPE = (C, H, W) in the adapter file, or enter it.",
            missing=("image_shape",),
        )
    raise AdapterError(f"decode() returned a tensor of shape {_shape(y)}; expected images B×C×H×W")
