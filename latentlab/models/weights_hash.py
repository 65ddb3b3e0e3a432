"""A model's identity by its weights: what a diffusion prior names as the autoencoder it was
trained on, and what an unsaved run's exported images name as their model."""

from __future__ import annotations

import hashlib
from typing import Any


def weights_sha256(model: Any) -> str:
    """SHA-256 over the model's parameter and buffer names, shapes and bytes, in order."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        values = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tuple(values.shape)}:{values.dtype}".encode())
        digest.update(values.numpy().tobytes() if values.numel() else b"")
    return digest.hexdigest()
