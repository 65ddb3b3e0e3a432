"""Exporting a selection: one provenance PNG per point and a CSV of exact latents (no Qt)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from latentlab.latent.provenance import read_provenance
from latentlab.latent.recipes import DataPointRecipe
from latentlab.latent.selection_export import export_selection

CLASSES = ("zero", "one", "two")


def selection(n: int = 3, dims: int = 4, channels: int = 1):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 6, channels), dtype=np.uint8)
    indices = np.array([7, 1234, 42][:n])
    latents = rng.standard_normal((n, dims)) / 3.0
    labels = np.array([0, 2, 1][:n])
    return images, indices, latents, labels


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_export_three_points(tmp_path):
    images, indices, latents, labels = selection()
    result = export_selection(
        tmp_path / "out" / "nested",
        images=images,
        indices=indices,
        latents=latents,
        labels=labels,
        class_names=CLASSES,
        model_sha256="ab" * 32,
        model_name="m.safetensors",
        group_name="odd ones",
        scale=2,
    )
    assert result.folder == tmp_path / "out" / "nested"
    assert result.csv_path == result.folder / "odd ones.csv"
    assert [p.name for p in result.image_paths] == [
        "odd ones_000007.png",
        "odd ones_001234.png",
        "odd ones_000042.png",
    ]

    rows = read_csv(result.csv_path)
    assert rows[0] == ["index", "label", "class", "z0", "z1", "z2", "z3"]
    assert len(rows) == 4
    for row, index, label, latent in zip(rows[1:], indices, labels, latents, strict=True):
        assert row[:3] == [str(index), str(label), CLASSES[label]]
        assert np.array_equal(np.array([float(v) for v in row[3:]]), latent)

    for path, image, index, label, latent in zip(
        result.image_paths, images, indices, labels, latents, strict=True
    ):
        provenance = read_provenance(path)
        assert np.array_equal(provenance.latent, latent)
        assert provenance.model_sha256 == "ab" * 32 and provenance.model_name == "m.safetensors"
        assert isinstance(provenance.recipe, DataPointRecipe)
        assert provenance.recipe.to_json() == {
            "kind": "data point",
            "index": int(index),
            "label": CLASSES[label],
            "group": "odd ones",
        }
        with Image.open(path) as png:
            assert png.size == (12, 16)
            assert np.array_equal(np.asarray(png)[::2, ::2], image[..., 0])
    assert not list(result.folder.glob("*.tmp"))


def test_export_without_labels_or_group(tmp_path):
    images, indices, latents, _ = selection(n=2, channels=3)
    result = export_selection(
        tmp_path,
        images=images,
        indices=indices,
        latents=latents.astype(np.float32),
        labels=None,
        class_names=(),
    )
    assert result.csv_path.name == "selection.csv"
    assert result.image_paths[0].name == "selection_000007.png"
    rows = read_csv(result.csv_path)
    assert rows[1][1:3] == ["", ""]
    exact = latents.astype(np.float32).astype(np.float64)
    assert np.array_equal([float(v) for v in rows[2][3:]], exact[1])
    assert read_provenance(result.image_paths[1]).recipe.label is None


def test_group_name_is_made_file_safe(tmp_path):
    images, indices, latents, labels = selection(n=1)
    result = export_selection(
        tmp_path,
        images=images,
        indices=indices,
        latents=latents,
        labels=labels,
        class_names=CLASSES,
        group_name="a/b: c",
    )
    assert result.csv_path.parent == tmp_path
    assert "/" not in result.csv_path.name and ":" not in result.csv_path.name


@pytest.mark.parametrize("drop", ["images", "indices", "latents", "labels"])
def test_mismatched_lengths_raise(tmp_path, drop):
    images, indices, latents, labels = selection()
    arrays = {"images": images, "indices": indices, "latents": latents, "labels": labels}
    arrays[drop] = arrays[drop][:2]
    with pytest.raises(ValueError):
        export_selection(tmp_path, class_names=CLASSES, **arrays)
    assert not list(tmp_path.iterdir())


def test_empty_selection_raises(tmp_path):
    with pytest.raises(ValueError, match="nothing selected"):
        export_selection(
            tmp_path,
            images=np.zeros((0, 4, 4, 1), np.uint8),
            indices=np.array([], dtype=int),
            latents=np.zeros((0, 2)),
            labels=None,
            class_names=(),
        )
