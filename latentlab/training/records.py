"""Typed progress records the training loop yields: small, immutable, safe across threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class StepProgress:
    """Losses averaged over the steps since the previous record."""

    epoch: int  # 0-based
    epochs: int
    step: int  # global optimisation steps done so far
    total_steps: int
    losses: dict[str, float]
    images_per_second: float
    eta_seconds: float

    @property
    def fraction_done(self) -> float:
        return self.step / max(self.total_steps, 1)


@dataclass(frozen=True)
class PreviewGrids:
    """Image grids as uint8 H×W×C arrays: samples from fixed noise, and test images (top of
    each pair of rows) above their reconstructions (None for models without an encoder)."""

    step: int
    samples: np.ndarray
    reconstructions: np.ndarray | None


@dataclass(frozen=True)
class EpochFinished:
    """One pass over the training set is done; ``losses`` are its means."""

    epoch: int
    epochs: int
    step: int
    losses: dict[str, float]
    checkpoint_path: str | None = None  # where the epoch was autosaved, if it was


@dataclass(frozen=True)
class CheckpointSaved:
    path: str
    step: int


@dataclass(frozen=True)
class TrainingFinished:
    """The last record of every run. ``status`` says why it ended, ``message`` says it to a user."""

    status: Literal["completed", "stopped", "failed"]
    message: str
    step: int
    losses: dict[str, float] = field(default_factory=dict)


ProgressRecord = StepProgress | PreviewGrids | EpochFinished | CheckpointSaved | TrainingFinished
