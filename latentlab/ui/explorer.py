"""Connects the latent map, the preview and the interpolation to the explorer state.

The model being explored (a read-only CPU copy), its map (built by the MapController), the
preview and the keypoints live in the Qt-free ``ExplorerState``; this controller turns map
positions into latents, sends every decode through one latest-request-wins decoder, and
draws new latents (paths, the clicked place) where they belong on the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

from latentlab.image_tiles import tile_images
from latentlab.jobs.maps import MapPoints
from latentlab.latent.interpolation import along_samples
from latentlab.latent.recipes import MapClickRecipe, Recipe
from latentlab.session import ExplorerState, ModelSwitch, Preview
from latentlab.session.colouring import point_colouring
from latentlab.session.decode_purposes import (
    BackdropDecode,
    DecodePurpose,
    HoverDecode,
    InterpolationFrameDecode,
    InterpolationStripDecode,
    KeypointDecode,
    PreviewDecode,
)
from latentlab.ui.classifier_service import ClassifierService, same_dataset
from latentlab.ui.decoder import DecodeResult, LatestRequestDecoder
from latentlab.ui.map.map_controller import MapController
from latentlab.ui.map.placement_refiner import PlacementRefiner

BACKDROP_TILES = 12  # tiles along the longer side of the visible region


class Explorer(QObject):
    """The exploring half of the app: model + map + decoding. Owns no widgets."""

    map_ready = Signal(object)  # LatentMapData: a new map (or another epoch's) is shown
    map_improved = Signal(object)  # the same map, measured and with its learned inverse
    fidelity_measured = Signal(object)  # FidelityReport of the shown map
    preview_decoded = Signal(object, str)  # image H×W×C uint8, caption
    # latent (D,), Recipe: the preview changed (Qt's side of state.preview_changed, to
    # wait on with Qt's tools; views listen to the state)
    preview_shown = Signal(object, object)
    decode_timed = Signal(float)  # ms from the request to the image, for the status bar
    error_raised = Signal(str, str)  # title, message
    busy_changed = Signal(str)  # what is being computed, "" when idle

    def __init__(
        self, state: ExplorerState, latent_map, preview_dock, interpolation_dock, parent=None
    ) -> None:
        super().__init__(parent)
        self.state = state
        # Where the last click's marker goes once its image is shown (None: nowhere)
        self._marker_with_image: tuple[float, float] | None = None
        self.map = latent_map
        self.preview = preview_dock
        self.interpolation = interpolation_dock
        self.decoder = LatestRequestDecoder(self)
        self._show_result = {  # what each purpose's images become
            PreviewDecode: self._show_preview,
            HoverDecode: self._show_hover,
            InterpolationFrameDecode: self._show_interpolation_frame,
            InterpolationStripDecode: lambda result: self.interpolation.show_strip(result.images),
            KeypointDecode: self._show_keypoint,
            BackdropDecode: self._show_backdrop,
        }
        self.decoder.decoded.connect(self._on_decoded)
        self.decoder.failed.connect(
            lambda channel, message: self.error_raised.emit("Decoding failed", message)
        )

        self.maps = MapController(latent_map, self)
        self.maps.shown.connect(self._on_map_shown)
        self.maps.moved.connect(self._on_map_moved)
        self.maps.cleared.connect(self._on_map_cleared)
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

        self.backdrop_enabled = False
        # The classifier names each preview on the decoder's worker; False names it here, on
        # the GUI thread, as before (benchmarks/interaction.py measures both).
        self.label_on_worker = True
        self._shut_down = False
        self._drawn_path: np.ndarray | None = None
        self._path_xy: np.ndarray | None = None  # where the drawn path's samples are on the map
        interpolation_dock.set_enabled_for_model(False)

        latent_map.position_clicked.connect(self._on_clicked)
        latent_map.position_dragged.connect(self._on_dragged)
        latent_map.point_hovered.connect(self._on_hovered)
        latent_map.view_changed.connect(self._on_view_changed)
        interpolation_dock.frame_requested.connect(
            lambda latent: self._decode(InterpolationFrameDecode(), latent)
        )
        interpolation_dock.strip_requested.connect(
            lambda latents: self._decode(InterpolationStripDecode(), latents)
        )
        interpolation_dock.path_changed.connect(self._on_path_changed)
        interpolation_dock.keypoint_requested.connect(self.use_preview_as_keypoint)
        preview_dock.use_as_keypoint_requested.connect(self.use_preview_as_keypoint)
        preview_dock.use_point_as_keypoint_requested.connect(self.use_hovered_point_as_keypoint)
        self.last_hovered = -1
        state.colour_mode_changed.connect(lambda _mode: self._apply_colours())

    # -- what the state holds, for reading ----------------------------------------------

    @property
    def model(self) -> Any:
        return self.state.model

    @property
    def dataset(self) -> Any:
        return self.state.dataset

    @property
    def map_data(self) -> Any:
        return self.state.map_data

    @property
    def inverse_method(self) -> str:
        return self.state.inverse_method

    @property
    def colour_mode(self) -> str:
        return self.state.colour_mode

    @property
    def preview_latent(self) -> np.ndarray | None:
        return None if self.state.preview is None else self.state.preview.latent

    @property
    def preview_image(self) -> np.ndarray | None:
        return None if self.state.preview is None else self.state.preview.image

    @property
    def preview_description(self) -> str:
        return "" if self.state.preview is None else self.state.preview.description

    @property
    def preview_recipe(self) -> Recipe | None:
        return None if self.state.preview is None else self.state.preview.recipe

    # -- the model ----------------------------------------------------------------------

    def set_model(self, model: Any, dataset: Any, *, epoch: int | None = None) -> None:
        """Explore ``model`` (eval mode, read-only) on ``dataset`` (or prior samples if None).
        ``epoch`` marks a refresh during training: the map keeps its history and layout."""
        first = self.state.model is None
        upcoming = self.state.switch_for(model, dataset)
        if not (upcoming.keeps_latents and upcoming.keeps_groups):
            # Requests made for the old model, dropped before the switch: the listeners of
            # model_switched ask for the new model's decodes (the Style mixing panel's).
            self.decoder.discard_pending()
        switch = self.state.switch_model(model, dataset)
        self._apply_switch(switch)
        if epoch is None or first or not switch.keeps_latents:
            # A GAN's z is drawn from N(0, I): slerp keeps paths at the norms the generator
            # was trained on, where lerp passes near the origin (White 2016).
            self.interpolation.set_method("lerp" if model.has_encoder else "slerp")
        self.maps.classifier = self.classifier.classifier_for(dataset)
        self.maps.set_model(model, dataset, epoch=epoch)
        self.classifier.ensure(dataset)

    def _apply_switch(self, switch: ModelSwitch) -> None:
        """The views' share of a model switch: what was drawn for a dropped map goes."""
        self.preview.set_has_encoder(switch.after.has_encoder)
        self.interpolation.set_enabled_for_model(True)
        if self.state.map_data is None:
            self.placer.forget_all()
            self.map.clear_marker()
            self.map.clear_path()
            self.map.clear_extra_points("interpolation")
            self.map.clear_backdrop()
            self._drawn_path = self._path_xy = None
            self.last_hovered = -1
            self.preview.clear_hover()
        if self.state.preview is None:
            self.preview.clear_preview()

    def _on_classifier_ready(self, dataset: Any, classifier: Any) -> None:
        if same_dataset(dataset, self.dataset):
            self.maps.set_classifier(classifier)

    def remember_auto_view(self) -> None:
        """The current view was fitted by the app, not chosen by the user."""
        self.maps.remember_auto_view()

    def set_colour_mode(self, mode: str) -> None:
        """'label' (classes; a GAN's samples: the classes a classifier sees in them), 'value'
        (reconstruction error; models with an encoder) or 'score' (a GAN discriminator's
        D(x) of each sample). A map without those values is coloured by class."""
        self.state.set_colour_mode(mode)

    def set_points(self, points: MapPoints) -> None:
        self.maps.set_points(points)

    def set_projection(self, config: Any) -> None:
        """Make the map again with ``config`` (a ProjectionConfig)."""
        self.maps.set_config(config)

    def set_inverse_method(self, method: str) -> None:
        """'exact', 'learned' or 'neighbours' (a map without it uses the best it has)."""
        self.state.set_inverse_method(method)

    def _apply_colours(self) -> None:
        self.map.set_colouring(
            point_colouring(self.map_data, self.state.model, self.state.colour_mode)
        )

    def _on_map_shown(self, model: Any, data: Any) -> None:
        """A new map, or another epoch's map with its own model, is on screen."""
        if model is not self.state.model:  # the epoch scrubber: that epoch's weights
            self._apply_switch(self.state.switch_model(model, self.state.dataset))
        self.state.set_map(data)
        self.last_hovered = -1
        self.preview.clear_hover()
        self._apply_colours()
        self.map_ready.emit(data)
        self._redecode_after_model_change()

    def _on_map_moved(self, data: Any) -> None:
        """t-SNE is still running: clicks use the points where they are now; the path and
        the marker come back when the map is ready."""
        self.state.map_data = data
        self.map.clear_marker()
        self.map.clear_path()
        self.map.clear_extra_points("interpolation")
        self._drawn_path = self._path_xy = None

    def _on_map_cleared(self) -> None:
        """The map being made was cancelled and none is shown: clicks and colours have no
        points to use (a provisional t-SNE map was what they used)."""
        self.state.drop_map()
        self._marker_with_image = None
        self.map.clear_marker()
        self.map.clear_path()
        self._drawn_path = self._path_xy = None

    def _on_map_improved(self, data: Any) -> None:
        self.state.map_data = data
        self.map_improved.emit(data)
        self.classifier.measure(data, self.model)

    def _on_fidelity_measured(self, data: Any, results: Any) -> None:
        if self.map_data is not None and data.projection is self.map_data.projection:
            self.fidelity_measured.emit(results)

    def _redecode_after_model_change(self) -> None:
        """The weights or the map changed: decode the preview, the path and the backdrop again,
        and put the preview's marker where its latent lies on the new map."""
        self._drawn_path = None
        self._marker_with_image = None  # placed from the latent on the new map, below
        preview = self.state.preview
        if preview is not None:
            self._decode(PreviewDecode(preview.description, preview.recipe), preview.latent)
            self._place_marker(preview.latent)
        if self.backdrop_enabled:
            self._on_view_changed(*self.map.view_range())
        self.interpolation.refresh()

    def _place_marker(self, latent: np.ndarray) -> None:
        """Mark where ``latent`` lies: at once where that is cheap, else when a worker has
        placed it (a map of image features decodes and featurizes the latent first)."""
        data = self.state.map_data
        if data is None or not self.state.accepts(latent):
            return
        if data.instant_placement:
            x, y = data.to_map(latent)[0]
            self.map.set_marker(x, y)
        else:
            self.map.clear_marker()
        self.placer.request("marker", data, latent[None], tag=latent)

    def _on_placed(self, name: str, data: Any, xy: np.ndarray, tag: Any) -> None:
        """openTSNE placed a path or the marker: move it there, if the map, the path and the
        preview are still the ones it was asked about."""
        if self.map_data is None or data.projection is not self.map_data.projection:
            return
        if name == "marker" and _same_latent(tag, self.preview_latent):
            self.map.set_marker(*xy[0])
        elif name == "path" and tag is self._drawn_path and tag is not None:
            keypoints = len(xy) - len(self._drawn_path)
            self._path_xy = xy[:-keypoints]
            self.map.set_path(self._path_xy, self.state.keypoints.labels(), xy[-keypoints:])
            self._draw_path_position(self.interpolation.t())

    # -- clicks and drags ---------------------------------------------------------------

    def _on_clicked(self, x: float, y: float, modifiers: int) -> None:
        data = self.state.map_data
        if data is None:
            return
        if modifiers & Qt.KeyboardModifier.ShiftModifier.value:
            method = self.state.inverse_in_use()
            self._decode(
                KeypointDecode(len(self.state.keypoints), f"map ({x:.2f}, {y:.2f})"),
                None,
                make_latents=lambda: data.to_latent([[x, y]], method),
            )
            return
        self.decode_at(x, y)

    def _on_dragged(self, x: float, y: float) -> None:
        if self.map_data is not None:
            self.decode_at(x, y)

    def decode_at(self, x: float, y: float) -> None:
        """Decode the map position (x, y) into the preview, marking it on the map. The
        inverse (a small network on t-SNE maps) runs on the decoder's worker."""
        data = self.state.map_data
        if data is None:
            return
        method = self.state.inverse_in_use()
        self.placer.forget("marker")  # the marker goes where the user clicked, with the image
        self._marker_with_image = (float(x), float(y))
        recipe = MapClickRecipe(
            map_xy=(float(x), float(y)), projection=data.config.method, inverse=method
        )
        self._decode(
            PreviewDecode(f"map ({x:.2f}, {y:.2f})", recipe),
            None,
            make_latents=lambda: data.to_latent([[x, y]], method),
        )

    def show_latent(self, latent: np.ndarray, description: str, recipe: Recipe) -> None:
        """Decode ``latent`` into the preview and mark where it lands on the map (an
        arithmetic result, a traversal step, an encoded or reopened image). A latent of
        another size than the model's is not decoded: the status bar says why."""
        latent = np.asarray(latent, dtype=np.float64)
        if not self.state.accepts(latent):
            self._refuse(latent)
            return
        self._marker_with_image = None  # a click still being decoded no longer moves it
        self._place_marker(latent)
        self._decode(PreviewDecode(description, recipe), latent)

    def _refuse(self, latent: np.ndarray) -> None:
        if self.state.model is not None:
            self.state.status_reported.emit(
                f"Not decoded: a latent of size {np.shape(latent)[-1]}, and the model's latent "
                f"size is {self.state.latent_dim}."
            )

    def request_decode(
        self, purpose: DecodePurpose, latents: np.ndarray, labels: np.ndarray | None = None
    ) -> None:
        """Decode ``latents`` for ``purpose`` with the explored model (results arrive through
        ``decoder.decoded``); latents of another size are not decoded. A conditional model
        decodes them as ``labels`` (one label vector per latent), else as the condition."""
        self._decode(purpose, latents, labels=labels)

    def _decode(
        self,
        purpose: DecodePurpose,
        latents: np.ndarray | None,
        make_latents: Any = None,
        labels: np.ndarray | None = None,
    ) -> None:
        """Queue a decode with the explored model; latents of another size are dropped here."""
        model = self.state.decoding_model(labels)
        if model is None or self._shut_down:
            return
        if latents is not None and not self.state.accepts(latents):
            self._refuse(latents)
            return
        labeller = None
        if isinstance(purpose, PreviewDecode) and self.label_on_worker:
            labeller = self.classifier.labeller()
        self.decoder.request(purpose, model, latents, make_latents=make_latents, labeller=labeller)

    # -- hover --------------------------------------------------------------------------

    def _on_hovered(self, index: int) -> None:
        if self.map_data is None:
            return
        if index < 0:  # the panel keeps the last point, so it can be used as A or B
            self.map.highlight_point(-1)
            self.preview.mark_hover_stale()
            return
        self.last_hovered = index
        cloud = self.map_data.cloud
        title = self._describe_point(index)
        if cloud.reconstruction_errors is not None:
            title += f" · error {cloud.reconstruction_errors[index]:.4f}"
        self.preview.show_hover(cloud.images[index], title)
        self.map.highlight_point(index)
        if self.state.identity.has_encoder:
            # A conditional model reconstructs the point as its own class.
            labels = None
            if self.state.condition is not None and cloud.labels is not None:
                labels = np.eye(len(self.state.condition), dtype=np.float32)[cloud.labels[[index]]]
            self._decode(HoverDecode(index), cloud.latents[index], labels=labels)

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
        data, method = self.state.map_data, self.state.inverse_in_use()
        self._decode(
            BackdropDecode((x0, y0, width, height), rows, columns),
            None,
            make_latents=lambda: data.to_latent(grid, method),
        )

    # -- interpolation ------------------------------------------------------------------

    def use_preview_as_keypoint(self, index: int) -> None:
        preview = self.state.preview
        if preview is not None and self.state.accepts(preview.latent):
            self.interpolation.set_keypoint(
                index, preview.latent, preview.image, preview.description
            )

    def decode_keypoint(self, index: int, latent: np.ndarray, source: str) -> None:
        """Decode ``latent`` and make it interpolation keypoint ``index`` (0 = A, 1 = B)."""
        self._decode(KeypointDecode(index, source), latent)

    def use_hovered_point_as_keypoint(self, index: int) -> None:
        """The last hovered data point's own latent code as keypoint ``index``."""
        if self.map_data is None or not 0 <= self.last_hovered < len(self.map_data.cloud):
            return
        latent = self.map_data.cloud.latents[self.last_hovered]
        self._decode(KeypointDecode(index, self._describe_point(self.last_hovered)), latent)

    def _describe_point(self, index: int) -> str:
        cloud = self.map_data.cloud
        text = f"{'sample' if cloud.from_prior else 'point'} #{int(cloud.indices[index])}"
        if cloud.labels is not None and cloud.class_names:
            name = cloud.class_names[int(cloud.labels[index])]
            text += f" · looks like {name}" if cloud.labels_predicted else f" · {name}"
        if cloud.discriminator_scores is not None and hasattr(self.model, "loss"):
            short = "critic" if self.model.loss.critic else "D(x)"
            text += f" · {short} {cloud.discriminator_scores[index]:.2f}"
        return text

    def _on_path_changed(self, keypoints: np.ndarray, path: np.ndarray, t: float) -> None:
        data = self.state.map_data
        if data is None:
            return
        # No path yet (a noise path is still being found) is drawn as none.
        if len(keypoints) < 2 or len(path) == 0 or not self.state.accepts(keypoints):
            self.map.clear_path()
            self.map.clear_extra_points("interpolation")
            self.placer.forget("path")
            self._drawn_path = self._path_xy = None
            return
        if path is not self._drawn_path:  # the dock keeps the same array while only t moves
            self._drawn_path = path
            if data.instant_placement:
                self._path_xy = data.to_map(path)
                self.map.set_path(
                    self._path_xy, self.state.keypoints.labels(), data.to_map(keypoints)
                )
            else:  # drawn when a worker has placed it
                self._path_xy = None
                self.map.clear_path()
                self.map.clear_extra_points("interpolation")
            self.placer.request("path", data, np.concatenate([path, keypoints]), tag=path)
        self._draw_path_position(t)

    def _draw_path_position(self, t: float) -> None:
        """The current frame's place: along the drawn path at ``t`` (path samples are evenly
        spaced in t), so it always sits on the line the user sees."""
        if self._path_xy is None:
            return
        here = along_samples(self._path_xy, t)
        self.map.set_extra_points(
            "interpolation", here[None], symbol="o", colour=(255, 255, 255), size=11
        )

    # -- results ------------------------------------------------------------------------

    def _on_decoded(self, result: DecodeResult) -> None:
        if not self.state.accepts(result.latents):
            return  # decoded for a model that is no longer explored
        show = self._show_result.get(type(result.purpose))
        if show is not None:  # others (attribute strips) are for their own listeners
            show(result)

    def _show_preview(self, result: DecodeResult) -> None:
        purpose = result.purpose
        latent = np.asarray(result.latents[0], dtype=np.float64)
        caption = f"{purpose.description} · decoded in {result.decode_ms:.1f} ms"
        label = result.label
        if not self.label_on_worker:
            label = self.classifier.label_of(result.images[0])
        if label is not None:
            caption += f" · looks like {label}"
        self.preview.show_preview(result.images[0], caption)  # painted at once
        recipe = purpose.recipe
        if (
            self._marker_with_image is not None
            and isinstance(recipe, MapClickRecipe)
            and recipe.map_xy == self._marker_with_image
        ):
            # Moved with the image, not on the press: repainting the points under the
            # marker (~3 ms at 10,000 points) then comes after the image, not before.
            self.map.set_marker(*self._marker_with_image)
            self._marker_with_image = None
        # What follows the preview (traversal sliders, attribute strips) listens to the
        # state; told after the image is on screen, it does not delay it.
        self.state.set_preview(Preview(latent, result.images[0], purpose.description, recipe))
        self.decode_timed.emit(result.latency_ms)
        self.preview_shown.emit(latent, recipe)

    def _show_hover(self, result: DecodeResult) -> None:
        if self.map.hovered_index() == result.purpose.index:
            self.preview.show_hover_reconstruction(result.images[0])

    def _show_interpolation_frame(self, result: DecodeResult) -> None:
        self.interpolation.show_frame(result.images[0])
        self.decode_timed.emit(result.latency_ms)

    def _show_keypoint(self, result: DecodeResult) -> None:
        purpose = result.purpose
        self.interpolation.set_keypoint(
            purpose.index, result.latents[0], result.images[0], purpose.source
        )

    def _show_backdrop(self, result: DecodeResult) -> None:
        image = _squeezed(tile_images(result.images, result.purpose.columns))
        self.map.set_backdrop(image, result.purpose.region)

    def shutdown(self) -> None:
        """Stop decoding and accept no new jobs (signals queued before closing may still
        arrive)."""
        self._shut_down = True
        self.decoder.shutdown()
        self.maps.shutdown()
        self.placer.shutdown()
        self.classifier.shutdown()


def _same_latent(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Whether two latents are the same place (one may have been through float32)."""
    if a is None or b is None or np.shape(a) != np.shape(b):
        return False
    return bool(np.allclose(a, b, rtol=1e-6, atol=1e-6))


def _squeezed(image: np.ndarray) -> np.ndarray:
    """H×W×1 -> H×W (the backdrop takes gray images so)."""
    return image[:, :, 0] if image.shape[2] == 1 else image
