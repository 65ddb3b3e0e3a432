"""CelebA: the aligned face crops, decoded with Pillow and center-cropped to a square."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from latentlab.data.catalog import SOURCES, missing_files_error
from latentlab.data.decode import decode_many, warn_unreadable
from latentlab.data.errors import DatasetError
from latentlab.data.image_set import ImageSet
from latentlab.data.torchvision_datasets import torchvision_datasets

DEFAULT_IMAGE_SIZE = 64
_TEST_PARTITION = 2  # list_eval_partition.txt: 0 train, 1 validation, 2 test


def load_celeba(root: Path, *, download: bool, image_size: int | None) -> ImageSet:
    """All 202,599 faces (train, validation and test; official test split marked), unlabeled."""
    source = SOURCES["celeba"]
    folder = root / source.folder
    images_dir, partition_file = folder / "img_align_celeba", folder / "list_eval_partition.txt"
    # Only the images and the partition list are needed, so they are read directly and
    # torchvision (which insists on all six annotation files) is only asked to download.
    if not (images_dir.is_dir() and partition_file.is_file()):
        if not download:
            raise missing_files_error(source, root, download=False)
        try:
            datasets = torchvision_datasets(source, "Downloading")
            datasets.CelebA(root=str(root), split="all", target_type=[], download=True)
        except Exception as err:  # Google Drive quota, no network, no gdown: files missing
            reason = " ".join(str(err).split())[:300]
            raise missing_files_error(source, root, download=True, reason=reason) from err

    names, partitions = _read_partition(partition_file)
    paths = [images_dir / name for name in names]
    decoded = decode_many(paths, image_size or DEFAULT_IMAGE_SIZE)
    if not decoded.kept.any():
        raise DatasetError(f"None of the CelebA images in {images_dir} could be read.")
    if decoded.failed:
        warn_unreadable(decoded.failed, len(paths), images_dir)
    test_mask = partitions[decoded.kept] == _TEST_PARTITION
    return ImageSet(
        name="celeba",
        images=torch.from_numpy(decoded.images),
        labels=None,
        class_names=(),
        test_mask=torch.from_numpy(test_mask),
    )


def _read_partition(path: Path) -> tuple[list[str], np.ndarray]:
    names, partitions = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[1].isdigit():
            raise DatasetError(
                f"{path}, line {number}: expected 'FILE.jpg PARTITION', got {line!r}."
            )
        names.append(fields[0])
        partitions.append(int(fields[1]))
    if not names:
        raise DatasetError(f"{path} lists no images.")
    return names, np.asarray(partitions, dtype=np.int64)
