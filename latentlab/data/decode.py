"""Decoding image files into equal-sized square uint8 arrays, many files at once."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from latentlab.data.errors import DatasetWarning

# Pillow decodes an image between its pixel limit (~89 megapixels) and twice that with only a
# DecompressionBombWarning (a 12000×12000 PNG: 432 MB). LatentLab never wants such a decode:
# decode_square checks the size itself before decoding, and the file is skipped with a reason.
# The warning is also made an error for the process (a filter set once, as catch_warnings is
# not thread-safe and files are decoded on many threads), so Pillow's own text is not printed.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

_GRAY_MODES = frozenset({"1", "L"})
_HIGH_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@dataclass(frozen=True)
class DecodedImages:
    """Result of decoding a list of files.

    ``images`` is uint8 N×3×S×S for the files that could be read (in input order), ``gray`` says
    per image whether it has no color, ``kept`` is a bool mask over the input paths marking those
    files, and ``failed`` lists (path, reason) for the others.
    """

    images: np.ndarray
    gray: np.ndarray
    kept: np.ndarray
    failed: list[tuple[Path, str]]


def decode_square(path: Path, size: int) -> tuple[np.ndarray, bool]:
    """One image as uint8 S×S×3 (short side scaled to ``size``, center-cropped) and is-gray."""
    with Image.open(path) as img:  # reads the header only
        if img.width * img.height > Image.MAX_IMAGE_PIXELS:  # whatever the warning filters say
            raise Image.DecompressionBombError(f"{img.width}×{img.height} pixels")
        # JPEG can decode at 1/2, 1/4 or 1/8 scale; for photos much larger than ``size`` this is
        # several times faster and the final resize hides the difference.
        img.draft(None, (size, size))
        img = ImageOps.exif_transpose(img)  # phone photos are stored sideways plus a rotation tag
        img = _to_rgb_or_gray(img)
        img = ImageOps.fit(img, (size, size), method=Image.Resampling.BICUBIC)
        arr = np.asarray(img)
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2), True
    # Gray pictures are often saved as RGB; equal channels mean the user sees no color.
    gray = bool((arr[:, :, 0] == arr[:, :, 1]).all() and (arr[:, :, 1] == arr[:, :, 2]).all())
    return arr, gray


def decode_many(paths: Sequence[Path], size: int) -> DecodedImages:
    """Decode ``paths`` in parallel threads (Pillow releases the GIL while decoding)."""
    n = len(paths)
    out = np.empty((n, 3, size, size), dtype=np.uint8)
    gray = np.zeros(n, dtype=bool)
    ok = np.zeros(n, dtype=bool)
    errors: list[str | None] = [None] * n

    def work(i: int) -> None:
        try:
            arr, is_gray = decode_square(paths[i], size)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            errors[i] = f"too large to decode: more than {Image.MAX_IMAGE_PIXELS:,} pixels"
            return
        except Exception as err:  # any broken file is skipped, never fatal
            errors[i] = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            return
        out[i] = arr.transpose(2, 0, 1)
        gray[i], ok[i] = is_gray, True

    workers = min(32, (os.cpu_count() or 1) + 4)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # list() re-raises anything unexpected from a worker instead of swallowing it.
        list(pool.map(work, range(n)))
    failed = [(paths[i], errors[i] or "unknown error") for i in np.flatnonzero(~ok)]
    if ok.all():
        return DecodedImages(out, gray, ok, failed)
    return DecodedImages(out[ok], gray[ok], ok, failed)


def warn_unreadable(failed: list[tuple[Path, str]], total: int, where: Path) -> None:
    """One DatasetWarning for all skipped files: how many, and a few examples with reasons."""
    examples = "; ".join(f"{path} ({reason})" for path, reason in failed[:3])
    more = ", ..." if len(failed) > 3 else ""
    warnings.warn(
        f"Skipped {len(failed)} of {total} image files under {where} that could not be read, "
        f"e.g. {examples}{more}",
        DatasetWarning,
        stacklevel=5,  # warn_unreadable <- loader <- _load <- load_dataset <- the caller
    )


def _to_rgb_or_gray(img: Image.Image) -> Image.Image:
    if img.mode in _GRAY_MODES:
        return img.convert("L")
    if img.mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_gray(img)
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        # Transparent pixels often hold leftover colors; show the image over black instead.
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _high_depth_to_gray(img: Image.Image) -> Image.Image:
    # Pillow's convert("L") clips 16-bit values at 255, turning most pixels white; scale instead.
    arr = np.asarray(img).astype(np.float64)
    if img.mode == "F":
        arr = arr * 255 if arr.size and np.nanmax(arr) <= 1 else arr
    elif img.mode.startswith("I;16") or (arr.size and arr.max() > 255):
        arr = arr / 257
    return Image.fromarray(np.clip(np.nan_to_num(arr), 0, 255).round().astype(np.uint8), "L")
