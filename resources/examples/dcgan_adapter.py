"""LatentLab adapter for the DCGAN generator of pytorch/examples ``dcgan/main.py``.

The ``Generator`` below has the same layers, under the same names (``self.main``, an
``nn.Sequential``), as that script's, with its defaults: nz = 100, ngf = 64, 3 channels,
64×64 images. So the generator weights it saves every epoch (``netG_epoch_24.pth``) load as
they are. For a model trained with ``--dataset mnist`` set NC = 1. Open it in LatentLab with
File > Open model with adapter…, choosing this file and the weights. Note: LatentLab runs this
file as Python code, with your permissions.
"""

from torch import nn

NZ = 100  # size of the latent vector z
NGF = 64  # generator feature maps
NC = 3  # image channels: 3 for colour datasets, 1 for MNIST

LATENT_DIM = NZ
IMAGE_SHAPE = (NC, 64, 64)
OUTPUT = "tanh"  # the generator ends in tanh: LatentLab maps [-1, 1] to [0, 1]


class Generator(nn.Module):
    """Radford, Metz & Chintala (2016): z B×nz×1×1 -> images B×nc×64×64 in [-1, 1]."""

    def __init__(self, ngpu=1):
        super().__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(NGF * 8),
            nn.ReLU(True),
            # (ngf*8) × 4 × 4
            nn.ConvTranspose2d(NGF * 8, NGF * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF * 4),
            nn.ReLU(True),
            # (ngf*4) × 8 × 8
            nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF * 2),
            nn.ReLU(True),
            # (ngf*2) × 16 × 16
            nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF),
            nn.ReLU(True),
            # ngf × 32 × 32
            nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False),
            nn.Tanh(),
            # nc × 64 × 64
        )

    def forward(self, z):
        return self.main(z)


def build():
    """The module to load the weights into."""
    return Generator()


def decode(module, z):
    """Latents B×100 -> images B×NC×64×64 in [-1, 1] (LatentLab rescales them: OUTPUT)."""
    return module(z.view(z.shape[0], NZ, 1, 1))  # B×nz -> B×nz×1×1, the generator's input
