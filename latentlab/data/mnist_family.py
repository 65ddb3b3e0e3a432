"""MNIST, Fashion-MNIST, KMNIST and EMNIST letters, read straight from their idx files.

torchvision's own classes extract the ``.gz`` files next to themselves, which fails on a read-only
data root (a shared or system-wide copy), so the files are read here, compressed or not.
torchvision is only used to download missing files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentlab.data.catalog import SOURCES, Source, missing_files_error
from latentlab.data.errors import DatasetError
from latentlab.data.idx import find_idx_file, read_idx
from latentlab.data.image_set import ImageSet
from latentlab.data.torchvision_datasets import torchvision_datasets


@dataclass(frozen=True)
class _IdxLayout:
    torchvision_class: str
    torchvision_kwargs: dict[str, Any] = field(default_factory=dict)
    # EMNIST stores each image transposed relative to MNIST.
    transpose: bool = False
    # EMNIST letters number a..z from 1 (0 is an unused "N/A" class).
    label_offset: int = 0


_LAYOUTS = {
    "mnist": _IdxLayout("MNIST"),
    "fashion-mnist": _IdxLayout("FashionMNIST"),
    "kmnist": _IdxLayout("KMNIST"),
    "emnist-letters": _IdxLayout("EMNIST", {"split": "letters"}, transpose=True, label_offset=1),
}


def load_idx_source(name: str, root: Path, *, download: bool) -> ImageSet:
    """Train and test split of an MNIST-style dataset as one ImageSet (official test split)."""
    source, layout = SOURCES[name], _LAYOUTS[name]
    paths = _locate(source, root)
    if None in paths:
        if not download:
            raise missing_files_error(source, root, download=False)
        _download(source, layout, root)
        paths = _locate(source, root)
        if None in paths:
            raise missing_files_error(
                source, root, download=True, reason="the files were not where expected afterwards"
            )
    train_x, train_y, test_x, test_y = (
        read_idx(path, ndim=3 if "images" in path.name else 1) for path in paths
    )
    for x, y in ((train_x, train_y), (test_x, test_y)):
        if len(x) != len(y):
            raise DatasetError(
                f"{source.title} files in {root / source.folder} do not match: {len(x):,} images "
                f"but {len(y):,} labels. Delete them and download them again."
            )

    images = np.concatenate([train_x, test_x])  # N×H×W
    if layout.transpose:
        images = np.ascontiguousarray(images.transpose(0, 2, 1))
    labels = np.concatenate([train_y, test_y]).astype(np.int64) - layout.label_offset
    n_classes = len(source.class_names)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DatasetError(
            f"{source.title} labels in {root / source.folder} run from {labels.min()} to "
            f"{labels.max()}, expected 0..{n_classes - 1}: the files may be from another dataset."
        )
    test_mask = torch.zeros(len(labels), dtype=torch.bool)
    test_mask[len(train_y) :] = True
    return ImageSet(
        name=name,
        images=torch.from_numpy(images).unsqueeze(1),  # N×1×H×W
        labels=torch.from_numpy(labels),
        class_names=source.class_names,
        test_mask=test_mask,
    )


def _locate(source: Source, root: Path) -> list[Path | None]:
    folder = root / source.folder
    return [find_idx_file(folder, name.removesuffix(".gz")) for name in source.files]


def _download(source: Source, layout: _IdxLayout, root: Path) -> None:
    try:
        datasets = torchvision_datasets(source, "Downloading")
        dataset_class = getattr(datasets, layout.torchvision_class)
        # Constructing the dataset downloads every split's files; the data it parses is dropped.
        dataset_class(root=str(root), train=True, download=True, **layout.torchvision_kwargs)
    except Exception as err:  # no network, read-only root, server gone: all mean "files missing"
        raise missing_files_error(source, root, download=True, reason=_short(err)) from err


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."
