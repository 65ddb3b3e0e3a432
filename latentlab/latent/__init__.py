"""Operations on latent vectors: interpolation, expressions over named items, attribute vectors,
traversal axes, selection geometry, and exports that carry their latents (provenance)."""

from latentlab.latent.interpolation import (
    INTERPOLATIONS,
    interpolate_path,
    lerp,
    path_frames,
    slerp,
)

__all__ = ["INTERPOLATIONS", "interpolate_path", "lerp", "path_frames", "slerp"]
