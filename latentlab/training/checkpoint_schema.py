"""What a checkpoint file may say about itself, checked before anything is built from it.

A checkpoint is a safetensors file: an 8-byte header length, a JSON header naming every
tensor's dtype, shape and byte range, the tensors' bytes, and LatentLab's metadata as a JSON
string in the header. Files come from strangers, so every part is checked here:

* the JSON is parsed with a depth and number limit (``latentlab.bounded_json``);
* the tensors' byte ranges must tile the file exactly (a truncated or padded file is refused,
  whatever its header says);
* the metadata has one schema: types, ranges and sizes (image side, channels, latent and
  hidden sizes, class names), with defaults for what older files left out;
* the model it describes is first built on PyTorch's ``meta`` device (no memory) and its
  parameter shapes compared with the file's tensors, so what opening a file allocates is
  bounded by the file's own tensors, not by what its metadata claims.

Every failure is a ``CheckpointError`` whose message is one line for the user.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from latentlab.bounded_json import JSONLimitError
from latentlab.bounded_json import loads as bounded_loads
from latentlab.config import ConfigError, ModelConfig, TrainConfig

MAX_IMAGE_SIDE = 1024
MAX_CHANNELS = 4
MAX_HIDDEN_DIM = 16_384
MAX_BASE_CHANNELS = 1024
MAX_CLASSES = 10_000
MAX_NAME_CHARS = 200
MAX_PATH_CHARS = 4096
MAX_LOSSES = 64
MAX_OPTIMIZERS = 8
MAX_PARAM_GROUPS = 256
MAX_COUNTER = 10**12
MAX_METADATA_CHARS = 1_000_000  # LatentLab's own: ~3 kB
MAX_HEADER_BYTES = 100 * 1024 * 1024

# safetensors dtype names -> bytes per element
DTYPE_SIZES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}


class CheckpointError(ValueError):
    """A file could not be opened as a LatentLab checkpoint; the message says why."""


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]


def parse_json(path: Any, text: str | bytes, what: str, max_chars: int | None = None) -> Any:
    """``text`` parsed with limits; CheckpointError naming ``what`` otherwise."""
    try:
        return bounded_loads(text, max_chars=max_chars)
    except JSONLimitError as error:
        raise CheckpointError(f"{path}: {what}: {error}") from None


def tensor_layout(path: Any, header: Any, data_size: int) -> dict[str, TensorEntry]:
    """The tensors a safetensors header lists, after checking that their byte ranges tile
    the ``data_size`` bytes after the header exactly."""
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: not a safetensors file (its header is not a JSON object)")
    entries: dict[str, TensorEntry] = {}
    ranges: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        where = f"{path}: tensor {str(name)[:60]!r}"
        if not isinstance(entry, dict):
            raise CheckpointError(f"{where} is described by {type(entry).__name__}, not an object")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in DTYPE_SIZES:
            raise CheckpointError(f"{where} has an unknown dtype {str(dtype)[:20]!r}")
        if not _int_list(shape) or any(s < 0 for s in shape) or len(shape) > 8:
            raise CheckpointError(f"{where} has an invalid shape")
        if not _int_list(offsets) or len(offsets) != 2 or not 0 <= offsets[0] <= offsets[1]:
            raise CheckpointError(f"{where} has invalid byte offsets")
        size = math.prod(shape) * DTYPE_SIZES[dtype]
        if offsets[1] - offsets[0] != size:
            raise CheckpointError(
                f"{where} claims shape {tuple(shape)} ({size:,} bytes) in "
                f"{offsets[1] - offsets[0]:,} bytes"
            )
        entries[name] = TensorEntry(dtype, tuple(shape))
        ranges.append((offsets[0], offsets[1], name))
    position = 0
    for begin, end, name in sorted(ranges):
        if begin != position:
            raise CheckpointError(
                f"{path}: the file is damaged (tensor {name[:60]!r} does not start where the one "
                "before it ends)"
            )
        position = end
    if position != data_size:
        state = "truncated" if position > data_size else "damaged (it has bytes no tensor uses)"
        raise CheckpointError(
            f"{path}: the file is {state}: its tensors take {position:,} bytes, the file holds "
            f"{data_size:,} after its header"
        )
    return entries


def read_safetensors_header(
    path: Any, data: bytes, file_size: int, key: str, *, what: str, instead: str
) -> tuple[Any, dict[str, TensorEntry]]:
    """(LatentLab's metadata parsed, the tensors' layout) of a LatentLab ``what`` (a
    checkpoint, a diffusion prior) whose first bytes are ``data``, its metadata under the
    safetensors header's ``key``; a pickle is refused, with ``instead`` saying what to do."""
    header_len = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else 0
    safetensors = header_len <= MAX_HEADER_BYTES and 8 + header_len <= file_size
    if not (safetensors and data[8:9] == b"{"):
        # Only now: a header length of 128 + 256·k starts with the pickle opcode 0x80.
        if data[:1] == b"\x80" or data[:2] == b"PK":
            raise CheckpointError(
                f"{path}: this is a PyTorch pickle file, not a LatentLab {what}. LatentLab "
                f"never unpickles files, because unpickling can run any code hidden in them. "
                f"{instead}"
            )
        if len(data) < 8:
            raise CheckpointError(f"{path}: the file is too short to be a {what}")
        raise CheckpointError(
            f"{path}: not a LatentLab {what} (not a safetensors file, or a truncated one)"
        )
    header = parse_json(path, data[8 : 8 + header_len], "its safetensors header")
    layout = tensor_layout(path, header, file_size - 8 - header_len)
    text = header.get("__metadata__", {})
    text = text.get(key) if isinstance(text, dict) else None
    if not isinstance(text, str):
        raise CheckpointError(
            f"{path}: a safetensors file without LatentLab metadata, so not a LatentLab "
            f"{what}. Weights trained elsewhere open through an adapter."
        )
    return parse_json(path, text, "its metadata", max_chars=MAX_METADATA_CHARS), layout


