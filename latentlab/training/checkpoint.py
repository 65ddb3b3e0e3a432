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
from latentlab.config import ConfigError, ModelConfig, TrainConfig
from latentlab.models import LatentModel, build_model

FORMAT_NAME = "latentlab-checkpoint"
FORMAT_VERSION = 1
METADATA_KEY = "latentlab"
_MAX_HEADER_BYTES = 100 * 1024 * 1024


class CheckpointError(ValueError):
    """A file could not be opened as a LatentLab checkpoint; the message says why."""


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
        optim_tensors, optim_meta[opt_name] = _flatten_optimizer(opt_name, state)
        tensors.update(optim_tensors)
    for rng_name, state in (rng_states or {}).items():
        tensors[f"rng.{rng_name}"] = state.detach().to("cpu").contiguous()
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "latentlab_version": latentlab.__version__,
        "torch_version": torch.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
    """Open a LatentLab checkpoint. Never unpickles: non-safetensors files are refused."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    data = path.read_bytes()
    metadata = _read_metadata(path, data)
    try:
        tensors = load_safetensors_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path}: the file is damaged or truncated ({error})") from None

    try:
        model_config = ModelConfig.from_dict(metadata["model"]["config"])
        image_shape = tuple(int(s) for s in metadata["image_shape"])
        model = build_model(model_config, image_shape)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError, ConfigError) as error:
        raise CheckpointError(f"{path}: its model description is invalid ({error})") from None
    weights = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        raise CheckpointError(
            f"{path}: its weights do not fit a {model_config.kind} model for images "
            f"{image_shape}: {error}"
        ) from None
    model.to(device).eval()

    optimizers = metadata.get("optimizers") or {}
    optimizer_states = {
        name: _unflatten_optimizer(name, meta, tensors) for name, meta in optimizers.items()
    } or None
    rng_states = {k.removeprefix("rng."): v for k, v in tensors.items() if k.startswith("rng.")}
    ds = metadata.get("dataset") or {}
    tr = metadata.get("training") or {}
    return Checkpoint(
        path=path,
        model=model,
        model_config=model_config,
        image_shape=image_shape,  # type: ignore[arg-type]
        dataset=DatasetInfo(
            name=ds.get("name", "unknown"),
            class_names=tuple(ds.get("class_names") or ()),
            spec=ds.get("spec"),
            data_root=ds.get("data_root"),
            image_size=ds.get("image_size"),
            channels=ds.get("channels"),
        ),
        training=TrainingState(
            epoch=int(tr.get("epoch", 0)),
            step_in_epoch=int(tr.get("step_in_epoch", 0)),
            global_step=int(tr.get("global_step", 0)),
            losses=dict(tr.get("losses") or {}),
            train_config=TrainConfig.from_dict(tr["train_config"])
            if tr.get("train_config")
            else None,
            elapsed_seconds=float(tr.get("elapsed_seconds", 0.0)),
        ),
        optimizer_states=optimizer_states,
        rng_states=rng_states or None,
        metadata=metadata,
    )


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Only the JSON metadata (fast: reads the header, not the weights)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) == 8:
            (n,) = struct.unpack("<Q", head)
            head += f.read(min(n, _MAX_HEADER_BYTES))
    return _read_metadata(path, head, check_size=path.stat().st_size)


def _read_metadata(path: Path, data: bytes, check_size: int | None = None) -> dict[str, Any]:
    size = check_size if check_size is not None else len(data)
    if data[:1] == b"\x80" or data[:2] == b"PK":
        raise CheckpointError(
            f"{path}: this is a PyTorch pickle file, not a LatentLab checkpoint. LatentLab never "
            "unpickles files, because unpickling can run any code hidden in them. Open a "
            "LatentLab .safetensors checkpoint, or load your own model through an adapter."
        )
    if len(data) < 8:
        raise CheckpointError(f"{path}: the file is too short to be a checkpoint")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > _MAX_HEADER_BYTES or 8 + header_len > size or data[8:9] != b"{":
        raise CheckpointError(
            f"{path}: not a LatentLab checkpoint (not a safetensors file, or a truncated one)"
        )
    try:
        header = json.loads(data[8 : 8 + header_len])
        metadata = json.loads(header["__metadata__"][METADATA_KEY])
    except (ValueError, KeyError, TypeError):
        raise CheckpointError(
            f"{path}: a safetensors file without LatentLab metadata, so not a LatentLab "
            "checkpoint. Weights trained elsewhere open through an adapter."
        ) from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path}: not a LatentLab checkpoint (unknown metadata format)")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{path}: invalid checkpoint format version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer LatentLab ({metadata.get('latentlab_version', '?')}, "
            f"checkpoint format {version}); this is LatentLab {latentlab.__version__}, which "
            f"reads formats up to {FORMAT_VERSION}. Please upgrade LatentLab."
        )
    return metadata


def _flatten_optimizer(
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


def _unflatten_optimizer(
    name: str, meta: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            param_id, field_name = key[len(prefix) :].split(".", 1)
            state.setdefault(int(param_id), {})[field_name] = value
    for param_id, values in (meta.get("scalars") or {}).items():
        state.setdefault(int(param_id), {}).update(values)
    return {"state": state, "param_groups": meta["param_groups"]}
