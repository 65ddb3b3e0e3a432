"""The dataset's latent codes: what the map draws."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.data import ImageSet
from latentlab.models import LatentModel
from latentlab.models.conditional import decode_given, encode_given


@dataclass(frozen=True)
class LatentCloud:
    """Latent vectors of a set of images (or, for GANs, of prior samples).

    ``indices[i]`` is the row of ``images`` that point i came from. ``reconstruction_errors``
    is the per-image mean squared error of the reconstruction (None without an encoder).
    ``features`` are the domain classifier's features of each image (for maps of image
    features), ``discriminator_scores`` a GAN discriminator's D(x) of each image, and
    ``labels_predicted`` says that ``labels`` are the classifier's guesses (prior samples have
    no true labels).
    """

    latents: np.ndarray  # N×D float32
    images: np.ndarray  # N×H×W×C uint8: what each point looks like
    labels: np.ndarray | None  # N int64
    class_names: tuple[str, ...]
    indices: np.ndarray  # N int64
    reconstruction_errors: np.ndarray | None  # N float32
    source: str  # e.g. "digits:test" or "samples from the prior"
    features: np.ndarray | None = None  # N×F float32
    discriminator_scores: np.ndarray | None = None  # N float32 (D's realness, see GanLossKind)
    labels_predicted: bool = False

    def __len__(self) -> int:
        return len(self.latents)

    @property
    def from_prior(self) -> bool:
        """Points drawn from the prior and generated, not encoded from a dataset."""
        return self.source == PRIOR_SOURCE

    def map_input(self, space: str) -> np.ndarray:
        """What a map of ``space`` ('latent' or 'features') projects."""
        if space == "latent":
            return self.latents
        if self.features is None:
            raise ValueError(
                "A map of image features needs the domain classifier's features of the images; "
                "they are computed for labelled datasets only."
            )
        return self.features


PRIOR_SOURCE = "samples from the prior"
Featurize = Callable[[np.ndarray], np.ndarray]  # N×D latents -> N×F features of their images


@torch.inference_mode()
def encode_dataset(
    model: LatentModel, images: ImageSet, *, batch_size: int = 1024, max_points: int | None = None
) -> LatentCloud:
    """Encode every image (up to ``max_points``, a fixed random subset) to its latent mean."""
    model.eval()
    device = model.device
    index = np.arange(len(images))
    if max_points is not None and len(images) > max_points:
        index = np.sort(np.random.default_rng(0).choice(len(images), max_points, replace=False))
    latents, errors = [], []
    for start in range(0, len(index), batch_size):
        chunk = torch.from_numpy(index[start : start + batch_size])
        x = images.images[chunk].to(device).float().div_(255)
        labels = None if images.labels is None else images.labels[chunk]
        z = encode_given(model, x, labels)
        reconstruction = decode_given(model, z, labels)
        errors.append((reconstruction - x).pow(2).flatten(1).mean(1).cpu())
        latents.append(z.float().cpu())
    picked = images.images[torch.from_numpy(index)]
    return LatentCloud(
        latents=torch.cat(latents).numpy(),
        images=picked.permute(0, 2, 3, 1).numpy(),
        labels=None if images.labels is None else images.labels[index].numpy(),
        class_names=images.class_names,
        indices=index.astype(np.int64),
        reconstruction_errors=torch.cat(errors).numpy(),
        source=images.name,
    )


@torch.inference_mode()
def sample_prior(model: LatentModel, count: int, *, seed: int = 0) -> LatentCloud:
    """For models without an encoder: ``count`` prior draws and the images they decode to."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    latents = torch.randn(count, model.latent_dim, generator=generator)
    images = []
    for start in range(0, count, 1024):
        decoded = model.decode(latents[start : start + 1024].to(model.device))
        images.append((decoded.clamp(0, 1) * 255).round().to(torch.uint8).cpu())
    return LatentCloud(
        latents=latents.numpy(),
        images=torch.cat(images).permute(0, 2, 3, 1).numpy(),
        labels=None,
        class_names=(),
        indices=np.arange(count, dtype=np.int64),
        reconstruction_errors=None,
        source=PRIOR_SOURCE,
    )


@torch.inference_mode()
def decode_latents(model: LatentModel, latents: np.ndarray) -> np.ndarray:
    """N×D latents -> N×H×W×C uint8 images (the interactive decode path)."""
    z = torch.from_numpy(np.ascontiguousarray(latents, dtype=np.float32)).to(model.device)
    images = model.decode(z).clamp_(0, 1).mul_(255).round_().to(torch.uint8)
    return images.permute(0, 2, 3, 1).cpu().numpy()
