"""Small real datasets shipped with LatentLab, so a first session needs no download.

``mnist-small``: 10,000 training and 2,000 test images of MNIST (LeCun, Cortes & Burges);
``fashion-mnist-small``: 5,000 and 1,000 of Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT
licence). Each is a class-balanced random choice (seed 0) from the official train and test
splits, made by ``resources/make_bundled.py``, stored as a compressed ``.npz`` with ``images``
(N×28×28 uint8), ``labels``, ``class_names`` and ``test_mask``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from latentlab.data.catalog import SOURCES
from latentlab.data.errors import DatasetError
from latentlab.data.image_set import ImageSet
from latentlab.data.npz import load_npz

FOLDER = Path(__file__).resolve().parent


def bundled_set_path(name: str) -> Path:
    return FOLDER / f"{name}.npz"


def load_bundled_set(name: str) -> ImageSet:
    """The shipped subset ``name`` (a DatasetError if this install lacks its file)."""
    path = bundled_set_path(name)
    if not path.is_file():
        raise DatasetError(
            f"{SOURCES[name].title} is missing from this install ({path} not found); "
            "reinstall LatentLab, or use the full dataset instead."
        )
    loaded = load_npz(path)
    return dataclasses.replace(loaded, name=name, class_names=SOURCES[name].class_names)
