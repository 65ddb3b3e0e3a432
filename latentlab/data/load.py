"""``load_dataset``: turn a dataset spec string into an ImageSet."""

from __future__ import annotations

import dataclasses
from numbers import Integral
from pathlib import Path

from latentlab.data.catalog import SOURCES
from latentlab.data.errors import DatasetError
from latentlab.data.image_set import ImageSet
from latentlab.data.paths import DATA_ROOT_ENV, default_data_root
from latentlab.data.resize import adapt_images

DATASET_NAMES: tuple[str, ...] = tuple(SOURCES)
PATH_KINDS = ("folder", "npz")
MIN_IMAGE_SIDE = 8  # the conv models halve the image twice; smaller images teach nothing
# Shipped inside the package (latentlab/data/bundled/): always there, never downloaded.
BUNDLED_SETS = ("mnist-small", "fashion-mnist-small")
_ALIASES = {"fashionmnist": "fashion-mnist", "cifar-10": "cifar10", "emnist": "emnist-letters"}


def load_dataset(
    spec: str,
    *,
    data_root: str | Path | None = None,
    image_size: int | None = None,
    channels: int | None = None,
    download: bool = True,
) -> ImageSet:
    """Load the dataset named by ``spec`` into memory.

    ``spec`` is a name from DATASET_NAMES, ``folder:PATH`` or ``npz:PATH`` (an existing folder or
    .npz path on its own works too). ``data_root`` holds downloaded datasets (default:
    ``default_data_root()``). ``image_size`` makes images image_size×image_size (short side
    scaled, then center-cropped); ``channels`` (1 or 3) converts color. ``download=False`` never
    touches the network. Raises DatasetError with a user-facing message when loading fails.
    """
    if image_size is not None and (not isinstance(image_size, Integral) or image_size < 2):
        raise DatasetError(f"image_size must be a whole number of pixels >= 2, got {image_size!r}.")
    if channels not in (None, 1, 3):
        raise DatasetError(f"channels must be 1 (gray) or 3 (color), got {channels!r}.")
    kind, argument = parse_spec(spec)
    images = _load(kind, argument, data_root, image_size, channels, download)
    adapted = adapt_images(images.images, image_size=image_size, channels=channels)
    images = images if adapted is images.images else dataclasses.replace(images, images=adapted)
    check_trainable(images)
    return images


def check_trainable(images: ImageSet) -> None:
    """Images a model can be trained on: big enough, and some of them not in the test split."""
    _c, h, w = images.image_shape
    if min(h, w) < MIN_IMAGE_SIDE:
        raise DatasetError(
            f"The images of {images.name} are {h}×{w} pixels; LatentLab needs at least "
            f"{MIN_IMAGE_SIDE}×{MIN_IMAGE_SIDE} (enlarge them with image_size / --image-size)."
        )
    test = int(images.test_mask.sum())
    if test == len(images):
        raise DatasetError(
            f"All {len(images):,} images of {images.name} are in the test split (its "
            "test_mask is all true): none are left to train on."
        )


def source_name(spec: str) -> str | None:
    """The built-in or downloadable dataset ``spec`` names ("MNIST" -> "mnist"), or None for
    a path; looks at the text only, never at the disk."""
    name = spec.strip().lower().replace("_", "-")
    name = _ALIASES.get(name, name)
    return name if name in SOURCES else None


def parse_spec(spec: str) -> tuple[str, str]:
    """Split a spec into ``(kind, argument)``: ``("mnist", "")`` or ``("folder", "/a/path")``."""
    text = spec.strip()
    prefix, colon, rest = text.partition(":")
    if colon and prefix.lower() in PATH_KINDS:
        if not rest.strip():
            raise DatasetError(f"{prefix.lower()}: needs a path, e.g. {prefix.lower()}:~/pictures")
        return prefix.lower(), rest.strip()
    name = source_name(text)
    if name is not None:
        return name, ""
    # A bare path is accepted too, so `latentlab train ~/faces` does what it looks like.
    path = Path(text).expanduser()
    if text and path.is_dir():
        return "folder", text
    if path.suffix.lower() in (".npz", ".npy") and path.is_file():
        return "npz", text
    raise DatasetError(f"Unknown dataset {spec!r}. {describe_sources()}")


def describe_sources() -> str:
    """A few lines for CLI help: every accepted spec and where downloads go."""
    width = max(len(name) for name in (*DATASET_NAMES, "folder:PATH"))
    lines = ["Accepted datasets:"]
    lines += [f"  {s.name:<{width}}  {s.summary}" for s in SOURCES.values()]
    lines += [
        f"  {'folder:PATH':<{width}}  images under PATH (subfolders = classes), 64×64 by default",
        f"  {'npz:PATH':<{width}}  arrays 'images' (+ 'labels', 'class_names') in a .npz file",
        f"Downloads are kept in {default_data_root()} (set ${DATA_ROOT_ENV} to change).",
    ]
    return "\n".join(lines)


def _load(
    kind: str,
    argument: str,
    data_root: str | Path | None,
    image_size: int | None,
    channels: int | None,
    download: bool,
) -> ImageSet:
    # Loaders import lazily: torchvision alone takes seconds to import and digits needs none.
    if kind == "folder":
        from latentlab.data.folder import load_folder

        return load_folder(Path(argument), image_size=image_size, channels=channels)
    if kind == "npz":
        from latentlab.data.npz import load_npz

        return load_npz(Path(argument))
    if kind == "digits":
        from latentlab.data.digits import load_digits_set

        return load_digits_set()
    if kind in BUNDLED_SETS:
        from latentlab.data.bundled import load_bundled_set

        return load_bundled_set(kind)

    root = Path(data_root).expanduser() if data_root is not None else default_data_root()
    if kind == "celeba":
        from latentlab.data.celeba import load_celeba

        return load_celeba(root, download=download, image_size=image_size)
    if kind == "cifar10":
        from latentlab.data.torchvision_sources import load_cifar10

        return load_cifar10(root, download=download)
    if kind == "svhn":
        from latentlab.data.torchvision_sources import load_svhn

        return load_svhn(root, download=download)
    from latentlab.data.mnist_family import load_idx_source

    return load_idx_source(kind, root, download=download)
