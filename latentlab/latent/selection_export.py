"""Export a selection of data points: one PNG per point plus a CSV of indices, labels and latents.

Each PNG carries its latent as provenance (File › Open latent… reads it back); the CSV is for
spreadsheets and scripts, with floats written at full precision so they parse back exactly.
Qt-free.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentlab.atomic_files import atomic_write
from latentlab.latent.provenance import Provenance, save_png_with_provenance
from latentlab.latent.recipes import DataPointRecipe
from latentlab.png_files import as_nhwc

DEFAULT_STEM = "selection"
# Group names are typed by users ("3s / outliers"); keep file names portable across systems.
_UNSAFE_FILE_CHARS = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class SelectionExport:
    """What :func:`export_selection` wrote."""

    folder: Path
    csv_path: Path
    image_paths: tuple[Path, ...]


def export_selection(
    folder: str | Path,
    *,
    images: np.ndarray,
    indices: np.ndarray,
    latents: np.ndarray,
    labels: np.ndarray | None,
    class_names: Sequence[str],
    model_sha256: str = "",
    model_name: str = "",
    group_name: str = "",
    scale: int = 1,
) -> SelectionExport:
    """Write ``<stem>_<index:06d>.png`` per point and ``<stem>.csv`` into ``folder``.

    ``images`` are the N selected data images (N×H×W×C uint8), ``indices`` their dataset
    indices, ``latents`` N×D; ``<stem>`` is the group name (made file-safe) or "selection".
    The CSV columns are index, label, class, z0 … z{D−1}. The folder is created if needed.
    """
    indices = np.asarray(indices)
    latents = np.asarray(latents)
    count = len(indices)
    if count == 0:
        raise ValueError("nothing selected: an export needs at least one point")
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(
            f"indices must be a vector of integers, got {indices.dtype} {indices.shape}"
        )
    if latents.ndim != 2 or len(latents) != count:
        raise ValueError(f"latents must be {count}×D, got shape {latents.shape}")
    if not np.isfinite(latents).all():
        raise ValueError("latents contain NaN or infinite values")
    images = as_nhwc(images)
    if len(images) != count:
        raise ValueError(f"got {len(images)} images for {count} indices")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (count,):
            raise ValueError(f"labels must have shape ({count},), got {labels.shape}")

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = _file_stem(group_name)
    rows: list[list[str]] = []
    image_paths: list[Path] = []
    for i in range(count):
        index = int(indices[i])
        label = None if labels is None else int(labels[i])
        class_name = _class_name(label, class_names)
        provenance = Provenance(
            latent=latents[i],
            model_sha256=model_sha256,
            model_name=model_name,
            recipe=DataPointRecipe(index=index, label=class_name, group=group_name),
        )
        path = folder / f"{stem}_{index:06d}.png"
        image_paths.append(save_png_with_provenance(images[i], path, provenance, scale=scale))
        # str(float) is repr precision: the shortest text that parses back to the same float.
        row_latent = [str(float(value)) for value in latents[i]]
        rows.append(
            [str(index), "" if label is None else str(label), class_name or "", *row_latent]
        )

    header = ["index", "label", "class", *(f"z{d}" for d in range(latents.shape[1]))]

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(rows)

    # The CSV comes last: its presence says every image before it was written.
    csv_path = atomic_write(folder / f"{stem}.csv", write)
    return SelectionExport(folder=folder, csv_path=csv_path, image_paths=tuple(image_paths))


def _file_stem(group_name: str) -> str:
    """A file-name-safe version of the group name, or "selection"."""
    stem = _UNSAFE_FILE_CHARS.sub("_", group_name).strip(" ._")
    return stem or DEFAULT_STEM


def _class_name(label: int | None, class_names: Sequence[str]) -> str | None:
    """The name of ``label``; None without a label or when the dataset names no such class."""
    if label is None or not 0 <= label < len(class_names):
        return None
    return class_names[label]
