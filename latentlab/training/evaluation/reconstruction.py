"""The reconstruction pass: each test image's squared error through the latent mean, and their
histogram."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from latentlab.models import LatentModel
from latentlab.models.conditional import reconstruct
from latentlab.training.evaluation.images import _IMAGE_BATCH, _as_float
from latentlab.training.evaluation.progress import PhaseMeter
from latentlab.training.evaluation.records import EvaluationStopped, _Steps

MSE_BINS = 40


def _reconstruction_errors(
    model: LatentModel,
    grey: torch.Tensor,
    stop: Callable[[], bool],
    clock: Callable[[], float] = time.perf_counter,
) -> _Steps:
    """Per-image MSE of the reconstruction through the latent mean, on the grey images (also
    for binarized evaluations: what a user looks at), and its histogram."""
    n = len(grey)
    errors = []
    meter = PhaseMeter("reconstruction", n, clock)
    yield meter.at(0)
    for start in range(0, n, _IMAGE_BATCH):
        if stop():
            raise EvaluationStopped("The evaluation was stopped.")
        with torch.inference_mode():
            x = _as_float(grey[start : start + _IMAGE_BATCH], model.device)
            recon = reconstruct(model, x).float()
            errors.append((recon - x).pow(2).flatten(1).mean(1).double().cpu().numpy())
        yield meter.at(min(start + _IMAGE_BATCH, n))
    mse = np.concatenate(errors)
    counts, edges = np.histogram(mse, bins=MSE_BINS, range=(0.0, max(float(mse.max()), 1e-12)))
    return {"mse_per_image": mse, "mse_histogram_edges": edges, "mse_histogram_counts": counts}
