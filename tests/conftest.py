"""Shared fixtures. Core tests need no Qt; GUI tests get an offscreen platform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def digits():
    """The built-in digits dataset (offline, 1,797 images of 16×16)."""
    from latentlab.data import load_dataset

    return load_dataset("digits")


@pytest.fixture
def tiny_images():
    """A small synthetic dataset: 96 blobs of 16×16 in 3 classes (fast to train on)."""
    from latentlab.data import ImageSet

    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(96) % 3
    grid = torch.stack(torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij"))
    centres = torch.tensor([[4.0, 4.0], [8.0, 11.0], [12.0, 5.0]])[labels]
    centres = centres + torch.randn(96, 2, generator=generator)
    distance = ((grid[None] - centres[:, :, None, None]) ** 2).sum(1)
    images = (255 * torch.exp(-distance / 6)).round().to(torch.uint8)[:, None]
    test_mask = torch.arange(96) >= 80
    return ImageSet("blobs", images, labels, ("a", "b", "c"), test_mask)


@pytest.fixture(scope="session")
def shared_data_root() -> Path:
    """MNIST / Fashion-MNIST in torchvision's raw layout, when this machine has them."""
    if not (SHARED_DATA / "MNIST" / "raw").is_dir():
        pytest.skip(f"real datasets not present at {SHARED_DATA} (only on development machines)")
    return SHARED_DATA
