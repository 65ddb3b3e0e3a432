"""``npz:PATH``: images (and optionally labels, class names, a test mask) from a NumPy file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from latentlab.data.errors import DatasetError
from latentlab.data.image_set import ImageSet
from latentlab.data.splits import random_test_mask

IMAGE_KEYS = ("images", "x", "X")
LABEL_KEYS = ("labels", "y", "Y")
MAX_CLASSES = 10_000
MAX_ARRAY_BYTES = 16 * 2**30  # what one array may make LatentLab allocate


def load_npz(path: Path) -> ImageSet:
    """Load an ``.npz`` (or ``.npy`` holding only images) without ever unpickling anything.

    Images: ``images``/``x`` or the only 3-D/4-D array; N×H×W, N×H×W×C or N×C×H×W with C 1 or
    3; uint8, integers in 0..255, or floats in [0, 1]. Optional: ``labels``/``y`` (N integers),
    ``class_names`` (strings) and ``test_mask`` (N bools; else a fixed random 20% is test).
    """
    path = path.expanduser()
    if not path.exists():
        raise DatasetError(f"File {path} does not exist.")
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a .npz file. Use folder:{path} to load it.")
    if not path.is_file():
        raise DatasetError(f"{path} is not a regular file (a pipe or a device), so not a .npz.")
    arrays = _read_arrays(path)

    image_key = _pick_images_key(arrays, path)
    images = _to_uint8_nchw(arrays[image_key], path, image_key)
    n = images.shape[0]
    labels, class_names = _labels(arrays, n, path)
    test_mask = _test_mask(arrays, n, path)
    return ImageSet(
        name=f"npz:{path.resolve()}",
        images=images,
        labels=labels,
        class_names=class_names,
        test_mask=test_mask,
    )


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    with path.open("rb") as file:
        magic = file.read(6)
    if not magic:
        raise DatasetError(f"{path} is empty (0 bytes): no images in it.")
    if magic.startswith(b"PK\x05\x06"):  # a zip's end record and nothing before: np.savez()
        raise DatasetError(f"{path} holds no arrays; save the images with np.savez(images=...).")
    # np.load calls anything that is neither .npz (zip) nor .npy "pickled data"; say what it is.
    if not (magic.startswith(b"PK\x03\x04") or magic == b"\x93NUMPY"):
        raise DatasetError(
            f"{path} is not a .npz or .npy file. (If it is a pickle: LatentLab never loads "
            "pickles because unpickling can run arbitrary code. Save it with np.savez.)"
        )
    try:
        _check_claimed_sizes(path, magic)
    except DatasetError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise DatasetError(f"{path} is not a readable .npz or .npy file: {err}") from None
    try:
        # allow_pickle=False always: unpickling a downloaded file can run arbitrary code.
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # a plain .npy file: images only
            return {"images": loaded}
        with loaded:
            members = {key: loaded[key] for key in loaded.files}
    except ValueError as err:
        if "pickle" in str(err).lower() or "object arrays" in str(err).lower():
            raise DatasetError(
                f"{path} contains pickled Python objects (e.g. an object array), which LatentLab "
                "refuses to load because unpickling can run arbitrary code. Save plain numeric "
                "arrays, and class names as a string array (np.array(names, dtype=str))."
            ) from err
        raise DatasetError(f"{path} is not a valid .npz file: {err}") from err
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise DatasetError(f"{path} is not a readable .npz file: {err}") from err
    # NpzFile hands back raw bytes for zip members that are not .npy arrays (a PyTorch file
    # is a zip too): only arrays count.
    arrays = {key: value for key, value in members.items() if isinstance(value, np.ndarray)}
    if not arrays:
        raise DatasetError(
            f"{path} is a zip file without NumPy arrays in it (a PyTorch file is a zip too, "
            "and LatentLab never loads those). Save the images with np.savez(images=...)."
        )
    return arrays


def _check_claimed_sizes(path: Path, magic: bytes) -> None:
    """Every array's header (shape × dtype) against the bytes that hold it, before NumPy
    allocates what a header claims: a 1 kB file saying 10^12 elements is refused here."""
    if magic == b"\x93NUMPY":
        with path.open("rb") as file:
            claimed = _claimed_bytes(file)
            held = path.stat().st_size - file.tell()
        _compare(path, "the array", claimed, held)
        return
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                claimed = _claimed_bytes(member)
                held = info.file_size - member.tell()
            _compare(path, repr(info.filename.removesuffix(".npy")), claimed, held)


def _claimed_bytes(file) -> int:
    shape, dtype = _read_header(file)
    return int(np.prod(shape, dtype=object)) * dtype.itemsize


def _read_header(file) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a .npy header claims (the file is left after the header)."""
    version = np.lib.format.read_magic(file)
    read_header = getattr(np.lib.format, f"read_array_header_{version[0]}_{version[1]}", None)
    if read_header is None:
        raise ValueError(f"unknown .npy format version {version}")
    shape, _fortran, dtype = read_header(file, max_header_size=10_000)
    return tuple(int(s) for s in shape), dtype


