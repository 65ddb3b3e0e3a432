"""The "New training" dialog as a user drives it: presets, inline validation, the request."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from latentlab.config import ModelConfig, TrainConfig
from latentlab.jobs.training_request import (
    TrainingRequest,
    default_request,
    default_run_dir,
    parse_learning_rate,
)
from latentlab.presets import preset_for
from latentlab.ui.training.training_dialog import TrainingDialog

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    # Default run folders live under ~: keep them inside the test's folder.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def _torchvision_installed(monkeypatch):
    """The dialog's checks as on a machine that can download (CI's CPU-only venv has no
    torchvision); the tests of the other case say so."""
    _pretend_torchvision(monkeypatch, True)


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


def test_default_request_is_a_vae_on_the_shipped_mnist_subset():
    request = default_request()
    preset = preset_for("mnist-small")
    assert request.dataset_spec == "mnist-small"
    assert (request.model_config.kind, request.model_config.architecture) == ("vae", "conv")
    assert request.model_config.latent_dim == preset.latent_dim
    assert request.train_config.epochs == preset.epochs
    assert request.train_config.batch_size == preset.batch_size
    assert Path(request.run_dir).name.startswith("mnist-small-vae-")


def test_dialog_opens_valid_on_the_shipped_mnist_subset(dialog):
    assert dialog.train_button.text() == "Train"
    assert dialog.train_button.isEnabled()
    assert not dialog.message_label.isVisible()
    request = dialog.request()
    assert request.dataset_spec == "mnist-small"
    assert request.model_config == default_request().model_config
    assert request.train_config == default_request().train_config
    runs = Path.home() / "LatentLab" / "runs"
    assert request.run_dir.startswith(str(runs / "mnist-small-vae-"))


def test_dcgan_disables_vae_settings_and_mlp_and_takes_gan_epochs(dialog):
    choose(dialog.arch_combo, "mlp")
    assert dialog.hidden_spin.isEnabled() and not dialog.base_spin.isEnabled()

    choose(dialog.kind_combo, "dcgan")

    mlp_item = dialog.arch_combo.model().item(dialog.arch_combo.findData("mlp"))
    assert not mlp_item.isEnabled()
    assert dialog.arch_combo.currentData() == "conv"
    assert not dialog.beta_spin.isEnabled() and not dialog.anneal_spin.isEnabled()
    assert dialog.gan_loss_combo.isEnabled()
    assert dialog.epochs_spin.value() == preset_for("mnist-small").gan_epochs
    assert dialog.lr_edit.placeholderText() == "default (0.0002)"
    request = dialog.request()
    assert request.model_config.kind == "dcgan"
    assert request.train_config.epochs == preset_for("mnist-small").gan_epochs
    assert Path(request.run_dir).name.startswith("mnist-small-dcgan-")


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
    assert dialog.request().dataset_spec == "mnist-small"


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


def test_built_in_source_offers_the_shipped_sets_and_digits(dialog):
    choose(dialog.source_combo, "builtin")
    offered = [dialog.builtin_combo.itemData(i) for i in range(dialog.builtin_combo.count())]
    assert offered == ["mnist-small", "fashion-mnist-small", "digits"]
    choose(dialog.builtin_combo, "digits")
    request = dialog.request()
    assert request.dataset_spec == "digits"
    assert request.train_config.batch_size == preset_for("digits").batch_size
    assert not dialog.data_form.isRowVisible(dialog.data_root_field)  # nothing to download


def _pretend_torchvision(monkeypatch, installed: bool) -> None:
    import importlib.util

    from latentlab.jobs import training_request

    real = importlib.util.find_spec

    def find_spec(name, *args):
        if name == "torchvision":
            return real("json") if installed else None
        return real(name, *args)

    monkeypatch.setattr(training_request.importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize("installed", [True, False])
def test_a_download_that_is_not_there_says_where_to_put_it(
    dialog, tmp_path, monkeypatch, installed
):
    _pretend_torchvision(monkeypatch, installed)
    choose(dialog.source_combo, "torchvision")
    choose(dialog.dataset_combo, "mnist")
    data = tmp_path / "data"
    dialog.data_root_field.set_text(str(data))
    dialog.data_root_field.edited.emit()  # as typing does
    text = dialog.message_text()
    assert f"MNIST is not in {data / 'MNIST' / 'raw'}" in text
    assert "train-images-idx3-ubyte.gz" in text
    if installed:
        assert "downloaded when training starts (needs internet)" in text
        assert dialog.train_button.isEnabled()  # a warning: online it just works
    else:
        assert "pip install torchvision" in text
        assert not dialog.train_button.isEnabled()  # it could never get the data


def test_files_already_in_the_data_folder_are_simply_used(dialog, tmp_path, monkeypatch):
    from latentlab.data.catalog import SOURCES

    _pretend_torchvision(monkeypatch, False)
    folder = tmp_path / "data" / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for name in SOURCES["mnist"].files:
        (folder / name.removesuffix(".gz")).write_bytes(b"")  # extracted files count too
    choose(dialog.source_combo, "torchvision")
    choose(dialog.dataset_combo, "mnist")
    dialog.data_root_field.set_text(str(tmp_path / "data"))
    dialog.data_root_field.edited.emit()
    assert dialog.message_text() == ""
    assert dialog.train_button.isEnabled()


def test_the_dialog_remembers_the_last_run_across_restarts(qtbot, tmp_path, monkeypatch):
    from latentlab.ui.main_window import MainWindow

    opened_with: list[TrainingRequest] = []

    def exec_and_choose(dialog):
        opened_with.append(dialog.request())
        if len(opened_with) == 1:
            choose(dialog.builtin_combo, "fashion-mnist-small")
            dialog.latent_spin.setValue(12)
            dialog.epochs_spin.setValue(3)
        dialog.accept()
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(TrainingDialog, "exec", exec_and_choose)
    started: list[TrainingRequest] = []
    for _ in range(2):  # two sessions of the app on the same settings file
        settings = QtCore.QSettings(
            str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat
        )
        window = MainWindow(settings)
        qtbot.addWidget(window)
        monkeypatch.setattr(window, "start_training", started.append)
        window.new_training()
        window.close()
    first, second = opened_with
    assert first.dataset_spec == "mnist-small"
    assert second.dataset_spec == "fashion-mnist-small"
    assert (second.model_config.latent_dim, second.train_config.epochs) == (12, 3)
    assert started[1] == second
    # A new run folder beside the last one, named for the new dataset.
    assert Path(second.run_dir).parent == Path(started[0].run_dir).parent
    assert Path(second.run_dir).name.startswith("fashion-mnist-small-vae-")


@pytest.mark.parametrize("stored", ["", "not json", '{"dataset_spec": 3}', '{"model_config": []}'])
def test_an_unreadable_remembered_run_starts_from_the_default(stored):
    from latentlab.jobs.training_request import request_from_json

    assert request_from_json(stored) is None


def test_a_remembered_run_round_trips():
    from latentlab.jobs.training_request import request_from_json, request_to_json

    request = default_request()
    assert request_from_json(request_to_json(request)) == request
