"""Progress of an evaluation phase with its rate and ETA measured so far, and how a progress
record reads as text (the terminal's line and the Metrics panel's say the same)."""

from __future__ import annotations

from collections.abc import Callable

from latentlab.record_text import format_duration
from latentlab.training.evaluation.records import EvaluationProgress, Phase

PHASE_NAMES: dict[str, str] = {
    "timing": "timing a first chunk of the IWAE pass to fit the time budget",
    "likelihood": "ELBO and IWAE bound",
    "reconstruction": "reconstruction errors",
    "classifier": "training the domain classifier (once per dataset; cached)",
    "samples": "generating samples for the Fréchet distance",
    "features": "classifier features for the Fréchet distance",
}
_STEP_PHASES = ("classifier", "features")


class PhaseMeter:
    """Makes the progress records of one phase: the rate is the work done since the phase
    began over the time since (``clock``, seconds), the ETA the rest of the work at that rate."""

    def __init__(
        self, phase: Phase, total: int, clock: Callable[[], float], detail: str = ""
    ) -> None:
        self.phase, self.total, self.detail = phase, total, detail
        self._clock = clock
        self._started = clock()

    def at(self, done: int) -> EvaluationProgress:
        elapsed = self._clock() - self._started
        per_second = eta = None
        if done > 0 and elapsed > 0:
            per_second = done / elapsed
            eta = max(self.total - done, 0) / per_second
        return EvaluationProgress(
            self.phase, done, self.total, eta_seconds=eta, per_second=per_second, detail=self.detail
        )


def phase_name(record: EvaluationProgress) -> str:
    """'ELBO and IWAE bound, k = 64'."""
    name = PHASE_NAMES.get(record.phase, record.phase)
    return f"{name}, {record.detail}" if record.detail else name


def progress_text(record: EvaluationProgress) -> str:
    """'ELBO and IWAE bound, k = 64: 640/2,000 images (32%), 21 images/s, ETA 1:04'."""
    if record.phase == "timing":  # a second or so, whose length is the measurement
        return f"{phase_name(record)}..."
    unit = "steps" if record.phase in _STEP_PHASES else "images"
    share = record.done / max(record.total, 1)
    text = f"{phase_name(record)}: {record.done:,}/{record.total:,} {unit} ({share:.0%})"
    if record.per_second is not None and record.eta_seconds is not None:
        rate = record.per_second
        rate_text = f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"
        text += f", {rate_text} {unit}/s, ETA {format_duration(record.eta_seconds)}"
    return text
