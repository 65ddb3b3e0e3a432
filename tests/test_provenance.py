"""Latent provenance in exported PNGs: writing, reading back exactly, and every error (no Qt)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from hostile_files import png_claiming
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from latentlab.latent.export import save_strip_png
from latentlab.latent.provenance import (
    FORMAT_VERSION,
    PROVENANCE_KEY,
    Provenance,
    ProvenanceError,
    check_compatible,
    file_sha256,
    read_provenance,
    save_png_with_provenance,
)
from latentlab.latent.recipes import ArithmeticRecipe, GroupRecipe, KeypointRecipe, UnknownRecipe

SHA = "1a2b3c4d" + "0" * 56


def awkward_latent(dims: int = 16, seed: int = 0) -> np.ndarray:
    """Floats whose shortest decimal form is long: a lossy format would change them."""
    return np.random.default_rng(seed).standard_normal(dims) / 3.0


def sample(frames: bool = False) -> Provenance:
    return Provenance(
        latent=awkward_latent(),
        model_sha256=SHA,
        model_name="mnist-vae.safetensors",
        recipe=ArithmeticRecipe(
            expression="A - B + C",
            items=(("A", KeypointRecipe(latent=(0.1, 1e-300))), ("B", GroupRecipe(count=1))),
        ),
        frames=np.stack([awkward_latent(seed=s) for s in range(5)]) if frames else None,
    )


def gray_image(h: int = 6, w: int = 5) -> np.ndarray:
    return (np.arange(h * w).reshape(h, w) * 7 % 256).astype(np.uint8)


def test_json_round_trip_is_exact():
    original = sample(frames=True)
    text = original.to_json()
    assert json.loads(text)["format_version"] == FORMAT_VERSION
    back = Provenance.from_json(text)
    assert back == original
    assert np.array_equal(back.latent, original.latent)
    assert np.array_equal(back.frames, original.frames)


def test_float32_latent_round_trips_as_float64():
    latent32 = awkward_latent().astype(np.float32)
    back = Provenance.from_json(Provenance(latent=latent32).to_json())
    assert back.latent.dtype == np.float64
    assert np.array_equal(back.latent, latent32.astype(np.float64))


def test_recipe_may_hold_numpy_values():
    recipe = KeypointRecipe(latent=np.arange(3), description="x")  # an array, not a tuple
    unknown = UnknownRecipe.of({"a": np.arange(3), "t": np.float32(0.5)})
    for written, read in (
        (recipe, KeypointRecipe(latent=(0.0, 1.0, 2.0), description="x")),
        (unknown, UnknownRecipe.of({"a": [0, 1, 2], "t": 0.5})),
    ):
        provenance = Provenance(latent=[1.0, 2.0], recipe=written)
        assert Provenance.from_json(provenance.to_json()).recipe == read


@pytest.mark.parametrize("channels", [None, 1, 3])
def test_save_and_read_back(tmp_path, channels):
    image = gray_image()
    if channels is not None:
        image = np.repeat(image[..., None], channels, axis=2)
    original = sample(frames=True)
    path = save_png_with_provenance(image, tmp_path / "z.png", original, scale=3)
    back = read_provenance(path)
    assert back == original
    assert np.array_equal(back.latent, original.latent)
    assert back.model_sha256 == SHA and back.model_name == "mnist-vae.safetensors"
    assert back.recipe == original.recipe
    with Image.open(path) as png:
        assert png.size == (5 * 3, 6 * 3)
        assert png.mode == ("RGB" if channels == 3 else "L")
    assert not list(tmp_path.glob("*.tmp"))


def test_pillow_sees_the_text_chunks(tmp_path):
    path = save_png_with_provenance(gray_image(), tmp_path / "z.png", sample())
    with Image.open(path) as png:
        assert png.text["Software"] == "LatentLab"
        assert "A - B + C" in png.text["Description"]
        assert json.loads(png.text[PROVENANCE_KEY])["model_sha256"] == SHA


def test_strip_png_carries_provenance(tmp_path):
    images = np.stack([gray_image()] * 5)[..., None]
    original = sample(frames=True)
    path = save_strip_png(images, tmp_path / "strip.png", scale=2, provenance=original)
    back = read_provenance(path)
    assert back == original
    assert np.array_equal(back.frames, original.frames)


def test_missing_file(tmp_path):
    with pytest.raises(ProvenanceError, match="no such file"):
        read_provenance(tmp_path / "nope.png")


def test_jpeg_is_not_a_png(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8), "red").save(path, format="JPEG")
    with pytest.raises(ProvenanceError, match="not a PNG"):
        read_provenance(path)


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(ProvenanceError, match="not an image"):
        read_provenance(path)


def test_png_without_metadata(tmp_path):
    path = tmp_path / "plain.png"
    Image.new("L", (8, 8)).save(path)
    with pytest.raises(ProvenanceError, match="has no LatentLab latent"):
        read_provenance(path)


def write_chunk(path, text: str) -> None:
    info = PngInfo()
    info.add_itxt(PROVENANCE_KEY, text)
    Image.new("L", (4, 4)).save(path, pnginfo=info)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"format_version": 1}',
        '{"format_version": 1, "latent": [1, "x"]}',
        '{"format_version": 1, "latent": [1, NaN]}',
        '{"format_version": 1, "latent": [1, true]}',
        '{"format_version": 1, "latent": [1, 2], "frames": [[1]]}',
        '{"format_version": 1, "latent": [1, 2], "recipe": []}',
        '{"latent": [1, 2]}',
    ],
)
def test_corrupt_json(tmp_path, text):
    path = tmp_path / "bad.png"
    write_chunk(path, text)
    with pytest.raises(ProvenanceError):
        read_provenance(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format_version": 1, "latent": [' + "9" * 400 + "]}", "integer of 400 digits"),
        ('{"format_version": 1, "latent": [1, 2], "frames": [[1, 2], [3]]}', "every frame"),
        ('{"format_version": 1, "latent": ' + "[" * 5_000 + "]" * 5_000 + "}", "nested"),
        (
            '{"format_version": 1, "latent": [1], "frames": [' + ",".join(["[1]"] * 20_000) + "]}",
            "holds 20,002 lists",
        ),
        (
            '{"format_version": 1, "latent": [1], "frames": [' + ",".join(["[1]"] * 10_500) + "]}",
            "10,500 frames",
        ),
        ('{"format_version": 1, "latent": [' + ",".join(["1"] * 5000) + "]}", "5,000 numbers"),
    ],
    ids=[
        "huge-integer",
        "ragged-frames",
        "deeply-nested",
        "too-many-lists",
        "too-many-frames",
        "huge-latent",
    ],
)
def test_hostile_latent_files_get_one_line_reasons(tmp_path, text, reason):
    """#22: these raised OverflowError, ValueError and RecursionError, or froze the GUI."""
    path = tmp_path / "hostile.png"
    write_chunk(path, text)
    with pytest.raises(ProvenanceError, match=reason) as refused:
        read_provenance(path)
    assert "\n" not in str(refused.value)


