"""The weights file of a Python adapter: read as tensors only (safetensors, or ``torch.load``
with ``weights_only=True``), unwrapped from common containers, and loaded with
``strict=True`` into the module that ``build()`` returns, a mismatch explained key by key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file as load_safetensors_file
from torch import nn

from latentlab.models.adapters.errors import AdapterError, _listed, _shape
from latentlab.models.adapters.file_kinds import (
    _looks_like_safetensors,
    _refuse_latentlab_checkpoint,
    is_torchscript_file,
)

# Keys under which training scripts commonly nest the model's state dict in a larger dict.
_NESTED_STATE_KEYS = ("state_dict", "model_state_dict", "model", "net", "netG", "generator")
# Prefixes that wrappers add to every key: nn.DataParallel and torch.compile.
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A dict of tensors from ``path``; never unpickles anything but tensors and containers."""
    if is_torchscript_file(path):
        raise AdapterError(
            f"{path.name} is a TorchScript file: it holds its own code and weights, so open it "
            "on its own, without an adapter file."
        )
    if path.suffix == ".safetensors" or _looks_like_safetensors(path):
        _refuse_latentlab_checkpoint(path)
        try:
            return load_safetensors_file(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError, RuntimeError) as error:
            raise AdapterError(f"{path.name}: not a readable safetensors file ({error})") from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        if "Weights only load failed" in str(error):
            raise AdapterError(
                f"{path.name} holds Python objects, not only tensors (for example a whole model "
                "saved with torch.save(model)). LatentLab never unpickles objects, because that "
                "can run any code hidden in the file. In your own code, save the weights with "
                "torch.save(model.state_dict(), path), or export TorchScript."
            ) from None
        raise AdapterError(
            f"{path.name} could not be read as PyTorch weights saved with torch.save "
            f"({type(error).__name__}: {error})"
        ) from None
    return _unwrapped_state_dict(loaded, path)


def _is_tensor_dict(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())
    )


def _unwrapped_state_dict(loaded: object, path: Path) -> dict[str, torch.Tensor]:
    if _is_tensor_dict(loaded):
        return dict(loaded)  # type: ignore[call-overload]
    if not isinstance(loaded, Mapping):
        raise AdapterError(
            f"{path.name} holds a {type(loaded).__name__}, not a state dict (a dict of tensors). "
            "Save the weights with torch.save(model.state_dict(), path)."
        )
    for key in _NESTED_STATE_KEYS:
        if _is_tensor_dict(loaded.get(key)):
            return dict(loaded[key])
    others = [str(k) for k, v in loaded.items() if not isinstance(v, torch.Tensor)]
    raise AdapterError(
        f"{path.name} is not a state dict: besides tensors it holds {_listed(others)}. Save "
        "model.state_dict(), or a dict with the state dict under 'state_dict' or 'model'."
    )


def _load_state_dict(
    module: nn.Module, state: dict[str, torch.Tensor], path: Path, notes: list[str]
) -> None:
    """``load_state_dict(strict=True)``, with a mismatch explained key by key."""
    expected = module.state_dict()
    for prefix in _WRAPPER_PREFIXES:
        if not expected.keys() & state.keys() and all(k.startswith(prefix) for k in state):
            state = {k.removeprefix(prefix): v for k, v in state.items()}
            notes.append(f"removed the prefix {prefix!r} from the weights' names")
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [
        f"{k} (file {_shape(v)}, model {_shape(expected[k])})"
        for k, v in state.items()
        if k in expected and v.shape != expected[k].shape
    ]
    if missing or unexpected or mismatched:
        problems = []
        if missing:
            problems.append(f"missing keys: {_listed(missing)}")
        if unexpected:
            problems.append(f"unexpected keys: {_listed(unexpected)}")
        if mismatched:
            problems.append(f"shape mismatches: {_listed(mismatched)}")
        raise AdapterError(
            f"the weights in {path.name} do not fit the module that build() returns: "
            f"{'; '.join(problems)}. build() must construct the same architecture, with the "
            "same sizes, as the code that saved the weights."
        )
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:  # e.g. a dtype the parameter cannot take
        raise AdapterError(f"the weights in {path.name} could not be loaded: {error}") from None
