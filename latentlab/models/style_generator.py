"""A small style-based GAN: z enters at every resolution, so coarse and fine styles can come
from different latents.

In the spirit of StyleGAN (Karras, Laine & Aila 2019) and StyleGAN2 (Karras et al. 2020), small
enough to train on MNIST-size images on a CPU in minutes: a mapping network z -> w (pixel norm,
3 layers), a learned constant at the coarsest resolution, two weight-modulated 3×3
convolutions per resolution (each with its own affine style from w, demodulated) and a
modulated 1×1 to pixels; the DCGAN discriminator judges. For 28×28: 7×7 (coarse), 14×14
(middle), 28×28 (fine). Training mixes styles (two latents, a random crossover level) in 90 %
of the batches, as StyleGAN's mixing regularisation, so the levels learn separate roles.

``decode(z)`` feeds one latent to every level; ``decode_levels(zs)`` one per level (B×levels×D),
which is what style mixing ("coarse from A, fine from B") and a traversal at one resolution are.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from latentlab.config import ModelConfig
from latentlab.models.base import ImageShape, downsampling_plan
from latentlab.models.dcgan import DCGAN, Discriminator, init_dcgan_weights

W_DIM = 64  # the intermediate latent w of the mapping network
# Every parameter is stored divided by this and multiplied back at run time, so Adam's steps
# move it this much faster: the GAN's 2·10⁻⁴ acts as StyleGAN's 2·10⁻³ (and the mapping
# network's 0.01 of it). Without it the output's bias took thousands of steps to reach black.
LR_MULTIPLIER = 10.0
CONVS_PER_LEVEL = 2
MIXING_PROBABILITY = 0.9  # of a training batch being drawn from two latents (StyleGAN)


class ModulatedConv(nn.Module):
    """A convolution whose input channels are scaled by a style from w, then demodulated so
    each output channel has unit expected scale (StyleGAN2, eq. 1–3). Written as scale the
    input, convolve with the shared weight, rescale the output: the same result as one
    convolution per sample, with one ordinary convolution for the whole batch."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, *, demodulate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel) / LR_MULTIPLIER)
        self.scale = LR_MULTIPLIER / math.sqrt(in_ch * kernel * kernel)
        # styles start at 1: the plain convolution
        self.affine = EqualisedLinear(W_DIM, in_ch, LR_MULTIPLIER, bias_init=1.0)
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.demodulate, self.padding = demodulate, kernel // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        style = self.affine(w)  # B×in
        weight = self.weight * self.scale
        x = F.conv2d(x * style[:, :, None, None], weight, padding=self.padding)  # B×out×H×W
        if self.demodulate:
            # Σ over in and the kernel of (w·s)² = (Σ_k w²) @ s²: B×out
            energy = style.pow(2) @ weight.pow(2).sum((2, 3)).t()
            x = x * torch.rsqrt(energy + 1e-8)[:, :, None, None]
        return x + LR_MULTIPLIER * self.bias[None, :, None, None]


