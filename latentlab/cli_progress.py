"""Progress of ``latentlab train`` and ``latentlab eval`` in the terminal: one redrawn line on a
terminal, plain lines when not on one."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TextIO

from latentlab.record_text import format_duration, format_losses
from latentlab.training import EpochFinished, StepProgress
from latentlab.training.evaluation import EvaluationPlan, EvaluationProgress, progress_text


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


class EvaluationPrinter:
    """Drives an evaluation, saying on stderr what k and images it chose and, per phase, the
    progress with the measured rate and ETA: a line redrawn at most 5 times a second on a
    terminal, else a line when a phase begins and at each quarter of it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()

    def run(self, steps: Iterable):
        """Every record of ``steps`` shown; returns the last one (the Evaluation)."""
        phase, quarter, last_draw, record = None, 0, 0.0, None
        try:
            for record in steps:
                if isinstance(record, EvaluationPlan):
                    self._clear()
                    self._line(f"settings: {record.text()}")
                if not isinstance(record, EvaluationProgress):
                    continue
                if record.phase != phase:
                    phase, quarter = record.phase, 0
                    if not self.live:
                        self._line(progress_text(record))
                reached = 4 * record.done // max(record.total, 1)
                now = time.perf_counter()
                if self.live and (now - last_draw > 0.2 or record.done == record.total):
                    last_draw = now
                    self.stream.write(f"\r{progress_text(record)}\x1b[K")
                    self.stream.flush()
                elif not self.live and reached > quarter and record.phase != "timing":
                    self._line(progress_text(record))  # (timing's one line says it all)
                quarter = max(quarter, reached)
        finally:
            self._clear()
        return record

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def stop_once(control, previous) -> None:
    """A first Ctrl-C: ask ``control`` to stop between steps (the run saves what it has); the
    handler ``previous`` takes the next one, which interrupts at once."""
    import signal
    import sys

    print("\nstopping after this step (Ctrl-C again to abort)...", file=sys.stderr)
    control.stop()
    signal.signal(signal.SIGINT, previous)
