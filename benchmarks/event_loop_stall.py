"""How long the LatentLab window's event loop stalls while a model trains on the CPU.

A real ``MainWindow`` (offscreen, throwaway settings) starts training through the app's own
path, ``window.start_training(default_request())`` (the digits VAE of the welcome page's
button; ``--mnist`` adds an MNIST run), and keeps training until the last map rebuild
after the run. Meanwhile a 5 ms precise QTimer ticks on the GUI thread; each tick's
interval minus 5 ms is a *stall*: how late the loop was to serve an event. A second timer
clicks a random place of the map every 100 ms once the map is shown, as a user exploring
during training would, so decodes and preview repaints compete too. The reference is the
same measurement (ticks and clicks) in the same window right after the run: map shown,
nothing training.

Where stalls come from (no app code is changed; the benchmark process only wraps a few
methods of its own window's instances, and watches):

* time inside GUI-thread slots: ``TrainingController._on_record`` per record type, the
  training dock's ``show_*``, ``Explorer._on_map_built`` / ``set_model``, ``LatentMap``'s
  ``set_points`` / ``set_colour_values`` / ``set_colour_mode``, the preview, and the
  ``paintEvent`` of the map, the loss plot and the training preview grids;
* the GUI thread's scheduler statistics (``/proc/thread-self/schedstat``) read at every
  tick: of each stalled interval, how long the thread ran on a CPU, how long it was
  runnable but waiting for a CPU (other threads or processes had the cores), and how long
  it slept although its timer was due (blocked: waiting for the GIL, mostly);
* optionally (``--train-threads N``) the training thread calls ``torch.set_num_threads(N)``
  before it starts, to compare 1 with 2 intra-op threads.

    python benchmarks/event_loop_stall.py [--quick] [--mnist] [--train-threads 1]
        [--compare-threads] [--out PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import _common
import numpy as np
from _common import spin, summary, target, wait_until
from PySide6 import QtCore
from PySide6.QtTest import QTest

from latentlab.session.decode_purposes import PreviewDecode

TICK_MS = 5
CLICK_EVERY_MS = 100
STALL_LIMIT_MS = 50.0
P99_TARGET_MS = 50.0
_LEFT = QtCore.Qt.MouseButton.LeftButton
_NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier


# -- measuring --------------------------------------------------------------------------------


class SchedStat:
    """This thread's CPU time and run-queue wait (ns) from /proc, or zeros elsewhere."""

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self) -> tuple[int, int]:
        if self._fd is None:
            return 0, 0
        fields = os.pread(self._fd, 128, 0).split()
        return int(fields[0]), int(fields[1])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class TickMeter:
    """A precise 5 ms timer; records when each tick ran and the thread's schedstat then."""

    def __init__(self, interval_ms: int = TICK_MS) -> None:
        self.interval_ms = interval_ms
        self.times: list[float] = []
        self.cpu_ns: list[int] = []
        self.wait_ns: list[int] = []
        self._sched = SchedStat()
        self._timer = QtCore.QTimer()
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        cpu, wait = self._sched.read()
        self.times.append(time.perf_counter())
        self.cpu_ns.append(cpu)
        self.wait_ns.append(wait)

    def start(self) -> None:
        self._tick()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._sched.close()

    def intervals(self) -> dict[str, np.ndarray]:
        """Per interval: start time, stall (ms), ms on a CPU, ms waiting for a CPU."""
        t = np.asarray(self.times)
        return {
            "start": t[:-1],
            "end": t[1:],
            "stall_ms": np.maximum(np.diff(t) * 1e3 - self.interval_ms, 0.0),
            "interval_ms": np.diff(t) * 1e3,
            "cpu_ms": np.diff(np.asarray(self.cpu_ns, dtype=np.float64)) / 1e6,
            "runqueue_ms": np.diff(np.asarray(self.wait_ns, dtype=np.float64)) / 1e6,
        }


