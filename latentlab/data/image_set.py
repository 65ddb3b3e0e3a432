"""The one in-memory form every dataset source is turned into."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ImageSet:
    """Images of one dataset, held in memory.

    ``images`` is uint8 N×C×H×W (C is 1 or 3). ``labels`` is int64 N or None when the source has
    none. ``class_names[i]`` names label i. ``test_mask`` is bool N: True for the test split.
    """

    name: str
    images: torch.Tensor
    labels: torch.Tensor | None
    class_names: tuple[str, ...]
    test_mask: torch.Tensor

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(
                f"images must be uint8 N×C×H×W, got {self.images.dtype} {tuple(self.images.shape)}"
            )
        if self.images.shape[1] not in (1, 3):
            raise ValueError(f"images must have 1 or 3 channels, got {self.images.shape[1]}")
        n = self.images.shape[0]
        if n == 0:
            raise ValueError(f"dataset {self.name!r} has no images")
        if self.labels is not None and self.labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {tuple(self.labels.shape)}")
        if self.test_mask.shape != (n,) or self.test_mask.dtype != torch.bool:
            raise ValueError("test_mask must be a bool tensor with one entry per image")

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width)."""
        c, h, w = self.images.shape[1:]
        return (int(c), int(h), int(w))

    def split(self, which: str) -> ImageSet:
        """The 'train' or 'test' part as an ImageSet of its own (everything in its test_mask)."""
        if which not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {which!r}")
        keep = self.test_mask if which == "test" else ~self.test_mask
        return ImageSet(
            name=f"{self.name}:{which}",
            images=self.images[keep],
            labels=None if self.labels is None else self.labels[keep],
            class_names=self.class_names,
            test_mask=torch.full((int(keep.sum()),), which == "test", dtype=torch.bool),
        )

    def as_float(self) -> torch.Tensor:
        """All images as float32 in [0, 1]."""
        return self.images.float().div_(255)
