"""Connects the class controls to the explorer state: the controls set the label vector a
conditional model decodes as (``state.condition``); a new label re-decodes the preview, and
every new preview is decoded once more as each class for the row."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from latentlab.latent.label_mix import mixed_label
from latentlab.session.decode_purposes import ClassRowDecode, PreviewDecode


class ClassController(QObject):
    """Shows the class controls for conditional models and keeps them, the state's label
    and the preview in step."""

    def __init__(self, state: Any, explorer: Any, controls: Any, parent=None) -> None:
        super().__init__(parent)
        self.state, self.explorer, self.controls = state, explorer, controls
        controls.setVisible(False)
        controls.label_changed.connect(self._on_label_chosen)
        state.model_switched.connect(self._on_model_switched)
        state.condition_changed.connect(self._on_condition_changed)
        state.preview_changed.connect(self._on_preview_changed)
        explorer.decoder.decoded.connect(self._on_decoded)

    def _on_model_switched(self, _switch: Any) -> None:
        condition = self.state.condition
        self.controls.setVisible(condition is not None)
        if condition is None:
            return
        names = tuple(self.state.dataset.class_names)
        if len(names) != len(condition):
            names = tuple(str(i) for i in range(len(condition)))
        if names != self.controls.class_names():  # another model: start at its first class
            self.controls.set_classes(names)
            self.state.set_condition(np.eye(len(condition), dtype=np.float32)[0])
        self._decode_row()

    def _on_label_chosen(self, first: int, second: int, amount: float) -> None:
        if self.state.condition is None or first < 0 or second < 0:
            return
        self.state.set_condition(mixed_label(len(self.state.condition), first, second, amount))

    def _on_condition_changed(self, condition: Any) -> None:
        if condition is not None:
            self.controls.show_label(condition)  # set elsewhere too (a reopened latent)
        preview = self.state.preview
        if condition is None or preview is None:
            return
        # The same latent, decoded as the new label (latest request wins while dragging).
        self.explorer.request_decode(
            PreviewDecode(preview.description, preview.recipe), preview.latent
        )

    def _on_preview_changed(self, preview: Any) -> None:
        if preview is None:
            self.controls.row.set_image(None)
        else:
            self._decode_row()

    def _decode_row(self) -> None:
        preview, condition = self.state.preview, self.state.condition
        if preview is None or condition is None:
            return
        count = len(condition)
        latents = np.repeat(np.asarray(preview.latent, dtype=np.float32)[None], count, axis=0)
        self.explorer.request_decode(
            ClassRowDecode(), latents, labels=np.eye(count, dtype=np.float32)
        )

    def _on_decoded(self, result: Any) -> None:
        if isinstance(result.purpose, ClassRowDecode) and self.state.condition is not None:
            self.controls.show_row(result.images)
