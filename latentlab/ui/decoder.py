"""Interactive decoding on a worker thread, where the latest request wins.

Each request says what it is for (a ``DecodePurpose``: a preview, a hover, a backdrop, ...),
and the result carries that purpose back. Each purpose's *channel* holds at most one pending
request: a new one replaces the old before it is started, so a burst of mouse or slider events
never queues stale work, and the last image shown is the one for where the mouse stopped.

Work that comes with a decode runs on the worker too: turning a map position into a latent
(``make_latents``: a learned inverse is a small network) and naming what the image looks like
(``labeller``: the domain classifier), so the GUI thread only shows the result.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from latentlab.openmp_threads import one_openmp_thread
from latentlab.session.decode_purposes import INTERACTIVE_PURPOSES, DecodePurpose

Labeller = Callable[[np.ndarray], "str | None"]  # one H×W×C uint8 image -> a class name


@dataclass(frozen=True)
class DecodeRequest:
    purpose: DecodePurpose  # returned untouched with the result
    model: Any  # a LatentModel in eval mode, used read-only
    latents: np.ndarray | None  # N×D float32 (None: made by ``make_latents`` on the worker)
    make_latents: Callable[[], np.ndarray] | None = None
    labeller: Labeller | None = None  # names the first image, on the worker
    issued_at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class DecodeResult:
    purpose: DecodePurpose  # the request's
    images: np.ndarray  # N×H×W×C uint8
    latents: np.ndarray
    decode_ms: float  # time spent in the model
    latency_ms: float  # from the request to the result being ready
    label: str | None = None  # what the labeller saw in the first image


class LatentSizeError(ValueError):
    """A latent of another model's size was sent to a decoder."""


def check_latent_size(model: Any, latents: np.ndarray) -> np.ndarray:
    """``latents`` as N×D float32, or LatentSizeError when D is not the model's latent size."""
    latents = np.atleast_2d(np.asarray(latents, dtype=np.float32))
    expected = getattr(model, "latent_dim", latents.shape[1])
    if latents.ndim != 2 or latents.shape[1] != expected:
        raise LatentSizeError(
            f"a latent of size {latents.shape[-1]} cannot be decoded by a model of latent size "
            f"{expected}"
        )
    return latents


# Up to this many images, a decode runs on one OpenMP thread. Split over two cores, one
# image took ~4 ms on the worker instead of ~1.3 ms: the second half waited for the core the
# GUI thread was painting on. Bigger batches (backdrops, strips) keep every core.
SINGLE_THREAD_MAX_IMAGES = 8

# Served first when several channels wait (see INTERACTIVE_PURPOSES).
INTERACTIVE_CHANNELS = tuple(purpose.channel for purpose in INTERACTIVE_PURPOSES)


def _priority(channel: str) -> int:
    if channel in INTERACTIVE_CHANNELS:
        return INTERACTIVE_CHANNELS.index(channel)
    return len(INTERACTIVE_CHANNELS)


class _DecodeWorker(QObject):
    decoded = Signal(object)  # DecodeResult
    failed = Signal(str, str)  # channel, message

    def __init__(self, pending: dict[str, DecodeRequest], lock: threading.Lock) -> None:
        super().__init__()
        self._pending = pending
        self._lock = lock

    @Slot()
    def drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                request = self._pending.pop(min(self._pending, key=_priority))
            try:
                with self._threads_for(request):
                    result = _serve(request)
            except Exception as error:  # shown to the user; the worker keeps serving
                self.failed.emit(request.purpose.channel, f"{type(error).__name__}: {error}")
                continue
            self.decoded.emit(result)

    def _threads_for(self, request: DecodeRequest) -> contextlib.AbstractContextManager:
        """One OpenMP thread for a small decode, on this thread only."""
        latents = request.latents
        small = latents is None or len(latents) <= SINGLE_THREAD_MAX_IMAGES
        return one_openmp_thread() if small else contextlib.nullcontext()


def _serve(request: DecodeRequest) -> DecodeResult:
    from latentlab.projection import decode_latents

    latents = request.make_latents() if request.make_latents is not None else request.latents
    latents = check_latent_size(request.model, latents)
    started = time.perf_counter()
    images = decode_latents(request.model, latents)
    done = time.perf_counter()
    label = None
    if request.labeller is not None:
        try:
            label = request.labeller(images[0])
        except Exception:  # the caption loses its "looks like"; the image is still shown
            label = None
    return DecodeResult(
        purpose=request.purpose,
        images=images,
        latents=latents,
        decode_ms=(done - started) * 1000,
        latency_ms=(time.perf_counter() - request.issued_at) * 1000,
        label=label,
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

    def request(
        self,
        purpose: DecodePurpose,
        model: Any,
        latents: np.ndarray | None,
        *,
        make_latents: Callable[[], np.ndarray] | None = None,
        labeller: Labeller | None = None,
    ) -> None:
        """Decode ``latents`` (N×D or D; or what ``make_latents()`` returns, on the worker)
        for ``purpose``, replacing the pending request of its channel if the worker has not
        started it yet. Latents of another size than the model's raise LatentSizeError here,
        before anything is queued."""
        if latents is not None:
            latents = check_latent_size(model, latents)
        pending = DecodeRequest(
            purpose, model, latents, make_latents=make_latents, labeller=labeller
        )
        with self._lock:
            idle = not self._pending
            self._pending[purpose.channel] = pending
        if idle:  # a busy worker drains the queue by itself; only wake an idle one
            self._wake.emit()

    def discard_pending(self) -> None:
        """Forget requests not started yet (the model they were made for is gone)."""
        with self._lock:
            self._pending.clear()

    def shutdown(self) -> None:
        """Drop pending work and stop the thread (waits for the decode in progress)."""
        self.discard_pending()
        self._thread.quit()
        self._thread.wait()
