"""The Metrics panel and models opened through adapters, in the app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from gui_helpers import TIMEOUT, click_map, decoded_preview
from PySide6.QtWidgets import QMessageBox

from latentlab.jobs.models import AdapterRequest

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


def open_adapter_and_wait(qtbot, window, request):
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_adapter(request)


def test_the_metrics_panel_evaluates_the_explored_vae(qtbot, window, digits_checkpoint):
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_checkpoint(digits_checkpoint)
    dock = window.metrics_dock
    assert dock.run_button.isEnabled() and dock.setting.isEnabled()  # the likelihood settings apply
    dock.k.setValue(5)
    dock.max_images.setValue(60)
    with qtbot.waitSignal(dock.evaluated, timeout=3 * TIMEOUT) as evaluated:
        dock.run_button.click()
    result = evaluated.args[0]
    assert result.iwae_k == 5 and result.n_images == 60
    assert result.nll_iwae <= result.negative_elbo + 1e-6  # a tighter bound than the ELBO
    text = dock.summary.text()
    assert "IWAE k = 5" in text and "active units" in text and "Fréchet distance" in text
    assert dock.kl_plot.isVisibleTo(dock) and dock.error_plot.isVisibleTo(dock)
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)


def test_the_classic_pytorch_examples_vae_opens_through_its_adapter(qtbot, window, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("example_vae", EXAMPLES / "mlp_vae_adapter.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    weights = tmp_path / "vae.pth"
    torch.save(module.build().state_dict(), weights)  # as pytorch/examples' script would
    request = AdapterRequest(
        adapter_path=str(EXAMPLES / "mlp_vae_adapter.py"),
        weights_path=str(weights),
        dataset_spec="digits",
    )
    open_adapter_and_wait(qtbot, window, request)
    model = window.explorer.model
    assert model.latent_dim == 20 and tuple(model.image_shape) == (1, 28, 28)
    assert window.map.point_count() == 359  # the digits test split, resized to 28×28
    x0, x1, y0, y1 = window.map.view_range()
    image = decoded_preview(
        qtbot, window, lambda: click_map(qtbot, window, (x0 + x1) / 2, (y0 + y1) / 2)
    )
    assert image.shape == (28, 28, 1)
    assert "mlp_vae_adapter.py" in window.model_label.text()
    assert str(weights) not in window._recent_files()  # recent files reopen checkpoints
    # The example adapter also offers the likelihood bounds: the Metrics panel measures them.
    dock = window.metrics_dock
    assert dock.setting.isEnabled()
    dock.k.setValue(4)
    dock.max_images.setValue(40)
    with qtbot.waitSignal(dock.evaluated, timeout=3 * TIMEOUT) as evaluated:
        dock.run_button.click()
    result = evaluated.args[0]
    assert result.iwae_k == 4 and np.isfinite(result.nll_iwae)
    assert result.nll_iwae <= result.negative_elbo + 1e-6
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)


def test_a_decoder_in_minus_one_to_one_is_offered_tanh_rescaling(
    qtbot, window, tmp_path, monkeypatch
):
    adapter = tmp_path / "tanh_decoder.py"
    adapter.write_text(
        "import torch\n"
        "from torch import nn\n"
        "LATENT_DIM = 4\n"
        "IMAGE_SHAPE = (1, 8, 8)\n"
        "def build():\n"
        "    return nn.Sequential(nn.Linear(4, 64), nn.Tanh())\n"
        "def decode(module, z):\n"
        "    return module(z * 10).view(-1, 1, 8, 8)\n"
    )
    torch.manual_seed(0)
    weights = tmp_path / "decoder.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Tanh()).state_dict(), weights)
    asked = []

    def answer_yes(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    request = AdapterRequest(
        adapter_path=str(adapter), weights_path=str(weights), dataset_spec=None
    )
    open_adapter_and_wait(qtbot, window, request)
    assert asked and "tanh" in asked[0]
    assert window.map.point_count() > 0  # prior samples: a decoder-only model
    images = window.explorer.map_data.cloud.images
    assert images.min() >= 0 and images.max() <= 255 and np.ptp(images) > 0


def test_the_binarized_mnist_box_reaches_evaluate(qtbot, digits, monkeypatch):
    from latentlab.config import ModelConfig
    from latentlab.models import build_model
    from latentlab.training import evaluation
    from latentlab.ui.metrics_dock import MetricsDock

    calls = []
    real_evaluate = evaluation.evaluate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_evaluate(*args, **{**kwargs, "fd_samples": 0})  # no classifier to train

    monkeypatch.setattr(evaluation, "evaluate", spy)
    dock = MetricsDock()
    qtbot.addWidget(dock)
    torch.manual_seed(0)
    vae = build_model(ModelConfig(kind="vae", latent_dim=4), digits.image_shape).eval()
    dock.set_model(vae, digits)
    assert dock.binarize.isEnabled() and not dock.binarize.isChecked()  # not trained binarized
    dock.k.setValue(2)
    dock.max_images.setValue(20)
    dock.binarize.setChecked(True)
    with qtbot.waitSignal(dock.evaluated, timeout=TIMEOUT) as evaluated:
        dock.run_button.click()
    result = evaluated.args[0]
    assert calls[-1]["binarize"] is True
    assert result.binarized and result.binarize_seed == 0 and "grey images" not in result.note
    assert "binarized images (seed 0)" in dock.summary.text()
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)

    dock.binarize.setChecked(False)
    with qtbot.waitSignal(dock.evaluated, timeout=TIMEOUT) as evaluated:
        dock.run_button.click()
    assert calls[-1]["binarize"] is False and not evaluated.args[0].binarized
    assert "grey images" in dock.summary.text()
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)

    # A model trained on binarized images starts checked; a GAN has no likelihood to binarize.
    other_vae = build_model(ModelConfig(kind="vae", latent_dim=4), digits.image_shape)
    dock.set_model(other_vae, digits, trained_binarized=True)
    assert dock.binarize.isEnabled() and dock.binarize.isChecked()
    gan = build_model(ModelConfig(kind="dcgan", latent_dim=4), digits.image_shape)
    dock.set_model(gan, digits, trained_binarized=True)
    assert not dock.binarize.isEnabled() and not dock.binarize.isChecked()
    assert "Bernoulli decoder" in dock.binarize.toolTip()


def test_the_metrics_panel_shows_the_eta_and_the_budgets_choice(qtbot, digits, monkeypatch):
    from latentlab.config import ModelConfig
    from latentlab.models import build_model
    from latentlab.training import evaluation
    from latentlab.ui.metrics_dock import MetricsDock

    real_evaluate = evaluation.evaluate
    asked = []

    class FakeClock:  # 0.02 s a reading: the rate, the plan and the ETAs do not hang on load
        now = 0.0

        def __call__(self):
            self.now += 0.02
            return self.now

    def with_fake_clock(*args, **kwargs):
        asked.append(kwargs)
        return real_evaluate(*args, **{**kwargs, "fd_samples": 0, "clock": FakeClock()})

    monkeypatch.setattr(evaluation, "evaluate", with_fake_clock)
    dock = MetricsDock()
    qtbot.addWidget(dock)
    torch.manual_seed(0)
    dock.set_model(build_model(ModelConfig(kind="vae", latent_dim=4), digits.image_shape), digits)
    assert dock.setting.currentData() == "budget" and dock.budget.isEnabled()
    dock.budget.setValue(6)

    def eta_on_screen(record) -> bool:
        # Checked as the record is shown, on the GUI thread: the label is this record's.
        text = dock.progress_label.text()
        return (
            record.phase == "likelihood"
            and record.eta_seconds is not None
            and "ELBO and IWAE bound, k = 100" in text
            and "ETA 0:" in text
            and "chosen to fit a budget of 6 s" in text
        )

    with (
        qtbot.waitSignal(dock.evaluated, timeout=3 * TIMEOUT) as evaluated,
        qtbot.waitSignal(dock.progress_shown, timeout=TIMEOUT, check_params_cb=eta_on_screen),
    ):
        dock.run_button.click()
    assert asked[-1]["budget_seconds"] == 6.0 and asked[-1]["k"] is None
    result = evaluated.args[0]
    assert (result.iwae_k, result.n_images) == (100, 359)
    assert "k = 100 on all 359 test images, chosen to fit a budget of 6 s" in dock.summary.text()
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)

    # Editing k makes the setting Custom; the paper setting asks for k = 5,000 on all images.
    dock.k.setValue(3)
    assert dock.setting.currentData() == "custom" and not dock.budget.isEnabled()
    dock.max_images.setValue(30)
    with qtbot.waitSignal(dock.evaluated, timeout=TIMEOUT):
        dock.run_button.click()
    assert asked[-1]["k"] == 3 and asked[-1]["max_images"] == 30
    assert asked[-1]["budget_seconds"] is None
    qtbot.waitUntil(lambda: dock.run_button.isEnabled(), timeout=TIMEOUT)
