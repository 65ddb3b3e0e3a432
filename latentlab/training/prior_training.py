"""Training a diffusion prior on an autoencoder's codes, as a generator of progress records
(the CLI, the app and the tests drive the same loop; ``should_stop`` is read between steps)."""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from latentlab.config import ConfigError
from latentlab.models.diffusion import DiffusionPrior, DiffusionPriorConfig

LOSS_SMOOTHING = 0.98  # the reported loss: an exponential average over the last ~50 steps


@dataclass(frozen=True, kw_only=True)
class PriorTrainConfig:
    steps: int = 4000
    batch_size: int = 256
    learning_rate: float = 2e-3  # Adam's, decayed along a cosine to a tenth by the last step
    ema_decay: float = 0.999  # sampling uses an average of the weights (Ho et al. 2020, §4)
    seed: int = 0
    report_every: int = 20  # steps between progress records

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "report_every"):
            if not 1 <= getattr(self, name) <= 10**9:
                raise ConfigError(f"{name} must be a positive whole number")
        if not 0 < self.learning_rate < 1:
            raise ConfigError(f"learning_rate must be in (0, 1), got {self.learning_rate}")
        if not 0 <= self.ema_decay < 1:
            raise ConfigError(f"ema_decay must be in [0, 1), got {self.ema_decay}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> PriorTrainConfig:
        if not isinstance(data, dict) or set(data) - {f.name for f in dataclasses.fields(cls)}:
            raise ConfigError("a diffusion prior's training settings are not readable")
        try:
            return cls(**data)
        except TypeError as error:
            raise ConfigError(f"a diffusion prior's training settings: {error}") from None


@dataclass(frozen=True)
class PriorStep:
    """Progress: ``step`` of ``total_steps`` done, the smoothed loss."""

    step: int
    total_steps: int
    loss: float
    elapsed_seconds: float


@dataclass(frozen=True)
class PriorTrained:
    """The loop ended: at its last step, or earlier because a stop was asked for."""

    step: int
    total_steps: int
    loss: float
    elapsed_seconds: float
    stopped: bool


@dataclass(frozen=True)
class PriorResumeState:
    """What continuing a run needs beyond the averaged weights: the raw weights, Adam's
    state, the batch generator's state, and where it stood."""

    weights: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    rng: torch.Tensor
    step: int
    loss: float
    elapsed_seconds: float


class PriorTrainer:
    """Fits a DiffusionPrior to ``latents`` (N×D, the autoencoder's posterior means of the
    training split) and their ``labels`` (N, or None), on the CPU (the codes are small)."""

    def __init__(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None,
        prior_config: DiffusionPriorConfig,
        train_config: PriorTrainConfig,
        *,
        resume_from: tuple[DiffusionPrior, PriorResumeState] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        if latents.ndim != 2 or latents.shape[1] != prior_config.latent_dim:
            raise ValueError(
                f"codes must be N×{prior_config.latent_dim}, got {tuple(latents.shape)}"
            )
        if len(latents) < 2:
            raise ValueError("a diffusion prior needs at least two codes to learn from")
        self.latents = latents.float()
        self.labels = labels.long() if labels is not None and prior_config.conditional else None
        self.prior_config, self.train_config = prior_config, train_config
        self.should_stop = should_stop
        with torch.random.fork_rng():  # the same seed starts from the same weights
            torch.manual_seed(train_config.seed)
            self.model = DiffusionPrior(prior_config)
        self.generator = torch.Generator().manual_seed(train_config.seed)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=train_config.learning_rate)
        self.step, self.loss, self.elapsed_seconds = 0, math.nan, 0.0
        if resume_from is None:
            self.model.fit_scale(self.latents)
            self.ema = copy.deepcopy(self.model).requires_grad_(False).eval()
        else:
            averaged, state = resume_from
            self.model.load_state_dict(state.weights)
            self.ema = copy.deepcopy(averaged).requires_grad_(False).eval()
            self.optimizer.load_state_dict(state.optimizer)
            self.generator.set_state(state.rng)
            self.step, self.loss = state.step, state.loss
            self.elapsed_seconds = state.elapsed_seconds

    @property
    def total_steps(self) -> int:
        return self.train_config.steps

    def run(self) -> Iterator[PriorStep | PriorTrained]:
        """Train until ``total_steps`` (or a stop); yields PriorStep every ``report_every``
        steps and one PriorTrained at the end."""
        config = self.train_config
        started = time.perf_counter() - self.elapsed_seconds
        batch = min(config.batch_size, len(self.latents))
        self.model.train()
        while self.step < self.total_steps and not self.should_stop():
            rows = torch.randint(0, len(self.latents), (batch,), generator=self.generator)
            labels = None if self.labels is None else self.labels[rows]
            for group in self.optimizer.param_groups:
                group["lr"] = self._learning_rate()
            loss = self.model.loss(self.latents[rows], labels, generator=self.generator)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the diffusion prior's loss became {loss.item()} at step {self.step + 1}; "
                    "try a lower learning rate"
                )
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self._update_average()
            self.step += 1
            value = float(loss.item())
            smoothing = LOSS_SMOOTHING if math.isfinite(self.loss) else 0.0
            self.loss = smoothing * self.loss + (1 - smoothing) * value if smoothing else value
            self.elapsed_seconds = time.perf_counter() - started
            if self.step % config.report_every == 0 or self.step == self.total_steps:
                yield PriorStep(self.step, self.total_steps, self.loss, self.elapsed_seconds)
        self.model.eval()
        yield PriorTrained(
            self.step,
            self.total_steps,
            self.loss,
            self.elapsed_seconds,
            stopped=self.step < self.total_steps,
        )

    def resume_state(self) -> PriorResumeState:
        return PriorResumeState(
            weights={k: v.detach().clone() for k, v in self.model.state_dict().items()},
            optimizer=copy.deepcopy(self.optimizer.state_dict()),
            rng=self.generator.get_state(),
            step=self.step,
            loss=self.loss,
            elapsed_seconds=self.elapsed_seconds,
        )

    def _learning_rate(self) -> float:
        progress = self.step / max(self.total_steps, 1)
        lowest = 0.1 * self.train_config.learning_rate
        return lowest + 0.5 * (self.train_config.learning_rate - lowest) * (
            1 + math.cos(math.pi * progress)
        )

    @torch.no_grad()
    def _update_average(self) -> None:
        # Warm-up as in Tarvainen & Valpola (2017): early steps average over fewer steps.
        decay = min(self.train_config.ema_decay, (1 + self.step) / (10 + self.step))
        for averaged, current in zip(self.ema.parameters(), self.model.parameters(), strict=True):
            averaged.lerp_(current, 1 - decay)
