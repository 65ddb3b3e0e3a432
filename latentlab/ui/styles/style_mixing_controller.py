"""Connects the Style mixing panel to the explored model: A and B (the preview's latent or a
random draw), the levels each takes its styles from, and the three images it decodes (the
mix, the crossovers, the traversal at one resolution) on the explorer's decoder."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentlab.latent.style_mixing import (
    StyleLevels,
    crossovers,
    has_style_levels,
    level_name,
    mixed_levels,
    traverse_level,
)
from latentlab.session.decode_purposes import (
    StyleCrossoverDecode,
    StyleMixDecode,
    StyleTraversalDecode,
)
from latentlab.ui.styles.style_mixing_dock import TRAVERSAL_VALUES


class StyleMixingController(QObject):
    """Keeps the Style mixing panel's A, B, levels and images for the explored model (a
    model with style levels; for others the panel says what it needs)."""

    mix_shown = Signal()  # the mix of the current A, B and levels is on screen

    def __init__(self, explorer: Any, dock: Any, parent=None) -> None:
        super().__init__(parent)
        self.explorer, self.state, self.dock = explorer, explorer.state, dock
        self.sources: list[np.ndarray | None] = [None, None]
        self.names: list[str] = []
        self._draws = np.random.default_rng(0)
        self._view: StyleLevels | None = None
        self.state.model_switched.connect(self._on_model_switched)
        dock.source_requested.connect(self.set_source)
        dock.levels_changed.connect(lambda _from_b: self.refresh())
        dock.traversal_changed.connect(lambda _level, _dimension: self._decode_traversal())
        explorer.decoder.decoded.connect(self._on_decoded)

    def _on_model_switched(self, _switch: Any) -> None:
        model = self.state.model
        if not has_style_levels(model):
            self._view, self.names = None, []
            self.dock.set_levels([], 0)
            return
        sizes = model.style_levels
        self._view = StyleLevels(model)
        self.names = [level_name(size, i, len(sizes)) for i, size in enumerate(sizes)]
        self.dock.set_levels(self.names, model.latent_dim)
        self._draws = np.random.default_rng(0)  # the same first A and B for every model
        self.sources = [self._draw(), self._draw()]
        self.refresh()

    def _draw(self) -> np.ndarray:
        return self._draws.standard_normal(self.state.model.latent_dim).astype(np.float32)

    def set_source(self, index: int, how: str) -> None:
        """A (0) or B (1) from the preview's latent ("preview") or a new draw ("random")."""
        if self._view is None:
            return
        if how == "preview":
            preview = self.state.preview
            if preview is None or not self.state.accepts(preview.latent):
                self.state.status_reported.emit("Click the map first: the preview is empty.")
                return
            self.sources[index] = np.asarray(preview.latent, dtype=np.float32)
        else:
            self.sources[index] = self._draw()
        self.refresh()

    def refresh(self) -> None:
        """Decode A, B, the mix, the crossovers and the traversal again."""
        a, b = self.sources
        if self._view is None or a is None or b is None:
            return
        levels = len(self.names)
        ends = np.stack(
            [mixed_levels(a, a, [False] * levels), mixed_levels(b, b, [False] * levels)]
        )
        rows = np.concatenate([mixed_levels(a, b, self.dock.from_b())[None], ends])
        self._request(StyleMixDecode(), rows)
        self._request(StyleCrossoverDecode(), crossovers(a, b, levels))
        self._decode_traversal()

    def _decode_traversal(self) -> None:
        a, b = self.sources
        if self._view is None or a is None or b is None:
            return
        level, dimension = self.dock.traversal_choice()
        if level < 0:
            return
        direction = np.eye(len(a), dtype=np.float32)[dimension]
        mix = mixed_levels(a, b, self.dock.from_b())
        steps = traverse_level(mix, level, direction, TRAVERSAL_VALUES)
        self._request(StyleTraversalDecode(TRAVERSAL_VALUES), steps)

    def _request(self, purpose: Any, level_latents: np.ndarray) -> None:
        flat = level_latents.reshape(len(level_latents), -1)
        self.explorer.decoder.request(purpose, self._view, flat)

    def _on_decoded(self, result: Any) -> None:
        if self._view is None:
            return
        purpose = result.purpose
        if isinstance(purpose, StyleMixDecode):
            self.dock.show_source(0, result.images[1])
            self.dock.show_source(1, result.images[2])
            self.dock.show_mix(result.images[0], self._mix_caption())
            self.mix_shown.emit()
        elif isinstance(purpose, StyleCrossoverDecode):
            self.dock.show_crossovers(
                result.images,
                "From the left: B, then A's styles at the coarsest 1, 2, … levels, then A.",
            )
        elif isinstance(purpose, StyleTraversalDecode):
            self.dock.show_traversal(result.images)

    def _mix_caption(self) -> str:
        from_b = self.dock.from_b()
        parts = []
        for source, take_b in (("A", False), ("B", True)):
            named = [
                n.split(" ")[0] for n, b in zip(self.names, from_b, strict=True) if b == take_b
            ]
            if named:
                parts.append(f"{', '.join(named)} from {source}")
        return " · ".join(parts)
