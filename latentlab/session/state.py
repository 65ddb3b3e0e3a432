"""The explorer state: everything the user is exploring, in one Qt-free object.

Views and controllers listen to its events and ask it to change; they do not read each
other's attributes (napari's ``ViewerModel`` is the pattern). ``switch_model`` is the one
transition through which every model arrives (see ``latentlab.session.transition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from psygnal import Signal

from latentlab.latent.items import ItemSet
from latentlab.latent.recipes import NO_RECIPE, Recipe
from latentlab.session.fingerprint import ModelFingerprint
from latentlab.session.identity import ModelIdentity
from latentlab.session.keypoints import Keypoints
from latentlab.session.transition import ModelSwitch

COLOUR_MODES = ("label", "value", "score")
INVERSE_METHODS = ("exact", "learned", "neighbours")


@dataclass(frozen=True)
class Preview:
    """The decoded image in the Preview panel and how its latent was made."""

    latent: np.ndarray  # (D,) float64
    image: np.ndarray  # H×W×C uint8
    description: str
    recipe: Recipe = NO_RECIPE  # for provenance


class ExplorerState:
    """The explored model and its identity, the map, the preview, the keypoints, the items
    and groups, the selection, the colouring and the chosen inverse."""

    model_switched = Signal(object)  # ModelSwitch, after everything it drops is dropped
    map_changed = Signal(object)  # LatentMapData (None: the map of another model was dropped)
    preview_changed = Signal(object)  # Preview or None
    selection_changed = Signal(object)  # dataset indices (int64) of the selected points
    colour_mode_changed = Signal(str)
    inverse_changed = Signal(str)
    items_changed = Signal()
    prior_changed = Signal(object)  # PriorFile of the explored model, or None
    condition_changed = Signal(object)  # the label vector a conditional model decodes as
    status_reported = Signal(str)  # a sentence for the status bar

    def __init__(self) -> None:
        self.model: Any = None
        self.dataset: Any = None
        self.identity: ModelIdentity | None = None
        self.fingerprint = ModelFingerprint()
        self.map_data: Any = None
        self.preview: Preview | None = None
        self.keypoints = Keypoints()
        self.items = ItemSet()
        self.selected_indices = np.zeros(0, dtype=np.int64)
        self.colour_mode = "label"
        self.inverse_method = "exact"
        self.prior: Any = None  # a diffusion prior over the model's codes (a PriorFile)
        # What a conditional model decodes every latent as: one weight per class (None for
        # the others). The Preview's class controls set it.
        self.condition: np.ndarray | None = None

    # -- the model ----------------------------------------------------------------------

    @property
    def latent_dim(self) -> int | None:
        return None if self.identity is None else self.identity.latent_dim

    def switch_for(self, model: Any, dataset: Any) -> ModelSwitch:
        """What ``switch_model(model, dataset)`` would decide, without doing it."""
        return ModelSwitch(self.identity, ModelIdentity.of(model, dataset))

    def switch_model(self, model: Any, dataset: Any) -> ModelSwitch:
        """Explore ``model`` on ``dataset`` from now on (a new model, or new weights of the
        same run). Drops what the new model cannot use, then emits ``model_switched``."""
        switch = self.switch_for(model, dataset)
        self.model, self.dataset, self.identity = model, dataset, switch.after
        self.fingerprint.set_model(model)
        dropped_groups: list[str] = []
        if not switch.keeps_groups:
            dropped_groups = [item.name for item in self.items if item.kind == "group"]
            for name in dropped_groups:
                self.items.remove(name)
            self.set_selection(np.zeros(0, dtype=np.int64))
        dropped_latents = not switch.keeps_latents and self._drop_latents()
        if not switch.keeps_latents or not switch.keeps_groups:
            self.drop_map()  # its points are of another latent space or dataset
        if dropped_groups or dropped_latents:
            self.items_changed.emit()
        self._condition_for(model)
        dropped_prior = self.prior is not None and self.prior_problem(self.prior) is not None
        if dropped_prior:
            self.set_prior(None)
        self.model_switched.emit(switch)
        message = switch.summary(dropped_groups, dropped_latents)
        if dropped_prior:
            message = " ".join(
                filter(None, [message, "The diffusion prior learned other weights' codes: closed."])
            )
        if message:
            self.status_reported.emit(message)
        return switch

    def _condition_for(self, model: Any) -> None:
        """A conditional model keeps the label it decoded as when it has as many classes (new
        weights of the same run), else starts as its first class; other models have none."""
        count = getattr(model, "n_classes", 0) if getattr(model, "conditional", False) else 0
        if count == 0:
            condition = None
        elif self.condition is not None and len(self.condition) == count:
            condition = self.condition
        else:
            condition = np.eye(count, dtype=np.float32)[0]
        if condition is not self.condition:
            self.condition = condition
            self.condition_changed.emit(condition)

    def set_condition(self, label: np.ndarray) -> None:
        """Decode as ``label`` from now on (a vector of one weight per class)."""
        label = np.asarray(label, dtype=np.float32).reshape(-1)
        if self.condition is None or label.shape != self.condition.shape:
            raise ValueError("the explored model is not conditional on this many classes")
        if not np.array_equal(label, self.condition):
            self.condition = label
            self.condition_changed.emit(label)

    def decoding_model(self, labels: np.ndarray | None = None) -> Any:
        """The explored model as its decoder should use it: a conditional one decodes as
        ``labels`` (N×classes, one per latent) or else as the condition."""
        if self.condition is None:
            return self.model
        from latentlab.models.conditional import Conditioned  # torch: only with such a model

        return Conditioned(self.model, self.condition if labels is None else labels)

    def _drop_latents(self) -> bool:
        """Forget every latent of the old size; True if there was any."""
        had_any = self.preview is not None or len(self.keypoints) > 0
        vectors = [item.name for item in self.items if item.indices is None]
        for name in vectors:
            self.items.remove(name)
        self.set_preview(None)
        self.keypoints.clear()
        return had_any or bool(vectors)

    def accepts(self, latents: np.ndarray | None) -> bool:
        """Whether ``latents`` (D or N×D) can be decoded by the explored model."""
        if latents is None or self.latent_dim is None:
            return False
        return np.shape(latents)[-1] == self.latent_dim

    def set_fingerprint(self, name: str, path: Any = None) -> None:
        """What exported images name as their model (its file, or an unsaved run)."""
        from pathlib import Path

        self.fingerprint = ModelFingerprint(name=name, path=None if path is None else Path(path))
        self.fingerprint.set_model(self.model)

    # -- the diffusion prior ------------------------------------------------------------

    def prior_problem(self, prior_file: Any) -> str | None:
        """Why ``prior_file`` cannot serve the explored model (None: it can). A prior learned
        one model's codes: other weights' codes mean something else, even at the same size."""
        if self.model is None:
            return "no model is explored"
        from latentlab.training.prior_file import mismatch  # torch: only once there is a prior

        return mismatch(prior_file, self.model)

    def set_prior(self, prior_file: Any) -> str | None:
        """Use ``prior_file`` (None closes it); one of another model is refused: returns why."""
        if prior_file is not None:
            problem = self.prior_problem(prior_file)
            if problem is not None:
                return problem
        if prior_file is not self.prior:
            self.prior = prior_file
            self.prior_changed.emit(prior_file)
        return None

    # -- the map ------------------------------------------------------------------------

    def set_map(self, data: Any) -> list[str]:
        """A new map is shown (new weights, another epoch, another projection). Items of data
        points take their latents from it; returns the names of items it could not keep."""
        cloud_changed = self.map_data is None or data.cloud is not self.map_data.cloud
        self.map_data = data
        removed: list[str] = []
        if cloud_changed:
            removed = self.items.refresh(self.latents_of, latent_dim=data.cloud.latents.shape[1])
            if removed:
                self.status_reported.emit(f"Removed items not on the new map: {', '.join(removed)}")
        self.map_changed.emit(data)
        if removed:
            self.items_changed.emit()
        return removed

    def drop_map(self) -> None:
        """No map is shown (it was of another space, or its making was cancelled)."""
        if self.map_data is not None:
            self.map_data = None
            self.map_changed.emit(None)

    def rows_of(self, indices: np.ndarray) -> np.ndarray:
        """Rows of the map's points for dataset ``indices`` (those on the map)."""
        if self.map_data is None or len(self.map_data.cloud) == 0:
            return np.zeros(0, dtype=np.int64)
        cloud_indices = self.map_data.cloud.indices
        order = np.argsort(cloud_indices)
        position = np.searchsorted(cloud_indices, indices, sorter=order)
        position = np.clip(position, 0, len(order) - 1)
        rows = order[position]
        return rows[cloud_indices[rows] == indices]

    def latents_of(self, indices: np.ndarray) -> np.ndarray | None:
        """The map's latents of dataset ``indices``, or None when some are not on it."""
        rows = self.rows_of(indices)
        return None if len(rows) != len(indices) else self.map_data.cloud.latents[rows]

    def inverse_in_use(self) -> str:
        """The inverse clicks use on the shown map: the chosen one, or the best it has."""
        if self.map_data is None:
            return self.inverse_method
        return self.map_data.resolve_inverse(self.inverse_method)

    def set_inverse_method(self, method: str) -> None:
        if method not in INVERSE_METHODS:
            raise ValueError(f"inverse must be one of {INVERSE_METHODS}, got {method!r}")
        self.inverse_method = method
        self.inverse_changed.emit(method)

    def set_colour_mode(self, mode: str) -> None:
        if mode not in COLOUR_MODES:
            raise ValueError(f"colour mode must be one of {COLOUR_MODES}, got {mode!r}")
        self.colour_mode = mode
        self.colour_mode_changed.emit(mode)

    # -- the preview and the selection --------------------------------------------------

    def set_preview(self, preview: Preview | None) -> bool:
        """Show ``preview`` (None clears it). One of another latent size is refused: False."""
        if preview is not None and not self.accepts(preview.latent):
            return False
        if preview is None and self.preview is None:
            return True
        self.preview = preview
        self.preview_changed.emit(preview)
        return True

    def set_selection(self, indices: np.ndarray) -> None:
        """Select the points with these dataset indices."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if np.array_equal(indices, self.selected_indices):
            return
        self.selected_indices = indices.copy()
        self.selection_changed.emit(self.selected_indices)
