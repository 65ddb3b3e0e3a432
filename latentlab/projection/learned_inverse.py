"""Map position -> latent by a small network trained to undo the projection (for t-SNE)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

HIDDEN = 256
FOURIER_FEATURES = 128
LEARNING_RATE = 3e-3
WARMUP_FRACTION = 0.02
# More passes over the points than this memorise the map's noise: on MNIST t-SNE maps of 300 to
# 2,500 points the held-out error grew by 5-25 % from 500 to 3,000 steps. MIN_STEPS lets Adam
# settle on tiny maps anyway.
MAX_EPOCHS = 60
MIN_STEPS = 500
# Weight of the roughness penalty (mean squared derivative of the standardised output, checked
# at random places on the whole map). Without it the Fourier features ripple through the empty
# gaps between t-SNE clusters, so a drag across a gap flickers through unrelated latents;
# 1e-3 made the gaps about 3× smoother on MNIST t-SNE maps for at most 3 % more held-out error.
SMOOTHNESS = 1e-3
SMOOTHNESS_STEP = 0.01  # finite-difference step, in units of the map's RMS radius
REPORT_EVERY = 50  # steps between progress records
INFERENCE_CHUNK = 8192  # rows per forward pass, so 70k points never need one huge activation
# Places far off the map are clamped to its bounding box grown by this fraction per side: the
# network was never shown them, and its Fourier features repeat out there.
EXTRAPOLATION_MARGIN = 0.1


@dataclass(frozen=True)
class InverseFitProgress:
    """Training of the inverse so far: ``loss`` is the mean squared error relative to the latent
    spread squared (about 1 for a constant guess), averaged since the previous record."""

    step: int
    total_steps: int
    loss: float

    @property
    def fraction_done(self) -> float:
        return self.step / max(self.total_steps, 1)


class FourierFeatures(nn.Module):
    """x -> [x, sin 2πxB, cos 2πxB] with fixed random frequencies B ~ N(0, σ²) (Tancik et al.
    2020, "Fourier Features Let Networks Learn High Frequency Functions in Low Dimensional
    Domains"): a plain MLP on 2-D input is too smooth to follow the fine grain of a t-SNE map."""

    def __init__(self, count: int, sigma: float, generator: torch.Generator) -> None:
        super().__init__()
        self.register_buffer("frequencies", torch.randn(2, count, generator=generator) * sigma)
        self.out_features = 2 + 2 * count

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phase = 2 * math.pi * x @ self.frequencies  # N×count
        return torch.cat([x, phase.sin(), phase.cos()], dim=1)  # N×(2 + 2·count)


class LearnedInverse:
    """A network map position -> latent (Fourier features -> 256 -> 256 -> D, SiLU), with the
    standardisation of both sides.

    Read-only after fitting, so one thread may build it and another call ``inverse``.
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        xy_mean: np.ndarray,
        xy_scale: float,
        xy_low: np.ndarray,
        xy_high: np.ndarray,
        latent_mean: np.ndarray,
        latent_scale: float,
        steps: int = 0,
        seconds: float = 0.0,
    ) -> None:
        self.network = network.eval().requires_grad_(False)
        self.xy_mean = torch.as_tensor(xy_mean, dtype=torch.float32)  # 2
        self.xy_scale = float(xy_scale)
        self.xy_low = torch.as_tensor(xy_low, dtype=torch.float32)  # 2, standardised units
        self.xy_high = torch.as_tensor(xy_high, dtype=torch.float32)
        self.latent_mean = torch.as_tensor(latent_mean, dtype=torch.float32)  # D
        self.latent_scale = float(latent_scale)
        self.steps = steps  # how it was trained, for reports
        self.seconds = seconds

    @property
    def latent_dim(self) -> int:
        return self.latent_mean.shape[0]

    @torch.inference_mode()
    def inverse(self, xy: np.ndarray) -> np.ndarray:
        """M×2 map coordinates -> M×D latents (float32)."""
        xy = torch.as_tensor(np.atleast_2d(np.asarray(xy, dtype=np.float32)))
        x = ((xy - self.xy_mean) / self.xy_scale).clamp(self.xy_low, self.xy_high)
        out = torch.cat([self.network(chunk) for chunk in x.split(INFERENCE_CHUNK)])
        return (out * self.latent_scale + self.latent_mean).numpy()


def fit_learned_inverse(
    xy: np.ndarray,
    latents: np.ndarray,
    *,
    seed: int = 0,
    max_seconds: float = 5.0,
    max_steps: int = 3000,
    batch_size: int = 256,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[InverseFitProgress | LearnedInverse]:
    """Train a LearnedInverse on (map position, latent) pairs; yield progress, then the inverse.

    Stops after ``max_steps`` (fewer on small maps, see MAX_EPOCHS) or ``max_seconds`` of
    training, whichever comes first; the learning rate follows whichever budget is further
    spent, so a run cut short by time still ends annealed. Deterministic for a given seed when
    ``max_seconds`` does not bind. Returns without an inverse once ``should_stop()`` is true.
    """
    started = time.perf_counter()
    xy = np.asarray(xy, dtype=np.float64)
    latents = np.asarray(latents, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or latents.ndim != 2 or len(xy) != len(latents):
        raise ValueError("need N×2 map positions and N×D latents with one row per point")
    if len(xy) == 0 or not (np.isfinite(xy).all() and np.isfinite(latents).all()):
        raise ValueError("need at least one point, with finite positions and latents")
    count = len(xy)
    total_steps = min(max_steps, max(MIN_STEPS, math.ceil(MAX_EPOCHS * count / batch_size)))

    xy_mean = xy.mean(axis=0)
    # One scale for both axes keeps the map's shape; unit RMS radius makes sigma below
    # independent of t-SNE's arbitrary units.
    xy_scale = max(_rms(xy - xy_mean) / math.sqrt(2), 1e-12)
    latent_mean = latents.mean(axis=0)
    # One scale for all dims (not a std per dim): the loss is then exactly the squared error
    # relative to the spread, which is what we judge, and a collapsed VAE dim (std ≈ 0, pure
    # noise) is not blown up into a unit-variance target the network would chase.
    latent_scale = max(_rms(latents - latent_mean) / math.sqrt(latents.shape[1]), 1e-12)
    x = torch.from_numpy(((xy - xy_mean) / xy_scale).astype(np.float32))  # N×2
    y = torch.from_numpy(((latents - latent_mean) / latent_scale).astype(np.float32))  # N×D

    low, high = x.min(dim=0).values, x.max(dim=0).values
    margin = EXTRAPOLATION_MARGIN * (high - low)
    low, high = low - margin, high + margin  # where the inverse will be asked

    generator = torch.Generator().manual_seed(seed)
    network = _build_network(latents.shape[1], _frequency_scale(count), generator)
    optimizer = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE)
    probes = max(batch_size // 4, 1)  # places per step where roughness is penalised
    loss_sum, losses_in_sum, step = 0.0, 0, 0
    # The clock starts here: a process's first fit spends about a second in torch's one-time
    # set-up above (optimizer, meta-device init), which should not eat into training.
    training_started = time.perf_counter()
    while step < total_steps:
        if should_stop is not None and should_stop():
            return
        spent = max(step / total_steps, (time.perf_counter() - training_started) / max_seconds)
        if spent >= 1.0:
            break
        for group in optimizer.param_groups:
            group["lr"] = LEARNING_RATE * _schedule(spent)
        # Sampling with replacement: the same code serves 300 points and 70k points.
        rows = torch.randint(count, (batch_size,), generator=generator)
        where = low + (high - low) * torch.rand(probes, 2, generator=generator)
        nudge = SMOOTHNESS_STEP * torch.randn(probes, 2, generator=generator)
        out = network(torch.cat([x[rows], where, where + nudge]))  # (batch + 2·probes)×D
        fit = nn.functional.mse_loss(out[:batch_size], y[rows])
        change = out[batch_size : batch_size + probes] - out[batch_size + probes :]
        roughness = (change.pow(2).mean(dim=1) / nudge.pow(2).sum(dim=1).clamp_min(1e-12)).mean()
        loss = fit + SMOOTHNESS * roughness
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        loss_sum += fit.item()
        losses_in_sum += 1
        if step % REPORT_EVERY == 0:
            yield InverseFitProgress(step, total_steps, loss_sum / losses_in_sum)
            loss_sum, losses_in_sum = 0.0, 0
    if losses_in_sum:
        yield InverseFitProgress(step, total_steps, loss_sum / losses_in_sum)
    if should_stop is not None and should_stop():
        return

    yield LearnedInverse(
        network,
        xy_mean=xy_mean,
        xy_scale=xy_scale,
        xy_low=low.numpy(),
        xy_high=high.numpy(),
        latent_mean=latent_mean,
        latent_scale=latent_scale,
        steps=step,
        seconds=time.perf_counter() - started,
    )


def learn_inverse(xy: np.ndarray, latents: np.ndarray, **kwargs) -> LearnedInverse:
    """Run ``fit_learned_inverse`` to the end and return the inverse."""
    records = list(fit_learned_inverse(xy, latents, **kwargs))
    if not records or not isinstance(records[-1], LearnedInverse):
        raise RuntimeError("fitting the inverse was stopped")
    return records[-1]


def _frequency_scale(count: int) -> float:
    """The spread σ of the Fourier frequencies, per unit of the map's RMS radius."""
    # More points pin down finer detail. Tuned on MNIST t-SNE maps: the best σ was about 0.1,
    # 0.3, 1, 1.5-3 and 3 at 300, 1k, 2.5k, 5k and 10k points. Capped because a few thousand
    # steps cannot learn finer detail anyway: at 70k points σ = 5-8 scored alike, 11-16 worse.
    return float(np.clip(3.0 * (count / 10_000) ** 0.9, 0.1, 6.0))


def _build_network(latent_dim: int, sigma: float, generator: torch.Generator) -> nn.Sequential:
    features = FourierFeatures(FOURIER_FEATURES, sigma, generator)
    # skip_init + our own generator: seeded, and the global RNG (which a training run on
    # another thread may be drawing from) is left alone.
    linears = [
        torch.nn.utils.skip_init(nn.Linear, features.out_features, HIDDEN),
        torch.nn.utils.skip_init(nn.Linear, HIDDEN, HIDDEN),
        torch.nn.utils.skip_init(nn.Linear, HIDDEN, latent_dim),
    ]
    with torch.no_grad():
        for layer in linears:
            # PyTorch's default Linear init: U(-1/√fan_in, 1/√fan_in) for weight and bias.
            bound = 1.0 / math.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
    # SiLU rather than ReLU: a smooth map, so dragging across the map morphs without kinks.
    return nn.Sequential(
        features,  # N×2 -> N×258
        linears[0],  # -> N×256
        nn.SiLU(),
        linears[1],  # -> N×256
        nn.SiLU(),
        linears[2],  # -> N×D
    )


def _schedule(spent: float) -> float:
    """Learning-rate factor: a short linear warm-up, then cosine decay to zero."""
    if spent < WARMUP_FRACTION:
        return max(spent, 1e-3) / WARMUP_FRACTION
    return 0.5 * (1.0 + math.cos(math.pi * (spent - WARMUP_FRACTION) / (1 - WARMUP_FRACTION)))


def _rms(centred: np.ndarray) -> float:
    """Root mean squared row norm."""
    return float(np.sqrt((centred**2).sum(axis=1).mean()))
