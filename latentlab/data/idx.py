"""Reader for MNIST-style idx files, plain or gzip-compressed.

Format (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), a byte with the number
of dimensions, one uint32 per dimension, then the values in C order.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from latentlab.data.errors import DatasetError

_UBYTE = 0x08


def find_idx_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` if it exists, else ``folder/name.gz``, else None.

    The extracted file is preferred because it needs no decompression; torchvision leaves both
    next to each other after a download.
    """
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def read_idx(path: Path, *, ndim: int) -> np.ndarray:
    """The uint8 array stored in an idx file with ``ndim`` dimensions (read-only view).

    Raises DatasetError when the file is not such an idx file, is truncated or has extra bytes.
    """
    raw = _read_bytes(path)
    expected_magic = (_UBYTE << 8) | ndim
    magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if magic != expected_magic:
        found = "too short" if magic is None else f"magic number {magic:#010x}"
        raise DatasetError(
            f"{path} is not an idx file of {ndim}-D unsigned bytes ({found}, expected "
            f"{expected_magic:#010x}). It may be corrupt: delete it and download it again."
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(
            f"{path} is truncated (header incomplete). Delete it and download again."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    n_values = int(np.prod(shape))
    if len(raw) - header != n_values:
        raise DatasetError(
            f"{path} is {'truncated' if len(raw) - header < n_values else 'corrupt'}: its header "
            f"promises {'×'.join(map(str, shape))} = {n_values:,} bytes of data but it holds "
            f"{len(raw) - header:,}. Delete it and download it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, EOFError, zlib.error) as err:
        # gzip reports a cut-off download as EOFError and a damaged one as BadGzipFile/zlib.error.
        raise DatasetError(
            f"Could not read {path}: {err}. The file may be truncated or corrupt: delete it and "
            "download it again."
        ) from err
