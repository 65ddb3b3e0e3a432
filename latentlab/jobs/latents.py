"""Worker jobs of latent math: the posterior's variances for KL activity, and encoding a
user's image (by the encoder, or by inversion for GANs). Run by ``background.start_job``;
the GUI thread never waits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

POSTERIOR_BATCH = 1024


def posterior_log_variances(model: Any, images: np.ndarray) -> np.ndarray:
    """N×D log-variances of q(z|x) for N×H×W×C uint8 ``images`` (models with ``posterior``)."""
    import torch

    log_vars = []
    with torch.inference_mode():
        for start in range(0, len(images), POSTERIOR_BATCH):
            chunk = torch.from_numpy(images[start : start + POSTERIOR_BATCH])
            x = chunk.permute(0, 3, 1, 2).float().div_(255).to(model.device)
            _, log_var = model.posterior(x)
            log_vars.append(log_var.float().cpu().numpy())
    return np.concatenate(log_vars).astype(np.float64)


@dataclass(frozen=True)
class EncodedImage:
    """A user's image as the model sees it, its latent and how it decodes."""

    imported: Any  # latentlab.data.image_import.ImportedImage
    latent: np.ndarray  # (D,)
    reconstruction: np.ndarray  # H×W×C uint8
    error: float  # mean squared error of the reconstruction, pixels in [0, 1]
    method: str  # "encoder", or "inversion" (optimisation, for models without an encoder)
    initial_error: float | None = None  # inversion: the best random start's error


def encode_image_job(model: Any, path: str | Path, background: Any) -> Iterator[Any]:
    """Read ``path`` and fit it to the model's input, then find its latent: the encoder's
    mean, or for models without an encoder a search by optimisation, whose progress
    (InversionProgress) is yielded. ``background`` (a BackgroundTone or None) is the data's,
    for matching the image's tones to it. Returns an EncodedImage."""
    import torch

    from latentlab.data.image_import import load_image_for_model
    from latentlab.latent.inversion import invert
    from latentlab.projection import decode_latents

    imported = load_image_for_model(path, model.image_shape, background=background)
    if not model.has_encoder:
        found = yield from invert(model, imported.pixels)
        return EncodedImage(
            imported,
            found.latent,
            found.reconstruction,
            found.error,
            "inversion",
            found.initial_error,
        )
    with torch.inference_mode():
        x = torch.tensor(imported.pixels[None]).float().div_(255).to(model.device)
        latent = model.encode(x).float().cpu().numpy()[0].astype(np.float64)
    reconstruction = decode_latents(model, latent[None])[0]
    error = float(np.mean((reconstruction.astype(np.float64) - imported.hwc) ** 2) / 255**2)
    return EncodedImage(imported, latent, reconstruction, error, "encoder")
