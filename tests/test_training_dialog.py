"""The "New training" dialog as a user drives it: presets, inline validation, the request."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from latentlab.config import ModelConfig, TrainConfig
from latentlab.presets import preset_for
from latentlab.ui.training_dialog import TrainingDialog
from latentlab.ui.training_request import (
    TrainingRequest,
    default_request,
    default_run_dir,
    parse_learning_rate,
)

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    # Default run folders live under ~: keep them inside the test's folder.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def dialog(qtbot):
    widget = TrainingDialog()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(combo: QtWidgets.QComboBox, data: object) -> None:
    combo.setCurrentIndex(combo.findData(data))


def type_into(qtbot, widget: QtWidgets.QWidget, text: str) -> None:
    """Replace a field's text the way a user does: select all, then type."""
    line_edit = widget.lineEdit() if isinstance(widget, QtWidgets.QAbstractSpinBox) else widget
    line_edit.selectAll()
    qtbot.keyClick(line_edit, QtCore.Qt.Key.Key_Backspace)
    qtbot.keyClicks(line_edit, text)


def test_default_request_is_a_digits_vae():
    request = default_request()
    preset = preset_for("digits")
    assert request.dataset_spec == "digits"
    assert (request.model_config.kind, request.model_config.architecture) == ("vae", "conv")
    assert request.model_config.latent_dim == preset.latent_dim
    assert request.train_config.epochs == preset.epochs
    assert request.train_config.batch_size == preset.batch_size
    assert Path(request.run_dir).name.startswith("digits-vae-")


def test_dialog_opens_valid_on_digits(dialog):
    assert dialog.train_button.text() == "Train"
    assert dialog.train_button.isEnabled()
    assert not dialog.message_label.isVisible()
    request = dialog.request()
    assert request.dataset_spec == "digits"
    assert request.model_config == default_request().model_config
    assert request.train_config == default_request().train_config
    assert request.run_dir.startswith(str(Path.home() / "LatentLab" / "runs" / "digits-vae-"))


def test_dcgan_disables_vae_settings_and_mlp_and_takes_gan_epochs(dialog):
    choose(dialog.arch_combo, "mlp")
    assert dialog.hidden_spin.isEnabled() and not dialog.base_spin.isEnabled()

    choose(dialog.kind_combo, "dcgan")

    mlp_item = dialog.arch_combo.model().item(dialog.arch_combo.findData("mlp"))
    assert not mlp_item.isEnabled()
    assert dialog.arch_combo.currentData() == "conv"
    assert not dialog.beta_spin.isEnabled() and not dialog.anneal_spin.isEnabled()
    assert dialog.gan_loss_combo.isEnabled()
    assert dialog.epochs_spin.value() == preset_for("digits").gan_epochs
    assert dialog.lr_edit.placeholderText() == "default (0.0002)"
    request = dialog.request()
    assert request.model_config.kind == "dcgan"
    assert request.train_config.epochs == preset_for("digits").gan_epochs
    assert Path(request.run_dir).name.startswith("digits-dcgan-")


def test_out_of_range_latent_dimension_blocks_training(dialog, qtbot):
    type_into(qtbot, dialog.latent_spin, "600")

    assert not dialog.train_button.isEnabled()
    assert dialog.message_label.isVisible()
    assert "Latent dimension must be between 2 and 512" in dialog.message_label.text()
    assert dialog.latent_spin.property("invalid")

    type_into(qtbot, dialog.latent_spin, "32")
    assert dialog.train_button.isEnabled()
    assert not dialog.message_label.isVisible()
    assert dialog.request().model_config.latent_dim == 32


def test_image_folder_must_exist(dialog, qtbot, tmp_path):
    choose(dialog.source_combo, "folder")
    assert dialog.folder_field.isVisible() and not dialog.dataset_combo.isVisible()
    assert not dialog.train_button.isEnabled()  # no folder chosen yet

    type_into(qtbot, dialog.folder_field.line_edit, str(tmp_path / "no-such-folder"))
    assert not dialog.train_button.isEnabled()
    assert "does not exist" in dialog.message_label.text()
    assert dialog.folder_field.line_edit.property("invalid")

    faces = tmp_path / "faces"
    faces.mkdir()
    type_into(qtbot, dialog.folder_field.line_edit, str(faces))
    assert dialog.train_button.isEnabled()
    assert not dialog.folder_field.line_edit.property("invalid")

    request = dialog.request()
    assert request.dataset_spec == f"folder:{faces}"
    assert (request.image_size, request.channels) == (64, None)
    assert request.data_root is None
    assert Path(request.run_dir).name.startswith("faces-vae-")


def test_npz_file_and_learning_rate_are_checked(dialog, qtbot, tmp_path):
    choose(dialog.source_combo, "npz")
    data = tmp_path / "data.npz"
    type_into(qtbot, dialog.npz_field.line_edit, str(data))
    assert "does not exist" in dialog.message_label.text()

    data.write_bytes(b"")
    type_into(qtbot, dialog.npz_field.line_edit, str(data))
    type_into(qtbot, dialog.lr_edit, "fast")
    assert not dialog.train_button.isEnabled()
    assert "Learning rate must be a positive number" in dialog.message_label.text()

    type_into(qtbot, dialog.lr_edit, "5e-4")
    assert dialog.train_button.isEnabled()
    request = dialog.request()
    assert request.dataset_spec == f"npz:{data}"
    assert request.train_config.learning_rate == 5e-4


