"""The values an adapter declares (``LATENT_DIM``, ``IMAGE_SHAPE``, ``OUTPUT``) or the user
enters, checked before use."""

from __future__ import annotations

from typing import Literal, get_args

from latentlab.config import MAX_LATENT_DIM, MIN_LATENT_DIM
from latentlab.models.adapters.errors import AdapterError
from latentlab.models.base import ImageShape

OutputMapping = Literal["unit", "tanh", "logits"]
OUTPUT_MAPPINGS: tuple[str, ...] = get_args(OutputMapping)


def _checked_latent_dim(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdapterError(f"{what} must be a whole number, got {value!r}")
    if not MIN_LATENT_DIM <= value <= MAX_LATENT_DIM:
        raise AdapterError(
            f"{what} is {value}; LatentLab explores latent spaces of {MIN_LATENT_DIM} to "
            f"{MAX_LATENT_DIM} dimensions"
        )
    return value


def _checked_image_shape(value: object, what: str) -> ImageShape:
    try:
        c, h, w = (int(s) for s in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise AdapterError(f"{what} must be (channels, height, width), got {value!r}") from None
    if c not in (1, 3) or h < 1 or w < 1:
        raise AdapterError(
            f"{what} is {value!r}; images need 1 or 3 channels and a positive size, as "
            "(channels, height, width)"
        )
    return (c, h, w)


def _checked_output(value: object, what: str) -> OutputMapping:
    if value not in OUTPUT_MAPPINGS:
        raise AdapterError(
            f"{what} must be 'unit' (values already in [0, 1]), 'tanh' ([-1, 1]) or 'logits' "
            f"(a sigmoid is applied); got {value!r}"
        )
    return value  # type: ignore[return-value]
