"""The Diffusion panel's work: training, opening and saving a prior of the explored
autoencoder, drawing samples with their denoising paths on the map, and the noise paths of
the Interpolation panel's "noise" method.

The prior itself lives in the explorer state (``state.prior``), which keeps it only for the
weights whose codes it learned. Training runs on its own thread (``dedicated_pool``), so the
map, the classifier and the decoder keep theirs; sampling and noise paths are short jobs on
the global pool, latest request wins. All three run on one OpenMP thread (the prior's
operations are small: see ``latentlab.openmp_threads``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from latentlab.error_text import user_message
from latentlab.latent.diffusion_sampling import draw_samples, noise_path
from latentlab.latent.recipes import DiffusionSampleRecipe
from latentlab.openmp_threads import one_openmp_thread
from latentlab.ui.background import dedicated_pool, start_job
from latentlab.ui.diffusion.diffusion_dock import DiffusionDock

TRAJECTORIES = "trajectories"  # the placement refiner's name for the samples' paths
PRIOR_FILTER = "Diffusion priors (*.prior.safetensors);;All files (*)"


class DiffusionController(QObject):
    """Connects the Diffusion panel to the explorer state, the map and the decoder."""

    prior_trained = Signal(object)  # PriorFile, trained (or stopped) and in use
    samples_drawn = Signal(object)  # DiffusionSamples, drawn from the prior in use
    trajectories_shown = Signal()  # the samples' paths are on the map
    status_changed = Signal(str)
    error_raised = Signal(str, str)

    def __init__(self, window: QWidget, explorer: Any, dock: DiffusionDock) -> None:
        super().__init__(window)
        self.window = window
        self.explorer = explorer
        self.state = explorer.state
        self.dock = dock
        self.map = explorer.map
        self.samples: Any = None  # DiffusionSamples drawn from state.prior
        self._pool: Any = None
        self._control: Any = None  # the running training's TrainingControl
        self._training_model: Any = None
        self._sampling = False
        self._pending_request: Any = None
        self._noise_job = False
        self._pending_noise: np.ndarray | None = None
        self._shut_down = False

        self.state.prior_changed.connect(self._on_prior_changed)
        self.state.model_switched.connect(self._on_model_switched)
        self.state.map_changed.connect(self._on_map_changed)
        self.state.keypoints.noise_path_wanted.connect(self._on_noise_path_wanted)
        explorer.placer.placed.connect(self._on_placed)
        dock.train_requested.connect(self.train)
        dock.cancel_requested.connect(self.cancel)
        dock.open_requested.connect(self.ask_open_prior)
        dock.save_requested.connect(self.ask_save_prior)
        dock.sample_requested.connect(self.sample)
        dock.step_chosen.connect(self.show_step)
        dock.clear_requested.connect(self._drop_samples)

    # -- the model and its prior --------------------------------------------------------

    def _on_model_switched(self, switch: Any) -> None:
        dataset = self.state.dataset
        names = tuple(getattr(dataset, "class_names", ()) or ()) if dataset is not None else ()
        self.dock.set_model(switch.after.has_encoder, names)
        self._show_prior(self.state.prior)
        if self._control is not None and self.state.model is not self._training_model:
            self._control.stop()  # its prior would be of weights no longer explored
            self.status_changed.emit("Prior training stopped: another model is explored.")

    def _on_prior_changed(self, prior_file: Any) -> None:
        self._show_prior(prior_file)
        self.explorer.interpolation.set_noise_available(prior_file is not None)
        self.state.keypoints.forget_noise_path()  # made through another prior's noise
        self._drop_samples()

    def _show_prior(self, prior_file: Any) -> None:
        if prior_file is None:
            self.dock.set_prior(None, False, False)
            return
        text = prior_file.describe()
        if prior_file.path is not None:
            text += f" ({prior_file.path.name})"
        resumable = not prior_file.finished and prior_file.resume is not None
        self.dock.set_prior(text, prior_file.prior.config.conditional, resumable)

    def look_beside(self, checkpoint: str | Path) -> None:
        """Open the prior saved beside ``checkpoint`` (run.prior.safetensors), if there is
        one; one of other weights is named in the status bar, not used."""
        from latentlab.training.prior_file import default_prior_path

        path = default_prior_path(checkpoint)
        if path.is_file():
            self._open(path, quiet=True)

    def ask_open_prior(self) -> None:
        folder = "" if self.state.fingerprint.path is None else str(self.state.fingerprint.path)
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open diffusion prior", folder, PRIOR_FILTER
        )
        if path:
            self.open_prior(path)

    def open_prior(self, path: str | Path) -> None:
        """Open a prior file on a worker and use it, if it learned this model's codes."""
        self._open(Path(path), quiet=False)

    def _open(self, path: Path, quiet: bool) -> None:
        from latentlab.training.prior_file import load_prior

        model = self.state.model
        start_job(
            load_prior,
            path,
            on_result=lambda prior_file: self._use_opened(model, prior_file, quiet),
            on_error=lambda error: self._open_failed(path, error, quiet),
        )

    def _use_opened(self, model: Any, prior_file: Any, quiet: bool) -> None:
        if model is not self.state.model:
            return  # opened for a model no longer explored
        problem = self.state.set_prior(prior_file)
        name = prior_file.path.name
        if problem is None:
            self.status_changed.emit(f"Opened the diffusion prior {name}.")
        elif quiet:
            self.status_changed.emit(f"Not using {name} found beside the checkpoint: {problem}")
        else:
            self.error_raised.emit("Not a prior of this model", f"{name}: {problem}")

    def _open_failed(self, path: Path, error: Exception, quiet: bool) -> None:
        from latentlab.training import CheckpointError

        message = user_message(error, (CheckpointError,), f"{path} (while opening it)")
        if quiet:
            self.status_changed.emit(f"Could not open the prior beside the checkpoint: {message}")
        else:
            self.error_raised.emit("Could not open the prior", message)

    def ask_save_prior(self) -> None:
        prior_file = self.state.prior
        if prior_file is None:
            return
        from latentlab.training.prior_file import default_prior_path

        checkpoint = self.state.fingerprint.path
        default = str(default_prior_path(checkpoint)) if checkpoint else "prior.safetensors"
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save diffusion prior", default, PRIOR_FILTER
        )
        if path:
            self.save_prior(path)

    def save_prior(self, path: str | Path) -> None:
        """Write the prior in use to ``path`` on a worker (atomically; it stays open)."""
        from latentlab.training.prior_file import save_prior

        prior_file = self.state.prior
        if prior_file is None:
            return
        start_job(
            save_prior,
            path,
            prior_file,
            on_result=lambda written: self._on_saved(prior_file, written),
            on_error=lambda error: self.error_raised.emit(
                "Could not save the prior",
                user_message(error, (), f"Saving {path}") + " The prior is still open.",
            ),
        )

    def _on_saved(self, prior_file: Any, path: Path) -> None:
        self.status_changed.emit(f"Saved the diffusion prior to {path}")
        if prior_file is self.state.prior:
            self.state.set_prior(dataclasses.replace(prior_file, path=Path(path)))

    # -- training -----------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return self._control is not None

    def train(self, steps: int) -> None:
        """Train a prior of ``steps`` steps on the explored model's training codes, or
        continue the stopped prior in use."""
        from latentlab.jobs.priors import PriorRequest, train_prior_job
        from latentlab.training import TrainingControl
        from latentlab.training.prior_training import PriorTrainConfig

        model, dataset = self.state.model, self.state.dataset
        if self.training or model is None or self._shut_down:
            return
        if dataset is None:
            self.error_raised.emit(
                "No training images",
                "A prior learns the codes of the model's training images, and its dataset is "
                "not loaded.",
            )
            return
        resume = self.state.prior
        if resume is None or resume.finished or resume.resume is None:
            resume = None
        config = PriorTrainConfig(steps=int(steps)) if resume is None else resume.train_config
        request = PriorRequest(config, resume=resume)
        self._control, self._training_model = TrainingControl(), model
        self._pool = self._pool or dedicated_pool()
        self.dock.set_training(True)
        start_job(
            _train_on_one_thread,
            train_prior_job,
            model,
            dataset,
            request,
            self._control,
            on_yield=self._on_progress,
            on_result=lambda prior_file: self._on_trained(model, prior_file),
            on_error=self._on_training_failed,
            on_finished=self._on_training_finished,
            pool=self._pool,
        )

    def cancel(self) -> None:
        if self._control is not None:
            self._control.stop()

    def _on_progress(self, record: Any) -> None:
        from latentlab.jobs.priors import CodesProgress

        if isinstance(record, CodesProgress):
            self.dock.show_progress(record.done, record.total, "encoding the images %p%")
            return
        if not hasattr(record, "total_steps"):
            return
        left = ""
        if 0 < record.step < record.total_steps and record.elapsed_seconds > 0:
            rate = record.step / record.elapsed_seconds
            left = f" · {(record.total_steps - record.step) / rate:.0f} s left"
        self.dock.show_progress(
            record.step,
            record.total_steps,
            f"step {record.step:,} of {record.total_steps:,} · loss {record.loss:.3f}{left}",
        )

    def _on_trained(self, model: Any, prior_file: Any) -> None:
        if prior_file is None or self._shut_down:
            return  # stopped while encoding: nothing was learned
        if model is not self.state.model:
            self.status_changed.emit("The prior was trained for weights no longer explored.")
            return
        problem = self.state.set_prior(prior_file)
        if problem is not None:
            self.error_raised.emit("Could not use the prior", problem)
            return
        self.prior_trained.emit(prior_file)
        checkpoint = self.state.fingerprint.path
        if checkpoint is not None:
            from latentlab.training.prior_file import default_prior_path

            self.save_prior(default_prior_path(checkpoint))  # reopened with the checkpoint
        else:
            self.status_changed.emit(
                "Trained a diffusion prior for this unsaved run: Save prior… keeps it."
            )

    def _on_training_failed(self, error: Exception) -> None:
        from latentlab.training import CheckpointError

        expected = (ValueError, FloatingPointError, CheckpointError, MemoryError)
        try:
            import torch

            expected += (torch.OutOfMemoryError,)
        except (ImportError, AttributeError):
            pass
        self.error_raised.emit(
            "Could not train the prior", user_message(error, expected, "Training the prior")
        )

    def _on_training_finished(self) -> None:
        self._control = self._training_model = None
        self.dock.set_training(False)

    # -- samples ------------------------------------------------------------------------

    def sample(self, request: Any) -> None:
        """Draw ``request``'s samples from the prior in use on a worker (latest wins)."""
        if self.state.prior is None or self._shut_down:
            return
        self._pending_request = request
        self._start_sampling()

    def _start_sampling(self) -> None:
        if self._sampling or self._pending_request is None:
            return
        request, self._pending_request = self._pending_request, None
        prior_file = self.state.prior
        if prior_file is None:
            return
        self._sampling = True
        start_job(
            _on_one_thread,
            draw_samples,
            prior_file.prior,
            request,
            on_result=lambda samples: self._on_sampled(prior_file, samples),
            on_error=lambda error: self.error_raised.emit(
                "Could not sample", user_message(error, (ValueError,), "Sampling")
            ),
            on_finished=self._on_sampling_finished,
        )

    def _on_sampling_finished(self) -> None:
        self._sampling = False
        self._start_sampling()

    def _on_sampled(self, prior_file: Any, samples: Any) -> None:
        if prior_file is not self.state.prior or not self.state.accepts(samples.latents):
            return
        self.samples = samples
        self.dock.show_samples(len(samples.latents), samples.steps)
        self._draw_trajectories()
        self.samples_drawn.emit(samples)
        self.show_step(self.dock.step(), self.dock.selected_sample())

    def show_step(self, step: int, selected: int) -> None:
        """Every sample at ``step`` on the map; sample ``selected`` there in the preview."""
        samples, prior_file = self.samples, self.state.prior
        if samples is None or prior_file is None:
            return
        step = int(np.clip(step, 0, samples.steps))
        selected = int(np.clip(selected, 0, len(samples.latents) - 1))
        self.map.trajectories.set_step(step, selected)
        request = samples.request
        class_name = None
        if (
            prior_file.prior.config.conditional
            and request.class_index is not None
            and self.state.dataset is not None
        ):
            class_name = str(self.state.dataset.class_names[request.class_index])
        recipe = DiffusionSampleRecipe(
            prior="unsaved" if prior_file.path is None else prior_file.path.name,
            sampler=request.sampler,
            steps=samples.steps,
            seed=request.seed,
            count=len(samples.latents),
            index=selected,
            step=step,
            class_name=class_name,
            guidance=request.guidance if class_name is not None else None,
        )
        self.explorer.show_latent(samples.trajectories[step, selected], _describe(recipe), recipe)

    def _draw_trajectories(self) -> None:
        """Put the samples' paths where the map places their codes: at once where that is
        cheap, again when a worker has refined them (t-SNE)."""
        samples, data = self.samples, self.state.map_data
        self.explorer.placer.forget(TRAJECTORIES)
        if samples is None or data is None:
            self.map.trajectories.clear()
            return
        flat = samples.trajectories.reshape(-1, samples.trajectories.shape[2])
        if data.instant_placement:
            self._show_paths(samples, data.to_map(flat))
        else:
            self.map.trajectories.clear()
        self.explorer.placer.request(TRAJECTORIES, data, flat, tag=samples)

    def _on_placed(self, name: str, data: Any, xy: np.ndarray, tag: Any) -> None:
        current = self.state.map_data
        if name != TRAJECTORIES or tag is not self.samples or current is None:
            return
        if data.projection is current.projection:
            self._show_paths(tag, xy)

    def _show_paths(self, samples: Any, xy: np.ndarray) -> None:
        steps, count = samples.trajectories.shape[:2]
        self.map.trajectories.set_paths(np.asarray(xy).reshape(steps, count, 2))
        self.map.trajectories.set_step(self.dock.step(), self.dock.selected_sample())
        self.trajectories_shown.emit()

    def _on_map_changed(self, data: Any) -> None:
        if data is None:
            self.map.trajectories.clear()
        elif self.samples is not None and self.state.accepts(self.samples.latents):
            self._draw_trajectories()

    def _drop_samples(self) -> None:
        self.samples = None
        self._pending_request = None
        self.explorer.placer.forget(TRAJECTORIES)
        self.map.trajectories.clear()
        self.dock.show_samples(0, 0)

    # -- noise paths for the Interpolation panel -----------------------------------------

    def _on_noise_path_wanted(self, keypoints: np.ndarray) -> None:
        if self.state.prior is None or not self.state.accepts(keypoints):
            return
        self._pending_noise = keypoints
        self._start_noise_path()

    def _start_noise_path(self) -> None:
        if self._noise_job or self._pending_noise is None or self._shut_down:
            return
        keypoints, self._pending_noise = self._pending_noise, None
        prior_file = self.state.prior
        if prior_file is None:
            return
        self._noise_job = True
        start_job(
            _on_one_thread,
            noise_path,
            prior_file.prior,
            keypoints,
            on_result=lambda path: self._on_noise_path(prior_file, keypoints, path),
            on_error=lambda error: self.error_raised.emit(
                "Could not find the noise path",
                user_message(error, (ValueError,), "The noise path"),
            ),
            on_finished=self._on_noise_path_finished,
        )

    def _on_noise_path(self, prior_file: Any, keypoints: np.ndarray, path: np.ndarray) -> None:
        if prior_file is self.state.prior:
            self.state.keypoints.set_noise_path(keypoints, path)

    def _on_noise_path_finished(self) -> None:
        self._noise_job = False
        self._start_noise_path()

    def shutdown(self) -> None:
        self._shut_down = True
        self._pending_request = self._pending_noise = None
        self.cancel()


def _on_one_thread(func: Any, *args: Any) -> Any:
    with one_openmp_thread():
        return func(*args)


def _train_on_one_thread(job: Any, *args: Any):
    """``job(*args)``'s records (a generator), computed on one OpenMP thread."""
    with one_openmp_thread():
        return (yield from job(*args))


def _describe(recipe: DiffusionSampleRecipe) -> str:
    """'diffusion sample 3 of 12 · step 20/50 · class 7, guidance 3.0'."""
    text = f"diffusion sample {recipe.index + 1} of {recipe.count}"
    if recipe.step < recipe.steps:
        text += f" · step {recipe.step}/{recipe.steps}"
    if recipe.class_name is not None:
        text += f" · class {recipe.class_name}, guidance {recipe.guidance:.1f}"
    return text
