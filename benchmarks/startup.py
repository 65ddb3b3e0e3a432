"""Time from starting the app's process to its main window being on screen.

Each run is a fresh interpreter: spawn -> QApplication -> MainWindow shown (the app's own
start path: ``prepare_environment`` and ``MainWindow``; PyTorch loads behind the window, as in
``latentlab.ui.app.run_app``). The reference, in the same run and alternating with it, is a
bare QMainWindow in a fresh interpreter: the floor that Python + Qt set. Also reported: the
time until PyTorch has finished loading behind the window. Median of several runs, JSON out.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--out benchmarks/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

APP = """
import time, tempfile
t0 = time.perf_counter()
from latentlab.ui.app import prepare_environment
prepare_environment()
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from latentlab.ui.main_window import MainWindow
window = MainWindow(QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat))
window.show()
def shown():
    print("shown", flush=True)
    window.torch_ready.connect(lambda: (print("torch", flush=True), app.quit()))
    window.load_torch_in_background()
QTimer.singleShot(0, shown)
app.exec()
"""

BARE_QT = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""


def time_process(code: str) -> dict[str, float]:
    """Seconds from spawning ``python -c code`` to each marker line it prints."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    marks: dict[str, float] = {}
    assert process.stdout is not None
    for line in process.stdout:
        marks[line.strip()] = time.perf_counter() - started
    process.wait(timeout=120)
    if "shown" not in marks:
        raise RuntimeError("the window was never shown")
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default="benchmarks/results/startup.json")
    args = parser.parse_args()

    time_process(APP)  # warm the file cache: the target is for a warm machine
    app_runs, bare_runs = [], []
    for _ in range(args.runs):
        app_runs.append(time_process(APP))
        bare_runs.append(time_process(BARE_QT))
    shown = [r["shown"] for r in app_runs]
    torch_ready = [r["torch"] for r in app_runs if "torch" in r]
    bare = [r["shown"] for r in bare_runs]
    result = {
        "benchmark": "startup",
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
        },
        "runs": args.runs,
        "app_window_shown_s": _stats(shown),
        "app_torch_loaded_s": _stats(torch_ready),
        "reference_bare_qt_window_s": _stats(bare),
        "target": {"window_shown_s": 2.0, "met": statistics.median(shown) < 2.0},
    }
    print(f"{'':28}{'median':>8}{'min':>8}{'max':>8}   (s, {args.runs} runs each)")
    for name, key in (
        ("LatentLab window shown", "app_window_shown_s"),
        ("PyTorch loaded behind it", "app_torch_loaded_s"),
        ("reference: bare Qt window", "reference_bare_qt_window_s"),
    ):
        s = result[key]
        print(f"{name:28}{s['median']:8.2f}{s['min']:8.2f}{s['max']:8.2f}")
    print(f"target: window shown < 2 s: {'met' if result['target']['met'] else 'NOT met'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


if __name__ == "__main__":
    sys.exit(main())
