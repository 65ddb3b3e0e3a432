"""``evaluate``: check the request, binarize the test images when asked, run the passes that
apply to the model (likelihood, reconstruction, samples) and assemble the ``Evaluation``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from latentlab.data import ImageSet
from latentlab.models import Autoencoder, LatentModel
from latentlab.training.checkpoint import Checkpoint
from latentlab.training.classifier import TrainedClassifier
from latentlab.training.evaluation.frechet import _sample_distances
from latentlab.training.evaluation.images import _binarized_uint8
from latentlab.training.evaluation.likelihood import _vae_measures
from latentlab.training.evaluation.plan import PAPER_K, EvaluationPlan, plan_for_budget
from latentlab.training.evaluation.reconstruction import _reconstruction_errors
from latentlab.training.evaluation.records import Evaluation, EvaluationError, EvaluationProgress
from latentlab.training.evaluation.timing import _timed_rate

DEFAULT_K = 1000
DEFAULT_FD_SAMPLES = 10_000
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


def evaluate(
    model: LatentModel | Checkpoint,
    dataset: ImageSet,
    *,
    k: int | None = None,
    max_images: int | None = None,
    budget_seconds: float | None = None,
    binarize: bool | None = None,
    fd_samples: int = DEFAULT_FD_SAMPLES,
    classifier: TrainedClassifier | None = None,
    seed: int = 0,
    max_decoder_floats: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[EvaluationProgress | EvaluationPlan | Evaluation]:
    """Measure ``model`` (or a loaded checkpoint's model) on ``dataset``'s test split.

    ``k``: importance samples of the IWAE bound (VAEs; default DEFAULT_K; an error for models
    without a posterior). ``max_images``: the first N test images only (quick runs; the
    numbers are then flagged as not comparable). ``budget_seconds`` (VAEs): whichever of ``k``
    and ``max_images`` is None is chosen to fit this many seconds of IWAE pass, from the rate
    of a timed first chunk (``plan.plan_for_budget``). VAEs yield the ``EvaluationPlan``
    (what k and images, and why) before the likelihood pass. ``clock``: seconds, for the rate,
    the ETAs and the budget (tests pass a fake one). ``binarize``: None binarizes when the
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
    started = clock()
    trained_binarized = False
    if isinstance(model, Checkpoint):
        config = model.training.train_config
        trained_binarized = bool(config is not None and config.binarize)
        model = model.model
    variational = has_posterior(model)
    _check_request(model, dataset, k=k, binarize=binarize, variational=variational)
    if max_images is not None and max_images < 1:
        raise EvaluationError(f"max_images must be at least 1, got {max_images}")
    if budget_seconds is not None and not budget_seconds > 0:
        raise EvaluationError(f"the time budget must be positive, got {budget_seconds} s")
    if fd_samples < 0:
        raise EvaluationError(f"fd_samples must be >= 0, got {fd_samples}")
    if max_decoder_floats is None:
        on_cpu = model.device.type == "cpu"
        max_decoder_floats = MAX_DECODER_FLOATS_CPU if on_cpu else MAX_DECODER_FLOATS_GPU
    use_binary = variational and (trained_binarized if binarize is None else binarize)
    stop = should_stop or (lambda: False)

    test_indices = dataset.test_mask.nonzero().flatten()
    n_test = len(test_indices)
    grey = dataset.images[test_indices]
    # The whole split is binarized before any cut, so a quick run sees the same pixels as the
    # first images of a full one.
    binary = _binarized_uint8(grey, BINARIZE_SEED) if use_binary else None

    was_training = model.training
    model.eval()
    try:
        plan = None
        if variational:
            if budget_seconds is not None and (k is None or max_images is None):
                rate, spent = yield from _timed_rate(
                    model,
                    grey if binary is None else binary,
                    seed=seed,
                    budget=max_decoder_floats,
                    stop=stop,
                    clock=clock,
                )
                plan = plan_for_budget(
                    rate, n_test, budget_seconds, k=k, n_images=max_images, timing_seconds=spent
                )
            else:
                n_asked = n_test if max_images is None else min(max_images, n_test)
                plan = EvaluationPlan(k=k or DEFAULT_K, n_images=n_asked, n_test_images=n_test)
            yield plan
            max_images = plan.n_images
        if max_images is not None:
            test_indices, grey = test_indices[:max_images], grey[:max_images]
            binary = None if binary is None else binary[:max_images]

        fields: dict[str, Any] = {}
        if plan is not None:
            fields = yield from _vae_measures(
                model,
                grey,
                binary,
                k=plan.k,
                seed=seed,
                budget=max_decoder_floats,
                stop=stop,
                clock=clock,
            )
        elif model.has_encoder:
            fields = yield from _reconstruction_errors(model, grey, stop, clock)
        # A plain autoencoder's prior is not its latent distribution: no samples to judge.
        plain_autoencoder = isinstance(model, Autoencoder) and not variational
        n_fd = min(fd_samples, len(grey))  # a covariance needs 2 images on each side
        if n_fd >= 2 and not plain_autoencoder:
            fields |= yield from _sample_distances(
                model, dataset, grey, classifier, n_fd, seed, stop, clock
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
        note=_note(variational, use_binary, n, n_test, None if plan is None else plan.k),
        seed=seed,
        seconds=clock() - started,
        plan=plan,
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


def _note(variational: bool, binarized: bool, n: int, n_test: int, k: int | None) -> str:
    reasons = []
    if variational and not binarized:
        reasons.append(
            "grey images under a Bernoulli likelihood: −log p(x) is not a likelihood of these "
            "images, so the nats are not comparable with published (binarized) tables"
        )
    if n < n_test:
        reasons.append(f"evaluated on {n:,} of the {n_test:,} test images")
    if k is not None and k < PAPER_K:
        reasons.append(f"k = {k:,}, not the papers' {PAPER_K:,}: a looser IWAE bound")
    return "; ".join(reasons)
