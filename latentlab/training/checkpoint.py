"""Self-describing, safe checkpoint files.

One ``.safetensors`` file holds the weights (``model.*``), optionally the optimizer state
(``optim.*``) and random-number-generator state (``rng.*``) for an exact resume, and JSON
metadata under the header key ``latentlab``: format version, model kind and config, image
shape, dataset, training progress, final losses and the LatentLab version. safetensors holds
only tensors and strings, so opening a file can never run code from it, unlike a pickle.
Writes go to a temporary file that is renamed over the target, so a crash never leaves half a
checkpoint behind.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

import latentlab
from latentlab.atomic_files import atomic_write_bytes
from latentlab.config import ModelConfig, TrainConfig
from latentlab.models import LatentModel, build_model
from latentlab.training.checkpoint_schema import (
    MAX_HEADER_BYTES,
    CheckpointError,
    check_metadata,
    check_weights_fit,
    read_safetensors_header,
)

FORMAT_NAME = "latentlab-checkpoint"
FORMAT_VERSION = 1
METADATA_KEY = "latentlab"


@dataclass(frozen=True)
class DatasetInfo:
    """Enough about the training data to reload it and to label what the model shows."""

    name: str
    class_names: tuple[str, ...] = ()
    spec: str | None = None  # how load_dataset was called, to reload it on resume
    data_root: str | None = None
    image_size: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class TrainingState:
    """Where training stood when the checkpoint was written."""

    epoch: int = 0  # epochs fully done
    step_in_epoch: int = 0  # steps done in the epoch after those
    global_step: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    train_config: TrainConfig | None = None
    elapsed_seconds: float = 0.0


def training_position(epoch: int, step_in_epoch: int, global_step: int) -> str:
    """'4 epochs + 0 steps (500 steps)': epochs fully done, steps into the next, and all steps,
    as a checkpoint records them (``latentlab info`` and the stop message say the same)."""
    return f"{epoch} epochs + {step_in_epoch} steps ({global_step} steps)"


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: a ready model (eval mode, on the requested device) and its story."""

    path: Path
    model: LatentModel
    model_config: ModelConfig
    image_shape: tuple[int, int, int]
    dataset: DatasetInfo
    training: TrainingState
    optimizer_states: dict[str, dict[str, Any]] | None
    rng_states: dict[str, torch.Tensor] | None
    metadata: dict[str, Any]


