"""Encode your own image: one file the user dropped, preprocessed to the model's input.

Whatever the file is (a phone photo with an EXIF rotation, a transparent drawing, a 16-bit
scan, a palette GIF), the result is C×H×W uint8 in exactly the model's image shape, plus
notes telling the user what was changed, so a surprising encoding can be explained. Qt-free.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from latentlab.data.background import BackgroundTone, border_means

IMAGE_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_PIXELS = 50_000_000

_HIGH_DEPTH_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N", "F")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_GRAY_MODES = ("1", "L", "LA", "La", *_HIGH_DEPTH_MODES)
_READABLE = "PNG, JPEG, BMP, GIF, WebP, TIFF"


class ImageImportError(ValueError):
    """The file cannot be turned into a model input; the message is for users."""


@dataclass(frozen=True)
class ImportedImage:
    """A user's image, ready for the encoder.

    ``pixels`` is C×H×W uint8 in the model's image shape, ``original_size`` the file's
    (width, height), ``notes`` what was done to it, in order, for the UI."""

    pixels: np.ndarray
    source: str
    original_size: tuple[int, int]
    notes: tuple[str, ...]

    @property
    def hwc(self) -> np.ndarray:
        """The pixels as H×W×C, the layout the UI shows."""
        return self.pixels.transpose(1, 2, 0)


def load_image_for_model(
    path: str | Path,
    image_shape: tuple[int, int, int],
    *,
    background: BackgroundTone | None = None,
) -> ImportedImage:
    """Read ``path`` and turn it into the model's ``image_shape`` (C, H, W).

    ``background`` says what the dataset looks like (``latentlab.data.background``):
    transparent pixels become a dark dataset's black, and an image whose border is unlike
    the dataset's is inverted when that makes it alike. None (or a dataset of no clear tone)
    leaves tones alone and fills transparency with white.
    """
    channels, height, width = (int(v) for v in image_shape)
    if channels not in (1, 3) or height < 1 or width < 1:
        raise ValueError(f"image_shape must be (C, H, W) with C = 1 or 3, got {image_shape}")
    path = Path(path)
    if not path.exists():
        raise ImageImportError(f"no such file: {path}")
    if path.is_dir():
        raise ImageImportError(f"'{path.name}' is a folder; drop an image file instead")

    notes: list[str] = []
    image, original_size = _open_first_frame(path, notes)
    dark = background is not None and background.kind == "dark"
    image = _to_l_or_rgb(image, dark, notes)
    image = _match_channels(image, channels, notes)
    image = _crop_and_resize(image, width, height, notes)
    hwc = np.asarray(image, dtype=np.uint8).reshape(height, width, channels)
    if background is not None and background.should_invert(float(border_means(hwc[None])[0])):
        hwc = 255 - hwc
        notes.append(f"inverted to match the dataset's {background.kind} background")
    return ImportedImage(
        pixels=np.ascontiguousarray(hwc.transpose(2, 0, 1)),
        source=path.name,
        original_size=original_size,
        notes=tuple(notes),
    )


def _open_first_frame(path: Path, notes: list[str]) -> tuple[Image.Image, tuple[int, int]]:
    """Open, size-check, decode and orient the file's first frame."""
    name = path.name
    try:
        # Pillow only warns between its own limit and twice it; make every bomb an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except UnidentifiedImageError as error:
        raise ImageImportError(f"'{name}' is not an image Pillow can read ({_READABLE})") from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageImportError(f"'{name}' is too large to import: {error}") from error
    except OSError as error:
        raise ImageImportError(f"cannot open '{name}': {error}") from error

    with image:
        original_size = image.size
        if image.width * image.height > MAX_PIXELS:
            raise ImageImportError(
                f"'{name}' is {image.width}×{image.height} pixels "
                f"({image.width * image.height / 1e6:.0f} megapixels); LatentLab imports "
                f"images up to {MAX_PIXELS / 1e6:.0f} megapixels"
            )
        frames = getattr(image, "n_frames", 1)
        orientation = _orientation(image)
        try:
            image.load()  # opening is lazy: broken data only shows when decoding
            oriented = ImageOps.exif_transpose(image)
        except Exception as error:
            # Pillow's decoders report broken data with many types (OSError, SyntaxError,
            # EOFError, struct.error, ...), and a user's file can break any of them.
            raise ImageImportError(f"'{name}' is damaged or truncated: {error}") from error
    if frames > 1:
        notes.append(f"used the first of {frames} frames")
    if orientation not in (None, 1):
        notes.append("rotated as the camera's orientation tag says")
    return oriented, original_size


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation tag, or None without (readable) EXIF."""
    try:
        return image.getexif().get(0x0112)
    except Exception:  # malformed EXIF only means there is no orientation to report
        return None


def _to_l_or_rgb(image: Image.Image, dark_background: bool, notes: list[str]) -> Image.Image:
    """Any Pillow mode -> "L" or "RGB", flattening transparency and reducing bit depth."""
    if image.mode in _HIGH_DEPTH_MODES:
        return _high_depth_to_l(image, notes)
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    if has_alpha:
        return _flatten_alpha(image, dark_background, notes)
    if image.mode == "1":
        return image.convert("L")
    if image.mode not in ("L", "RGB"):
        try:
            return image.convert("RGB")  # palette, CMYK, YCbCr, ...
        except ValueError as error:
            raise ImageImportError(f"unsupported colour mode {image.mode}: {error}") from error
    return image


def _high_depth_to_l(image: Image.Image, notes: list[str]) -> Image.Image:
    """16-bit, 32-bit and float grayscale -> 8-bit "L".

    Scaled, not clipped: Pillow's own convert("L") clips, which turns most of a 16-bit scan
    white."""
    values = np.nan_to_num(np.asarray(image, dtype=np.float64))
    low, high = float(values.min()), float(values.max())
    if image.mode == "F" and low >= 0.0 and high <= 1.0:
        values = values * 255.0  # float images usually hold 0..1
    elif low >= 0.0 and high <= 255.0 and image.mode in ("I", "F"):
        pass  # already 8-bit values in a wide container
    elif low >= 0.0 and high <= 65535.0:
        values = values / 257.0  # 65535 -> 255 exactly
    else:
        values = (values - low) / max(high - low, 1e-12) * 255.0
    notes.append(f"reduced {image.mode} pixel depth to 8 bits")
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))


def _flatten_alpha(image: Image.Image, dark_background: bool, notes: list[str]) -> Image.Image:
    """Composite transparent pixels onto a flat background; returns "L" or "RGB"."""
    gray = image.mode in _GRAY_MODES
    rgba = np.asarray(image.convert("LA" if gray else "RGBA"), dtype=np.float64)
    color, alpha = rgba[..., :-1], rgba[..., -1:] / 255.0
    if (alpha >= 1.0).all():
        return Image.fromarray(color[..., 0].astype(np.uint8) if gray else color.astype(np.uint8))
    fill = 0.0 if dark_background else 255.0
    # A black drawing on a transparent canvas filled with black would vanish: fill with the
    # colour the visible strokes stand out from; the border check then inverts to match.
    weight = float(alpha.sum())
    if weight > 0:
        content = float((color.mean(axis=-1, keepdims=True) * alpha).sum() / weight)
        if abs(content - fill) < 128:
            fill = 255.0 - fill
    flat = np.rint(color * alpha + fill * (1.0 - alpha)).astype(np.uint8)
    notes.append(f"transparent pixels filled with {'black' if fill == 0 else 'white'}")
    return Image.fromarray(flat[..., 0] if gray else flat)


def _match_channels(image: Image.Image, channels: int, notes: list[str]) -> Image.Image:
    """ "L" or "RGB" -> the mode with ``channels`` bands."""
    if channels == 1 and image.mode == "RGB":
        rgb = np.asarray(image)
        if not ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all():
            notes.append("converted colour to grayscale")
        return image.convert("L")
    if channels == 3 and image.mode == "L":
        notes.append("converted grayscale to colour (three equal channels)")
        return image.convert("RGB")
    return image


def _crop_and_resize(image: Image.Image, width: int, height: int, notes: list[str]) -> Image.Image:
    """Centre-crop to the target aspect ratio, then resample to width×height."""
    w, h = image.size
    if (w, h) == (width, height):
        return image
    # Compare w/h with width/height without floats: crop the side that is too long.
    if w * height > h * width:
        crop_w, crop_h = max(1, round(h * width / height)), h
    else:
        crop_w, crop_h = w, max(1, round(w * height / width))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    box = (left, top, left + crop_w, top + crop_h)
    # reducing_gap: shrink by whole factors with a box filter first, then LANCZOS; fast and
    # alias-free when a 12-megapixel photo becomes 28×28.
    resized = image.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    size_change = f"{w}×{h} → {width}×{height}"
    if (crop_w, crop_h) == (w, h):
        notes.append(f"resized {size_change}")
    elif (crop_w, crop_h) == (width, height):
        notes.append(f"cropped to {_aspect(width, height)}, {size_change}")
    else:
        notes.append(f"cropped to {_aspect(width, height)} and resized {size_change}")
    return resized


def _aspect(width: int, height: int) -> str:
    if width == height:
        return "a square"
    divisor = gcd(width, height)
    return f"{width // divisor}:{height // divisor}"
