"""The Diffusion panel: a diffusion prior over the explored autoencoder's codes.

Train one (or open one saved beside the checkpoint), then "Sample with diffusion": the
samples' denoising paths are drawn on the map, the step scrubber moves every sample back and
forth in time and decodes the selected one into the preview. For a conditional prior, the
class and the guidance strength (0 … 5) draw the samples again as they move.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from latentlab.latent.diffusion_sampling import SAMPLER_LABELS, SampleRequest
from latentlab.ui.widgets.scrolling import scrollable
from latentlab.ui.widgets.sections import section_title

GUIDANCE_STEPS_PER_UNIT = 10  # the guidance slider moves in steps of 0.1
MAX_GUIDANCE = 5.0
ANY_CLASS = -1
MAX_SAMPLES = 100
MAX_STEPS = 250
NO_PRIOR_TEXT = (
    "No diffusion prior for this model. Train one on its codes (a minute or two on a laptop's "
    "CPU for MNIST), or open a .prior.safetensors file."
)
NO_ENCODER_TEXT = (
    "A diffusion prior learns an autoencoder's codes: open or train a VAE or an autoencoder."
)


class DiffusionDock(QtWidgets.QDockWidget):
    """Train, open and save a prior; draw samples; scrub through their steps."""

    train_requested = QtCore.Signal(int)  # training steps
    cancel_requested = QtCore.Signal()
    open_requested = QtCore.Signal()
    save_requested = QtCore.Signal()
    sample_requested = QtCore.Signal(object)  # SampleRequest
    step_chosen = QtCore.Signal(int, int)  # step (0: the noise), selected sample
    clear_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Diffusion", parent)
        self.setObjectName("DiffusionDock")
        self._has_samples = False
        self._training = False
        self._has_prior = False
        self._can_train = False
        self._resumable = False
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)

        layout.addWidget(section_title("Prior"))
        self.prior_label = QtWidgets.QLabel(NO_ENCODER_TEXT)
        self.prior_label.setWordWrap(True)
        layout.addWidget(self.prior_label)
        train_row = QtWidgets.QHBoxLayout()
        self.train_steps = QtWidgets.QSpinBox(minimum=100, maximum=200_000, singleStep=500)
        self.train_steps.setValue(4000)
        self.train_steps.setGroupSeparatorShown(True)
        self.train_steps.setSuffix(" steps")
        self.train_steps.setToolTip("Optimiser steps of 256 codes (4,000: ~90 s for MNIST)")
        self.train_button = QtWidgets.QPushButton("Train prior")
        self.train_button.setToolTip(
            "Encode the training images and learn their codes' distribution with a small "
            "denoising network (DDPM objective, cosine noise schedule)"
        )
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop between steps; what was learned so far is kept")
        train_row.addWidget(self.train_steps, 1)
        train_row.addWidget(self.train_button)
        train_row.addWidget(self.cancel_button)
        layout.addLayout(train_row)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        layout.addWidget(self.progress)
        file_row = QtWidgets.QHBoxLayout()
        self.open_button = QtWidgets.QPushButton("Open prior…")
        self.save_button = QtWidgets.QPushButton("Save prior…")
        file_row.addWidget(self.open_button)
        file_row.addWidget(self.save_button)
        layout.addLayout(file_row)

        layout.addWidget(section_title("Samples"))
        form = QtWidgets.QFormLayout()
        # Every step of every sample is placed on the map (on the GUI thread first, for a
        # t-SNE map by nearest points): 100 × 250 steps keeps that to a fraction of a second.
        self.count = QtWidgets.QSpinBox(minimum=1, maximum=MAX_SAMPLES, value=12)
        self.count.setToolTip("How many codes to draw at once")
        self.steps = QtWidgets.QSpinBox(minimum=2, maximum=MAX_STEPS, value=50)
        self.steps.setToolTip(
            "Denoising steps from the noise to the sample (DDIM skips steps of the 1,000 the "
            "prior was trained with; 25–50 are enough)"
        )
        self.sampler = QtWidgets.QComboBox()
        for key, label in SAMPLER_LABELS.items():
            self.sampler.addItem(label, key)
        self.sampler.setToolTip(
            "DDIM (Song et al. 2021): the same noise always gives the same sample.\n"
            "DDPM (Ho et al. 2020): fresh noise is added at every step."
        )
        self.seed = QtWidgets.QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setToolTip("The starting noise: the same seed starts from the same noise")
        self.class_choice = QtWidgets.QComboBox()
        self.class_choice.setToolTip("The class the samples are guided to (a conditional prior)")
        guidance_row = QtWidgets.QHBoxLayout()
        self.guidance = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.guidance.setRange(0, round(MAX_GUIDANCE * GUIDANCE_STEPS_PER_UNIT))
        self.guidance.setValue(3 * GUIDANCE_STEPS_PER_UNIT)
        self.guidance.setToolTip(
            "Classifier-free guidance (Ho & Salimans 2022): 0 ignores the class, 1 is the "
            "conditional prior, above 1 pushes the samples further towards the class"
        )
        self.guidance_label = QtWidgets.QLabel()
        self.guidance_label.setMinimumWidth(28)
        guidance_row.addWidget(self.guidance, 1)
        guidance_row.addWidget(self.guidance_label)
        form.addRow("Samples", self.count)
        form.addRow("Steps", self.steps)
        form.addRow("Sampler", self.sampler)
        form.addRow("Seed", self.seed)
        form.addRow("Class", self.class_choice)
        form.addRow("Guidance", guidance_row)
        layout.addLayout(form)
        self.sample_button = QtWidgets.QPushButton("Sample with diffusion")
        self.sample_button.setToolTip(
            "Draw codes from the prior; their denoising paths are drawn on the map"
        )
        sample_row = QtWidgets.QHBoxLayout()
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.clear_button.setToolTip("Take the samples and their paths off the map")
        sample_row.addWidget(self.sample_button, 1)
        sample_row.addWidget(self.clear_button)
        layout.addLayout(sample_row)

        layout.addWidget(section_title("Denoising steps"))
        scrub = QtWidgets.QGridLayout()
        self.step_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.step_slider.setToolTip(
            "Move every sample back and forth in time: left is the noise, right the sample"
        )
        self.step_label = QtWidgets.QLabel()
        self.selected = QtWidgets.QSpinBox(minimum=1, maximum=1)
        self.selected.setPrefix("sample ")
        self.selected.setToolTip("The sample decoded into the preview and drawn bold on the map")
        scrub.addWidget(self.step_slider, 0, 0)
        scrub.addWidget(self.selected, 0, 1)
        scrub.addWidget(self.step_label, 1, 0, 1, 2)
        scrub.setColumnStretch(0, 1)
        layout.addLayout(scrub)
        layout.addStretch(1)
        self.setWidget(scrollable(body))

        self.train_button.clicked.connect(
            lambda: self.train_requested.emit(self.train_steps.value())
        )
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.save_button.clicked.connect(self.save_requested)
        self.clear_button.clicked.connect(self.clear_requested)
        self.sample_button.clicked.connect(lambda: self.sample_requested.emit(self.request()))
        self.guidance.valueChanged.connect(self._on_guidance_moved)
        self.class_choice.currentIndexChanged.connect(lambda _i: self._sample_again())
        self.step_slider.valueChanged.connect(self._emit_step)
        self.selected.valueChanged.connect(self._emit_step)
        self._show_guidance()
        self.set_model(False, ())
        self.show_samples(0, 0)

    # -- what the panel is for ----------------------------------------------------------

    def set_model(self, has_encoder: bool, class_names: Sequence[str]) -> None:
        """The explored model: a prior can be trained for one with an encoder, of its
        dataset's classes."""
        self._can_train = bool(has_encoder)
        self.class_choice.blockSignals(True)
        self.class_choice.clear()
        self.class_choice.addItem("any class", ANY_CLASS)
        for index, name in enumerate(class_names):
            self.class_choice.addItem(str(name), index)
        self.class_choice.blockSignals(False)
        self.set_prior(None, False, False)
        self.show_samples(0, 0)

    def set_prior(self, description: str | None, conditional: bool, resumable: bool) -> None:
        """The prior in use (None: none); ``resumable``: stopped before its last step."""
        self._has_prior = description is not None
        self._resumable = resumable
        if description is not None:
            self.prior_label.setText(description[0].upper() + description[1:] + ".")
        else:
            self.prior_label.setText(NO_PRIOR_TEXT if self._can_train else NO_ENCODER_TEXT)
        self.class_choice.setEnabled(self._has_prior and conditional)
        self.guidance.setEnabled(self._has_prior and conditional)
        if not conditional:
            self.class_choice.setCurrentIndex(0)
        self._refresh()

    def set_training(self, training: bool) -> None:
        self._training = training
        if training:
            self.progress.setRange(0, 0)
            self.progress.setFormat("encoding the training images…")
        self._refresh()

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(text)

    def show_samples(self, count: int, steps: int) -> None:
        """Samples of ``steps`` steps are drawn (0: none). The scrubber stays where it was for
        samples drawn again with as many steps (the guidance moved), else goes to the end."""
        same_steps = self._has_samples and count > 0 and steps == self.step_slider.maximum()
        step = self.step() if same_steps else steps
        self._has_samples = count > 0
        for widget in (self.step_slider, self.selected):
            widget.blockSignals(True)
        self.step_slider.setRange(0, max(steps, 0))
        self.step_slider.setValue(step)
        self.selected.setRange(1, max(count, 1))
        for widget in (self.step_slider, self.selected):
            widget.blockSignals(False)
        self._show_step()
        self._refresh()

    # -- what the user asked for --------------------------------------------------------

    def request(self) -> SampleRequest:
        class_index = self.class_choice.currentData()
        return SampleRequest(
            count=self.count.value(),
            steps=self.steps.value(),
            sampler=self.sampler.currentData(),
            seed=self.seed.value(),
            class_index=None
            if class_index in (None, ANY_CLASS) or not self.class_choice.isEnabled()
            else int(class_index),
            guidance=self.guidance_value(),
        )

    def guidance_value(self) -> float:
        return self.guidance.value() / GUIDANCE_STEPS_PER_UNIT

    def set_guidance(self, value: float) -> None:
        """Move the guidance slider (as a user would: samples are drawn again)."""
        self.guidance.setValue(round(value * GUIDANCE_STEPS_PER_UNIT))

    def step(self) -> int:
        return self.step_slider.value()

    def set_step(self, step: int) -> None:
        """Move the step scrubber (as a user would)."""
        self.step_slider.setValue(step)

    def selected_sample(self) -> int:
        """0-based index of the sample shown in the preview."""
        return self.selected.value() - 1

    def _on_guidance_moved(self) -> None:
        self._show_guidance()
        self._sample_again()

    def _sample_again(self) -> None:
        """Class and guidance redraw samples already drawn (same seed: only they change)."""
        if self._has_samples and self._has_prior:
            self.sample_requested.emit(self.request())

    def _emit_step(self) -> None:
        self._show_step()
        if self._has_samples:
            self.step_chosen.emit(self.step(), self.selected_sample())

    def _show_guidance(self) -> None:
        self.guidance_label.setText(f"{self.guidance_value():.1f}")

    def _show_step(self) -> None:
        steps = self.step_slider.maximum()
        if not self._has_samples:
            self.step_label.setText("Draw samples to scrub through their denoising steps.")
        elif self.step() == 0:
            self.step_label.setText(f"step 0 of {steps}: the noise")
        elif self.step() == steps:
            self.step_label.setText(f"step {steps} of {steps}: the samples")
        else:
            self.step_label.setText(f"step {self.step()} of {steps}: partly denoised")

    def _refresh(self) -> None:
        training = self._training
        self.train_button.setEnabled(self._can_train and not training)
        self.train_button.setText("Continue training" if self._resumable else "Train prior")
        self.train_steps.setEnabled(self._can_train and not training and not self._resumable)
        self.cancel_button.setEnabled(training)
        self.progress.setVisible(training)
        self.open_button.setEnabled(self._can_train and not training)
        self.save_button.setEnabled(self._has_prior and not training)
        self.sample_button.setEnabled(self._has_prior)
        self.clear_button.setEnabled(self._has_samples)
        self.step_slider.setEnabled(self._has_samples)
        self.selected.setEnabled(self._has_samples)
