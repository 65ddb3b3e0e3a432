"""Latent provenance inside exported PNGs: the latent, the model's hash and the recipe.

Every PNG LatentLab exports carries one iTXt chunk (key ``latentlab``) of compact JSON, so
File › Open latent… can bring back exactly the vector an image was decoded from. JSON
writes Python floats with ``repr`` precision, so float64 latents round-trip bit for bit.
Qt-free.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from latentlab import bounded_json
from latentlab.latent.recipes import NO_RECIPE, Recipe, recipe_from_json
from latentlab.png_files import write_png

PROVENANCE_KEY = "latentlab"
FORMAT_VERSION = 1
SOFTWARE = "LatentLab"
_HASH_SHOWN = 8  # hex digits of a model hash shown to users: enough to tell models apart
# What a latent PNG may hold. LatentLab's own: one latent of up to 512 numbers, strips of
# tens of frames. Checked before the JSON becomes arrays.
MAX_LATENT_SIZE = 4096
MAX_FRAMES = 10_000
MAX_NUMBERS = 1_000_000  # latent + frames
MAX_TEXT_CHARS = 24 * MAX_NUMBERS  # ~20 characters a number in JSON
MAX_RECIPE_LISTS = 1000  # lists a recipe may hold besides the frames (items, bases, ...)


class ProvenanceError(ValueError):
    """A latent cannot be read from a file or used with the open model; the message is for users."""


@dataclass(frozen=True, eq=False)
class Provenance:
    """Where an exported image came from.

    ``latent`` is the (D,) vector the image shows (for a strip: the frame the user was looking
    at), ``frames`` the F×D latents of every frame of a strip (None for single images),
    ``recipe`` how the latent was made (JSON only inside the file). Arrays are stored as
    read-only float64 copies.
    """

    latent: np.ndarray
    model_sha256: str = ""
    model_name: str = ""
    recipe: Recipe = NO_RECIPE
    frames: np.ndarray | None = None
    # The label vector a conditional model decoded the latent as (one weight per class).
    label: np.ndarray | None = None

    def __post_init__(self) -> None:
        latent = _frozen_float64(self.latent, "latent")
        if latent.ndim != 1 or latent.size == 0:
            raise ProvenanceError(f"a latent must be a non-empty vector, got shape {latent.shape}")
        object.__setattr__(self, "latent", latent)
        if self.frames is not None:
            frames = _frozen_float64(self.frames, "frames")
            if frames.ndim != 2 or frames.shape[1] != latent.size or len(frames) == 0:
                raise ProvenanceError(
                    f"frames must be F×{latent.size} like the latent, got shape {frames.shape}"
                )
            object.__setattr__(self, "frames", frames)
        if self.label is not None:
            label = _frozen_float64(self.label, "label")
            if label.ndim != 1 or label.size < 2:
                raise ProvenanceError(f"a label must be a vector of classes, got {label.shape}")
            object.__setattr__(self, "label", label)
        if not isinstance(self.model_sha256, str) or not isinstance(self.model_name, str):
            raise ProvenanceError("model_sha256 and model_name must be strings")
        if not isinstance(self.recipe, Recipe):
            raise ProvenanceError(f"recipe must be a Recipe, got {type(self.recipe).__name__}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Provenance):
            return NotImplemented
        return (
            np.array_equal(self.latent, other.latent)
            and _same_optional(self.frames, other.frames)
            and self.model_sha256 == other.model_sha256
            and self.model_name == other.model_name
            and self.recipe == other.recipe
            and _same_optional(self.label, other.label)
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays: equal but unhashable

    def to_json(self) -> str:
        """Compact JSON with ``format_version``; the recipe as its JSON object."""
        try:
            payload = {
                "format_version": FORMAT_VERSION,
                "latent": self.latent.tolist(),
                "model_sha256": self.model_sha256,
                "model_name": self.model_name,
                "recipe": self.recipe.to_json(),
                "frames": None if self.frames is None else self.frames.tolist(),
                "label": None if self.label is None else self.label.tolist(),
            }
            return json.dumps(payload, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ProvenanceError(f"the recipe cannot be stored as JSON: {error}") from error

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        """Parse :meth:`to_json` output; ProvenanceError on anything malformed or too new."""
        # Counted before parsing: 10^6 one-number frames would be ~130 MB of Python lists.
        lists = text.count("[")
        if lists > MAX_FRAMES + MAX_RECIPE_LISTS:
            raise ProvenanceError(
                f"the LatentLab metadata holds {lists:,} lists; a latent with the most frames "
                f"LatentLab opens ({MAX_FRAMES:,}) holds at most {MAX_FRAMES + MAX_RECIPE_LISTS:,}"
            )
        try:
            payload = bounded_json.loads(text, max_chars=MAX_TEXT_CHARS, allow_nan=False)
        except bounded_json.JSONLimitError as error:
            raise ProvenanceError(f"the LatentLab metadata is corrupt: {error}") from None
        if not isinstance(payload, dict):
            raise ProvenanceError("the LatentLab metadata is corrupt: expected a JSON object")
        version = payload.get("format_version")
        if not _is_int(version) or version < 1:
            raise ProvenanceError("the LatentLab metadata is corrupt: no valid format_version")
        if version > FORMAT_VERSION:
            raise ProvenanceError(
                f"this latent was made by a newer LatentLab (format {version}; this version "
                f"reads format {FORMAT_VERSION}); please update LatentLab to open it"
            )
        latent = _number_list(payload.get("latent"), "latent", MAX_LATENT_SIZE)
        frames_value = payload.get("frames")
        frames = None
        if frames_value is not None:
            if not isinstance(frames_value, list):
                raise ProvenanceError("the LatentLab metadata is corrupt: 'frames' is not a list")
            if len(frames_value) > MAX_FRAMES or len(frames_value) * len(latent) > MAX_NUMBERS:
                raise ProvenanceError(
                    f"this file holds {len(frames_value):,} frames of {len(latent)} numbers; "
                    f"LatentLab opens up to {MAX_FRAMES:,} frames and {MAX_NUMBERS:,} numbers"
                )
            frames = [_number_list(row, "frames", len(latent)) for row in frames_value]
            if any(len(row) != len(latent) for row in frames):
                raise ProvenanceError(
                    f"the LatentLab metadata is corrupt: every frame must have {len(latent)} "
                    "numbers, like the latent"
                )
        model_sha256 = payload.get("model_sha256", "")
        model_name = payload.get("model_name", "")
        recipe = payload.get("recipe", {})
        if not isinstance(model_sha256, str) or not isinstance(model_name, str):
            raise ProvenanceError("the LatentLab metadata is corrupt: model fields are not text")
        if not isinstance(recipe, dict):
            raise ProvenanceError("the LatentLab metadata is corrupt: 'recipe' is not an object")
        label = payload.get("label")
        if label is not None:
            label = np.array(_number_list(label, "label", MAX_LATENT_SIZE), dtype=np.float64)
        return cls(
            latent=np.array(latent, dtype=np.float64),
            model_sha256=model_sha256,
            model_name=model_name,
            recipe=recipe_from_json(recipe),
            frames=None if frames is None else np.array(frames, dtype=np.float64),
            label=label,
        )


def describe(provenance: Provenance) -> str:
    """One line for people reading the PNG's Description, e.g. in an image viewer."""
    parts = [f"{provenance.latent.size}-dimensional latent"]
    details = ", ".join(
        f"{key}: {value}"
        for key, value in provenance.recipe.to_json().items()
        if isinstance(value, (str, int, float))  # scalars only: lists of numbers are noise here
    )
    if details:
        parts.append(details)
    if provenance.model_name:
        parts.append(f"model {provenance.model_name}")
    if provenance.frames is not None:
        parts.append(f"{len(provenance.frames)} frames")
    return "LatentLab " + "; ".join(parts)


