"""The test images as the evaluation passes read them: batches of floats in [0, 1] on the
model's device, and the fixed binarization of the likelihood."""

from __future__ import annotations

import torch

from latentlab.training.trainer import binarize_images

_IMAGE_BATCH = 256  # for passes without k samples (reconstructions, generated samples)


def _binarized_uint8(images: torch.Tensor, seed: int) -> torch.Tensor:
    """Stochastic binarization of uint8 images, once, with a fixed seed: 0 or 255."""
    generator = torch.Generator().manual_seed(seed)
    binary = binarize_images(images.float().div_(255), generator=generator)
    return binary.mul_(255).to(torch.uint8)


def _as_float(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    return images.to(device, non_blocking=True).float().div_(255)
