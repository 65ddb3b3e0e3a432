"""Samples judged by the Fréchet distance between the domain classifier's features of generated
and of real test images, with the distance of training to test images as the floor."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import torch

from latentlab.data import ImageSet
from latentlab.models import DomainClassifier, LatentModel
from latentlab.training.classifier import (
    ClassifierError,
    ClassifierProgress,
    TrainedClassifier,
    classifier_features,
    load_or_train_classifier,
)
from latentlab.training.evaluation.images import _IMAGE_BATCH
from latentlab.training.evaluation.progress import PhaseMeter
from latentlab.training.evaluation.records import EvaluationError, EvaluationStopped, _Steps


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N×D each):

        ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^½)

    Dowson & Landau (1982); used on Inception features as FID by Heusel et al. (2017). As in
    their reference code (and pytorch-fid), a product square root that is not finite is retried
    with ``eps`` added to both diagonals (here also one that scipy flags as singular: features
    after a ReLU often have dead units, so their covariance is singular), and a tiny imaginary
    part from round-off is dropped.
    """
    from scipy import linalg  # imported here: scipy.linalg costs ~0.3 s to import

    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be N×D with the same D, got {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("a Fréchet distance needs at least 2 feature vectors on each side")
    mu_a, mu_b = a.mean(0), b.mean(0)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma_a @ sigma_b)
    singular = any(issubclass(w.category, linalg.LinAlgWarning) for w in caught)
    if singular or not np.isfinite(covmean).all():
        offset = np.eye(len(sigma_a)) * eps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            covmean = linalg.sqrtm((sigma_a + offset) @ (sigma_b + offset))
    covmean = np.real(covmean)
    diff = mu_a - mu_b
    distance = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2 * np.trace(covmean)
    return max(float(distance), 0.0)  # round-off can dip a hair below zero for equal sets


def generate_uint8(model: LatentModel, n: int, seed: int) -> torch.Tensor:
    """``n`` images decoded from prior draws (seeded on the CPU), as uint8 N×C×H×W on the CPU,
    quantized as the real images are. The model should be in eval mode (batch norm)."""
    chunks = list(_generated_chunks(model, n, seed))
    if not chunks:
        return torch.zeros((0, *model.image_shape), dtype=torch.uint8)
    return torch.cat(chunks)


def _generated_chunks(model: LatentModel, n: int, seed: int) -> Iterator[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, n, _IMAGE_BATCH):
        z = torch.randn(min(_IMAGE_BATCH, n - start), model.latent_dim, generator=generator)
        with torch.inference_mode():
            images = model.decode(z.to(model.device)).float()
            yield images.mul(255).round_().clamp_(0, 255).to(torch.uint8).cpu()


def generated_vs_real_fd(
    model: LatentModel,
    images: torch.Tensor,
    classifier: DomainClassifier | TrainedClassifier,
    n: int,
    seed: int = 0,
) -> float:
    """Fréchet distance between classifier features of ``n`` samples of ``model`` and of the
    first ``n`` of ``images`` (real, uint8 N×C×H×W); ``n`` is capped at len(images)."""
    net = classifier.model if isinstance(classifier, TrainedClassifier) else classifier
    n = min(n, len(images))
    was_training = model.training
    model.eval()
    try:
        fake = generate_uint8(model, n, seed)
    finally:
        model.train(was_training)
    net = _classifier_on(net, model.device)
    return frechet_distance(classifier_features(net, fake), classifier_features(net, images[:n]))


def _sample_distances(
    model: LatentModel,
    dataset: ImageSet,
    real: torch.Tensor,
    classifier: TrainedClassifier | None,
    n: int,
    seed: int,
    stop: Callable[[], bool],
    clock: Callable[[], float],
) -> _Steps:
    if dataset.labels is None:
        return {}  # no labels, no classifier: the distance is left out (null in the JSON)
    if classifier is None:
        meter: PhaseMeter | None = None
        try:
            for record in load_or_train_classifier(dataset, should_stop=stop):
                if isinstance(record, ClassifierProgress):
                    meter = meter or PhaseMeter("classifier", record.total_steps, clock)
                    yield meter.at(record.step)
                else:
                    classifier = record
        except ClassifierError as error:
            if stop():
                raise EvaluationStopped("The evaluation was stopped.") from None
            raise EvaluationError(
                f"no domain classifier for the Fréchet distance: {error}"
            ) from None
    assert classifier is not None
    net = _classifier_on(classifier.model, model.device)

    samples = PhaseMeter("samples", n, clock)
    yield samples.at(0)
    fake_chunks = []
    for chunk in _generated_chunks(model, n, seed):
        fake_chunks.append(chunk)
        yield samples.at(sum(len(c) for c in fake_chunks))
        if stop():
            raise EvaluationStopped("The evaluation was stopped.")
    fake = torch.cat(fake_chunks)

    # The reference: as many training images (a seeded random choice) against the same test
    # images. FD is biased upwards at small N, so only distances at equal N compare.
    train_indices = (~dataset.test_mask).nonzero().flatten()
    n_ref = min(n, len(train_indices))
    pick = torch.randperm(len(train_indices), generator=torch.Generator().manual_seed(seed))
    features = PhaseMeter("features", 3 if n_ref >= 2 else 2, clock)
    yield features.at(0)
    fake_features = classifier_features(net, fake)
    yield features.at(1)
    real_features = classifier_features(net, real[:n])
    yield features.at(2)
    reference = None
    if n_ref >= 2:
        train_features = classifier_features(net, dataset.images[train_indices[pick[:n_ref]]])
        reference = frechet_distance(train_features, real_features[:n_ref])
        yield features.at(3)
    return {
        "frechet_distance": frechet_distance(fake_features, real_features),
        "fd_samples": n,
        "fd_train_vs_test": reference,
        "classifier_test_accuracy": classifier.test_accuracy,
    }


def _classifier_on(net: DomainClassifier, device: torch.device) -> DomainClassifier:
    """The classifier on the model's device (a copy: the cached one stays on the CPU)."""
    if next(net.parameters()).device == device:
        return net
    return copy.deepcopy(net).to(device)
