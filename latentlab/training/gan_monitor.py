"""Watching a GAN learn: sample quality after every epoch, and warnings for the ways GANs fail.

- ``DiscriminatorWatch`` reads the progress records. A discriminator that tells real from
  generated images almost perfectly, for stretch after stretch, has won outright: its
  gradients no longer show the generator how to improve.
- ``SampleCensus`` is the domain classifier's class histogram of generated samples. A
  generator collapsed onto a few modes draws some classes rarely or never.
- ``GanQualityMonitor`` measures, after each epoch, the Fréchet distance between classifier
  features of generated and real test images (the same features as ``latentlab eval``), and
  the census of the same samples (the same latents every epoch, so epochs compare).

``GanRunWatch`` puts them together for a run: hand it each record of ``Trainer.run()`` and
yield what it returns. The CLI and the app's training job both do.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from latentlab.data import ImageSet
from latentlab.gan_losses import GAN_LOSSES
from latentlab.model_kinds import MODEL_KINDS
from latentlab.models import LatentModel
from latentlab.training.classifier import (
    ClassifierError,
    ClassifierProgress,
    TrainedClassifier,
    classifier_features,
    classify_with_features,
    load_or_train_classifier,
)
from latentlab.training.evaluation.frechet import (
    _classifier_on,
    frechet_distance,
    generate_uint8,
)
from latentlab.training.records import EpochFinished, StepProgress

# The discriminator has won when, in every one of the last WATCH_RECORDS progress records,
# it gave real images more than WINS_REAL and generated ones less than WINS_FAKE on average.
WINS_REAL = 0.95
WINS_FAKE = 0.05
WATCH_RECORDS = 10  # 200 steps at the default log_every of 20
# A class is missing when its share of the samples is below MISSING_FRACTION of its share of
# the real test images; the samples are collapsed when the effective number of classes they
# cover (the exponential of the histogram's entropy) is below COLLAPSED_FRACTION of the real one.
MISSING_FRACTION = 0.2
COLLAPSED_FRACTION = 0.5
# Early samples are blobs a classifier files under one or two classes (on digits for the first
# ~300 steps): the census is judged only after COLLAPSE_WARMUP_STEPS generator updates, and a
# census must look collapsed COLLAPSE_EPOCHS epochs in a row to be called a collapse.
COLLAPSE_WARMUP_STEPS = 600
COLLAPSE_EPOCHS = 2
QUALITY_SAMPLES = 2_000

WarningKind = Literal["discriminator-wins", "mode-collapse"]


@dataclass(frozen=True)
class GanWarning:
    """Training is going wrong in a way GANs do (``active``), or no longer is (not active)."""

    kind: WarningKind
    message: str
    step: int
    active: bool = True


@dataclass(frozen=True)
class SampleCensus:
    """The domain classifier's verdict on generated samples, next to the real class shares."""

    class_names: tuple[str, ...]
    counts: np.ndarray  # K int64: samples predicted as each class
    real_shares: np.ndarray  # K float64: each class's share of the real test images
    # How far the census can be trusted: the classifier's accuracy on real test images
    # (None when not known), against chance (always answering the commonest class).
    classifier_accuracy: float | None = None

    @property
    def chance(self) -> float:
        return float(self.real_shares.max()) if len(self.real_shares) else 0.0

    def trust_note(self) -> str:
        """What the census is worth: '' without the classifier's accuracy."""
        if self.classifier_accuracy is None:
            return ""
        text = (
            f"the classifier gets {self.classifier_accuracy:.0%} of real test images right "
            f"(chance {self.chance:.0%})"
        )
        if self.classifier_accuracy < self.chance + 0.1:
            text += ": its census of the samples tells little"
        return text

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def shares(self) -> np.ndarray:
        return self.counts / max(self.total, 1)

    @property
    def effective_classes(self) -> float:
        """exp(entropy) of the sample histogram: K for an even spread, 1 for a single class."""
        return _effective_count(self.shares)

    @property
    def real_effective_classes(self) -> float:
        return _effective_count(self.real_shares)

    def missing_classes(self) -> tuple[str, ...]:
        """Classes drawn at less than MISSING_FRACTION of their real share."""
        missing = (self.real_shares > 0) & (self.shares < MISSING_FRACTION * self.real_shares)
        return tuple(name for name, gone in zip(self.class_names, missing, strict=True) if gone)

    @property
    def looks_collapsed(self) -> bool:
        narrow = self.effective_classes < COLLAPSED_FRACTION * self.real_effective_classes
        return narrow or bool(self.missing_classes())

    def describe(self) -> str:
        """One sentence: the most drawn classes and the missing ones."""
        order = np.argsort(-self.counts, kind="stable")
        top = ", ".join(
            f"{self.class_names[i]} ({self.shares[i]:.0%})" for i in order[:3] if self.counts[i]
        )
        text = (
            f"the classifier files {self.total:,} samples mostly as {top} "
            f"(about {self.effective_classes:.1f} of {len(self.class_names)} classes in use)"
        )
        missing = self.missing_classes()
        if missing:
            text += f"; {_name_list(missing)} {'is' if len(missing) == 1 else 'are'} missing"
        return text


