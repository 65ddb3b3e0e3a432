"""CIFAR-10 and SVHN through torchvision's dataset classes (download when allowed).

Only the arrays torchvision keeps (``.data``, ``.targets``/``.labels``) are used, so no image is
ever turned into a PIL object and back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentlab.data.catalog import SOURCES, missing_files_error
from latentlab.data.image_set import ImageSet
from latentlab.data.torchvision_datasets import torchvision_datasets


def load_cifar10(root: Path, *, download: bool) -> ImageSet:
    """CIFAR-10's 50,000 train and 10,000 test images (official split), 3×32×32."""
    source = SOURCES["cifar10"]
    CIFAR10 = torchvision_datasets(source, "Reading").CIFAR10
    train = _open(
        "cifar10", root, download, lambda dl: CIFAR10(root=str(root), train=True, download=dl)
    )
    # Any download already happened for the train split and covers both.
    test = _open("cifar10", root, False, lambda dl: CIFAR10(root=str(root), train=False))
    parts = [np.asarray(ds.data) for ds in (train, test)]  # N×H×W×C
    images = torch.from_numpy(np.concatenate(parts)).permute(0, 3, 1, 2).contiguous()
    labels = np.concatenate([np.asarray(ds.targets, dtype=np.int64) for ds in (train, test)])
    return _image_set("cifar10", images, labels, n_train=len(parts[0]), names=source.class_names)


def load_svhn(root: Path, *, download: bool) -> ImageSet:
    """SVHN's 73,257 train and 26,032 test images (official split; "extra" left out), 3×32×32."""
    SVHN = torchvision_datasets(SOURCES["svhn"], "Reading").SVHN
    folder = root / SOURCES["svhn"].folder
    splits = [
        _open("svhn", root, download, lambda dl, s=s: SVHN(root=str(folder), split=s, download=dl))
        for s in ("train", "test")
    ]
    # torchvision hands out transposed views; concatenating into a C-ordered array copies once.
    images = np.empty((sum(len(ds.data) for ds in splits), *splits[0].data.shape[1:]), np.uint8)
    np.concatenate([ds.data for ds in splits], out=images)  # N×C×H×W
    labels = np.concatenate([np.asarray(ds.labels, dtype=np.int64) for ds in splits])
    # The .mat files label the digit 0 as 10 (torchvision already remaps; older versions did not).
    labels[labels == 10] = 0
    n_train = len(splits[0].data)
    return _image_set(
        "svhn", torch.from_numpy(images), labels, n_train=n_train, names=SOURCES["svhn"].class_names
    )


def _open(name: str, root: Path, download: bool, make: Callable[[bool], Any]) -> Any:
    try:
        return make(download)
    except Exception as err:  # "not found", no network, read-only root: all mean "files missing"
        reason = " ".join(str(err).split())[:300] if download else None
        raise missing_files_error(SOURCES[name], root, download=download, reason=reason) from err


def _image_set(
    name: str, images: torch.Tensor, labels: np.ndarray, *, n_train: int, names: tuple[str, ...]
) -> ImageSet:
    test_mask = torch.zeros(len(labels), dtype=torch.bool)
    test_mask[n_train:] = True
    return ImageSet(
        name=name,
        images=images,
        labels=torch.from_numpy(labels),
        class_names=names,
        test_mask=test_mask,
    )
