"""Models by name: ``build_model(config, image_shape)`` picks the class for ``config.kind``."""

from __future__ import annotations

from collections.abc import Callable

from latentlab.config import ModelConfig
from latentlab.models.base import ImageShape, LatentModel, check_image_shape

_REGISTRY: dict[str, type[LatentModel]] = {}


def register_model(kind: str) -> Callable[[type[LatentModel]], type[LatentModel]]:
    """Class decorator that makes a model buildable by its ``kind`` name."""

    def add(cls: type[LatentModel]) -> type[LatentModel]:
        if kind in _REGISTRY:
            raise ValueError(f"a model named {kind!r} is already registered")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return add


def registered_kinds() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def build_model(config: ModelConfig, image_shape: ImageShape) -> LatentModel:
    """A freshly initialised model of ``config.kind`` for images of ``image_shape`` (C, H, W)."""
    check_image_shape(image_shape)
    try:
        cls = _REGISTRY[config.kind]
    except KeyError:
        raise ValueError(
            f"unknown model kind {config.kind!r}; known: {', '.join(registered_kinds())}"
        ) from None
    return cls(config, image_shape)
