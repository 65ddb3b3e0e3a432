"""LossPlot: live training curves, one per loss, against the optimisation step."""

from __future__ import annotations

import html
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

# Discriminator scores are probabilities: they get their own small [0, 1] plot so the losses
# keep a useful scale.
SCORE_NAMES: tuple[str, ...] = ("D(x)", "D(G(z))")
# matplotlib's tab10, as on the latent map: familiar to ML users, distinct on white.
CURVE_COLOURS: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
_INK = "#444444"
_EPOCH_LINE = (0, 0, 0, 28)
_DASH = QtCore.Qt.PenStyle.DashLine
_AXIS_WIDTH = 44  # fixed, so the x axes of the two plots line up
_INITIAL_CAPACITY = 256
REDRAW_INTERVAL_MS = 200


class _Series:
    """x/y samples in numpy buffers that double when full, so appends are amortised O(1)."""

    def __init__(self) -> None:
        self.x = np.empty(_INITIAL_CAPACITY)
        self.y = np.empty(_INITIAL_CAPACITY)
        self.size = 0

    def append(self, x: float, y: float) -> None:
        if self.size == len(self.x):
            self.x = np.concatenate([self.x, np.empty_like(self.x)])
            self.y = np.concatenate([self.y, np.empty_like(self.y)])
        self.x[self.size] = x
        self.y[self.size] = y
        self.size += 1

    def views(self) -> tuple[np.ndarray, np.ndarray]:
        # Views, not copies: later appends write past `size`, never into what was handed out.
        return self.x[: self.size], self.y[: self.size]


