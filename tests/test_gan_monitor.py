"""Watching a GAN train: Fréchet distance per epoch, the class census, and the warnings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentlab.config import ModelConfig, TrainConfig
from latentlab.models import LatentModel
from latentlab.training import (
    GanEpochQuality,
    GanQualityMonitor,
    GanRunWatch,
    GanWarning,
    SampleCensus,
    StepProgress,
    Trainer,
)
from latentlab.training.classifier import load_or_train_classifier
from latentlab.training.gan_monitor import (
    COLLAPSE_EPOCHS,
    COLLAPSE_WARMUP_STEPS,
    WATCH_RECORDS,
    DiscriminatorWatch,
    prepare_quality_monitor,
)


@pytest.fixture(scope="module")
def classifier(digits):
    *_, trained = load_or_train_classifier(digits)
    return trained


@pytest.fixture(scope="module")
def monitor(classifier, digits):
    return GanQualityMonitor(classifier, digits)


def step(n: int, real: float, fake: float) -> StepProgress:
    losses = {"discriminator": 0.1, "generator": 5.0, "D(x)": real, "D(G(z))": fake}
    return StepProgress(0, 1, n, 1000, losses, 1000.0, 1.0)


class OneImageGenerator(LatentModel):
    """A collapsed generator: every latent gives the same test digit."""

    has_encoder = False

    def __init__(self, image: torch.Tensor) -> None:
        super().__init__(ModelConfig(kind="dcgan", latent_dim=8), tuple(image.shape))
        self.register_buffer("image", image.float() / 255)
        self.gain = torch.nn.Parameter(torch.ones(()))  # a model has parameters (its device)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self.gain * self.image).expand(len(z), *self.image.shape)


# -- Fréchet distance while training -------------------------------------------------------------


def test_frechet_distance_falls_as_a_gan_learns_the_digits(digits, monitor):
    trainer = Trainer(
        ModelConfig(kind="dcgan", latent_dim=8), TrainConfig(epochs=8, batch_size=32), digits
    )
    watch = GanRunWatch(lambda: trainer.model, monitor)
    before = monitor.measure(trainer.model, epoch=-1, step=0)
    qualities = [q for r in trainer.run() for q in watch.observe(r)]
    curve = [q for q in qualities if isinstance(q, GanEpochQuality)]

    assert [q.epoch for q in curve] == list(range(8))
    distances = [q.frechet_distance for q in curve]
    assert distances[-1] < distances[0] < before.frechet_distance
    assert distances[-1] < 0.5 * distances[0]
    # Still far above what real digits score against the test digits.
    assert curve[-1].reference_distance < distances[-1]
    assert curve[-1].samples == len(digits.split("test")) == curve[-1].census.total


def test_the_same_samples_are_judged_every_epoch(digits, monitor):
    model = Trainer(ModelConfig(kind="dcgan", latent_dim=8), TrainConfig(epochs=1), digits).model
    first = monitor.measure(model, epoch=0, step=0)
    again = monitor.measure(model, epoch=0, step=0)
    assert first.frechet_distance == again.frechet_distance
    np.testing.assert_array_equal(first.census.counts, again.census.counts)
    assert model.training  # measuring put it back as it was


def test_the_reference_distance_is_the_floor(monitor):
    assert 0 < monitor.reference_distance < 30


# -- mode collapse ---------------------------------------------------------------------------------


def test_a_generator_of_one_digit_is_called_collapsed(digits, monitor):
    test = digits.split("test")
    three = test.images[int((test.labels == 3).nonzero()[0])]
    quality = monitor.measure(OneImageGenerator(three), epoch=0, step=COLLAPSE_WARMUP_STEPS)

    census = quality.census
    assert census.shares[3] > 0.95
    assert census.effective_classes < 1.5
    assert set(census.missing_classes()) == set(test.class_names) - {"3"}
    assert census.looks_collapsed

    warnings = [monitor.collapse_warning(quality) for _ in range(COLLAPSE_EPOCHS)]
    assert warnings[:-1] == [None] * (COLLAPSE_EPOCHS - 1)  # one epoch alone is not enough
    warning = warnings[-1]
    assert warning.kind == "mode-collapse" and warning.active
    assert "3 (100%)" in warning.message and "missing" in warning.message
    assert monitor.collapse_warning(quality) is None  # said once


def test_early_blobs_are_not_called_a_collapse(digits, classifier):
    monitor = GanQualityMonitor(classifier, digits)
    blob = torch.full((1, 16, 16), 128, dtype=torch.uint8)
    quality = monitor.measure(OneImageGenerator(blob), epoch=0, step=COLLAPSE_WARMUP_STEPS - 1)
    assert quality.census.looks_collapsed
    assert all(monitor.collapse_warning(quality) is None for _ in range(5))


def test_a_spread_like_the_real_one_is_not_collapsed():
    names = tuple("0123456789")
    real = np.full(10, 0.1)
    census = SampleCensus(names, np.array([90, 110, 100, 95, 105, 100, 98, 102, 100, 100]), real)
    assert census.effective_classes > 9.9
    assert not census.looks_collapsed and census.missing_classes() == ()
    lopsided = SampleCensus(names, np.array([300, 300, 300, 30, 25, 25, 10, 5, 3, 2]), real)
    assert lopsided.missing_classes() == ("6", "7", "8", "9")  # under 2% of the samples
    assert lopsided.looks_collapsed


def test_the_census_says_how_far_its_classifier_can_be_trusted():
    names, real = tuple("0123456789"), np.full(10, 0.1)
    counts = np.full(10, 100)
    trusted = SampleCensus(names, counts, real, classifier_accuracy=0.98)
    assert trusted.trust_note() == "the classifier gets 98% of real test images right (chance 10%)"
    weak = SampleCensus(names, counts, real, classifier_accuracy=0.15)
    assert weak.trust_note().endswith(": its census of the samples tells little")
    assert SampleCensus(names, counts, real).trust_note() == ""


# -- the discriminator winning ---------------------------------------------------------------------


def test_a_discriminator_that_wins_outright_is_reported_once_and_then_cleared():
    watch = DiscriminatorWatch()
    said = [watch.update(step(i, 0.99, 0.01)) for i in range(WATCH_RECORDS + 5)]
    warnings = [w for w in said if w is not None]
    assert len(warnings) == 1 and warnings[0].active
    assert said.index(warnings[0]) == WATCH_RECORDS - 1  # after a whole window, not one record
    assert "winning outright" in warnings[0].message and "0.99" in warnings[0].message

    said = [watch.update(step(100 + i, 0.7, 0.3)) for i in range(WATCH_RECORDS)]
    cleared = [w for w in said if w is not None]
    assert len(cleared) == 1 and not cleared[0].active


def test_a_close_game_or_a_brief_lead_gives_no_warning():
    watch = DiscriminatorWatch()
    records = [step(i, 0.99, 0.01) for i in range(WATCH_RECORDS - 1)]
    records += [step(50, 0.8, 0.2)] + [step(60 + i, 0.6, 0.4) for i in range(30)]
    assert all(watch.update(r) is None for r in records)


def test_the_minimax_loss_is_told_to_switch():
    watch = DiscriminatorWatch("minimax")
    said = [watch.update(step(i, 0.99, 0.01)) for i in range(WATCH_RECORDS)]
    assert "non-saturating" in said[-1].message


def test_the_run_watch_reports_quality_after_each_epoch(digits, monitor):
    trainer = Trainer(ModelConfig(kind="dcgan", latent_dim=8), TrainConfig(epochs=2), digits)
    watch = GanRunWatch(lambda: trainer.model, monitor)
    found = [(type(r).__name__, x) for r in trainer.run() for x in watch.observe(r)]
    assert [type(x) for _, x in found if not isinstance(x, GanWarning)] == [GanEpochQuality] * 2


def test_unlabelled_data_gets_no_monitor(tiny_images):
    from latentlab.data import ImageSet

    unlabelled = ImageSet("blobs", tiny_images.images, None, (), tiny_images.test_mask)
    steps = prepare_quality_monitor(unlabelled)
    with pytest.raises(StopIteration) as done:
        next(steps)
    assert done.value.value is None
