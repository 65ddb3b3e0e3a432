"""Frozen settings for models, training and map projections.

Every setting that changes what a checkpoint means lives here, so a checkpoint can carry its
own config as plain JSON (``to_dict``/``from_dict``) and rebuild the model without any code
from the file.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from latentlab.gan_losses import GAN_LOSSES
from latentlab.model_kinds import MODEL_KINDS
from latentlab.projections import PROJECTIONS

ModelKindName = str  # a name in latentlab.model_kinds.MODEL_KINDS
Architecture = Literal["conv", "mlp"]
GanLoss = str  # a name in latentlab.gan_losses.GAN_LOSSES
ProjectionMethod = str  # a name in latentlab.projections.PROJECTIONS
MapSpace = Literal["latent", "features"]
LearningRateSchedule = Literal["constant", "cosine"]

ARCHITECTURES: tuple[str, ...] = ("conv", "mlp")
MAP_SPACES: tuple[str, ...] = ("latent", "features")
LEARNING_RATE_SCHEDULES: tuple[str, ...] = ("constant", "cosine")
MIN_LATENT_DIM, MAX_LATENT_DIM = 2, 512
MAX_CLASSES = 1000


class ConfigError(ValueError):
    """A setting is out of range; the message names the setting and what is allowed."""


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """What to build. The image shape comes from the dataset, not from here."""

    kind: ModelKindName = "vae"
    architecture: Architecture = "conv"
    latent_dim: int = 16
    hidden_dim: int = 400  # width of the mlp architecture's hidden layer
    base_channels: int = 32  # channels of the first conv block; later blocks double it
    beta: float = 1.0  # weight of the KL term once annealing is over (VAE only)
    kl_anneal_epochs: int = 0  # epochs over which the KL weight ramps from 0 to beta
    gan_loss: GanLoss = "non-saturating"
    # Classes a conditional model decodes (its label vector's length); 0 for the others.
    # Training sets it from the dataset's class names.
    classes: int = 0

    def __post_init__(self) -> None:
        _check_choice("kind", self.kind, MODEL_KINDS.names())
        _check_choice("architecture", self.architecture, ARCHITECTURES)
        _check_choice("gan_loss", self.gan_loss, GAN_LOSSES.names())
        if not MIN_LATENT_DIM <= self.latent_dim <= MAX_LATENT_DIM:
            raise ConfigError(
                f"latent_dim must be between {MIN_LATENT_DIM} and {MAX_LATENT_DIM}, "
                f"got {self.latent_dim}"
            )
        _check_positive("hidden_dim", self.hidden_dim)
        _check_positive("base_channels", self.base_channels)
        if self.beta < 0:
            raise ConfigError(f"beta must be >= 0, got {self.beta}")
        if not (self.classes == 0 or 2 <= self.classes <= MAX_CLASSES):
            raise ConfigError(f"classes must be 0 or 2 to {MAX_CLASSES}, got {self.classes}")
        if self.kl_anneal_epochs < 0:
            raise ConfigError(f"kl_anneal_epochs must be >= 0, got {self.kl_anneal_epochs}")
        architectures = MODEL_KINDS.get(self.kind).architectures
        if self.architecture not in architectures:
            raise ConfigError(
                f"{self.kind} has only the {' and '.join(architectures)} architecture"
            )

    def kl_weight(self, epoch_progress: float) -> float:
        """Weight on the KL term after ``epoch_progress`` epochs (fractional), ramping 0 -> beta."""
        if self.kl_anneal_epochs == 0:
            return self.beta
        return self.beta * min(1.0, epoch_progress / self.kl_anneal_epochs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """How to train. ``device='auto'`` picks CUDA, then MPS, then CPU."""

    epochs: int = 20
    batch_size: int = 128
    learning_rate: float | None = None  # None: the model's default (1e-3 AE/VAE, 2e-4 DCGAN)
    # 'cosine': the learning rate falls from learning_rate to 0 over the run along half a cosine
    # (Loshchilov & Hutter 2017, without restarts), a function of the epoch progress only, so a
    # resumed run follows the same curve. Long runs end better with it than at a constant rate.
    lr_schedule: LearningRateSchedule = "constant"
    seed: int = 0
    device: str = "auto"
    log_every: int = 20  # steps between progress records (each one syncs with the device once)
    preview_every: int = 200  # steps between sample / reconstruction grids
    preview_count: int = 64  # images in each preview grid
    compile: Literal["auto", "on", "off"] = "auto"  # torch.compile: 'auto' means on CUDA only
    # bf16 autocast: 'auto' = on CPUs with native bf16 (AVX-512 BF16 / AMX), where it was
    # measured 1.37× faster; fp32 elsewhere (slower in bf16 on GPUs for models this small).
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    # Dynamic binarization: every batch is re-drawn as x ~ Bernoulli(pixel intensity) each time
    # it is used, so the Bernoulli likelihood is a proper one (the setting of the published MNIST
    # likelihood tables, e.g. Burda et al. 2016). Previews stay on grey images.
    binarize: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "log_every", "preview_every", "preview_count"):
            _check_positive(name, getattr(self, name))
        if not isinstance(self.binarize, bool):
            raise ConfigError(f"binarize must be true or false, got {self.binarize!r}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be > 0, got {self.learning_rate}")
        _check_choice("compile", self.compile, ("auto", "on", "off"))
        _check_choice("precision", self.precision, ("auto", "fp32", "bf16"))
        _check_choice("lr_schedule", self.lr_schedule, LEARNING_RATE_SCHEDULES)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True, kw_only=True)
class ProjectionConfig:
    """How the latent cloud is drawn in 2-D: the projection (a name in
    ``latentlab.projections``), what it projects, its own settings and the map's seed."""

    method: ProjectionMethod = "pca"
    # What is projected: the latent codes, or the domain classifier's penultimate features of
    # each point's image (a map of what the images look like; clicks still give latents,
    # through the learned or neighbour inverse).
    space: MapSpace = "latent"
    # The projection's own settings dataclass (ProjectionKind.settings); None: its defaults.
    settings: Any = None
    seed: int = 0  # the held-out points of the measures, and a projection's random choices

    def __post_init__(self) -> None:
        _check_choice("method", self.method, PROJECTIONS.names())
        _check_choice("space", self.space, MAP_SPACES)
        settings_type = PROJECTIONS.get(self.method).settings_type()
        if settings_type is None:
            if self.settings is not None:
                raise ConfigError(f"the {self.method} projection has no settings")
        elif self.settings is None:
            object.__setattr__(self, "settings", settings_type())
        elif not isinstance(self.settings, settings_type):
            raise ConfigError(
                f"the {self.method} projection's settings must be {settings_type.__name__}, "
                f"got {type(self.settings).__name__}"
            )

    @classmethod
    def of(
        cls, method: str = "pca", *, space: str = "latent", seed: int = 0, **settings: Any
    ) -> ProjectionConfig:
        """``method`` with some of its own settings given by name, the others at defaults."""
        _check_choice("method", method, PROJECTIONS.names())
        settings_type = PROJECTIONS.get(method).settings_type()
        if settings and settings_type is None:
            raise ConfigError(f"the {method} projection has no settings: {', '.join(settings)}")
        made = settings_type(**settings) if settings_type is not None else None
        return cls(method=method, space=space, settings=made, seed=seed)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_positive(name: str, value: int) -> None:
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value}")


def _from_dict(cls, data: dict[str, Any]):
    """Build ``cls`` from a dict (of a file), ignoring keys a newer version may have added;
    a value of the wrong type is a ConfigError naming the setting."""
    if not isinstance(data, dict):
        raise ConfigError(f"the settings must be an object, not {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    for name, value in values.items():
        if not _has_type(value, hints[name]):
            raise ConfigError(f"{name} must be {_describe(hints[name])}, got {_short(value)}")
    return cls(**values)


def _has_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return isinstance(value, str) and value in typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_has_type(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and math.isfinite(value)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(h) for h in typing.get_args(hint))
    names = {bool: "true or false", int: "a whole number", float: "a finite number"}
    return "null" if hint is type(None) else names.get(hint, hint.__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
