"""Trained models shipped with LatentLab, so a first session can explore without training.

Each was trained by LatentLab's own Trainer on a bundled dataset subset (``mnist-small``,
``fashion-mnist-small``) by ``resources/make_bundled.py``, with the settings below, and saved
without optimizer state (they open, explore and evaluate like any checkpoint; "continue
training" starts a fresh optimizer). Listing them imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from latentlab.config import ModelConfig, TrainConfig

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BundledModel:
    key: str
    name: str  # "MNIST VAE": File › Open trained example's entry
    summary: str  # one line: the tooltip
    dataset: str
    model_config: ModelConfig
    train_config: TrainConfig

    @property
    def title(self) -> str:
        """What the welcome page's button says."""
        return f"Explore a trained {self.name}"

    @property
    def path(self) -> Path:
        return FOLDER / f"{self.key}.safetensors"


BUNDLED_MODELS: tuple[BundledModel, ...] = (
    BundledModel(
        "mnist-vae",
        "MNIST VAE",
        "conv VAE, latent 16, trained on 10,000 MNIST digits (shipped, opens at once)",
        "mnist-small",
        ModelConfig(kind="vae", latent_dim=16),
        TrainConfig(epochs=30, batch_size=64, seed=0),
    ),
    BundledModel(
        "fashion-mnist-vae",
        "Fashion-MNIST VAE",
        "conv VAE, latent 16, trained on 5,000 Fashion-MNIST items",
        "fashion-mnist-small",
        ModelConfig(kind="vae", latent_dim=16),
        TrainConfig(epochs=40, batch_size=64, seed=0),
    ),
    BundledModel(
        "mnist-dcgan",
        "MNIST DCGAN",
        "DCGAN (non-saturating loss), trained on 10,000 MNIST digits",
        "mnist-small",
        ModelConfig(kind="dcgan"),
        TrainConfig(epochs=30, batch_size=64, seed=0),
    ),
)


def bundled_model(key: str) -> BundledModel:
    return next(entry for entry in BUNDLED_MODELS if entry.key == key)
