"""Moving the map's points smoothly from where they are to where they belong."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

FRAME_MS = 16


class PointAnimation(QObject):
    """Eases the points of a LatentMap from their current positions to new ones.

    A new target while moving starts from wherever the points are, so streamed t-SNE steps
    blend into one motion."""

    stepped = Signal()  # the points moved (every frame, and once more at the end)
    finished = Signal()

    def __init__(self, latent_map, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.map = latent_map
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)
        self._start = self._target = None
        self._began = 0.0
        self._duration = 0.0

    def move_to(self, xy: np.ndarray, duration_ms: float) -> None:
        """Animate to ``xy`` (same point count as the map) over ``duration_ms``; 0 jumps."""
        xy = np.asarray(xy, dtype=np.float64)
        if duration_ms <= 0 or self.map.point_count() != len(xy):
            self.stop()
            self.map.move_points(xy)
            self.stepped.emit()
            self.finished.emit()
            return
        self._start = self.map.points.xy.copy()
        self._target = xy
        self._began = time.perf_counter()
        self._duration = duration_ms / 1000
        if not self._timer.isActive():
            self._timer.start()

    def is_running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        self._timer.stop()
        self._start = self._target = None

    def _frame(self) -> None:
        progress = min(1.0, (time.perf_counter() - self._began) / self._duration)
        eased = 1 - (1 - progress) ** 3  # ease out: fast start, gentle landing
        if progress >= 1.0:
            target = self._target
            self.stop()
            self.map.move_points(target)
            self.stepped.emit()
            self.finished.emit()
            return
        self.map.move_points(self._start + (self._target - self._start) * eased)
        self.stepped.emit()
