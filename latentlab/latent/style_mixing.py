"""Style mixing for models whose latent enters at each resolution (``decode_levels``): which
level's styles come from A and which from B, the StyleGAN figure of crossovers, and a
traversal at one resolution. Works on per-level latents L×D (coarse first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def has_style_levels(model: Any) -> bool:
    """Whether ``model`` takes one latent per resolution (a style GAN)."""
    return callable(getattr(model, "decode_levels", None))


def level_name(size: tuple[int, int], index: int, levels: int) -> str:
    """'7×7 (coarse)', '14×14 (middle)', '28×28 (fine)': the coarsest, the finest, between."""
    role = "coarse" if index == 0 else "fine" if index == levels - 1 else "middle"
    return f"{size[0]}×{size[1]} ({role})"


def mixed_levels(a: np.ndarray, b: np.ndarray, from_b: Sequence[bool]) -> np.ndarray:
    """Per-level latents L×D: level i from ``b`` where ``from_b[i]``, else from ``a``."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"A and B must be latents of one size, got {a.shape} and {b.shape}")
    return np.stack([b if take_b else a for take_b in from_b])


def crossovers(a: np.ndarray, b: np.ndarray, levels: int) -> np.ndarray:
    """(L + 1)×L×D: row k takes its k coarsest levels from A and the rest from B (row 0 is B,
    row L is A), the rows of StyleGAN's mixing figure."""
    return np.stack(
        [mixed_levels(a, b, [level >= k for level in range(levels)]) for k in range(levels + 1)]
    )


def traverse_level(
    levels: np.ndarray, level: int, direction: np.ndarray, values: Sequence[float]
) -> np.ndarray:
    """len(values)×L×D: ``levels`` with only level ``level``'s latent moved by each value times
    ``direction``: what changes at that resolution alone."""
    levels = np.asarray(levels, dtype=np.float32)
    steps = np.repeat(levels[None], len(values), axis=0)
    steps[:, level] += np.asarray(values, dtype=np.float32)[:, None] * direction[None]
    return steps


class StyleLevels:
    """``model`` seen as one whose latent is its per-level latents, flattened (L·D): what the
    decoder is handed to decode mixes. Everything else is the model's own."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.levels = len(model.style_levels)
        self.latent_dim = self.levels * model.latent_dim

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def decode(self, flat: Any) -> Any:
        return self.model.decode_levels(flat.reshape(flat.shape[0], self.levels, -1))
