"""``load_adapter``: the one way in, to a Python adapter file with its weights or to a
TorchScript file."""

from __future__ import annotations

from pathlib import Path

from latentlab.models.adapters.declared import (
    OutputMapping,
    _checked_image_shape,
    _checked_latent_dim,
    _checked_output,
)
from latentlab.models.adapters.errors import AdapterError
from latentlab.models.adapters.file_kinds import PathLike
from latentlab.models.adapters.model import AdapterModel
from latentlab.models.adapters.python_adapter import _open_python_adapter
from latentlab.models.adapters.torchscript import _open_torchscript


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