class LossPlot(QtWidgets.QWidget):
    """Loss curves with a legend; discriminator scores (``SCORE_NAMES``) go to a second plot.

    Call :meth:`reset` at the start of a run and :meth:`append` with each progress record.
    Curves are created once per name and updated with ``setData``; long runs are
    downsampled for drawing (the data keeps every point). A "Log scale" box switches the loss
    axis: useful for VAEs, whose KL term is much smaller than the reconstruction loss.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour_index = 0
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._series: dict[str, _Series] = {}
        self._colours: dict[str, str] = {}
        self._values: dict[str, float] = {}
        self._epoch_lines: list[tuple[pg.PlotWidget, pg.InfiniteLine]] = []
        self._stale: set[str] = set()  # curves with points not drawn yet
        # Redrawing a plot costs far more than recording a point, and records may come 20
        # times a second: draw at most every REDRAW_INTERVAL_MS.
        self._redraw_timer = QtCore.QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw_stale)

        self.loss_widget = _make_plot_widget("loss")
        self.score_widget = _make_plot_widget("D score")
        self.score_widget.setYRange(0, 1, padding=0.05)
        # Three ticks are plenty for a probability in a plot this short.
        score_axis = self.score_widget.getAxis("left")
        score_axis.setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        # No grid here: with one, pyqtgraph drops the labels at 0 and 1, which overhang this
        # short axis. A dashed line instead marks 0.5, where both scores sit at equilibrium.
        self.score_widget.showGrid(x=False, y=False)
        score_axis.setStyle(hideOverlappingLabels=False)
        equilibrium = pg.InfiniteLine(
            pos=0.5, angle=0, movable=False, pen=pg.mkPen(_EPOCH_LINE, style=_DASH)
        )
        self.score_widget.addItem(equilibrium, ignoreBounds=True)
        self.score_widget.getPlotItem().setMouseEnabled(y=False)
        self.score_widget.getPlotItem().enableAutoRange(axis="y", enable=False)
        self.score_widget.setXLink(self.loss_widget)
        # Until the first run, so that an empty plot does not look broken.
        self._placeholder: pg.TextItem | None = pg.TextItem(
            "Loss curves appear here during training", color="#909090", anchor=(0.5, 0.5)
        )
        self._placeholder.setPos(0.5, 0.5)
        self.loss_widget.addItem(self._placeholder, ignoreBounds=True)

        # The legend sits above the plots, not over them: the curves of a run span the whole
        # width, so an overlay would always hide some. It also shows the latest values.
        self.legend_label = QtWidgets.QLabel()
        self.legend_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        self.legend_label.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.legend_label.setMinimumHeight(2 * self.legend_label.fontMetrics().lineSpacing())
        self.log_box = QtWidgets.QCheckBox("Log scale")
        self.log_box.setToolTip(
            "Logarithmic loss axis: shows small terms (like KL) next to big ones"
        )
        self.log_box.toggled.connect(self._apply_log_y)

        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.legend_label, 1)
        header.addWidget(self.log_box, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.loss_widget, 5)
        layout.addWidget(self.score_widget, 2)
        self._show_scores(False)

    def sizeHint(self) -> QtCore.QSize:
        # Modest, so that a dock shares its height by the layout's stretch factors (a
        # PlotWidget alone prefers ~500 px).
        return QtCore.QSize(400, 300)

    def hasHeightForWidth(self) -> bool:
        # The legend wraps, but parents should go by the minimum height (two legend lines and
        # the plots' minimums): a height-for-width answer sums the plots' preferred ~1,000 px.
        return False

    # -- public -------------------------------------------------------------------------

    @property
    def loss_names(self) -> tuple[str, ...]:
        """Names with a curve, in the order they were added."""
        return tuple(self._curves)

    def colour(self, name: str) -> str | None:
        """The hex colour of a curve (for matching text elsewhere), None if it has none."""
        return self._colours.get(name)

    def reset(self, loss_names: Iterable[str], *, log_y: bool = False) -> None:
        """Forget all points and epoch marks; make one empty curve per name."""
        if self._placeholder is not None:
            self.loss_widget.removeItem(self._placeholder)
            self._placeholder = None
        for name, curve in self._curves.items():
            self._plot_of(name).removeItem(curve)
        for widget, line in self._epoch_lines:
            widget.removeItem(line)
        self._curves.clear()
        self._series.clear()
        self._colours.clear()
        self._values.clear()
        self._stale.clear()
        self._redraw_timer.stop()
        self._epoch_lines.clear()
        self._colour_index = 0
        self._show_scores(False)
        for name in loss_names:
            self._add_curve(name)
        self._update_legend()
        self.log_box.setChecked(log_y)
        self._apply_log_y(log_y)
        for widget in (self.loss_widget, self.score_widget):
            widget.enableAutoRange(axis="x")
        self.loss_widget.enableAutoRange(axis="y")

    def append(self, step: int, losses: dict[str, float]) -> None:
        """Add one point per loss at ``step``; an unknown name gets a new curve.

        The first append after a quiet spell is drawn at once; later ones are drawn together
        at most every ``REDRAW_INTERVAL_MS`` (see :meth:`flush`)."""
        for name, value in losses.items():
            if name not in self._curves:
                self._add_curve(name)
            self._series[name].append(step, value)
            self._stale.add(name)
        self._values.update(losses)
        if not self._redraw_timer.isActive():
            self.flush()

    def flush(self) -> None:
        """Draw every point appended so far now (e.g. when a run ends)."""
        for name in self._stale:
            self._curves[name].setData(*self._series[name].views())
        self._stale.clear()
        self._update_legend()
        self._redraw_timer.start()  # appends during the next interval wait for its end

    def show_values(self, losses: dict[str, float]) -> None:
        """Write these values next to the names in the legend (e.g. an epoch's means)."""
        self._values.update(losses)
        self._update_legend()

    def mark_epoch(self, step: int) -> None:
        """A faint vertical line where an epoch ended."""
        for widget in self._visible_plots():
            line = pg.InfiniteLine(pos=step, angle=90, pen=pg.mkPen(_EPOCH_LINE), movable=False)
            widget.addItem(line, ignoreBounds=True)
            self._epoch_lines.append((widget, line))

    def curve(self, name: str) -> pg.PlotDataItem:
        """The plotted item of one loss (KeyError if it has none)."""
        return self._curves[name]

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the (steps, values) recorded for one loss."""
        x, y = self._series[name].views()
        return x.copy(), y.copy()

    # -- helpers ------------------------------------------------------------------------

    def _add_curve(self, name: str) -> None:
        colour = CURVE_COLOURS[self._colour_index % len(CURVE_COLOURS)]
        self._colour_index += 1
        is_score = name in SCORE_NAMES
        # Width 1: Qt strokes thicker antialiased lines ~20× slower, which made a repaint of a
        # long run take tens of milliseconds. Peak downsampling to about one min/max pair per
        # pixel column keeps the cost flat however many points the run has logged.
        curve = self._plot_of(name).plot(
            name=name,
            pen=pg.mkPen(colour, width=1),
            antialias=True,
            autoDownsample=True,
            autoDownsampleFactor=1.0,
            downsampleMethod="peak",
            clipToView=True,
        )
        self._curves[name] = curve
        self._series[name] = _Series()
        self._colours[name] = colour
        if is_score:
            self._show_scores(True)

    def legend_text(self) -> str:
        """The legend as plain text, e.g. "total 116.7  reconstruction 112  kl 4.665"."""
        return "  ".join(
            name if name not in self._values else f"{name} {self._values[name]:.4g}"
            for name in self._colours
        )

    def _update_legend(self) -> None:
        parts = []
        for name, colour in self._colours.items():
            value = self._values.get(name)
            shown = "" if value is None else f"&nbsp;<b>{value:.4g}</b>"
            # A no-break space inside each entry: the label wraps between entries only.
            parts.append(f'<span style="color:{colour}">━━</span>&nbsp;{html.escape(name)}{shown}')
        self.legend_label.setText("&nbsp;&nbsp; ".join(parts))

    def _redraw_stale(self) -> None:
        if self._stale:
            self.flush()

    def _plot_of(self, name: str) -> pg.PlotWidget:
        return self.score_widget if name in SCORE_NAMES else self.loss_widget

    def _visible_plots(self) -> list[pg.PlotWidget]:
        return [w for w in (self.loss_widget, self.score_widget) if not w.isHidden()]

    def _show_scores(self, shown: bool) -> None:
        self.score_widget.setVisible(shown)
        # Only the lowest plot carries the "step" label; the other keeps its ticks.
        self.loss_widget.getAxis("bottom").showLabel(not shown)

    def _apply_log_y(self, on: bool) -> None:
        self.loss_widget.setLogMode(x=False, y=on)
        # Log axes label every 2·10ⁿ … 9·10ⁿ tick by default, a crowded column of text:
        # label the decades only (linear axes keep their usual two levels).
        self.loss_widget.getAxis("left").setStyle(maxTextLevel=0 if on else 2)
        self.loss_widget.enableAutoRange(axis="y")


def _make_plot_widget(y_label: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.setMinimumHeight(60)
    widget.setSizePolicy(
        QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding
    )
    item = widget.getPlotItem()
    item.setMenuEnabled(True)
    # Horizontal grid lines only: epoch marks already cut the x axis, and each grid
    # direction costs a few milliseconds per repaint.
    item.showGrid(x=False, y=True, alpha=0.12)
    item.setLabel("left", y_label)
    item.setLabel("bottom", "step")
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setPen(_INK)
        axis.setTextPen(_INK)
    item.getAxis("left").setWidth(_AXIS_WIDTH)
    item.hideButtons()  # the "A" autoscale button overlaps the ticks in small plots
    return widget