@dataclass(frozen=True)
class GanEpochQuality:
    """Sample quality after one epoch."""

    epoch: int  # 0-based, as in EpochFinished
    step: int
    frechet_distance: float
    reference_distance: float | None  # training vs test images, same count: the floor
    samples: int
    census: SampleCensus


class DiscriminatorWatch:
    """Warns once when the discriminator wins outright, and once when it stops winning."""

    def __init__(self, gan_loss: str = "non-saturating", records: int = WATCH_RECORDS) -> None:
        self.gan_loss = gan_loss
        self._recent: deque[tuple[float, float]] = deque(maxlen=records)
        self.warned = False

    def update(self, record: StepProgress) -> GanWarning | None:
        real, fake = record.losses.get("D(x)"), record.losses.get("D(G(z))")
        if real is None or fake is None or GAN_LOSSES.get(self.gan_loss).critic:
            return None  # a critic's scores are no probabilities: it never "wins outright"
        self._recent.append((real, fake))
        if len(self._recent) < (self._recent.maxlen or 1):
            return None
        winning = [r > WINS_REAL and f < WINS_FAKE for r, f in self._recent]
        if all(winning) and not self.warned:
            self.warned = True
            return GanWarning("discriminator-wins", self._message(record), record.step)
        if self.warned and not any(winning):
            self.warned = False
            return GanWarning(
                "discriminator-wins",
                "The discriminator no longer wins outright: the generator is learning again.",
                record.step,
                active=False,
            )
        return None

    def _message(self, record: StepProgress) -> str:
        real = np.mean([r for r, _ in self._recent])
        fake = np.mean([f for _, f in self._recent])
        remedy = (
            "Switch to the non-saturating generator loss, which keeps its gradients when the "
            "discriminator is sure"
            if GAN_LOSSES.get(self.gan_loss).saturates_when_d_wins
            else "Try a lower learning rate, a smaller discriminator (fewer base channels) or "
            "another seed"
        )
        return (
            f"The discriminator is winning outright: over the last {len(self._recent)} updates "
            f"it gave real images {real:.2f} and generated ones {fake:.3f} on average. Its "
            f"gradients no longer show the generator how to improve, so samples stop getting "
            f"better. {remedy}."
        )


class GanQualityMonitor:
    """Fréchet distance and class census of a fixed set of samples, epoch after epoch."""

    def __init__(
        self,
        classifier: TrainedClassifier,
        dataset: ImageSet,
        *,
        samples: int = QUALITY_SAMPLES,
        seed: int = 0,
    ) -> None:
        if dataset.labels is None:
            raise ValueError("the sample census needs a labelled dataset")
        self.classifier = classifier
        self.class_names = classifier.class_names
        self.seed = seed
        real = dataset.split("test") if bool(dataset.test_mask.any()) else dataset
        self.samples = min(samples, len(real))
        pick = torch.randperm(len(real), generator=torch.Generator().manual_seed(seed))
        real_rows = pick[: self.samples]
        net = classifier.model
        self._real_features = classifier_features(net, real.images[real_rows])
        real_labels = real.labels[real_rows].numpy()
        counts = np.bincount(real_labels, minlength=len(self.class_names))
        self.real_shares = counts / max(counts.sum(), 1)
        self.reference_distance = self._reference(dataset, real, net)
        self._collapsed_epochs = 0
        self.warned = False

    def measure(self, model: LatentModel, *, epoch: int, step: int) -> GanEpochQuality:
        """Generate the samples (the same latents every time) and judge them."""
        was_training = model.training
        model.eval()  # batch norm: running statistics, as the app's samples use
        try:
            fake = generate_uint8(model, self.samples, self.seed)
        finally:
            model.train(was_training)
        net = _classifier_on(self.classifier.model, model.device)
        features, predicted = classify_with_features(net, fake)
        census = SampleCensus(
            class_names=self.class_names,
            counts=np.bincount(predicted, minlength=len(self.class_names)),
            real_shares=self.real_shares,
            classifier_accuracy=self.classifier.test_accuracy,
        )
        return GanEpochQuality(
            epoch=epoch,
            step=step,
            frechet_distance=frechet_distance(features, self._real_features),
            reference_distance=self.reference_distance,
            samples=self.samples,
            census=census,
        )

    def collapse_warning(self, quality: GanEpochQuality) -> GanWarning | None:
        """A warning once the census has looked collapsed COLLAPSE_EPOCHS epochs in a row (and
        an all-clear when it no longer does)."""
        census = quality.census
        judged = quality.step >= COLLAPSE_WARMUP_STEPS and census.looks_collapsed
        self._collapsed_epochs = self._collapsed_epochs + 1 if judged else 0
        if self._collapsed_epochs >= COLLAPSE_EPOCHS and not self.warned:
            self.warned = True
            return GanWarning(
                "mode-collapse",
                f"Possible mode collapse: {census.describe()}. The generator may be drawing "
                f"a few kinds of image whatever the latent. If it lasts, restart with another "
                f"seed or a lower learning rate.",
                quality.step,
            )
        if self.warned and not census.looks_collapsed:
            self.warned = False
            return GanWarning(
                "mode-collapse",
                f"The samples cover the classes again: {census.describe()}.",
                quality.step,
                active=False,
            )
        return None

    def _reference(self, dataset: ImageSet, real: ImageSet, net: Any) -> float | None:
        """Training images against the same test images: what a perfect generator would get
        with this many samples (the distance is biased upwards at small counts)."""
        if real is dataset:
            return None
        train = dataset.split("train")
        n = min(self.samples, len(train))
        if n < 2:
            return None
        pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(self.seed + 1))
        features = classifier_features(net, train.images[pick[:n]])
        return frechet_distance(features, self._real_features[:n])


