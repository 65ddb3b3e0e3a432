"""Diffusion samples' denoising paths on the latent map.

Each sample's path runs from its noise (a small grey diamond, in the noise cloud) to where it
lands (a ring). The samples at the scrubbed step are filled dots, the selected sample's path
is drawn bold in the map's accent colour. Drawn above the points and below the
interpolation path (see ``map_layers`` for the Z order).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from latentlab.ui.map.map_layers import ACCENT, INK, Z_PATH
from latentlab.ui.map.map_points import InertScatterPlotItem

Z_TRAJECTORIES = Z_PATH - 5.0
NOISE_GREY = (150, 150, 155)
STEP_FILL = (255, 160, 40)  # the samples where the scrubber is: orange on any class colour


class TrajectoryLayer:
    """The paths of N samples over S + 1 steps, and where each sample is at one step."""

    def __init__(self, vb: pg.ViewBox) -> None:
        self._paths = np.zeros((0, 0, 2))  # (S + 1)×N×2: the noise first
        # A white halo under each line, so the paths read on dense points of any colour.
        self._halos = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 170, width=3.5))
        self._lines = pg.PlotCurveItem(pen=pg.mkPen(*INK, 200, width=1.4))
        self._selected_halo = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 230, width=6))
        self._selected_line = pg.PlotCurveItem(pen=pg.mkPen(*ACCENT, 240, width=2.6))
        self._noise = InertScatterPlotItem(pxMode=True, antialias=True)
        self._ends = InertScatterPlotItem(pxMode=True, antialias=True)
        self._here = InertScatterPlotItem(pxMode=True, antialias=True)
        self._items = (
            self._halos,
            self._lines,
            self._noise,
            self._ends,
            self._selected_halo,
            self._selected_line,
            self._here,
        )
        for order, item in enumerate(self._items):
            item.setZValue(Z_TRAJECTORIES + order * 0.1)
            item.setVisible(False)
            vb.addItem(item)
        self._step = 0
        self._selected = 0

    def set_paths(self, paths: np.ndarray) -> None:
        """Draw ``paths``, (S + 1)×N×2 map positions of N samples from noise (row 0) to
        sample (row S), and mark every sample at the last step."""
        paths = np.asarray(paths, dtype=np.float64)
        if paths.ndim != 3 or paths.shape[2] != 2 or len(paths) < 2:
            raise ValueError(f"paths must be (steps + 1)×N×2, got {paths.shape}")
        self._paths = paths
        by_sample = paths.transpose(1, 0, 2)  # N×(S + 1)×2
        connect = np.ones(by_sample.shape[:2], dtype=bool)
        connect[:, -1] = False  # no line from one sample's end to the next one's noise
        flat = by_sample.reshape(-1, 2)
        for curve in (self._halos, self._lines):
            curve.setData(flat[:, 0], flat[:, 1], connect=connect.reshape(-1))
        self._noise.setData(
            pos=paths[0],
            symbol="d",
            size=9,
            pen=pg.mkPen(*INK, 200, width=1.0),
            brush=pg.mkBrush(*NOISE_GREY, 230),
        )
        self._ends.setData(
            pos=paths[-1],
            symbol="o",
            size=12,
            pen=pg.mkPen(*INK, width=2.0),
            brush=pg.mkBrush(255, 255, 255, 120),
        )
        for item in (self._halos, self._lines, self._noise, self._ends):
            item.setVisible(True)
        self.set_step(len(paths) - 1, min(self._selected, paths.shape[1] - 1))

    def set_step(self, step: int, selected: int) -> None:
        """Show every sample at ``step`` (0: the noise) and the path of sample ``selected``."""
        if len(self._paths) == 0:
            return
        self._step = int(np.clip(step, 0, len(self._paths) - 1))
        self._selected = int(np.clip(selected, 0, self._paths.shape[1] - 1))
        here = self._paths[self._step]
        sizes = np.full(len(here), 9.0)
        sizes[self._selected] = 14.0
        self._here.setData(
            pos=here,
            symbol="o",
            size=sizes,
            pen=pg.mkPen(*INK, width=1.2),
            brush=pg.mkBrush(*STEP_FILL),
        )
        path = self._paths[:, self._selected]
        for curve in (self._selected_halo, self._selected_line):
            curve.setData(path[:, 0], path[:, 1])
        for item in (self._here, self._selected_halo, self._selected_line):
            item.setVisible(True)

    def clear(self) -> None:
        self._paths = np.zeros((0, 0, 2))
        for item in self._items:
            item.setVisible(False)

    @property
    def visible(self) -> bool:
        return self._lines.isVisible()

    def paths(self) -> np.ndarray:
        """The drawn (S + 1)×N×2 paths (0 steps when none are shown); do not modify."""
        return self._paths

    def positions_at_step(self) -> np.ndarray:
        """N×2: where the filled dots are (the samples at the scrubbed step)."""
        if len(self._paths) == 0:
            return np.zeros((0, 2))
        return self._paths[self._step]
