"""The domain classifier in the app: trained (or loaded from its cache) once per dataset on a
worker, then used to name what a decoded image looks like and to measure click fidelity."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentlab.ui.background import start_job

FIDELITY_CLICKS = 300  # per inverse: a few hundred decodes, well under a second


def classifier_job(dataset: Any, should_stop: Any):
    """Yields the classifier's training progress and ends with a TrainedClassifier (or ends
    quietly when ``should_stop()`` turned true)."""
    from latentlab.training.classifier import ClassifierStopped, load_or_train_classifier

    try:
        yield from load_or_train_classifier(dataset, should_stop=should_stop)
    except ClassifierStopped:
        return


def fidelity_job(data: Any, model: Any, classifier: Any) -> Any:
    """Click fidelity of every inverse the map offers, with its ceiling (a FidelityReport);
    ``classifier`` is the dataset's TrainedClassifier."""
    from latentlab.projection import decode_latents
    from latentlab.projection.fidelity import FidelityReport, click_fidelity, fidelity_ceiling
    from latentlab.training.classifier import predict_labels

    def decode(latents):
        return decode_latents(model, latents)

    def classify(images):
        return predict_labels(classifier.model, images)

    by_method = {
        method: click_fidelity(
            data, data.cloud.labels, decode, classify, method, clicks=FIDELITY_CLICKS
        )
        for method in data.inverse_methods
    }
    ceiling = fidelity_ceiling(data.cloud, decode, classify, classifier.test_accuracy)
    return FidelityReport(by_method, ceiling)


class ClassifierService(QObject):
    """Keeps the domain classifier of the dataset being explored."""

    progress = Signal(str, int, int)  # what it is doing, done, total ("" when idle)
    ready = Signal(object, object)  # dataset, TrainedClassifier
    fidelity_measured = Signal(object, object)  # LatentMapData, FidelityReport
    error_raised = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset: Any = None
        self.classifier: Any = None  # TrainedClassifier
        self._training_for: Any = None
        self._waiting: tuple[Any, Any] | None = None  # (map data, model) to measure when ready
        self._shut_down = False

    def ensure(self, dataset: Any) -> None:
        """Have a classifier for ``dataset`` (labelled datasets only; others are ignored)."""
        if dataset is None or dataset.labels is None or self._shut_down:
            return
        if same_dataset(dataset, self.dataset) and self.classifier is not None:
            self.dataset = dataset  # reopened: the same images, another object
            return
        if same_dataset(dataset, self._training_for):
            return
        self.classifier, self.dataset = None, None
        self._training_for = dataset
        start_job(
            classifier_job,
            dataset,
            lambda: self._shut_down or dataset is not self._training_for,
            on_yield=lambda record: self._on_record(dataset, record),
            on_error=lambda error: self._on_error(dataset, error),
            on_finished=lambda: self.progress.emit("", 0, 0),
        )

    def classifier_for(self, dataset: Any) -> Any:
        """The ready classifier of ``dataset``, or None."""
        return self.classifier if same_dataset(dataset, self.dataset) else None

    def labeller(self):
        """A function naming one image with the classifier ready now (None without one), for
        the decoder's worker: it keeps that classifier even if another dataset's replaces
        it meanwhile."""
        classifier = self.classifier
        if classifier is None:
            return None
        return lambda image: _label_with(classifier, image)

    def label_of(self, image: np.ndarray) -> str | None:
        """The class the classifier sees in one H×W×C uint8 image, or None."""
        return None if self.classifier is None else _label_with(self.classifier, image)

    def measure(self, data: Any, model: Any) -> None:
        """Measure click fidelity of ``data`` (now, or once the classifier is ready)."""
        if data.cloud.labels is None or self._shut_down:
            return
        if self.classifier is None or data.cloud.class_names != self.classifier.class_names:
            self._waiting = (data, model)
            return
        start_job(
            fidelity_job,
            data,
            model,
            self.classifier,
            on_result=lambda results: self.fidelity_measured.emit(data, results),
            on_error=lambda error: self.error_raised.emit("Could not measure the map", str(error)),
        )

    def shutdown(self) -> None:
        self._shut_down = True
        self._waiting = None

    def _on_record(self, dataset: Any, record: Any) -> None:
        from latentlab.training.classifier import TrainedClassifier

        if dataset is not self._training_for:
            return
        if isinstance(record, TrainedClassifier):
            self.classifier, self.dataset, self._training_for = record, dataset, None
            self.ready.emit(dataset, record)
            if self._waiting is not None:
                data, model = self._waiting
                self._waiting = None
                self.measure(data, model)
        else:
            self.progress.emit("Training the domain classifier", record.step, record.total_steps)

    def _on_error(self, dataset: Any, error: Exception) -> None:
        if dataset is self._training_for:
            self._training_for = None
            self.error_raised.emit("Could not train the domain classifier", str(error))


def _label_with(classifier: Any, image: np.ndarray) -> str | None:
    """The class ``classifier`` sees in one H×W×C uint8 image (None for another shape)."""
    from latentlab.training.classifier import predict_labels

    if image.shape[-1] != classifier.image_shape[0]:
        return None
    if tuple(image.shape[:2]) != tuple(classifier.image_shape[1:]):
        return None
    return classifier.class_names[int(predict_labels(classifier.model, image[None])[0])]


def same_dataset(a: Any, b: Any) -> bool:
    """The same dataset, also when reopened as another object (another checkpoint of it)."""
    from latentlab.session import DatasetIdentity

    return (
        a is not None
        and b is not None
        and (a is b or DatasetIdentity.of(a) == DatasetIdentity.of(b))
    )
