"""Checkpoints from strangers (#22): a corpus of malformed and hostile files, made here, each
through every command-line route and the loader, with a one-line error and no traceback."""

from __future__ import annotations

import json
import pickle
import struct
import subprocess
import sys

import pytest
import torch
from hostile_files import checkpoint_parts
from safetensors.torch import save as save_bytes

from latentlab.cli import main
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
from latentlab.training import checkpoint as checkpoint_module

pytestmark = pytest.mark.usefixtures("no_network")

CONFIG = ModelConfig(kind="vae", architecture="mlp", latent_dim=4, hidden_dim=32)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A real checkpoint's tensors and metadata, to be broken one way at a time."""
    torch.manual_seed(0)
    model = build_model(CONFIG, (1, 8, 8))
    optimizer = torch.optim.Adam(model.parameters())
    sum(p.sum() for p in model.parameters()).backward()
    optimizer.step()  # so the file holds Adam's moments too
    path = save_checkpoint(
        tmp_path_factory.mktemp("good") / "good.safetensors",
        model,
        dataset=DatasetInfo(name="digits", class_names=tuple("0123456789"), spec="digits"),
        training=TrainingState(
            epoch=1, global_step=10, losses={"total": 1.5}, train_config=TrainConfig(epochs=2)
        ),
        optimizer_states={"adam": optimizer.state_dict()},
    )
    data, metadata, tensors = checkpoint_parts(path)
    return {"path": path, "data": data, "metadata": metadata, "tensors": tensors}


def _with_metadata(good, change):
    metadata = json.loads(json.dumps(good["metadata"]))
    change(metadata)
    return save_bytes(good["tensors"], metadata={"latentlab": json.dumps(metadata)})


