"""The likelihood pass of VAEs: the ELBO and its terms, the importance-weighted (IWAE) bound on
−log p(x) with k samples, and the activity of each latent dimension."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from latentlab.models import VariationalAutoencoder
from latentlab.training.evaluation.images import _IMAGE_BATCH, _as_float
from latentlab.training.evaluation.progress import PhaseMeter
from latentlab.training.evaluation.reconstruction import _reconstruction_errors
from latentlab.training.evaluation.records import EvaluationStopped, _Steps


def _vae_measures(
    model: VariationalAutoencoder,
    grey: torch.Tensor,
    binary: torch.Tensor | None,
    *,
    k: int,
    seed: int,
    budget: int,
    stop: Callable[[], bool],
    clock: Callable[[], float],
) -> _Steps:
    """The likelihood pass (ELBO terms, IWAE, activity) and the reconstruction pass."""
    device = model.device
    n, pixels = len(grey), math.prod(grey.shape[1:])
    images_per_batch, samples_per_chunk = iwae_chunking(k, pixels, budget)
    source = grey if binary is None else binary
    nll, neg_elbo, means, kls = [], [], [], []
    meter = PhaseMeter("likelihood", n, clock, detail=f"k = {k:,}")
    yield meter.at(0)
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
        yield meter.at(min(start + images_per_batch, n))

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
    measures |= yield from _reconstruction_errors(model, grey, stop, clock)
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
