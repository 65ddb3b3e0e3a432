"""Opening is passive (#22): the dataset a checkpoint names is a suggestion. Nothing is
downloaded, created or read until the user passes it (CLI) or says yes (GUI)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gui_helpers import TIMEOUT
from PySide6.QtWidgets import QMessageBox

from latentlab.cli import main
from latentlab.config import ModelConfig, TrainConfig
from latentlab.data import DatasetError
from latentlab.models import build_model
from latentlab.training import DatasetInfo, TrainingState, save_checkpoint
from latentlab.training.data_source import DatasetNeedsConsent, reopen_dataset

pytestmark = pytest.mark.usefixtures("no_network")


def checkpoint_naming(tmp_path, info: DatasetInfo, image_shape=(1, 8, 8)):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="vae", architecture="mlp", latent_dim=4), image_shape)
    return save_checkpoint(
        tmp_path / "named.safetensors",
        model,
        dataset=info,
        training=TrainingState(train_config=TrainConfig(epochs=1)),
        optimizer_states={"adam": torch.optim.Adam(model.parameters()).state_dict()},
    )


def test_a_named_dataset_is_looked_for_where_the_user_keeps_data_and_never_downloaded(
    tmp_path, monkeypatch
):
    """Before: data_root from the file made LatentLab create <path>/MNIST/raw and download."""
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    monkeypatch.setenv("LATENTLAB_DATA", str(ours))
    info = DatasetInfo(name="mnist", spec="mnist", data_root=str(theirs))
    with pytest.raises(DatasetError, match="MNIST files not found") as missing:
        reopen_dataset(info)
    assert str(ours) in str(missing.value)
    assert not theirs.exists() and not ours.exists()  # nothing created, nothing fetched


def test_files_a_checkpoint_names_are_not_read_without_consent(tmp_path, monkeypatch):
    """Before: folder:/usr/share decoded every image under it (6.6 s in the GUI)."""
    read = []
    monkeypatch.setattr("latentlab.data.load._load", lambda *a: read.append(a))
    for spec in ("folder:/usr/share", "npz:/etc/passwd.npz", "/usr/share"):
        with pytest.raises(DatasetNeedsConsent, match="never reads files it names"):
            reopen_dataset(DatasetInfo(name="x", spec=spec))
    assert read == []


@pytest.mark.parametrize("route", [["eval"], ["train", "--resume"]], ids=["eval", "resume"])
def test_the_cli_reads_a_named_folder_only_when_passed_it(tmp_path, route, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    path = checkpoint_naming(tmp_path, DatasetInfo(name="pictures", spec=f"folder:{folder}"))
    assert (
        main([*route, str(path), "--epochs", "2"] if route[0] == "train" else [*route, str(path)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "pass --dataset" in err and str(folder) in err


def _npz(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "blobs.npz"
    np.savez(
        path, images=rng.integers(0, 255, (60, 8, 8), dtype=np.uint8), labels=np.arange(60) % 3
    )
    return path


def test_the_app_asks_before_reading_the_data_a_checkpoint_names(
    qtbot, window, tmp_path, monkeypatch
):
    npz = _npz(tmp_path)
    path = checkpoint_naming(tmp_path, DatasetInfo(name="blobs", spec=f"npz:{npz}"))
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []

    def question(_parent, _title, text, *args):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    said: list[str] = []  # every status-bar message (later ones may replace it on screen)
    window.status.messageChanged.connect(said.append)

    # No: the model opens on prior samples, and the status bar says the data was not read.
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_checkpoint(path)
    assert len(asked) == 1 and str(npz) in asked[0]
    assert window.explorer.dataset is None
    assert any("not read" in text for text in said)

    # Yes: the map is of the npz's 60 images (the 12 of its test split, as for any dataset).
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_checkpoint(path)
    assert len(asked) == 2
    assert window.explorer.dataset is not None and len(window.explorer.dataset) == 60
    assert any(f"mapped on npz:{npz}" in text for text in said)  # says which data

    # Said once: the same data is read again without asking.
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.open_checkpoint(path)
    assert len(asked) == 2 and window.explorer.dataset is not None


def test_an_unexpected_error_while_opening_is_a_sentence_not_exception_text(
    qtbot, window, tmp_path, monkeypatch
):
    def broken(*_args):
        raise KeyError("param_groups")

    monkeypatch.setattr("latentlab.jobs.models.open_model_job", broken)
    window.open_checkpoint(tmp_path / "x.safetensors")
    qtbot.waitUntil(lambda: "unexpected error" in window.last_error, timeout=TIMEOUT)
    assert "KeyError" in window.last_error and "'param_groups'" not in window.last_error


def test_a_checkpoint_can_be_mapped_on_data_the_user_picks(
    qtbot, window, digits_checkpoint, tmp_path, monkeypatch
):
    """File › Map on other data: the user's choice, not the checkpoint's suggestion."""
    from gui_helpers import open_and_wait
    from PySide6.QtWidgets import QFileDialog

    open_and_wait(qtbot, window, digits_checkpoint)
    rng = np.random.default_rng(1)
    npz = tmp_path / "mine.npz"
    np.savez(npz, images=rng.integers(0, 255, (40, 16, 16), dtype=np.uint8))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(npz), ""))
    with qtbot.waitSignal(window.map_shown, timeout=TIMEOUT):
        window.ask_map_on_npz()
    assert window.explorer.dataset is not None and len(window.explorer.dataset) == 40
    assert window.explorer.dataset.name == f"npz:{npz.resolve()}"
