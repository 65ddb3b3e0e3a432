"""InterpolationDock: morph one decoded image into another along a path of latent keypoints.

The keypoints and the method live in the explorer state (``latentlab.session.Keypoints``);
the dock shows them, owns t and the strip length, and asks for decodes through signals and is
handed images back. The main window's decoder works on a worker with "latest request wins",
so the dock emits freely on every slider step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.latent.export import save_morph_gif, save_strip_png, scale_for_min_side
from latentlab.latent.interpolation import METHODS, NOISE
from latentlab.latent.recipes import InterpolationRecipe, numbers
from latentlab.session.keypoints import Keypoints, keypoint_label
from latentlab.ui.interpolation.interpolation_keypoints import KeypointList
from latentlab.ui.interpolation.interpolation_views import FrameStrip
from latentlab.ui.widgets.pixel_view import PixelView
from latentlab.ui.widgets.scrolling import scrollable
from latentlab.ui.widgets.sections import section_title

SLIDER_STEPS = 1000
DEFAULT_FRAMES = 8
MIN_FRAMES, MAX_FRAMES = 2, 32
PLAY_INTERVAL_MS = 33  # ~30 fps
PLAY_SECONDS_ONE_WAY = 3.0
STRIP_DELAY_MS = 80  # coalesce bursts (spin box wheel, several set_keypoint calls) into one request
GIF_FPS = 12
EXPORT_MIN_SIDE = 128  # enlarge exported frames until they are at least this many pixels
STRIP_GAP = 2
NEEDS_ENDPOINTS = "Shift-click the map or use Set A / Set B to choose endpoints."
NEEDS_MODEL = "Train or open a model to interpolate between its codes."
METHOD_TIPS = {
    "lerp": "Straight line between codes. Intermediate codes of a Gaussian prior come out "
    "shorter than typical, which can look washed out.",
    "slerp": "Spherical interpolation: keeps intermediate codes at typical norms for a "
    "Gaussian prior (White 2016).",
    NOISE: "Through the diffusion prior's noise: each keypoint is inverted to its DDIM noise, "
    "the noises are slerped and every point is denoised again, so the path stays where the "
    "data is (needs a diffusion prior of the model).",
}
FINDING_NOISE = "Finding the keypoints' noise…"


class InterpolationDock(QtWidgets.QDockWidget):
    """Keypoints A → B (→ C ...), a t slider, a strip of frames and exports.

    Signals (all emitted on the GUI thread):
      * ``keypoint_requested(index: int)``: fill keypoint ``index`` from the current
        preview (Set A = 0, Set B = 1, Add = current count); answer with :meth:`set_keypoint`.
      * ``frame_requested(latent: np.ndarray (D,))``: decode the code at the current t;
        answer with :meth:`show_frame`. Emitted on every slider step.
      * ``strip_requested(latents: np.ndarray N×D)``: decode N evenly spaced frames;
        answer with :meth:`show_strip`.
      * ``path_changed(keypoints: K×D, path: P×D, t: float)``: for drawing the path and
        the current position on the map. P = 64 samples, or 0 rows with fewer than two
        keypoints (then clear the path on the map). ``path`` is a read-only array that
        stays the same object while only t moves, so ``path is last_path`` tells a
        listener it need only move the position marker.
      * ``exported(path: str)``: a PNG or GIF was written.
    Latents are float64 arrays.
    """

    keypoint_requested = QtCore.Signal(int)
    frame_requested = QtCore.Signal(object)
    strip_requested = QtCore.Signal(object)
    path_changed = QtCore.Signal(object, object, float)
    exported = QtCore.Signal(str)

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, keypoints: Keypoints | None = None
    ) -> None:
        super().__init__("Interpolation", parent)
        self.setObjectName("InterpolationDock")
        self._keypoints = keypoints if keypoints is not None else Keypoints()
        self._strip_images: np.ndarray | None = None  # N×H×W×C uint8, last shown
        self._strip_latents: np.ndarray | None = None  # N×D, of the last strip requested
        # Set by the app: (latent, recipe, frames) -> Provenance for exported strip PNGs.
        self.provenance_for: Callable[..., Any] | None = None
        self._has_model = True
        self._noise_available = False  # a diffusion prior of the model is there
        self._play_direction = 1
        self._last_dir = str(Path.home())
        self._build()
        self._connect()
        self._refresh_state()

    # -- construction ------------------------------------------------------
    def _build(self) -> None:
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_title("Keypoints"))
        layout.addLayout(self._build_keypoints())
        layout.addSpacing(4)
        layout.addLayout(self._build_morph(), 1)
        layout.addSpacing(4)
        layout.addWidget(section_title("Strip"))
        layout.addLayout(self._build_strip())
        self.setWidget(scrollable(body))

        self._play_timer = QtCore.QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._strip_timer = QtCore.QTimer(self)
        self._strip_timer.setSingleShot(True)
        self._strip_timer.setInterval(STRIP_DELAY_MS)

    def _build_keypoints(self) -> QtWidgets.QVBoxLayout:
        """The keypoint list and the buttons that fill it."""
        self.keypoint_list = KeypointList()
        self.set_a_button = QtWidgets.QPushButton("Set A")
        self.set_b_button = QtWidgets.QPushButton("Set B")
        self.add_button = QtWidgets.QPushButton("Add keypoint")
        self.clear_button = QtWidgets.QPushButton("Clear")
        for button, tip in (
            (self.set_a_button, "Start the path at the image in the preview"),
            (self.set_b_button, "End the path at the image in the preview"),
            (self.add_button, "Append the image in the preview as the next keypoint"),
            (self.clear_button, "Remove all keypoints"),
        ):
            button.setToolTip(tip)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.set_a_button, self.set_b_button, self.add_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        column = QtWidgets.QVBoxLayout()
        column.addWidget(self.keypoint_list)
        column.addLayout(buttons)
        return column

    def _build_morph(self) -> QtWidgets.QVBoxLayout:
        """Method and play, the large frame, the t slider."""
        self.method_buttons: dict[str, QtWidgets.QRadioButton] = {}
        self._method_group = QtWidgets.QButtonGroup(self)
        method_row = QtWidgets.QHBoxLayout()
        method_row.addWidget(QtWidgets.QLabel("Method:"))
        for method in METHODS:
            radio = QtWidgets.QRadioButton(method)
            radio.setToolTip(METHOD_TIPS[method])
            self._method_group.addButton(radio)
            self.method_buttons[method] = radio
            method_row.addWidget(radio)
        self.method_buttons["lerp"].setChecked(True)
        method_row.addStretch(1)
        self.play_button = QtWidgets.QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setToolTip("Animate t back and forth")
        method_row.addWidget(self.play_button)
        self._set_play_look(False)

        self.frame_view = PixelView(dark=True, minimum=120, preferred=256)
        # The hint sits where the morph will appear: that is where the user looks.
        self.hint_label = self.frame_view.placeholder_label

        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setSingleStep(SLIDER_STEPS // 100)
        self.slider.setPageStep(SLIDER_STEPS // 10)
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip("Position along the path (each segment gets an equal share)")
        self.start_label = QtWidgets.QLabel("A")
        self.end_label = QtWidgets.QLabel("B")
        self.t_label = QtWidgets.QLabel()
        # Room for "t = 1.000" so the slider does not shift while the number changes.
        self.t_label.setMinimumWidth(self.t_label.fontMetrics().horizontalAdvance("t = 0.000 "))
        self.t_label.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
        slider_row = QtWidgets.QHBoxLayout()
        slider_row.addWidget(self.start_label)
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.end_label)
        slider_row.addWidget(self.t_label)
        column = QtWidgets.QVBoxLayout()
        column.addLayout(method_row)
        column.addWidget(self.frame_view, 1)
        column.addLayout(slider_row)
        return column

    def _build_strip(self) -> QtWidgets.QVBoxLayout:
        """The strip of frames, its length and the exports."""
        self.frames_spin = QtWidgets.QSpinBox()
        self.frames_spin.setRange(MIN_FRAMES, MAX_FRAMES)
        self.frames_spin.setValue(DEFAULT_FRAMES)
        self.frames_spin.setToolTip("Frames in the strip (and in the exported PNG and GIF)")
        self.strip = FrameStrip()
        self.strip.setToolTip(
            "Evenly spaced frames from the first keypoint to the last; click to jump"
        )
        self.export_png_button = QtWidgets.QPushButton("Export strip PNG…")
        self.export_gif_button = QtWidgets.QPushButton("Export GIF…")
        self.export_png_button.setToolTip("Save the strip as one row of enlarged frames")
        self.export_gif_button.setToolTip(
            "Save the strip's frames as a looping animation, forth and back; "
            "raise Frames for a smoother morph"
        )
        strip_row = QtWidgets.QHBoxLayout()
        strip_row.addWidget(QtWidgets.QLabel("Frames:"))
        strip_row.addWidget(self.frames_spin)
        strip_row.addStretch(1)
        strip_row.addWidget(self.export_png_button)
        strip_row.addWidget(self.export_gif_button)
        column = QtWidgets.QVBoxLayout()
        column.addWidget(self.strip)
        column.addLayout(strip_row)
        return column

    def _connect(self) -> None:
        self.set_a_button.clicked.connect(lambda: self.keypoint_requested.emit(0))
        self.set_b_button.clicked.connect(lambda: self.keypoint_requested.emit(1))
        self.add_button.clicked.connect(lambda: self.keypoint_requested.emit(len(self._keypoints)))
        self._keypoints.changed.connect(self._keypoints_changed)
        self._keypoints.method_changed.connect(self._on_method_changed)
        self._keypoints.noise_path_found.connect(self._on_noise_path_found)
        self.clear_button.clicked.connect(self.clear)
        self.keypoint_list.remove_clicked.connect(self.remove_keypoint)
        self.keypoint_list.refill_requested.connect(self.keypoint_requested)
        self._method_group.buttonToggled.connect(self._on_method_toggled)
        self.slider.valueChanged.connect(self._on_t_changed)
        self.frames_spin.valueChanged.connect(self._schedule_strip)
        self.strip.frame_clicked.connect(self._on_strip_clicked)
        self.play_button.toggled.connect(self._on_play_toggled)
        self._play_timer.timeout.connect(self._play_step)
        self._strip_timer.timeout.connect(self.request_strip)
        self.export_png_button.clicked.connect(self.export_strip_png)
        self.export_gif_button.clicked.connect(self.export_gif)

    # -- keypoints -----------------------------------------------------------
    def set_keypoint(
        self, index: int, latent: np.ndarray, thumbnail: np.ndarray, source: str
    ) -> None:
        """Set keypoint ``index`` (0 = A, 1 = B, ...); ``index >= count`` appends.

        ``latent`` is (D,), ``thumbnail`` uint8 H×W×C, ``source`` a short description
        such as "point #123 (label 7)". Raises ValueError when D differs from the other
        keypoints (call :meth:`clear` when the model changes)."""
        self._keypoints.set(index, latent, thumbnail, source)

    def add_keypoint(self, latent: np.ndarray, thumbnail: np.ndarray, source: str) -> None:
        """Append a keypoint after the last one."""
        self.set_keypoint(len(self._keypoints), latent, thumbnail, source)

    def remove_keypoint(self, index: int) -> None:
        """Remove keypoint ``index``; the later ones move up (C becomes B)."""
        self._keypoints.remove(index)

    def clear(self) -> None:
        """Remove all keypoints."""
        self._keypoints.clear()

    def keypoints(self) -> np.ndarray:
        """The keypoints' latent codes, K×D float64 (0×0 when there are none)."""
        stack = self._keypoints.stack()
        return np.zeros((0, 0)) if stack is None else stack.copy()

    def keypoint_labels(self) -> list[str]:
        """Labels A, B, ... one per keypoint, as the dock shows them (for the map path)."""
        return self._keypoints.labels()

    def next_free_index(self) -> int:
        """Where a shift-click on the map should go: A first, then B, then appended."""
        return len(self._keypoints)

    # -- state -----------------------------------------------------------------
    def method(self) -> str:
        """The interpolation method: "lerp", "slerp" or "noise"."""
        return self._keypoints.method

    def set_method(self, method: str) -> None:
        """Select the interpolation method ("lerp", "slerp", or "noise" with a prior)."""
        self._keypoints.set_method(method)

    def set_noise_available(self, available: bool) -> None:
        """Whether the explored model has a diffusion prior (the "noise" method needs one);
        without one, a path through the noise becomes slerp."""
        self._noise_available = bool(available)
        if not available and self.method() == NOISE:
            self.set_method("slerp")
        self._refresh_state()

    def t(self) -> float:
        """The slider position, 0 (first keypoint) .. 1 (last)."""
        return self.slider.value() / SLIDER_STEPS

    def set_t(self, t: float) -> None:
        """Move the slider (emits like a user drag)."""
        self.slider.setValue(round(float(np.clip(t, 0.0, 1.0)) * SLIDER_STEPS))

    def frame_count(self) -> int:
        """Frames in the strip."""
        return self.frames_spin.value()

    def set_frame_count(self, frames: int) -> None:
        """Frames in the strip, clamped to 2..32."""
        self.frames_spin.setValue(frames)

    def is_ready(self) -> bool:
        """Whether there is a model and a path (two or more keypoints) to move along."""
        return self._has_model and len(self._keypoints) >= 2

    def set_enabled_for_model(self, has_model: bool, latent_dim: int | None = None) -> None:
        """Enable the dock when a model can decode; without one only the recipe stays.

        Give ``latent_dim`` with a new model: keypoints of another size belong to another
        latent space, so they are cleared (the explorer state's model switch does this in
        the app; a refresh of the same model keeps them)."""
        if latent_dim is not None and self._keypoints.latent_dim not in (None, latent_dim):
            self._keypoints.clear()
        self._has_model = bool(has_model)
        self._refresh_state()
        if self.is_ready():
            self.refresh()

    def strip_images(self) -> np.ndarray | None:
        """The last strip shown (N×H×W×C uint8), or None."""
        return self._strip_images

    # -- decoded images coming back -------------------------------------------------
    def show_frame(self, image: np.ndarray) -> None:
        """Show the decoded frame (uint8 H×W×C) for the latest ``frame_requested``."""
        if self.is_ready():  # a late answer after the path was cleared is stale
            self.frame_view.set_image(image)

    def show_strip(self, images: np.ndarray) -> None:
        """Show the decoded strip (uint8 N×H×W×C) for the latest ``strip_requested``."""
        if not self.is_ready():
            return
        self._strip_images = np.asarray(images, dtype=np.uint8)
        self.strip.set_images(self._strip_images)
        self._mark_strip_frame()
        self._refresh_state()

    # -- requests ------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask again for the frame and the strip (e.g. after the model's weights changed)."""
        self._emit_frame_and_path()
        self.request_strip()

    def request_strip(self) -> None:
        """Emit ``strip_requested`` for the current keypoints, method and frame count."""
        self._strip_timer.stop()
        frames = self._keypoints.frames(self.frame_count()) if self.is_ready() else None
        if frames is not None:
            self._strip_latents = frames
            self.strip_requested.emit(frames)

    def _schedule_strip(self) -> None:
        if self.is_ready():
            self._strip_timer.start()

    def _emit_frame_and_path(self) -> None:
        t = self.t()
        latent = self._keypoints.at(t) if self.is_ready() else None
        if latent is not None:
            self.frame_requested.emit(latent)
        self.path_changed.emit(self.keypoints(), self._keypoints.path(), t)

    # -- reactions -------------------------------------------------------------------
    def _keypoints_changed(self) -> None:
        self.keypoint_list.set_keypoints(list(self._keypoints))
        if len(self._keypoints) < 2:
            self._drop_images()
        self._refresh_state()
        self._emit_frame_and_path()
        self._schedule_strip()

    def _on_method_toggled(self, button: QtWidgets.QAbstractButton, checked: bool) -> None:
        if not checked:  # each switch toggles two radios; react once
            return
        method = next(m for m, radio in self.method_buttons.items() if radio is button)
        self._keypoints.set_method(method)

    def _on_method_changed(self, method: str) -> None:
        radio = self.method_buttons[method]
        if not radio.isChecked():
            with QtCore.QSignalBlocker(self._method_group):
                radio.setChecked(True)
        self._emit_frame_and_path()
        self._schedule_strip()

    def _on_noise_path_found(self) -> None:
        self._refresh_state()
        self.refresh()

    def _on_t_changed(self, value: int) -> None:
        self.t_label.setText(f"t = {value / SLIDER_STEPS:.3f}")
        self._mark_strip_frame()
        self._emit_frame_and_path()

    def _on_strip_clicked(self, index: int) -> None:
        count = self.strip.count()
        if count > 1:
            self.set_t(index / (count - 1))

    def _mark_strip_frame(self) -> None:
        count = self.strip.count()
        self.strip.set_marked(round(self.t() * (count - 1)) if count > 1 else -1)

    def _drop_images(self) -> None:
        self._strip_images = None
        self.frame_view.set_image(None)
        self.strip.set_images(None)
        self.strip.set_marked(-1)

    def _refresh_state(self) -> None:
        ready = self.is_ready()
        count = len(self._keypoints)
        for button in (self.set_a_button, self.set_b_button, self.add_button):
            button.setEnabled(self._has_model)
        self.set_b_button.setEnabled(self._has_model and count >= 1)
        self.clear_button.setEnabled(count > 0)
        for widget in (
            self.slider,
            self.play_button,
            self.frames_spin,
            self.strip,
            *self.method_buttons.values(),
        ):
            widget.setEnabled(ready)
        has_strip = ready and self._strip_images is not None
        self.export_png_button.setEnabled(has_strip)
        self.export_gif_button.setEnabled(has_strip)
        noise_radio = self.method_buttons[NOISE]
        noise_radio.setVisible(self._noise_available)  # offered only with a diffusion prior
        noise_radio.setEnabled(ready)
        hint = "" if ready else (NEEDS_ENDPOINTS if self._has_model else NEEDS_MODEL)
        if ready and not self._keypoints.ready():
            hint = FINDING_NOISE
        self.frame_view.set_placeholder(hint)
        self.end_label.setText(keypoint_label(max(count - 1, 1)))
        if count > 2:  # a tick where each keypoint sits on the slider
            self.slider.setTickInterval(round(SLIDER_STEPS / (count - 1)))
        else:
            self.slider.setTickInterval(SLIDER_STEPS)
        if not ready and self.play_button.isChecked():
            self.play_button.setChecked(False)
        self.t_label.setText(f"t = {self.t():.3f}")

    # -- play ------------------------------------------------------------------------
    def _set_play_look(self, playing: bool) -> None:
        icon = (
            QtWidgets.QStyle.StandardPixmap.SP_MediaPause
            if playing
            else QtWidgets.QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText("Pause" if playing else "Play")

    def _on_play_toggled(self, playing: bool) -> None:
        self._set_play_look(playing)
        if playing:
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        # A closed dock must not keep the decoder busy with frames nobody sees.
        self.play_button.setChecked(False)
        super().hideEvent(event)

    def _play_step(self) -> None:
        """Advance t one tick, turning round at either end (ping-pong)."""
        step = round(SLIDER_STEPS * PLAY_INTERVAL_MS / (1000 * PLAY_SECONDS_ONE_WAY))
        value = self.slider.value() + self._play_direction * step
        if not 0 <= value <= SLIDER_STEPS:
            self._play_direction = -self._play_direction
            value = min(max(value, 0), SLIDER_STEPS)
        self.slider.setValue(value)

    # -- export ----------------------------------------------------------------------
    def export_strip_png(self) -> Path | None:
        """Ask for a file name and write the last strip as one PNG row; the path, or None."""
        return self._export("Export strip PNG", "PNG image (*.png)", ".png", self._write_png)

    def export_gif(self) -> Path | None:
        """Ask for a file name and write the last strip as a looping forth-and-back GIF."""
        return self._export("Export GIF", "GIF animation (*.gif)", ".gif", self._write_gif)

    def _write_png(self, path: Path, images: np.ndarray) -> Path:
        scale = scale_for_min_side(images.shape[1:], EXPORT_MIN_SIDE)
        return save_strip_png(
            images, path, scale=scale, gap=STRIP_GAP, provenance=self._strip_provenance(images)
        )

    def _strip_provenance(self, images: np.ndarray) -> Any:
        """The strip's latents and recipe for the PNG's metadata (None outside the app)."""
        frames = self._strip_latents
        if self.provenance_for is None or frames is None or len(frames) != len(images):
            return None
        recipe = InterpolationRecipe(
            method=self.method(),
            keypoints=tuple(numbers(keypoint) for keypoint in self._keypoints.stack()),
            keypoint_sources=tuple(k.source for k in self._keypoints),
            t=self.t(),
        )
        current = self._keypoints.at(self.t())
        return self.provenance_for(current, recipe, frames)

    def _write_gif(self, path: Path, images: np.ndarray) -> Path:
        scale = scale_for_min_side(images.shape[1:], EXPORT_MIN_SIDE)
        return save_morph_gif(images, path, scale=scale, fps=GIF_FPS, bounce=True)

    def _export(self, title: str, file_filter: str, suffix: str, write) -> Path | None:
        images = self._strip_images
        if images is None:
            return None
        # Snapshot now: a new strip may arrive while the file dialog is open.
        images = images.copy()
        chosen = self._ask_save_path(title, file_filter, f"interpolation{suffix}")
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        try:
            written = write(path, images)
        except (OSError, ValueError) as error:
            self._report_error(f"Could not write {path}:\n{error}")
            return None
        self._last_dir = str(path.parent)
        self.exported.emit(str(written))
        return written

    def _ask_save_path(self, title: str, file_filter: str, default_name: str) -> str | None:
        """The file name to write, or None if the user cancelled (tests replace this)."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, title, str(Path(self._last_dir) / default_name), file_filter
        )
        return path or None

    def _report_error(self, message: str) -> None:
        """Tell the user an export failed (tests replace this)."""
        QtWidgets.QMessageBox.warning(self, "Export failed", message)
