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

The modules, one job each: ``loader`` (``load_adapter``), ``python_adapter`` (running the
adapter file), ``torchscript``, ``file_kinds`` (telling files apart by their content),
``state_dict`` (reading and loading weights), ``probing`` (what the adapter did not declare),
``outputs`` (the decoder's and encoder's outputs as images and latent means), ``declared``
(checking declared values), ``model`` (``AdapterModel``) and ``errors``.
"""

from latentlab.models.adapters.declared import OUTPUT_MAPPINGS, OutputMapping
from latentlab.models.adapters.errors import AdapterError, AdapterNeedsInfo, AdapterRangeError
from latentlab.models.adapters.file_kinds import PathLike, is_torchscript_file
from latentlab.models.adapters.loader import load_adapter
from latentlab.models.adapters.model import PROBE_BATCH, AdapterModel, DecodeFn, EncodeFn
from latentlab.models.adapters.outputs import RANGE_TOLERANCE

__all__ = [
    "OUTPUT_MAPPINGS",
    "PROBE_BATCH",
    "RANGE_TOLERANCE",
    "AdapterError",
    "AdapterModel",
    "AdapterNeedsInfo",
    "AdapterRangeError",
    "DecodeFn",
    "EncodeFn",
    "OutputMapping",
    "PathLike",
    "is_torchscript_file",
    "load_adapter",
]
