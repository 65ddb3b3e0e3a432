"""A Python adapter file: imported as a fresh module (RUNS the user's code), its functions and
constants read, ``build()`` called and the weights loaded into what it returns."""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from torch import nn

from latentlab.models.adapters.declared import (
    OutputMapping,
    _checked_image_shape,
    _checked_latent_dim,
    _checked_output,
)
from latentlab.models.adapters.errors import AdapterError, _call_user
from latentlab.models.adapters.model import AdapterModel
from latentlab.models.adapters.probing import _probed_model
from latentlab.models.adapters.state_dict import _load_state_dict, _read_state_dict
from latentlab.models.base import ImageShape

_adapter_counter = itertools.count()


def _open_python_adapter(
    adapter_path: Path,
    weights_path: Path | None,
    latent_dim: int | None,
    image_shape: ImageShape | None,
    output: OutputMapping | None,
) -> AdapterModel:
    if not adapter_path.is_file():
        raise AdapterError(f"{adapter_path}: no such file")
    if adapter_path.suffix != ".py":
        raise AdapterError(f"{adapter_path}: an adapter is a Python file ending in .py")
    # Read the weights before running any of the user's code: a refused file runs nothing.
    state = _read_state_dict(weights_path) if weights_path is not None else None

    namespace = _run_adapter_file(adapter_path)
    name = adapter_path.name
    build = _adapter_function(namespace, "build", name, required=True)
    decode_fn = _adapter_function(namespace, "decode", name, required=True)
    encode_fn = _adapter_function(namespace, "encode", name, required=False)
    if latent_dim is None and getattr(namespace, "LATENT_DIM", None) is not None:
        latent_dim = _checked_latent_dim(namespace.LATENT_DIM, f"LATENT_DIM in {name}")
    if image_shape is None and getattr(namespace, "IMAGE_SHAPE", None) is not None:
        image_shape = _checked_image_shape(namespace.IMAGE_SHAPE, f"IMAGE_SHAPE in {name}")
    if output is None:
        output = _checked_output(getattr(namespace, "OUTPUT", "unit"), f"OUTPUT in {name}")

    with _import_path(adapter_path.parent):  # build() may import the user's code lazily
        module = _call_user(build, (), f"build() in {name}")
    if not isinstance(module, nn.Module):
        raise AdapterError(
            f"build() in {name} returned an object of type {type(module).__name__}; it must "
            "return the torch.nn.Module to explore"
        )
    notes: list[str] = []
    if state is not None:
        assert weights_path is not None
        _load_state_dict(module, state, weights_path, notes)
    source = f"adapter {name}" + (f" + {weights_path.name}" if weights_path else "")
    model = _probed_model(
        module,
        decode_fn,
        encode_fn,
        latent_dim=latent_dim,
        image_shape=image_shape,
        output=output,
        source=source,
        notes=notes,
        adapter_path=adapter_path,
        weights_path=weights_path,
    )
    posterior_fn = _adapter_function(namespace, "posterior", name, required=False)
    logits_fn = _adapter_function(namespace, "decode_logits", name, required=False)
    if posterior_fn is not None and logits_fn is not None:
        model.set_likelihood(posterior_fn, logits_fn)
    elif posterior_fn is not None or logits_fn is not None:
        raise AdapterError(
            f"{name} defines only one of posterior() and decode_logits(); the likelihood "
            "bounds need both (or neither)"
        )
    return model


@contextmanager
def _import_path(folder: Path) -> Iterator[None]:
    """Let the adapter import the user's model code that sits next to it."""
    entry = str(folder.resolve())
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)


def _run_adapter_file(path: Path) -> ModuleType:
    """Import ``path`` as a fresh module (a unique name, so two adapters never collide)."""
    stem = re.sub(r"\W", "_", path.stem)
    name = f"latentlab_adapter_{next(_adapter_counter)}_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AdapterError(f"the adapter file {path} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by its name
    try:
        with _import_path(path.parent):
            spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(name, None)
        raise AdapterError(
            f"the adapter file {path} failed to run: syntax error on line {error.lineno}: "
            f"{error.msg}"
        ) from error
    except SystemExit as error:
        sys.modules.pop(name, None)
        raise AdapterError(
            f"the adapter file {path} failed to run: it exited (SystemExit: {error.code}). A "
            "training script that parses command-line arguments when imported cannot be an "
            "adapter; write a small adapter that imports the model class instead, or keep the "
            "script's main code under `if __name__ == '__main__':`."
        ) from error
    except Exception as error:
        sys.modules.pop(name, None)
        raise AdapterError(
            f"the adapter file {path} failed to run: {type(error).__name__}: {error}"
        ) from error
    return module


def _adapter_function(
    namespace: ModuleType, name: str, file_name: str, *, required: bool
) -> Callable[..., Any] | None:
    function = getattr(namespace, name, None)
    if function is None and not required:
        return None
    if not callable(function):
        raise AdapterError(
            f"{file_name} defines no {name}() function. An adapter file defines build() -> "
            "nn.Module and decode(module, z) -> images, and optionally encode(module, x)."
        )
    return function
