"""Keeps model B (a second explorer state, its own map controller and decoder) in step with
the explored model A: the selection through dataset indices, A's preview and interpolation
frames decoded by B through its own inverse (see ``latentlab.session.comparison``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latentlab.latent.interpolation import NOISE, interpolate_path, path_frames
from latentlab.latent.recipes import MapClickRecipe
from latentlab.session import ExplorerState, ModelIdentity, Preview
from latentlab.session.colouring import point_colouring
from latentlab.session.comparison import (
    ComparisonLink,
    CounterpartDecode,
    FrameOfADecode,
    FrameOfBDecode,
    counterparts,
    shares_dataset,
)
from latentlab.session.keypoints import PATH_SAMPLES
from latentlab.ui.classifier_service import same_dataset
from latentlab.ui.compare.compare_view import CompareView
from latentlab.ui.decoder import DecodeResult, LatestRequestDecoder
from latentlab.ui.map.map_controller import MapController


class CompareController(QObject):
    """B beside A. ``compare_with`` shows a model as B; ``close`` ends the comparison."""

    shown = Signal()  # B's map is on screen (and after each of its new maps)
    decoded = Signal(str)  # "preview" or "interpolation": B's image of it is shown
    error_raised = Signal(str, str)

    def __init__(self, explorer: Any, view: CompareView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.explorer = explorer
        self.state_a: ExplorerState = explorer.state
        self.state = ExplorerState()  # B's
        self.view = view
        self.name = ""
        self.link = ComparisonLink.between(None, None)
        self.maps = MapController(view.map, self)
        self.maps.align_with = self._map_to_align_with
        self.maps.shown.connect(self._on_map_shown)
        self.maps.improved.connect(lambda data: setattr(self.state, "map_data", data))
        self.maps.progress.connect(
            lambda phase, _done, _total: view.set_progress(f"B: {phase}…" if phase else "")
        )
        self.maps.error_raised.connect(self.error_raised)
        self.decoder = LatestRequestDecoder(self)
        self.decoder.decoded.connect(self._on_decoded)
        self.decoder.failed.connect(
            lambda _channel, message: self.error_raised.emit("B could not decode", message)
        )
        self._counterpart_cache: dict[str, Any] = {}  # B's keypoints, written on the worker
        self._drawn_keypoints: Any = None  # B's keypoints whose path map B shows

        view.close_requested.connect(self.close)
        view.map.position_clicked.connect(self._on_clicked)
        view.map.position_dragged.connect(lambda x, y: self._on_clicked(x, y, 0))
        view.map.selection_changed.connect(self._on_b_selection)
        self.state_a.selection_changed.connect(self._on_a_selection)
        self.state_a.preview_changed.connect(self._on_a_preview)
        self.state_a.model_switched.connect(lambda _switch: self._relink())
        self.state_a.colour_mode_changed.connect(lambda _mode: self._colour())
        explorer.map_ready.connect(self._on_a_map)
        explorer.classifier.ready.connect(self._on_classifier_ready)
        explorer.interpolation.path_changed.connect(self._on_a_path)

    @property
    def active(self) -> bool:
        return self.state.model is not None

    # -- opening and closing ------------------------------------------------------------

    def compare_with(
        self, model: Any, dataset: Any, name: str, *, epoch: int | None = None, data: Any = None
    ) -> None:
        """Show ``model`` as B: mapped on A's data when its images fit (else on ``dataset``),
        aligned with A's map. ``data`` is a map of it made before (an earlier epoch's)."""
        if shares_dataset(self.state_a.dataset, ModelIdentity.of(model, None)):
            dataset = self.state_a.dataset
        self.decoder.discard_pending()
        self.state = ExplorerState()
        self.state.switch_model(model, dataset)
        self.name = name
        self._relink()
        self._counterpart_cache.clear()
        self._drawn_keypoints = None
        self.view.set_sides(self._name_of_a(), name)
        self.view.clear_images()
        self.view.map.clear_marker()
        self.view.map.clear_path()
        if not self.view.isVisible():
            self.view.show()
            QTimer.singleShot(0, self._fit_views)  # both maps fitted to their new widths
        a_maps = self.explorer.maps
        self.maps.classifier, self.maps.points = a_maps.classifier, a_maps.points
        self.maps.samples, self.maps.config = a_maps.samples, a_maps.config
        if data is not None and dataset is self.state_a.dataset:  # an epoch of A's run
            self.maps.show_map(model, dataset, data, epoch)
        else:
            self.maps.set_model(model, dataset)

    def close(self) -> None:
        """End the comparison: B's map, jobs and decodes go."""
        self.decoder.discard_pending()
        self.maps.forget()
        self.state = ExplorerState()
        self.link = ComparisonLink.between(None, None)
        self.view.clear_images()
        self.view.hide()
        QTimer.singleShot(0, self._fit_views)

    def _fit_views(self) -> None:
        self.explorer.map.reset_view()
        self.explorer.remember_auto_view()
        self.maps.remember_auto_view()
        if self.active:
            self.view.map.reset_view()

    def shutdown(self) -> None:
        self.decoder.shutdown()
        self.maps.shutdown()

    def _relink(self) -> None:
        self.link = ComparisonLink.between(self.state_a.identity, self.state.identity)
        self.view.set_link_note(self.link.explanation)

    def _name_of_a(self) -> str:
        name = self.state_a.fingerprint.name or "the explored model"
        history = self.explorer.maps.history
        index = self.explorer.maps.shown_index
        if history and 0 <= index < len(history) and history[index].epoch is not None:
            name = f"epoch {history[index].epoch}"
        return name

    def _map_to_align_with(self) -> Any:
        """A's map, when B's shows the same images (then the same place means the same data)."""
        return self.state_a.map_data if self.link.linked else None

    # -- A changes, B follows -----------------------------------------------------------

    def _on_a_map(self, data: Any) -> None:
        if not self.active:
            return
        self.view.set_sides(self._name_of_a(), self.name)
        if self.maps.points != self.explorer.maps.points:
            self.maps.set_points(self.explorer.maps.points)
        elif data.config != self.maps.config:
            self.maps.set_config(data.config)

    def _on_classifier_ready(self, dataset: Any, classifier: Any) -> None:
        if self.active and same_dataset(dataset, self.state.dataset):
            self.maps.set_classifier(classifier)

    def _on_map_shown(self, model: Any, data: Any) -> None:
        self.state.set_map(data)
        self._colour()
        self._on_a_selection(self.state_a.selected_indices)
        self._drawn_keypoints = None
        self._on_a_preview(self.state_a.preview)
        self.shown.emit()

    def _colour(self) -> None:
        """B's map is coloured as A's is (View › Colour by)."""
        if self.active and self.state.map_data is not None:
            colouring = point_colouring(
                self.state.map_data, self.state.model, self.state_a.colour_mode
            )
            self.view.map.set_colouring(colouring)

    def _on_a_selection(self, indices: np.ndarray) -> None:
        if self.link.linked and self.state.map_data is not None:
            self.view.map.set_selection(self.state.rows_of(indices), notify=False)

    def _on_b_selection(self, rows: np.ndarray) -> None:
        """A lasso in B selects the same images in A (whose map then rings them)."""
        if self.link.linked and self.state.map_data is not None:
            self.state_a.set_selection(self.state.map_data.cloud.indices[rows])

    def _on_clicked(self, x: float, y: float, _modifiers: int) -> None:
        """A click in B decodes the same place in A, through A's inverse; B follows A."""
        if self.active and self.state.map_data is not None:
            self.explorer.decode_at(x, y)

    def _inverse_of_b(self) -> str:
        return self.state.map_data.resolve_inverse(self.state_a.inverse_method)

    def _on_a_preview(self, preview: Preview | None) -> None:
        if not self.active:
            return
        if preview is None:
            self.view.clear_images()
            self.view.map.clear_marker()
            return
        self.view.show_a(preview.image, preview.description)
        map_a, map_b = self.state_a.map_data, self.state.map_data
        if map_a is None or map_b is None:
            self.view.show_b(None, "")
            return
        clicked = preview.recipe.map_xy if isinstance(preview.recipe, MapClickRecipe) else None
        places = None if clicked is None else np.asarray([clicked], dtype=np.float64)
        latent, inverse, linked = preview.latent[None], self._inverse_of_b(), self.link.linked
        self.decoder.request(
            CounterpartDecode(clicked),
            self.state.decoding_model(),
            None,
            make_latents=lambda: counterparts(
                latent, map_a, map_b, inverse, linked=linked, places=places
            ),
        )

    def _on_a_path(self, keypoints: np.ndarray, _path: np.ndarray, t: float) -> None:
        """The interpolation plays in both: A's frame and B's, between B's counterparts of A's
        keypoints (the same data points' codes, when they are data points)."""
        map_a, map_b = self.state_a.map_data, self.state.map_data
        if not self.active or map_a is None or map_b is None or len(keypoints) < 2:
            self.view.map.clear_path()
            self.view.map.clear_extra_points("interpolation")
            return
        method = _closed_form(self.explorer.interpolation.method())
        frame_in_a = self.state_a.keypoints.at(t)
        if frame_in_a is not None:
            self.decoder.request(FrameOfADecode(t), self.state_a.decoding_model(), frame_in_a[None])
        key = (keypoints, map_b, self._inverse_of_b(), self.link.linked)
        cache = self._counterpart_cache

        def frame_in_b() -> np.ndarray:
            if cache.get("key") is None or not _same_key(cache["key"], key):
                inverse, linked = key[2], key[3]
                cache["latents"] = counterparts(keypoints, map_a, map_b, inverse, linked=linked)
                cache["key"] = key
            return interpolate_path(cache["latents"], t, method)[None]

        self.decoder.request(
            FrameOfBDecode(t), self.state.decoding_model(), None, make_latents=frame_in_b
        )

    # -- results ------------------------------------------------------------------------

    def _on_decoded(self, result: DecodeResult) -> None:
        purpose = result.purpose
        if isinstance(purpose, FrameOfADecode):
            if self.state_a.accepts(result.latents):
                self.view.show_a(result.images[0], f"interpolation at t = {purpose.t:.2f}")
            return
        if not self.state.accepts(result.latents) or self.state.map_data is None:
            return  # decoded for a B that is no longer shown
        latent = result.latents[0]
        if isinstance(purpose, CounterpartDecode):
            place = purpose.place
            self.view.show_b(result.images[0], f"{self.name} · {_placed_how(place)}")
            xy = place if place is not None else self.state.map_data.to_map(latent[None])[0]
            self.view.map.set_marker(*xy)
        elif isinstance(purpose, FrameOfBDecode):
            self.view.show_b(result.images[0], f"{self.name} · t = {purpose.t:.2f}")
            self._draw_path(latent)
        self.decoded.emit(purpose.channel)

    def _draw_path(self, frame: np.ndarray) -> None:
        """B's interpolation path and where its frame is, on B's map."""
        data = self.state.map_data
        if not data.instant_placement:
            return
        keypoints = self._counterpart_cache.get("latents")
        if keypoints is not None and keypoints is not self._drawn_keypoints:
            method = _closed_form(self.explorer.interpolation.method())
            path_xy = data.to_map(path_frames(keypoints, PATH_SAMPLES, method))
            labels = self.state_a.keypoints.labels()
            self.view.map.set_path(path_xy, labels, data.to_map(keypoints))
            self._drawn_keypoints = keypoints
        here = data.to_map(frame[None])
        self.view.map.set_extra_points(
            "interpolation", here, symbol="o", colour=(255, 255, 255), size=11
        )


def _closed_form(method: str) -> str:
    """B's path between its counterparts: A's method, but slerp for a path through A's
    diffusion prior's noise (B has no prior of its own)."""
    return "slerp" if method == NOISE else method


def _same_key(a: tuple, b: tuple) -> bool:
    """Same keypoint array and map (by identity), same inverse and link."""
    return a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]


def _placed_how(clicked: Any) -> str:
    if clicked is None:
        return "the same image's code, or its place on A's map, decoded by B"
    x, y = clicked
    return f"map ({x:.2f}, {y:.2f}) through B's own inverse"
