"""What an evaluation yields: ``EvaluationProgress`` records, then the frozen ``Evaluation``
with its JSON (the keys are documented in ``latentlab.training.evaluation``); and the errors
it raises."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from latentlab.training.evaluation.plan import PAPER_K, EvaluationPlan

FORMAT_NAME = "latentlab-evaluation"
FORMAT_VERSION = 1
ACTIVE_THRESHOLD = 0.01  # Burda et al. (2016), section 5.2
WORST_SHOWN = 16

Phase = Literal["timing", "likelihood", "reconstruction", "classifier", "samples", "features"]


_Steps = Generator["EvaluationProgress", None, dict[str, Any]]  # yields progress, returns fields


class EvaluationError(ValueError):
    """The evaluation cannot run as asked; the message says why."""


class EvaluationStopped(EvaluationError):
    """``should_stop`` returned True; no Evaluation was produced."""


@dataclass(frozen=True)
class EvaluationProgress:
    """Work done in one phase: ``done`` of ``total`` (images, or steps for 'classifier' and
    'features'). ``per_second`` and ``eta_seconds`` (the rest of this phase) come from the
    rate measured in this phase so far; None until its first chunk is done. ``detail``: the
    setting the phase runs with, e.g. "k = 64"."""

    phase: Phase
    done: int
    total: int
    eta_seconds: float | None = None
    per_second: float | None = None
    detail: str = ""


@dataclass(frozen=True, eq=False)  # eq=False: numpy fields have no single truth value
class Evaluation:
    """Everything ``evaluate`` measured; see ``latentlab.training.evaluation`` for the
    meaning of each number. Per-image arrays are in test-split order, matched by
    ``image_indices``."""

    model_kind: str
    latent_dim: int
    dataset: str
    image_shape: tuple[int, int, int]
    n_images: int
    n_test_images: int
    binarized: bool
    binarize_seed: int | None
    note: str
    seed: int
    seconds: float
    # VAE only
    negative_elbo: float | None = None
    reconstruction: float | None = None
    kl: float | None = None
    nll_iwae: float | None = None
    nll_iwae_stderr: float | None = None
    iwae_k: int | None = None
    plan: EvaluationPlan | None = None  # how k and the images were chosen (VAEs)
    posterior_mean_variance: np.ndarray | None = None
    kl_per_dim: np.ndarray | None = None
    # encoder models (VAE, AE)
    mse_per_image: np.ndarray | None = None
    mse_histogram_edges: np.ndarray | None = None
    mse_histogram_counts: np.ndarray | None = None
    # samples
    frechet_distance: float | None = None
    fd_samples: int | None = None
    fd_train_vs_test: float | None = None
    classifier_test_accuracy: float | None = None
    # per image, not in the JSON (10,000 numbers each on MNIST)
    image_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    nll_iwae_per_image: np.ndarray | None = None
    negative_elbo_per_image: np.ndarray | None = None

    @property
    def comparable_to_papers(self) -> bool:
        full_k = self.iwae_k is None or self.iwae_k >= PAPER_K
        return self.binarized and self.n_images == self.n_test_images and full_k

    @property
    def active_units(self) -> int | None:
        if self.posterior_mean_variance is None:
            return None
        return int((self.posterior_mean_variance > ACTIVE_THRESHOLD).sum())

    @property
    def mse_mean(self) -> float | None:
        return None if self.mse_per_image is None else float(self.mse_per_image.mean())

    def mse_worst_indices(self, count: int = WORST_SHOWN) -> list[int]:
        """Dataset indices of the ``count`` worst-reconstructed test images, worst first."""
        if self.mse_per_image is None:
            return []
        order = np.argsort(-self.mse_per_image, kind="stable")[:count]
        return [int(i) for i in self.image_indices[order]]

    def to_json(self) -> dict[str, Any]:
        """The numbers as plain JSON types, under the keys ``latentlab.training.evaluation``
        documents."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "model_kind": self.model_kind,
            "latent_dim": self.latent_dim,
            "dataset": self.dataset,
            "image_shape": list(self.image_shape),
            "n_images": self.n_images,
            "n_test_images": self.n_test_images,
            "binarized": self.binarized,
            "binarize_seed": self.binarize_seed,
            "comparable_to_papers": self.comparable_to_papers,
            "note": self.note,
            "seed": self.seed,
            "negative_elbo": self.negative_elbo,
            "reconstruction": self.reconstruction,
            "kl": self.kl,
            "nll_iwae": self.nll_iwae,
            "nll_iwae_stderr": self.nll_iwae_stderr,
            "iwae_k": self.iwae_k,
            "settings_chosen_by": None if self.plan is None else self.plan.chosen_by,
            "budget_seconds": None if self.plan is None else self.plan.budget_seconds,
            "samples_per_second": _rounded(None if self.plan is None else self.plan.rate),
            "settings": None if self.plan is None else self.plan.text(),
            "active_units": self.active_units,
            "active_threshold": ACTIVE_THRESHOLD
            if self.posterior_mean_variance is not None
            else None,
            "posterior_mean_variance": _as_list(self.posterior_mean_variance),
            "kl_per_dim": _as_list(self.kl_per_dim),
            "mse_mean": self.mse_mean,
            "mse_histogram_edges": _as_list(self.mse_histogram_edges),
            "mse_histogram_counts": _as_list(self.mse_histogram_counts),
            "mse_worst_indices": self.mse_worst_indices()
            if self.mse_per_image is not None
            else None,
            "frechet_distance": self.frechet_distance,
            "fd_samples": self.fd_samples,
            "fd_train_vs_test": self.fd_train_vs_test,
            "classifier_test_accuracy": self.classifier_test_accuracy,
            "seconds": round(self.seconds, 3),
        }


JSON_KEYS: tuple[str, ...] = (
    "format",
    "version",
    "model_kind",
    "latent_dim",
    "dataset",
    "image_shape",
    "n_images",
    "n_test_images",
    "binarized",
    "binarize_seed",
    "comparable_to_papers",
    "note",
    "seed",
    "negative_elbo",
    "reconstruction",
    "kl",
    "nll_iwae",
    "nll_iwae_stderr",
    "iwae_k",
    "settings_chosen_by",
    "budget_seconds",
    "samples_per_second",
    "settings",
    "active_units",
    "active_threshold",
    "posterior_mean_variance",
    "kl_per_dim",
    "mse_mean",
    "mse_histogram_edges",
    "mse_histogram_counts",
    "mse_worst_indices",
    "frechet_distance",
    "fd_samples",
    "fd_train_vs_test",
    "classifier_test_accuracy",
    "seconds",
)


def _as_list(values: np.ndarray | None) -> list | None:
    return None if values is None else values.tolist()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
