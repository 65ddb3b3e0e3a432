"""A one-line progress bar for ``latentlab train`` (plain lines when not on a terminal)."""

from __future__ import annotations

import sys
from typing import TextIO

from latentlab.record_text import format_duration, format_losses
from latentlab.training import EpochFinished, StepProgress


class ProgressPrinter:
    """Redraws one line per ``StepProgress`` on a terminal; prints a line per epoch always."""

    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stdout
        self.width = width
        self.live = self.stream.isatty()
        self._drawn = False

    def step(self, record: StepProgress) -> None:
        if not self.live:
            return
        filled = round(self.width * record.fraction_done)
        bar = "#" * filled + "-" * (self.width - filled)
        line = (
            f"\repoch {record.epoch + 1}/{record.epochs} [{bar}] {record.fraction_done:4.0%}  "
            f"{format_losses(record.losses)}  {record.images_per_second:,.0f} img/s  "
            f"ETA {format_duration(record.eta_seconds)}"
        )
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def epoch(self, record: EpochFinished) -> None:
        self.end_line()
        self.stream.write(
            f"epoch {record.epoch + 1}/{record.epochs}  step {record.step}  "
            f"{format_losses(record.losses)}\n"
        )
        self.stream.flush()

    def note(self, record) -> None:
        """A GAN's GanEpochQuality (a line per epoch) or GanWarning."""
        self.end_line()
        if hasattr(record, "frechet_distance"):
            floor = record.reference_distance
            census = record.census
            self.stream.write(
                f"  samples: Fréchet distance {record.frechet_distance:.2f}"
                + (f" (real images {floor:.2f})" if floor is not None else "")
                + f", {census.effective_classes:.1f} of {len(census.class_names)} classes\n"
            )
        else:
            self.stream.write(f"  {'warning' if record.active else 'note'}: {record.message}\n")
        self.stream.flush()

    def end_line(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
