"""The Metrics panel: the model measured as papers do (``latentlab eval`` in the app).

Runs ``latentlab.training.evaluation.evaluate`` on a worker for the model being explored:
the ELBO and its terms, the IWAE bound on −log p(x), active units with the KL of each latent
dimension, the reconstruction-error histogram, and the Fréchet distance of samples on the
domain classifier's features. For VAEs with a Bernoulli decoder, "Binarized MNIST" computes
the likelihood on test images binarized once with a fixed seed (``latentlab eval
--binarize``), as published tables do. As ``latentlab eval`` does by default, k and the test
images can be chosen to fit a time budget; the progress line gives the phase, its measured rate
and the ETA, and the results say what was chosen and why.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latentlab.ui.background import start_job
from latentlab.ui.widgets.scrolling import scrollable

# How k and the test images are chosen: (label, mode). Custom uses the two spin boxes.
SETTINGS = (
    ("Fit a time budget", "budget"),
    ("Paper: k = 5,000 on all test images", "paper"),
    ("Custom k and test images", "custom"),
)
ACTIVE_BRUSH, INACTIVE_BRUSH = pg.mkBrush(31, 119, 180), pg.mkBrush(190, 190, 190)
BINARIZE_TIP = (
    "Binarize the test images once, with a fixed seed, before computing the likelihood: the "
    "Bernoulli likelihood is a proper one only for binary pixels, and published tables "
    "(binarized MNIST) use it. On by default for models trained with binarization."
)
NO_BINARIZE_TIP = (
    "Only for VAEs with a Bernoulli decoder: this model has no likelihood bound to compute on "
    "binarized images."
)


def evaluation_job(
    model: Any,
    dataset: Any,
    k: int | None,
    max_images: int | None,
    stop,
    binarize: bool | None = None,
    budget_seconds: float | None = None,
):
    """``evaluate`` for the app: progress records, the plan, then the Evaluation."""
    from latentlab.training.evaluation import EvaluationStopped, evaluate

    try:
        yield from evaluate(
            model,
            dataset,
            k=k,
            max_images=max_images,
            budget_seconds=budget_seconds,
            binarize=binarize,
            should_stop=stop,
        )
    except EvaluationStopped:
        return


class MetricsDock(QDockWidget):
    """Evaluate the explored model; shows the numbers and two small charts."""

    evaluated = Signal(object)  # Evaluation
    progress_shown = Signal(object)  # the EvaluationProgress the panel now shows
    error_raised = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Metrics", parent)
        self.setObjectName("MetricsDock")
        self.model: Any = None
        self.dataset: Any = None
        self._running = False
        self._stop = False
        self._token = 0
        self._has_posterior = False
        self._plan_text = ""

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        from latentlab.training.evaluation import DEFAULT_BUDGET_SECONDS

        form = QFormLayout()
        self.setting = QComboBox()
        for label, mode in SETTINGS:
            self.setting.addItem(label, mode)
        self.setting.setToolTip(
            "How k and the test images are chosen. A time budget times a first chunk and picks "
            "what fits (a smaller k gives a looser bound); the paper setting takes as long as it "
            "takes; Custom uses k and the test images below."
        )
        self.budget = QSpinBox(minimum=5, maximum=24 * 3600, singleStep=30, suffix=" s")
        self.budget.setValue(round(DEFAULT_BUDGET_SECONDS))
        self.budget.setToolTip("Seconds for the IWAE pass when fitting a time budget")
        self.k = QSpinBox(minimum=1, maximum=10_000, value=100)
        self.k.setToolTip("Importance samples of the IWAE bound (papers use 5,000)")
        self.max_images = QSpinBox(minimum=0, maximum=1_000_000, singleStep=500, value=2_000)
        self.max_images.setSpecialValueText("all")
        self.max_images.setGroupSeparatorShown(True)
        self.max_images.setToolTip("Test images to evaluate (all: comparable with papers)")
        self.binarize = QCheckBox("Binarized MNIST (Bernoulli likelihood)")
        form.addRow("Setting", self.setting)
        form.addRow("Time budget", self.budget)
        form.addRow("IWAE samples k", self.k)
        form.addRow("Test images", self.max_images)
        form.addRow(self.binarize)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("Evaluate")
        self.cancel_button = QPushButton("Cancel")
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        layout.addWidget(self.progress)
        # The phase, its measured rate and ETA while running; the chosen k and images after.
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        layout.addWidget(self.progress_label)
        self.summary = QLabel("Open or train a model, then Evaluate.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.kl_plot = self._bar_plot("KL per latent dimension (nats)", "dimension")
        self.error_plot = self._bar_plot("Reconstruction error (MSE) per image", "MSE")
        layout.addWidget(self.kl_plot)
        layout.addWidget(self.error_plot)
        layout.addStretch(1)
        self.setWidget(scrollable(body))

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.setting.currentIndexChanged.connect(self._show_setting)
        self.k.valueChanged.connect(self._use_custom)
        self.max_images.valueChanged.connect(self._use_custom)
        self._set_running(False)
        self.set_model(None, None)

    def _bar_plot(self, title: str, x_label: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(background="w")
        plot.setMinimumHeight(140)
        plot.setMaximumHeight(220)
        plot.setTitle(title, color="#444", size="9pt")
        plot.setLabel("bottom", x_label)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(False, False)
        plot.hide()
        return plot

    # -- the model ----------------------------------------------------------------------

    def set_model(self, model: Any, dataset: Any, *, trained_binarized: bool = False) -> None:
        """The model now explored (its numbers so far belong to another one).

        ``trained_binarized``: the model was trained on dynamically binarized images
        (``TrainConfig.binarize``), so "Binarized MNIST" starts checked."""
        if model is self.model:
            return
        self.model, self.dataset = model, dataset
        has_posterior = False
        if model is not None:
            from latentlab.training.evaluation import has_posterior as offers_bounds

            has_posterior = offers_bounds(model)
        self._has_posterior = has_posterior
        self._show_setting()
        # As evaluate() decides: binarization applies only to a model with the likelihood
        # bounds (a Gaussian posterior and a Bernoulli decoder).
        self.binarize.setEnabled(has_posterior)
        self.binarize.setChecked(has_posterior and trained_binarized)
        self.binarize.setToolTip(BINARIZE_TIP if has_posterior else NO_BINARIZE_TIP)
        ready = model is not None and dataset is not None and not self._running
        self.run_button.setEnabled(ready)
        if model is not None and dataset is None:
            self.summary.setText("Metrics need the model's dataset, which is not loaded.")
        elif model is not None:
            self.summary.setText("Evaluate measures this model on the test split.")

    def run(self) -> None:
        if self.model is None or self.dataset is None or self._running:
            return
        self._token += 1
        token = self._token
        self._stop = False
        self._set_running(True)
        has_posterior = self._has_posterior
        mode = self.setting.currentData() if has_posterior else "custom"
        k, max_images, budget = self.k.value(), self.max_images.value() or None, None
        if mode == "budget":
            k, max_images, budget = None, None, float(self.budget.value())
        elif mode == "paper":
            from latentlab.training.evaluation import PAPER_K

            k, max_images = PAPER_K, None
        self.progress_label.clear()
        self._plan_text = ""
        start_job(
            evaluation_job,
            self.model,
            self.dataset,
            k if has_posterior else None,
            max_images,
            lambda: self._stop,
            self.binarize.isChecked() if has_posterior else None,
            budget,
            on_yield=lambda record: self._on_record(token, record),
            on_error=lambda error: self._on_error(token, error),
            on_finished=lambda: self._set_running(False),
        )

    def cancel(self) -> None:
        self._stop = True

    def _show_setting(self) -> None:
        """Only the inputs the setting uses are enabled; a model without the likelihood bound
        has no k, and its test images are always the spin box's."""
        mode = self.setting.currentData() if self._has_posterior else "custom"
        self.setting.setEnabled(self._has_posterior)
        self.budget.setEnabled(mode == "budget")
        self.k.setEnabled(self._has_posterior and mode == "custom")
        self.max_images.setEnabled(mode == "custom")

    def _use_custom(self) -> None:
        """A k or a number of images set (by a script or a test) is a Custom setting."""
        self.setting.setCurrentIndex(self.setting.findData("custom"))

    def shutdown(self) -> None:
        self._stop = True

    # -- results ------------------------------------------------------------------------

    def _on_record(self, token: int, record: Any) -> None:
        from latentlab.training.evaluation import (
            Evaluation,
            EvaluationPlan,
            phase_name,
            progress_text,
        )

        if token != self._token:
            return
        if isinstance(record, Evaluation):
            self.show_evaluation(record)
            self.evaluated.emit(record)
            return
        if isinstance(record, EvaluationPlan):
            self._plan_text = record.text()
            return
        self.progress.setRange(0, max(record.total, 1))
        self.progress.setValue(record.done)
        self.progress.setFormat(f"{phase_name(record)} %p%")
        lines = [progress_text(record)] + ([self._plan_text] if self._plan_text else [])
        self.progress_label.setText("\n".join(lines))
        self.progress_shown.emit(record)

    def _on_error(self, token: int, error: Exception) -> None:
        if token == self._token:
            self.error_raised.emit("Could not evaluate the model", str(error))

    def show_evaluation(self, result: Any) -> None:
        """Fill the table and the charts from an Evaluation."""
        rows = []
        if result.negative_elbo is not None:
            rows += [
                ("−ELBO", f"{result.negative_elbo:.2f} nats"),
                ("reconstruction", f"{result.reconstruction:.2f} nats"),
                ("KL", f"{result.kl:.2f} nats"),
            ]
        if result.nll_iwae is not None:
            rows.append(
                (
                    f"−log p(x), IWAE k = {result.iwae_k}",
                    f"{result.nll_iwae:.2f} ± {result.nll_iwae_stderr:.2f} nats",
                )
            )
            rows.append(
                (
                    "likelihood of",
                    f"binarized images (seed {result.binarize_seed})"
                    if result.binarized
                    else "grey images",
                )
            )
        if result.kl_per_dim is not None:
            rows.append(("active units", f"{result.active_units} of {result.latent_dim}"))
        if result.mse_per_image is not None:
            rows.append(("reconstruction MSE", f"{result.mse_mean:.4f}"))
        if result.frechet_distance is not None:
            floor = result.fd_train_vs_test
            rows.append(
                (
                    f"Fréchet distance, {result.fd_samples:,} samples",
                    f"{result.frechet_distance:.2f}"
                    + ("" if floor is None else f" (train vs test: {floor:.2f})"),
                )
            )
        if result.classifier_test_accuracy is not None:
            rows.append(("classifier accuracy", f"{result.classifier_test_accuracy:.1%}"))
        rows.append(("images, time", f"{result.n_images:,} in {result.seconds:.1f} s"))
        table = "".join(
            f"<tr><td>{html.escape(name)}</td><td align='right'><b>{html.escape(value)}</b>"
            "</td></tr>"
            for name, value in rows
        )
        settings = f"<p>{html.escape(result.plan.text())}.</p>" if result.plan else ""
        note = f"<p style='color:#9a6700'>{html.escape(result.note)}</p>" if result.note else ""
        self.summary.setText(f"<table cellspacing='4'>{table}</table>{settings}{note}")
        self._draw_kl(result)
        self._draw_errors(result)

    def _draw_kl(self, result: Any) -> None:
        self.kl_plot.clear()
        if result.kl_per_dim is None:
            self.kl_plot.hide()
            return
        from latentlab.training.evaluation import ACTIVE_THRESHOLD

        kl = np.asarray(result.kl_per_dim, dtype=float)
        active = np.asarray(result.posterior_mean_variance) > ACTIVE_THRESHOLD
        brushes = [ACTIVE_BRUSH if a else INACTIVE_BRUSH for a in active]
        self.kl_plot.addItem(
            pg.BarGraphItem(x=np.arange(len(kl)), height=kl, width=0.8, brushes=brushes)
        )
        self.kl_plot.setTitle(
            f"KL per latent dimension: {int(active.sum())} active, grey = collapsed",
            color="#444",
            size="9pt",
        )
        self.kl_plot.show()

    def _draw_errors(self, result: Any) -> None:
        self.error_plot.clear()
        if result.mse_histogram_counts is None:
            self.error_plot.hide()
            return
        edges = np.asarray(result.mse_histogram_edges, dtype=float)
        counts = np.asarray(result.mse_histogram_counts, dtype=float)
        self.error_plot.addItem(
            pg.BarGraphItem(
                x0=edges[:-1], x1=edges[1:], height=counts, brush=pg.mkBrush(31, 119, 180)
            )
        )
        self.error_plot.show()

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.run_button.setEnabled(
            not running and self.model is not None and self.dataset is not None
        )
