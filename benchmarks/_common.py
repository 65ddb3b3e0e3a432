"""Helpers shared by the app-level benchmarks (interaction.py, event_loop_stall.py).

A real MainWindow on the offscreen platform with throwaway settings, waiting on signals
through a nested event loop (never a busy loop: spinning ``processEvents`` in Python would
hold the GIL and slow the worker threads being measured), small checkpoints trained on the
spot, statistics and the machine description written into every JSON report.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6 import QtCore, QtWidgets

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared" / "data"
WINDOW_SIZE = (1280, 800)

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Start as the app starts, before torch is imported, so the numbers are the app's.
from latentlab.ui.app import prepare_environment  # noqa: E402

prepare_environment()


def keep_datasets_in(data_root: str | Path) -> None:
    """Look for named datasets in ``data_root``, as a user does with ``$LATENTLAB_DATA``.

    A checkpoint's dataset is reopened where the user keeps data, never in the folder the
    file names (see ``reopen_dataset``); the benchmarks keep theirs in ``--data-root``. A
    ``$LATENTLAB_DATA`` already set wins.
    """
    from latentlab.data.paths import DATA_ROOT_ENV

    os.environ.setdefault(DATA_ROOT_ENV, str(Path(data_root).expanduser()))


# -- Qt plumbing ----------------------------------------------------------------------------


def qt_app() -> QtWidgets.QApplication:
    """The QApplication (created once), with pyqtgraph's mouse-move throttle off so
    synthetic mouse events are not dropped (as tests/test_app.py does)."""
    import pyqtgraph as pg

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0]])
    pg.setConfigOption("mouseRateLimit", 0)
    return app


def spin(seconds: float) -> None:
    """Run the event loop for ``seconds`` (the thread sleeps in Qt, the GIL is free)."""
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(max(0, round(seconds * 1000)), loop.quit)
    loop.exec()


def wait_signal(
    signal: Any,
    timeout_s: float,
    check: Callable[..., bool] | None = None,
    action: Callable[[], Any] | None = None,
) -> tuple | None:
    """Call ``action`` (if given), then run the event loop until ``signal`` fires with
    arguments passing ``check``; those arguments, or None on timeout. The slot is connected
    before ``action`` runs, so a fast worker cannot answer unseen."""
    loop = QtCore.QEventLoop()
    got: list[tuple] = []

    def on_signal(*args: Any) -> None:
        if not got and (check is None or check(*args)):
            got.append(args)
            loop.quit()

    signal.connect(on_signal)
    if action is not None:
        action()
    timer = QtCore.QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(round(timeout_s * 1000))
    try:
        if not got:
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(on_signal)
    return got[0] if got else None


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_ms: int = 5) -> bool:
    """Run the event loop until ``predicate()`` is true; False on timeout."""
    deadline = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        spin(poll_ms / 1000)
    return True


class PaintSpy(QtCore.QObject):
    """Counts paint events of one widget and remembers when the last one began."""

    def __init__(self, widget: QtWidgets.QWidget) -> None:
        super().__init__()
        self.count = 0
        self.last = 0.0
        self.callback: Callable[[float], None] | None = None
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            self.count += 1
            self.last = time.perf_counter()
            if self.callback is not None:
                self.callback(self.last)
        return False

    def remove(self) -> None:
        self._widget.removeEventFilter(self)


# -- the app ----------------------------------------------------------------------------------


def open_window(settings_dir: Path, size: tuple[int, int] = WINDOW_SIZE) -> Any:
    """A shown MainWindow (offscreen) whose settings live in ``settings_dir``, with PyTorch
    loaded the way the app loads it (``load_torch_in_background`` + ``torch_ready``)."""
    from latentlab.ui.main_window import MainWindow

    settings = QtCore.QSettings(
        str(Path(settings_dir) / "settings.ini"), QtCore.QSettings.Format.IniFormat
    )
    window = MainWindow(settings)
    window.resize(*size)
    window.show()
    loaded: list[bool] = []
    window.torch_ready.connect(lambda: loaded.append(True))
    window.load_torch_in_background()
    if not wait_until(lambda: bool(loaded), 120):
        raise RuntimeError("PyTorch did not load within 120 s")
    spin(0.05)  # the window's own (queued) torch_ready slot
    return window


def open_model(window: Any, path: Path, timeout_s: float = 180) -> float:
    """Open a checkpoint through ``open_checkpoint`` and wait for ``explorer.map_ready``
    (then for the map to be fitted once shown); seconds it took."""
    started = time.perf_counter()
    ready: list[Any] = []
    window.explorer.map_ready.connect(ready.append)
    window.open_checkpoint(str(path))
    wait_until(lambda: bool(ready) or bool(window.last_error), timeout_s)
    window.explorer.map_ready.disconnect(ready.append)
    if not ready:
        raise RuntimeError(f"{path} did not open: {window.last_error or 'timeout'}")
    elapsed = time.perf_counter() - started
    spin(0.3)  # _fit_map_once_shown and the first paints
    return elapsed


def close_window(window: Any) -> None:
    window.close()
    window.deleteLater()
    spin(0.05)


def random_places(window: Any, count: int, seed: int, margin: float = 0.05) -> np.ndarray:
    """``count`` random data positions inside the current map view (away from its edges)."""
    x0, x1, y0, y1 = window.map.view_range()
    rng = np.random.default_rng(seed)
    xs = rng.uniform(x0 + margin * (x1 - x0), x1 - margin * (x1 - x0), count)
    ys = rng.uniform(y0 + margin * (y1 - y0), y1 - margin * (y1 - y0), count)
    return np.stack([xs, ys], axis=1)


# -- checkpoints ----------------------------------------------------------------------------


def train_digits_checkpoint(out_dir: Path, epochs: int = 20, kind: str = "vae") -> Path:
    """A conv VAE (or another ``kind``; latent 8) trained on the built-in digits, saved in
    ``out_dir``."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.data import load_dataset
    from latentlab.training import DatasetInfo, Trainer

    digits = load_dataset("digits")
    trainer = Trainer(
        ModelConfig(kind=kind, latent_dim=8),
        TrainConfig(epochs=epochs, batch_size=32),
        digits,
        dataset_info=DatasetInfo(name="digits", class_names=digits.class_names, spec="digits"),
    )
    for _ in trainer.run():
        pass
    return trainer.save(Path(out_dir) / f"digits-{kind}-e{epochs}.safetensors")