def test_a_decompression_bomb_header_is_refused_without_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(20_000, 20_000))
    with pytest.raises(ProvenanceError, match="more pixels than LatentLab opens"):
        read_provenance(path)


def test_a_fifo_is_not_opened(tmp_path):
    import os

    path = tmp_path / "pipe.png"
    os.mkfifo(path)  # opening it for reading would block forever
    with pytest.raises(ProvenanceError, match="not a regular file"):
        read_provenance(path)


def test_newer_format_version(tmp_path):
    path = tmp_path / "future.png"
    write_chunk(path, json.dumps({"format_version": FORMAT_VERSION + 1, "latent": [1.0]}))
    with pytest.raises(ProvenanceError, match="newer LatentLab"):
        read_provenance(path)


def test_non_finite_latent_is_refused():
    with pytest.raises(ProvenanceError, match="NaN"):
        Provenance(latent=[0.0, float("nan")])


def test_check_compatible_dimension_mismatch():
    provenance = Provenance(latent=np.zeros(20))
    with pytest.raises(
        ProvenanceError, match="this latent has 20 dimensions; the open model has 16"
    ):
        check_compatible(provenance, 16, "")


def test_check_compatible_warnings():
    provenance = sample()
    assert check_compatible(provenance, 16, SHA) == ""
    assert check_compatible(provenance, 16, SHA.upper()) == ""
    warning = check_compatible(provenance, 16, "f" * 64)
    assert "another model (mnist-vae.safetensors, sha256 1a2b3c4d…)" in warning
    assert "may look different" in check_compatible(provenance, 16, "")
    assert check_compatible(Provenance(latent=np.zeros(16)), 16, "f" * 64) == ""


def test_file_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "model.bin"
    data = np.random.default_rng(0).bytes(3000)
    path.write_bytes(data)
    assert file_sha256(path, chunk_size=1000) == hashlib.sha256(data).hexdigest()
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_a_conditional_latent_keeps_its_label_vector():
    label = np.array([0.0, 0.25, 0.75])
    original = Provenance(latent=awkward_latent(4), model_sha256=SHA, label=label)
    back = Provenance.from_json(original.to_json())
    assert back == original and np.array_equal(back.label, label)
    assert back != Provenance(latent=awkward_latent(4), model_sha256=SHA)
    unconditional = Provenance.from_json(Provenance(latent=awkward_latent(4)).to_json())
    assert unconditional.label is None
    with pytest.raises(ProvenanceError, match="label"):
        Provenance(latent=awkward_latent(4), label=np.ones((2, 2)))
