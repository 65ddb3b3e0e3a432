"""Runs are sized by optimizer steps: a tiny set gets a batch that fits and enough epochs, a
run too short to learn is warned about, in the dialog and in the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.data.sizes import training_size
from latentlab.presets import preset_for
from latentlab.training_plan import (
    TARGET_STEPS,
    TOO_FEW_STEPS,
    plan_training,
    rough_cpu_seconds,
    too_few_steps,
)


def faces_npz(path, count: int = 390, size: int = 64):
    """A few hundred 64×64 grey photos of 39 people, as a user's npz file."""
    rng = np.random.default_rng(0)
    images = rng.integers(80, 160, (count, size, size), dtype=np.uint8)
    labels = np.arange(count) % 39
    np.savez(path, images=images, labels=labels)
    return path


def test_a_tiny_set_gets_a_smaller_batch_and_enough_steps():
    preset = preset_for("npz:faces.npz")  # the general preset: 20 epochs of 64
    plan = plan_training(preset, "vae", 312)
    assert plan.batch_size == 32 and plan.steps_per_epoch == 9
    assert plan.steps >= TARGET_STEPS  # was 20 epochs × 4 steps = 80 steps
    assert plan_training(preset, "dcgan", 312).steps >= 2_500
    # The bundled sets keep their presets: they already reach the target.
    for spec, kind in (("digits", "vae"), ("mnist-small", "vae"), ("mnist-small", "dcgan")):
        preset = preset_for(spec)
        plan = plan_training(preset, kind, training_size(spec).train_images)
        assert (plan.batch_size, plan.epochs) == (preset.batch_size, preset.epochs_for(kind))


def test_a_run_too_short_to_learn_is_warned_about():
    assert "Only 80 optimizer steps" in too_few_steps(80, "vae")
    assert too_few_steps(TOO_FEW_STEPS, "vae") is None


def test_sizes_are_told_without_loading_the_images(tmp_path):
    path = faces_npz(tmp_path / "faces.npz")
    size = training_size(f"npz:{path}")
    assert size.train_images == 312 and size.image_shape == (1, 64, 64)
    assert training_size("mnist-small").train_images == 10_000
    folder = tmp_path / "pics"
    (folder / "a").mkdir(parents=True)
    for i in range(10):
        (folder / "a" / f"{i}.png").write_bytes(b"not decoded")
    assert training_size(f"folder:{folder}", image_size=32).train_images == 8
    assert training_size(f"npz:{tmp_path / 'missing.npz'}") is None


def test_the_time_estimate_grows_with_pixels_and_width():
    small = rough_cpu_seconds("vae", "conv", 10_000, (1, 28, 28), 32)
    assert 1 < small < 5  # ~4,000 images/s measured for this model on 2 quiet cores
    assert rough_cpu_seconds("vae", "conv", 10_000, (1, 64, 64), 32) > 7 * small
    assert rough_cpu_seconds("dcgan", "conv", 10_000, (1, 28, 28), 32) > 1.4 * small


def test_the_dialog_plans_a_tiny_set_and_warns_about_a_short_run(qtbot, tmp_path, monkeypatch):
    from latentlab.ui.training.training_dialog import TrainingDialog

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = faces_npz(tmp_path / "faces.npz")
    dialog = TrainingDialog()
    qtbot.addWidget(dialog)
    dialog.source_combo.setCurrentIndex(dialog.source_combo.findData("npz"))
    dialog.npz_field.line_edit.setText(str(path))
    dialog.npz_field.edited.emit()  # as typing or Browse… does
    assert dialog.batch_spin.value() == 32 and dialog.epochs_spin.value() == 89
    assert dialog.plan_label.text().startswith(
        "Planned: 801 optimizer steps (89 epochs × 9 steps of 32 on 312 training images), about"
    )
    assert "on a 2-core CPU" in dialog.plan_label.text()
    dialog.epochs_spin.setValue(8)  # the user wants it short: told, not stopped
    assert "Only 72 optimizer steps" in dialog.message_label.text()
    assert dialog.train_button.isEnabled()
    request = dialog.request()
    assert (request.train_config.epochs, request.train_config.batch_size) == (8, 32)


def test_the_cli_plans_by_steps_and_warns(tmp_path, capsys):
    from latentlab.cli import build_parser, configs_from_args, main

    path = faces_npz(tmp_path / "faces.npz", size=16)
    args = build_parser().parse_args(["train", "--dataset", f"npz:{path}"])
    _, train = configs_from_args(args, 312)
    assert (train.epochs, train.batch_size) == (89, 32)
    code = main(
        ["train", "--dataset", f"npz:{path}", "--epochs", "2", "--out", str(tmp_path / "run")]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "plan: 18 optimizer steps (2 epochs × 9 steps of 32 on 312 training images)" in (
        captured.out
    )
    assert "warning: Only 18 optimizer steps" in captured.err


@pytest.mark.parametrize("spec", ["digits", "mnist-small"])
def test_the_one_click_request_keeps_the_bundled_presets(spec):
    from latentlab.jobs.training_request import default_request

    request = default_request(spec)
    preset = preset_for(spec)
    assert (request.train_config.epochs, request.train_config.batch_size) == (
        preset.epochs,
        preset.batch_size,
    )
