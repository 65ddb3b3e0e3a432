"""Traversal sliders in the app: the preview's latent along each axis, decoded as you drag.

Axes come from the map's latent cloud (per dimension, or principal directions for large
latents). For VAEs the posterior's variances are computed on a worker once per map, so
each dimension shows its KL and collapsed ones are marked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from latentlab.jobs.latents import posterior_log_variances
from latentlab.latent.recipes import TraversalRecipe, numbers
from latentlab.latent.traversal import (
    MAX_DIMENSION_SLIDERS,
    TraversalAxes,
    dimension_activity,
    dimension_axes,
    principal_axes,
)
from latentlab.ui.background import start_job
from latentlab.ui.latent.traversal_dock import TraversalDock

PRINCIPAL_DIRECTIONS = 10


class TraversalController(QObject):
    """Keeps the Traverse panel's axes and sliders in step with the map and the preview."""

    def __init__(self, explorer: Any, dock: TraversalDock, parent: QObject | None = None):
        super().__init__(parent)
        self.explorer = explorer
        self.dock = dock
        self.map_data: Any = None
        self.axes: TraversalAxes | None = None
        self.activity: Any = None
        self.latent: np.ndarray | None = None  # what the sliders move, ahead of the decoder
        self.mode: str | None = None  # None: the default for the latent size
        explorer.map_ready.connect(self._on_map_ready)
        explorer.state.model_switched.connect(self._on_model_switched)
        explorer.state.preview_changed.connect(self._on_preview_changed)
        dock.coordinate_changed.connect(self.set_coordinate)
        dock.mode_chosen.connect(self.set_mode)
        dock.reset_requested.connect(self.centre)

    def _on_model_switched(self, switch: Any) -> None:
        """Another latent size: the sliders' latent and axes belong to the old space."""
        if not switch.keeps_latents:
            self.latent = None
            self.axes = None
            self.map_data = None
            self.dock.set_ready(False)

    def _on_map_ready(self, data: Any) -> None:
        new_cloud = self.map_data is None or data.cloud is not self.map_data.cloud
        self.map_data = data
        if not new_cloud:
            return
        latents = data.cloud.latents
        self.activity = None
        if self.explorer.model.has_encoder and len(latents) > 1:
            self.activity = dimension_activity(latents)
            if callable(getattr(self.explorer.model, "posterior", None)):
                start_job(
                    posterior_log_variances,
                    self.explorer.model,
                    data.cloud.images,
                    on_result=lambda log_vars, d=data: self._on_log_variances(d, log_vars),
                    on_error=lambda _error: None,  # KL is extra: the variance-based marks stay
                )
        self._rebuild_axes()

    def _on_log_variances(self, data: Any, log_vars: np.ndarray) -> None:
        if data is self.map_data and len(log_vars) == len(data.cloud.latents):
            self.activity = dimension_activity(data.cloud.latents, log_vars)
            self._rebuild_axes()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._rebuild_axes()

    def _rebuild_axes(self) -> None:
        if self.map_data is None or len(self.map_data.cloud.latents) < 2:
            return
        latents = self.map_data.cloud.latents
        mode = self.mode or (
            "dimensions" if latents.shape[1] <= MAX_DIMENSION_SLIDERS else "principal"
        )
        self.dock.set_mode(mode)
        if mode == "dimensions":
            self.axes = dimension_axes(latents)
            self.dock.set_axes(self.axes.labels, *self._dimension_notes())
        else:
            self.axes = principal_axes(latents, min(PRINCIPAL_DIRECTIONS, latents.shape[1]))
            shown = float(np.sum(self.axes.explained))
            notes = [f"σ {scale:.2f}" for scale in self.axes.scales]
            self.dock.set_axes(
                self.axes.labels,
                notes,
                None,
                f"{len(self.axes)} principal directions of the data's latents hold "
                f"{shown:.0%} of their variance.",
            )
        if self.latent is not None and self.explorer.state.accepts(self.latent):
            self.dock.set_coordinates(self.axes.coordinates(self.latent))
            self.dock.set_ready(True)
        else:
            self.latent = None

    def _dimension_notes(self) -> tuple[list[str], np.ndarray | None, str]:
        activity = self.activity
        if activity is None:
            return [], None, "Each slider moves one latent dimension (±3 σ of the data)."
        if activity.kl is not None:
            notes = [f"KL {kl:.2f}" for kl in activity.kl]
        else:
            notes = [f"var {v:.3f}" for v in activity.mean_variance]
        summary = (
            f"{activity.active_count} of {len(activity.active)} dimensions active "
            "(variance of the posterior mean > 0.01, Burda et al. 2016)."
        )
        return notes, ~activity.active, summary

    def _on_preview_changed(self, preview: Any) -> None:
        if preview is None or isinstance(preview.recipe, TraversalRecipe) or self.axes is None:
            return  # cleared, or our own step: the sliders are already there
        if len(preview.latent) != self.axes.directions.shape[1]:
            return  # of another model: the axes of its map come with it
        self.latent = np.asarray(preview.latent, dtype=np.float64)
        self.dock.set_coordinates(self.axes.coordinates(self.latent))
        self.dock.set_ready(True)

    def set_coordinate(self, axis: int, value: float) -> None:
        """Move the latent along ``axis`` to ``value`` standard deviations and decode it."""
        if self.axes is None or self.latent is None:
            return
        base = self.latent
        self.latent = self.axes.set_coordinate(base, axis, value)
        recipe = TraversalRecipe(
            mode=self.axes.kind,
            axis=self.axes.labels[axis],
            value_std=float(value),
            direction=numbers(self.axes.directions[axis]),
            base_latent=numbers(base),
        )
        self.explorer.show_latent(
            self.latent, f"{self.axes.labels[axis]} at {value:+.2f} σ", recipe
        )

    def centre(self) -> None:
        """Every axis back to the data's mean."""
        if self.axes is None or self.latent is None:
            return
        self.latent = self.axes.with_coordinates(self.latent, np.zeros(len(self.axes)))
        self.dock.set_coordinates(np.zeros(len(self.axes)))
        recipe = TraversalRecipe(mode=self.axes.kind, centred=True)
        self.explorer.show_latent(self.latent, "centred on the data's mean", recipe)
