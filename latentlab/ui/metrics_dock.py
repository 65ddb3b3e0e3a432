"""The Metrics panel: the model measured as papers do (``latentlab eval`` in the app).

Runs ``latentlab.training.evaluation.evaluate`` on a worker for the model being explored:
the ELBO and its terms, the IWAE bound on −log p(x), active units with the KL of each latent
dimension, the reconstruction-error histogram, and the Fréchet distance of samples on the
domain classifier's features. For VAEs with a Bernoulli decoder, "Binarized MNIST" computes
the likelihood on test images binarized once with a fixed seed (``latentlab eval
--binarize``), as published tables do.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

PHASES = {
    "likelihood": "Likelihood bounds",
    "reconstruction": "Reconstructions",
    "classifier": "Training the domain classifier",
    "samples": "Generating samples",
    "features": "Classifier features",
}
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
):
    """``evaluate`` for the app: progress records, then the Evaluation."""
    from latentlab.training.evaluation import EvaluationStopped, evaluate

    try:
        yield from evaluate(
            model, dataset, k=k, max_images=max_images, binarize=binarize, should_stop=stop
        )
    except EvaluationStopped:
        return


class MetricsDock(QDockWidget):
    """Evaluate the explored model; shows the numbers and two small charts."""

    evaluated = Signal(object)  # Evaluation
    error_raised = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Metrics", parent)
        self.setObjectName("MetricsDock")
        self.model: Any = None
        self.dataset: Any = None
        self._running = False
        self._stop = False
        self._token = 0

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        form = QFormLayout()
        self.k = QSpinBox(minimum=1, maximum=10_000, value=100)
        self.k.setToolTip("Importance samples of the IWAE bound (papers use 5,000)")
        self.max_images = QSpinBox(minimum=0, maximum=1_000_000, singleStep=500, value=2_000)
        self.max_images.setSpecialValueText("all")
        self.max_images.setGroupSeparatorShown(True)
        self.max_images.setToolTip("Test images to evaluate (all: comparable with papers)")
        self.binarize = QCheckBox("Binarized MNIST (Bernoulli likelihood)")
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
        self.k.setEnabled(has_posterior)
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
        has_posterior = self.k.isEnabled()
        start_job(
            evaluation_job,
            self.model,
            self.dataset,
            self.k.value() if has_posterior else None,
            self.max_images.value() or None,
            lambda: self._stop,
            self.binarize.isChecked() if has_posterior else None,
            on_yield=lambda record: self._on_record(token, record),
            on_error=lambda error: self._on_error(token, error),
            on_finished=lambda: self._set_running(False),
        )

    def cancel(self) -> None:
        self._stop = True

    def shutdown(self) -> None:
        self._stop = True

    # -- results ------------------------------------------------------------------------

    def _on_record(self, token: int, record: Any) -> None:
        from latentlab.training.evaluation import Evaluation

        if token != self._token:
            return
        if isinstance(record, Evaluation):
            self.show_evaluation(record)
            self.evaluated.emit(record)
            return
        self.progress.setRange(0, max(record.total, 1))
        self.progress.setValue(record.done)
        self.progress.setFormat(f"{PHASES.get(record.phase, record.phase)} %v/%m")

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
        note = f"<p style='color:#9a6700'>{html.escape(result.note)}</p>" if result.note else ""
        self.summary.setText(f"<table cellspacing='4'>{table}</table>{note}")
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
        self.run_button.setEnabled(
            not running and self.model is not None and self.dataset is not None
        )
