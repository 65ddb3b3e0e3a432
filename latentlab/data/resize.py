"""Resizing, center-cropping and channel conversion of image batches (N×C×H×W tensors)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Work in slices so a float copy of a big dataset (CelebA: 200k images) never exists at once.
_CHUNK = 2048


def resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """Scale N×C×H×W images so the short side is ``size``, then center-crop to size×size.

    Accepts uint8 or float (0..255) input and returns uint8. Downscaling is antialiased so thin
    strokes do not alias away; images already size×size are returned unchanged.
    """
    n, c, h, w = images.shape
    if h == size and w == size and images.dtype == torch.uint8:
        return images
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    top, left = (new_h - size) // 2, (new_w - size) // 2
    out = torch.empty((n, c, size, size), dtype=torch.uint8)
    for start in range(0, n, _CHUNK):
        x = images[start : start + _CHUNK].float()
        if (new_h, new_w) != (h, w):
            x = F.interpolate(
                x, size=(new_h, new_w), mode="bilinear", align_corners=False, antialias=True
            )
        x = x[:, :, top : top + size, left : left + size]
        out[start : start + _CHUNK] = x.round_().clamp_(0, 255).to(torch.uint8)
    return out


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Turn uint8 N×C×H×W images into ``channels`` (1 or 3) channels.

    Gray to RGB repeats the plane; RGB to gray uses ITU-R 601 luma with the same fixed-point
    weights as Pillow's ``convert("L")``, so a folder loaded as gray matches the same images
    converted here.
    """
    have = images.shape[1]
    if have == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    if channels != 1:
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    weights = torch.tensor([19595, 38470, 7471], dtype=torch.int32).view(1, 3, 1, 1)
    out = torch.empty((images.shape[0], 1, *images.shape[2:]), dtype=torch.uint8)
    for start in range(0, images.shape[0], _CHUNK):
        x = images[start : start + _CHUNK].to(torch.int32)
        luma = ((x * weights).sum(dim=1, keepdim=True) + 0x8000) >> 16
        out[start : start + _CHUNK] = luma.to(torch.uint8)
    return out


def adapt_images(
    images: torch.Tensor, *, image_size: int | None, channels: int | None
) -> torch.Tensor:
    """Apply the user's optional ``image_size`` and ``channels`` to a uint8 batch."""
    if image_size is not None:
        images = resize_square(images, image_size)
    if channels is not None:
        images = convert_channels(images, channels)
    return images
