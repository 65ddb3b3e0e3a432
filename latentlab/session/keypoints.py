"""The interpolation's keypoints (A, B, C, ...) and the path through them, without Qt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from psygnal import Signal

from latentlab.latent.interpolation import (
    METHODS,
    NOISE,
    along_samples,
    interpolate_path,
    path_frames,
)

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
    does (the path is made again either way).

    The "noise" method's path goes through a diffusion prior's noise, which takes a worker:
    ``noise_path_wanted(stack)`` asks for it, ``set_noise_path`` hands it in, and
    ``noise_path_found`` tells the listeners. Until then the path has no frames."""

    changed = Signal()
    method_changed = Signal(str)
    noise_path_wanted = Signal(object)  # K×D keypoints (the stack) the path is wanted for
    noise_path_found = Signal()

    def __init__(self) -> None:
        self._keypoints: list[Keypoint] = []
        self._stack: np.ndarray | None = None  # K×D, rebuilt when the keypoints change
        self._path: np.ndarray | None = None  # P×D, rebuilt when keypoints or method change
        self._method = "lerp"
        self._noise_path: np.ndarray | None = None  # samples along the noise path, for _stack

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
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if method != self._method:
            self._method = method
            self._path = None
            self.method_changed.emit(method)
            self._want_noise_path()

    def set_noise_path(self, keypoints: np.ndarray, samples: np.ndarray) -> bool:
        """The noise path's samples (P×D, evenly spaced in t) for ``keypoints``; refused
        (False) when the keypoints have changed since it was asked for."""
        if self._stack is None or keypoints is not self._stack:
            return False
        self._noise_path = np.asarray(samples, dtype=np.float64)
        self._path = None
        if self._method == NOISE:
            self.noise_path_found.emit()
        return True

    def forget_noise_path(self) -> None:
        """The noise path was made through another prior (or none is left): ask again; the
        listeners hear ``noise_path_found`` when the new one comes."""
        self._noise_path = None
        self._path = None
        self._want_noise_path()

    def ready(self) -> bool:
        """Whether the path has frames (two keypoints, and the noise path when it needs one)."""
        if len(self._keypoints) < 2:
            return False
        return self._method != NOISE or self._noise_path is not None

    def at(self, t: float) -> np.ndarray | None:
        """The code at ``t`` ∈ [0, 1] along the path (None while it is not ready)."""
        if not self.ready():
            return None
        if self._method == NOISE:
            return along_samples(self._noise_path, t)
        return interpolate_path(self._stack, t, self._method)

    def frames(self, count: int) -> np.ndarray | None:
        """``count`` codes evenly spaced from the first keypoint to the last (None while the
        path is not ready)."""
        if not self.ready():
            return None
        if self._method == NOISE:
            return np.stack([along_samples(self._noise_path, t) for t in np.linspace(0, 1, count)])
        return path_frames(self._stack, count, self._method)

    def path(self) -> np.ndarray:
        """P×D samples along the path (0 rows with fewer than two keypoints), cached: a slider
        step must stay far below 1 ms. Read-only and the same object until the path changes,
        so ``path is last_path`` tells a listener that only t moved."""
        if self._path is None:
            frames = self.frames(PATH_SAMPLES)
            self._path = frames if frames is not None else np.zeros((0, self.latent_dim or 0))
            self._path.flags.writeable = False
        return self._path

    def _changed(self) -> None:
        self._stack = np.stack([k.latent for k in self._keypoints]) if self._keypoints else None
        self._path = None
        self._noise_path = None
        self.changed.emit()
        self._want_noise_path()

    def _want_noise_path(self) -> None:
        if self._method == NOISE and len(self._keypoints) >= 2 and self._noise_path is None:
            self.noise_path_wanted.emit(self._stack)
