"""Label vectors of a conditional model (no torch: the app's class controls use it)."""

from __future__ import annotations

import numpy as np


def mixed_label(count: int, first: int, second: int, amount: float) -> np.ndarray:
    """The label vector (1 − amount)·one_hot(first) + amount·one_hot(second) of ``count``
    classes: 0.5 is half of each, as in the course's "setting the label values of the two
    emotions to 0.5"."""
    label = np.zeros(count, dtype=np.float32)
    label[first] += 1.0 - amount
    label[second] += amount
    return label
