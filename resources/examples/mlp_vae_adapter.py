"""LatentLab adapter for the VAE of pytorch/examples ``vae/main.py`` (MNIST, 28×28 gray).

The module below has the same layers, with the same attribute names, as the ``VAE`` class of
that script, so the state dict it saves (``torch.save(model.state_dict(), "vae.pth")``) loads
as it is. Open it in LatentLab with File > Open model with adapter…, choosing this file and
the weights. Note: LatentLab runs this file as Python code, with your permissions.
"""

import torch
import torch.nn.functional as F
from torch import nn

LATENT_DIM = 20
IMAGE_SHAPE = (1, 28, 28)  # (channels, height, width)
OUTPUT = "unit"  # decode() ends in a sigmoid: values are already in [0, 1]


class VAE(nn.Module):
    """Kingma & Welling (2014): a 784-400-20 Gaussian encoder and a 20-400-784 decoder."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)  # mean
        self.fc22 = nn.Linear(400, 20)  # log-variance
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))


def build():
    """The module to load the weights into."""
    return VAE()


def decode(module, z):
    """Latents B×20 -> images B×1×28×28 in [0, 1]."""
    return module.decode(z).view(-1, *IMAGE_SHAPE)  # B×784 -> B×1×28×28


def encode(module, x):
    """Images B×1×28×28 in [0, 1] -> latent means B×20 (the mean, not a sample)."""
    mu, _log_var = module.encode(x.reshape(-1, 784))
    return mu


# Optional: what `latentlab eval` and the Metrics panel need for the likelihood bounds (ELBO,
# IWAE): the Gaussian posterior and the Bernoulli decoder's logits (before the sigmoid).


def posterior(module, x):
    """Images B×1×28×28 -> (mean, log-variance) of q(z|x), each B×20."""
    return module.encode(x.reshape(-1, 784))


def decode_logits(module, z):
    """Latents B×20 -> Bernoulli logits B×1×28×28."""
    return module.fc4(F.relu(module.fc3(z))).view(-1, *IMAGE_SHAPE)
