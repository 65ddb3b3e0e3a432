"""LatentMap: the interactive scatter of latent codes projected to 2-D.

A pure view: it takes numpy arrays and emits signals; it knows nothing of
models. See :class:`LatentMap` for the mouse bindings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.projection.hover_index import HoverIndex
from latentlab.ui.map.axis_labels import AxisTitles
from latentlab.ui.map.map_grid import GridItem
from latentlab.ui.map.map_layers import MapOverlays
from latentlab.ui.map.map_legend import MapLegend
from latentlab.ui.map.map_points import (
    DEFAULT_RASTER_THRESHOLD,
    PointsLayer,
    class_names_or_default,
    make_value_colouring,
)
from latentlab.ui.map.map_selection import MapSelection
from latentlab.ui.map.map_viewbox import MapViewBox
from latentlab.ui.map.trajectory_layer import TrajectoryLayer

if TYPE_CHECKING:
    from latentlab.session.colouring import PointColouring

HOVER_RADIUS_PX = 8.0
HOVER_RATE_HZ = 60
VIEW_CHANGED_DELAY_MS = 150
POINT_OPACITY_OVER_BACKDROP = 0.75
_AXIS_INK = "#444444"


class LatentMap(QtWidgets.QWidget):
    """Pannable, zoomable scatter of 2-D latent positions.

    Mouse and keys:
      * left click: ``position_clicked(x, y, modifiers)`` anywhere (on a point
        or not); modifiers is ``int`` of Qt.KeyboardModifier (shift-click etc.).
      * left drag: ``position_dragged(x, y)`` on every move, then
        ``drag_finished(x, y)`` on release. Left drag never pans.
      * right drag or middle drag: pan. Wheel: zoom about the cursor.
      * double click (left) or the Home key: :meth:`reset_view`. The first
        click of a double click is still reported as a click.
      * with the rectangle or lasso tool (:meth:`set_selection_tool`), a left
        drag selects the shown points inside the shape (shift/ctrl: add, alt:
        remove); ctrl-click on a point adds or removes it with any tool; Esc
        clears the selection. ``selection_changed(rows)`` reports it.
      * hover: ``point_hovered(index)`` of the nearest shown point within
        ~8 px, -1 when none; emitted only when it changes.
      * ``view_changed(x0, x1, y0, y1)`` 150 ms after the view stops moving.
    The aspect ratio is locked to 1 (distances in a PCA map mean something).
    Legend: click a class to show/hide it (hidden = not drawn, not hoverable),
    double-click to show only that class, Ctrl+click to colour only the classes
    Ctrl+clicked (the others grey, still drawn and hoverable); with many classes, Enter in
    its search field colours only the classes that match.
    """

    position_clicked = QtCore.Signal(float, float, int)
    position_dragged = QtCore.Signal(float, float)
    drag_finished = QtCore.Signal(float, float)
    point_hovered = QtCore.Signal(int)
    view_changed = QtCore.Signal(float, float, float, float)
    class_visibility_changed = QtCore.Signal(int, bool)
    coloured_classes_changed = QtCore.Signal(object)  # (n_classes,) bool, True: in colour
    selection_changed = QtCore.Signal(object)  # np.ndarray of selected row indices
    view_reset = QtCore.Signal()  # the view was fitted to the points (Home, double click, ...)

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        raster_threshold: int = DEFAULT_RASTER_THRESHOLD,
    ) -> None:
        super().__init__(parent)
        self.view_box = MapViewBox()
        self.plot_widget = pg.PlotWidget(viewBox=self.view_box, background="w")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self._style_plot()

        self.legend = MapLegend()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend, 0)

        self.points = PointsLayer(self.view_box, raster_threshold)
        self.overlays = MapOverlays(self.view_box)
        self.trajectories = TrajectoryLayer(self.view_box)  # diffusion samples' paths
        self.selection = MapSelection(self.view_box, self.points)
        self.selection.changed.connect(self.selection_changed)
        self._hover_index = HoverIndex()
        self._hovered = -1
        self._class_names: list[str] = []
        self._colour_mode = "label"
        self._value_colouring = None

        self.view_box.left_clicked.connect(self._on_left_clicked)
        self.view_box.shape_dragged.connect(self.selection.on_shape_dragged)
        self.view_box.left_dragged.connect(self._on_left_dragged)
        self.view_box.double_clicked.connect(self.reset_view)
        self.legend.class_toggled.connect(self.set_class_visible)
        self.legend.class_soloed.connect(self._solo_class)
        self.legend.class_colour_toggled.connect(self._toggle_class_colour)
        self.legend.colour_only_requested.connect(self.set_coloured_classes)

        scene = self.plot_widget.scene()
        # Hover work at most HOVER_RATE_HZ, always with the latest position.
        self._hover_proxy = pg.SignalProxy(
            scene.sigMouseMoved,
            rateLimit=HOVER_RATE_HZ,
            slot=self._on_mouse_moved,
            threadSafe=False,
        )
        self.plot_widget.viewport().installEventFilter(self)

        self._view_timer = QtCore.QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(VIEW_CHANGED_DELAY_MS)
        self._view_timer.timeout.connect(self._emit_view_changed)
        # Via a Python slot: sigRangeChanged carries (vb, range, changed), which
        # must not reach QTimer.start(msec).
        self.view_box.sigRangeChanged.connect(self._on_range_changed)

        # Home (reset the view) is the window's View › Reset map view, so that it works
        # whatever has focus; a second Home here made both ambiguous, and neither fired.
        escape = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), self)
        escape.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.selection.clear)
        self.plot_widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    def _style_plot(self) -> None:
        plot = self.plot_item
        plot.setMenuEnabled(False)
        plot.hideButtons()  # the "A" button would switch on continuous auto-range
        self.view_box.disableAutoRange()  # overlays must never rescale the view
        plot.setContentsMargins(2, 10, 10, 2)
        font = QtGui.QFont()
        font.setPointSizeF(9)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(_AXIS_INK))
            axis.setTextPen(pg.mkPen(_AXIS_INK))
            axis.setStyle(tickFont=font, maxTickLevel=1)  # no third, busy tick level
        self.axis_titles = AxisTitles(plot, _AXIS_INK)
        self.set_axis_labels("", "")
        self.grid = GridItem(plot.getAxis("bottom"), plot.getAxis("left"))
        self.view_box.addItem(self.grid, ignoreBounds=True)

    # -- data ---------------------------------------------------------------
    def set_points(
        self,
        xy: np.ndarray,
        labels: np.ndarray | None = None,
        class_names: Sequence[str] = (),
    ) -> None:
        """Replace the data with ``xy`` (N, 2) and optional integer ``labels``
        (N,) naming rows of ``class_names``; resets colour mode to labels,
        shows all classes and auto-ranges the view."""
        xy = np.array(xy, dtype=np.float64).reshape(-1, 2)
        self._assign(xy, labels, class_names)
        self._hover_index.set_points(xy)
        self.overlays.hover_ring.clear()
        self.overlays.highlight_ring.clear()
        self.selection.clear(notify=False)  # rows of other points: the app selects again
        self._set_hovered(-1)
        self.reset_view()

    def set_labels(self, labels: np.ndarray | None, class_names: Sequence[str] = ()) -> None:
        """New classes for the same points (e.g. what a classifier sees in a GAN's samples
        after another epoch): positions, the selection and the view stay; colours go back to
        classes and every class is shown."""
        self._assign(self.points.xy.copy(), labels, class_names)
        self.selection.redraw()

    def _assign(self, xy: np.ndarray, labels, class_names: Sequence[str]) -> None:
        if labels is not None:
            labels = np.asarray(labels).astype(np.intp, copy=False).reshape(-1)
            if labels.shape[0] != xy.shape[0]:
                raise ValueError(f"{labels.shape[0]} labels for {xy.shape[0]} points")
            if labels.size and labels.min() < 0:
                raise ValueError("labels must be >= 0")
        names = class_names_or_default(class_names, labels) if labels is not None else []
        self._class_names = names
        self._value_colouring = None
        self._colour_mode = "label"
        self.legend.clear_colour_bar()
        self.points.set_data(xy, labels, len(names))
        counts = np.bincount(labels, minlength=len(names)) if labels is not None else []
        self.legend.set_classes(names, self.points.class_colours, counts)

    def move_points(self, xy: np.ndarray) -> None:
        """New positions for the same N points (e.g. t-SNE steps); keeps
        colours, hidden classes and the view range."""
        xy = np.array(xy, dtype=np.float64).reshape(-1, 2)
        if xy.shape[0] != self.points.count:
            raise ValueError(f"move_points got {xy.shape[0]} points, map has {self.points.count}")
        self.points.move(xy)
        self.selection.redraw()
        self._hover_index.set_points(xy)
        self.overlays.hover_ring.clear()
        self.overlays.highlight_ring.clear()
        self._set_hovered(-1)

    def class_names(self) -> list[str]:
        """Names of the classes in legend order (empty when unlabelled)."""
        return list(self._class_names)

    def point_count(self) -> int:
        """Number of points set (shown or not)."""
        return self.points.count

    def visible_point_count(self) -> int:
        """Number of points in shown classes."""
        return self.points.visible_count()

    # -- colouring ------------------------------------------------------------
    def set_colour_values(
        self,
        values: np.ndarray | None,
        label: str = "",
        vmin: float | None = None,
        vmax: float | None = None,
        colormap: str = "viridis",
        *,
        activate: bool = True,
    ) -> None:
        """Colour points by a scalar per point (e.g. reconstruction error) with
        a sequential colour map and a colour bar; high values are drawn on top.
        ``None`` returns to class colours. ``activate=False`` only stores the
        values for a later ``set_colour_mode('value')`` (no redraw now)."""
        if values is None:
            self._value_colouring = None
            self.set_colour_mode("label")
            return
        values = np.asarray(values, np.float64).reshape(-1)
        if values.shape[0] != self.points.count:
            raise ValueError(f"{values.shape[0]} values for {self.points.count} points")
        self._value_colouring = make_value_colouring(values, label, vmin, vmax, colormap)
        if activate:
            self.set_colour_mode("value")

    def set_colouring(self, colouring: PointColouring | None) -> None:
        """Colour by ``colouring`` (``latentlab.session.colouring``); None: by class."""
        if colouring is None:
            self.set_colour_mode("label")
            return
        self.set_colour_values(colouring.values, colouring.label, colouring.vmin, colouring.vmax)

    def set_colour_mode(self, mode: str) -> None:
        """'label' (class colours) or 'value' (needs set_colour_values first)."""
        if mode not in ("label", "value"):
            raise ValueError(f"unknown colour mode {mode!r}")
        if mode == "value" and self._value_colouring is None:
            raise ValueError("set_colour_values() before switching to value mode")
        self._colour_mode = mode
        vc = self._value_colouring if mode == "value" else None
        self.points.set_value_colouring(vc)
        if vc is None:
            self.legend.clear_colour_bar()
        else:
            self.legend.set_colour_bar(vc.label, vc.lut, vc.vmin, vc.vmax)

    def colour_mode(self) -> str:
        """The current colour mode, 'label' or 'value'."""
        return self._colour_mode

    def set_class_visible(self, index: int, visible: bool) -> None:
        """Show or hide one class (hidden: not drawn, not hoverable)."""
        mask = self.points.class_visible.copy()
        if not 0 <= index < mask.size or mask[index] == visible:
            return
        mask[index] = visible
        self._apply_class_mask(mask)
        self.class_visibility_changed.emit(index, visible)

    def visible_classes(self) -> np.ndarray:
        """(n_classes,) bool, True for shown classes."""
        return self.points.class_visible.copy()

    def set_coloured_classes(self, classes: Sequence[int] | None) -> None:
        """Colour only ``classes`` (the others grey, under them, still hoverable and
        clickable); None or empty colours every class. Hidden classes among them are shown."""
        coloured = np.zeros_like(self.points.class_coloured)
        chosen = [k for k in (classes or ()) if 0 <= k < coloured.size]
        coloured[chosen] = True
        if not coloured.any():
            coloured[:] = True
        for k in chosen:
            self.set_class_visible(k, True)
        if np.array_equal(coloured, self.points.class_coloured):
            return
        self.points.set_class_coloured(coloured)
        self.legend.set_coloured(coloured)
        self.coloured_classes_changed.emit(coloured.copy())

    def coloured_classes(self) -> np.ndarray:
        """(n_classes,) bool, True for classes drawn in their colour (all, unless a subset
        was chosen)."""
        return self.points.class_coloured.copy()

    def _toggle_class_colour(self, index: int) -> None:
        """Ctrl+click: the first picks a subset of one; later ones add or remove classes."""
        coloured = self.points.class_coloured
        chosen = set() if coloured.all() else set(np.flatnonzero(coloured).tolist())
        chosen ^= {index}
        self.set_coloured_classes(sorted(chosen))

    def _solo_class(self, index: int) -> None:
        mask = np.zeros_like(self.points.class_visible)
        mask[index] = True
        if np.array_equal(mask, self.points.class_visible):
            mask[:] = True  # double-clicking the only shown class shows all again
        changed = np.flatnonzero(mask != self.points.class_visible)
        self._apply_class_mask(mask)
        for k in changed:
            self.class_visibility_changed.emit(int(k), bool(mask[k]))

    def _apply_class_mask(self, mask: np.ndarray) -> None:
        self.points.set_class_visible(mask)
        for k, shown in enumerate(mask):
            self.legend.set_class_shown(k, bool(shown))
        if self._hovered >= 0 and not self._is_shown(self._hovered):
            self.overlays.hover_ring.clear()
            self._set_hovered(-1)

    def _is_shown(self, index: int) -> bool:
        mask = self.points.point_visible()
        return mask is None or bool(mask[index])

    # -- view ---------------------------------------------------------------
    def set_axis_labels(self, x: str, y: str) -> None:
        """Axis titles, e.g. ("PC 1", "PC 2") or ("z[0]", "z[1]"); elided to the axis
        length, with the whole title in the axis's tooltip."""
        self.axis_titles.set_titles(x, y)

    def reset_view(self) -> None:
        """Fit the view to the shown points (overlays are not considered)."""
        bounds = self.points.data_bounds()
        if bounds is None:
            self.view_box.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0.05)
            self.view_reset.emit()
            return
        x0, x1, y0, y1 = bounds
        # Degenerate extents (one point, a line) still get a usable window.
        span = max(x1 - x0, y1 - y0, 1e-9)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w = max(x1 - x0, span * 0.05) / 2
        half_h = max(y1 - y0, span * 0.05) / 2
        self.view_box.setRange(
            xRange=(cx - half_w, cx + half_w), yRange=(cy - half_h, cy + half_h), padding=0.05
        )
        self.view_reset.emit()

    def set_view_range(self, x0: float, x1: float, y0: float, y1: float) -> None:
        """Show at least this rectangle (aspect lock may widen one axis)."""
        self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def view_range(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the visible data rectangle."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def data_to_viewport(self, x: float, y: float) -> QtCore.QPoint:
        """Pixel position in the plot viewport of data point (x, y) (for tests
        and tooltips placed by the app)."""
        scene = self.view_box.mapViewToScene(QtCore.QPointF(x, y))
        return self.plot_widget.mapFromScene(scene)

    def _on_range_changed(self, *_args) -> None:
        self._view_timer.start()

    def _emit_view_changed(self) -> None:
        self.view_changed.emit(*self.view_range())

    # -- overlays -------------------------------------------------------------
    def set_marker(self, x: float, y: float) -> None:
        """Crosshair ring at (x, y), drawn above everything."""
        self.overlays.marker.set_position(float(x), float(y))

    def clear_marker(self) -> None:
        """Remove the crosshair ring."""
        self.overlays.marker.clear()

    def marker_position(self) -> tuple[float, float] | None:
        """Where the marker is, or None."""
        return self.overlays.marker.position()

    def set_path(
        self,
        points: np.ndarray,
        keypoint_labels: Sequence[str] = (),
        keypoint_xy: np.ndarray | None = None,
    ) -> None:
        """Draw an interpolation path (M, 2) with labelled keypoints (K, 2)."""
        if keypoint_xy is None:
            keypoint_xy = np.zeros((0, 2))
        self.overlays.set_path(points, keypoint_labels, keypoint_xy)

    def clear_path(self) -> None:
        """Remove the interpolation path."""
        self.overlays.clear_path()

    def set_extra_points(
        self,
        name: str,
        xy: np.ndarray,
        symbol: str = "star",
        colour: str | tuple = (255, 215, 0),
        size: float = 16,
    ) -> None:
        """Add or replace a named set of marked points (pyqtgraph symbol name:
        'o', 's', 't', 'd', '+', 'x', 'star', ...), drawn above the data."""
        self.overlays.set_extra_points(name, xy, symbol, colour, size)

    def clear_extra_points(self, name: str) -> None:
        """Remove a named point set."""
        self.overlays.clear_extra_points(name)

    def set_backdrop(self, image: np.ndarray, rect: tuple[float, float, float, float]) -> None:
        """Image under the points, spanning ``rect`` = (x0, y0, width, height)
        in data coordinates; row 0 is the top. Points turn slightly
        transparent over it."""
        self.overlays.set_backdrop(image, rect)
        self.points.set_opacity(POINT_OPACITY_OVER_BACKDROP)

    def clear_backdrop(self) -> None:
        """Remove the backdrop image; points become opaque again."""
        self.overlays.clear_backdrop()
        self.points.set_opacity(1.0)

    def set_backdrop_opacity(self, opacity: float) -> None:
        """Opacity of the backdrop image, 0..1."""
        self.overlays.set_backdrop_opacity(opacity)

    def highlight_point(self, index: int) -> None:
        """Ring the point ``index``; -1 removes the ring."""
        if 0 <= index < self.points.count:
            x, y = self.points.xy[index]
            self.overlays.highlight_ring.set_position(float(x), float(y))
        else:
            self.overlays.highlight_ring.clear()

    # -- selection ------------------------------------------------------------
    def set_selection_tool(self, tool: str) -> None:
        """'click' (left drag scrubs the decoded place), 'rectangle' or 'lasso'."""
        self.selection.set_tool(tool)
        self.view_box.drawing_shapes = tool != "click"
        cursor = QtCore.Qt.CursorShape.ArrowCursor
        if tool != "click":
            cursor = QtCore.Qt.CursorShape.CrossCursor
        self.plot_widget.viewport().setCursor(cursor)

    def set_selection(self, rows: np.ndarray, *, notify: bool = False) -> None:
        """Select the points ``rows`` (e.g. a group the user picked in a list)."""
        self.selection.set_rows(rows, notify=notify)

    def selected_rows(self) -> np.ndarray:
        """Row indices of the selected points, sorted."""
        return self.selection.rows.copy()

    # -- mouse --------------------------------------------------------------
    def _on_left_clicked(self, x: float, y: float, modifiers: int) -> None:
        if modifiers & QtCore.Qt.KeyboardModifier.ControlModifier.value:
            px_w, px_h = self.view_box.viewPixelSize()
            radius = HOVER_RADIUS_PX * max(px_w, px_h)
            row = self._hover_index.nearest(x, y, radius, self.points.point_visible())
            if row >= 0:
                self.selection.toggle(row)
            return  # ctrl-click selects; it never decodes
        self.position_clicked.emit(x, y, modifiers)

    def _on_left_dragged(self, x: float, y: float, finished: bool) -> None:
        self.position_dragged.emit(x, y)
        if finished:
            self.drag_finished.emit(x, y)

    def hovered_index(self) -> int:
        """Index of the hovered point, -1 when none."""
        return self._hovered

    def point_at(self, scene_pos: QtCore.QPointF) -> int:
        """Nearest shown point within HOVER_RADIUS_PX of a scene position, or -1."""
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return -1
        pos = self.view_box.mapSceneToView(scene_pos)
        px_w, px_h = self.view_box.viewPixelSize()
        radius = HOVER_RADIUS_PX * max(px_w, px_h)
        return self._hover_index.nearest(pos.x(), pos.y(), radius, self.points.point_visible())

    def _on_mouse_moved(self, args: tuple) -> None:
        index = self.point_at(args[0])
        if index >= 0:
            x, y = self.points.xy[index]
            self.overlays.hover_ring.set_position(float(x), float(y))
        else:
            self.overlays.hover_ring.clear()
        self._set_hovered(index)

    def _set_hovered(self, index: int) -> None:
        if index != self._hovered:
            self._hovered = index
            self.point_hovered.emit(index)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Leave:
            # A pending hover from just before leaving must not re-light a point.
            self._hover_proxy.args = None
            self.overlays.hover_ring.clear()
            self._set_hovered(-1)
        return super().eventFilter(watched, event)
