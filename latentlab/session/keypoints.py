"""The interpolation's keypoints (A, B, C, ...) and the path through them, without Qt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from psygnal import Signal

from latentlab.latent.interpolation import INTERPOLATIONS, path_frames

PATH_SAMPLES = 64


def keypoint_label(index: int) -> str:
    """A, B, ..., Z, then K27, K28, ... (the map draws the same labels on the path)."""
    return chr(ord("A") + index) if index < 26 else f"K{index + 1}"


@dataclass(frozen=True)
class Keypoint:
    """One stop on the path: its latent code (D,), a picture of it and where it came from."""

    latent: np.ndarray
    thumbnail: np.ndarray
    source: str


class Keypoints:
    """Ordered keypoints of one latent size, the interpolation method, and the path.

    ``changed`` is emitted after the keypoints change; ``method_changed`` after the method
    does (the path is made again either way)."""

    changed = Signal()
    method_changed = Signal(str)

    def __init__(self) -> None:
        self._keypoints: list[Keypoint] = []
        self._stack: np.ndarray | None = None  # K×D, rebuilt when the keypoints change
        self._path: np.ndarray | None = None  # P×D, rebuilt when keypoints or method change
        self._method = "lerp"

    def __len__(self) -> int:
        return len(self._keypoints)

    def __iter__(self) -> Iterator[Keypoint]:
        return iter(list(self._keypoints))

    def __getitem__(self, index: int) -> Keypoint:
        return self._keypoints[index]

    @property
    def latent_dim(self) -> int | None:
        return None if self._stack is None else int(self._stack.shape[1])

    def namespace(self) -> dict[str, np.ndarray]:
        """label -> latent (A, B, ...): the keypoints as names in latent math."""
        return {keypoint_label(i): k.latent for i, k in enumerate(self._keypoints)}

    def set(self, index: int, latent: np.ndarray, thumbnail: np.ndarray, source: str) -> None:
        """Set keypoint ``index`` (0 = A); ``index >= len`` appends. A latent of another size
        than the other keypoints' raises ValueError."""
        if index < 0:
            raise IndexError(f"keypoint index must be ≥ 0, got {index}")
        # "Use as B" before any A: a path grows from its start, so this becomes A.
        index = min(index, len(self._keypoints))
        latent = np.array(latent, dtype=np.float64).reshape(-1)
        others = [k for i, k in enumerate(self._keypoints) if i != index]
        if others and others[0].latent.shape != latent.shape:
            raise ValueError(
                f"latent has {latent.size} dims, the other keypoints {others[0].latent.size}"
            )
        keypoint = Keypoint(latent, np.array(thumbnail, dtype=np.uint8), str(source))
        if index == len(self._keypoints):
            self._keypoints.append(keypoint)
        else:
            self._keypoints[index] = keypoint
        self._changed()

    def remove(self, index: int) -> None:
        """Remove keypoint ``index``; the later ones move up (C becomes B)."""
        del self._keypoints[index]
        self._changed()

    def clear(self) -> None:
        if self._keypoints:
            self._keypoints.clear()
            self._changed()

    def stack(self) -> np.ndarray | None:
        """K×D float64 latents of the keypoints (None without any); do not modify."""
        return self._stack

    def labels(self) -> list[str]:
        return [keypoint_label(i) for i in range(len(self._keypoints))]

    @property
    def method(self) -> str:
        return self._method

    def set_method(self, method: str) -> None:
        if method not in INTERPOLATIONS:
            raise ValueError(f"method must be one of {INTERPOLATIONS}, got {method!r}")
        if method != self._method:
            self._method = method
            self._path = None
            self.method_changed.emit(method)

    def path(self) -> np.ndarray:
        """P×D samples along the path (0 rows with fewer than two keypoints), cached: a slider
        step must stay far below 1 ms. Read-only and the same object until the path changes,
        so ``path is last_path`` tells a listener that only t moved."""
        if self._path is None:
            if len(self._keypoints) >= 2:
                self._path = path_frames(self._stack, PATH_SAMPLES, self._method)
            else:
                self._path = np.zeros((0, self.latent_dim or 0))
            self._path.flags.writeable = False
        return self._path

    def _changed(self) -> None:
        self._stack = np.stack([k.latent for k in self._keypoints]) if self._keypoints else None
        self._path = None
        self.changed.emit()
