"""The training loop: a generator of typed progress records.

The same loop runs from the CLI, the GUI's worker thread and the tests. It never talks to its
listeners; it yields records (``records.py``) and reads a ``TrainingControl`` between steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from latentlab.config import ModelConfig, TrainConfig
from latentlab.data import ImageSet
from latentlab.models import LatentModel, build_model
from latentlab.models.conditional import reconstruct
from latentlab.training.checkpoint import (
    Checkpoint,
    DatasetInfo,
    TrainingState,
    save_checkpoint,
    training_position,
)
from latentlab.training.conditioning import with_dataset_classes
from latentlab.training.control import TrainingControl
from latentlab.training.device import autocast_dtype, fits_on_device, pick_device
from latentlab.training.grids import image_grid
from latentlab.training.objectives import make_objective
from latentlab.training.records import (
    CheckpointSaved,
    EpochFinished,
    PreviewGrids,
    ProgressRecord,
    StepProgress,
    TrainingFinished,
)
from latentlab.training_plan import steps_per_epoch

LAST_CHECKPOINT_NAME = "checkpoint.safetensors"


class Trainer:
    """Trains one model on one dataset; iterate ``run()`` to drive it.

    Pass ``resume`` (a loaded checkpoint with optimizer state) to continue exactly where it
    stopped: same weights, optimizer moments, data order and random numbers.
    """

    def __init__(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        dataset: ImageSet,
        *,
        dataset_info: DatasetInfo | None = None,
        run_dir: str | Path | None = None,
        control: TrainingControl | None = None,
        resume: Checkpoint | None = None,
    ) -> None:
        model_config = with_dataset_classes(model_config, dataset)
        self.model_config = model_config
        self.train_config = train_config
        self.dataset = dataset
        self.dataset_info = dataset_info or DatasetInfo(
            name=dataset.name, class_names=dataset.class_names
        )
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.control = control or TrainingControl()
        self.device = pick_device(train_config.device)

        torch.manual_seed(train_config.seed)
        self.model: LatentModel = build_model(model_config, dataset.image_shape).to(self.device)
        use_compile = train_config.compile == "on" or (
            train_config.compile == "auto" and self.device.type == "cuda"
        )
        self.autocast_to = autocast_dtype(train_config.precision, self.device)
        self.objective = make_objective(
            self.model, train_config, self.device, use_compile, self.autocast_to
        )

        train_split = dataset.split("train")
        self._train_images = train_split.images
        if fits_on_device(self._train_images.numel(), self.device):
            # uint8 on the device: 4× smaller than float; batches are converted there.
            self._train_images = self._train_images.to(self.device)
        # A conditional model learns each image with its class.
        self._train_labels = None
        if self.model.conditional:
            self._train_labels = train_split.labels.to(self._train_images.device)
        self.steps_per_epoch = steps_per_epoch(len(train_split), train_config.batch_size)
        self.total_steps = self.steps_per_epoch * train_config.epochs

        preview_source = dataset.split("test") if dataset.test_mask.any() else train_split
        self._preview_images = preview_source.images[: train_config.preview_count // 2]
        self._preview_labels = None
        if self.model.conditional:
            self._preview_labels = preview_source.labels[: train_config.preview_count // 2]
        noise = torch.Generator().manual_seed(train_config.seed + 1)  # not the training RNG
        self._fixed_noise = torch.randn(
            train_config.preview_count, model_config.latent_dim, generator=noise
        ).to(self.device)

        self.epoch, self.step_in_epoch, self.global_step = 0, 0, 0
        self.last_losses: dict[str, float] = {}
        self.non_finite_at: int | None = None  # the step whose loss was NaN/inf, if one was
        self._elapsed_before = 0.0
        self._resume_rng: dict[str, torch.Tensor] | None = None
        if resume is not None:
            self._restore(resume)

    # -- public -------------------------------------------------------------------------

    def run(self) -> Iterator[ProgressRecord]:
        """Train until the last epoch, a stop request or a failure; the last record is
        always ``TrainingFinished``."""
        try:
            yield from self._loop()
        except torch.OutOfMemoryError:
            self._free_device_memory()
            yield TrainingFinished(
                status="failed",
                message=(
                    f"The {self.device.type.upper()} ran out of memory at batch size "
                    f"{self.train_config.batch_size}. Try a smaller batch size, e.g. "
                    f"{max(1, self.train_config.batch_size // 2)}, or a smaller model."
                ),
                step=self.global_step,
                losses=self.last_losses,
            )

    def save(self, path: str | Path, *, with_optimizer: bool = True) -> Path:
        """Write a checkpoint now (call between records, from the thread iterating ``run``)."""
        return save_checkpoint(
            path,
            self.model,
            dataset=self.dataset_info,
            training=TrainingState(
                epoch=self.epoch,
                step_in_epoch=self.step_in_epoch,
                global_step=self.global_step,
                losses=self.last_losses,
                train_config=self.train_config,
                elapsed_seconds=self._elapsed_before + self._elapsed_now(),
            ),
            optimizer_states=self.objective.optimizer_states() if with_optimizer else None,
            rng_states=self._rng_states() if with_optimizer else None,
        )

    def weights_snapshot(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the current weights, for exploring while training goes on."""
        return {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}

    # -- the loop -----------------------------------------------------------------------

    def _loop(self) -> Iterator[ProgressRecord]:
        config = self.train_config
        self._started = time.perf_counter()
        sums: dict[str, torch.Tensor] = {}
        steps_in_sums = 0
        interval_start, interval_images = time.perf_counter(), 0
        good = pending = self._snapshot()
        self.model.train()
        self._seed_random_numbers()

        while self.epoch < config.epochs:
            order = self._epoch_order(self.epoch)
            while self.step_in_epoch < self.steps_per_epoch:
                for path in self.control.take_checkpoint_requests():
                    yield CheckpointSaved(str(self.save(path)), self.global_step)
                pause_began = time.perf_counter()
                if not self.control.wait_while_paused():
                    yield from self._finish_stopped()
                    return
                interval_start += time.perf_counter() - pause_began  # a pause is not training

                start = self.step_in_epoch * config.batch_size
                index = order[start : start + config.batch_size]
                # index_select copies whole rows; [index] gathers element by element (slower).
                batch = self._train_images.index_select(0, index)
                x = batch.to(self.device, non_blocking=True).float().div_(255)
                if config.binarize:
                    # From the device's default generator, which _seed_random_numbers seeds and
                    # checkpoints save (_rng_states): a seed gives the same draws, and a resumed
                    # run draws what the uninterrupted one would have.
                    x = binarize_images(x)
                progress = self.epoch + self.step_in_epoch / self.steps_per_epoch
                if self._train_labels is None:  # an objective of a plugin may take no labels
                    losses = self.objective.step(x, progress)
                else:
                    labels = self._train_labels.index_select(0, index)
                    losses = self.objective.step(x, progress, labels)
                for name, value in losses.items():
                    sums[name] = sums[name] + value if name in sums else value.clone()
                steps_in_sums += 1
                interval_images += x.shape[0]
                self.step_in_epoch += 1
                self.global_step += 1

                end_of_epoch = self.step_in_epoch == self.steps_per_epoch
                if self.global_step % config.log_every == 0 or end_of_epoch:
                    means = {k: (v / steps_in_sums).item() for k, v in sums.items()}  # one sync
                    if not all(math.isfinite(v) for v in means.values()):
                        yield self._fail_non_finite(means, good)
                        return
                    # The state of the previous record produced only finite losses since: keep
                    # it as the one to fall back to (the last update may already be bad).
                    good, pending = pending, self._snapshot()
                    now = time.perf_counter()
                    rate = interval_images / max(now - interval_start, 1e-9)
                    self.last_losses = means
                    remaining = self.total_steps - self.global_step
                    yield StepProgress(
                        epoch=self.epoch,
                        epochs=config.epochs,
                        step=self.global_step,
                        total_steps=self.total_steps,
                        losses=means,
                        images_per_second=rate,
                        eta_seconds=remaining * config.batch_size / max(rate, 1e-9),
                    )
                    sums, steps_in_sums = {}, 0
                    interval_start, interval_images = time.perf_counter(), 0
                if self.global_step % config.preview_every == 0 or end_of_epoch:
                    yield self.previews()  # every N steps, and at least once per epoch

            self.epoch += 1
            self.step_in_epoch = 0
            saved = self._autosave()
            yield EpochFinished(
                epoch=self.epoch - 1,
                epochs=config.epochs,
                step=self.global_step,
                losses=dict(self.last_losses),
                checkpoint_path=str(saved) if saved else None,
            )
            interval_start, interval_images = time.perf_counter(), 0

        yield TrainingFinished(
            status="completed",
            message=f"Training finished after {config.epochs} epochs ({self.global_step} steps).",
            step=self.global_step,
            losses=dict(self.last_losses),
        )

    @torch.inference_mode()
    def previews(self) -> PreviewGrids:
        """Samples from the fixed noise and reconstructions of fixed test images."""
        was_training = self.model.training
        self.model.eval()
        try:
            samples = image_grid(self.model.decode(self._fixed_noise))
            reconstructions = None
            if self.model.has_encoder and len(self._preview_images):
                originals = self._preview_images.to(self.device).float().div_(255)
                recon = reconstruct(self.model, originals, self._preview_labels)
                columns = math.ceil(math.sqrt(2 * len(originals)))
                reconstructions = image_grid(_pair_rows(originals, recon, columns), columns)
        finally:
            self.model.train(was_training)
        return PreviewGrids(step=self.global_step, samples=samples, reconstructions=reconstructions)

    # -- helpers ------------------------------------------------------------------------

    def _epoch_order(self, epoch: int) -> torch.Tensor:
        """The shuffled order of one epoch: a function of (seed, epoch) only, so a resumed
        run sees the same batches as an uninterrupted one."""
        generator = torch.Generator().manual_seed(self.train_config.seed * 100_003 + epoch)
        order = torch.randperm(len(self._train_images), generator=generator)
        return order.to(self._train_images.device)

    def _snapshot(self) -> _TrainingSnapshot:
        """Everything a resume needs, copied: weights, optimizer state, random numbers and
        where the run stands."""
        return _TrainingSnapshot(
            weights=_clone_tensors(self.model.state_dict()),
            optimizers=_clone_tensors(self.objective.optimizer_states()),
            rng=self._rng_states(),
            epoch=self.epoch,
            step_in_epoch=self.step_in_epoch,
            global_step=self.global_step,
            losses=dict(self.last_losses),
        )

    def _fail_non_finite(
        self, means: dict[str, float], good: _TrainingSnapshot
    ) -> TrainingFinished:
        """Put the whole run back to the last state with finite losses, so a save now writes
        a checkpoint that resumes (not NaN moments under finite weights)."""
        failed_at = self.global_step
        self.model.load_state_dict(good.weights)
        self.objective.load_optimizer_states(_clone_tensors(good.optimizers))
        self._restore_rng(good.rng)
        self.epoch, self.step_in_epoch = good.epoch, good.step_in_epoch
        self.global_step, self.last_losses = good.global_step, dict(good.losses)
        self.non_finite_at = failed_at
        bad = ", ".join(f"{k}={v}" for k, v in means.items() if not math.isfinite(v))
        lower = f"{self.objective.learning_rate.base / 10:g}"
        return TrainingFinished(
            status="failed",
            message=(
                f"Training stopped at step {failed_at}: the loss became {bad}. The run was put "
                f"back to step {good.global_step}, the last one with finite losses (weights, "
                "optimizer state and step), and a save keeps that state. Resume it with a lower "
                f"learning rate or a smaller β, e.g. --resume CHECKPOINT --lr {lower}."
            ),
            step=good.global_step,
            losses=dict(self.last_losses),
        )

    def _finish_stopped(self) -> Iterator[ProgressRecord]:
        saved = self._autosave()
        where = f" Saved to {saved}." if saved else ""
        yield TrainingFinished(
            status="stopped",
            # What the checkpoint records (epochs done + steps into the next), so the message
            # agrees with `latentlab info`: a stop at an epoch boundary is "4 epochs + 0 steps".
            message=(
                "Training stopped after "
                f"{training_position(self.epoch, self.step_in_epoch, self.global_step)}.{where}"
            ),
            step=self.global_step,
            losses=dict(self.last_losses),
        )

    def _autosave(self) -> Path | None:
        if self.run_dir is None:
            return None
        return self.save(self.run_dir / LAST_CHECKPOINT_NAME)

    def _rng_states(self) -> dict[str, torch.Tensor]:
        states = {"cpu": torch.get_rng_state()}
        if self.device.type == "cuda":
            states["cuda"] = torch.cuda.get_rng_state(self.device)
        return states

    def _restore(self, checkpoint: Checkpoint) -> None:
        if checkpoint.model_config != self.model_config:
            raise ValueError("the checkpoint was trained with a different model configuration")
        self.model.load_state_dict(checkpoint.model.state_dict())
        state = checkpoint.training
        self.epoch, self.step_in_epoch = state.epoch, state.step_in_epoch
        self.global_step = state.global_step
        self.last_losses = dict(state.losses)
        self._elapsed_before = state.elapsed_seconds
        if checkpoint.optimizer_states:
            self.objective.load_optimizer_states(checkpoint.optimizer_states)
        self._resume_rng = checkpoint.rng_states

    def _seed_random_numbers(self) -> None:
        """Seed (or, on resume, restore) the generators the model's noise is drawn from, at the
        start of the loop: other code may have drawn numbers since the trainer was built."""
        rng = self._resume_rng or {}
        if "cpu" not in rng:
            torch.manual_seed(self.train_config.seed)
            return
        self._restore_rng(rng)

    def _restore_rng(self, rng: dict[str, torch.Tensor]) -> None:
        torch.set_rng_state(rng["cpu"])
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], self.device)

    def _elapsed_now(self) -> float:
        started = getattr(self, "_started", None)
        return 0.0 if started is None else time.perf_counter() - started

    def _free_device_memory(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


@dataclass(frozen=True)
class _TrainingSnapshot:
    weights: dict[str, torch.Tensor]
    optimizers: dict[str, Any]
    rng: dict[str, torch.Tensor]
    epoch: int
    step_in_epoch: int
    global_step: int
    losses: dict[str, float]


def _clone_tensors(value: Any) -> Any:
    """A copy of nested dicts/lists (state dicts) whose tensors are cloned, not shared."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _clone_tensors(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clone_tensors(v) for v in value)
    return value


def binarize_images(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Stochastic binarization: each pixel is 1 with probability its intensity in [0, 1], else 0.

    Salakhutdinov & Murray (2008), re-drawn for every batch ("dynamic binarization") as in the
    MNIST likelihood tables of Burda et al. (2016). Draws from ``generator`` when given, else
    from the default generator of ``x``'s device.
    """
    return torch.bernoulli(x, generator=generator)


def _pair_rows(originals: torch.Tensor, copies: torch.Tensor, columns: int) -> torch.Tensor:
    """Interleave rows of originals and their reconstructions: row 2k originals, 2k+1 copies."""
    chunks = []
    for start in range(0, len(originals), columns):
        chunks += [originals[start : start + columns], copies[start : start + columns]]
    return torch.cat([_pad_to(c, columns) for c in chunks])


def _pad_to(images: torch.Tensor, n: int) -> torch.Tensor:
    if len(images) == n:
        return images
    pad = images.new_full((n - len(images), *images.shape[1:]), 0.5)
    return torch.cat([images, pad])
