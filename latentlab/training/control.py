"""Pause, resume, stop and save requests for a running training loop, from any thread."""

from __future__ import annotations

import threading
from pathlib import Path


class TrainingControl:
    """Thread-safe switches the loop reads between steps.

    The loop calls ``wait_while_paused`` before each step: it blocks there while paused, and
    returns False once a stop was asked for.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._save_requests: list[Path] = []

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def request_checkpoint(self, path: str | Path) -> None:
        """Ask the loop to save a checkpoint at ``path`` before its next step."""
        with self._lock:
            self._save_requests.append(Path(path))

    def take_checkpoint_requests(self) -> list[Path]:
        with self._lock:
            requests, self._save_requests = self._save_requests, []
        return requests

    def wait_while_paused(self) -> bool:
        """Block while paused; True to go on, False when a stop was asked for."""
        self._running.wait()
        return not self._stop.is_set()
