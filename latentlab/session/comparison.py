"""Two models side by side: what links a second model (B) to the explored one (A), no Qt.

B is mapped on A's dataset whenever its images fit, and its map is aligned with A's (turned
onto it for PCA, started from it for t-SNE), so the same place on both maps means the same
region of the data. Selections are linked through dataset indices when both maps show the
dataset's images. A latent of A has a counterpart in B: the same image's code when the latent
is one of A's data points, else B's own inverse at the place A's map puts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from latentlab.session.decode_purposes import DecodePurpose
from latentlab.session.identity import ModelIdentity

SAME_POINT_TOLERANCE = 1e-5  # a latent this close to a map point's code is that point


@dataclass(frozen=True)
class ComparisonLink:
    """Whether a selection in one map can ring the same images in the other, and why not."""

    linked: bool
    explanation: str  # one sentence for the Compare view

    @classmethod
    def between(cls, a: ModelIdentity | None, b: ModelIdentity | None) -> ComparisonLink:
        if a is None or b is None:
            return cls(False, "Open a model to compare with.")
        gan = [name for name, side in (("A", a), ("B", b)) if not side.has_encoder]
        if gan:
            which = " and ".join(gan)
            return cls(
                False,
                f"{which}'s map shows its own samples, not the dataset's images (a model "
                "without an encoder): selections are not linked; a click still decodes in both, "
                "at the same place of each map.",
            )
        if a.dataset is None or a.dataset != b.dataset:
            return cls(
                False,
                f"The maps show different data ({a.dataset_name}, {b.dataset_name}): "
                "selections are not linked.",
            )
        return cls(
            True,
            f"Linked through {a.dataset_name}'s images: a selection in one map rings the same "
            "images in the other; a click decodes in both, each through its own inverse.",
        )


def shares_dataset(dataset: Any, identity: ModelIdentity) -> bool:
    """Whether a model of ``identity`` can be mapped on ``dataset`` (its images fit)."""
    return dataset is not None and tuple(dataset.image_shape) == tuple(identity.image_shape)


def map_points_of(map_data: Any, latents: np.ndarray) -> np.ndarray:
    """For each latent (N×D), the dataset index of the map point whose code it is, or -1."""
    latents = np.atleast_2d(np.asarray(latents, dtype=np.float64))
    found = np.full(len(latents), -1, dtype=np.int64)
    if map_data is None or len(map_data.cloud) == 0:
        return found
    codes = map_data.cloud.latents
    if codes.shape[1] != latents.shape[1]:
        return found
    for i, latent in enumerate(latents):
        distances = np.abs(codes - latent).max(axis=1)
        row = int(np.argmin(distances))
        scale = max(1.0, float(np.abs(latent).max()))
        if distances[row] <= SAME_POINT_TOLERANCE * scale:
            found[i] = int(map_data.cloud.indices[row])
    return found


def counterparts(
    latents_a: np.ndarray,
    map_a: Any,
    map_b: Any,
    inverse_b: str,
    *,
    linked: bool,
    places: np.ndarray | None = None,
) -> np.ndarray:
    """B's latents (N×D_B) for A's latents (N×D_A): the same data point's code in B where a
    latent is one of A's map points (and the maps are ``linked``), else B's ``inverse_b`` at
    its place on A's map (``places``, N×2, when the caller knows them: a click's position)."""
    latents_a = np.atleast_2d(np.asarray(latents_a, dtype=np.float64))
    xy = map_a.to_map(latents_a) if places is None else np.atleast_2d(places)
    result = np.asarray(map_b.to_latent(xy, inverse_b), dtype=np.float64)
    if not linked:
        return result
    indices = map_points_of(map_a, latents_a)
    for i, index in enumerate(indices):
        rows = np.flatnonzero(map_b.cloud.indices == index) if index >= 0 else ()
        if len(rows):
            result[i] = map_b.cloud.latents[rows[0]]
    return result


@dataclass(frozen=True)
class CounterpartDecode(DecodePurpose):
    """B's image of A's preview: B's inverse at ``place`` (the click's map position), or, with
    no place, the counterpart of A's latent."""

    channel: ClassVar[str] = "preview"
    place: tuple[float, float] | None


@dataclass(frozen=True)
class FrameOfADecode(DecodePurpose):
    """A's interpolation frame at ``t``, for the two-up preview."""

    channel: ClassVar[str] = "interpolation a"
    t: float


@dataclass(frozen=True)
class FrameOfBDecode(DecodePurpose):
    """B's interpolation frame at ``t``, between the counterparts of A's keypoints."""

    channel: ClassVar[str] = "interpolation"
    t: float
