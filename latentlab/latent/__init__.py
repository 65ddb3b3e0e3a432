"""Operations on latent vectors: interpolation (and, later, arithmetic and attribute vectors)."""

from latentlab.latent.interpolation import (
    INTERPOLATIONS,
    interpolate_path,
    lerp,
    path_frames,
    slerp,
)

__all__ = ["INTERPOLATIONS", "interpolate_path", "lerp", "path_frames", "slerp"]
