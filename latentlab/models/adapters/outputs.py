"""What the user's ``decode`` and ``encode`` return, turned into what LatentLab works with:
images B×C×H×W in [0, 1] and latent means B×D, refused with a message when they do not fit."""

from __future__ import annotations

import math
from typing import Any

import torch

from latentlab.models.adapters.declared import OutputMapping
from latentlab.models.adapters.errors import AdapterError, AdapterRangeError, _shape
from latentlab.models.base import ImageShape

RANGE_TOLERANCE = 1e-3


def _check_is_batch(y: Any, batch: int) -> None:
    if not isinstance(y, torch.Tensor):
        raise AdapterError(
            f"decode() returned a {type(y).__name__}, not a tensor: return only the images"
        )
    if y.dim() < 2 or y.shape[0] != batch:
        raise AdapterError(
            f"decode() returned a tensor of shape {_shape(y)} for {batch} latent vectors; "
            f"expected {batch} images, {batch}×C×H×W"
        )


def _images_from_output(y: Any, batch: int, image_shape: ImageShape) -> torch.Tensor:
    """The decoder's output as float B×C×H×W; flat B×N or B×H×W outputs are reshaped in
    PyTorch's C, H, W order. 4-D outputs must match exactly: reshaping B×H×W×C would
    silently scramble the pixels."""
    _check_is_batch(y, batch)
    expected = (batch, *image_shape)
    if y.dim() == 4:
        if tuple(y.shape) != expected:
            raise AdapterError(
                f"decode() returned images of shape {_shape(y)}; expected "
                f"{'×'.join(map(str, expected))} (C×H×W = {image_shape})"
            )
        return y.float()
    if y[0].numel() != math.prod(image_shape):
        raise AdapterError(
            f"decode() returned a tensor of shape {_shape(y)}, which does not hold {batch} "
            f"images of {image_shape} (C, H, W): expected {'×'.join(map(str, expected))} or "
            f"{batch}×{math.prod(image_shape)}"
        )
    return y.reshape(expected).float()  # B×N -> B×C×H×W


def _check_values(images: torch.Tensor, output: OutputMapping) -> None:
    if not torch.isfinite(images).all():
        raise AdapterError(
            "decode() returned NaN or infinite values for samples from the prior N(0, I); "
            "check that the weights were trained and loaded"
        )
    low, high = images.min().item(), images.max().item()
    if output != "unit" or (low >= -RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE):
        return
    in_tanh_range = low >= -1 - RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE
    suggestion: OutputMapping = "tanh" if in_tanh_range else "logits"
    raise AdapterRangeError(
        f"decode() returned values in [{low:.3g}, {high:.3g}], outside [0, 1], and OUTPUT is "
        "'unit' (images used as they are). Set OUTPUT = 'tanh' if the decoder ends in tanh "
        "([-1, 1]) or 'logits' to apply a sigmoid; these values look like "
        f"{suggestion!r}. If it only overshoots [0, 1] a little, clamp it in decode().",
        suggestion=suggestion,
        low=low,
        high=high,
    )


def _to_unit_range(images: torch.Tensor, output: OutputMapping) -> torch.Tensor:
    if output == "tanh":
        return (images + 1) / 2  # [-1, 1] -> [0, 1]
    if output == "logits":
        return torch.sigmoid(images)
    return images


def _latent_means(out: Any, batch: int, latent_dim: int | None) -> torch.Tensor:
    """The encoder's output as B×D means; a (mu, logvar) tuple gives its first element."""
    if isinstance(out, tuple | list) and out:
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise AdapterError(f"encode() returned a {type(out).__name__}, not a tensor")
    if out.dim() > 2 and all(s == 1 for s in out.shape[2:]):
        out = out.flatten(1)  # conv encoders: B×D×1×1 -> B×D
    if out.dim() != 2 or out.shape[0] != batch:
        raise AdapterError(
            f"encode() returned a tensor of shape {_shape(out)} for {batch} images; expected "
            f"latent means {batch}×D"
        )
    if latent_dim is not None and out.shape[1] != latent_dim:
        hint = (
            " It looks like mean and log-variance side by side: return only the mean."
            if out.shape[1] == 2 * latent_dim
            else ""
        )
        raise AdapterError(
            f"encode() returned {out.shape[1]} values per image but the latent size is "
            f"{latent_dim}.{hint}"
        )
    return out.float()
