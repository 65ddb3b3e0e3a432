"""Conditional models: a label vector beside the latent.

A conditional model decodes ``(z, y)``: z (its latent, the *style*) and y, a vector of one
weight per class (one-hot for a pure class; 0.5/0.5 for a mix of two, as in the course's
"setting the label values of the two emotions to 0.5"). Its ``decode(z, labels=None)`` and
``encode(x, labels=None)`` take ``labels`` as class indices (B,) or label vectors B×classes;
without labels, ``decode`` draws row i as class i mod classes (a balanced set of samples) and
``encode`` is told nothing (every class weighted 1/classes).

``Conditioned(model, label)`` is such a model seen as an unconditional one that decodes
everything as ``label``: what the explorer hands its decoder, so maps, clicks, interpolation and
latent arithmetic work on z while the Preview's class controls choose y.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def is_conditional(model: Any) -> bool:
    """Whether ``model`` decodes a label vector beside its latent."""
    return bool(getattr(model, "conditional", False))


def encode_given(model: Any, images: torch.Tensor, labels: Any = None) -> torch.Tensor:
    """Latent means of ``images``, told their ``labels`` when the model is conditional."""
    if is_conditional(model) and labels is not None:
        return model.encode(images, torch.as_tensor(labels, device=images.device))
    return model.encode(images)


def decode_given(model: Any, latents: torch.Tensor, labels: Any = None) -> torch.Tensor:
    """Images of ``latents``, as their ``labels``' classes when the model is conditional (no
    labels: each class weighted evenly, as ``encode_given`` told the encoder)."""
    if not is_conditional(model):
        return model.decode(latents)
    if labels is None:
        rows, device = latents.shape[0], latents.device
        labels = label_vectors(None, rows, model.n_classes, device, unknown="uniform")
    return model.decode(latents, torch.as_tensor(labels, device=latents.device))


def reconstruct(model: Any, images: torch.Tensor, labels: Any = None) -> torch.Tensor:
    """Images in [0, 1] through the latent mean and back, told their labels if conditional."""
    return decode_given(model, encode_given(model, images, labels), labels)


def one_hot(classes: torch.Tensor, count: int) -> torch.Tensor:
    """Class indices (B,) -> label vectors B×count (float32)."""
    return torch.nn.functional.one_hot(classes.long(), count).float()


def label_vectors(
    labels: torch.Tensor | np.ndarray | None,
    rows: int,
    count: int,
    device: torch.device,
    *,
    unknown: str,
) -> torch.Tensor:
    """``labels`` (indices (B,), vectors B×count, or None) as B×count float32 on ``device``.
    None is ``unknown``: "balanced" (row i is class i mod count) or "uniform" (1/count each)."""
    if labels is None:
        if unknown == "uniform":
            return torch.full((rows, count), 1.0 / count, device=device)
        return one_hot(torch.arange(rows, device=device) % count, count)
    labels = torch.as_tensor(labels, device=device)
    if labels.ndim == 1:
        return one_hot(labels, count)
    if labels.shape != (rows, count):
        raise ValueError(f"label vectors must be {rows}×{count}, got {tuple(labels.shape)}")
    return labels.float()


class Conditioned:
    """``model`` (conditional) as an unconditional model whose every decode and encode uses
    ``label``: one vector of a weight per class for every row, or N×classes, one per row (the
    Preview's "every class" row). Everything else is the model's own."""

    def __init__(self, model: Any, label: np.ndarray) -> None:
        label = np.asarray(label, dtype=np.float32)
        if label.shape[-1:] != (model.n_classes,) or label.ndim not in (1, 2):
            raise ValueError(f"label vectors of {model.n_classes} classes, got shape {label.shape}")
        self.model, self.label = model, label

    def __getattr__(self, name: str) -> Any:  # only for what this class does not define
        return getattr(self.model, name)

    def _labels(self, rows: int, device: torch.device) -> torch.Tensor:
        labels = torch.from_numpy(self.label).to(device)
        if labels.ndim == 2:
            if len(labels) != rows:
                raise ValueError(f"{len(labels)} label vectors for {rows} latents")
            return labels
        return labels.expand(rows, -1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.decode(z, self._labels(z.shape[0], z.device))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.encode(x, self._labels(x.shape[0], x.device))


class ConditionalLabels:
    """Mixed into a conditional ``LatentModel``: its class count (``config.classes``) and
    its labels arguments as label vectors."""

    conditional = True

    @property
    def n_classes(self) -> int:
        return self.config.classes  # type: ignore[attr-defined]

    def check_classes(self) -> None:
        if self.n_classes < 2:
            raise ValueError(
                f"a conditional {self.config.kind} needs at least 2 classes, "  # type: ignore[attr-defined]
                f"got {self.n_classes}"
            )

    def labels_for(
        self, labels: Any, rows: int, device: torch.device, unknown: str = "balanced"
    ) -> torch.Tensor:
        return label_vectors(labels, rows, self.n_classes, device, unknown=unknown)
