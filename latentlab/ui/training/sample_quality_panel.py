"""SampleQualityPanel: how good a GAN's samples are, epoch after epoch.

A Fréchet-distance curve (domain-classifier features of the same generated samples every
epoch against real test images, with the distance of real training images as a dashed floor),
and the classifier's class histogram of the latest samples next to the real class shares: a
generator that collapses onto a few modes shows tall bars beside empty ones.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

_INK = "#444444"
_CURVE = "#1f77b4"
_FLOOR = "#2ca02c"
_REAL_MARK = "#222222"
_CAPTION_STYLE = "color: #707070;"
_AXIS_WIDTH = 40


class SampleQualityPanel(QtWidgets.QWidget):
    """Feed it GanEpochQuality records with :meth:`add`; :meth:`reset` for a new run."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QtWidgets.QLabel("<b>Sample quality</b>")
        self.caption_label = QtWidgets.QLabel(
            "Lower is better. Bars: the classes the samples look like; marks: the real "
            "shares. Judged by a classifier trained on the dataset."
        )
        self.caption_label.setStyleSheet(_CAPTION_STYLE)
        self.caption_label.setWordWrap(True)
        self.summary_label = QtWidgets.QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )

        # Log scale: the distance falls by orders of magnitude early and by percents late.
        self.fd_plot = _plot("FD", "epoch")
        self.fd_plot.getPlotItem().setLogMode(x=False, y=True)
        self._fd_curve = self.fd_plot.plot(
            pen=pg.mkPen(_CURVE, width=2), symbol="o", symbolSize=5, symbolBrush=_CURVE
        )
        # What real training images score against the same test images: the floor.
        self._floor = self.fd_plot.plot(
            pen=pg.mkPen(_FLOOR, width=1.5, style=QtCore.Qt.PenStyle.DashLine)
        )
        self._floor_label = pg.TextItem("", color=_FLOOR, anchor=(1, 1))
        self.fd_plot.addItem(self._floor_label, ignoreBounds=True)

        self.census_plot = _plot("% of samples", "")
        self.census_plot.getPlotItem().setMouseEnabled(x=False, y=False)
        self.census_plot.getAxis("left").enableAutoSIPrefix(False)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=_CURVE, pen=None)
        self._real_marks = pg.ScatterPlotItem(
            symbol="_", size=14, pen=pg.mkPen(_REAL_MARK, width=2), brush=None
        )
        self.census_plot.addItem(self._bars)
        self.census_plot.addItem(self._real_marks)

        # Room for three lines each, so the plots never squeeze the text onto them.
        lines = 3 * self.fontMetrics().lineSpacing()
        self.caption_label.setMinimumHeight(lines)
        self.summary_label.setMinimumHeight(lines)
        self.fd_plot.setMinimumHeight(100)
        # Layouts give a panel of word-wrapped text less than its text needs when space is
        # short; an explicit minimum holds (the dock scrolls instead).
        self.setMinimumHeight(100 + 70 + 7 * self.fontMetrics().lineSpacing() + 12)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.caption_label)
        layout.addWidget(self.fd_plot, 3)
        layout.addWidget(self.census_plot, 2)
        layout.addWidget(self.summary_label)
        self.reset()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(260, 340)  # modest: the dock's stretch factors share its height

    def hasHeightForWidth(self) -> bool:
        # Its explicit minimum height (room for the wrapped text) is what parents go by: a
        # height-for-width answer would be summed from the plots' preferred heights instead.
        return False

    # -- what the dock calls --------------------------------------------------------------

    def reset(self, waiting: str = "") -> None:
        """Forget the previous run; ``waiting`` says what comes first."""
        self._epochs: list[int] = []
        self._distances: list[float] = []
        self._fd_curve.setData([], [])
        self._floor.setData([], [])
        self._floor_label.setText("")
        self.fd_plot.getAxis("left").setTicks(None)
        self._bars.setOpts(x=[], height=[])
        self._real_marks.setData([], [])
        self.census_plot.getAxis("bottom").setTicks(None)
        self.summary_label.setText(waiting)
        self.summary_label.setStyleSheet(_CAPTION_STYLE)

    def set_note(self, text: str) -> None:
        """A line under the plots while no measurement has come (e.g. the classifier's
        training progress)."""
        if not self._epochs:
            self.summary_label.setText(text)

    def add(self, quality) -> None:
        """One epoch's GanEpochQuality."""
        self._epochs.append(quality.epoch + 1)  # shown 1-based, as the progress text counts
        self._distances.append(max(quality.frechet_distance, 1e-6))  # log axis
        self._fd_curve.setData(self._epochs, self._distances)
        shown = list(self._distances)
        if quality.reference_distance is not None:
            floor = max(quality.reference_distance, 1e-6)
            self._floor.setData([self._epochs[0], self._epochs[-1]], [floor, floor])
            self._floor_label.setText(f"real images {floor:.1f}")
            # Items added to log-mode axes are placed in log10 units.
            self._floor_label.setPos(self._epochs[-1], np.log10(floor))
            shown.append(floor)
        self.fd_plot.getAxis("left").setTicks([_log_ticks(min(shown), max(shown)), []])
        self.fd_plot.getPlotItem().enableAutoRange()
        self._show_census(quality.census)
        census = quality.census
        floor_text = (
            f" (real images: {quality.reference_distance:.1f})"
            if quality.reference_distance is not None
            else ""
        )
        self.summary_label.setStyleSheet("")
        trust = census.trust_note()
        self.summary_label.setText(
            f"Epoch {quality.epoch + 1}: FD {quality.frechet_distance:.1f}{floor_text} · "
            f"{census.effective_classes:.1f} of {len(census.class_names)} classes in use · "
            f"{quality.samples:,} samples" + (f" · {trust}" if trust else "")
        )

    # -- for tests and the screenshot -----------------------------------------------------

    def curve(self) -> tuple[list[int], list[float]]:
        """The epochs (1-based) and Fréchet distances drawn."""
        return list(self._epochs), list(self._distances)

    def census_shares(self) -> np.ndarray:
        """The share of the latest samples in each class, as drawn (0..1)."""
        return np.asarray(self._bars.opts.get("height", []), dtype=float) / 100

    # -- helpers ------------------------------------------------------------------------

    def _show_census(self, census) -> None:
        x = np.arange(len(census.class_names))
        self._bars.setOpts(x=x, height=100 * census.shares, width=0.7)
        self._real_marks.setData(x, 100 * census.real_shares)
        names = [(i, _short(name)) for i, name in enumerate(census.class_names)]
        self.census_plot.getAxis("bottom").setTicks([names, []])
        top = max(float(census.shares.max(initial=0)), float(census.real_shares.max(initial=0)))
        self.census_plot.setYRange(0, max(100 * top * 1.1, 5), padding=0)
        self.census_plot.setXRange(-0.6, len(x) - 0.4, padding=0)


def _log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks at 1, 2 and 5 (or 1 and 3, or 1) times the powers of ten from ``low`` to ``high``
    (log10 positions, as log-mode axes take them): fewer as the range widens."""
    ratio = high / max(low, 1e-9)
    steps = (1, 2, 5) if ratio < 30 else (1, 3) if ratio < 1000 else (1,)
    ticks = []
    for power in range(int(np.floor(np.log10(max(low, 1e-9)))), int(np.ceil(np.log10(high))) + 1):
        for step in steps:
            value = step * 10.0**power
            if low / 1.5 <= value <= high * 1.5:
                ticks.append((float(np.log10(value)), f"{value:g}"))
    return ticks


def _short(name: str) -> str:
    return name if len(name) <= 6 else name[:5] + "…"


def _plot(y_label: str, x_label: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.setMinimumHeight(70)
    item = widget.getPlotItem()
    item.showGrid(x=False, y=True, alpha=0.12)
    item.setLabel("left", y_label)
    if x_label:
        item.setLabel("bottom", x_label)
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setPen(_INK)
        axis.setTextPen(_INK)
    item.getAxis("left").setWidth(_AXIS_WIDTH)
    item.hideButtons()
    item.setMenuEnabled(False)
    return widget
