"""What a diffusion prior is built from: plain JSON in its file, checked on the way in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from latentlab.config import MAX_LATENT_DIM, MIN_LATENT_DIM, ConfigError

MAX_HIDDEN, MAX_BLOCKS, MAX_TIMESTEPS, MAX_CLASSES = 4096, 32, 10_000, 10_000


@dataclass(frozen=True, kw_only=True)
class DiffusionPriorConfig:
    """A residual MLP that predicts the noise in a noised code (Ho et al. 2020), over
    ``timesteps`` steps of a cosine schedule (Nichol & Dhariwal 2021)."""

    latent_dim: int
    hidden_dim: int = 256
    blocks: int = 4
    timesteps: int = 1000  # T of training; sampling takes any number of steps up to T
    num_classes: int = 0  # 0: unconditional; else a class can be asked for (and guided)
    class_dropout: float = 0.15  # share of training codes shown without their class (CFG)

    def __post_init__(self) -> None:
        _check_range("latent_dim", self.latent_dim, MIN_LATENT_DIM, MAX_LATENT_DIM)
        _check_range("hidden_dim", self.hidden_dim, 8, MAX_HIDDEN)
        _check_range("blocks", self.blocks, 1, MAX_BLOCKS)
        _check_range("timesteps", self.timesteps, 10, MAX_TIMESTEPS)
        _check_range("num_classes", self.num_classes, 0, MAX_CLASSES)
        if not 0.0 <= self.class_dropout < 1.0:
            raise ConfigError(f"class_dropout must be in [0, 1), got {self.class_dropout}")

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> DiffusionPriorConfig:
        """Rebuilt from a file's JSON; anything else than its own fields is refused."""
        if not isinstance(data, dict):
            raise ConfigError("a diffusion prior's config must be a JSON object")
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown diffusion prior settings: {', '.join(unknown)}")
        for name, value in data.items():
            wanted = float if name == "class_dropout" else int
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            if wanted is int and value != int(value):
                raise ConfigError(f"{name} must be a whole number, got {value!r}")
        return cls(**{k: (float(v) if k == "class_dropout" else int(v)) for k, v in data.items()})


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
