"""Deterministic train/test split for sources that have no official one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

TEST_FRACTION = 0.2
SPLIT_SEED = 0


def random_test_mask(
    n: int, *, fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> torch.Tensor:
    """Bool mask of length ``n`` with ``round(fraction * n)`` True entries.

    The choice depends only on ``n`` and ``seed``, so the same folder or file gets the same split
    on every run and every machine (numpy's PCG64 stream is stable across versions).
    """
    import torch  # here: the test fraction is read where torch must not load (the dialog)

    n_test = round(fraction * n)
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n)[:n_test]] = True
    return torch.from_numpy(mask)
