"""Malformed and hostile files made from a good checkpoint, for tests that open many files
(the monkey session); the full corpus with the expected messages is test_hostile_checkpoints."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes


def checkpoint_parts(good: Path) -> tuple[bytes, dict, dict]:
    """A checkpoint's bytes, its LatentLab metadata and its tensors, to be broken."""
    data = good.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    metadata = json.loads(json.loads(data[8 : 8 + n])["__metadata__"]["latentlab"])
    return data, metadata, load_bytes(data)


def hostile_checkpoints(good: Path, folder: Path, data_folder: Path) -> list[Path]:
    """Files that must each be refused with one line (or, the last, ask before reading the
    folder it names as its data)."""
    data, metadata, tensors = checkpoint_parts(good)

    def with_metadata(**changes) -> bytes:
        changed = {**json.loads(json.dumps(metadata)), **changes}
        return save_bytes(tensors, metadata={"latentlab": json.dumps(changed)})

    nan = {
        k: v.clone().fill_(float("nan")) if k.startswith("model.") else v
        for k, v in tensors.items()
    }
    made = {
        "truncated": data[: len(data) - 64],
        "padded": data + b"\0" * 64,
        "nested": save_bytes(tensors, metadata={"latentlab": "[" * 100_000 + "]" * 100_000}),
        "huge-image": with_metadata(image_shape=[1, 100_000, 100_000]),
        "no-model": with_metadata(model="vae"),
        "nan-weights": save_bytes(nan, metadata={"latentlab": json.dumps(metadata)}),
        "names-a-folder": with_metadata(
            dataset={**metadata.get("dataset", {}), "spec": f"folder:{data_folder}"}
        ),
    }
    paths = []
    for name, blob in made.items():
        path = folder / f"hostile-{name}.safetensors"
        path.write_bytes(blob)
        paths.append(path)
    return paths


def hostile_latent_pngs(folder: Path) -> list[Path]:
    """PNGs whose latent metadata or header must be refused with one line."""
    texts = {
        "huge-integer": '{"format_version": 1, "latent": [' + "9" * 400 + "]}",
        "ragged": '{"format_version": 1, "latent": [1, 2], "frames": [[1, 2], [3]]}',
        "nested": '{"format_version": 1, "latent": ' + "[" * 50_000 + "]" * 50_000 + "}",
    }
    paths = []
    for name, text in texts.items():
        info = PngInfo()
        info.add_itxt("latentlab", text)
        path = folder / f"hostile-{name}.png"
        Image.new("L", (4, 4)).save(path, pnginfo=info)
        paths.append(path)
    path = folder / "hostile-bomb.png"
    path.write_bytes(png_claiming(20_000, 20_000))
    paths.append(path)
    return paths


def png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose IHDR chunk then claims ``width`` × ``height`` pixels: what a
    decompression bomb's header looks like, without its megabytes."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)  # IHDR's data: after the 8-byte signature
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # and its length
    return bytes(data)
