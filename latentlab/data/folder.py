"""``folder:PATH``: every image file under a folder, labeled by first-level subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from latentlab.data.decode import decode_many, warn_unreadable
from latentlab.data.errors import DatasetError
from latentlab.data.image_set import ImageSet
from latentlab.data.resize import convert_channels
from latentlab.data.splits import random_test_mask

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
DEFAULT_IMAGE_SIZE = 64
ROOT_CLASS = "(root)"


def load_folder(path: Path, *, image_size: int | None, channels: int | None) -> ImageSet:
    """All images under ``path`` (recursively) as square ``image_size`` images.

    Labels come from first-level subfolders (images directly in ``path`` get the class
    "(root)"); a folder without subfolders gives unlabeled images. ``channels`` None means 1 if
    every image is gray, else 3. Unreadable files are skipped with one DatasetWarning.
    """
    root = path.expanduser()
    if not root.exists():
        raise DatasetError(f"Folder {root} does not exist.")
    if not root.is_dir():
        hint = (
            f" Use npz:{root} to load a .npz file."
            if root.suffix.lower() in (".npz", ".npy")
            else ""
        )
        raise DatasetError(f"{root} is a file, not a folder of images.{hint}")
    files = find_image_files(root)
    if not files:
        raise DatasetError(
            f"No images found in {root} or its subfolders (looked for "
            f"{', '.join(sorted(IMAGE_SUFFIXES))} files)."
        )

    size = image_size or DEFAULT_IMAGE_SIZE
    decoded = decode_many(files, size)
    if not decoded.kept.any():
        examples = "; ".join(f"{p} ({reason})" for p, reason in decoded.failed[:3])
        raise DatasetError(
            f"None of the {len(files)} image files in {root} could be read, e.g. {examples}"
        )
    if decoded.failed:
        warn_unreadable(decoded.failed, len(files), root)

    images = torch.from_numpy(decoded.images)
    all_gray = bool(decoded.gray.all())
    if channels == 1 or (channels is None and all_gray):
        # Gray images hold three equal planes here, so the first one is exact.
        images = images[:, :1].contiguous() if all_gray else convert_channels(images, 1)

    kept = [f for f, keep in zip(files, decoded.kept, strict=True) if keep]
    labels, class_names = _labels_from_subfolders(root, kept)
    return ImageSet(
        name=f"folder:{root.resolve()}",
        images=images,
        labels=labels,
        class_names=class_names,
        test_mask=random_test_mask(len(kept)),
    )


def find_image_files(root: Path) -> list[Path]:
    """Image files under ``root`` by suffix (any case), sorted; hidden files/folders and
    anything that is not a regular file skipped.

    Hidden entries are skipped because they are not the user's pictures: macOS ``._name.jpg``
    resource forks and ``.thumbnails`` caches would otherwise show up as broken or extra images.
    """
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        found.extend(
            Path(folder) / name
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES
        )
    # Regular files only: reading a FIFO named like a picture would wait forever.
    return sorted(path for path in found if path.is_file())


def _labels_from_subfolders(
    root: Path, files: list[Path]
) -> tuple[torch.Tensor | None, tuple[str, ...]]:
    # Files directly in the root only count as a class of their own when subfolders exist too.
    keys = [f.relative_to(root).parts[0] if f.parent != root else None for f in files]
    if all(key is None for key in keys):
        return None, ()
    keys = [ROOT_CLASS if key is None else key for key in keys]
    class_names = tuple(sorted(set(keys)))
    index = {name: i for i, name in enumerate(class_names)}
    labels = np.fromiter((index[key] for key in keys), dtype=np.int64, count=len(keys))
    return torch.from_numpy(labels), class_names
