"""Responsiveness of the real LatentLab window on the CPU: click-to-image latency, frames
per second while dragging the interpolation slider, and pan/zoom frame time of the map.

Each model is opened in a real ``MainWindow`` (offscreen, 1280×800 asked for, settings in a
temporary ini file) through ``open_checkpoint``, after PyTorch was loaded the way the app
loads it. Then:

* **Click to image.** ``QTest.mouseClick`` on the map's viewport at ``data_to_viewport(x, y)``
  of a random place inside the view. The clock starts just before the click is sent and
  stops when the frame that shows the new preview is finished: the decoded image was handed
  to ``PreviewDock.show_preview`` (checked to be this click's decode by its caption), the
  preview ``PixelView`` received its Paint event, and the event loop came back from that
  repaint (Qt paints every dirty widget of the window and flushes the backing store in one
  go, so this is the whole frame, map marker included). If no paint comes within 100 ms of
  ``show_preview``, ``repaint()`` is forced and the click is counted as "forced". The floor
  is the raw decode: ``DecodeResult.decode_ms`` on the worker, and the same
  ``decode_latents`` call timed alone.
* **Slider drag.** Keypoints A and B are set the way a user sets them (click, "Use as A",
  click, "Use as B"); then a 0 ms QTimer moves the slider by 2 of its 1000 steps on every
  event-loop turn (``setValue``, which is what a mouse drag on a QSlider ends in) for a few
  seconds, ping-ponging between the ends. Counted: slider steps (requests), frames handed to
  ``InterpolationDock.show_frame`` and paints of the frame view, per second. After the drag
  the last frame shown must be the decode of the final slider position (latest wins).
* **Pan/zoom.** ``map_frame_time.py``'s measurement (imported, not copied): the LatentMap
  alone at 10k/70k/200k clustered points against a plain ScatterPlotItem, plus the same
  frame timing on the window's own map with the model's points.

Several runs; the table shows the median over runs, the JSON has every run.

    python benchmarks/interaction.py [--quick] [--digits-ckpt P] [--mnist-ckpt P]
        [--data-root DIR] [--checkpoint-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import _common
import map_frame_time
import numpy as np
from _common import PaintSpy, spin, summary, target, wait_until
from PySide6 import QtCore
from PySide6.QtTest import QTest

CLICK_TARGET_MS = 16.0
SLIDER_TARGET_FPS = 60.0
PAN_ZOOM_TARGET_MS = 16.0
PAN_ZOOM_TARGET_N = 70_000
FORCE_PAINT_AFTER_MS = 100
SLIDER_STEP = 2  # of 1000: a brisk drag across the slider in ~1.5 s at 250 events/s
WARMUP_CLICKS = 5

_LEFT = QtCore.Qt.MouseButton.LeftButton
_NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier


# -- click to image ---------------------------------------------------------------------------


class ClickProbe:
    """Clicks the map and times each click until the frame showing its preview is painted.

    Spies (all removed by :meth:`close`): ``preview_dock.show_preview`` is wrapped on the
    instance (Explorer looks it up at call time), a paint filter sits on the preview image,
    and slots on ``map.position_clicked`` and ``decoder.decoded`` note when those happen.
    """

    def __init__(self, window: Any) -> None:
        self.window = window
        self.viewport = window.map.plot_widget.viewport()
        self._loop = QtCore.QEventLoop()
        self._state: dict[str, Any] = {}
        self._dock = window.preview_dock
        self._original_show = self._dock.show_preview
        self._dock.show_preview = self._show_preview
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
        del self._dock.show_preview  # back to the class's method  # back to the class's method
        self._paint.remove()
        self.window.map.position_clicked.disconnect(self._on_position_clicked)
        self.window.explorer.decoder.decoded.disconnect(self._on_decoded)

    # spies
    def _on_position_clicked(self, x: float, y: float, _modifiers: int) -> None:
        s = self._state
        if "clicked" not in s:
            s["clicked"] = time.perf_counter()
            s["context"] = f"map ({x:.2f}, {y:.2f})"  # what Explorer.decode_at captions
            s["emitted_xy"] = (x, y)

    def _on_decoded(self, result: Any) -> None:
        s = self._state
        if result.channel == "preview" and result.context == s.get("context"):
            s.setdefault("result", result)

    def _show_preview(self, image: np.ndarray, caption: str) -> None:
        self._original_show(image, caption)
        s = self._state
        context = s.get("context")
        if context and caption.startswith(context) and "shown" not in s:
            s["shown"] = time.perf_counter()
            s["image"] = image
            self._fallback.start()

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
        self._state = {}
        position = self.window.map.data_to_viewport(x, y)
        t0 = time.perf_counter()
        QTest.mouseClick(self.viewport, _LEFT, _NO_MODIFIER, position)
        dispatched = time.perf_counter()
        if "painted" not in self._state:
            self._timeout.start(round(timeout_s * 1000))
            self._loop.exec()
            self._timeout.stop()
        frame_done = time.perf_counter()
        s = self._state
        if "painted" not in s or "result" not in s:
            return {"ok": False, "xy": [x, y], "stage": sorted(s)}
        result = s["result"]
        expected = self.window.explorer.map_data.to_latent([list(s["emitted_xy"])])[0]
        return {
            "ok": True,
            "xy": [x, y],
            "dispatch_ms": (dispatched - t0) * 1e3,
            "clicked_ms": (s["clicked"] - t0) * 1e3,
            "decode_ms": result.decode_ms,
            "request_to_result_ms": result.latency_ms,
            "shown_ms": (s["shown"] - t0) * 1e3,
            "paint_start_ms": (s["painted"] - t0) * 1e3,
            "latency_ms": (frame_done - t0) * 1e3,
            "forced_paint": bool(s.get("forced")),
            "right_latent": bool(np.allclose(result.latents[0], expected, atol=1e-5)),
        }


def measure_clicks(window: Any, runs: int, clicks_per_run: int, seed: int) -> dict[str, Any]:
    probe = ClickProbe(window)
    try:
        for x, y in _common.random_places(window, WARMUP_CLICKS, seed=seed + 1000):
            probe.click(x, y)
            spin(0.02)
        per_run, all_clicks = [], []
        for run in range(runs):
            clicks = []
            for x, y in _common.random_places(window, clicks_per_run, seed=seed + run):
                clicks.append(probe.click(x, y))
                spin(0.02)  # a user's clicks are far apart; let the marker's repaint finish
            good = [c for c in clicks if c["ok"]]
            per_run.append(
                {
                    "clicks": len(clicks),
                    "failed": len(clicks) - len(good),
                    "latency_ms": summary([c["latency_ms"] for c in good]),
                }
            )
            all_clicks += clicks
    finally:
        probe.close()
    good = [c for c in all_clicks if c["ok"]]
    stages = (
        "dispatch_ms",
        "decode_ms",
        "request_to_result_ms",
        "shown_ms",
        "paint_start_ms",
        "latency_ms",
    )
    return {
        "clicks": len(all_clicks),
        "failed": len(all_clicks) - len(good),
        "forced_paints": sum(c["forced_paint"] for c in good),
        "wrong_latent": sum(not c["right_latent"] for c in good),
        "stages_ms": {k: summary([c[k] for c in good]) for k in stages},
        "per_run": per_run,
        "p95_median_over_runs_ms": float(np.median([r["latency_ms"]["p95"] for r in per_run])),
    }


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
            check=lambda result: result.channel == "preview",
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
            if result.channel == "interpolation":
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
    from latentlab.ui.map_points import DEFAULT_RASTER_THRESHOLD

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
    window = _common.open_window(settings_dir)
    try:
        open_s = _common.open_model(window, path)
        if args.decoder_threads:
            set_decoder_threads(window, args.decoder_threads)
        model = window.explorer.model
        viewport = window.map.plot_widget.viewport()
        print(f"[{name}] opened in {open_s:.1f} s: {window.map.point_count():,} points", flush=True)
        result: dict[str, Any] = {
            "checkpoint": str(path),
            "open_s": open_s,
            "points": window.map.point_count(),
            "latent_dim": int(model.latent_dim),
            "image_shape": list(window.explorer.map_data.cloud.images.shape[1:]),
            "window_size": [window.width(), window.height()],
            "map_viewport_size": [viewport.width(), viewport.height()],
        }
        result["click"] = measure_clicks(window, args.runs, args.clicks_per_run, seed=1)
        result["click"]["direct_decode_ms"] = direct_decode_ms(model, int(model.latent_dim))
        print(f"[{name}] clicks done", flush=True)
        result["slider"] = measure_slider(window, args.runs, args.drag_seconds)
        print(f"[{name}] slider done", flush=True)
        result["map_pan_zoom_in_app"] = in_app_pan_zoom(app, window, args.frames)
    finally:
        _common.close_window(window)
    return result


def print_tables(report: dict[str, Any]) -> None:
    print()
    header = (
        f"{'model':<8} {'points':>7}  {'click p50':>9} {'p95':>7} {'max':>7}  "
        f"{'decode p50':>10} {'direct':>7}  {'slider fps':>10} {'paints/s':>8} "
        f"{'steps/s':>8} {'latest':>6}"
    )
    print("Click to image (ms, frame painted) and slider drag (frames shown per second)")
    print(header)
    print("-" * len(header))
    for name, res in report["models"].items():
        if "skipped" in res:
            print(f"{name:<8} skipped: {res['skipped']}")
            continue
        lat = res["click"]["stages_ms"]["latency_ms"]
        slider = res["slider"]
        print(
            f"{name:<8} {res['points']:>7,}  {lat['p50']:>9.1f} {lat['p95']:>7.1f} "
            f"{lat['max']:>7.1f}  {res['click']['stages_ms']['decode_ms']['p50']:>10.2f} "
            f"{res['click']['direct_decode_ms']['p50']:>7.2f}  "
            f"{slider['frames_shown_per_s']:>10.0f} {slider['frame_paints_per_s']:>8.0f} "
            f"{slider['requests_per_s']:>8.0f} {'yes' if slider['latest_wins'] else 'NO':>6}"
        )
    print()
    print("Click stages, p50 / p95 ms from sending the click")
    for name, res in report["models"].items():
        if "skipped" in res:
            continue
        st = res["click"]["stages_ms"]
        parts = [
            f"{k.removesuffix('_ms')} {st[k]['p50']:.1f}/{st[k]['p95']:.1f}"
            for k in ("dispatch_ms", "shown_ms", "paint_start_ms", "latency_ms")
        ]
        print(f"  {name:<8} " + "  ".join(parts))
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
        if "skipped" in res:
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
        print(f"  {t['target']:<48} {t['direction']} {t['limit']:<6g} {value:>8}  {met}")


def targets_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, res in report["models"].items():
        if "skipped" in res:
            out.append(target(f"{name}: click-to-image p95 (ms)", None, CLICK_TARGET_MS))
            out.append(
                target(f"{name}: slider frames/s", None, SLIDER_TARGET_FPS, higher_is_better=True)
            )
            continue
        out.append(
            target(
                f"{name}: click-to-image p95 (ms)",
                res["click"]["stages_ms"]["latency_ms"]["p95"],
                CLICK_TARGET_MS,
            )
        )
        out.append(
            target(
                f"{name}: slider frames/s",
                res["slider"]["frames_shown_per_s"],
                SLIDER_TARGET_FPS,
                higher_is_better=True,
            )
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
    parser.add_argument("--clicks-per-run", type=int, default=80)
    parser.add_argument("--drag-seconds", type=float, default=3.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 70_000, 200_000])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--map-runs", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=_common.RESULTS_DIR / "interaction.json", help="JSON report"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.digits_epochs = min(args.digits_epochs, 3)
        args.mnist_steps = args.mnist_steps or 60
        args.runs, args.clicks_per_run, args.drag_seconds = 2, 40, 1.5
        args.sizes, args.frames, args.map_runs = [10_000, 70_000], 20, 1

    app = _common.qt_app()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "interaction",
        "machine": _common.machine_info(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "definitions": {
            "click_latency": "perf_counter before QTest.mouseClick on the map viewport -> event "
            "loop back from the repaint in which the preview PixelView got its Paint event "
            "after show_preview(this click's decode); includes dispatch, decode on the "
            "worker, queued delivery, show_preview and the window repaint",
            "slider_fps": "InterpolationDock.show_frame calls per second during a drag that "
            f"moves the slider {SLIDER_STEP}/1000 per event-loop turn",
            "pan_zoom": "map_frame_time.py: set view range, process events until painted",
        },
    }
    with tempfile.TemporaryDirectory(prefix="latentlab-interaction-") as tmp:
        workdir = Path(tmp)
        checkpoints = prepare_checkpoints(args, workdir)
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
            report["models"][name] = measure_model(app, name, info["path"], args, workdir)
        print("pan/zoom of the LatentMap alone …", flush=True)
        report["map_frame_time"] = {
            "window": list(map_frame_time.WINDOW),
            "frames": args.frames,
            "runs": args.map_runs,
            "rows": latent_map_table(app, args.sizes, args.frames, args.map_runs),
        }
    report["targets"] = targets_of(report)
    report["load_average_end"] = _common.load_average()
    report["wall_s"] = time.perf_counter() - started
    print_tables(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out} ({report['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
