"""The built-in ``digits`` dataset: scikit-learn's 8×8 handwritten digits shown at 16×16."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

from latentlab.data.catalog import SOURCES
from latentlab.data.image_set import ImageSet
from latentlab.data.resize import resize_square
from latentlab.data.splits import random_test_mask

SIZE = 16
_MAX_VALUE = 16  # load_digits counts set pixels in 4×4 blocks: values 0..16


def load_digits_set() -> ImageSet:
    """1,797 digits as uint8 1×16×16 images (bilinear upsampling, 0..255), labels 0..9."""
    pixels, labels = _read_digits()  # (1797, 64) float, (1797,) int
    images = torch.from_numpy(pixels).float().view(-1, 1, 8, 8) * (255 / _MAX_VALUE)
    return ImageSet(
        name="digits",
        images=resize_square(images, SIZE),
        labels=torch.from_numpy(labels.astype(np.int64)),
        class_names=SOURCES["digits"].class_names,
        test_mask=random_test_mask(len(labels)),
    )


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    # This is the first-run dataset, so it must load at once. ``import sklearn.datasets`` costs
    # most of a second, so read the CSV that ``load_digits`` reads straight from the installed
    # package; fall back to ``load_digits`` itself if a future scikit-learn moves the file.
    spec = importlib.util.find_spec("sklearn")
    locations = spec.submodule_search_locations if spec is not None else None
    if locations:
        csv = Path(next(iter(locations))) / "datasets" / "data" / "digits.csv.gz"
        if csv.is_file():
            table = np.loadtxt(gzip.decompress(csv.read_bytes()).splitlines(), delimiter=",")
            if table.shape == (1797, 65):
                return table[:, :64], table[:, 64].astype(np.int64)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data, bunch.target
