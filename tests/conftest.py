"""Shared fixtures. Core tests need no Qt; GUI tests get an offscreen platform."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Domain classifiers trained by tests are cached here, not in the user's cache folder.
os.environ.setdefault("LATENTLAB_CACHE_DIR", tempfile.mkdtemp(prefix="latentlab-test-cache-"))
# As the app does before importing torch: OpenMP threads that spin would starve the other
# workers (map, classifier, decoder) on small machines.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
GUI_TIMEOUT_MS = 60_000


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


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window as a user gets it, PyTorch loaded; checks no worker outlives it."""
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings, QThreadPool

    from latentlab.ui.main_window import MainWindow

    old_rate = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)  # synthetic mouse moves come faster than 10 ms
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.torch_ready, timeout=GUI_TIMEOUT_MS):
        win.load_torch_in_background()
    yield win
    win.close()
    pg.setConfigOption("mouseRateLimit", old_rate)
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "a worker outlived the window"


@pytest.fixture(scope="session")
def digits_checkpoint(tmp_path_factory, digits):
    """A small VAE trained for two epochs on the built-in digits."""
    from trained_models import train_digits_vae

    trainer = train_digits_vae(digits, epochs=2)
    return trainer.save(tmp_path_factory.mktemp("ckpt") / "digits.safetensors")