def claimed_image_shape(path: Path) -> tuple[int, ...] | None:
    """The shape of the images array of a .npz or .npy file, from its header alone (the
    arrays are not read); None when the file does not tell."""
    try:
        if path.suffix.lower() == ".npy":
            with path.open("rb") as file:
                return _read_header(file)[0]
        with zipfile.ZipFile(path) as archive:
            shapes = {}
            for info in archive.infolist():
                if info.filename.endswith(".npy"):
                    with archive.open(info) as member:
                        shapes[info.filename.removesuffix(".npy")] = _read_header(member)[0]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    for key in IMAGE_KEYS:
        if key in shapes:
            return shapes[key]
    candidates = [shape for shape in shapes.values() if len(shape) in (3, 4)]
    return candidates[0] if len(candidates) == 1 else None


def _compare(path: Path, what: str, claimed: int, held: int) -> None:
    if claimed > MAX_ARRAY_BYTES:
        raise DatasetError(
            f"{what} in {path} claims {claimed / 2**30:,.0f} GiB; LatentLab reads arrays of up "
            f"to {MAX_ARRAY_BYTES // 2**30} GiB."
        )
    if claimed > held:
        raise DatasetError(
            f"{what} in {path} claims {claimed:,} bytes but the file holds {held:,}: it is "
            "damaged or truncated."
        )


def _pick_images_key(arrays: dict[str, np.ndarray], path: Path) -> str:
    for key in IMAGE_KEYS:
        if key in arrays:
            return key
    candidates = [key for key, a in arrays.items() if a.ndim in (3, 4)]
    if len(candidates) == 1:
        return candidates[0]
    found = ", ".join(f"{k} {arrays[k].shape}" for k in arrays) or "no arrays"
    raise DatasetError(
        f"Cannot tell which array in {path} holds the images (found {found}). Name it 'images' "
        "(and the labels 'labels')."
    )


def _to_uint8_nchw(array: np.ndarray, path: Path, key: str) -> torch.Tensor:
    where = f"{path} ({key!r}, shape {array.shape}, {array.dtype})"
    if array.ndim == 3:
        array = array[:, None]  # N×H×W -> N×1×H×W
    elif array.ndim == 4 and array.shape[3] in (1, 3):
        # Channels-last is the common layout, so it wins when both readings would fit.
        array = array.transpose(0, 3, 1, 2)
    elif not (array.ndim == 4 and array.shape[1] in (1, 3)):
        raise DatasetError(f"Images in {where} must be N×H×W, N×H×W×C or N×C×H×W with C = 1 or 3.")
    if array.shape[0] == 0:
        raise DatasetError(f"{where} holds no images.")

    if array.dtype == np.uint8:
        converted = array
    elif array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise DatasetError(
                f"Integer images in {where} must lie in 0..255, found {low}..{high}."
            )
        converted = array.astype(np.uint8)
    elif array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise DatasetError(f"Float images in {where} contain NaN or infinity.")
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 1:
            raise DatasetError(
                f"Float images in {where} must lie in [0, 1], found {low:g}..{high:g}. "
                "Divide by 255 (or save them as uint8)."
            )
        converted = np.rint(array * 255.0).astype(np.uint8)
    else:
        raise DatasetError(f"Images in {where} must be uint8, integers or floats.")
    return torch.from_numpy(np.ascontiguousarray(converted))


def _labels(
    arrays: dict[str, np.ndarray], n: int, path: Path
) -> tuple[torch.Tensor | None, tuple[str, ...]]:
    key = next((k for k in LABEL_KEYS if k in arrays), None)
    if key is None:
        return None, ()
    labels = arrays[key]
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise DatasetError(
            f"Labels {key!r} in {path} must be {n} integers (one per image), got shape "
            f"{labels.shape} of {labels.dtype}."
        )
    if labels.min() < 0:
        raise DatasetError(f"Labels {key!r} in {path} must not be negative.")
    n_classes = int(labels.max()) + 1
    if "class_names" not in arrays:
        if n_classes <= MAX_CLASSES:
            return torch.from_numpy(labels.astype(np.int64)), tuple(map(str, range(n_classes)))
        # Sparse label values (e.g. ids up to 10^9): classes are the values that occur.
        values = np.unique(labels)
        if len(values) > MAX_CLASSES:
            raise DatasetError(
                f"Labels {key!r} in {path} hold {len(values):,} different classes; LatentLab "
                f"shows up to {MAX_CLASSES:,}."
            )
        compact = np.searchsorted(values, labels).astype(np.int64)
        return torch.from_numpy(compact), tuple(str(v) for v in values.tolist())
    names = arrays["class_names"]
    if names.ndim != 1 or names.dtype.kind not in "US":
        raise DatasetError(
            f"'class_names' in {path} must be a 1-D array of strings, got {names.shape} of "
            f"{names.dtype}."
        )
    if len(names) > MAX_CLASSES:
        raise DatasetError(
            f"'class_names' in {path} lists {len(names):,} names; LatentLab shows up to "
            f"{MAX_CLASSES:,} classes."
        )
    if len(names) < n_classes:
        raise DatasetError(
            f"'class_names' in {path} lists {len(names)} name(s) but the labels go up to "
            f"{n_classes - 1}."
        )
    decoded = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names.tolist())
    return torch.from_numpy(labels.astype(np.int64)), decoded


def _test_mask(arrays: dict[str, np.ndarray], n: int, path: Path) -> torch.Tensor:
    if "test_mask" not in arrays:
        return random_test_mask(n)
    mask = arrays["test_mask"]
    if mask.shape != (n,) or mask.dtype != np.bool_:
        raise DatasetError(
            f"'test_mask' in {path} must be {n} booleans, got {mask.shape} of {mask.dtype}."
        )
    return torch.from_numpy(mask.copy())