def check_metadata(path: Any, metadata: Any, format_name: str, format_version: int) -> dict:
    """LatentLab's metadata checked and completed (older files' missing keys get defaults);
    CheckpointError with a one-line reason otherwise."""
    check = FieldChecker(path)
    m = check.object(metadata, "the metadata")
    if m.get("format") != format_name:
        raise CheckpointError(f"{path}: not a LatentLab checkpoint (unknown metadata format)")
    version = m.get("format_version")
    if type(version) is not int or version < 1:  # isinstance(True, int) holds
        raise CheckpointError(f"{path}: invalid checkpoint format version {str(version)[:20]!r}")
    out: dict[str, Any] = {"format": format_name, "format_version": version}
    out["latentlab_version"] = check.text(m.get("latentlab_version", "?"), "latentlab_version")
    if version > format_version:
        return {**m, **out}  # the caller says "upgrade"; nothing else is read
    for key in ("torch_version", "created"):
        out[key] = check.text(m.get(key, "?"), key)

    model = check.object(m.get("model"), "model")
    config = check.model_config(model.get("config"))
    if model.get("kind", config.kind) != config.kind:
        raise CheckpointError(f"{path}: model kind {str(model.get('kind'))[:20]!r} does not match")
    out["model"] = {"kind": config.kind, "config": config.to_dict()}
    out["image_shape"] = check.image_shape(m.get("image_shape"))

    ds = check.object(m.get("dataset", {}), "dataset")
    out["dataset"] = {
        "name": check.text(ds.get("name", "unknown"), "dataset name"),
        "class_names": check.names(ds.get("class_names") or [], "class_names"),
        "spec": check.optional_text(ds.get("spec"), "dataset spec", MAX_PATH_CHARS),
        "data_root": check.optional_text(ds.get("data_root"), "data_root", MAX_PATH_CHARS),
        "image_size": check.optional_int(ds.get("image_size"), "image_size", 1, MAX_IMAGE_SIDE),
        "channels": check.optional_int(ds.get("channels"), "channels", 1, MAX_CHANNELS),
    }

    tr = check.object(m.get("training", {}), "training")
    train_config = tr.get("train_config")
    out["training"] = {
        "epoch": check.integer(tr.get("epoch", 0), "epoch", 0, MAX_COUNTER),
        "step_in_epoch": check.integer(tr.get("step_in_epoch", 0), "step_in_epoch", 0, MAX_COUNTER),
        "global_step": check.integer(tr.get("global_step", 0), "global_step", 0, MAX_COUNTER),
        "losses": check.losses(tr.get("losses") or {}),
        "train_config": None if train_config is None else check.train_config(train_config),
        "elapsed_seconds": check.number(tr.get("elapsed_seconds", 0.0), "elapsed_seconds"),
    }
    out["optimizers"] = check.optimizers(m.get("optimizers") or {})
    return out


def check_weights_fit(
    path: Any, config: ModelConfig, image_shape: tuple[int, int, int], tensors: dict
) -> None:
    """Build the model on the meta device (no memory) and compare its parameter shapes with
    the file's ``model.*`` tensors: a file that says hidden_dim 500000 next to weights of
    400 is refused before 1 GB is allocated for it."""
    import torch

    from latentlab.models import build_model

    try:
        with torch.device("meta"):
            model = build_model(config, image_shape)
    except (ValueError, RuntimeError, TypeError) as error:
        raise CheckpointError(f"{path}: its model description is invalid ({error})") from None
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {
        k.removeprefix("model."): e.shape for k, e in tensors.items() if k.startswith("model.")
    }
    if expected == found:
        return
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    if wrong:
        key = wrong[0]
        detail = f"{key} is {found[key]} in the file, the model needs {expected[key]}"
    elif missing:
        detail = f"{len(missing)} weights missing, e.g. {missing[0]}"
    else:
        detail = f"{len(extra)} weights the model does not have, e.g. {extra[0]}"
    raise CheckpointError(
        f"{path}: its weights do not fit the {config.kind} ({config.architecture}, latent "
        f"{config.latent_dim}) for images {tuple(image_shape)} it describes: {detail}"
    )


