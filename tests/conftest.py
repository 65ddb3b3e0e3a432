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


@pytest.fixture
def opened(qtbot, window, digits_checkpoint):
    """The window with the digits VAE open and its map on screen."""
    from gui_helpers import open_and_wait

    open_and_wait(qtbot, window, digits_checkpoint)
    return window


@pytest.fixture(autouse=True)
def _no_dangling_threads(monkeypatch):
    """Fails a test that leaves a worker running after it (napari's ``_dangling_qthreads``):
    a job on a QThreadPool, a QThread started during the test, or a non-daemon Python thread.
    Workers still finishing get a few seconds. The Qt checks run only where PySide6 is
    already imported, so core tests never load Qt for this."""
    import sys
    import threading
    import time
    import traceback
    import weakref

    grace_s = 5.0

    def started_from() -> str:
        """The last few frames of ours (tests, latentlab) that started a thread or job."""
        frames = traceback.extract_stack()[:-2]
        repo, venv = str(REPO_ROOT), str(REPO_ROOT / ".venv")
        ours = [f for f in frames if f.filename.startswith(repo) and venv not in f.filename]
        lines = traceback.format_list((ours or frames)[-3:])
        return "\n".join("      " + line.strip().replace("\n", "\n      ") for line in lines)

    def describe_job(runnable) -> str:
        """A superqt worker by its function or generator; other runnables by their type."""
        func = getattr(runnable, "_func", None)
        gen = getattr(runnable, "_gen", None)
        code = getattr(gen, "gi_code", None)
        if func is not None:
            return f"job {getattr(func, '__qualname__', func)!s}"
        if code is not None:
            return f"job {code.co_name} (generator)"
        return f"job {getattr(runnable, '__qualname__', type(runnable).__name__)}"

    threads_before = set(threading.enumerate())
    python_threads = weakref.WeakKeyDictionary()  # threading.Thread -> where it was started
    original_python_start = threading.Thread.start

    def python_start(self, *args, **kwargs):
        python_threads[self] = started_from()
        return original_python_start(self, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "start", python_start)
    qthreads = weakref.WeakKeyDictionary()  # QThread -> where it was started
    jobs = []  # (pool, description, weakref to the runnable or None, where it was started)
    qt_loaded = "PySide6.QtCore" in sys.modules
    if qt_loaded:
        from PySide6.QtCore import QThread, QThreadPool

        original_thread_start = QThread.start
        original_pool_start = QThreadPool.start

        def thread_start(self, *args, **kwargs):
            qthreads[self] = started_from()
            return original_thread_start(self, *args, **kwargs)

        def pool_start(self, runnable, *args, **kwargs):
            try:
                ref = weakref.ref(runnable)
            except TypeError:
                ref = None
            jobs.append((self, describe_job(runnable), ref, started_from()))
            return original_pool_start(self, runnable, *args, **kwargs)

        monkeypatch.setattr(QThread, "start", thread_start)
        monkeypatch.setattr(QThreadPool, "start", pool_start)

    yield

    deadline = time.monotonic() + grace_s
    left: list[str] = []
    qt_loaded = "PySide6.QtCore" in sys.modules  # perhaps imported by the test itself
    if qt_loaded:
        from PySide6.QtCore import QThreadPool

        pools = [QThreadPool.globalInstance()]
        for pool, *_ in jobs:
            if all(pool is not known for known in pools):
                pools.append(pool)
        for pool in pools:
            try:
                remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
                if pool.waitForDone(remaining_ms):
                    continue
                active = pool.activeThreadCount()
            except RuntimeError:  # a pool deleted on the C++ side has no jobs left
                continue
            named = []
            for job_pool, description, ref, where in jobs:
                runnable = None if ref is None else ref()
                if job_pool is pool and getattr(runnable, "_running", False):
                    named.append(f"    {description}, started at\n{where}")
            pool_name = "the global QThreadPool" if pool is pools[0] else repr(pool)
            left.append(f"  {active} job(s) still running on {pool_name}:")
            left.extend(named or ["    (not traced: started from C++ or before Qt was imported)"])
        for thread, where in list(qthreads.items()):
            try:
                remaining_ms = max(100, int((deadline - time.monotonic()) * 1000))
                if not thread.isRunning() or thread.wait(remaining_ms):
                    continue
                name = thread.objectName() or type(thread).__name__
            except RuntimeError:  # deleted on the C++ side: not running
                continue
            left.append(f"  QThread {name!r}, started at\n{where}")
    for thread in threading.enumerate():
        if thread in threads_before or thread.daemon or thread is threading.current_thread():
            continue
        target = getattr(thread, "_target", None)
        if getattr(target, "__module__", None) == "concurrent.futures.thread":
            # A worker of a ThreadPoolExecutor that its owner keeps for later (torch.compile's
            # compile pool lives as long as the process); a forgotten one ends by itself.
            owner = (getattr(thread, "_args", None) or (None,))[0]
            executor = owner() if isinstance(owner, weakref.ref) else None
            if executor is not None and not getattr(executor, "_shutdown", True):
                continue
        thread.join(max(0.1, deadline - time.monotonic()))
        if thread.is_alive():
            what = f" running {getattr(target, '__qualname__', target)}" if target else ""
            where = python_threads.get(thread)
            left.append(f"  Python thread {thread.name!r}{what}")
            if where:
                left[-1] += f", started at\n{where}"
    if not left:
        return
    # Stop what can be stopped, so the tests after this one are not blamed for it.
    if qt_loaded:
        for thread in list(qthreads):
            try:
                if thread.isRunning():
                    thread.quit()
                    thread.wait(2000)
            except RuntimeError:
                pass
        QThreadPool.globalInstance().waitForDone(30_000)
    pytest.fail(
        f"Threads or workers were left running after the test ({grace_s:.0f} s grace):\n"
        + "\n".join(left),
        pytrace=False,
    )


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test (files from strangers must never
    make LatentLab download anything)."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
