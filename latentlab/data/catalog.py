"""The built-in datasets: what they are, and which files each one expects where.

One table feeds the CLI help, the loaders and the "files not found" messages, so the files a
message tells the user to fetch are exactly the files the loader looks for.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from latentlab.data.errors import DatasetError

DIGIT_NAMES = tuple(string.digits)
FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass(frozen=True)
class Source:
    """One named dataset.

    ``folder`` is relative to the data root and ``files`` are the names expected inside it (empty
    for the built-in digits). ``note`` is an extra hint for the "files not found" message.
    """

    name: str
    title: str
    summary: str
    class_names: tuple[str, ...]
    folder: str = ""
    files: tuple[str, ...] = ()
    note: str = ""
    train_images: int | None = None  # the training split's size (the plan's steps use it)
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) as loaded


def _idx_files(train: str, test: str, suffix: str) -> tuple[str, ...]:
    return tuple(
        f"{split}-{kind}-ubyte{suffix}"
        for split in (train, test)
        for kind in ("images-idx3", "labels-idx1")
    )


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "digits",
            "digits",
            "1,797 handwritten digits from scikit-learn, 16×16 gray (built in, no download)",
            DIGIT_NAMES,
            train_images=1_438,
            image_shape=(1, 16, 16),
        ),
        Source(
            "mnist-small",
            "MNIST (bundled subset)",
            "12,000 MNIST digits (10,000 train / 2,000 test), 28×28 gray (built in, no download)",
            DIGIT_NAMES,
            train_images=10_000,
            image_shape=(1, 28, 28),
        ),
        Source(
            "fashion-mnist-small",
            "Fashion-MNIST (bundled subset)",
            "6,000 Fashion-MNIST items (5,000 train / 1,000 test), 28×28 gray (built in, no "
            "download)",
            FASHION_NAMES,
            train_images=5_000,
            image_shape=(1, 28, 28),
        ),
        Source(
            "mnist",
            "MNIST",
            "70,000 handwritten digits, 28×28 gray",
            DIGIT_NAMES,
            folder="MNIST/raw",
            files=_idx_files("train", "t10k", ".gz"),
            note="The same files already extracted (without .gz) work too.",
            train_images=60_000,
            image_shape=(1, 28, 28),
        ),
        Source(
            "fashion-mnist",
            "Fashion-MNIST",
            "70,000 clothing items, 28×28 gray, 10 classes",
            FASHION_NAMES,
            folder="FashionMNIST/raw",
            files=_idx_files("train", "t10k", ".gz"),
            note="The same files already extracted (without .gz) work too.",
            train_images=60_000,
            image_shape=(1, 28, 28),
        ),
        Source(
            "kmnist",
            "Kuzushiji-MNIST",
            "70,000 cursive Japanese characters, 28×28 gray, 10 classes",
            ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            folder="KMNIST/raw",
            files=_idx_files("train", "t10k", ".gz"),
            note="The same files already extracted (without .gz) work too.",
            train_images=60_000,
            image_shape=(1, 28, 28),
        ),
        Source(
            "emnist-letters",
            "EMNIST letters",
            "145,600 handwritten letters a-z, 28×28 gray",
            tuple(string.ascii_lowercase),
            folder="EMNIST/raw",
            files=_idx_files("emnist-letters-train", "emnist-letters-test", ""),
            note="They come from EMNIST's gzip.zip; the .gz versions of them work too.",
            train_images=124_800,
            image_shape=(1, 28, 28),
        ),
        Source(
            "cifar10",
            "CIFAR-10",
            "60,000 small photos, 32×32 color, 10 classes",
            (
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck",
            ),
            folder="cifar-10-batches-py",
            files=(
                *(f"data_batch_{i}" for i in range(1, 6)),
                "test_batch",
                "batches.meta",
            ),
            note="Alternatively put cifar-10-python.tar.gz in the data root itself.",
            train_images=50_000,
            image_shape=(3, 32, 32),
        ),
        Source(
            "svhn",
            "SVHN",
            "99,289 house-number digits from Street View, 32×32 color",
            DIGIT_NAMES,
            folder="SVHN",
            files=("train_32x32.mat", "test_32x32.mat"),
            train_images=73_257,
            image_shape=(3, 32, 32),
        ),
        Source(
            "celeba",
            "CelebA",
            "202,599 celebrity faces, center-cropped to 64×64 color (unlabeled)",
            (),
            folder="celeba",
            files=("img_align_celeba/", "list_eval_partition.txt"),
            note="img_align_celeba/ is the unzipped folder of 202,599 .jpg files.",
            train_images=162_770,
            image_shape=(3, 64, 64),
        ),
    )
}


def missing_files_error(
    source: Source, root: Path, *, download: bool, reason: str | None = None
) -> DatasetError:
    """The error for a dataset whose files are not on disk, naming the files and the folder.

    When every file is there (so a loader's checksum or format check failed) or only some are,
    the message says so instead of claiming that nothing was found.
    """
    folder = root / source.folder
    missing = missing_files(source, root)
    present = [f for f in source.files if f not in missing]
    listed = ", ".join(source.files)
    if not present:
        message = f"{source.title} files not found. Put {listed} in {folder}"
    elif missing:
        message = (
            f"{source.title} files are incomplete in {folder}: {', '.join(missing)} "
            f"missing. Put {listed} there"
        )
    else:
        message = (
            f"{source.title} files in {folder} could not be read (damaged, or not the expected "
            f"version). Replace {listed} there with fresh copies"
        )
    message += " (or run once with internet access to download them)."
    if not download:
        message += " Downloading was turned off for this load."
    elif reason:
        message += f" The download failed: {reason}"
    if source.note:
        message += f" {source.note}"
    return DatasetError(message)


def missing_files(source: Source, root: Path) -> list[str]:
    """Which of ``source``'s files are not in its folder under ``root`` (a look at the disk
    only: nothing is opened)."""
    folder = root / source.folder
    return [name for name in source.files if not _exists(folder, name)]


def _exists(folder: Path, name: str) -> bool:
    path = folder / name.rstrip("/")
    # idx files count whether gzip-compressed or already extracted.
    return path.exists() or (folder / name.removesuffix(".gz")).exists()