class MapClicker:
    """Clicks a random place of the shown map every 100 ms (a user exploring)."""

    def __init__(self, window: Any, every_ms: int = CLICK_EVERY_MS, seed: int = 0) -> None:
        self.window = window
        self.clicks = 0
        self.previews = 0
        self.dispatch_ms: list[float] = []
        self._rng = np.random.default_rng(seed)
        self._timer = QtCore.QTimer()
        self._timer.setInterval(every_ms)
        self._timer.timeout.connect(self._click)
        window.explorer.decoder.decoded.connect(self._on_decoded)

    def _on_decoded(self, result: Any) -> None:
        if isinstance(result.purpose, PreviewDecode):
            self.previews += 1

    def _click(self) -> None:
        window = self.window
        if window.explorer.map_data is None or window.central.currentWidget() is not window.map:
            return
        x0, x1, y0, y1 = window.map.view_range()
        x = x0 + (0.1 + 0.8 * self._rng.random()) * (x1 - x0)
        y = y0 + (0.1 + 0.8 * self._rng.random()) * (y1 - y0)
        t0 = time.perf_counter()
        QTest.mouseClick(
            window.map.plot_widget.viewport(),
            _LEFT,
            _NO_MODIFIER,
            window.map.data_to_viewport(x, y),
        )
        self.dispatch_ms.append((time.perf_counter() - t0) * 1e3)
        self.clicks += 1

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.window.explorer.decoder.decoded.disconnect(self._on_decoded)


