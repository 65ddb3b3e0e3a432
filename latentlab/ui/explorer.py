"""Connects the latent map, the preview and the interpolation to a model.

Holds the model being explored (a read-only CPU copy) and its map (built by the
MapController), turns map positions into latents, sends every decode through one
latest-request-wins decoder, and draws new latents (paths, the clicked place) where they
belong on the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

from latentlab.ui.classifier_service import ClassifierService
from latentlab.ui.decoder import DecodeResult, LatestRequestDecoder
from latentlab.ui.jobs import MapPoints
from latentlab.ui.map_controller import MapController
from latentlab.ui.placement_refiner import PlacementRefiner

BACKDROP_TILES = 12  # tiles along the longer side of the visible region


class Explorer(QObject):
    """The exploring half of the app: model + map + decoding. Owns no widgets."""

    map_ready = Signal(object)  # LatentMapData: a new map (or another epoch's) is shown
    map_improved = Signal(object)  # the same map, measured and with its learned inverse
    fidelity_measured = Signal(object)  # {inverse method: ClickFidelity} of the shown map
    preview_decoded = Signal(object, str)  # image H×W×C uint8, caption
    preview_shown = Signal(object, object)  # latent (D,), recipe dict: the preview changed
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

        self.maps = MapController(latent_map, self)
        self.maps.shown.connect(self._on_map_shown)
        self.maps.moved.connect(self._on_map_moved)
        self.maps.improved.connect(self._on_map_improved)
        self.maps.error_raised.connect(self.error_raised)
        self.maps.progress.connect(
            lambda phase, done, total: self.busy_changed.emit(f"{phase}…" if phase else "")
        )
        self.placer = PlacementRefiner(self)
        self.placer.placed.connect(self._on_placed)
        self.classifier = ClassifierService(self)
        self.classifier.error_raised.connect(self.error_raised)
        self.classifier.progress.connect(
            lambda phase, done, total: self.busy_changed.emit(
                f"{phase}… {done}/{total}" if phase else ""
            )
        )
        self.classifier.fidelity_measured.connect(self._on_fidelity_measured)
        self.classifier.ready.connect(self._on_classifier_ready)

        self.model: Any = None
        self.dataset: Any = None
        self.map_data: Any = None
        self.inverse_method = "exact"  # falls back to the best the map has (see to_latent)
        self.backdrop_enabled = False
        self.preview_latent: np.ndarray | None = None
        self.preview_image: np.ndarray | None = None
        self.preview_description = ""
        self.preview_recipe: dict = {}  # how the preview's latent was made, for provenance
        self.colour_mode = "label"
        self._shut_down = False
        self._drawn_path: np.ndarray | None = None
        self._path_xy: np.ndarray | None = None  # where the drawn path's samples are on the map
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

    def set_model(self, model: Any, dataset: Any, *, epoch: int | None = None) -> None:
        """Explore ``model`` (eval mode, read-only) on ``dataset`` (or prior samples if None).
        ``epoch`` marks a refresh during training: the map keeps its history and layout."""
        if epoch is None or self.model is None:
            # A GAN's z is drawn from N(0, I): slerp keeps paths at the norms the generator
            # was trained on, where lerp passes near the origin (White 2016).
            self.interpolation.set_method("lerp" if model.has_encoder else "slerp")
        self.model, self.dataset = model, dataset
        self.preview.set_has_encoder(model.has_encoder)
        # A new latent size clears the keypoints; a refresh of the same model keeps them.
        self.interpolation.set_enabled_for_model(True, latent_dim=model.latent_dim)
        self.maps.classifier = self.classifier.classifier_for(dataset)
        self.maps.set_model(model, dataset, epoch=epoch)
        self.classifier.ensure(dataset)

    def _on_classifier_ready(self, dataset: Any, classifier: Any) -> None:
        if dataset is self.dataset:
            self.maps.set_classifier(classifier)

    def remember_auto_view(self) -> None:
        """The current view was fitted by the app, not chosen by the user."""
        self.maps.remember_auto_view()

    def set_colour_mode(self, mode: str) -> None:
        """'label' (classes; a GAN's samples: the classes a classifier sees in them), 'value'
        (reconstruction error; models with an encoder) or 'score' (a GAN discriminator's
        D(x) of each sample). A map without those values is coloured by class."""
        self.colour_mode = mode
        self._apply_colours()

    def set_points(self, points: MapPoints) -> None:
        self.maps.set_points(points)

    def set_projection(self, config: Any) -> None:
        """Make the map again with ``config`` (a ProjectionConfig)."""
        self.maps.set_config(config)

    def set_inverse_method(self, method: str) -> None:
        """'exact', 'learned' or 'neighbours' (a map without it uses the best it has)."""
        self.inverse_method = method

    def _apply_colours(self) -> None:
        cloud = None if self.map_data is None else self.map_data.cloud
        values, label, limits = None, "", (None, None)
        if cloud is not None and self.colour_mode == "value":
            values, label = cloud.reconstruction_errors, "reconstruction error (MSE)"
        elif cloud is not None and self.colour_mode == "score":
            values, label = cloud.discriminator_scores, "discriminator score D(x)"
            limits = (0.0, 1.0)  # a probability: colours mean the same at every epoch
        if values is None:
            self.map.set_colour_mode("label")
            return
        self.map.set_colour_values(values, label, *limits)

    def _on_map_shown(self, model: Any, data: Any) -> None:
        """A new map, or another epoch's map with its own model, is on screen."""
        self.model = model
        self.map_data = data
        self.last_hovered = -1
        self.preview.clear_hover()
        self._apply_colours()
        self.map_ready.emit(data)
        self._redecode_after_model_change()

    def _on_map_moved(self, data: Any) -> None:
        """t-SNE is still running: clicks use the points where they are now; the path and
        the marker come back when the map is ready."""
        self.map_data = data
        self.map.clear_marker()
        self.map.clear_path()
        self.map.clear_extra_points("interpolation")
        self._drawn_path = self._path_xy = None

    def _on_map_improved(self, data: Any) -> None:
        self.map_data = data
        self.map_improved.emit(data)
        self.classifier.measure(data, self.model)

    def _on_fidelity_measured(self, data: Any, results: dict) -> None:
        if self.map_data is not None and data.projection is self.map_data.projection:
            self.fidelity_measured.emit(results)

    def _redecode_after_model_change(self) -> None:
        """The weights or the map changed: decode the preview, the path and the backdrop again,
        and put the preview's marker where its latent lies on the new map."""
        self._drawn_path = None
        if self.preview_latent is not None:
            context = (self.preview_description, self.preview_recipe)
            self._decode("preview", self.preview_latent, context=context)
            self._place_marker(self.preview_latent)
        if self.backdrop_enabled:
            self._on_view_changed(*self.map.view_range())
        self.interpolation.refresh()

    def _place_marker(self, latent: np.ndarray) -> None:
        x, y = self.map_data.to_map(latent)[0]
        self.map.set_marker(x, y)
        self.placer.request("marker", self.map_data, latent[None], tag=latent)

    def _on_placed(self, name: str, data: Any, xy: np.ndarray, tag: Any) -> None:
        """openTSNE placed a path or the marker: move it there, if the map, the path and the
        preview are still the ones it was asked about."""
        if self.map_data is None or data.projection is not self.map_data.projection:
            return
        if name == "marker" and tag is self.preview_latent:
            self.map.set_marker(*xy[0])
        elif name == "path" and tag is self._drawn_path and tag is not None:
            keypoints = len(xy) - len(self._drawn_path)
            self._path_xy = xy[:-keypoints]
            self.map.set_path(self._path_xy, self.interpolation.keypoint_labels(), xy[-keypoints:])
            self._draw_path_position(self.interpolation.t())

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
        method = self.map_data.resolve_inverse(self.inverse_method)
        latent = self.map_data.to_latent([[x, y]], method)[0]
        self.placer.forget("marker")  # the marker stays where the user clicked
        self.map.set_marker(x, y)
        recipe = {
            "kind": "map click",
            "map_xy": [float(x), float(y)],
            "projection": self.map_data.config.method,
            "inverse": method,
        }
        self._decode("preview", latent, context=(f"map ({x:.2f}, {y:.2f})", recipe))

    def show_latent(self, latent: np.ndarray, description: str, recipe: dict) -> None:
        """Decode ``latent`` into the preview and mark where it lands on the map (an
        arithmetic result, a traversal step, an encoded or reopened image)."""
        if self.map_data is not None:
            self._place_marker(np.asarray(latent, dtype=np.float64))
        self._decode("preview", latent, context=(description, recipe))

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

    def decode_keypoint(self, index: int, latent: np.ndarray, source: str) -> None:
        """Decode ``latent`` and make it interpolation keypoint ``index`` (0 = A, 1 = B)."""
        self._decode("keypoint", latent, context=(index, source))

    def use_hovered_point_as_keypoint(self, index: int) -> None:
        """The last hovered data point's own latent code as keypoint ``index``."""
        if self.map_data is None or not 0 <= self.last_hovered < len(self.map_data.cloud):
            return
        latent = self.map_data.cloud.latents[self.last_hovered]
        self._decode("keypoint", latent, context=(index, self._describe_point(self.last_hovered)))

    def _describe_point(self, index: int) -> str:
        cloud = self.map_data.cloud
        text = f"{'sample' if cloud.from_prior else 'point'} #{int(cloud.indices[index])}"
        if cloud.labels is not None and cloud.class_names:
            name = cloud.class_names[int(cloud.labels[index])]
            text += f" · looks like {name}" if cloud.labels_predicted else f" · {name}"
        if cloud.discriminator_scores is not None:
            text += f" · D(x) {cloud.discriminator_scores[index]:.2f}"
        return text

    def _on_path_changed(self, keypoints: np.ndarray, path: np.ndarray, t: float) -> None:
        if self.map_data is None:
            return
        if len(keypoints) < 2:
            self.map.clear_path()
            self.map.clear_extra_points("interpolation")
            self.placer.forget("path")
            self._drawn_path = self._path_xy = None
            return
        if path is not self._drawn_path:  # the dock keeps the same array while only t moves
            self._drawn_path = path
            self._path_xy = self.map_data.to_map(path)
            self.map.set_path(
                self._path_xy,
                self.interpolation.keypoint_labels(),
                self.map_data.to_map(keypoints),
            )
            self.placer.request("path", self.map_data, np.concatenate([path, keypoints]), tag=path)
        self._draw_path_position(t)

    def _draw_path_position(self, t: float) -> None:
        """The current frame's place: along the drawn path at ``t`` (path samples are evenly
        spaced in t), so it always sits on the line the user sees."""
        if self._path_xy is None:
            return
        position = t * (len(self._path_xy) - 1)
        low = int(np.clip(np.floor(position), 0, len(self._path_xy) - 1))
        high = min(low + 1, len(self._path_xy) - 1)
        here = self._path_xy[low] + (position - low) * (self._path_xy[high] - self._path_xy[low])
        self.map.set_extra_points(
            "interpolation", here[None], symbol="o", colour=(255, 255, 255), size=11
        )

    # -- results ------------------------------------------------------------------------

    def _on_decoded(self, result: DecodeResult) -> None:
        if result.channel == "preview":
            self.preview_latent = result.latents[0]
            self.preview_image = result.images[0]
            description, recipe = result.context
            self.preview_description, self.preview_recipe = description, recipe
            caption = f"{description} · decoded in {result.decode_ms:.1f} ms"
            label = self.classifier.label_of(result.images[0])
            if label is not None:
                caption += f" · looks like {label}"
            self.preview.show_preview(result.images[0], caption)
            self.decode_timed.emit(result.latency_ms)
            self.preview_shown.emit(self.preview_latent, recipe)
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
        self.decoder.shutdown()
        self.maps.shutdown()
        self.placer.shutdown()
        self.classifier.shutdown()


def tile_images(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """N×H×W×C images (row-major order) -> one (rows·H)×(columns·W)×C image (C = 1 squeezed)."""
    _, h, w, c = images.shape
    grid = images.reshape(rows, columns, h, w, c).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(rows * h, columns * w, c)
    return grid[:, :, 0] if c == 1 else grid
