"""Small models trained on the spot for tests (no Qt)."""

from __future__ import annotations

from latentlab.config import ModelConfig, TrainConfig
from latentlab.training import DatasetInfo, Trainer


def train_digits_vae(digits, epochs: int) -> Trainer:
    """A conv VAE (latent 8) trained on the built-in digits; returns the finished trainer."""
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=8),
        TrainConfig(epochs=epochs, batch_size=32),
        digits,
        dataset_info=DatasetInfo(name="digits", class_names=digits.class_names, spec="digits"),
    )
    for _ in trainer.run():
        pass
    return trainer


def train_digits_gan(digits, epochs: int = 1) -> Trainer:
    """A DCGAN (latent 8) trained on the built-in digits; returns the finished trainer."""
    trainer = Trainer(
        ModelConfig(kind="dcgan", latent_dim=8),
        TrainConfig(epochs=epochs),
        digits,
        dataset_info=DatasetInfo(name="digits", spec="digits"),
    )
    for _ in trainer.run():
        pass
    return trainer


def train_digits(digits, kind: str, epochs: int, *, batch_size: int = 32, **model) -> Trainer:
    """A model of ``kind`` (and ``model``'s settings) trained on the built-in digits, told
    their class names; returns the finished trainer."""
    trainer = Trainer(
        ModelConfig(kind=kind, **model),
        TrainConfig(epochs=epochs, batch_size=batch_size),
        digits,
        dataset_info=DatasetInfo(name="digits", class_names=digits.class_names, spec="digits"),
    )
    for _ in trainer.run():
        pass
    return trainer
