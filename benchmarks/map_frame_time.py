"""Frame time of the LatentMap while panning and zooming, against a plain
pyqtgraph ScatterPlotItem holding all points with one shared brush.

Each frame changes the view range and then processes events until the plot
viewport has been painted (a paint-event counter checks it; if no paint came,
``repaint()`` forces one), so the time includes rasterising and painting, as
one step of a continuous drag or wheel zoom does. Paints per frame are
reported. Runs offscreen by default.

    python benchmarks/map_frame_time.py [--sizes 10000 70000 200000] [--frames 40]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import PySide6
from PySide6 import QtCore, QtWidgets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from latentlab.ui.map.latent_map import LatentMap
from latentlab.ui.map.map_points import DEFAULT_RASTER_THRESHOLD, MARKER_SIZE

WINDOW = (800, 600)
WARMUP = 3


def clustered_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points in 10 Gaussian clusters of different widths, with labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(10, 2)) * 3.0
    widths = rng.uniform(0.4, 1.1, size=10)
    labels = rng.integers(0, 10, n)
    xy = centres[labels] + rng.normal(size=(n, 2)) * widths[labels, None]
    return xy, labels


def view_sequence(kind: str, start: tuple, frames: int) -> list[tuple]:
    """View ranges for a back-and-forth pan or an in-and-out zoom."""
    x0, x1, y0, y1 = start
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    half = frames // 2
    # 0..half..0: the view returns to where it started, staying over the data.
    steps = [min(i, frames - i) for i in range(1, frames + 1)]
    ranges = []
    for k in steps:
        if kind == "pan":
            dx, dy = 0.3 * w * k / half, 0.1 * h * k / half
            ranges.append((x0 + dx, x1 + dx, y0 + dy, y1 + dy))
        else:
            s = 0.985**k
            ranges.append((cx - s * w / 2, cx + s * w / 2, cy - s * h / 2, cy + s * h / 2))
    return ranges


class PaintCounter(QtCore.QObject):
    """Counts paint events of the widget it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            self.count += 1
        return False


def time_frames(app, view_box, viewport, ranges) -> tuple[np.ndarray, float]:
    """ms per frame (set range, process events until painted) and paints per
    timed frame."""
    counter = PaintCounter()
    viewport.installEventFilter(counter)
    times = []
    for i, (x0, x1, y0, y1) in enumerate(ranges):
        if i == WARMUP:
            counter.count = 0
        t0 = time.perf_counter()
        view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        before = counter.count
        app.processEvents()
        if counter.count == before:
            viewport.repaint()
        if i >= WARMUP:
            times.append((time.perf_counter() - t0) * 1e3)
    viewport.removeEventFilter(counter)
    return np.asarray(times), counter.count / max(len(times), 1)


