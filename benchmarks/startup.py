"""A first session's waits: launch -> window, and a click on the welcome page -> a map.

    .venv/bin/python benchmarks/startup.py            # 5 fresh app processes per case
    .venv/bin/python benchmarks/startup.py --quick    # 1 each (CI smoke test)

Window: seconds from spawning a fresh interpreter to the main window on screen (the app's own
start path: ``prepare_environment`` and ``MainWindow``; PyTorch then loads behind it), against
a bare ``QMainWindow`` in a fresh interpreter, alternating, after one warm-up run (the target,
< 2 s, is for a warm machine); also the time until PyTorch has loaded behind the window.

Clicks, each in a fresh process (a first click is a cold one: nothing imported or cached but
the operating system's file cache), clicked as a user clicks once PyTorch has loaded:

- ``explore``: "Explore a trained MNIST VAE" (the shipped model on the shipped 12,000-image
  subset) -> the map's first paint with its points (target <= 2 s on 2 cores);
- ``train``: "Train a VAE on MNIST" (one-click training on the shipped subset) -> the first
  map's first paint (target <= 15 s on 2 cores); training is then stopped;
- ``digits`` (reference, the first run before the shipped data): one-click training on the
  built-in 8×8 digits -> first map.

Median over runs; JSON to benchmarks/results/startup.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROCESS_START = time.perf_counter()
HERE = Path(__file__).resolve().parent
CASES = ("explore", "train", "digits")
TARGETS_S = {"explore": 2.0, "train": 15.0}


APP = """
import time, tempfile
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


def time_process(code: str, timeout_s: float) -> dict[str, float]:
    """Seconds from spawning ``python -c code`` to each marker line it prints ({} if none)."""
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
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
    return marks


def measure_window(runs: int, timeout_s: float) -> dict[str, Any]:
    """Launch -> window shown (and -> PyTorch loaded), against a bare Qt window."""
    import _common

    time_process(APP, timeout_s)  # warm the file cache: the target is for a warm machine
    app_runs, bare_runs = [], []
    for _ in range(runs):
        app_runs.append(time_process(APP, timeout_s))
        bare_runs.append(time_process(BARE_QT, timeout_s))
    shown = [r["shown"] for r in app_runs if "shown" in r]
    torch_ready = [r["torch"] for r in app_runs if "torch" in r]
    bare = [r["shown"] for r in bare_runs if "shown" in r]
    return {
        "failed": sum(1 for r in app_runs if "torch" not in r),
        "app_window_shown_s": _common.summary(shown) if shown else None,
        "app_torch_loaded_s": _common.summary(torch_ready) if torch_ready else None,
        "reference_bare_qt_window_s": _common.summary(bare) if bare else None,
    }


def measure_in_this_process(case: str) -> dict[str, Any]:
    """One click of ``case`` in a fresh window; seconds to the map's first paint."""
    sys.path.insert(0, str(HERE))
    import _common
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    imported = time.perf_counter()
    _common.qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HOME"] = scratch  # run folders of the one-click training go here
        window = _common.open_window(Path(scratch))
        torch_ready = time.perf_counter()
        if case == "digits":
            from latentlab.jobs import training_request

            # The one-click run as it was before the shipped MNIST subset: digits, its preset.
            shipped = training_request.default_request
            training_request.default_request = lambda: shipped("digits")
        button = window.welcome.explore if case == "explore" else window.welcome.quick_train
        painted: list[float] = []
        spy = _common.PaintSpy(window.map.plot_widget.viewport())
        ready: list[float] = []

        def on_map(*_args: Any) -> None:
            ready.append(time.perf_counter())
            spy.callback = painted.append

        window.explorer.map_ready.connect(on_map)
        clicked = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        shown = _common.wait_until(lambda: bool(painted) and window.map.point_count() > 0, 120)
        result: dict[str, Any] = {
            "case": case,
            "ok": shown,
            "click_to_map_s": painted[0] - clicked if shown else None,
            "click_to_map_ready_s": ready[0] - clicked if ready else None,
            "points": window.map.point_count(),
            "launch_to_imports_s": imported - PROCESS_START,
            "launch_to_torch_ready_s": torch_ready - PROCESS_START,
            "error": window.last_error or None,
        }
        if case != "explore":
            window.training.stop()
            _common.wait_until(lambda: not window.training.running, 60)
        spy.remove()
        _common.close_window(window)
    return result


def _median_text(stats: dict[str, Any] | None) -> str:
    return "n/a" if stats is None else f"{stats['p50']:.2f} s"


def run_case(case: str, timeout_s: float) -> dict[str, Any]:
    """``case`` in a fresh interpreter; its result, or what went wrong (never raises)."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__)), "--one", case],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"case": case, "ok": False, "error": f"no result within {timeout_s:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return {"case": case, "ok": False, "error": f"exit {done.returncode}: {' | '.join(tail)}"}
    result = json.loads(lines[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per case (smoke test)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per process")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup.json")
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_in_this_process(args.one)), flush=True)
        return 0

    sys.path.insert(0, str(HERE))
    import _common

    runs = 1 if args.quick else args.runs
    report: dict[str, Any] = {
        "benchmark": "startup",
        "machine": _common.machine_info(),
        "settings": {"runs": runs, "cases": args.cases, "quick": args.quick},
        "definitions": {
            "click_to_map_s": "QTest.mouseClick on the welcome page's button -> the first "
            "paint of the map's viewport after explorer.map_ready, with points on the map",
            "process": "each run is a fresh interpreter; PyTorch loaded before the click",
        },
        "cases": {},
    }
    report["window"] = measure_window(runs, args.timeout)
    print(
        "window shown "
        + _median_text(report["window"]["app_window_shown_s"])
        + ", PyTorch loaded "
        + _median_text(report["window"]["app_torch_loaded_s"])
        + ", bare Qt window "
        + _median_text(report["window"]["reference_bare_qt_window_s"]),
        flush=True,
    )
    for case in args.cases:
        results = []
        for run in range(runs):
            result = run_case(case, args.timeout)
            results.append(result)
            took = result.get("click_to_map_s")
            print(
                f"[{case} {run + 1}/{runs}] "
                + (f"map in {took:.2f} s" if took is not None else f"FAILED: {result['error']}"),
                flush=True,
            )
        times = [r["click_to_map_s"] for r in results if r.get("click_to_map_s") is not None]
        report["cases"][case] = {
            "runs": results,
            "failed": sum(1 for r in results if not r.get("ok")),
            "click_to_map_s": _common.summary(times) if times else None,
            "launch_to_torch_ready_s": _common.summary(
                [r["launch_to_torch_ready_s"] for r in results if "launch_to_torch_ready_s" in r]
            )
            if times
            else None,
        }
    shown = report["window"]["app_window_shown_s"]
    report["targets"] = [
        _common.target("window on screen after launch (s, median)", shown and shown["p50"], 2.0)
    ] + [
        _common.target(
            f"{case}: click -> map on screen (s, median)",
            (report["cases"][case]["click_to_map_s"] or {}).get("p50"),
            limit,
        )
        for case, limit in TARGETS_S.items()
        if case in report["cases"]
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    for t in report["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        met = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        print(f"  {t['target']:<44} {t['direction']} {t['limit']:<5g} {value:>6}  {met}")
    print(f"wrote {args.out}")
    failed = report["window"]["failed"] + sum(c["failed"] for c in report["cases"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
