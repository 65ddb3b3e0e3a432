"""The errors raised when a model cannot be opened through an adapter, and the wording of
their messages: each says what went wrong and what to change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

_LISTED = 5  # keys named in a mismatch message, per kind


class AdapterError(ValueError):
    """A model could not be opened through an adapter; the message says why and what to do."""


class AdapterNeedsInfo(AdapterError):
    """The adapter does not say, and probing cannot tell, something LatentLab needs.

    ``missing`` names the ``load_adapter`` arguments to supply (``"latent_dim"``,
    ``"image_shape"``): ask the user, then call again with them.
    """

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class AdapterRangeError(AdapterError):
    """Decoded images fall outside [0, 1] under the declared ``OUTPUT``.

    ``suggestion`` is the ``OUTPUT`` that would fit: ``"tanh"`` when the values look like
    [-1, 1], ``"logits"`` otherwise; ``low`` and ``high`` are the extremes seen.
    """

    def __init__(self, message: str, suggestion: str, low: float, high: float) -> None:
        super().__init__(message)
        self.suggestion = suggestion
        self.low, self.high = low, high


def _call_user(function: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
    try:
        return function(*args)
    except Exception as error:
        raise AdapterError(f"{what} failed: {type(error).__name__}: {error}") from error


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(str(s) for s in tensor.shape) or "scalar"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown + (f" (+{len(items) - _LISTED} more)" if len(items) > _LISTED else "")
