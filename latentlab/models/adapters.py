"""Models trained in the user's own code, opened through an adapter.

Two ways in, both through ``load_adapter``:

- a **Python adapter file** the user writes (``build() -> nn.Module``, ``decode(module, z)``,
  optionally ``encode(module, x)`` and the constants ``LATENT_DIM``, ``IMAGE_SHAPE``,
  ``OUTPUT``) plus a **weights file**: a state dict read with ``torch.load(...,
  weights_only=True)`` or a ``.safetensors`` file;
- a **TorchScript** file with a ``decode`` method (else ``forward`` is the decoder) and
  optionally an ``encode`` method.

Both run code from the user's files: the adapter file is imported as ordinary Python with the
user's permissions, and a TorchScript file carries the program that computes its outputs. That
is the one exception to "loading a file never executes code from it" (DESIGN.md), so the app
must only call ``load_adapter`` when the user has chosen to open a model with an adapter. The
weights file itself never runs code: anything in it other than tensors is refused.

What the adapter does not say is probed on the CPU: the latent size from the encoder's output
or from the input sizes of the model's layers, the image shape from the decoder's output. A
small batch of prior samples is then decoded to check shape, range and finiteness, so a wrong
adapter fails when it is opened, with a message that says what to change, rather than later
on the map. ``AdapterModel.notes`` says what was inferred.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import os
import re
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, get_args

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file as load_safetensors_file
from torch import nn

from latentlab.config import MAX_LATENT_DIM, MIN_LATENT_DIM, ModelConfig
from latentlab.models.base import EncoderUnavailableError, ImageShape, LatentModel

OutputMapping = Literal["unit", "tanh", "logits"]
OUTPUT_MAPPINGS: tuple[str, ...] = get_args(OutputMapping)
PROBE_BATCH = 4  # more than one, so a decoder that drops or merges the batch is caught
RANGE_TOLERANCE = 1e-3
# Keys under which training scripts commonly nest the model's state dict in a larger dict.
_NESTED_STATE_KEYS = ("state_dict", "model_state_dict", "model", "net", "netG", "generator")
# Prefixes that wrappers add to every key: nn.DataParallel and torch.compile.
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")
_LISTED = 5  # keys named in a mismatch message, per kind
_MAX_CANDIDATES = 16  # layer input sizes tried when probing the latent size

PathLike = str | os.PathLike[str]
DecodeFn = Callable[[nn.Module, torch.Tensor], Any]
EncodeFn = Callable[[nn.Module, torch.Tensor], Any]

# The header key of LatentLab checkpoints (training.checkpoint.METADATA_KEY; models may not
# import training): such files open with File > Open, not through an adapter.
_CHECKPOINT_METADATA_KEY = "latentlab"

_adapter_counter = itertools.count()


class AdapterError(ValueError):
    """A model could not be opened through an adapter; the message says why and what to do."""


class AdapterNeedsInfo(AdapterError):
    """The adapter does not say, and probing cannot tell, something LatentLab needs.

    ``missing`` names the ``load_adapter`` arguments to supply (``"latent_dim"``,
    ``"image_shape"``): ask the user, then call again with them.
    """

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class AdapterRangeError(AdapterError):
    """Decoded images fall outside [0, 1] under the declared ``OUTPUT``.

    ``suggestion`` is the ``OUTPUT`` that would fit: ``"tanh"`` when the values look like
    [-1, 1], ``"logits"`` otherwise; ``low`` and ``high`` are the extremes seen.
    """

    def __init__(self, message: str, suggestion: OutputMapping, low: float, high: float) -> None:
        super().__init__(message)
        self.suggestion = suggestion
        self.low, self.high = low, high


class AdapterModel(LatentModel):
    """A user's ``nn.Module`` behind the LatentModel interface, read-only, on the CPU.

    ``decode_fn(module, z)`` and ``encode_fn(module, x)`` are the adapter's functions;
    ``output`` says how the decoder's values map to [0, 1]. Build one with ``load_adapter``,
    which probes and validates; the constructor trusts its arguments. ``config.kind`` is
    ``"vae"`` with an encoder and ``"dcgan"`` without, for display only: this is not one of
    LatentLab's architectures and cannot be trained or saved as a LatentLab checkpoint.
    """

    kind = "adapter"

    def __init__(
        self,
        module: nn.Module,
        decode_fn: DecodeFn,
        encode_fn: EncodeFn | None = None,
        *,
        latent_dim: int,
        image_shape: ImageShape,
        output: OutputMapping = "unit",
        source: str = "adapter",
        notes: tuple[str, ...] = (),
        adapter_path: Path | None = None,
        weights_path: Path | None = None,
    ) -> None:
        config = ModelConfig(
            kind="vae" if encode_fn is not None else "dcgan",
            architecture="conv",
            latent_dim=latent_dim,
        )
        super().__init__(config, image_shape)
        self.module = module
        self._decode_fn = decode_fn
        self._encode_fn = encode_fn
        self.output: OutputMapping = output
        self.source = source  # e.g. "adapter mlp_vae_adapter.py + vae.pth"
        self.notes = tuple(notes)  # what was inferred rather than declared
        self.adapter_path = adapter_path  # None for TorchScript
        self.weights_path = weights_path
        for parameter in self.parameters():  # ScriptModules refuse module.requires_grad_()
            parameter.requires_grad_(False)
        self.eval()

    @property
    def has_encoder(self) -> bool:  # type: ignore[override]  # per instance, not per class
        return self._encode_fn is not None

    @property
    def device(self) -> torch.device:
        # A decoder may have no parameters at all (only buffers, or none).
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            return tensor.device
        return torch.device("cpu")

    def train(self, mode: bool = True) -> AdapterModel:
        # Read-only: batch norm and dropout must never switch to their training behaviour.
        return super().train(False)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        y = self._decode_fn(self.module, z)
        images = _images_from_output(y, z.shape[0], self.image_shape)
        # Out of place: the output may be a view of the user's tensors (a buffer, a cache).
        return _to_unit_range(images, self.output).clamp(0, 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self._encode_fn is None:
            raise EncoderUnavailableError(f"{self.source} has no encoder")
        return _latent_means(self._encode_fn(self.module, x), x.shape[0], self.latent_dim)

    def set_likelihood(self, posterior_fn: Callable[..., Any], logits_fn: Callable[..., Any]):
        """Offer what the likelihood bounds of ``latentlab eval`` need, as LatentLab's VAE
        does: ``posterior(x) -> (mean, log-variance)`` of a diagonal Gaussian q(z|x), and
        ``decode_logits(z)`` of a Bernoulli decoder (B×C×H×W). Checked on a probe batch."""
        module, shape, dim = self.module, self.image_shape, self.latent_dim

        def posterior(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            mean, log_var = posterior_fn(module, x)
            return mean.reshape(x.shape[0], dim), log_var.reshape(x.shape[0], dim)

        def decode_logits(z: torch.Tensor) -> torch.Tensor:
            return logits_fn(module, z).reshape(z.shape[0], *shape)

        with torch.inference_mode():
            probe = torch.zeros(PROBE_BATCH, *shape, device=self.device)
            _call_user(posterior, (probe,), f"posterior() in {self.source}")
            z = torch.zeros(PROBE_BATCH, dim, device=self.device)
            _call_user(decode_logits, (z,), f"decode_logits() in {self.source}")
        # Instance attributes, so only adapters that define them offer the bounds.
        self.posterior = posterior
        self.decode_logits = decode_logits


def load_adapter(
    adapter_path: PathLike | None,
    weights_path: PathLike | None,
    *,
    latent_dim: int | None = None,
    image_shape: tuple[int, int, int] | None = None,
    output: OutputMapping | None = None,
) -> AdapterModel:
    """Open a model trained elsewhere; RUNS CODE from the adapter or TorchScript file.

    - ``load_adapter("my_adapter.py", "weights.pth")``: import the adapter file, ``build()``
      the module, load the state dict (``.pth``/``.pt`` via ``weights_only=True``, or
      ``.safetensors``) with ``strict=True``. ``weights_path=None`` keeps the weights that
      ``build()`` set up (an adapter that loads its own weights).
    - ``load_adapter(None, "model.pt")``: a TorchScript file.

    ``latent_dim``, ``image_shape`` (C, H, W) and ``output`` override the adapter's constants;
    pass them after an ``AdapterNeedsInfo`` or ``AdapterRangeError``. Raises ``AdapterError``
    (or those subclasses) with a message for the user.
    """
    if latent_dim is not None:
        latent_dim = _checked_latent_dim(latent_dim, "latent_dim")
    if image_shape is not None:
        image_shape = _checked_image_shape(image_shape, "image_shape")
    if output is not None:
        output = _checked_output(output, "output")
    weights = Path(weights_path) if weights_path is not None else None
    if weights is not None and not weights.is_file():
        raise AdapterError(f"{weights}: no such file")
    if adapter_path is None:
        if weights is None:
            raise AdapterError("choose a TorchScript file, or an adapter file and its weights")
        return _open_torchscript(weights, latent_dim, image_shape, output)
    return _open_python_adapter(Path(adapter_path), weights, latent_dim, image_shape, output)


def is_torchscript_file(path: PathLike) -> bool:
    """Whether ``path`` is a TorchScript archive (opened without an adapter file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    # State dicts saved by torch.save are zip archives too, but without code or constants.
    return any(n.endswith("constants.pkl") for n in names) and any("/code/" in n for n in names)


# -- opening ---------------------------------------------------------------------------------


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


def _open_torchscript(
    path: Path,
    latent_dim: int | None,
    image_shape: ImageShape | None,
    output: OutputMapping | None,
) -> AdapterModel:
    if not is_torchscript_file(path):
        if _looks_like_safetensors(path):
            _refuse_latentlab_checkpoint(path)
        hint = (
            " It looks like plain weights: open it together with an adapter file that builds "
            "the model."
            if zipfile.is_zipfile(path) or _looks_like_safetensors(path)
            else ""
        )
        raise AdapterError(f"{path.name} is not a TorchScript file.{hint}")
    try:
        with warnings.catch_warnings():
            # PyTorch 2.10+ flags TorchScript as deprecated; the files users have still load.
            warnings.simplefilter("ignore", FutureWarning)
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as error:
        raise AdapterError(f"{path.name} could not be loaded as TorchScript: {error}") from error
    decode_fn = _script_decode if _has_method(module, "decode") else _script_forward
    encode_fn = _script_encode if _has_method(module, "encode") else None
    notes = [] if decode_fn is _script_decode else ["no decode method: forward is the decoder"]
    return _probed_model(
        module,
        decode_fn,
        encode_fn,
        latent_dim=latent_dim,
        image_shape=image_shape,
        output=output or "unit",
        source=f"TorchScript {path.name}",
        notes=notes,
        adapter_path=None,
        weights_path=path,
    )


def _script_decode(module: nn.Module, z: torch.Tensor) -> Any:
    return module.decode(z)  # type: ignore[operator]


def _script_forward(module: nn.Module, z: torch.Tensor) -> Any:
    return module(z)


def _script_encode(module: nn.Module, x: torch.Tensor) -> Any:
    return module.encode(x)  # type: ignore[operator]


def _has_method(module: nn.Module, name: str) -> bool:
    try:
        return callable(getattr(module, name))
    except (AttributeError, RuntimeError):
        return False


# -- the adapter file ------------------------------------------------------------------------


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


def _call_user(function: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
    try:
        return function(*args)
    except Exception as error:
        raise AdapterError(f"{what} failed: {type(error).__name__}: {error}") from error


# -- weights ---------------------------------------------------------------------------------


def _looks_like_safetensors(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(9)
    if len(head) < 9:
        return False
    (header_len,) = struct.unpack("<Q", head[:8])
    return head[8:9] == b"{" and 8 + header_len <= path.stat().st_size


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


def _refuse_latentlab_checkpoint(path: Path) -> None:
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError):
        return  # not readable as safetensors: the caller reports that
    if _CHECKPOINT_METADATA_KEY in metadata:
        raise AdapterError(
            f"{path.name} is a LatentLab checkpoint: open it with File > Open checkpoint…; "
            "it needs no adapter"
        )


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


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(str(s) for s in tensor.shape) or "scalar"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown + (f" (+{len(items) - _LISTED} more)" if len(items) > _LISTED else "")


# -- probing and validation ------------------------------------------------------------------


def _probed_model(
    module: nn.Module,
    decode_fn: DecodeFn,
    encode_fn: EncodeFn | None,
    *,
    latent_dim: int | None,
    image_shape: ImageShape | None,
    output: OutputMapping,
    source: str,
    notes: list[str],
    adapter_path: Path | None,
    weights_path: Path | None,
) -> AdapterModel:
    """Fill in what the adapter did not declare, check a decoded batch, wrap the module."""
    module = module.to("cpu").eval()
    for parameter in module.parameters():  # ScriptModules refuse module.requires_grad_()
        parameter.requires_grad_(False)
    generator = torch.Generator().manual_seed(0)
    # no_grad rather than inference_mode: anything the user's code caches here stays usable
    # by callers that do want gradients.
    with torch.no_grad():
        if latent_dim is None and encode_fn is not None and image_shape is not None:
            x = torch.rand(PROBE_BATCH, *image_shape, generator=generator)
            means = _latent_means(
                _call_user(encode_fn, (module, x), f"encode(module, x) in {source}"),
                PROBE_BATCH,
                None,
            )
            latent_dim = _checked_latent_dim(means.shape[1], "the encoder's output size")
            notes.append(f"latent size {latent_dim}: the size of encode()'s output")
        if latent_dim is None:
            latent_dim = _latent_dim_from_layers(module, decode_fn, source, notes)

        z = torch.randn(PROBE_BATCH, latent_dim, generator=generator)
        y = _call_user(
            decode_fn, (module, z), f"decode(module, z) in {source}, for z of shape {_shape(z)},"
        )
        if image_shape is None:
            image_shape = _inferred_image_shape(y, PROBE_BATCH, notes)
        images = _images_from_output(y, PROBE_BATCH, image_shape)
        _check_values(images, output)
        if encode_fn is not None:
            x = _to_unit_range(images, output).clamp(0, 1)
            means = _latent_means(
                _call_user(encode_fn, (module, x), f"encode(module, x) in {source}"),
                PROBE_BATCH,
                latent_dim,
            )
            if not torch.isfinite(means).all():
                raise AdapterError(f"encode() in {source} returned NaN or infinite values")
    return AdapterModel(
        module,
        decode_fn,
        encode_fn,
        latent_dim=latent_dim,
        image_shape=image_shape,
        output=output,
        source=source,
        notes=tuple(notes),
        adapter_path=adapter_path,
        weights_path=weights_path,
    )


def _layer_input_sizes(module: nn.Module) -> list[int]:
    """Input sizes of Linear and ConvTranspose2d layers, in the order the module lists them.

    Reads weight shapes rather than attributes so TorchScript modules (whose submodules are
    not instances of nn.Linear) work too: Linear weights are out×in, ConvTranspose2d weights
    in×out×k×k.
    """
    sizes: list[int] = []
    for sub in module.modules():
        kind = getattr(sub, "original_name", None) or type(sub).__name__
        weight = getattr(sub, "weight", None)
        if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
            continue
        if kind == "Linear":
            size = int(weight.shape[1])
        elif kind == "ConvTranspose2d":
            size = int(weight.shape[0])
        else:
            continue
        if MIN_LATENT_DIM <= size <= MAX_LATENT_DIM and size not in sizes:
            sizes.append(size)
    return sizes[:_MAX_CANDIDATES]


def _latent_dim_from_layers(
    module: nn.Module, decode_fn: DecodeFn, source: str, notes: list[str]
) -> int:
    """The first layer input size that decode accepts as B×D (the encoder's layers come first
    in most modules, so each candidate is tried, not just the first)."""
    candidates = _layer_input_sizes(module)
    first_error = None
    for size in candidates:
        z = torch.randn(2, size, generator=torch.Generator().manual_seed(0))
        try:
            y = decode_fn(module, z)
        except Exception as error:
            first_error = first_error or f"{type(error).__name__}: {error}"
            continue
        if isinstance(y, torch.Tensor) and y.dim() >= 2 and y.shape[0] == 2:
            tried = ", ".join(str(c) for c in candidates[: candidates.index(size) + 1])
            notes.append(
                f"latent size {size}: the first layer input size that decode() accepts "
                f"(tried {tried})"
            )
            return size
    detail = (
        f"decode() failed for every layer input size tried ({_listed([str(c) for c in candidates])}"
        f"; first error: {first_error})"
        if candidates
        else "the model has no Linear or ConvTranspose2d layer to read it from"
    )
    raise AdapterNeedsInfo(
        f"{source}: the latent size is not declared and could not be probed: {detail}. "
        "Set LATENT_DIM in the adapter file, or enter it.",
        missing=("latent_dim",),
    )


def _inferred_image_shape(y: Any, batch: int, notes: list[str]) -> ImageShape:
    """(C, H, W) read off the decoder's output when the adapter does not declare it."""
    _check_is_batch(y, batch)
    if y.dim() == 4:
        c, h, w = (int(s) for s in y.shape[1:])
        if c not in (1, 3):
            hint = (
                " It looks channels-last (B×H×W×C): permute it to B×C×H×W in decode()."
                if y.shape[-1] in (1, 3)
                else ""
            )
            raise AdapterError(
                f"decode() returned images of shape {_shape(y)}: LatentLab shows images with 1 "
                f"or 3 channels, B×C×H×W.{hint}"
            )
        notes.append(f"image shape {(c, h, w)}: decode()'s output")
        return (c, h, w)
    if y.dim() == 3:
        h, w = int(y.shape[1]), int(y.shape[2])
        notes.append(f"image shape (1, {h}, {w}): decode() returns B×H×W, read as gray images")
        return (1, h, w)
    if y.dim() == 2:
        n = int(y.shape[1])
        side = math.isqrt(n)
        if side * side == n:
            notes.append(
                f"image shape (1, {side}, {side}): decode() returns flat vectors of {n} values, "
                "read as square gray images (set IMAGE_SHAPE if that is wrong)"
            )
            return (1, side, side)
        raise AdapterNeedsInfo(
            f"decode() returns flat vectors of {n} values, which is not a square gray image: "
            "set IMAGE_SHAPE = (C, H, W) in the adapter file, or enter it.",
            missing=("image_shape",),
        )
    raise AdapterError(f"decode() returned a tensor of shape {_shape(y)}; expected images B×C×H×W")


def _check_is_batch(y: Any, batch: int) -> None:
    if not isinstance(y, torch.Tensor):
        raise AdapterError(
            f"decode() returned a {type(y).__name__}, not a tensor: return only the images"
        )
    if y.dim() < 2 or y.shape[0] != batch:
        raise AdapterError(
            f"decode() returned a tensor of shape {_shape(y)} for {batch} latent vectors; "
            f"expected {batch} images, {batch}×C×H×W"
        )


def _images_from_output(y: Any, batch: int, image_shape: ImageShape) -> torch.Tensor:
    """The decoder's output as float B×C×H×W; flat B×N or B×H×W outputs are reshaped in
    PyTorch's C, H, W order. 4-D outputs must match exactly: reshaping B×H×W×C would
    silently scramble the pixels."""
    _check_is_batch(y, batch)
    expected = (batch, *image_shape)
    if y.dim() == 4:
        if tuple(y.shape) != expected:
            raise AdapterError(
                f"decode() returned images of shape {_shape(y)}; expected "
                f"{'×'.join(map(str, expected))} (C×H×W = {image_shape})"
            )
        return y.float()
    if y[0].numel() != math.prod(image_shape):
        raise AdapterError(
            f"decode() returned a tensor of shape {_shape(y)}, which does not hold {batch} "
            f"images of {image_shape} (C, H, W): expected {'×'.join(map(str, expected))} or "
            f"{batch}×{math.prod(image_shape)}"
        )
    return y.reshape(expected).float()  # B×N -> B×C×H×W


def _check_values(images: torch.Tensor, output: OutputMapping) -> None:
    if not torch.isfinite(images).all():
        raise AdapterError(
            "decode() returned NaN or infinite values for samples from the prior N(0, I); "
            "check that the weights were trained and loaded"
        )
    low, high = images.min().item(), images.max().item()
    if output != "unit" or (low >= -RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE):
        return
    in_tanh_range = low >= -1 - RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE
    suggestion: OutputMapping = "tanh" if in_tanh_range else "logits"
    raise AdapterRangeError(
        f"decode() returned values in [{low:.3g}, {high:.3g}], outside [0, 1], and OUTPUT is "
        "'unit' (images used as they are). Set OUTPUT = 'tanh' if the decoder ends in tanh "
        "([-1, 1]) or 'logits' to apply a sigmoid; these values look like "
        f"{suggestion!r}. If it only overshoots [0, 1] a little, clamp it in decode().",
        suggestion=suggestion,
        low=low,
        high=high,
    )


def _to_unit_range(images: torch.Tensor, output: OutputMapping) -> torch.Tensor:
    if output == "tanh":
        return (images + 1) / 2  # [-1, 1] -> [0, 1]
    if output == "logits":
        return torch.sigmoid(images)
    return images


def _latent_means(out: Any, batch: int, latent_dim: int | None) -> torch.Tensor:
    """The encoder's output as B×D means; a (mu, logvar) tuple gives its first element."""
    if isinstance(out, tuple | list) and out:
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise AdapterError(f"encode() returned a {type(out).__name__}, not a tensor")
    if out.dim() > 2 and all(s == 1 for s in out.shape[2:]):
        out = out.flatten(1)  # conv encoders: B×D×1×1 -> B×D
    if out.dim() != 2 or out.shape[0] != batch:
        raise AdapterError(
            f"encode() returned a tensor of shape {_shape(out)} for {batch} images; expected "
            f"latent means {batch}×D"
        )
    if latent_dim is not None and out.shape[1] != latent_dim:
        hint = (
            " It looks like mean and log-variance side by side: return only the mean."
            if out.shape[1] == 2 * latent_dim
            else ""
        )
        raise AdapterError(
            f"encode() returned {out.shape[1]} values per image but the latent size is "
            f"{latent_dim}.{hint}"
        )
    return out.float()


# -- declared values -------------------------------------------------------------------------


def _checked_latent_dim(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdapterError(f"{what} must be a whole number, got {value!r}")
    if not MIN_LATENT_DIM <= value <= MAX_LATENT_DIM:
        raise AdapterError(
            f"{what} is {value}; LatentLab explores latent spaces of {MIN_LATENT_DIM} to "
            f"{MAX_LATENT_DIM} dimensions"
        )
    return value


def _checked_image_shape(value: object, what: str) -> ImageShape:
    try:
        c, h, w = (int(s) for s in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise AdapterError(f"{what} must be (channels, height, width), got {value!r}") from None
    if c not in (1, 3) or h < 1 or w < 1:
        raise AdapterError(
            f"{what} is {value!r}; images need 1 or 3 channels and a positive size, as "
            "(channels, height, width)"
        )
    return (c, h, w)


def _checked_output(value: object, what: str) -> OutputMapping:
    if value not in OUTPUT_MAPPINGS:
        raise AdapterError(
            f"{what} must be 'unit' (values already in [0, 1]), 'tanh' ([-1, 1]) or 'logits' "
            f"(a sigmoid is applied); got {value!r}"
        )
    return value  # type: ignore[return-value]