class EqualisedLinear(nn.Module):
    """A linear layer whose weights are N(0, 1) scaled at run time (equalised learning rate,
    Karras et al. 2018), learning ``lr_multiplier`` times the optimiser's rate: StyleGAN's
    mapping network learns 100× slower than the synthesis, which keeps w from running away."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_multiplier))
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.lr_multiplier = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_multiplier)


class MappingNetwork(nn.Module):
    """z -> w: pixel norm, then 3 fully connected layers with leaky ReLU, learning at 0.01 of
    the rate (StyleGAN's mapping network, 3 layers instead of 8)."""

    def __init__(self, latent_dim: int, layers: int = 3) -> None:
        super().__init__()
        stack: list[nn.Module] = []
        width = latent_dim
        for _ in range(layers):
            mapping_rate = 0.01 * LR_MULTIPLIER
            stack += [EqualisedLinear(width, W_DIM, lr_multiplier=mapping_rate), ScaledLeakyReLU()]
            width = W_DIM
        self.net = nn.Sequential(*stack)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
        return self.net(z)


class ScaledLeakyReLU(nn.Module):
    """Leaky ReLU times √2, so activations keep unit scale through many layers (StyleGAN)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, 0.2) * math.sqrt(2)


class StyleGenerator(nn.Module):
    """Latents -> images in [-1, 1], with one style input per level (coarse first)."""

    def __init__(self, image_shape: ImageShape, base_channels: int, latent_dim: int) -> None:
        super().__init__()
        c, h, w = image_shape
        self.sizes = list(reversed(downsampling_plan(h, w)))  # coarse first: 7×7, 14×14, 28×28
        levels = len(self.sizes)
        # Fine to coarse: base/2, base, 2·base, ... (half DCGAN's widths: two convolutions
        # per level, and small enough for a CPU).
        channels = [
            max(base_channels // 2, base_channels * 2 ** (levels - 2 - i)) for i in range(levels)
        ]
        self.mapping = MappingNetwork(latent_dim)
        self.constant = nn.Parameter(torch.randn(1, channels[0], *self.sizes[0]) / LR_MULTIPLIER)
        self.convs = nn.ModuleList()
        in_ch = channels[0]
        for out_ch in channels:
            self.convs.append(ModulatedConv(in_ch, out_ch, 3))
            self.convs.append(ModulatedConv(out_ch, out_ch, 3))
            in_ch = out_ch
        self.to_pixels = ModulatedConv(channels[-1], c, 1, demodulate=False)
        self.activation = ScaledLeakyReLU()

    @property
    def levels(self) -> int:
        return len(self.sizes)

    def synthesize(self, ws: torch.Tensor) -> torch.Tensor:
        """w per level (B×levels×W_DIM) -> images B×C×H×W in [-1, 1]."""
        # Channels last: oneDNN's convolutions on a CPU ran 1.7× faster so (measured, fwd+bwd).
        x = (self.constant * LR_MULTIPLIER).expand(ws.shape[0], -1, -1, -1)
        x = x.contiguous(memory_format=torch.channels_last)
        for level, size in enumerate(self.sizes):
            if level > 0:
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
            for conv in self.convs[CONVS_PER_LEVEL * level : CONVS_PER_LEVEL * (level + 1)]:
                x = self.activation(conv(x, ws[:, level]))
        return torch.tanh(self.to_pixels(x, ws[:, -1]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        w = self.mapping(z)
        ws = w[:, None].expand(-1, self.levels, -1)
        if self.training and torch.rand(()) < MIXING_PROBABILITY:
            other = self.mapping(torch.randn_like(z))
            crossover = int(torch.randint(1, self.levels, ()))
            ws = torch.cat(
                [ws[:, :crossover], other[:, None].expand(-1, self.levels - crossover, -1)], 1
            )
        return self.synthesize(ws)


class StyleGAN(DCGAN):
    """A style-based generator with the DCGAN discriminator and the config's GAN loss."""

    def __init__(self, config: ModelConfig, image_shape: ImageShape) -> None:
        super(DCGAN, self).__init__(config, image_shape)
        self.generator = StyleGenerator(self.image_shape, config.base_channels, config.latent_dim)
        self._set_loss(config.gan_loss)
        self.discriminator = Discriminator(
            self.image_shape, config.base_channels, batch_norm=self.loss.batch_norm
        )
        self.discriminator.apply(init_dcgan_weights)

    @property
    def style_levels(self) -> list[tuple[int, int]]:
        """The resolutions a latent enters at, coarse first."""
        return list(self.generator.sizes)

    def decode_levels(self, zs: torch.Tensor) -> torch.Tensor:
        """One latent per level (B×levels×latent_dim, coarse first) -> images in [0, 1]."""
        levels = self.generator.levels
        if zs.ndim != 3 or zs.shape[1] != levels:
            raise ValueError(f"one latent per level: B×{levels}×D, got {tuple(zs.shape)}")
        ws = self.generator.mapping(zs.flatten(0, 1)).view(zs.shape[0], levels, -1)
        return (self.generator.synthesize(ws) + 1) / 2

    def mix(self, a: torch.Tensor, b: torch.Tensor, from_b: tuple[bool, ...]) -> torch.Tensor:
        """Images whose styles at level i come from ``b`` where ``from_b[i]``, else ``a``."""
        choose = torch.tensor(from_b, device=a.device)[None, :, None]
        levels = len(from_b)
        zs = torch.where(
            choose, b[:, None].expand(-1, levels, -1), a[:, None].expand(-1, levels, -1)
        )
        return self.decode_levels(zs)
