"""How long a run should be: counted in optimizer steps, not epochs.

A preset's epochs suit its dataset's size; a set of a few hundred images at the same epochs
gets a few dozen steps and learns nothing but the average image. So a plan sizes the batch
to the set (at least ``MIN_STEPS_PER_EPOCH`` steps per epoch) and takes as many epochs as
reach the kind's target number of steps, never fewer than the preset's. Qt-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from latentlab.model_kinds import MODEL_KINDS
from latentlab.presets import Preset

TARGET_STEPS = 800  # VAEs and autoencoders: the bundled presets all reach this
TARGET_ADVERSARIAL_STEPS = 2_500  # GANs need more (the presets' gan_epochs reach this)
TOO_FEW_STEPS = 300  # below this a run is warned about: it will not learn much
MIN_STEPS_PER_EPOCH = 8
MIN_BATCH = 8
MAX_PLANNED_EPOCHS = 2_000
# The rough time estimate, from the trainer's own images/s on this project's 2-core machine
# (AMD EPYC): a conv VAE at 28×28 with 32 base channels and batch 64 trains ~4,000 images/s
# on quiet cores (2,200 under a load of 3; 9,500 at batch 128 in benchmarks/
# train_throughput.py); at 64×64 it was 8× slower for 5.2× the pixels (one more block), so
# cost grows as pixels ** 1.27; a DCGAN step cost 1.5× a VAE's.
CPU_IMAGES_PER_SECOND = 4_000
PIXEL_EXPONENT = 1.27
ADVERSARIAL_COST = 1.5


@dataclass(frozen=True)
class TrainingPlan:
    batch_size: int
    epochs: int
    steps_per_epoch: int

    @property
    def steps(self) -> int:
        return self.epochs * self.steps_per_epoch


def target_steps(kind: str) -> int:
    return TARGET_ADVERSARIAL_STEPS if MODEL_KINDS.get(kind).adversarial else TARGET_STEPS


def steps_per_epoch(train_images: int, batch_size: int) -> int:
    """Optimizer steps of one pass over ``train_images``: full batches only (the trainer
    leaves the remainder to the next epoch's shuffle)."""
    return max(1, train_images // max(1, batch_size))


def plan_training(preset: Preset, kind: str, train_images: int) -> TrainingPlan:
    """The batch size and epochs for ``train_images`` training images of a ``kind`` model."""
    batch = preset.batch_size
    while batch > MIN_BATCH and train_images / batch < MIN_STEPS_PER_EPOCH:
        batch //= 2
    per_epoch = steps_per_epoch(train_images, batch)
    needed = math.ceil(target_steps(kind) / per_epoch)
    epochs = min(MAX_PLANNED_EPOCHS, max(preset.epochs_for(kind), needed))
    return TrainingPlan(batch, epochs, per_epoch)


def too_few_steps(steps: int, kind: str) -> str | None:
    """A warning when ``steps`` are too few to learn anything, else None."""
    if steps >= TOO_FEW_STEPS:
        return None
    return (
        f"Only {steps:,} optimizer steps: too few to learn much (every image may come out as "
        f"the average). Aim for about {target_steps(kind):,}: more epochs or a smaller batch."
    )


def rough_cpu_seconds(
    kind: str, architecture: str, images: int, image_shape: tuple[int, int, int], base: int
) -> float:
    """Seconds to train on ``images`` images on a 2-core CPU: a rough guide, scaled from the
    measured speed of a 28×28 conv VAE by pixels and channel width (an MLP is far cheaper)."""
    channels, height, width = image_shape
    pixels = (height * width / (28 * 28)) ** PIXEL_EXPONENT
    cost = pixels * (channels if architecture == "mlp" else (base / 32) ** 2)
    if architecture == "mlp":
        cost *= 0.2
    if MODEL_KINDS.get(kind).adversarial:
        cost *= ADVERSARIAL_COST
    return images * cost / CPU_IMAGES_PER_SECOND


def rough_duration(seconds: float) -> str:
    """'20 s', '3 min', '2.5 h': a rough figure, as rough as its estimate."""
    if seconds < 55:
        return f"{max(5, round(seconds / 5) * 5)} s"
    if seconds < 3_300:
        return f"{max(1, round(seconds / 60))} min"
    return f"{seconds / 3_600:.1f} h"