def bench_latent_map(app, xy, labels, threshold, frames) -> dict:
    widget = LatentMap(raster_threshold=threshold)
    widget.resize(*WINDOW)
    widget.show()
    app.processEvents()
    t0 = time.perf_counter()
    widget.set_points(xy, labels, [f"class {k}" for k in range(10)])
    widget.plot_widget.viewport().repaint()
    set_ms = (time.perf_counter() - t0) * 1e3
    app.processEvents()
    start = widget.view_range()
    out = {"set_points_ms": set_ms, "rasterised": widget.points.rasterised}
    vp = widget.plot_widget.viewport()
    for kind in ("pan", "zoom"):
        ranges = view_sequence(kind, start, frames + WARMUP)
        out[kind] = time_frames(app, widget.view_box, vp, ranges)
        widget.set_view_range(*start)
    # Hover lookup at the view centre (first query builds the KD-tree).
    centre = widget.view_box.mapViewToScene(pg.Point(sum(start[:2]) / 2, sum(start[2:]) / 2))
    t0 = time.perf_counter()
    widget.point_at(centre)
    out["hover_first_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    for _ in range(100):
        widget.point_at(centre)
    out["hover_ms"] = (time.perf_counter() - t0) * 10
    t0 = time.perf_counter()
    widget.move_points(xy * 1.01)
    vp.repaint()
    out["move_points_ms"] = (time.perf_counter() - t0) * 1e3
    out["plot_size"] = [vp.width(), vp.height()]
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return out


def bench_reference(app, xy, size, frames) -> dict:
    plot = pg.PlotWidget(background="w")
    plot.resize(*size)
    plot.show()
    vb = plot.getPlotItem().getViewBox()
    vb.setAspectLocked(True)
    item = pg.ScatterPlotItem(
        x=xy[:, 0],
        y=xy[:, 1],
        size=MARKER_SIZE,
        pen=pg.mkPen(255, 255, 255, 200, width=0.8),
        brush=pg.mkBrush(31, 119, 180, 235),
        pxMode=True,
        useCache=True,
    )
    plot.addItem(item)
    vb.autoRange(padding=0.05)
    app.processEvents()
    (x0, x1), (y0, y1) = vb.viewRange()
    out = {}
    for kind in ("pan", "zoom"):
        ranges = view_sequence(kind, (x0, x1, y0, y1), frames + WARMUP)
        out[kind] = time_frames(app, vb, plot.viewport(), ranges)
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    out["plot_size"] = [plot.viewport().width(), plot.viewport().height()]
    plot.close()
    plot.deleteLater()
    app.processEvents()
    return out


def summarise(measured: tuple[np.ndarray, float]) -> dict:
    times, paints = measured
    return {
        "median_ms": float(np.median(times)),
        "p95_ms": float(np.percentile(times, 95)),
        "frames": len(times),
        "paints_per_frame": paints,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 70_000, 200_000])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "map_frame_time.json"
    )
    args = parser.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])

    variants = {
        "latent_map": DEFAULT_RASTER_THRESHOLD,
        "latent_map[scatter forced]": sys.maxsize,
        "latent_map[raster forced]": 0,
    }
    rows = []
    for n in args.sizes:
        xy, labels = clustered_points(n)
        plot_size = None
        for name, threshold in variants.items():
            res = bench_latent_map(app, xy, labels, threshold, args.frames)
            plot_size = res["plot_size"]
            rows.append(
                {
                    "n": n,
                    "variant": name,
                    "renderer": "raster" if res["rasterised"] else "scatter",
                    "pan": summarise(res.pop("pan")),
                    "zoom": summarise(res.pop("zoom")),
                    **{k: v for k, v in res.items() if k != "rasterised"},
                }
            )
        ref = bench_reference(app, xy, plot_size, args.frames)
        rows.append(
            {
                "n": n,
                "variant": "reference ScatterPlotItem",
                "renderer": "scatter",
                "pan": summarise(ref.pop("pan")),
                "zoom": summarise(ref.pop("zoom")),
                **ref,
            }
        )

    header = (
        f"{'N':>8}  {'variant':<28} {'renderer':<8} "
        f"{'pan med':>8} {'pan p95':>8} {'zoom med':>9} {'zoom p95':>9}  (ms/frame)"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['n']:>8}  {r['variant']:<28} {r['renderer']:<8} "
            f"{r['pan']['median_ms']:>8.1f} {r['pan']['p95_ms']:>8.1f} "
            f"{r['zoom']['median_ms']:>9.1f} {r['zoom']['p95_ms']:>9.1f}"
            f"   paints/frame {r['pan']['paints_per_frame']:.2f}"
        )
    print()
    for r in rows:
        if "hover_ms" in r and r["variant"] == "latent_map":
            print(
                f"N={r['n']:>7}: set_points {r['set_points_ms']:.0f} ms, move_points "
                f"{r['move_points_ms']:.0f} ms, hover first {r['hover_first_ms']:.1f} ms "
                f"(builds KD-tree), then {r['hover_ms']:.2f} ms"
            )

    report = {
        "benchmark": "map_frame_time",
        "window": list(WINDOW),
        "raster_threshold": DEFAULT_RASTER_THRESHOLD,
        "frames_per_measure": args.frames,
        "platform": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
            "pyside6": PySide6.__version__,
            "pyqtgraph": pg.__version__,
            "numpy": np.__version__,
        },
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