def _with_raw_metadata(good, text):
    return save_bytes(good["tensors"], metadata={"latentlab": text})


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def change(m):
        target = m
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _delete(*keys):
    def change(m):
        target = m
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def _header_bytes(header: dict, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def _shifted_offsets(good):
    data = good["data"]
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    name = next(k for k in header if k != "__metadata__")
    header[name]["data_offsets"] = [b + 4 for b in header[name]["data_offsets"]]  # a gap
    return _header_bytes(header, data[8 + n :])


# name -> (file bytes made from the good checkpoint, what the one-line error must say)
CORPUS = {
    "pickle": (lambda g: pickle.dumps({"model": 1}), "pickle"),
    "zip pickle": (lambda g: b"PK\x03\x04" + b"\0" * 100, "pickle"),
    "empty": (lambda g: b"", "too short"),
    "truncated": (lambda g: g["data"][: len(g["data"]) - 100], "truncated"),
    "padded": (lambda g: g["data"] + b"\0" * 64, "bytes no tensor uses"),
    "overlapping tensors": (_shifted_offsets, "damaged"),
    "header is a list": (lambda g: _header_bytes([], b""), "not a safetensors file"),
    "header bomb": (lambda g: struct.pack("<Q", 2**40) + b"{}", "not a safetensors file"),
    "no metadata": (
        lambda g: save_bytes(g["tensors"]),
        "without LatentLab metadata",
    ),
    "metadata not JSON": (lambda g: _with_raw_metadata(g, "{not json"), "no valid JSON"),
    "deeply nested": (
        lambda g: _with_raw_metadata(g, "[" * 100_000 + "]" * 100_000),
        "nested more than",
    ),
    "nested 40 deep": (
        lambda g: _with_metadata(g, _set("extra", json.loads("[" * 40 + "]" * 40))),
        "nested more than",
    ),
    "400-digit integer": (
        lambda g: _with_raw_metadata(
            g, '{"format": "latentlab-checkpoint", "x": ' + "9" * 400 + "}"
        ),
        "integer of 400 digits",
    ),
    "no model": (lambda g: _with_metadata(g, _delete("model")), "model must be a JSON object"),
    "model is text": (lambda g: _with_metadata(g, _set("model", "vae")), "model must be"),
    "format_version true": (
        lambda g: _with_metadata(g, _set("format_version", True)),
        "invalid checkpoint format version",
    ),
    "newer format": (lambda g: _with_metadata(g, _set("format_version", 99)), "upgrade"),
    "latent size as text": (
        lambda g: _with_metadata(g, _set("model", "config", "latent_dim", "4")),
        "latent_dim must be a whole number",
    ),
    "huge image": (
        lambda g: _with_metadata(g, _set("image_shape", [1, 100_000, 100_000])),
        "image height must be between",
    ),
    "image shape of text": (
        lambda g: _with_metadata(g, _set("image_shape", "8x8")),
        "image_shape must be three whole numbers",
    ),
    "huge hidden layer": (
        lambda g: _with_metadata(g, _set("model", "config", "hidden_dim", 500_000)),
        "hidden_dim must be between",
    ),
    "hidden layer the weights do not have": (
        lambda g: _with_metadata(g, _set("model", "config", "hidden_dim", 4_000)),
        "do not fit",
    ),
    "a 64 GB model": (
        lambda g: _with_metadata(
            g,
            lambda m: (
                m["model"]["config"].update(hidden_dim=16_000),
                m.update(image_shape=[1, 1024, 1024]),
            ),
        ),
        "do not fit",
    ),
    "losses as text": (
        lambda g: _with_metadata(g, _set("training", "losses", {"total": "low"})),
        "must be a number",
    ),
    "billion classes": (
        lambda g: _with_metadata(g, _set("dataset", "class_names", ["c"] * 20_000)),
        "20,000 classes",
    ),
    "negative epochs": (
        lambda g: _with_metadata(g, _set("training", "train_config", "epochs", -1)),
        "epochs must be a positive number",
    ),
    "optimizer without param_groups": (
        lambda g: _with_metadata(g, _delete("optimizers", "adam", "param_groups")),
        "no valid param_groups",
    ),
    "dataset is a list": (lambda g: _with_metadata(g, _set("dataset", [])), "dataset must be"),
    "NaN weights": (
        lambda g: save_bytes(
            {
                k: v.fill_(float("nan")) if k.startswith("model.") else v
                for k, v in {k: v.clone() for k, v in g["tensors"].items()}.items()
            },
            metadata={"latentlab": json.dumps(g["metadata"])},
        ),
        "NaN or infinite",
    ),
}


@pytest.fixture(params=sorted(CORPUS), ids=lambda name: name.replace(" ", "-"))
def hostile(request, good, tmp_path):
    make, message = CORPUS[request.param]
    path = tmp_path / "hostile.safetensors"
    path.write_bytes(make(good))
    return path, message


def test_the_loader_refuses_with_one_line_and_builds_nothing_first(hostile, monkeypatch):
    path, message = hostile
    built = []
    real_build = checkpoint_module.build_model
    monkeypatch.setattr(
        checkpoint_module, "build_model", lambda *a: built.append(a) or real_build(*a)
    )
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(path)
    text = str(refused.value)
    assert message in text and "\n" not in text and text.startswith(str(path))
    assert built == []  # refused before a model was allocated


@pytest.mark.parametrize(
    "route",
    [
        ["info"],
        ["info", "--json"],
        ["eval"],
        ["train", "--resume"],
    ],
    ids=lambda r: "-".join(r),
)
def test_every_command_prints_one_line_and_exits_2(hostile, route, capsys):
    path, message = hostile
    args = [*route, str(path)] if route[0] != "train" else [*route, str(path), "--epochs", "1"]
    code = main(args)
    err = capsys.readouterr().err.strip()
    if route[0] == "info" and code == 0:
        pytest.fail(f"info reported a broken file as fine: {err}")
    assert code == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert message in err


def test_read_metadata_checks_the_whole_file_not_only_the_header(good, tmp_path):
    """`info` said a truncated file was fine: the header was read, the tensors never."""
    path = tmp_path / "cut.safetensors"
    path.write_bytes(good["data"][:-1])
    with pytest.raises(CheckpointError, match="truncated"):
        read_metadata(path)


def test_old_files_without_optional_parts_still_open(good, tmp_path):
    """Missing training, dataset and version parts get defaults, not KeyErrors."""
    path = tmp_path / "old.safetensors"
    path.write_bytes(
        _with_metadata(
            good,
            lambda m: [
                m.pop(k) for k in ("training", "dataset", "latentlab_version", "optimizers")
            ],
        )
    )
    loaded = load_checkpoint(path)
    assert loaded.dataset.name == "unknown" and loaded.training.global_step == 0
    assert loaded.optimizer_states is None
    assert main(["info", str(path)]) == 0


def test_opening_the_whole_corpus_stays_within_100_mb(good, tmp_path):
    """Peak memory of a fresh process that opens every file of the corpus (a 1 MB file
    claiming hidden_dim 500000 reached 1.3 GB before; one claiming a 64 GB model is in it)."""
    paths = []
    for make, _message in CORPUS.values():
        path = tmp_path / f"{len(paths)}.safetensors"
        path.write_bytes(make(good))
        paths.append(str(path))
    script = (
        "import resource, sys\n"
        "from latentlab.training import CheckpointError, load_checkpoint\n"
        "import latentlab.models\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load_checkpoint(path)\n"
        "    except CheckpointError:\n"
        "        pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *paths], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    grown_kb = int(done.stdout.strip())
    assert grown_kb < 100 * 1024, f"peak memory grew by {grown_kb / 1024:.0f} MB"


def test_the_app_shows_each_refusal_as_its_one_line(qtbot, window, good, tmp_path):
    """Before, 14 dialogs showed raw exception text ("'param_groups'", "'str' object has no
    attribute 'get'", "SVD did not converge" for NaN weights)."""
    from gui_helpers import TIMEOUT

    for index, (name, (make, message)) in enumerate(sorted(CORPUS.items())):
        path = tmp_path / f"{index}.safetensors"
        path.write_bytes(make(good))
        window.last_error = ""
        window.open_checkpoint(path)
        qtbot.waitUntil(lambda: bool(window.last_error), timeout=TIMEOUT)
        assert message in window.last_error, name
        assert "\n" not in window.last_error and "Traceback" not in window.last_error, name
    assert window.explorer.model is None  # nothing of them was ever explored


def test_the_adapter_weights_route_refuses_or_reads_tensors_only(hostile):
    """The same files given as an adapter's weights: tensors or a one-line AdapterError."""
    from latentlab.models.adapters.errors import AdapterError
    from latentlab.models.adapters.state_dict import _read_state_dict

    path, _message = hostile
    try:
        weights = _read_state_dict(path)
    except AdapterError as error:
        assert "\n" not in str(error) and str(error)
    else:
        assert all(isinstance(v, torch.Tensor) for v in weights.values())
