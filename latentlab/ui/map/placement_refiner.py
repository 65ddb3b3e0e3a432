"""Refining, on a worker, where new latents sit on a non-linear map."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from latentlab.jobs.maps import placement_job
from latentlab.ui.background import start_job


class PlacementRefiner(QObject):
    """On a t-SNE map, paths and markers are drawn at once from their nearest data points;
    this places them again with openTSNE's optimisation (seconds) and reports the result. On a
    map of image features it places them in the first place (their images are decoded and
    featurized, too slow for the GUI thread).

    One job at a time; for each name only the newest request is kept, so dragging keypoints
    around never queues stale work.
    """

    placed = Signal(str, object, object, object)  # name, LatentMapData placed on, M×2 xy, tag
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[str, tuple[Any, Any, Any]] = {}
        self._worker = None
        self._shut_down = False

    def request(self, name: str, data: Any, latents: Any, tag: Any = None) -> None:
        """Place ``latents`` on ``data``'s map (no-op for maps placed exactly already).
        ``tag`` comes back with the result, so a late answer can be told from a current one."""
        if not (data.can_refine or not data.instant_placement) or self._shut_down:
            return
        self._pending[name] = (data, latents, tag)
        self._start_next()

    def forget(self, name: str) -> None:
        self._pending.pop(name, None)

    def forget_all(self) -> None:
        """Drop every request not started (their map is gone); a running one's answer is
        told apart by the map it carries."""
        self._pending.clear()

    def shutdown(self) -> None:
        self._shut_down = True
        self._pending.clear()

    def _start_next(self) -> None:
        if self._worker is not None or not self._pending or self._shut_down:
            return
        name = next(iter(self._pending))
        data, latents, tag = self._pending.pop(name)
        self._worker = start_job(
            placement_job,
            data,
            latents,
            on_result=lambda xy: self.placed.emit(name, data, xy, tag),
            on_error=lambda error: self.failed.emit(f"Could not place {name}: {error}"),
            on_finished=self._on_finished,
        )

    def _on_finished(self) -> None:
        self._worker = None
        self._start_next()
