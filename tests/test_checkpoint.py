"""Checkpoints: exact round trips, and refusals that never run code from the file."""

from __future__ import annotations

import json
import pickle
import struct

import pytest
import torch
from safetensors.torch import save_file

from latentlab.config import ModelConfig, TrainConfig
from latentlab.models import build_model
from latentlab.training import (
    CheckpointError,
    DatasetInfo,
    TrainingState,
    load_checkpoint,
    read_metadata,
    save_checkpoint,
)
from latentlab.training.checkpoint import FORMAT_VERSION

DIGITS_INFO = DatasetInfo(name="digits", class_names=tuple("0123456789"), spec="digits")


def saved_model(tmp_path, kind="vae", name="model.safetensors"):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, latent_dim=6), (1, 16, 16)).eval()
    path = save_checkpoint(
        tmp_path / name,
        model,
        dataset=DIGITS_INFO,
        training=TrainingState(
            epoch=3, global_step=120, losses={"total": 99.5}, train_config=TrainConfig(epochs=5)
        ),
    )
    return model, path


@pytest.mark.parametrize("kind", ["ae", "vae", "dcgan", "stylegan"])
def test_round_trip_gives_identical_decodes(tmp_path, kind):
    model, path = saved_model(tmp_path, kind)
    loaded = load_checkpoint(path)
    z = torch.randn(5, 6)
    with torch.inference_mode():
        assert torch.equal(model.decode(z), loaded.model.decode(z))
    assert loaded.model_config == model.config
    assert loaded.image_shape == (1, 16, 16)
    assert loaded.dataset.class_names == DIGITS_INFO.class_names
    assert loaded.training.epoch == 3 and loaded.training.losses == {"total": 99.5}
    assert loaded.training.train_config == TrainConfig(epochs=5)


def test_metadata_is_readable_without_loading_weights(tmp_path):
    _, path = saved_model(tmp_path)
    meta = read_metadata(path)
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["model"]["kind"] == "vae" and meta["image_shape"] == [1, 16, 16]
    assert meta["dataset"]["name"] == "digits" and meta["latentlab_version"]


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    saved_model(tmp_path)
    saved_model(tmp_path)  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


class _Payload:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_pickle_is_refused_without_running_code(tmp_path, suffix):
    marker = tmp_path / "code-ran"
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(pickle.dumps({"state_dict": _Payload(marker)}))
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(path)
    assert not marker.exists()


def test_a_torch_save_zip_file_is_refused(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_checkpoint(path)


def test_a_truncated_checkpoint_is_refused(tmp_path):
    _, path = saved_model(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(path)


def test_plain_safetensors_without_our_metadata_is_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="without LatentLab metadata"):
        load_checkpoint(path)


def test_a_newer_format_version_is_refused_with_upgrade_advice(tmp_path):
    _, path = saved_model(tmp_path)
    rewrite_metadata(path, lambda meta: meta.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match="newer LatentLab"):
        load_checkpoint(path)


def rewrite_metadata(path, change) -> None:
    """Apply ``change`` to the file's LatentLab metadata (a dict), in place."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["latentlab"])
    change(meta)
    header["__metadata__"]["latentlab"] = json.dumps(meta)
    new_header = json.dumps(header).encode()
    new_header += b" " * (-len(new_header) % 8)
    path.write_bytes(struct.pack("<Q", len(new_header)) + new_header + data[8 + n :])


@pytest.mark.parametrize("kind", ["vae", "dcgan"])
def test_a_checkpoint_from_before_conditional_models_opens_unchanged(tmp_path, kind):
    model, path = saved_model(tmp_path, kind)

    def as_written_before(meta):
        del meta["model"]["config"]["classes"]  # the setting older files do not have

    rewrite_metadata(path, as_written_before)
    loaded = load_checkpoint(path)
    assert loaded.model_config.classes == 0 and not loaded.model.conditional
    z = torch.randn(5, 6)
    with torch.inference_mode():
        assert torch.equal(model.decode(z), loaded.model.decode(z))


def test_weights_that_do_not_fit_the_model_are_refused(tmp_path):
    model = build_model(ModelConfig(kind="vae", latent_dim=6), (1, 16, 16))
    path = save_checkpoint(
        tmp_path / "m.safetensors", model, dataset=DIGITS_INFO, training=TrainingState()
    )
    # Same file, but claiming another latent size: the weights no longer fit.
    data = path.read_bytes()
    patched = data.replace(b'\\"latent_dim\\": 6', b'\\"latent_dim\\": 7')
    assert patched != data
    path.write_bytes(patched)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(path)


def test_missing_and_empty_files_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "absent.safetensors")
    (tmp_path / "empty.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="too short"):
        load_checkpoint(tmp_path / "empty.safetensors")


def test_a_checkpoint_whose_header_length_starts_like_a_pickle_opens(tmp_path):
    """A header of 128 + 256·k bytes makes the file's first byte 0x80, the pickle opcode:
    one checkpoint in 256 was refused as "a PyTorch pickle file"."""
    model = build_model(ModelConfig(kind="vae", latent_dim=6), (1, 16, 16)).eval()
    for pad in range(256):
        path = save_checkpoint(
            tmp_path / "model.safetensors",
            model,
            dataset=DatasetInfo(name="d" * (pad + 1)),
            training=TrainingState(),
        )
        if path.read_bytes()[:1] == b"\x80":
            break
    else:
        pytest.fail("no padding gave a header length of 128 + 256·k")
    assert load_checkpoint(path).dataset.name.startswith("d")
    assert read_metadata(path)["dataset"]["name"].startswith("d")