def png_info(provenance: Provenance) -> PngInfo:
    """PNG text chunks: Software, a one-line Description and the ``latentlab`` iTXt JSON."""
    info = PngInfo()
    info.add_text("Software", SOFTWARE)
    info.add_text("Description", describe(provenance))
    # Uncompressed on purpose: Pillow refuses compressed text over 1 MB when reading, and a long
    # strip of wide latents can get there; float digits barely compress anyway.
    info.add_itxt(PROVENANCE_KEY, provenance.to_json())
    return info


def save_png_with_provenance(
    image: np.ndarray, path: str | Path, provenance: Provenance, *, scale: int = 1
) -> Path:
    """Write one H×W, H×W×1 or H×W×3 uint8 image, enlarged ``scale``× with nearest pixels, as a
    PNG carrying ``provenance``; atomic like every export. Returns the path."""
    return write_png(image, path, scale=scale, text=png_info(provenance))


def read_provenance(path: str | Path) -> Provenance:
    """The Provenance stored in a LatentLab PNG; ProvenanceError with a user-facing reason."""
    path = Path(path)
    if not path.exists():
        raise ProvenanceError(f"no such file: {path}")
    if not path.is_file():  # a folder, a FIFO or a device would block or mislead
        raise ProvenanceError(f"'{path.name}' is not a regular file, so not a PNG")
    try:
        with Image.open(path) as image:
            image_format = image.format
            text = image.info.get(PROVENANCE_KEY)
            if text is None and image_format == "PNG":
                # Text after the pixel data only shows up once the whole file is read.
                text = image.text.get(PROVENANCE_KEY)
    except UnidentifiedImageError as error:
        raise ProvenanceError(f"'{path.name}' is not an image (not a PNG)") from error
    except Image.DecompressionBombError:
        raise ProvenanceError(
            f"'{path.name}' claims more pixels than LatentLab opens ({Image.MAX_IMAGE_PIXELS:,}); "
            "it is not an image LatentLab exported"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ProvenanceError(f"'{path.name}' is a damaged PNG: {error}") from error
    if image_format != "PNG":
        raise ProvenanceError(
            f"'{path.name}' is a {image_format or 'non-PNG'} image, not a PNG; "
            "only PNGs exported by LatentLab carry a latent"
        )
    if text is None:
        raise ProvenanceError(
            f"'{path.name}': this PNG has no LatentLab latent (it was not exported by LatentLab, "
            "or an editor removed its metadata)"
        )
    return Provenance.from_json(str(text))


def file_sha256(path: str | Path, *, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so big checkpoints never sit in memory at once."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def check_compatible(provenance: Provenance, latent_dim: int, model_sha256: str) -> str:
    """Raise ProvenanceError when the latent cannot feed the open model; return a warning
    ("" if none) when it was made with a different (or unverifiable) model."""
    dims = provenance.latent.size
    if dims != latent_dim:
        raise ProvenanceError(f"this latent has {dims} dimensions; the open model has {latent_dim}")
    made_with = provenance.model_sha256.lower()
    if not made_with or made_with == model_sha256.lower():
        return ""
    origin = f"sha256 {made_with[:_HASH_SHOWN]}…"
    if provenance.model_name:
        origin = f"{provenance.model_name}, {origin}"
    if not model_sha256:
        # An unsaved training run has no file to hash: we cannot tell, so say so.
        return (
            f"made with {origin}; the open model has no saved file to compare, "
            "so decoding it may look different"
        )
    return f"made with another model ({origin}); decoding it with this one may look different"


def _same_optional(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


def _frozen_float64(values: Any, name: str) -> np.ndarray:
    """A read-only float64 copy of ``values``, refusing NaN and infinities."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ProvenanceError(f"{name} must be numbers: {error}") from error
    if not np.isfinite(array).all():
        raise ProvenanceError(f"{name} contains NaN or infinite values")
    array.setflags(write=False)
    return array


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_list(value: Any, name: str, most: int) -> list[float]:
    """Validate a JSON list of at most ``most`` finite numbers (bools are not numbers here)."""
    if not isinstance(value, list) or not value:
        raise ProvenanceError(f"the LatentLab metadata is corrupt: '{name}' is not a number list")
    if len(value) > most:
        raise ProvenanceError(
            f"the LatentLab metadata is corrupt: '{name}' holds {len(value):,} numbers (at most "
            f"{most:,} here)"
        )
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            shown = repr(item) if len(repr(item)) <= 40 else type(item).__name__
            raise ProvenanceError(f"the LatentLab metadata is corrupt: '{name}' holds {shown}")
        if not math.isfinite(item):
            raise ProvenanceError(f"the LatentLab metadata is corrupt: '{name}' is not finite")
    return [float(item) for item in value]
