"""What is being explored, in the few facts that decide what survives a model switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DatasetIdentity:
    """A dataset as far as the points of a map are concerned: groups hold dataset indices,
    which mean the same points only in a dataset with this name, size and classes."""

    name: str
    size: int
    class_names: tuple[str, ...]

    @classmethod
    def of(cls, dataset: Any) -> DatasetIdentity | None:
        if dataset is None:
            return None
        return cls(str(dataset.name), len(dataset), tuple(dataset.class_names or ()))


@dataclass(frozen=True)
class ModelIdentity:
    """The explored model's kind, latent size, image shape and dataset."""

    kind: str  # "vae", "ae", "dcgan", "adapter", ...
    description: str  # "vae (conv)", or where an adapter's model came from
    latent_dim: int
    image_shape: tuple[int, ...]
    has_encoder: bool
    dataset: DatasetIdentity | None

    @classmethod
    def of(cls, model: Any, dataset: Any) -> ModelIdentity:
        kind = str(getattr(model, "kind", "") or getattr(model.config, "kind", "model"))
        if kind == "adapter":
            description = str(getattr(model, "source", "adapter"))
        else:
            config = model.config
            description = f"{config.kind} ({config.architecture})"
        return cls(
            kind=kind,
            description=description,
            latent_dim=int(model.latent_dim),
            image_shape=tuple(int(s) for s in model.image_shape),
            has_encoder=bool(model.has_encoder),
            dataset=DatasetIdentity.of(dataset),
        )

    @property
    def dataset_name(self) -> str:
        return self.dataset.name if self.dataset is not None else "no dataset"

    def describe(self) -> str:
        """'vae (conv), latent 8, digits': the status bar's words for the model."""
        return f"{self.description}, latent {self.latent_dim}, {self.dataset_name}"
