"""Telling the files users pick apart by their content, not their name: TorchScript archives,
safetensors files, and LatentLab checkpoints (which open with File > Open, not an adapter)."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

from safetensors import SafetensorError, safe_open

from latentlab.models.adapters.errors import AdapterError

PathLike = str | os.PathLike[str]

# The header key of LatentLab checkpoints (training.checkpoint.METADATA_KEY; models may not
# import training): such files open with File > Open, not through an adapter.
_CHECKPOINT_METADATA_KEY = "latentlab"


def is_torchscript_file(path: PathLike) -> bool:
    """Whether ``path`` is a TorchScript archive (opened without an adapter file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    # State dicts saved by torch.save are zip archives too, but without code or constants.
    return any(n.endswith("constants.pkl") for n in names) and any("/code/" in n for n in names)


def _looks_like_safetensors(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(9)
    if len(head) < 9:
        return False
    (header_len,) = struct.unpack("<Q", head[:8])
    return head[8:9] == b"{" and 8 + header_len <= path.stat().st_size


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
