"""A conditional model learns the dataset's classes: its config says how many."""

from __future__ import annotations

import dataclasses

from latentlab.config import ConfigError, ModelConfig
from latentlab.data import ImageSet
from latentlab.model_kinds import MODEL_KINDS


def with_dataset_classes(config: ModelConfig, dataset: ImageSet) -> ModelConfig:
    """``config`` with ``classes`` set to the dataset's class count, for a conditional kind
    (ConfigError when the dataset has no labels, or another count than a resumed model's)."""
    kind = MODEL_KINDS.get(config.kind)
    if not kind.conditional:
        return config
    count = len(dataset.class_names)
    if dataset.labels is None or count < 2:
        raise ConfigError(
            f"A {kind.label} learns each image with its class, and {dataset.name} has no "
            "labels. Choose a labelled dataset (MNIST, a folder with one subfolder per class, "
            "an .npz with labels) or an unconditional model."
        )
    if config.classes not in (0, count):
        raise ConfigError(
            f"This {kind.label} decodes {config.classes} classes and {dataset.name} has {count}."
        )
    return dataclasses.replace(config, classes=count)
