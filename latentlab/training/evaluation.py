"""Model quality measured the way papers do: likelihood bounds for VAEs, a Fréchet distance for
samples. No Qt: ``latentlab eval``, the app and the tests share these functions.

``evaluate(model_or_checkpoint, dataset, k=...)`` is a generator. It yields
``EvaluationProgress`` records (``phase``, ``done``, ``total``), checks ``should_stop`` between
chunks (raising ``EvaluationStopped``) and ends with a frozen ``Evaluation``. All numbers are on
the dataset's test split.

* VAEs: the ELBO split into its reconstruction and KL terms (Kingma & Welling 2014), the
  importance-weighted bound on −log p(x) with k samples (IWAE; Burda, Grosse & Salakhutdinov
  2016, eq. 8), active units and the KL per latent dimension (Burda et al. 2016, section 5.2),
  and each image's reconstruction error. The Bernoulli likelihood is a proper likelihood only
  for binary pixels, so when the checkpoint was trained with dynamic binarization (or when
  asked) the test images are binarized once with a fixed seed (Salakhutdinov & Murray 2008).
  On grey images the numbers are still reported, flagged as not comparable with papers.
* Samples of VAEs and GANs: the Fréchet distance (Heusel et al. 2017, the formula of Dowson &
  Landau 1982) between the domain classifier's penultimate features
  (``latentlab.training.classifier``) of N generated images and N real test images. It works
  offline, without Inception, so it is comparable between LatentLab models on the same data
  but not with published FIDs.

``Evaluation.to_json()`` keys (stable; nats are natural-log units per image; a key whose
measure does not apply to the model, e.g. ``nll_iwae`` of a GAN, is null):

==========================  =====================================================================
format, version             "latentlab-evaluation", 1
model_kind, latent_dim      "vae" / "ae" / "dcgan", int
dataset, image_shape        the dataset's name, [C, H, W]
n_images                    test images evaluated (``n_test_images`` in the split)
n_test_images               test images in the dataset's split
binarized                   the likelihood was computed on test images binarized once
binarize_seed               the seed of that binarization (BINARIZE_SEED; null when not binarized)
comparable_to_papers        binarized and on the whole test split
note                        why the numbers are not comparable with papers ("" when they are)
seed                        the seed of the posterior samples and of the generated images
negative_elbo               −ELBO = reconstruction + kl (an upper bound on −log p(x))
reconstruction              E_q[−log p(x|z)], the mean over the k posterior samples
kl                          KL(q(z|x) ‖ N(0, I)), in closed form
nll_iwae                    −log (1/k Σ_i p(x|z_i) p(z_i) / q(z_i|x)), z_i ~ q(z|x): the IWAE bound
nll_iwae_stderr             standard error of nll_iwae's mean over the images
iwae_k                      k
active_units                latent dimensions with Var_x(E_q[z_d]) > active_threshold
active_threshold            0.01 (Burda et al. 2016)
posterior_mean_variance     per dimension: Var_x(E_q[z_d]) over the test images
kl_per_dim                  per dimension: the mean KL over the test images
mse_mean                    mean over images of the per-pixel squared error of the
                            reconstruction through the posterior mean (grey images, in [0, 1])
mse_histogram_edges         bin edges of the per-image MSE histogram (bins + 1 numbers)
mse_histogram_counts        images per bin
mse_worst_indices           dataset indices of the worst-reconstructed test images, worst first
frechet_distance            FD between classifier features of generated and real test images
fd_samples                  N, the images on each side
fd_train_vs_test            FD between N training and N test images: the floor to compare with
classifier_test_accuracy    the domain classifier's own accuracy on its held-out images
seconds                     wall time of the evaluation
==========================  =====================================================================
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from latentlab.data import ImageSet
from latentlab.models import Autoencoder, DomainClassifier, LatentModel, VariationalAutoencoder
from latentlab.training.checkpoint import Checkpoint
from latentlab.training.classifier import (
    ClassifierError,
    ClassifierProgress,
    TrainedClassifier,
    classifier_features,
    load_or_train_classifier,
)
from latentlab.training.trainer import binarize_images

FORMAT_NAME = "latentlab-evaluation"
FORMAT_VERSION = 1
DEFAULT_K = 1000
DEFAULT_FD_SAMPLES = 10_000
ACTIVE_THRESHOLD = 0.01  # Burda et al. (2016), section 5.2
# The binarized test set is part of the data, not of the Monte Carlo noise: one fixed draw,
# whatever ``seed`` an evaluation uses, so evaluations with different seeds share it.
BINARIZE_SEED = 0
# Decoder outputs (floats) computed at once for the IWAE bound; the conv decoder's hidden
# activations are ~12× its output. On a CPU, small calls win: glibc hands big tensors out as
# fresh mmaps, and faulting their pages in cost a third of the time. For the MNIST conv VAE on
# 2 cores, 2**16 (83 samples a call) ran ~21,000 samples/s, 2**20 (1,337 a call) ~14,000.
# GPUs want large calls; 2**24 keeps one chunk under ~1 GB there.
MAX_DECODER_FLOATS_CPU = 2**16
MAX_DECODER_FLOATS_GPU = 2**24
MSE_BINS = 40
WORST_SHOWN = 16
_IMAGE_BATCH = 256  # for passes without k samples (reconstructions, generated samples)

Phase = Literal["likelihood", "reconstruction", "classifier", "samples", "features"]
_Steps = Generator["EvaluationProgress", None, dict[str, Any]]  # yields progress, returns fields


class EvaluationError(ValueError):
    """The evaluation cannot run as asked; the message says why."""


class EvaluationStopped(EvaluationError):
    """``should_stop`` returned True; no Evaluation was produced."""


@dataclass(frozen=True)
class EvaluationProgress:
    """Work done in one phase: ``done`` of ``total`` (images, or steps for 'classifier')."""

    phase: Phase
    done: int
    total: int


@dataclass(frozen=True, eq=False)  # eq=False: numpy fields have no single truth value
class Evaluation:
    """Everything ``evaluate`` measured; see the module docstring for the meaning of each
    number. Per-image arrays are in test-split order, matched by ``image_indices``."""

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
        return self.binarized and self.n_images == self.n_test_images

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
        """The numbers as plain JSON types, under the keys of the module docstring."""
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


# -- the generator --------------------------------------------------------------------------------


def evaluate(
    model: LatentModel | Checkpoint,
    dataset: ImageSet,
    *,
    k: int | None = None,
    max_images: int | None = None,
    binarize: bool | None = None,
    fd_samples: int = DEFAULT_FD_SAMPLES,
    classifier: TrainedClassifier | None = None,
    seed: int = 0,
    max_decoder_floats: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[EvaluationProgress | Evaluation]:
    """Measure ``model`` (or a loaded checkpoint's model) on ``dataset``'s test split.

    ``k``: importance samples of the IWAE bound (VAEs; default DEFAULT_K; an error for models
    without a posterior). ``max_images``: the first N test images only (quick runs; the
    numbers are then flagged as not comparable). ``binarize``: None binarizes when the
    checkpoint was trained with ``TrainConfig.binarize``. ``fd_samples``: N of the Fréchet
    distance, capped at the test images evaluated; 0 skips it (and the classifier).
    ``max_decoder_floats``: decoder outputs per call of the IWAE pass (default by device).
    Requests that cannot run raise ``EvaluationError`` at the first ``next()``.
    ``classifier``: a trained domain classifier to use instead of the cached one. The model runs
    on its own device, in eval mode; every random draw comes from CPU generators seeded with
    ``seed`` (the binarization with BINARIZE_SEED), so the global RNG is left alone and a seed
    gives the same numbers on any device. The Fréchet distance equals
    ``generated_vs_real_fd(model, test_images, classifier, fd_samples, seed)``.
    """
    started = time.perf_counter()
    trained_binarized = False
    if isinstance(model, Checkpoint):
        config = model.training.train_config
        trained_binarized = bool(config is not None and config.binarize)
        model = model.model
    variational = has_posterior(model)
    _check_request(model, dataset, k=k, binarize=binarize, variational=variational)
    if max_images is not None and max_images < 1:
        raise EvaluationError(f"max_images must be at least 1, got {max_images}")
    if fd_samples < 0:
        raise EvaluationError(f"fd_samples must be >= 0, got {fd_samples}")
    if max_decoder_floats is None:
        on_cpu = model.device.type == "cpu"
        max_decoder_floats = MAX_DECODER_FLOATS_CPU if on_cpu else MAX_DECODER_FLOATS_GPU
    k = (k or DEFAULT_K) if variational else None
    use_binary = variational and (trained_binarized if binarize is None else binarize)
    stop = should_stop or (lambda: False)

    test_indices = dataset.test_mask.nonzero().flatten()
    n_test = len(test_indices)
    grey = dataset.images[test_indices]
    # The whole split is binarized before any cut, so a quick run sees the same pixels as the
    # first images of a full one.
    binary = _binarized_uint8(grey, BINARIZE_SEED) if use_binary else None
    if max_images is not None:
        test_indices, grey = test_indices[:max_images], grey[:max_images]
        binary = None if binary is None else binary[:max_images]

    was_training = model.training
    model.eval()
    try:
        fields: dict[str, Any] = {}
        if variational:
            fields = yield from _vae_measures(
                model, grey, binary, k=k, seed=seed, budget=max_decoder_floats, stop=stop
            )
        elif model.has_encoder:
            fields = yield from _reconstruction_errors(model, grey, stop)
        # A plain autoencoder's prior is not its latent distribution: no samples to judge.
        plain_autoencoder = isinstance(model, Autoencoder) and not variational
        n_fd = min(fd_samples, len(grey))  # a covariance needs 2 images on each side
        if n_fd >= 2 and not plain_autoencoder:
            fields |= yield from _sample_distances(
                model, dataset, grey, classifier, n_fd, seed, stop
            )
    finally:
        model.train(was_training)

    n = len(test_indices)
    yield Evaluation(
        model_kind=model.kind,
        latent_dim=model.latent_dim,
        dataset=dataset.name,
        image_shape=model.image_shape,
        n_images=n,
        n_test_images=n_test,
        binarized=use_binary,
        binarize_seed=BINARIZE_SEED if use_binary else None,
        note=_note(variational, use_binary, n, n_test),
        seed=seed,
        seconds=time.perf_counter() - started,
        image_indices=test_indices.numpy(),
        **fields,
    )


def has_posterior(model: LatentModel) -> bool:
    """Whether ``model`` offers what the likelihood bounds need: ``posterior(x) -> (mean,
    log-variance)`` of a diagonal Gaussian q(z|x) and ``decode_logits(z)`` of a Bernoulli
    decoder, as ``VariationalAutoencoder`` does (adapters may too)."""
    return callable(getattr(model, "posterior", None)) and callable(
        getattr(model, "decode_logits", None)
    )


def _check_request(
    model: LatentModel,
    dataset: ImageSet,
    *,
    k: int | None,
    binarize: bool | None,
    variational: bool,
) -> None:
    kind = f"{'an' if model.kind[0] in 'aeiou' else 'a'} {model.kind}"
    if k is not None and not variational:
        raise EvaluationError(
            f"{kind} model has no approximate posterior q(z|x), so it has no IWAE "
            "likelihood bound; leave out k (its samples are measured by the Fréchet distance)"
        )
    if k is not None and k < 1:
        raise EvaluationError(f"k must be at least 1, got {k}")
    if binarize and not variational:
        raise EvaluationError(
            f"binarization applies to the VAE likelihood, which {kind} model does not have"
        )
    if tuple(dataset.image_shape) != tuple(model.image_shape):
        raise EvaluationError(
            f"the model takes images of shape {model.image_shape} (C, H, W) but dataset "
            f"{dataset.name!r} has {dataset.image_shape}"
        )
    if not dataset.test_mask.any():
        raise EvaluationError(f"dataset {dataset.name!r} has no test split to evaluate on")


def _note(variational: bool, binarized: bool, n: int, n_test: int) -> str:
    reasons = []
    if variational and not binarized:
        reasons.append(
            "grey images under a Bernoulli likelihood: −log p(x) is not a likelihood of these "
            "images, so the nats are not comparable with published (binarized) tables"
        )
    if n < n_test:
        reasons.append(f"evaluated on {n:,} of the {n_test:,} test images")
    return "; ".join(reasons)


# -- VAE: ELBO, IWAE, activity, reconstructions ---------------------------------------------------


def _vae_measures(
    model: VariationalAutoencoder,
    grey: torch.Tensor,
    binary: torch.Tensor | None,
    *,
    k: int,
    seed: int,
    budget: int,
    stop: Callable[[], bool],
) -> _Steps:
    """The likelihood pass (ELBO terms, IWAE, activity) and the reconstruction pass."""
    device = model.device
    n, pixels = len(grey), math.prod(grey.shape[1:])
    images_per_batch, samples_per_chunk = iwae_chunking(k, pixels, budget)
    source = grey if binary is None else binary
    nll, neg_elbo, means, kls = [], [], [], []
    yield EvaluationProgress("likelihood", 0, n)
    for start in range(0, n, images_per_batch):
        x = _as_float(source[start : start + images_per_batch], device)
        noise = posterior_noise(seed, range(start, start + len(x)), k, model.latent_dim)
        result = importance_weighted_bound(
            model, x, k, samples_per_chunk=samples_per_chunk, noise=noise, should_stop=stop
        )
        nll.append(result.nll)
        neg_elbo.append(result.reconstruction + result.kl_per_dim.sum(1))
        means.append(result.mean)
        kls.append(result.kl_per_dim)
        yield EvaluationProgress("likelihood", min(start + images_per_batch, n), n)

    nll_all, elbo_all = np.concatenate(nll), np.concatenate(neg_elbo)
    mean_all, kl_all = np.concatenate(means), np.concatenate(kls)
    recon = float(elbo_all.mean() - kl_all.sum(1).mean())
    measures: dict[str, Any] = {
        "negative_elbo": float(elbo_all.mean()),
        "reconstruction": recon,
        "kl": float(kl_all.sum(1).mean()),
        "nll_iwae": float(nll_all.mean()),
        "nll_iwae_stderr": float(nll_all.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        "iwae_k": k,
        # Burda et al. (2016), section 5.2: a unit is active when its posterior mean moves with x.
        "posterior_mean_variance": mean_all.var(axis=0),
        "kl_per_dim": kl_all.mean(axis=0),
        "nll_iwae_per_image": nll_all,
        "negative_elbo_per_image": elbo_all,
    }
    measures |= yield from _reconstruction_errors(model, grey, stop)
    return measures


@dataclass(frozen=True, eq=False)
class BoundTerms:
    """Per image (float64 numpy arrays, B or B×latent_dim) for one batch."""

    nll: np.ndarray  # the IWAE bound on −log p(x)
    reconstruction: np.ndarray  # mean over the k samples of −log p(x|z_i)
    kl_per_dim: np.ndarray  # closed-form KL(q(z|x) ‖ N(0, I)) per dimension
    mean: np.ndarray  # E_q[z]


@torch.inference_mode()
def importance_weighted_bound(
    model: VariationalAutoencoder,
    x: torch.Tensor,
    k: int,
    *,
    samples_per_chunk: int | None = None,
    generator: torch.Generator | None = None,
    noise: torch.Tensor | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BoundTerms:
    """The IWAE bound of Burda et al. (2016), eq. 8, for a batch x (B×C×H×W in [0, 1]):

        −log p(x) ≤ −log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x) i.i.d.,

    with the Bernoulli decoder p(x|z) and the prior N(0, I). The k log-weights go through
    logsumexp in float64 (a few hundred nats each, so exp() would underflow in any precision),
    ``samples_per_chunk`` at a time. k = 1 is one sample of −ELBO. The standard normal noise
    ε (z = μ + σ·ε) is ``noise`` (k×B×latent_dim, e.g. ``posterior_noise``) when given, else
    drawn on the CPU from ``generator``, chunk by chunk.
    """
    device = x.device
    batch = x.shape[0]
    chunk = samples_per_chunk or k
    mean, log_var = model.posterior(x)  # B×d each
    mean, log_var = mean.float(), log_var.float()
    std = torch.exp(0.5 * log_var)
    kl_per_dim = 0.5 * (mean.pow(2) + log_var.exp() - 1 - log_var)  # Kingma & Welling, app. B
    x_flat = x.flatten(1)  # B×D
    chunk_lse, reconstruction = [], torch.zeros(batch, dtype=torch.float64, device=device)
    for start in range(0, k, chunk):
        if should_stop is not None and should_stop():
            raise EvaluationStopped("The evaluation was stopped.")
        s = min(chunk, k - start)
        if noise is not None:
            eps = noise[start : start + s].to(device)  # s×B×d
        else:
            eps = torch.randn(s, batch, mean.shape[1], generator=generator).to(device)
        z = mean + std * eps  # s×B×d
        logits = model.decode_logits(z.reshape(s * batch, -1)).float().reshape(s, batch, -1)
        log_px = -_bernoulli_nll(logits, x_flat)  # s×B
        # log p(z) − log q(z|x): the log 2π terms cancel, and (z − μ)/σ is ε.
        log_prior_ratio = -0.5 * (z.pow(2) - eps.pow(2) - log_var).sum(-1)  # s×B
        log_w = (log_px + log_prior_ratio).double()
        chunk_lse.append(torch.logsumexp(log_w, dim=0))  # B
        reconstruction -= log_px.double().sum(0)
    log_mean_w = torch.logsumexp(torch.stack(chunk_lse), dim=0) - math.log(k)
    return BoundTerms(
        nll=(-log_mean_w).cpu().numpy(),
        reconstruction=(reconstruction / k).cpu().numpy(),
        kl_per_dim=kl_per_dim.double().cpu().numpy(),
        mean=mean.double().cpu().numpy(),
    )


def posterior_noise(seed: int, positions: Iterable[int], k: int, latent_dim: int) -> torch.Tensor:
    """Standard normal draws k×B×latent_dim for the test images at ``positions``, each image's
    from a CPU generator of its own seeded by (seed, position): an image gets the same samples
    however the images are batched or the samples chunked, on any device, so a run on the first
    N images repeats the first N of a full run."""
    draws = [
        torch.randn(k, latent_dim, generator=torch.Generator().manual_seed(seed * 2**32 + i))
        for i in positions
    ]
    return torch.stack(draws, dim=1)


def iwae_chunking(k: int, pixels: int, max_decoder_floats: int) -> tuple[int, int]:
    """(images per batch, samples per decoder call) keeping images × samples × pixels within
    ``max_decoder_floats``: several whole images when k is small, else one image in chunks."""
    per_image = k * pixels
    if per_image <= max_decoder_floats:
        return max(1, min(_IMAGE_BATCH, max_decoder_floats // per_image)), k
    return 1, max(1, max_decoder_floats // pixels)


def _bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """−log p(x|z) per sample, summed over the last axis; the stable form used in training
    (``bernoulli_reconstruction_loss``), without its batch mean."""
    return (torch.relu(logits) - x * logits + torch.log1p(torch.exp(-logits.abs()))).sum(-1)


def _reconstruction_errors(
    model: LatentModel, grey: torch.Tensor, stop: Callable[[], bool]
) -> _Steps:
    """Per-image MSE of the reconstruction through the latent mean, on the grey images (also
    for binarized evaluations: what a user looks at), and its histogram."""
    n = len(grey)
    errors = []
    yield EvaluationProgress("reconstruction", 0, n)
    for start in range(0, n, _IMAGE_BATCH):
        if stop():
            raise EvaluationStopped("The evaluation was stopped.")
        with torch.inference_mode():
            x = _as_float(grey[start : start + _IMAGE_BATCH], model.device)
            recon = model.decode(model.encode(x)).float()
            errors.append((recon - x).pow(2).flatten(1).mean(1).double().cpu().numpy())
        yield EvaluationProgress("reconstruction", min(start + _IMAGE_BATCH, n), n)
    mse = np.concatenate(errors)
    counts, edges = np.histogram(mse, bins=MSE_BINS, range=(0.0, max(float(mse.max()), 1e-12)))
    return {"mse_per_image": mse, "mse_histogram_edges": edges, "mse_histogram_counts": counts}


# -- samples: the Fréchet distance on classifier features ----------------------------------------


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
) -> _Steps:
    if dataset.labels is None:
        return {}  # no labels, no classifier: the distance is left out (null in the JSON)
    if classifier is None:
        try:
            for record in load_or_train_classifier(dataset, should_stop=stop):
                if isinstance(record, ClassifierProgress):
                    yield EvaluationProgress("classifier", record.step, record.total_steps)
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

    yield EvaluationProgress("samples", 0, n)
    fake_chunks = []
    for chunk in _generated_chunks(model, n, seed):
        fake_chunks.append(chunk)
        yield EvaluationProgress("samples", sum(len(c) for c in fake_chunks), n)
        if stop():
            raise EvaluationStopped("The evaluation was stopped.")
    fake = torch.cat(fake_chunks)

    # The reference: as many training images (a seeded random choice) against the same test
    # images. FD is biased upwards at small N, so only distances at equal N compare.
    train_indices = (~dataset.test_mask).nonzero().flatten()
    n_ref = min(n, len(train_indices))
    pick = torch.randperm(len(train_indices), generator=torch.Generator().manual_seed(seed))
    steps = 3 if n_ref >= 2 else 2
    yield EvaluationProgress("features", 0, steps)
    fake_features = classifier_features(net, fake)
    yield EvaluationProgress("features", 1, steps)
    real_features = classifier_features(net, real[:n])
    yield EvaluationProgress("features", 2, steps)
    reference = None
    if n_ref >= 2:
        train_features = classifier_features(net, dataset.images[train_indices[pick[:n_ref]]])
        reference = frechet_distance(train_features, real_features[:n_ref])
        yield EvaluationProgress("features", 3, steps)
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


# -- helpers --------------------------------------------------------------------------------------


def _binarized_uint8(images: torch.Tensor, seed: int) -> torch.Tensor:
    """Stochastic binarization of uint8 images, once, with a fixed seed: 0 or 255."""
    generator = torch.Generator().manual_seed(seed)
    binary = binarize_images(images.float().div_(255), generator=generator)
    return binary.mul_(255).to(torch.uint8)


def _as_float(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    return images.to(device, non_blocking=True).float().div_(255)


def _as_list(values: np.ndarray | None) -> list | None:
    return None if values is None else values.tolist()