def test_presets_follow_the_dataset_but_keep_user_edits(dialog, qtbot):
    type_into(qtbot, dialog.latent_spin, "24")

    choose(dialog.source_combo, "torchvision")
    choose(dialog.dataset_combo, "cifar10")

    cifar = preset_for("cifar10")
    assert dialog.latent_spin.value() == 24  # edited: kept
    assert dialog.batch_spin.value() == cifar.batch_size
    assert dialog.epochs_spin.value() == cifar.epochs
    assert dialog.base_spin.value() == cifar.base_channels
    request = dialog.request()
    assert request.dataset_spec == "cifar10"
    assert request.model_config.latent_dim == 24

    qtbot.mouseClick(dialog.reset_button, LEFT)
    assert dialog.latent_spin.value() == cifar.latent_dim


def test_an_edited_run_folder_is_kept(dialog, qtbot, tmp_path):
    run_dir = tmp_path / "my-run"
    type_into(qtbot, dialog.run_dir_field.line_edit, str(run_dir))
    choose(dialog.kind_combo, "ae")

    assert dialog.request().run_dir == str(run_dir)


def test_a_run_folder_with_a_checkpoint_only_warns(dialog, qtbot, tmp_path):
    (tmp_path / "checkpoint.safetensors").write_bytes(b"")
    type_into(qtbot, dialog.run_dir_field.line_edit, str(tmp_path))

    assert "overwrite" in dialog.message_label.text()
    assert dialog.train_button.isEnabled()


def test_initial_request_is_shown_back(qtbot, tmp_path):
    initial = TrainingRequest(
        dataset_spec="fashion-mnist",
        data_root=str(tmp_path / "datasets"),
        image_size=None,
        channels=None,
        model_config=ModelConfig(kind="vae", latent_dim=2, beta=4.0, kl_anneal_epochs=3),
        train_config=TrainConfig(
            epochs=7,
            batch_size=256,
            learning_rate=3e-4,
            seed=5,
            preview_every=50,
            lr_schedule="cosine",
            binarize=True,
        ),
        run_dir=str(tmp_path / "runs" / "old-run"),
    )
    dialog = TrainingDialog(initial=initial)
    qtbot.addWidget(dialog)

    request = dialog.request()
    assert request.dataset_spec == "fashion-mnist"
    assert request.data_root == initial.data_root
    assert request.model_config == initial.model_config
    assert request.train_config == initial.train_config
    # A new run goes next to the previous one, never into it.
    assert Path(request.run_dir).parent == tmp_path / "runs"
    assert Path(request.run_dir).name.startswith("fashion-mnist-vae-")


def test_schedule_and_binarization_reach_the_request(dialog):
    assert dialog.request().train_config.lr_schedule == "constant"
    assert not dialog.request().train_config.binarize
    choose(dialog.schedule_combo, "cosine")
    dialog.binarize_check.setChecked(True)
    train = dialog.request().train_config
    assert (train.lr_schedule, train.binarize) == ("cosine", True)

    choose(dialog.kind_combo, "dcgan")  # GANs learn grey images: no Bernoulli likelihood
    assert not dialog.binarize_check.isEnabled()
    assert not dialog.request().train_config.binarize


def test_train_button_accepts(dialog, qtbot):
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(dialog.train_button, LEFT)
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Accepted
    assert dialog.request().dataset_spec == "digits"


def test_initial_folder_request_keeps_size_and_channels(qtbot, tmp_path):
    initial = TrainingRequest(
        dataset_spec=f"folder:{tmp_path}",
        data_root=None,
        image_size=32,
        channels=3,
        model_config=ModelConfig(kind="ae", architecture="mlp", latent_dim=2, hidden_dim=128),
        train_config=TrainConfig(epochs=3),
        run_dir=str(tmp_path / "runs" / "old-run"),
    )
    dialog = TrainingDialog(initial=initial)
    qtbot.addWidget(dialog)

    request = dialog.request()
    assert request.dataset_spec == initial.dataset_spec
    assert (request.image_size, request.channels) == (32, 3)
    assert request.model_config == initial.model_config
    assert request.train_config.epochs == 3


def test_learning_rate_text_and_run_folder_names():
    assert parse_learning_rate("") is None
    assert parse_learning_rate(" Default ") is None
    assert parse_learning_rate("2e-4") == 2e-4
    for bad in ("0", "-1", "nan", "inf", "fast"):
        with pytest.raises(ValueError, match="positive number"):
            parse_learning_rate(bad)
    when = datetime(2025, 1, 2, 3, 4, 5)
    assert default_run_dir("mnist", "vae", root="/r", when=when) == Path(
        "/r/mnist-vae-20250102-030405"
    )
    assert default_run_dir("folder:/data/My Faces", "dcgan", root="/r", when=when).name == (
        "my_faces-dcgan-20250102-030405"
    )
    assert default_run_dir("npz:~/sets/shapes.npz", "ae", root="/r", when=when).name == (
        "shapes-ae-20250102-030405"
    )
