"""How many training images a dataset spec holds, and their shape, told cheaply (no image is
decoded): the catalog's figures for a named dataset, a folder's image files, the header of an
npz file's images array. For planning a run before its data is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from latentlab.data.catalog import SOURCES
from latentlab.data.splits import TEST_FRACTION

MAX_FOLDER_FILES = 2_000_000  # counting stops here: a plan needs no exact figure beyond


@dataclass(frozen=True)
class TrainingSize:
    train_images: int
    image_shape: tuple[int, int, int] | None  # (C, H, W); None when only decoding tells


def training_size(
    spec: str, *, image_size: int | None = None, channels: int | None = None
) -> TrainingSize | None:
    """The training split's size for ``spec`` (as ``load_dataset`` takes it), or None when it
    cannot be told quickly (a folder that is not there, a file whose header says nothing)."""
    kind, colon, argument = spec.partition(":")
    source = SOURCES.get(spec.lower())
    if source is not None and source.train_images is not None:
        return TrainingSize(source.train_images, _resized(source.image_shape, image_size, channels))
    if not colon or kind.lower() not in ("folder", "npz"):
        return None
    path = Path(argument).expanduser()
    if kind.lower() == "folder":
        return _folder_size(path, image_size, channels)
    return _npz_size(path, image_size, channels)


def _train_share(count: int) -> int:
    return count - round(TEST_FRACTION * count)


def _folder_size(path: Path, image_size: int | None, channels: int | None) -> TrainingSize | None:
    from latentlab.data.folder import find_image_files

    if not path.is_dir():
        return None
    count = len(find_image_files(path)[:MAX_FOLDER_FILES])
    shape = None if image_size is None else (channels or 1, image_size, image_size)
    return TrainingSize(_train_share(count), shape) if count else None


def _npz_size(path: Path, image_size: int | None, channels: int | None) -> TrainingSize | None:
    from latentlab.data.npz import claimed_image_shape

    if not path.is_file():
        return None
    shape = claimed_image_shape(path)
    if shape is None or len(shape) not in (3, 4) or shape[0] == 0:
        return None
    count, rest = shape[0], shape[1:]
    if len(rest) == 2:
        chw = (1, *rest)
    elif rest[0] in (1, 3):
        chw = rest
    else:
        chw = (rest[2], rest[0], rest[1])  # N×H×W×C
    return TrainingSize(_train_share(count), _resized(chw, image_size, channels))


def _resized(
    shape: tuple[int, ...] | None, image_size: int | None, channels: int | None
) -> tuple[int, int, int] | None:
    if shape is None:
        return None
    c, h, w = shape
    if image_size is not None:
        h = w = image_size
    return (channels or c, h, w)
