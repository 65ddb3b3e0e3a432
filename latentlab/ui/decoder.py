"""Interactive decoding on a worker thread, where the latest request wins.

Each *channel* ("preview", "hover", "interpolation", "backdrop", ...) holds at most one pending
request: a new one replaces the old before it is started, so a burst of mouse or slider events
never queues stale work, and the last image shown is the one for where the mouse stopped.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot


@dataclass(frozen=True)
class DecodeRequest:
    channel: str
    model: Any  # a LatentModel in eval mode, used read-only
    latents: np.ndarray  # N×D float32
    context: Any = None  # returned untouched with the result
    issued_at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class DecodeResult:
    channel: str
    images: np.ndarray  # N×H×W×C uint8
    latents: np.ndarray
    context: Any
    decode_ms: float  # time spent in the model
    latency_ms: float  # from the request to the result being ready


class _DecodeWorker(QObject):
    decoded = Signal(object)  # DecodeResult
    failed = Signal(str, str)  # channel, message

    def __init__(self, pending: dict[str, DecodeRequest], lock: threading.Lock) -> None:
        super().__init__()
        self._pending = pending
        self._lock = lock

    @Slot()
    def drain(self) -> None:
        from latentlab.projection import decode_latents

        while True:
            with self._lock:
                if not self._pending:
                    return
                request = self._pending.pop(next(iter(self._pending)))
            started = time.perf_counter()
            try:
                images = decode_latents(request.model, request.latents)
            except Exception as error:  # shown to the user; the worker keeps serving
                self.failed.emit(request.channel, f"{type(error).__name__}: {error}")
                continue
            done = time.perf_counter()
            self.decoded.emit(
                DecodeResult(
                    channel=request.channel,
                    images=images,
                    latents=request.latents,
                    context=request.context,
                    decode_ms=(done - started) * 1000,
                    latency_ms=(done - request.issued_at) * 1000,
                )
            )


class LatestRequestDecoder(QObject):
    """Decodes latents off the GUI thread; ``decoded`` / ``failed`` arrive on the GUI thread."""

    decoded = Signal(object)  # DecodeResult
    failed = Signal(str, str)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[str, DecodeRequest] = {}
        self._lock = threading.Lock()
        self._thread = QThread()
        self._thread.setObjectName("LatentLab decoder")
        self._worker = _DecodeWorker(self._pending, self._lock)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.drain)  # queued: runs on the worker thread
        self._worker.decoded.connect(self.decoded)
        self._worker.failed.connect(self.failed)
        self._thread.start()

    def request(self, channel: str, model: Any, latents: np.ndarray, context: Any = None) -> None:
        """Decode ``latents`` (N×D or D) on ``channel``, replacing that channel's pending
        request if the worker has not started it yet."""
        latents = np.atleast_2d(np.asarray(latents, dtype=np.float32))
        with self._lock:
            idle = not self._pending
            self._pending[channel] = DecodeRequest(channel, model, latents, context)
        if idle:  # a busy worker drains the queue by itself; only wake an idle one
            self._wake.emit()

    def shutdown(self) -> None:
        """Drop pending work and stop the thread (waits for the decode in progress)."""
        with self._lock:
            self._pending.clear()
        self._thread.quit()
        self._thread.wait()
