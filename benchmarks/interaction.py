"""Responsiveness of the real LatentLab window on the CPU: click-to-image latency, frames
per second while dragging the interpolation slider, and pan/zoom frame time of the map.

Each model is opened in a real ``MainWindow`` (offscreen, 1280×800 asked for, settings in a
temporary ini file) through ``open_checkpoint``, after PyTorch was loaded the way the app
loads it. Then:

* **Click to image.** A left click on the map's viewport at ``data_to_viewport(x, y)`` of a
  random place inside the view, sent as a hand makes it: ``QTest.mousePress``, then
  ``QTest.mouseRelease`` once the image is shown (a click holds the button ~100 ms; the map
  decodes on the press). The clock starts just before the press is sent and
  stops when the new preview is on screen: the decoded image was handed to
  ``PreviewDock.show_preview`` (this click's decode: the result whose purpose is a
  ``PreviewDecode`` with this click's caption) and the preview ``PixelView``
  was painted and flushed. The dock repaints the preview and its caption at once
  (``repaint()``), so the clock stops when ``show_preview`` returns; a paint that comes later
  (the window's next repaint) stops it when the event loop comes back from that repaint.
  The map marker is painted before (it moves on the click). If no paint comes within 100 ms
  of ``show_preview``,
  ``repaint()`` is forced and the click is counted as "forced"; a click not painted within
  ``--click-timeout`` counts in ``failed_clicks`` (p50/p95 are null when none succeeded).
  Two modes, alternating click by click (ABBA) in the same window once the domain
  classifier is ready: the label ("looks like 3") computed on the decoder's worker
  (``explorer.label_on_worker = True``, the app's default) and on the GUI thread in
  ``Explorer._on_decoded`` (``False``, the old way). Floors: ``DecodeResult.decode_ms`` on
  the worker, and ``decode_latents`` / ``ClassifierService.label_of`` timed alone.
* **Slider drag.** Keypoints A and B are set the way a user sets them (click, "Use as A",
  click, "Use as B"); then a 0 ms QTimer moves the slider by 2 of its 1000 steps on every
  event-loop turn (``setValue``, which is what a mouse drag on a QSlider ends in) for a few
  seconds, ping-ponging between the ends. Counted: slider steps (requests), frames handed to
  ``InterpolationDock.show_frame`` and paints of the frame view, per second. After the drag
  the last frame shown must be the decode of the final slider position (latest wins).
* **Pan/zoom.** ``map_frame_time.py``'s measurement (imported, not copied): the LatentMap
  alone at 10k/70k/200k clustered points against a plain ScatterPlotItem, plus the same
  frame timing on the window's own map with the model's points.

Several runs; the table shows the median over runs, the JSON has every run. The report is
written even when targets are missed or clicks fail (exit status 0).

    python benchmarks/interaction.py [--quick] [--digits-ckpt P] [--mnist-ckpt P]
        [--data-root DIR] [--checkpoint-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import _common
import map_frame_time
import numpy as np
from _common import PaintSpy, spin, summary, target, wait_until
from PySide6 import QtCore
from PySide6.QtTest import QTest

from latentlab.session.decode_purposes import InterpolationFrameDecode, PreviewDecode

# p95 click → preview painted, label on the worker: MNIST's on 2 cores; others keep 16 ms
CLICK_TARGET_MS = {"mnist": 8.0, "default": 16.0}
SLIDER_TARGET_FPS = 60.0
PAN_ZOOM_TARGET_MS = 16.0
PAN_ZOOM_TARGET_N = 70_000
FORCE_PAINT_AFTER_MS = 100
SLIDER_STEP = 2  # of 1000: a brisk drag across the slider in ~1.5 s at 250 events/s
WARMUP_CLICKS = 5

_LEFT = QtCore.Qt.MouseButton.LeftButton
_NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier


# -- click to image ---------------------------------------------------------------------------

# The two ways of naming the preview, measured in the same window, interleaved.
MODES = ("label_on_worker", "label_on_gui_thread")


def _stat(values: dict[str, Any], key: str) -> float | None:
    """``summary(...)[key]``, or None when the summary had nothing to summarise."""
    value = values.get(key)
    return None if value is None else float(value)


def _median(values: list[float | None]) -> float | None:
    """Median of the values that were measured (None: none was)."""
    measured = [v for v in values if v is not None]
    return float(np.median(measured)) if measured else None


class ClickProbe:
    """Clicks the map and times each click until the frame showing its preview is painted.

    Spies (all removed by :meth:`close`): ``preview_dock.show_preview`` is wrapped on the
    instance (Explorer looks it up at call time), a paint filter sits on the preview image,
    slots on ``map.position_clicked`` and ``decoder.decoded`` note when those happen, and
    the classifier service's ``labeller`` / ``label_of`` are wrapped on the instance to time
    the labelling wherever it runs (the decoder's worker or the GUI thread).
    """

    def __init__(self, window: Any) -> None:
        self.window = window
        self.viewport = window.map.plot_widget.viewport()
        self._loop = QtCore.QEventLoop()
        self._state: dict[str, Any] = {}
        self._dock = window.preview_dock
        self._original_show = self._dock.show_preview
        self._dock.show_preview = self._show_preview
        self._service = window.explorer.classifier
        self._original_labeller = self._service.labeller
        self._original_label_of = self._service.label_of
        self._service.labeller = self._labeller
        self._service.label_of = self._label_of
        self._label_ms: list[tuple[str, float]] = []  # (where, ms); appended on either thread
        self._paint = PaintSpy(self._dock.preview)
        self._paint.callback = self._on_paint
        self._fallback = QtCore.QTimer()
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(FORCE_PAINT_AFTER_MS)
        self._fallback.timeout.connect(self._force_paint)
        self._timeout = QtCore.QTimer()
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._loop.quit)
        window.map.position_clicked.connect(self._on_position_clicked)
        window.explorer.decoder.decoded.connect(self._on_decoded)

    def close(self) -> None:
        del self._dock.show_preview  # back to the class's methods
        del self._service.labeller
        del self._service.label_of
        self._paint.remove()
        self.window.map.position_clicked.disconnect(self._on_position_clicked)
        self.window.explorer.decoder.decoded.disconnect(self._on_decoded)

    # spies
    def _labeller(self) -> Any:
        label = self._original_labeller()
        if label is None:
            return None

        def timed(image: np.ndarray) -> str | None:
            t0 = time.perf_counter()
            try:
                return label(image)
            finally:
                self._label_ms.append(("worker", (time.perf_counter() - t0) * 1e3))

        return timed

    def _label_of(self, image: np.ndarray) -> str | None:
        t0 = time.perf_counter()
        try:
            return self._original_label_of(image)
        finally:
            self._label_ms.append(("gui", (time.perf_counter() - t0) * 1e3))

    def _on_position_clicked(self, x: float, y: float, _modifiers: int) -> None:
        s = self._state
        if "clicked" not in s:
            s["clicked"] = time.perf_counter()
            s["context"] = f"map ({x:.2f}, {y:.2f})"  # the description Explorer.decode_at gives
            s["emitted_xy"] = (x, y)

    def _on_decoded(self, result: Any) -> None:
        s = self._state
        purpose = result.purpose
        if isinstance(purpose, PreviewDecode) and purpose.description == s.get("context"):
            s.setdefault("result", result)

    def _show_preview(self, image: np.ndarray, caption: str) -> None:
        s = self._state
        context = s.get("context")
        if context and caption.startswith(context) and "shown" not in s:
            s["shown"] = time.perf_counter()  # handed over (the dock may paint it at once)
            s["image"] = image
            s["caption"] = caption
            self._fallback.start()
        self._original_show(image, caption)
        if "painted" in s and "frame_done" not in s:  # painted (and flushed) by show_preview
            s["frame_done"] = time.perf_counter()

    def _on_paint(self, when: float) -> None:
        s = self._state
        if "shown" in s and "painted" not in s:
            s["painted"] = when
            self._fallback.stop()
            QtCore.QTimer.singleShot(0, self._loop.quit)  # after the whole repaint

    def _force_paint(self) -> None:
        if "painted" not in self._state:
            self._state["forced"] = True
            self._dock.preview.repaint()

    # the measurement
    def click(self, x: float, y: float, timeout_s: float = 10.0) -> dict[str, Any]:
        """Click data position (x, y); ms from sending the click to each stage."""
        explorer = self.window.explorer
        on_worker = bool(explorer.label_on_worker)
        self._state = {}
        self._label_ms.clear()
        position = self.window.map.data_to_viewport(x, y)
        t0 = time.perf_counter()
        QTest.mousePress(self.viewport, _LEFT, _NO_MODIFIER, position)
        dispatched = time.perf_counter()
        if "painted" not in self._state:
            self._timeout.start(round(timeout_s * 1000))
            self._loop.exec()
            self._timeout.stop()
        s = self._state
        frame_done = s.get("frame_done", time.perf_counter())
        # A hand holds the button ~100 ms; the release comes after the image (or the timeout).
        QTest.mouseRelease(self.viewport, _LEFT, _NO_MODIFIER, position)
        base = {"xy": [x, y], "label_on_worker": on_worker}
        if "painted" not in s or "result" not in s:
            return {**base, "ok": False, "stage": sorted(s)}
        result = s["result"]
        method = explorer.state.inverse_in_use()
        expected = explorer.map_data.to_latent([list(s["emitted_xy"])], method)[0]
        where = "worker" if on_worker else "gui"
        label_ms = [ms for w, ms in self._label_ms if w == where]
        return {
            **base,
            "ok": True,
            "dispatch_ms": (dispatched - t0) * 1e3,
            "clicked_ms": (s["clicked"] - t0) * 1e3,
            "decode_ms": result.decode_ms,
            "request_to_result_ms": result.latency_ms,
            "label_ms": label_ms[0] if label_ms else None,
            "shown_ms": (s["shown"] - t0) * 1e3,
            "paint_start_ms": (s["painted"] - t0) * 1e3,
            "latency_ms": (frame_done - t0) * 1e3,
            "forced_paint": bool(s.get("forced")),
            "labelled": " · looks like " in s["caption"],
            "right_latent": bool(np.allclose(result.latents[0], expected, atol=1e-5)),
        }


def _mode_order(n: int) -> list[bool]:
    """``label_on_worker`` for ``n`` clicks in ABBA blocks (worker, GUI, GUI, worker, ...):
    both modes see the same share of any drift in the machine's load."""
    block = (True, False, False, True)
    return [block[i % 4] for i in range(n)]


_STAGES = (
    "dispatch_ms",
    "decode_ms",
    "request_to_result_ms",
    "label_ms",
    "shown_ms",
    "paint_start_ms",
    "latency_ms",
)


def _mode_report(clicks: list[dict], per_run: list[list[dict]]) -> dict[str, Any]:
    """Counts, stage statistics and the per-run and median-over-runs latency of one mode."""
    good = [c for c in clicks if c["ok"]]
    runs = []
    for run_clicks in per_run:
        ok = [c for c in run_clicks if c["ok"]]
        latency = summary([c["latency_ms"] for c in ok])
        runs.append(
            {
                "clicks": len(run_clicks),
                "failed_clicks": len(run_clicks) - len(ok),
                "p50_ms": _stat(latency, "p50"),
                "p95_ms": _stat(latency, "p95"),
                "latency_ms": latency,
            }
        )
    return {
        "clicks": len(clicks),
        "failed_clicks": len(clicks) - len(good),
        "failed_at_stage": [c["stage"] for c in clicks if not c["ok"]],
        "forced_paints": sum(c["forced_paint"] for c in good),
        "wrong_latent": sum(not c["right_latent"] for c in good),
        "labelled": sum(c["labelled"] for c in good),
        "stages_ms": {k: summary([c[k] for c in good if c[k] is not None]) for k in _STAGES},
        "per_run": runs,
        "p50_median_over_runs_ms": _median([r["p50_ms"] for r in runs]),
        "p95_median_over_runs_ms": _median([r["p95_ms"] for r in runs]),
    }


def measure_clicks(
    window: Any, runs: int, clicks_per_run: int, seed: int, timeout_s: float = 10.0
) -> dict[str, Any]:
    """``runs`` runs of ``clicks_per_run`` clicks per mode, the modes interleaved click by
    click (ABBA), each click at a new random place; ``label_on_worker`` is restored after."""
    explorer = window.explorer
    original_mode = explorer.label_on_worker
    probe = ClickProbe(window)
    clicks: dict[str, list[dict]] = {m: [] for m in MODES}
    per_run: dict[str, list[list[dict]]] = {m: [] for m in MODES}
    try:
        warmup = _common.random_places(window, 2 * WARMUP_CLICKS, seed=seed + 1000)
        for (x, y), on_worker in zip(warmup, _mode_order(len(warmup)), strict=True):
            explorer.label_on_worker = on_worker
            probe.click(x, y, timeout_s)
            spin(0.02)
        for run in range(runs):
            this_run: dict[str, list[dict]] = {m: [] for m in MODES}
            places = _common.random_places(window, 2 * clicks_per_run, seed=seed + run)
            for (x, y), on_worker in zip(places, _mode_order(len(places)), strict=True):
                explorer.label_on_worker = on_worker
                click = probe.click(x, y, timeout_s)
                this_run[MODES[0] if on_worker else MODES[1]].append(click)
                spin(0.02)  # a user's clicks are far apart; let the marker's repaint finish
            for mode in MODES:
                per_run[mode].append(this_run[mode])
                clicks[mode] += this_run[mode]
    finally:
        probe.close()
        explorer.label_on_worker = original_mode
    out: dict[str, Any] = {
        "order": "ABBA by click: label on worker, on GUI thread, on GUI thread, on worker",
        "runs": runs,
        "clicks_per_run_per_mode": clicks_per_run,
        "timeout_s": timeout_s,
    }
    for mode in MODES:
        out[mode] = _mode_report(clicks[mode], per_run[mode])
    out["failed_clicks"] = sum(out[m]["failed_clicks"] for m in MODES)
    return out


def direct_decode_ms(model: Any, latent_dim: int, count: int = 200) -> dict[str, Any]:
    """The floor: ``decode_latents`` of one latent, called directly on this thread."""
    from latentlab.projection import decode_latents

    rng = np.random.default_rng(0)
    latents = rng.standard_normal((count, 1, latent_dim)).astype(np.float32)
    for z in latents[:10]:
        decode_latents(model, z)
    times = []
    for z in latents:
        t0 = time.perf_counter()
        decode_latents(model, z)
        times.append((time.perf_counter() - t0) * 1e3)
    return summary(times)


def direct_label_ms(window: Any, count: int = 200) -> dict[str, Any]:
    """The labelling's floor: ``ClassifierService.label_of`` of one decoded image, called
    directly on this thread ({"n": 0} without a classifier)."""
    from latentlab.projection import decode_latents

    service = window.explorer.classifier
    if service.classifier is None:
        return summary([])
    model = window.explorer.model
    rng = np.random.default_rng(1)
    images = decode_latents(
        model, rng.standard_normal((count, int(model.latent_dim))).astype(np.float32)
    )
    for image in images[:10]:
        service.label_of(image)
    times = []
    for image in images:
        t0 = time.perf_counter()
        service.label_of(image)
        times.append((time.perf_counter() - t0) * 1e3)
    return summary(times)


def wait_for_classifier(window: Any, fidelity: list[Any], timeout_s: float) -> dict[str, Any]:
    """Wait until the domain classifier is ready (trained or loaded from its cache on a
    worker), then for the click-fidelity job it starts, so that no background job of the
    app's competes with the clicks; what happened, for the JSON."""
    service = window.explorer.classifier
    dataset = window.explorer.dataset
    if dataset is None or dataset.labels is None:  # no classifier is ever trained for it
        timeout_s = 0.0
    t0 = time.perf_counter()
    ready = wait_until(lambda: service.classifier is not None, timeout_s)
    ready_s = time.perf_counter() - t0
    measured = ready and wait_until(lambda: bool(fidelity), 120)
    wait_until(lambda: not window.explorer.maps.animation.is_running(), 10)
    spin(0.3)
    trained = service.classifier
    return {
        "ready": bool(ready),
        "waited_s": ready_s,
        "from_cache": None if trained is None else bool(trained.from_cache),
        "test_accuracy": None if trained is None else float(trained.test_accuracy),
        "fidelity_measured_before_clicks": bool(measured),
    }


# -- slider drag ----------------------------------------------------------------------------


def set_keypoints_like_a_user(window: Any) -> None:
    """Click two places; "Use as A" after the first, "Use as B" after the second."""
    x0, x1, y0, y1 = window.map.view_range()
    places = [
        (x0 + 0.3 * (x1 - x0), y0 + 0.35 * (y1 - y0)),
        (x0 + 0.7 * (x1 - x0), y0 + 0.65 * (y1 - y0)),
    ]
    buttons = (window.preview_dock.use_as_a, window.preview_dock.use_as_b)
    viewport = window.map.plot_widget.viewport()
    for (x, y), button in zip(places, buttons, strict=True):
        decoded = _common.wait_signal(
            window.explorer.decoder.decoded,
            10,
            check=lambda result: isinstance(result.purpose, PreviewDecode),
            action=lambda x=x, y=y: QTest.mouseClick(
                viewport, _LEFT, _NO_MODIFIER, window.map.data_to_viewport(x, y)
            ),
        )
        if decoded is None:
            raise RuntimeError(f"no preview after clicking the map at ({x:.2f}, {y:.2f})")
        spin(0.05)
        QTest.mouseClick(button, _LEFT)
        spin(0.05)
    if not window.interpolation_dock.is_ready():
        raise RuntimeError("the interpolation dock did not get two keypoints")


class SliderDrag:
    """One drag of the interpolation slider, one step per event-loop turn."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.dock = window.interpolation_dock

    def run(self, seconds: float, value_step: int = SLIDER_STEP) -> dict[str, Any]:
        from latentlab.latent.interpolation import interpolate_path
        from latentlab.projection import decode_latents

        dock, explorer = self.dock, self.window.explorer
        slider = dock.slider
        # Start from t = 0 with nothing in flight.
        slider.setValue(0)
        spin(0.3)

        shown: list[tuple[float, np.ndarray]] = []
        results: list[tuple[float, np.ndarray]] = []
        requests: list[float] = []
        step_ms: list[float] = []
        set_path_ms: list[float] = []
        original_show = dock.show_frame
        original_set_path = self.window.map.set_path

        def show_frame(image: np.ndarray) -> None:
            original_show(image)
            shown.append((time.perf_counter(), image))

        def set_path(*args: Any, **kwargs: Any) -> None:
            t0 = time.perf_counter()
            original_set_path(*args, **kwargs)
            set_path_ms.append((time.perf_counter() - t0) * 1e3)

        def on_decoded(result: Any) -> None:
            if isinstance(result.purpose, InterpolationFrameDecode):
                results.append((time.perf_counter(), result.latents[0]))

        def on_requested(_latent: Any) -> None:
            requests.append(time.perf_counter())

        dock.show_frame = show_frame
        self.window.map.set_path = set_path
        explorer.decoder.decoded.connect(on_decoded)
        dock.frame_requested.connect(on_requested)
        frame_paints = PaintSpy(dock.frame_view)
        map_paints = PaintSpy(self.window.map.plot_widget.viewport())

        state = {"value": 0, "direction": 1}

        def tick() -> None:
            value = state["value"] + state["direction"] * value_step
            if not 0 <= value <= slider.maximum():
                state["direction"] = -state["direction"]
                value = min(max(value, 0), slider.maximum())
            state["value"] = value
            t0 = time.perf_counter()
            slider.setValue(value)
            step_ms.append((time.perf_counter() - t0) * 1e3)

        timer = QtCore.QTimer()
        timer.setInterval(0)  # once per event-loop turn: as fast as events can be handled
        timer.timeout.connect(tick)
        frame_paints.count = map_paints.count = 0
        started = time.perf_counter()
        timer.start()
        spin(seconds)
        timer.stop()
        stopped = time.perf_counter()
        duration = stopped - started
        paints_during, map_paints_during = frame_paints.count, map_paints.count

        # Latest wins: the frame finally shown is the decode of the final slider position.
        final_latent = interpolate_path(dock.keypoints(), dock.t(), dock.method()).astype(
            np.float32
        )

        def final_arrived() -> bool:
            return any(np.allclose(z, final_latent, atol=1e-6) for _, z in results[-3:])

        arrived = wait_until(final_arrived, 10)
        spin(0.25)  # anything stale still coming would arrive now
        last_image = shown[-1][1] if shown else None
        last_latent = results[-1][1] if results else None
        expected_image = decode_latents(explorer.model, final_latent[None])[0]
        latest_wins = bool(
            arrived
            and last_latent is not None
            and np.allclose(last_latent, final_latent, atol=1e-6)
            and last_image is not None
            and np.array_equal(last_image, expected_image)
        )
        # When the final frame arrived, counted from the release (0: it was already shown).
        settle_ms = None
        last_request = max((t for t in requests if t <= stopped), default=started)
        final = [t for t, z in results if t >= last_request and np.allclose(z, final_latent)]
        if final:
            settle_ms = max(0.0, (final[0] - stopped) * 1e3)

        del dock.show_frame
        del self.window.map.set_path
        explorer.decoder.decoded.disconnect(on_decoded)
        dock.frame_requested.disconnect(on_requested)
        frame_paints.remove()
        map_paints.remove()

        in_drag = [image for t, image in shown if t <= stopped]
        distinct = sum(
            1
            for i, image in enumerate(in_drag)
            if i == 0 or not np.array_equal(image, in_drag[i - 1])
        )
        return {
            "seconds": duration,
            "slider_steps": len(step_ms),
            "requests_per_s": sum(1 for t in requests if t <= stopped) / duration,
            "frames_shown_per_s": len(in_drag) / duration,
            "distinct_frames_per_s": distinct / duration,
            "frame_paints_per_s": paints_during / duration,
            "map_paints_per_s": map_paints_during / duration,
            "event_loop_turn_ms": duration * 1e3 / max(len(step_ms), 1),
            "step_gui_ms": summary(step_ms),
            "map_set_path_ms": summary(set_path_ms),
            "latest_wins": latest_wins,
            "final_frame_after_release_ms": settle_ms,
        }


def measure_slider(window: Any, runs: int, seconds: float) -> dict[str, Any]:
    set_keypoints_like_a_user(window)
    spin(0.3)
    drag = SliderDrag(window)
    per_run = [drag.run(seconds) for _ in range(runs)]
    return {
        "runs": per_run,
        "frames_shown_per_s": float(np.median([r["frames_shown_per_s"] for r in per_run])),
        "frame_paints_per_s": float(np.median([r["frame_paints_per_s"] for r in per_run])),
        "requests_per_s": float(np.median([r["requests_per_s"] for r in per_run])),
        "step_gui_ms_p50": float(np.median([r["step_gui_ms"]["p50"] for r in per_run])),
        "latest_wins": all(r["latest_wins"] for r in per_run),
    }


# -- pan / zoom -----------------------------------------------------------------------------


def in_app_pan_zoom(app: Any, window: Any, frames: int) -> dict[str, Any]:
    """map_frame_time's frame timing on the window's own map and points."""
    map_ = window.map
    start = map_.view_range()
    viewport = map_.plot_widget.viewport()
    out: dict[str, Any] = {
        "points": map_.point_count(),
        "rasterised": map_.points.rasterised,
        "plot_size": [viewport.width(), viewport.height()],
    }
    for kind in ("pan", "zoom"):
        ranges = map_frame_time.view_sequence(kind, start, frames + map_frame_time.WARMUP)
        out[kind] = map_frame_time.summarise(
            map_frame_time.time_frames(app, map_.view_box, viewport, ranges)
        )
        map_.set_view_range(*start)
        spin(0.05)
    return out


def latent_map_table(app: Any, sizes: list[int], frames: int, runs: int) -> list[dict]:
    """map_frame_time's LatentMap (default renderer) and plain-ScatterPlotItem reference,
    ``runs`` times per size; medians over runs."""
    from latentlab.ui.map.map_points import DEFAULT_RASTER_THRESHOLD

    rows = []
    for n in sizes:
        xy, labels = map_frame_time.clustered_points(n)
        measured: dict[str, list[dict]] = {"latent_map": [], "reference ScatterPlotItem": []}
        renderer = ""
        for _ in range(runs):
            res = map_frame_time.bench_latent_map(app, xy, labels, DEFAULT_RASTER_THRESHOLD, frames)
            renderer = "raster" if res["rasterised"] else "scatter"
            measured["latent_map"].append(
                {
                    "pan": map_frame_time.summarise(res["pan"]),
                    "zoom": map_frame_time.summarise(res["zoom"]),
                    "set_points_ms": res["set_points_ms"],
                    "plot_size": res["plot_size"],
                }
            )
            ref = map_frame_time.bench_reference(app, xy, res["plot_size"], frames)
            measured["reference ScatterPlotItem"].append(
                {
                    "pan": map_frame_time.summarise(ref["pan"]),
                    "zoom": map_frame_time.summarise(ref["zoom"]),
                    "plot_size": ref["plot_size"],
                }
            )
        for variant, runs_ in measured.items():
            row = {
                "n": n,
                "variant": variant,
                "renderer": renderer if variant == "latent_map" else "scatter",
                "runs": runs_,
            }
            for kind in ("pan", "zoom"):
                for stat in ("median_ms", "p95_ms"):
                    row[f"{kind}_{stat}"] = float(np.median([r[kind][stat] for r in runs_]))
            if variant == "latent_map":
                row["set_points_ms"] = float(np.median([r["set_points_ms"] for r in runs_]))
            rows.append(row)
    return rows


# -- driver ---------------------------------------------------------------------------------


def prepare_checkpoints(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """{name: Path or skip reason}; trains what was not given (cached in --checkpoint-dir)."""
    cache = Path(args.checkpoint_dir) if args.checkpoint_dir else workdir
    cache.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}

    if args.digits_ckpt:
        out["digits"] = {"path": Path(args.digits_ckpt), "trained_here": False}
    else:
        cached = cache / f"digits-vae-e{args.digits_epochs}.safetensors"
        if cached.is_file():
            out["digits"] = {"path": cached, "trained_here": False, "cached": True}
        else:
            print(f"training the digits VAE ({args.digits_epochs} epochs) …", flush=True)
            t0 = time.perf_counter()
            path = _common.train_digits_checkpoint(cache, args.digits_epochs)
            out["digits"] = {
                "path": path,
                "trained_here": True,
                "train_s": time.perf_counter() - t0,
            }

    if args.mnist_ckpt:
        out["mnist"] = {"path": Path(args.mnist_ckpt), "trained_here": False}
    elif args.no_mnist:
        out["mnist"] = {"skipped": "--no-mnist"}
    else:
        reason = _common.mnist_missing_reason(Path(args.data_root))
        steps = args.mnist_steps
        name = f"mnist-vae-{'s' + str(steps) if steps else 'e' + str(args.mnist_epochs)}"
        cached = cache / f"{name}.safetensors"
        if reason is not None:
            out["mnist"] = {"skipped": reason}
        elif cached.is_file():
            out["mnist"] = {"path": cached, "trained_here": False, "cached": True}
        else:
            what = f"{steps} steps" if steps else f"{args.mnist_epochs} epoch(s)"
            print(f"training the MNIST VAE ({what}) …", flush=True)
            t0 = time.perf_counter()
            path = _common.train_mnist_checkpoint(
                cache, Path(args.data_root), epochs=args.mnist_epochs, max_steps=steps
            )
            if steps and path.name != cached.name:
                path = path.rename(cached)
            out["mnist"] = {
                "path": path,
                "trained_here": True,
                "train_s": time.perf_counter() - t0,
            }
    return out


def set_decoder_threads(window: Any, threads: int) -> None:
    """What-if: ``torch.set_num_threads(threads)`` run on the decoder's own thread (note:
    PyTorch also keeps the number for threads that start computing later)."""
    import torch

    done: list[int] = []
    worker = window.explorer.decoder._worker  # lives on the decoder thread
    QtCore.QTimer.singleShot(
        0, worker, lambda: done.append(torch.set_num_threads(threads) or torch.get_num_threads())
    )
    if not wait_until(lambda: bool(done), 5):
        raise RuntimeError("could not reach the decoder thread")


def measure_model(app: Any, name: str, path: Path, args: argparse.Namespace, workdir: Path):
    settings_dir = Path(tempfile.mkdtemp(prefix=f"settings-{name}-", dir=workdir))
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def phase(what: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[what] = now - clock
        clock = now

    window = _common.open_window(settings_dir)
    phase("window_and_torch")
    fidelity: list[Any] = []
    window.explorer.fidelity_measured.connect(fidelity.append)
    try:
        open_s = _common.open_model(window, path)
        phase("open_model")
        if args.decoder_threads:
            set_decoder_threads(window, args.decoder_threads)
        model = window.explorer.model
        viewport = window.map.plot_widget.viewport()
        print(f"[{name}] opened in {open_s:.1f} s: {window.map.point_count():,} points", flush=True)
        classifier = wait_for_classifier(window, fidelity, args.classifier_timeout)
        phase("classifier_and_fidelity")
        state = "ready" if classifier["ready"] else "NOT READY (labels missing)"
        print(f"[{name}] classifier {state} after {classifier['waited_s']:.1f} s", flush=True)
        result: dict[str, Any] = {
            "checkpoint": str(path),
            "open_s": open_s,
            "points": window.map.point_count(),
            "latent_dim": int(model.latent_dim),
            "image_shape": list(window.explorer.map_data.cloud.images.shape[1:]),
            "window_size": [window.width(), window.height()],
            "map_viewport_size": [viewport.width(), viewport.height()],
            "projection": window.explorer.map_data.config.method,
            "inverse": window.explorer.state.inverse_in_use(),
            "classifier": classifier,
            "phase_s": phases,
            "load_average_before_clicks": _common.load_average(),
        }
        result["click"] = measure_clicks(
            window, args.runs, args.clicks_per_run, seed=1, timeout_s=args.click_timeout
        )
        result["click"]["direct_decode_ms"] = direct_decode_ms(model, int(model.latent_dim))
        result["click"]["direct_label_ms"] = direct_label_ms(window)
        phase("clicks")
        print(f"[{name}] clicks done ({result['click']['failed_clicks']} failed)", flush=True)
        try:
            result["slider"] = measure_slider(window, args.runs, args.drag_seconds)
        except RuntimeError as error:  # no keypoints: reported, the rest still measured
            result["slider"] = {"error": str(error)}
        phase("slider")
        print(f"[{name}] slider: {result['slider'].get('error', 'done')}", flush=True)
        result["map_pan_zoom_in_app"] = in_app_pan_zoom(app, window, args.frames)
        phase("pan_zoom_in_app")
    finally:
        window.explorer.fidelity_measured.disconnect(fidelity.append)
        _common.close_window(window)
    return result


def _ms(value: float | None, width: int, digits: int = 1) -> str:
    return f"{'—':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def print_tables(report: dict[str, Any]) -> None:
    print()
    print(
        "Click to preview painted (ms; median over runs of each run's p50 / p95), "
        "label on the decoder's worker vs on the GUI thread"
    )
    header = (
        f"{'model':<8} {'points':>7}  {'worker p50':>10} {'p95':>6}  {'GUI p50':>7} {'p95':>6}  "
        f"{'failed':>6}  {'label w/g':>9}  {'decode':>6} {'direct':>6} {'label':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, res in report["models"].items():
        if not_measured(res):
            print(f"{name:<8} {not_measured(res)}")
            continue
        click = res["click"]
        worker, gui = click[MODES[0]], click[MODES[1]]
        labelled = f"{worker['labelled']}/{gui['labelled']}"
        print(
            f"{name:<8} {res['points']:>7,}  {_ms(worker['p50_median_over_runs_ms'], 10)} "
            f"{_ms(worker['p95_median_over_runs_ms'], 6)}  "
            f"{_ms(gui['p50_median_over_runs_ms'], 7)} {_ms(gui['p95_median_over_runs_ms'], 6)}  "
            f"{click['failed_clicks']:>6}  {labelled:>9}  "
            f"{_ms(_stat(worker['stages_ms']['decode_ms'], 'p50'), 6, 2)} "
            f"{_ms(_stat(click['direct_decode_ms'], 'p50'), 6, 2)} "
            f"{_ms(_stat(click['direct_label_ms'], 'p50'), 6, 2)}"
        )
    print("  (label w/g: clicks whose caption names a class, worker / GUI mode; decode: p50 on")
    print("   the worker in the app; direct: decode_latents / label_of alone, p50)")
    print()
    print("Click stages, p50 / p95 ms from sending the click (label: time in the classifier)")
    for name, res in report["models"].items():
        if not_measured(res):
            continue
        for mode in MODES:
            st = res["click"][mode]["stages_ms"]
            parts = [
                f"{k.removesuffix('_ms')} {_ms(_stat(st[k], 'p50'), 0)}/"
                f"{_ms(_stat(st[k], 'p95'), 0)}"
                for k in ("dispatch_ms", "label_ms", "shown_ms", "paint_start_ms", "latency_ms")
            ]
            print(f"  {name:<8} {mode:<20} " + "  ".join(parts))
    print()
    header = f"{'model':<8} {'slider fps':>10} {'paints/s':>8} {'steps/s':>8} {'latest':>6}"
    print("Slider drag (frames shown per second, median over runs)")
    print(header)
    print("-" * len(header))
    for name, res in report["models"].items():
        if not_measured(res):
            continue
        slider = res["slider"]
        if "error" in slider:
            print(f"{name:<8} failed: {slider['error']}")
            continue
        print(
            f"{name:<8} {slider['frames_shown_per_s']:>10.0f} {slider['frame_paints_per_s']:>8.0f} "
            f"{slider['requests_per_s']:>8.0f} {'yes' if slider['latest_wins'] else 'NO':>6}"
        )
    print()
    print("Pan/zoom ms per frame (median over runs of each run's median / p95)")
    header = (
        f"{'N':>8}  {'variant':<26} {'renderer':<8} {'pan med':>8} {'pan p95':>8} "
        f"{'zoom med':>9} {'zoom p95':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in report["map_frame_time"]["rows"]:
        print(
            f"{r['n']:>8}  {r['variant']:<26} {r['renderer']:<8} {r['pan_median_ms']:>8.1f} "
            f"{r['pan_p95_ms']:>8.1f} {r['zoom_median_ms']:>9.1f} {r['zoom_p95_ms']:>9.1f}"
        )
    for name, res in report["models"].items():
        if not_measured(res):
            continue
        m = res["map_pan_zoom_in_app"]
        label = f"in app: {name}"
        print(
            f"{m['points']:>8}  {label:<26} {'raster' if m['rasterised'] else 'scatter':<8} "
            f"{m['pan']['median_ms']:>8.1f} {m['pan']['p95_ms']:>8.1f} "
            f"{m['zoom']['median_ms']:>9.1f} {m['zoom']['p95_ms']:>9.1f}"
        )
    print()
    print("Targets")
    for t in report["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:.1f}"
        met = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        print(f"  {t['target']:<56} {t['direction']} {t['limit']:<6g} {value:>8}  {met}")


def not_measured(result: dict[str, Any]) -> str | None:
    """Why a model has no measurements ("skipped: …", "failed: …"); None when it has."""
    for why in ("skipped", "failed"):
        if why in result:
            return f"{why}: {result[why]}"
    return None


def targets_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The click target is on the label-on-worker mode (the app's default), the median over
    runs of each run's p95; not measured when no click succeeded."""
    out = []
    for name, res in report["models"].items():
        skipped = bool(not_measured(res))
        p95 = None if skipped else res["click"][MODES[0]]["p95_median_over_runs_ms"]
        fps = None if skipped else res["slider"].get("frames_shown_per_s")
        limit = CLICK_TARGET_MS.get(name, CLICK_TARGET_MS["default"])
        out.append(target(f"{name}: click → preview p95, label on worker (ms)", p95, limit))
        out.append(
            target(f"{name}: slider frames/s", fps, SLIDER_TARGET_FPS, higher_is_better=True)
        )
    rows = [
        r
        for r in report["map_frame_time"]["rows"]
        if r["variant"] == "latent_map" and r["n"] == PAN_ZOOM_TARGET_N
    ]
    worst = max((max(r["pan_p95_ms"], r["zoom_p95_ms"]) for r in rows), default=None)
    out.append(target("LatentMap pan/zoom p95 at 70k points (ms)", worst, PAN_ZOOM_TARGET_MS))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer clicks, runs, sizes")
    parser.add_argument("--digits-ckpt", help="a digits checkpoint (else one is trained)")
    parser.add_argument("--digits-epochs", type=int, default=20)
    parser.add_argument("--mnist-ckpt", help="an MNIST checkpoint (else one is trained)")
    parser.add_argument("--mnist-epochs", type=int, default=1)
    parser.add_argument("--mnist-steps", type=int, default=None, help="stop MNIST training early")
    parser.add_argument("--no-mnist", action="store_true")
    parser.add_argument("--data-root", default=str(_common.DEFAULT_DATA_ROOT))
    parser.add_argument(
        "--checkpoint-dir", help="keep trained checkpoints here and reuse them next time"
    )
    parser.add_argument(
        "--decoder-threads",
        type=int,
        default=None,
        help="what-if: torch.set_num_threads(N) on the decoder thread (default: untouched)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--clicks-per-run", type=int, default=80, help="clicks per run in each labelling mode"
    )
    parser.add_argument(
        "--click-timeout",
        type=float,
        default=10.0,
        help="seconds a click may take to be painted before it counts as failed",
    )
    parser.add_argument(
        "--classifier-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for the domain classifier before clicking",
    )
    parser.add_argument("--drag-seconds", type=float, default=3.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 70_000, 200_000])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--map-runs", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=_common.RESULTS_DIR / "interaction.json", help="JSON report"
    )
    args = parser.parse_args(argv)
    _common.keep_datasets_in(args.data_root)
    if args.quick:
        args.digits_epochs = min(args.digits_epochs, 1)
        args.mnist_steps = args.mnist_steps or 20
        args.runs, args.clicks_per_run, args.drag_seconds = 2, 20, 1.0
        args.sizes, args.frames, args.map_runs = [PAN_ZOOM_TARGET_N], 20, 1

    app = _common.qt_app()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "interaction",
        "machine": _common.machine_info(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "definitions": {
            "click_latency": "perf_counter before QTest.mousePress on the map viewport (the "
            "release follows once the image is shown, as a hand holds the button) -> the "
            "preview PixelView painted and flushed after show_preview(this click's decode) "
            "(show_preview repaints it at once; a later paint: the event loop back from that "
            "repaint); includes dispatch, the marker's repaint, the inverse and the "
            "decode on the worker, the label (on the worker or, with "
            "explorer.label_on_worker = False, on the GUI thread in Explorer._on_decoded), "
            "queued delivery, show_preview and the window repaint",
            "click_modes": "label_on_worker and label_on_gui_thread alternate click by click "
            "(ABBA) in the same window; each click at a new random place; p50/p95 per run "
            "and mode, median over runs; a click not painted within --click-timeout counts "
            "in failed_clicks (p50/p95 null when no click of a run succeeded)",
            "slider_fps": "InterpolationDock.show_frame calls per second during a drag that "
            f"moves the slider {SLIDER_STEP}/1000 per event-loop turn",
            "pan_zoom": "map_frame_time.py: set view range, process events until painted",
        },
    }
    with tempfile.TemporaryDirectory(prefix="latentlab-interaction-") as tmp:
        workdir = Path(tmp)
        clock = time.perf_counter()
        checkpoints = prepare_checkpoints(args, workdir)
        report["checkpoints_s"] = time.perf_counter() - clock
        report["checkpoints"] = {
            k: {kk: str(vv) if isinstance(vv, Path) else vv for kk, vv in v.items()}
            for k, v in checkpoints.items()
        }
        report["models"] = {}
        for name, info in checkpoints.items():
            if "skipped" in info:
                print(f"[{name}] skipped: {info['skipped']}", flush=True)
                report["models"][name] = {"skipped": info["skipped"]}
                continue
            try:
                report["models"][name] = measure_model(app, name, info["path"], args, workdir)
            except Exception as error:  # reported in the JSON and the exit code, not raised
                traceback.print_exc()
                report["models"][name] = {"failed": f"{type(error).__name__}: {error}"}
        print("pan/zoom of the LatentMap alone …", flush=True)
        clock = time.perf_counter()
        report["map_frame_time"] = {
            "window": list(map_frame_time.WINDOW),
            "frames": args.frames,
            "runs": args.map_runs,
            "rows": latent_map_table(app, args.sizes, args.frames, args.map_runs),
        }
        report["map_frame_time"]["wall_s"] = time.perf_counter() - clock
    report["targets"] = targets_of(report)
    report["load_average_end"] = _common.load_average()
    report["wall_s"] = time.perf_counter() - started
    print_tables(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out} ({report['wall_s']:.0f} s)")
    failed = [name for name, res in report["models"].items() if "failed" in res]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