def mnist_missing_reason(data_root: Path) -> str | None:
    """Why MNIST cannot be loaded from ``data_root`` without downloading (None: it can)."""
    from latentlab.data import load_dataset

    try:
        load_dataset("mnist", data_root=data_root, download=False)
    except Exception as error:  # DatasetError with a user-facing message
        return f"MNIST not available at {data_root}: {error}"
    return None


def skipped_without_mnist(report: dict, data_root: Path, out: Path) -> bool:
    """If MNIST is not at ``data_root``: say so, write ``report`` with the reason to ``out``
    and return True (the caller stops)."""
    import json

    missing = mnist_missing_reason(data_root)
    if missing is None:
        return False
    report["skipped"] = missing
    print(missing)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return True


def train_mnist_checkpoint(
    out_dir: Path,
    data_root: Path,
    epochs: int = 1,
    max_steps: int | None = None,
    kind: str = "vae",
) -> Path:
    """A conv VAE (or another ``kind`` of autoencoder; latent 16) trained on MNIST from
    ``data_root`` (never downloads); ``max_steps`` stops early (a stopped run still saves a
    usable model)."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.data import load_dataset
    from latentlab.training import DatasetInfo, StepProgress, Trainer, TrainingControl

    mnist = load_dataset("mnist", data_root=data_root, download=False)
    control = TrainingControl()
    trainer = Trainer(
        ModelConfig(kind=kind, latent_dim=16),
        TrainConfig(epochs=epochs, batch_size=128),
        mnist,
        dataset_info=DatasetInfo(
            name="mnist", class_names=mnist.class_names, spec="mnist", data_root=str(data_root)
        ),
        control=control,
    )
    for record in trainer.run():
        stepped = isinstance(record, StepProgress)
        if stepped and max_steps is not None and record.step >= max_steps:
            control.stop()
    suffix = f"s{trainer.global_step}" if max_steps is not None else f"e{epochs}"
    return trainer.save(Path(out_dir) / f"mnist-{kind}-{suffix}.safetensors")


# -- numbers ----------------------------------------------------------------------------------


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """n, mean, p50, p95, p99 and max of a list of numbers (ms, usually)."""
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"n": 0}
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
        "p99": float(np.percentile(a, 99)),
        "max": float(a.max()),
    }


def target(
    name: str, value: float | None, limit: float, *, higher_is_better: bool = False
) -> dict[str, Any]:
    """A target and whether ``value`` meets it (None: not measured)."""
    met = None
    if value is not None:
        met = bool(value >= limit) if higher_is_better else bool(value <= limit)
    return {
        "target": name,
        "limit": limit,
        "value": value,
        "met": met,
        "direction": ">=" if higher_is_better else "<=",
    }


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on; the load average says how busy the machine was
    (the benchmarks share their cores with whatever else runs)."""
    import pyqtgraph as pg
    import PySide6
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "python": platform.python_version(),
        "os": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "pyside6": PySide6.__version__,
        "qt": QtCore.qVersion(),
        "pyqtgraph": pg.__version__,
        "numpy": np.__version__,
        "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
        "code": code_state(),
    }


def code_state() -> dict[str, Any]:
    """The commit measured and the files that differ from it (read-only git calls)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD").strip() or None,
        "modified": [line[3:] for line in status.splitlines() if line.strip()],
    }


def load_average() -> list[float] | None:
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def click_map(window: Any, x: float, y: float) -> None:
    """A left click on the window's map at map position (x, y)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(
        window.map.plot_widget.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        window.map.data_to_viewport(float(x), float(y)),
    )


def class_centre(data: Any, label: int) -> np.ndarray:
    """The median map position of the points of class ``label``."""
    return np.median(data.xy[data.cloud.labels == label], axis=0)