class GanRunWatch:
    """Everything watched during a GAN run. ``observe`` each trainer record (from the thread
    that iterates the run) and yield the records it returns after it."""

    def __init__(
        self,
        model: Callable[[], LatentModel],
        monitor: GanQualityMonitor | None,
        gan_loss: str = "non-saturating",
    ) -> None:
        self._model = model
        self.monitor = monitor
        self.discriminator = DiscriminatorWatch(gan_loss)

    def observe(self, record: object) -> list[GanWarning | GanEpochQuality]:
        found: list[GanWarning | GanEpochQuality] = []
        if isinstance(record, StepProgress):
            warning = self.discriminator.update(record)
            if warning is not None:
                found.append(warning)
        elif isinstance(record, EpochFinished) and self.monitor is not None:
            quality = self.monitor.measure(self._model(), epoch=record.epoch, step=record.step)
            found.append(quality)
            warning = self.monitor.collapse_warning(quality)
            if warning is not None:
                found.append(warning)
        return found


def prepare_quality_monitor(
    dataset: ImageSet,
    *,
    samples: int = QUALITY_SAMPLES,
    should_stop: Callable[[], bool] | None = None,
) -> Generator[ClassifierProgress, None, GanQualityMonitor | None]:
    """Load (or train, yielding its progress) the dataset's domain classifier and build the
    monitor; None for unlabelled data, which has no classes to judge samples by, and when
    ``should_stop`` ended the classifier's training."""
    if dataset.labels is None or len(dataset.class_names) < 2:
        return None
    classifier = None
    try:
        for record in load_or_train_classifier(dataset, should_stop=should_stop):
            if isinstance(record, TrainedClassifier):
                classifier = record
            else:
                yield record
    except ClassifierError:  # stopped, or data no classifier can learn: train without it
        return None
    if classifier is None:
        return None
    return GanQualityMonitor(classifier, dataset, samples=samples)


def prepare_run_watch(
    trainer: Any,
    dataset: ImageSet,
    *,
    judge_samples: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> Generator[ClassifierProgress, None, GanRunWatch | None]:
    """What watches a run (the app's training job and ``latentlab train`` alike): for a GAN,
    its warnings and, with ``judge_samples`` and labelled data, the Fréchet distance and class
    census after every epoch (the domain classifier is trained first unless it is cached,
    yielding its progress); None for the other models."""
    config = trainer.model_config
    if not MODEL_KINDS.get(config.kind).adversarial:
        return None
    monitor = None
    if judge_samples:
        monitor = yield from prepare_quality_monitor(dataset, should_stop=should_stop)
    return GanRunWatch(lambda: trainer.model, monitor, config.gan_loss)


def _effective_count(shares: np.ndarray) -> float:
    p = np.asarray(shares, dtype=np.float64)
    p = p[p > 0]
    return float(math.exp(-(p * np.log(p)).sum())) if p.size else 0.0


def _name_list(names: tuple[str, ...]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