class SlotTimer:
    """Wraps methods of the window's own objects (instance attributes, so only this
    process's window is touched) and records every call as (name, start, end)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self._patched: list[tuple[Any, str]] = []

    def wrap(self, obj: Any, attribute: str, name: str, by_type: bool = False) -> None:
        original = getattr(obj, attribute)
        calls = self.calls

        def timed(*args: Any, **kwargs: Any) -> Any:
            label = f"{name}:{type(args[0]).__name__}" if by_type and args else name
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls.append((label, t0, time.perf_counter()))

        setattr(obj, attribute, timed)
        self._patched.append((obj, attribute))

    def unwrap(self) -> None:
        for obj, attribute in reversed(self._patched):
            with contextlib.suppress(AttributeError):
                delattr(obj, attribute)
        self._patched.clear()


def instrument(window: Any, slots: SlotTimer) -> None:
    """The GUI-thread code suspected of stalling the loop while training runs."""
    dock, explorer, map_ = window.training_dock, window.explorer, window.map
    # Bound when training starts, so wrapping the instance attribute before is enough.
    slots.wrap(window.training, "_on_record", "TrainingController._on_record", by_type=True)
    for method in ("show_step", "show_previews", "show_epoch", "begin_run", "show_finished"):
        slots.wrap(dock, method, f"TrainingDock.{method}")
    slots.wrap(explorer, "set_model", "Explorer.set_model")
    slots.wrap(explorer, "_on_map_built", "Explorer._on_map_built")
    slots.wrap(explorer, "_redecode_after_model_change", "Explorer._redecode_after_model_change")
    for method in ("set_points", "set_colour_values", "set_colour_mode", "set_axis_labels"):
        slots.wrap(map_, method, f"LatentMap.{method}")
    slots.wrap(window.preview_dock, "show_preview", "PreviewDock.show_preview")
    slots.wrap(window.interpolation_dock, "refresh", "InterpolationDock.refresh")
    # paintEvent overrides on instances reach Qt (pyqtgraph's GraphicsView is Python).
    slots.wrap(map_.plot_widget, "paintEvent", "paint: latent map")
    slots.wrap(dock.loss_plot.loss_widget, "paintEvent", "paint: loss plot")
    slots.wrap(dock.loss_plot.score_widget, "paintEvent", "paint: score plot")
    slots.wrap(dock.samples_panel.view, "paintEvent", "paint: samples grid")
    slots.wrap(dock.reconstructions_panel.view, "paintEvent", "paint: reconstructions grid")


def thread_cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) per thread of this process, keyed 'name[tid]'."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[f"{name}[{tid}]"] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_by_thread(before: dict[str, float], after: dict[str, float]) -> list[dict]:
    rows = [
        {"thread": key, "cpu_s": after[key] - before.get(key, 0.0)}
        for key in after
        if after[key] - before.get(key, 0.0) > 0.05
    ]
    return sorted(rows, key=lambda r: -r["cpu_s"])


# -- analysis ---------------------------------------------------------------------------------


def stall_report(
    meter: TickMeter, calls: list[tuple[str, float, float]], t_from: float, t_to: float
) -> dict[str, Any]:
    """Statistics of the stalls between ``t_from`` and ``t_to``, and what overlapped the
    long ones."""
    iv = meter.intervals()
    keep = (iv["start"] >= t_from) & (iv["end"] <= t_to)
    iv = {k: v[keep] for k, v in iv.items()}
    stall = iv["stall_ms"]
    out: dict[str, Any] = {
        "seconds": float(t_to - t_from),
        "ticks": int(stall.size),
        "stall_ms": summary(stall),
        "stalls_over_50ms": int((stall > STALL_LIMIT_MS).sum()),
        "stalls_over_16ms": int((stall > 16).sum()),
        "time_in_stalls_over_16ms_s": float(stall[stall > 16].sum() / 1e3),
    }
    long = stall > 16
    if long.any():
        # Of the long intervals: the GUI thread on a CPU, waiting for one, or asleep
        # although its timer was due (blocked: the GIL, a lock) beyond the 5 ms period.
        interval = iv["interval_ms"][long]
        cpu, runq = iv["cpu_ms"][long], iv["runqueue_ms"][long]
        blocked = np.maximum(interval - cpu - runq - meter.interval_ms, 0.0)
        total = float(interval.sum())
        out["long_stalls_breakdown"] = {
            "count": int(long.sum()),
            "interval_ms_total": total,
            "on_cpu_share": float(cpu.sum() / total),
            "runqueue_wait_share": float(runq.sum() / total),
            "blocked_share": float(blocked.sum() / total),
        }
    # Slots overlapping each long stall (a call may span several).
    per_slot: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"calls": 0, "total_ms": 0.0, "times": [], "in_stalls_over_50ms": 0}
    )
    for name, s, e in calls:
        if s < t_from or e > t_to:
            continue
        row = per_slot[name]
        row["calls"] += 1
        row["total_ms"] += (e - s) * 1e3
        row["times"].append((e - s) * 1e3)
    worst = np.argsort(stall)[::-1][: min(15, int((stall > 16).sum()))]
    top = []
    for i in worst:
        start, end = iv["start"][i], iv["end"][i]
        overlapping = sorted(
            {
                (name, round((min(e, end) - max(s, start)) * 1e3, 1))
                for name, s, e in calls
                if s < end and e > start
            },
            key=lambda pair: -pair[1],
        )
        top.append(
            {
                "at_s": float(start - t_from),
                "stall_ms": float(stall[i]),
                "on_cpu_ms": float(iv["cpu_ms"][i]),
                "runqueue_ms": float(iv["runqueue_ms"][i]),
                "overlapping_ms": [list(p) for p in overlapping[:6]],
            }
        )
    for i in np.flatnonzero(stall > STALL_LIMIT_MS):
        start, end = iv["start"][i], iv["end"][i]
        for name in {name for name, s, e in calls if s < end and e > start}:
            per_slot[name]["in_stalls_over_50ms"] += 1
    out["slots"] = {
        name: {
            "calls": row["calls"],
            "total_ms": row["total_ms"],
            "ms": summary(row["times"]),
            "in_stalls_over_50ms": row["in_stalls_over_50ms"],
        }
        for name, row in sorted(per_slot.items(), key=lambda kv: -kv[1]["total_ms"])
    }
    out["worst_stalls"] = top
    return out


# -- phases -----------------------------------------------------------------------------------


def idle_phase(window: Any, seconds: float, slots: SlotTimer) -> dict[str, Any]:
    """The reference: the same window after training (map shown), same ticks and clicks,
    nothing training."""
    meter = TickMeter()
    clicker = MapClicker(window, seed=1)
    before = thread_cpu_seconds()
    t0 = time.perf_counter()
    meter.start()
    clicker.start()
    spin(seconds)
    clicker.stop()
    meter.stop()
    t1 = time.perf_counter()
    out = stall_report(meter, slots.calls, t0, t1)
    out["clicks"] = clicker.clicks
    out["previews_decoded"] = clicker.previews
    out["click_dispatch_ms"] = summary(clicker.dispatch_ms)
    out["cpu_by_thread"] = cpu_by_thread(before, thread_cpu_seconds())
    return out


def with_training_threads(threads: int | None) -> Any:
    """Make the app's training job call torch.set_num_threads(threads) on its own thread
    first (None: leave PyTorch's default). Returns an undo function."""
    import latentlab.ui.training.training_controller as controller

    original = controller.training_job
    if threads is None:
        return lambda: None

    def training_job(request: Any, control: Any):
        import torch

        torch.set_num_threads(threads)
        yield from original(request, control)

    controller.training_job = training_job

    def undo() -> None:
        controller.training_job = original

    return undo


class GilSampler:
    """``py-spy record --gil`` on this process while training runs (optional): which
    worker-thread code holds the GIL, the thing a starved GUI thread waits for."""

    def __init__(self, py_spy: str | None, rate: int = 200) -> None:
        self.py_spy, self.rate = py_spy, rate
        self._process: subprocess.Popen | None = None
        self._output = Path(tempfile.mkstemp(prefix="gil-", suffix=".txt")[1])

    def start(self) -> None:
        if not self.py_spy:
            return
        command = [
            self.py_spy, "record", "--pid", str(os.getpid()), "--gil", "--threads",
            "--nonblocking", "--rate", str(self.rate), "--format", "raw",
            "--output", str(self._output),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        spin(1.0)  # py-spy attaches

    def stop(self) -> dict[str, Any] | None:
        if self._process is None:
            return None
        self._process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
        return self._summarise()

    def _summarise(self) -> dict[str, Any]:
        main_tid = threading.main_thread().native_id
        sites: dict[str, int] = defaultdict(int)
        per_thread: dict[str, int] = defaultdict(int)
        total = 0
        try:
            lines = self._output.read_text().splitlines()
        except OSError:
            return {"error": "py-spy wrote nothing"}
        finally:
            self._output.unlink(missing_ok=True)
        for line in lines:
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if not frames or not count.isdigit():
                continue
            thread = frames[0]
            if f"({main_tid})" in thread:
                continue
            n = int(count)
            total += n
            per_thread[thread] += n
            sites[_gil_site(frames[1:])] += n
        top = sorted(sites.items(), key=lambda kv: -kv[1])[:10]
        return {
            "rate_hz": self.rate,
            "worker_gil_seconds": total / self.rate,
            "by_thread_s": {k: v / self.rate for k, v in per_thread.items()},
            "top_sites_s": [[site, n / self.rate] for site, n in top],
        }


def _gil_site(frames: list[str]) -> str:
    """'innermost latentlab frame -> the frame below it' of a py-spy stack (outer first)."""

    def short(frame: str) -> str:
        name, _, where = frame.partition(" (")
        return f"{name} ({where.rstrip(')').split('/')[-1]})"

    ours = [i for i, f in enumerate(frames) if "(latentlab/" in f or "/latentlab/" in f]
    if not ours:
        return short(frames[-1]) if frames else "?"
    i = ours[-1]
    below = next((f for f in frames[i + 1 :] if "importlib" not in f), None)
    importing = any("importlib" in f for f in frames[i + 1 :])
    site = short(frames[i])
    if below:
        site += f" -> {short(below)}"
    return site + (" [importing modules]" if importing else "")


def training_phase(
    window: Any,
    request: Any,
    slots: SlotTimer,
    threads: int | None,
    timeout_s: float,
    py_spy: str | None = None,
) -> dict[str, Any]:
    """Train through ``window.start_training``; ticks and clicks until the run ended and
    the map was rebuilt for the final weights. Reported whole, and split at the first
    progress record: "startup" (dataset, model, optimizer) and "steady" (training)."""
    events: list[tuple[float, str]] = []
    window.training.run_finished.connect(lambda r: events.append((time.perf_counter(), "end")))
    window.training.model_updated.connect(
        lambda s: events.append((time.perf_counter(), f"snapshot {s.epoch}"))
    )
    window.explorer.map_ready.connect(lambda d: events.append((time.perf_counter(), "map")))
    undo = with_training_threads(threads)
    sampler = GilSampler(py_spy)
    sampler.start()
    meter = TickMeter()
    clicker = MapClicker(window, seed=2)
    before = thread_cpu_seconds()
    t0 = time.perf_counter()
    meter.start()
    clicker.start()
    try:
        window.start_training(request)
        ended = wait_until(
            lambda: any(kind == "end" for _, kind in events) and not window.training.running,
            timeout_s,
            poll_ms=50,
        )
        trained = time.perf_counter()
        # The final snapshot's map: wait until no map job is running or pending.
        wait_until(lambda: window.busy_label.text() == "", 60, poll_ms=50)
        spin(0.5)
    finally:
        clicker.stop()
        meter.stop()
        undo()
    t1 = time.perf_counter()
    gil = sampler.stop()
    out = stall_report(meter, slots.calls, t0, t1)
    first_step = next(
        (s for name, s, _ in slots.calls if name.endswith(":StepProgress") and s >= t0), None
    )
    if first_step is not None:
        out["phases"] = {
            "startup": stall_summary(meter, t0, first_step),
            "steady": stall_summary(meter, first_step, t1),
        }
    out["completed"] = bool(ended)
    out["train_seconds"] = trained - t0
    out["train_threads"] = threads
    out["clicks"] = clicker.clicks
    out["previews_decoded"] = clicker.previews
    out["click_dispatch_ms"] = summary(clicker.dispatch_ms)
    out["maps_built"] = sum(1 for _, kind in events if kind == "map")
    out["snapshots"] = sum(1 for _, kind in events if kind.startswith("snapshot"))
    out["cpu_by_thread"] = cpu_by_thread(before, thread_cpu_seconds())
    out["status"] = window.training_dock.progress_bar.format()
    if gil is not None:
        out["gil_holders"] = gil
    return out


def stall_summary(meter: TickMeter, t_from: float, t_to: float) -> dict[str, Any]:
    iv = meter.intervals()
    keep = (iv["start"] >= t_from) & (iv["end"] <= t_to)
    stall = iv["stall_ms"][keep]
    return {
        "seconds": float(t_to - t_from),
        "stall_ms": summary(stall),
        "stalls_over_50ms": int((stall > STALL_LIMIT_MS).sum()),
    }


def digits_request(run_dir: Path, epochs: int | None) -> Any:
    from latentlab.jobs.training_request import default_request

    request = default_request()
    train = request.train_config
    if epochs is not None:
        train = dataclasses.replace(train, epochs=epochs)
    return dataclasses.replace(request, run_dir=str(run_dir), train_config=train)


def mnist_request(run_dir: Path, data_root: Path, epochs: int) -> Any:
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.jobs.training_request import TrainingRequest

    return TrainingRequest(
        dataset_spec="mnist",
        data_root=str(data_root),
        image_size=None,
        channels=None,
        model_config=ModelConfig(kind="vae", architecture="conv", latent_dim=16),
        train_config=TrainConfig(epochs=epochs, batch_size=128),
        run_dir=str(run_dir),
    )


def run_session(
    label: str,
    request: Any,
    threads: int | None,
    idle_seconds: float,
    workdir: Path,
    timeout_s: float,
    py_spy: str | None = None,
) -> dict[str, Any]:
    """A fresh window: training with interaction, then the idle reference."""
    window = _common.open_window(Path(tempfile.mkdtemp(prefix="settings-", dir=workdir)))
    slots = SlotTimer()
    instrument(window, slots)
    try:
        print(f"[{label}] training ({request.dataset_spec}) …", flush=True)
        train = training_phase(window, request, slots, threads, timeout_s, py_spy)
        # The reference comes after: the same window with its map shown and the same
        # clicks, only nothing trains (before training there is no map to click).
        print(f"[{label}] idle reference {idle_seconds:.0f} s …", flush=True)
        idle = idle_phase(window, idle_seconds, slots)
    finally:
        slots.unwrap()
        _common.close_window(window)
    return {"label": label, "request": describe_request(request), "idle": idle, "training": train}


def describe_request(request: Any) -> dict[str, Any]:
    return {
        "dataset": request.dataset_spec,
        "model": request.model_config.to_dict(),
        "train": request.train_config.to_dict(),
    }


# -- output -----------------------------------------------------------------------------------


def print_tables(report: dict[str, Any]) -> None:
    print()
    print("Event-loop stall: ms late for a 5 ms timer. Long (>16 ms) stall time split into")
    print("GUI thread on a CPU / waiting for a CPU (run queue) / asleep although due (blocked)")
    header = (
        f"{'session':<18} {'phase':<17} {'secs':>5} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'max':>7} {'>50ms':>6} {'cpu':>5} {'runq':>5} {'blocked':>7}"
    )
    print(header)
    print("-" * len(header))
    for s in report["sessions"]:
        if "error" in s:
            print(f"{s['label']:<18} failed: {s['error']}")
            continue
        rows = [("idle", s["idle"]), (f"training #{s.get('repeat', 0) + 1}", s["training"])]
        rows += [(f"  {k}", v) for k, v in s["training"].get("phases", {}).items()]
        for phase, r in rows:
            st = r["stall_ms"]
            b = r.get("long_stalls_breakdown")
            shares = (
                f"{b['on_cpu_share']:>5.0%} {b['runqueue_wait_share']:>5.0%} "
                f"{b['blocked_share']:>7.0%}"
                if b
                else ""
            )
            print(
                f"{s['label']:<18} {phase:<17} {r['seconds']:>5.1f} {st['p50']:>6.2f} "
                f"{st['p95']:>6.1f} {st['p99']:>6.1f} {st['max']:>7.1f} "
                f"{r['stalls_over_50ms']:>6} {shares}"
            )
    worst: dict[str, dict] = {}
    for s in report["sessions"]:
        if "training" in s:
            best = worst.get(s["label"])
            if (
                best is None
                or s["training"]["stall_ms"]["p99"] > best["training"]["stall_ms"]["p99"]
            ):
                worst[s["label"]] = s
    for s in worst.values():
        train = s["training"]
        print(
            f"\n[{s['label']} #{s.get('repeat', 0) + 1}: the repeat with the highest p99]", end=""
        )
        print(
            f"\n[{s['label']}] trained in {train['train_seconds']:.1f} s, {train['maps_built']} "
            f"maps built, {train['clicks']} clicks -> {train['previews_decoded']} previews"
        )
        print(f"  {'GUI-thread slot (ms)':<50} {'calls':>5} {'total':>8} {'p50':>6} {'max':>7}")
        for name, row in list(train["slots"].items())[:12]:
            ms = row["ms"]
            print(
                f"  {name:<50} {row['calls']:>5} {row['total_ms']:>8.0f} {ms['p50']:>6.1f} "
                f"{ms['max']:>7.1f}"
            )
        print("  worst stalls: at s, stall ms, GUI on cpu ms, run queue ms, overlapping slots")
        for w in train["worst_stalls"][:5]:
            over = ", ".join(f"{n} {ms:.0f}" for n, ms in w["overlapping_ms"][:3]) or "-"
            print(
                f"    {w['at_s']:>6.1f} {w['stall_ms']:>6.1f} {w['on_cpu_ms']:>6.1f} "
                f"{w['runqueue_ms']:>6.1f}  {over}"
            )
        cpu = ", ".join(f"{r['thread']} {r['cpu_s']:.1f}s" for r in train["cpu_by_thread"][:4])
        print(f"  CPU by thread: {cpu}")
        gil = train.get("gil_holders")
        if gil and "top_sites_s" in gil:
            print(f"  GIL held by worker threads: {gil['worker_gil_seconds']:.2f} s; top sites:")
            for site, seconds in gil["top_sites_s"][:6]:
                print(f"    {seconds:>6.2f} s  {site}")
    print("\nMedian over repeats (training phase, ms)")
    header = (
        f"  {'session':<18} {'n':>2} {'idle p99':>8} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'max':>7} {'>50ms':>6} {'steady p99':>10} {'startup max':>11} {'train s':>7}"
    )
    print(header)
    for label, row in report["summary"].items():
        print(
            f"  {label:<18} {row['repeats']:>2} {row['idle_p99_ms']:>8.1f} {row['p50_ms']:>6.2f} "
            f"{row['p95_ms']:>6.1f} {row['p99_ms']:>6.1f} {row['max_ms']:>7.1f} "
            f"{row['stalls_over_50ms']:>6.0f} {row.get('steady_p99_ms', float('nan')):>10.1f} "
            f"{row.get('startup_max_ms', float('nan')):>11.1f} {row['train_seconds']:>7.1f}"
        )
    print("\nTargets")
    for t in report["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.1f}"
        met = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        print(f"  {t['target']:<60} {t['direction']} {t['limit']:<5g} {value:>7}  {met}")


def session_plans(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The sessions to run, ``--repeats`` times interleaved: the digits run as the app does
    it, optionally again with one intra-op thread on the trainer; MNIST once at the end."""
    label = "digits" + (f" threads={args.train_threads}" if args.train_threads else "")
    plans = []
    for repeat in range(args.repeats):
        plans.append(
            {"label": label, "dataset": "digits", "threads": args.train_threads, "repeat": repeat}
        )
        if args.compare_threads:
            plans.append(
                {"label": "digits threads=1", "dataset": "digits", "threads": 1, "repeat": repeat}
            )
    if args.mnist:
        plans.append(
            {"label": "mnist", "dataset": "mnist", "threads": args.train_threads, "repeat": 0}
        )
    return plans


def aggregate(sessions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per label, medians over its repeats of the training phase's numbers."""
    by_label: dict[str, list[dict]] = defaultdict(list)
    for s in sessions:
        if "training" in s:
            by_label[s["label"]].append(s)
    out = {}
    for label, runs in by_label.items():

        def median(get: Any, runs: list[dict] = runs) -> float:
            return float(np.median([get(r) for r in runs]))

        out[label] = {
            "repeats": len(runs),
            "idle_p99_ms": median(lambda r: r["idle"]["stall_ms"]["p99"]),
            "p50_ms": median(lambda r: r["training"]["stall_ms"]["p50"]),
            "p95_ms": median(lambda r: r["training"]["stall_ms"]["p95"]),
            "p99_ms": median(lambda r: r["training"]["stall_ms"]["p99"]),
            "max_ms": median(lambda r: r["training"]["stall_ms"]["max"]),
            "stalls_over_50ms": median(lambda r: r["training"]["stalls_over_50ms"]),
            "train_seconds": median(lambda r: r["training"]["train_seconds"]),
            "p99_each_ms": [r["training"]["stall_ms"]["p99"] for r in runs],
            "max_each_ms": [r["training"]["stall_ms"]["max"] for r in runs],
        }
        steady = [r["training"]["phases"]["steady"] for r in runs if "phases" in r["training"]]
        startup = [r["training"]["phases"]["startup"] for r in runs if "phases" in r["training"]]
        if steady:
            out[label]["steady_p99_ms"] = float(np.median([p["stall_ms"]["p99"] for p in steady]))
            out[label]["startup_max_ms"] = float(np.median([p["stall_ms"]["max"] for p in startup]))
    return out


def run_plan(plan: dict[str, Any], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    if plan["dataset"] == "mnist":
        request = mnist_request(workdir / "run-mnist", Path(args.data_root), args.mnist_epochs)
    else:
        request = digits_request(workdir / "run-digits", args.epochs)
    result = run_session(
        plan["label"],
        request,
        plan["threads"],
        args.idle_seconds,
        workdir,
        args.timeout,
        args.py_spy,
    )
    result["repeat"] = plan.get("repeat", 0)
    return result


def run_plan_in_child(plan: dict[str, Any], argv: list[str], workdir: Path) -> dict[str, Any]:
    """One session in a fresh Python process: one-time costs (lazy imports, first
    allocations) then land in every session as in a freshly started app."""
    out = workdir / f"session-{len(list(workdir.glob('session-*')))}.json"
    command = [sys.executable, str(Path(__file__).resolve()), *argv]
    command += ["--child", json.dumps(plan), "--child-out", str(out)]
    completed = subprocess.run(command, cwd=_common.REPO_ROOT)
    if completed.returncode != 0 or not out.is_file():
        return {"label": plan["label"], "error": f"exit code {completed.returncode}"}
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs, 2 s idle")
    parser.add_argument("--epochs", type=int, default=None, help="digits epochs (preset: 20)")
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument(
        "--train-threads", type=int, default=None, help="torch.set_num_threads on the trainer"
    )
    parser.add_argument(
        "--compare-threads",
        action="store_true",
        help="run the digits training again with 1 intra-op thread on the trainer",
    )
    parser.add_argument("--repeats", type=int, default=3, help="sessions per variant")
    parser.add_argument("--mnist", action="store_true", help="also train MNIST (1 epoch)")
    parser.add_argument("--mnist-epochs", type=int, default=1)
    parser.add_argument("--data-root", default=str(_common.DEFAULT_DATA_ROOT))
    parser.add_argument("--timeout", type=float, default=600, help="seconds per training run")
    parser.add_argument(
        "--py-spy", help="path to a py-spy executable: record which worker code holds the GIL"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="run every session in this process"
    )
    parser.add_argument(
        "--out", type=Path, default=_common.RESULTS_DIR / "event_loop_stall.json", help="JSON"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = args.epochs or 3
        args.idle_seconds = min(args.idle_seconds, 2.0)
        args.repeats = 1

    if args.child:  # one session, in a process of its own
        _common.qt_app()
        with tempfile.TemporaryDirectory(prefix="latentlab-stall-") as tmp:
            result = run_plan(json.loads(args.child), args, Path(tmp))
        args.child_out.write_text(json.dumps(result, default=_json_default))
        return 0

    started = time.perf_counter()
    _common.qt_app()
    report: dict[str, Any] = {
        "benchmark": "event_loop_stall",
        "machine": _common.machine_info(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "definitions": {
            "stall": f"interval between ticks of a {TICK_MS} ms PreciseTimer on the GUI thread "
            f"minus {TICK_MS} ms (>= 0)",
            "interaction": f"a QTest click on a random place of the map every {CLICK_EVERY_MS} "
            "ms once the map is shown (idle and training alike)",
            "on_cpu/runqueue/blocked": "shares of the long (>16 ms) intervals: GUI thread "
            "running, runnable but without a CPU, asleep although due (GIL or a lock)",
            "phases": "training split at the first progress record: startup (dataset, model, "
            "optimizer) and steady (steps, epoch ends, map rebuilds)",
            "sessions": "each in a fresh process unless --in-process",
        },
        "sessions": [],
    }
    plans = session_plans(args)
    if args.mnist:
        reason = _common.mnist_missing_reason(Path(args.data_root))
        if reason is not None:
            report["mnist_skipped"] = reason
            print(f"[mnist] skipped: {reason}")
            plans = [p for p in plans if p["dataset"] != "mnist"]
    with tempfile.TemporaryDirectory(prefix="latentlab-stall-") as tmp:
        workdir = Path(tmp)
        for plan in plans:
            if args.in_process:
                report["sessions"].append(run_plan(plan, args, workdir))
            else:
                report["sessions"].append(run_plan_in_child(plan, argv, workdir))
    report["sessions"] = [s for s in report["sessions"] if "error" not in s] + [
        s for s in report["sessions"] if "error" in s
    ]
    report["summary"] = aggregate(report["sessions"])
    report["targets"] = [
        target(
            f"{label}: p99 stall while training (ms, median of {row['repeats']})",
            row["p99_ms"],
            P99_TARGET_MS,
        )
        for label, row in report["summary"].items()
    ]
    report["load_average_end"] = _common.load_average()
    report["wall_s"] = time.perf_counter() - started
    print_tables(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=_json_default))
    print(f"\nwrote {args.out} ({report['wall_s']:.0f} s)")
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