def save_checkpoint(
    path: str | Path,
    model: LatentModel,
    *,
    dataset: DatasetInfo,
    training: TrainingState,
    optimizer_states: dict[str, dict[str, Any]] | None = None,
    rng_states: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write ``model`` and its metadata to ``path`` atomically; returns the path written."""
    path = Path(path)
    tensors: dict[str, torch.Tensor] = {
        f"model.{name}": value.detach().to("cpu").contiguous()
        for name, value in model.state_dict().items()
    }
    optim_meta: dict[str, Any] = {}
    for opt_name, state in (optimizer_states or {}).items():
        optim_tensors, optim_meta[opt_name] = flatten_optimizer(opt_name, state)
        tensors.update(optim_tensors)
    for rng_name, state in (rng_states or {}).items():
        tensors[f"rng.{rng_name}"] = state.detach().to("cpu").contiguous()
    metadata = {
        **file_header(FORMAT_NAME, FORMAT_VERSION),
        "model": {"kind": model.kind, "config": model.config.to_dict()},
        "image_shape": list(model.image_shape),
        "dataset": {
            "name": dataset.name,
            "class_names": list(dataset.class_names),
            "spec": dataset.spec,
            "data_root": dataset.data_root,
            "image_size": dataset.image_size,
            "channels": dataset.channels,
        },
        "training": {
            "epoch": training.epoch,
            "step_in_epoch": training.step_in_epoch,
            "global_step": training.global_step,
            "losses": training.losses,
            "train_config": training.train_config.to_dict() if training.train_config else None,
            "elapsed_seconds": round(training.elapsed_seconds, 3),
        },
        "optimizers": optim_meta,
    }
    blob = save_safetensors_bytes(tensors, metadata={METADATA_KEY: json.dumps(metadata)})
    atomic_write_bytes(path, blob)
    return path


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Open a LatentLab checkpoint. Never unpickles: non-safetensors files are refused. The
    metadata and the tensors' layout are checked before anything is built (see
    ``checkpoint_schema``); what this allocates is bounded by the file's own tensors."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    data = path.read_bytes()
    metadata, model_config = _read_header(path, data, file_size=len(data))
    image_shape = tuple(metadata["image_shape"])
    try:
        tensors = load_safetensors_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path}: the file is damaged ({_first_line(error)})") from None
    weights = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    broken = [k for k, v in weights.items() if v.is_floating_point() and not v.isfinite().all()]
    if broken:
        raise CheckpointError(
            f"{path}: {len(broken)} of its {len(weights)} weight tensors hold NaN or infinite "
            f"values (e.g. {broken[0]}): the run blew up before this was saved"
        )
    model = build_model(model_config, image_shape)  # type: ignore[arg-type]
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:  # dtypes: the shapes were compared before
        raise CheckpointError(
            f"{path}: its weights do not fit a {model_config.kind} model for images "
            f"{image_shape}: {_first_line(error)}"
        ) from None
    model.to(device).eval()

    optimizer_states = {
        name: unflatten_optimizer(path, name, meta, tensors)
        for name, meta in metadata["optimizers"].items()
    } or None
    rng_states = {k.removeprefix("rng."): v for k, v in tensors.items() if k.startswith("rng.")}
    ds, tr = metadata["dataset"], metadata["training"]
    return Checkpoint(
        path=path,
        model=model,
        model_config=model_config,
        image_shape=image_shape,  # type: ignore[arg-type]
        dataset=DatasetInfo(
            name=ds["name"],
            class_names=tuple(ds["class_names"]),
            spec=ds["spec"],
            data_root=ds["data_root"],
            image_size=ds["image_size"],
            channels=ds["channels"],
        ),
        training=TrainingState(
            epoch=tr["epoch"],
            step_in_epoch=tr["step_in_epoch"],
            global_step=tr["global_step"],
            losses=dict(tr["losses"]),
            train_config=TrainConfig.from_dict(tr["train_config"]) if tr["train_config"] else None,
            elapsed_seconds=tr["elapsed_seconds"],
        ),
        optimizer_states=optimizer_states,
        rng_states=rng_states or None,
        metadata=metadata,
    )


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The checked metadata, reading the header only: the tensors' byte ranges are checked
    against the file's size and their shapes against the model described (the values of the
    weights are not read: ``load_checkpoint`` checks those)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) == 8:
            (n,) = struct.unpack("<Q", head)
            head += f.read(min(n, MAX_HEADER_BYTES))
    return _read_header(path, head, file_size=path.stat().st_size)[0]


def _read_header(path: Path, data: bytes, file_size: int) -> tuple[dict[str, Any], ModelConfig]:
    """(metadata, model config) of a checkpoint whose first bytes are ``data``, after the
    metadata, the tensors' layout and the fit of the described model were checked."""
    raw, layout = read_safetensors_header(
        path,
        data,
        file_size,
        METADATA_KEY,
        what="checkpoint",
        instead="Open a LatentLab .safetensors checkpoint, or load your own model through an "
        "adapter.",
    )
    metadata = check_metadata(path, raw, FORMAT_NAME, FORMAT_VERSION)
    version = metadata["format_version"]
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer LatentLab ({metadata['latentlab_version']}, "
            f"checkpoint format {version}); this is LatentLab {latentlab.__version__}, which "
            f"reads formats up to {FORMAT_VERSION}. Please upgrade LatentLab."
        )
    config = ModelConfig.from_dict(metadata["model"]["config"])  # checked: cannot fail now
    check_weights_fit(path, config, tuple(metadata["image_shape"]), layout)  # type: ignore[arg-type]
    return metadata, config


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:300]


def file_header(format_name: str, format_version: int) -> dict[str, Any]:
    """The metadata every LatentLab file opens with: its format, and what wrote it when."""
    return {
        "format": format_name,
        "format_version": format_version,
        "latentlab_version": latentlab.__version__,
        "torch_version": torch.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def flatten_optimizer(
    name: str, state_dict: dict[str, Any]
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split ``optimizer.state_dict()`` into tensors and JSON (hyper-parameters, scalars)."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param_id, param_state in state_dict["state"].items():
        for key, value in param_state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{name}.{param_id}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                scalars.setdefault(str(param_id), {})[key] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def unflatten_optimizer(
    path: Path, name: str, meta: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            param_id, _, field_name = key[len(prefix) :].partition(".")
            if not param_id.isdigit() or not field_name:
                raise CheckpointError(f"{path}: optimizer tensor {key[:60]!r} has no valid name")
            state.setdefault(int(param_id), {})[field_name] = value
    for param_id, values in (meta.get("scalars") or {}).items():
        state.setdefault(int(param_id), {}).update(values)
    return {"state": state, "param_groups": meta["param_groups"]}