class FieldChecker:
    """Type and range checks that raise one-line CheckpointErrors naming the file."""

    def __init__(self, path: Any) -> None:
        self.path = path

    def fail(self, message: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: {message}")

    def object(self, value: Any, what: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a JSON object, not {_kind(value)}")
        return value

    def text(self, value: Any, what: str, limit: int = MAX_NAME_CHARS) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{what} must be text, not {_kind(value)}")
        if len(value) > limit:
            raise self.fail(f"{what} is {len(value):,} characters long (the limit: {limit})")
        return value

    def optional_text(self, value: Any, what: str, limit: int) -> str | None:
        return None if value is None else self.text(value, what, limit)

    def integer(self, value: Any, what: str, low: int, high: int) -> int:
        if type(value) is not int:
            raise self.fail(f"{what} must be a whole number, not {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(f"{what} must be between {low} and {high:,}, got {value:,}")
        return value

    def optional_int(self, value: Any, what: str, low: int, high: int) -> int | None:
        return None if value is None else self.integer(value, what, low, high)

    def number(self, value: Any, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{what} must be a number, not {_kind(value)}")
        return float(value)

    def names(self, value: Any, what: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(f"{what} must be a list, not {_kind(value)}")
        if len(value) > MAX_CLASSES:
            raise self.fail(f"{what} lists {len(value):,} classes (the limit: {MAX_CLASSES:,})")
        return [self.text(v, f"a name in {what}") for v in value]

    def image_shape(self, value: Any) -> list[int]:
        if not _int_list(value) or len(value) != 3:
            raise self.fail("image_shape must be three whole numbers (channels, height, width)")
        c, h, w = value
        self.integer(c, "the image's channels", 1, MAX_CHANNELS)
        self.integer(h, "the image height", 1, MAX_IMAGE_SIDE)
        self.integer(w, "the image width", 1, MAX_IMAGE_SIDE)
        return [c, h, w]

    def losses(self, value: Any) -> dict[str, float]:
        losses = self.object(value, "losses")
        if len(losses) > MAX_LOSSES:
            raise self.fail(f"losses lists {len(losses):,} values (the limit: {MAX_LOSSES})")
        return {
            self.text(k, "a loss name"): self.number(v, f"loss {k[:40]!r}")
            for k, v in losses.items()
        }

    def model_config(self, value: Any) -> ModelConfig:
        data = self.object(value, "the model config")
        try:
            config = ModelConfig.from_dict(data)
        except ConfigError as error:
            raise self.fail(f"its model config is invalid: {error}") from None
        self.integer(config.hidden_dim, "hidden_dim", 1, MAX_HIDDEN_DIM)
        self.integer(config.base_channels, "base_channels", 1, MAX_BASE_CHANNELS)
        return config

    def train_config(self, value: Any) -> dict:
        data = self.object(value, "the training config")
        try:
            return TrainConfig.from_dict(data).to_dict()
        except ConfigError as error:
            raise self.fail(f"its training config is invalid: {error}") from None

    def optimizers(self, value: Any) -> dict[str, dict]:
        optimizers = self.object(value, "optimizers")
        if len(optimizers) > MAX_OPTIMIZERS:
            raise self.fail(f"it lists {len(optimizers)} optimizers (the limit: {MAX_OPTIMIZERS})")
        out = {}
        for name, meta in optimizers.items():
            self.text(name, "an optimizer name")
            meta = self.object(meta, f"optimizer {name[:40]!r}")
            groups = meta.get("param_groups")
            if not isinstance(groups, list) or not groups or len(groups) > MAX_PARAM_GROUPS:
                raise self.fail(f"optimizer {name[:40]!r} has no valid param_groups")
            for group in groups:
                self.object(group, f"a param group of optimizer {name[:40]!r}")
            scalars = self.object(meta.get("scalars") or {}, f"scalars of {name[:40]!r}")
            for param_id, values in scalars.items():
                if not str(param_id).isdigit():
                    raise self.fail(f"optimizer {name[:40]!r} has a state for {param_id[:20]!r}")
                self.object(values, f"a state of optimizer {name[:40]!r}")
            out[name] = {"param_groups": groups, "scalars": scalars}
        return out


def _int_list(value: Any) -> bool:
    return isinstance(value, list) and all(type(v) is int for v in value)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")
