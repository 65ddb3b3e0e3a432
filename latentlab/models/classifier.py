"""A small CNN that tells a dataset's classes apart, used to judge generated images.

Not a generative model: it backs click fidelity (does a decoded image look like the class of the
map region clicked), a Fréchet distance on its penultimate features and class histograms of GAN
samples (mode collapse). Its trainer and on-disk cache live in ``latentlab.training.classifier``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from latentlab.models.base import ImageShape

FEATURE_DIM = 128
POOLED_SIZE = 4  # every image size is pooled to 4×4 so the head has the same size for all


def _conv_block(in_ch: int, out_ch: int) -> list[nn.Module]:
    # No conv bias: BatchNorm's shift replaces it.
    return [nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU()]


class DomainClassifier(nn.Module):
    """Images B×C×H×W as floats in [0, 1] -> class logits B×num_classes.

    Shapes below are for a 1×28×28 image (MNIST); 16×16 to 64×64 work the same way.
    """

    def __init__(self, *, image_shape: ImageShape, num_classes: int) -> None:
        super().__init__()
        c, h, w = image_shape
        if c not in (1, 3) or min(h, w) < 4:
            raise ValueError(f"image_shape must be (1 or 3, >=4, >=4), got {image_shape}")
        if num_classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
        self.image_shape: ImageShape = (int(c), int(h), int(w))
        self.num_classes = int(num_classes)
        self.body = nn.Sequential(
            *_conv_block(c, 16),  # 16×28×28
            nn.MaxPool2d(2),  # 16×14×14
            *_conv_block(16, 32),  # 32×14×14
            nn.MaxPool2d(2),  # 32×7×7
            *_conv_block(32, 64),  # 64×7×7
            # Flattening keeps where strokes are (global average pooling would drop that);
            # pooling to a fixed 4×4 first keeps the head small for 64×64 images too.
            nn.AdaptiveAvgPool2d(POOLED_SIZE),  # 64×4×4
            nn.Flatten(),  # 1024
            nn.Linear(64 * POOLED_SIZE * POOLED_SIZE, FEATURE_DIM),  # 128
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURE_DIM, num_classes)  # num_classes

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """PyTorch's default initialisation, drawn from ``generator``.

        Seeding through a generator of its own leaves the global RNG alone, which a model
        training on another thread may be drawing from.
        """
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                # What kaiming_uniform_(a=sqrt(5)) in their reset_parameters works out to.
                bound = 1 / math.sqrt(module.weight[0].numel())
                module.weight.uniform_(-bound, bound, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-bound, bound, generator=generator)
            elif isinstance(module, nn.BatchNorm2d):
                module.reset_parameters()  # ones, zeros and fresh running statistics

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations B×FEATURE_DIM (after the ReLU), e.g. for a Fréchet distance."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))
