"""Models by kind: ``build_model(config, image_shape)`` builds the class that
``latentlab.model_kinds`` registers for ``config.kind``."""

from __future__ import annotations

from latentlab.config import ModelConfig
from latentlab.model_kinds import MODEL_KINDS
from latentlab.models.base import ImageShape, LatentModel, check_image_shape


def registered_kinds() -> tuple[str, ...]:
    return MODEL_KINDS.names()


def build_model(config: ModelConfig, image_shape: ImageShape) -> LatentModel:
    """A freshly initialised model of ``config.kind`` for images of ``image_shape`` (C, H, W)."""
    check_image_shape(image_shape)
    return MODEL_KINDS.get(config.kind).model_class()(config, image_shape)
