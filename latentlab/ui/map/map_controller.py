"""Builds the maps that the LatentMap shows, and keeps the maps of earlier epochs.

Map jobs run on a worker, one at a time: a newer model waits for the running job (so t-SNE
can finish while training goes on), a new projection setting or point set replaces it. t-SNE
steps are streamed into the view, the points gliding from step to step; each refreshed map is
aligned with the last one (see ``latentlab.projection.pipeline``) and the points glide to
their new places, so the user keeps their bearings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentlab.config import ProjectionConfig
from latentlab.jobs.maps import PRIOR_SAMPLES, CloudEncoded, MapPoints, map_job
from latentlab.ui.background import start_job
from latentlab.ui.map.point_animation import PointAnimation

STREAM_GLIDE_MS = 240  # about one t-SNE step: the points keep moving between steps
EPOCH_GLIDE_MS = 450  # from one epoch's map to another's


@dataclass(frozen=True)
class MapEpoch:
    """A map as it was at one epoch, with the model that drew it (``epoch`` None: a model
    opened from a file)."""

    epoch: int | None
    model: Any
    data: Any  # LatentMapData


class MapController(QObject):
    """Owns map building for the Explorer: jobs, streaming, animation, history."""

    shown = Signal(object, object)  # model, LatentMapData: the map to explore from now on
    moved = Signal(object)  # a provisional LatentMapData while t-SNE runs (clicks use it)
    improved = Signal(object)  # the shown map again, with its quality and learned inverse
    progress = Signal(str, int, int)  # phase, done, total; phase "" when idle
    cleared = Signal()  # no map is shown: the first map of a model was cancelled
    history_changed = Signal(int, int)  # epochs kept, index shown
    error_raised = Signal(str, str)  # title, message

    def __init__(self, latent_map, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.map = latent_map
        self.animation = PointAnimation(latent_map, self)
        self.animation.stepped.connect(self._follow_points)
        self.model: Any = None
        self.dataset: Any = None
        self.epoch: int | None = None
        self.points: MapPoints = "test"
        self.samples = PRIOR_SAMPLES  # points of a map of prior samples (models without encoder)
        self.classifier: Any = None  # TrainedClassifier: features and predicted classes
        self.config = ProjectionConfig()
        self.history: list[MapEpoch] = []
        self.shown_index = -1
        self._worker = None
        self._token = 0
        self._pending = False
        self._streaming_cloud: Any = None
        self._streaming_featurize: Any = None
        self._displayed_indices: np.ndarray | None = None
        self._displayed_labels: tuple[Any, Any] = (None, ())
        # The view fits the points as they glide (a t-SNE map grows from a dot) until the user
        # pans or zooms; fitting the view again (Home, double click, a new map) resumes it.
        self._user_moved_view = False
        # A second map beside another (the Compare view) is aligned with that one's map.
        self.align_with: Callable[[], Any] | None = None
        latent_map.view_box.sigRangeChangedManually.connect(self._on_user_moved_view)
        latent_map.view_reset.connect(self.remember_auto_view)
        self._shut_down = False

    # -- what is shown ------------------------------------------------------------------

    @property
    def data(self) -> Any:
        """The LatentMapData on screen (None before the first map)."""
        return self.history[self.shown_index].data if self.history else None

    def remember_auto_view(self) -> None:
        """The current view was fitted by the app (or by Home), not chosen by the user."""
        self._user_moved_view = False

    @property
    def idle(self) -> bool:
        """Whether no map is being built or waiting to be."""
        return self._worker is None and not self._pending

    @property
    def following(self) -> bool:
        """Whether the view keeps fitting the points while they move."""
        return not self._user_moved_view

    def _on_user_moved_view(self, *_args) -> None:
        self._user_moved_view = True

    def show_map(self, model: Any, dataset: Any, data: Any, epoch: int | None = None) -> None:
        """Show a map made before (an earlier epoch's, for the Compare view) as this
        controller's only one; later settings make it again from ``model``."""
        self._abandon_worker()
        self.model, self.dataset, self.epoch = model, dataset, epoch
        self.config = data.config
        self.history = [MapEpoch(epoch, model, data)]
        self._show(0, 0)

    def show_epoch(self, index: int) -> None:
        """Show the map of ``history[index]`` (the epoch slider)."""
        if 0 <= index < len(self.history) and index != self.shown_index:
            self._show(index, EPOCH_GLIDE_MS)

    # -- what to build ------------------------------------------------------------------

    def set_model(self, model: Any, dataset: Any, *, epoch: int | None = None) -> None:
        """Map ``model`` (a read-only CPU copy). ``epoch`` None (an opened file) or an epoch
        before the last one kept (a new run) starts a new history."""
        last = self.history[-1].epoch if self.history else None
        new_history = epoch is None or last is None or epoch < last
        if new_history:
            self.history.clear()
            self.shown_index = -1
            self._user_moved_view = False  # another model's map is fitted when it comes
        self.model, self.dataset, self.epoch = model, dataset, epoch
        if self.config.space == "features" and (dataset is None or dataset.labels is None):
            # No classifier can be trained without labels: map the latents instead.
            self.config = replace(self.config, space="latent")
        if self._worker is None or new_history:
            self._restart(encode=True)  # another model: its map is wanted now
        else:
            self._pending = True  # the running job finishes first: t-SNE can keep up

    def set_points(self, points: MapPoints) -> None:
        """'test' split or 'all' points: encode and project again now."""
        self.points = points
        self._restart(encode=True)

    def set_samples(self, count: int) -> None:
        """How many prior samples a model without an encoder is mapped with."""
        if count == self.samples:
            return
        self.samples = count
        if self.data is not None and self.data.cloud.from_prior:
            self._restart(encode=True)

    def set_classifier(self, classifier: Any) -> None:
        """The domain classifier is ready: map again where it adds something (prior samples
        get their classes; a map of image features was waiting for it)."""
        if classifier is self.classifier:
            return
        self.classifier = classifier
        waiting = self.config.space == "features"
        shown = self.data
        if waiting or (shown is not None and shown.cloud.from_prior):
            self._restart(encode=True)

    def set_config(self, config: ProjectionConfig) -> None:
        """Project the shown model's codes again with ``config``. Earlier epochs' maps were
        made another way, so only the shown one is kept."""
        self.config = config
        self._user_moved_view = False  # another layout: the view fits it, wherever it was
        if self.history:
            shown = self.history[self.shown_index]
            self.history = [shown]
            self.shown_index = 0
            self.model, self.epoch = shown.model, shown.epoch
            self.history_changed.emit(1, 0)
        self._restart(encode=False)

    def cancel(self) -> None:
        """Stop the running job and put the shown map back as it was."""
        if self._worker is None:
            return
        self._abandon_worker()
        self.progress.emit("", 0, 0)
        if self.history:
            self._show(self.shown_index, EPOCH_GLIDE_MS)
        else:  # the first map of a model: no map of it to go back to, and the old one is gone
            self.animation.stop()
            self.map.set_points(np.zeros((0, 2)))
            self._displayed_indices = None
            self._displayed_labels = (None, ())
            self.cleared.emit()
            self.progress.emit("Cancelled: press Project to map this model", 0, 0)

    def forget(self) -> None:
        """Stop any job and drop every map and model (the Compare view was closed)."""
        self._abandon_worker()
        self.animation.stop()
        self.history, self.shown_index = [], -1
        self.model = self.dataset = self.epoch = None
        self.map.set_points(np.zeros((0, 2)))
        self._displayed_indices = None
        self._displayed_labels = (None, ())
        self.progress.emit("", 0, 0)

    def shutdown(self) -> None:
        self._shut_down = True
        self._pending = False
        self.animation.stop()
        if self._worker is not None:
            self._worker.quit()

    # -- jobs ---------------------------------------------------------------------------

    def _restart(self, *, encode: bool) -> None:
        if self.model is None:
            return
        self._abandon_worker()
        self._start(encode=encode)

    def _abandon_worker(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None
        self._token += 1  # records still queued from it are ignored
        self._pending = False

    def _start(self, *, encode: bool) -> None:
        if self.model is None or self._shut_down:
            return
        if self.config.space == "features" and self.classifier is None:
            # set_classifier starts the job once the classifier is trained (or loaded).
            self.progress.emit("Waiting for the domain classifier", 0, 0)
            return
        latest = self.history[-1].data if self.history else None
        shown = self.data
        cloud = None if encode or shown is None else shown.cloud
        previous = shown if cloud is not None else latest
        if self.align_with is not None:
            previous = self.align_with()
        self._token += 1
        token, model, epoch = self._token, self.model, self.epoch
        self._streaming_cloud = cloud
        self.progress.emit("Encoding" if cloud is None else "Projecting", 0, 0)
        self._worker = start_job(
            map_job,
            model,
            self.dataset,
            self.points,
            self.config,
            previous,
            cloud,
            self.classifier,
            self.samples,
            on_yield=lambda record: self._on_record(token, model, epoch, record),
            on_error=lambda error: self._on_error(token, error),
            on_finished=lambda: self._on_finished(token),
        )

    def _on_finished(self, token: int) -> None:
        if token != self._token:
            return  # an abandoned job
        self._worker = None
        if self._pending and not self._shut_down:
            self._pending = False
            self._start(encode=True)
        else:
            self.progress.emit("", 0, 0)

    def _on_error(self, token: int, error: Exception) -> None:
        if token == self._token:
            self.error_raised.emit("Could not build the map", str(error))
            if self.history:
                self._show(self.shown_index, 0)

    def _on_record(self, token: int, model: Any, epoch: int | None, record: object) -> None:
        from latentlab.projection import (
            InverseFitProgress,
            MapFinished,
            MapReady,
            ProjectionProgress,
            provisional_map,
        )

        if token != self._token or self._shut_down:
            return
        if isinstance(record, CloudEncoded):
            self._streaming_cloud = record.cloud
            self._streaming_featurize = record.featurize
        elif isinstance(record, ProjectionProgress):
            self.progress.emit(record.phase, record.done, record.total)
            if record.xy is not None and self._at_latest():
                cloud = self._streaming_cloud
                self._display(cloud, record.xy, STREAM_GLIDE_MS)
                data = provisional_map(cloud, record.xy, self.config, self._streaming_featurize)
                self.map.set_axis_labels(*data.axis_labels)
                self.moved.emit(data)
        elif isinstance(record, InverseFitProgress):
            self.progress.emit("Learning the inverse map", record.step, record.total_steps)
        elif isinstance(record, MapReady):
            at_latest = self._at_latest()
            index = self._store(MapEpoch(epoch, model, record.data))
            if at_latest:
                self._show(index, EPOCH_GLIDE_MS)
            else:
                self.history_changed.emit(len(self.history), self.shown_index)
        elif isinstance(record, MapFinished):
            for index, entry in enumerate(self.history):
                if entry.model is model and entry.epoch == epoch:
                    self.history[index] = replace(entry, data=record.data)
                    if index == self.shown_index:
                        self.improved.emit(record.data)

    def _store(self, entry: MapEpoch) -> int:
        """Add ``entry`` (replacing the map of the same epoch); returns its index."""
        for index, kept in enumerate(self.history):
            if kept.epoch == entry.epoch:
                self.history[index] = entry
                return index
        self.history.append(entry)
        return len(self.history) - 1

    def _at_latest(self) -> bool:
        """Whether the user is looking at the newest map (then new maps are shown; one
        scrubbed back to an earlier epoch stays put)."""
        return self.shown_index < 0 or self.shown_index == len(self.history) - 1

    # -- display ------------------------------------------------------------------------

    def _show(self, index: int, glide_ms: float) -> None:
        self.shown_index = index
        entry = self.history[index]
        self._display(entry.data.cloud, entry.data.xy, glide_ms)
        self.map.set_axis_labels(*entry.data.axis_labels)
        self.shown.emit(entry.model, entry.data)
        self.history_changed.emit(len(self.history), index)

    def _display(self, cloud: Any, xy: np.ndarray, glide_ms: float) -> None:
        """Glide the points to ``xy`` if the map already shows these points, else redraw."""
        if self._displayed_indices is not None and np.array_equal(
            self._displayed_indices, cloud.indices
        ):
            if not self._shows_labels_of(cloud):
                # A GAN's samples change with the weights, and so do the classes seen in them.
                self.map.set_labels(cloud.labels, cloud.class_names)
                self._displayed_labels = (cloud.labels, cloud.class_names)
            self.animation.move_to(xy, glide_ms)
            return
        self.animation.stop()
        self.map.set_points(xy, cloud.labels, cloud.class_names)
        self._displayed_indices = cloud.indices
        self._displayed_labels = (cloud.labels, cloud.class_names)
        self.remember_auto_view()

    def _shows_labels_of(self, cloud: Any) -> bool:
        labels, names = self._displayed_labels
        if labels is None or cloud.labels is None:
            return labels is None and cloud.labels is None
        return tuple(names) == tuple(cloud.class_names) and np.array_equal(labels, cloud.labels)

    def _follow_points(self) -> None:
        """While points glide, an untouched view keeps fitting them (a t-SNE map grows from a
        dot to its full size); a view the user moved stays where they put it."""
        if not self._user_moved_view:
            self.map.reset_view()
