"""Connects the latent map, the preview and the interpolation to a model.

Holds the model being explored (a read-only CPU copy), its dataset and map, turns map
positions into latents, and sends every decode through one latest-request-wins decoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

from latentlab.latent import interpolate_path
from latentlab.ui.background import start_job
from latentlab.ui.decoder import DecodeResult, LatestRequestDecoder
from latentlab.ui.jobs import MapPoints, map_job

BACKDROP_TILES = 12  # tiles along the longer side of the visible region


class Explorer(QObject):
    """The exploring half of the app: model + map + decoding. Owns no widgets."""

    map_ready = Signal(object)  # LatentMapData
    preview_decoded = Signal(object, str)  # image H×W×C uint8, caption
    decode_timed = Signal(float)  # ms from the request to the image, for the status bar
    error_raised = Signal(str, str)  # title, message
    busy_changed = Signal(str)  # what is being computed, "" when idle

    def __init__(self, latent_map, preview_dock, interpolation_dock, parent=None) -> None:
        super().__init__(parent)
        self.map = latent_map
        self.preview = preview_dock
        self.interpolation = interpolation_dock
        self.decoder = LatestRequestDecoder(self)
        self.decoder.decoded.connect(self._on_decoded)
        self.decoder.failed.connect(
            lambda channel, message: self.error_raised.emit("Decoding failed", message)
        )

        self.model: Any = None
        self.dataset: Any = None
        self.map_data: Any = None
        self.points: MapPoints = "test"
        self.inverse_method = "exact"
        self.backdrop_enabled = False
        self.preview_latent: np.ndarray | None = None
        self.preview_image: np.ndarray | None = None
        self.preview_description = ""
        self._map_worker = None
        self._map_pending: tuple[Any, Any] | None = None
        self._map_token = 0
        self._keep_view = False
        self._auto_view: tuple[float, float, float, float] | None = None
        self.colour_mode = "label"
        self._shut_down = False
        self._drawn_path: np.ndarray | None = None
        interpolation_dock.set_enabled_for_model(False)

        latent_map.position_clicked.connect(self._on_clicked)
        latent_map.position_dragged.connect(self._on_dragged)
        latent_map.point_hovered.connect(self._on_hovered)
        latent_map.view_changed.connect(self._on_view_changed)
        interpolation_dock.frame_requested.connect(
            lambda latent: self._decode("interpolation", latent)
        )
        interpolation_dock.strip_requested.connect(lambda latents: self._decode("strip", latents))
        interpolation_dock.path_changed.connect(self._on_path_changed)
        interpolation_dock.keypoint_requested.connect(self.use_preview_as_keypoint)
        preview_dock.use_as_keypoint_requested.connect(self.use_preview_as_keypoint)
        preview_dock.use_point_as_keypoint_requested.connect(self.use_hovered_point_as_keypoint)
        self.last_hovered = -1

    # -- the model ----------------------------------------------------------------------

    def set_model(self, model: Any, dataset: Any, *, keep_view: bool = False) -> None:
        """Explore ``model`` (eval mode, read-only) on ``dataset`` (or prior samples if None).
        ``keep_view`` keeps the user's pan/zoom (a refresh during training)."""
        self.model, self.dataset = model, dataset
        self.preview.set_has_encoder(model.has_encoder)
        # A new latent size clears the keypoints; a refresh of the same model keeps them.
        self.interpolation.set_enabled_for_model(True, latent_dim=model.latent_dim)
        self._keep_view = keep_view and self.map_data is not None
        self.rebuild_map()

    def rebuild_map(self) -> None:
        """Encode and project again (latest wins: one job at a time, the newest queued)."""
        if self.model is None or self._shut_down:
            return
        if self._map_worker is not None:
            self._map_pending = (self.model, self.dataset)
            return
        self._start_map_job(self.model, self.dataset)

    def remember_auto_view(self) -> None:
        """The current view was fitted by the app, not chosen by the user."""
        self._auto_view = self.map.view_range()

    def set_colour_mode(self, mode: str) -> None:
        """'label' or 'value' (reconstruction error; only for models with an encoder)."""
        self.colour_mode = mode
        has_values = self.map_data is not None and (
            self.map_data.cloud.reconstruction_errors is not None
        )
        self.map.set_colour_mode(mode if has_values else "label")

    def set_points(self, points: MapPoints) -> None:
        self.points = points
        self.rebuild_map()

    def _start_map_job(self, model: Any, dataset: Any) -> None:
        self._map_token += 1
        token = self._map_token
        self.busy_changed.emit("Encoding and projecting…")
        self._map_worker = start_job(
            map_job,
            model,
            dataset,
            self.points,
            on_result=lambda data: self._on_map_built(token, model, data),
            on_error=lambda error: self.error_raised.emit("Could not build the map", str(error)),
            on_finished=self._on_map_job_finished,
        )

    def _on_map_job_finished(self) -> None:
        self._map_worker = None
        self.busy_changed.emit("")
        if self._map_pending is not None and not self._shut_down:
            model, dataset = self._map_pending
            self._map_pending = None
            self._start_map_job(model, dataset)

    def _on_map_built(self, token: int, model: Any, data: Any) -> None:
        if token != self._map_token or model is not self.model:
            return  # a newer model arrived while this one was being mapped
        # Keep the user's pan/zoom across a refresh, but only if they moved the view: an
        # untouched view follows the points, which move as the model learns.
        view = self.map.view_range()
        keep = self._keep_view and view != self._auto_view
        self.map_data = data
        self.last_hovered = -1
        self.preview.clear_hover()
        cloud = data.cloud
        self.map.set_points(data.xy, cloud.labels, cloud.class_names)
        self.map.set_axis_labels(*data.axis_labels)
        if cloud.reconstruction_errors is not None:
            self.map.set_colour_values(
                cloud.reconstruction_errors,
                "reconstruction error (MSE)",
                activate=self.colour_mode == "value",
            )
        elif self.colour_mode == "value":
            self.map.set_colour_mode("label")  # nothing to colour by without an encoder
        if keep:
            self.map.set_view_range(*view)
        self._auto_view = None if keep else self.map.view_range()
        self._keep_view = False
        self.map_ready.emit(data)
        self._redecode_after_model_change()

    def _redecode_after_model_change(self) -> None:
        """The weights changed: decode the preview, the path and the backdrop again (the map
        moved too, so the path is drawn anew)."""
        self._drawn_path = None
        if self.preview_latent is not None:
            self._decode("preview", self.preview_latent, context=self.preview_description)
        if self.backdrop_enabled:
            self._on_view_changed(*self.map.view_range())
        self.interpolation.refresh()

    # -- clicks and drags ---------------------------------------------------------------

    def _on_clicked(self, x: float, y: float, modifiers: int) -> None:
        if self.map_data is None:
            return
        if modifiers & Qt.KeyboardModifier.ShiftModifier.value:
            latent = self.map_data.to_latent([[x, y]], self.inverse_method)[0]
            self._decode(
                "keypoint",
                latent,
                context=(self.interpolation.next_free_index(), f"map ({x:.2f}, {y:.2f})"),
            )
            return
        self.decode_at(x, y)

    def _on_dragged(self, x: float, y: float) -> None:
        if self.map_data is not None:
            self.decode_at(x, y)

    def decode_at(self, x: float, y: float) -> None:
        """Decode the map position (x, y) into the preview, marking it on the map."""
        latent = self.map_data.to_latent([[x, y]], self.inverse_method)[0]
        self.map.set_marker(x, y)
        self._decode("preview", latent, context=f"map ({x:.2f}, {y:.2f})")

    def _decode(self, channel: str, latents: np.ndarray, context: Any = None) -> None:
        if self.model is not None and not self._shut_down:
            self.decoder.request(channel, self.model, latents, context)

    # -- hover --------------------------------------------------------------------------

    def _on_hovered(self, index: int) -> None:
        if self.map_data is None:
            return
        if index < 0:  # the panel keeps the last point, so it can be used as A or B
            self.map.highlight_point(-1)
            return
        self.last_hovered = index
        cloud = self.map_data.cloud
        title = self._describe_point(index)
        if cloud.reconstruction_errors is not None:
            title += f" · error {cloud.reconstruction_errors[index]:.4f}"
        self.preview.show_hover(cloud.images[index], title)
        self.map.highlight_point(index)
        if self.model.has_encoder:
            self._decode("hover", cloud.latents[index], context=index)

    # -- backdrop -----------------------------------------------------------------------

    def set_backdrop_enabled(self, enabled: bool) -> None:
        self.backdrop_enabled = enabled
        if enabled and self.map_data is not None:
            self._on_view_changed(*self.map.view_range())
        elif not enabled:
            self.map.clear_backdrop()

    def _on_view_changed(self, x0: float, x1: float, y0: float, y1: float) -> None:
        if not self.backdrop_enabled or self.map_data is None:
            return
        width, height = x1 - x0, y1 - y0
        tile = max(width, height) / BACKDROP_TILES
        columns, rows = max(1, round(width / tile)), max(1, round(height / tile))
        xs = x0 + (np.arange(columns) + 0.5) * width / columns
        ys = y1 - (np.arange(rows) + 0.5) * height / rows  # row 0 at the top
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        latents = self.map_data.to_latent(grid, self.inverse_method)
        self._decode("backdrop", latents, context=(x0, y0, width, height, rows, columns))

    # -- interpolation ------------------------------------------------------------------

    def use_preview_as_keypoint(self, index: int) -> None:
        if self.preview_latent is not None and self.preview_image is not None:
            self.interpolation.set_keypoint(
                index, self.preview_latent, self.preview_image, self.preview_description
            )

    def use_hovered_point_as_keypoint(self, index: int) -> None:
        """The last hovered data point's own latent code as keypoint ``index``."""
        if self.map_data is None or not 0 <= self.last_hovered < len(self.map_data.cloud):
            return
        latent = self.map_data.cloud.latents[self.last_hovered]
        self._decode("keypoint", latent, context=(index, self._describe_point(self.last_hovered)))

    def _describe_point(self, index: int) -> str:
        cloud = self.map_data.cloud
        text = f"point #{int(cloud.indices[index])}"
        if cloud.labels is not None and cloud.class_names:
            text += f" · {cloud.class_names[int(cloud.labels[index])]}"
        return text

    def _on_path_changed(self, keypoints: np.ndarray, path: np.ndarray, t: float) -> None:
        if self.map_data is None:
            return
        if len(keypoints) < 2:
            self.map.clear_path()
            self.map.clear_extra_points("interpolation")
            self._drawn_path = None
            return
        if path is not self._drawn_path:  # the dock keeps the same array while only t moves
            self.map.set_path(
                self.map_data.to_map(path),
                self.interpolation.keypoint_labels(),
                self.map_data.to_map(keypoints),
            )
            self._drawn_path = path
        here = interpolate_path(keypoints, t, self.interpolation.method())
        self.map.set_extra_points(
            "interpolation", self.map_data.to_map(here), symbol="o", colour=(255, 255, 255), size=11
        )

    # -- results ------------------------------------------------------------------------

    def _on_decoded(self, result: DecodeResult) -> None:
        if result.channel == "preview":
            self.preview_latent = result.latents[0]
            self.preview_image = result.images[0]
            description = result.context or ""
            self.preview_description = description
            self.preview.show_preview(
                result.images[0], f"{description} · decoded in {result.decode_ms:.1f} ms"
            )
            self.decode_timed.emit(result.latency_ms)
        elif result.channel == "hover":
            if self.map.hovered_index() == result.context:
                self.preview.show_hover_reconstruction(result.images[0])
        elif result.channel == "interpolation":
            self.interpolation.show_frame(result.images[0])
            self.decode_timed.emit(result.latency_ms)
        elif result.channel == "strip":
            self.interpolation.show_strip(result.images)
        elif result.channel == "keypoint":
            index, source = result.context
            self.interpolation.set_keypoint(index, result.latents[0], result.images[0], source)
        elif result.channel == "backdrop":
            x0, y0, width, height, rows, columns = result.context
            self.map.set_backdrop(
                tile_images(result.images, rows, columns), (x0, y0, width, height)
            )

    def shutdown(self) -> None:
        """Stop decoding and accept no new jobs (signals queued before closing may still
        arrive)."""
        self._shut_down = True
        self._map_pending = None
        self.decoder.shutdown()
        if self._map_worker is not None:
            self._map_worker.quit()


def tile_images(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """N×H×W×C images (row-major order) -> one (rows·H)×(columns·W)×C image (C = 1 squeezed)."""
    _, h, w, c = images.shape
    grid = images.reshape(rows, columns, h, w, c).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(rows * h, columns * w, c)
    return grid[:, :, 0] if c == 1 else grid
