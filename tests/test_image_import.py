"""Encoding your own image: any file Pillow reads becomes the model's input (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from latentlab.data.background import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    background_of,
)
from latentlab.data.image_import import (
    ImageImportError,
    load_image_for_model,
)

MNIST = (1, 28, 28)


def ring(image: np.ndarray) -> np.ndarray:
    """The outer 1-pixel ring of an H×W(×C) array."""
    return np.concatenate(
        [image[0].ravel(), image[-1].ravel(), image[:, 0].ravel(), image[:, -1].ravel()]
    )


def digit_on_white(size: int = 56) -> Image.Image:
    """A black '1'-like bar on a white page, as drawn in a paint program."""
    page = np.full((size, size), 255, dtype=np.uint8)
    page[size // 5 : -size // 5, size // 2 - 3 : size // 2 + 3] = 0
    return Image.fromarray(page)


def test_colour_jpeg_to_mnist_shape(tmp_path):
    rgb = np.zeros((48, 64, 3), dtype=np.uint8)
    rgb[..., 0] = np.linspace(0, 255, 64, dtype=np.uint8)  # a red ramp: clearly colour
    rgb[..., 2] = 90
    path = tmp_path / "photo.jpg"
    Image.fromarray(rgb).save(path, format="JPEG")
    imported = load_image_for_model(path, MNIST)
    assert imported.pixels.shape == (1, 28, 28) and imported.pixels.dtype == np.uint8
    assert imported.hwc.shape == (28, 28, 1)
    assert imported.source == "photo.jpg"
    assert imported.original_size == (64, 48)
    assert "converted colour to grayscale" in imported.notes
    assert "cropped to a square and resized 64×48 → 28×28" in imported.notes
    assert not any("inverted" in note for note in imported.notes)  # no background given


def test_black_on_white_digit_is_inverted_for_a_dark_dataset(tmp_path):
    path = tmp_path / "digit.png"
    digit_on_white().save(path)
    imported = load_image_for_model(path, MNIST, background=DARK_BACKGROUND)
    assert "inverted to match the dataset's dark background" in imported.notes
    assert ring(imported.hwc[..., 0]).mean() < 10
    assert imported.hwc.max() > 200  # the stroke is now light
    # A light dataset keeps it as it is.
    kept = load_image_for_model(path, MNIST, background=LIGHT_BACKGROUND)
    assert not any("inverted" in note for note in kept.notes)
    assert ring(kept.hwc[..., 0]).mean() > 245


def test_white_on_black_is_inverted_for_a_light_dataset(tmp_path):
    path = tmp_path / "neg.png"
    Image.fromarray(255 - np.asarray(digit_on_white())).save(path)
    imported = load_image_for_model(path, MNIST, background=LIGHT_BACKGROUND)
    assert "inverted to match the dataset's light background" in imported.notes


def test_transparent_background_becomes_the_dataset_background(tmp_path):
    rgba = np.zeros((28, 28, 4), dtype=np.uint8)
    rgba[6:22, 12:16] = (255, 255, 255, 255)  # an opaque white stroke on a transparent canvas
    path = tmp_path / "stroke.png"
    Image.fromarray(rgba, mode="RGBA").save(path)
    imported = load_image_for_model(path, MNIST, background=DARK_BACKGROUND)
    assert "transparent pixels filled with black" in imported.notes
    assert imported.hwc[0, 0, 0] == 0 and imported.hwc[10, 13, 0] == 255
    assert imported.notes == (
        "transparent pixels filled with black",
    )  # gray content: no colour note


def test_black_drawing_on_transparent_canvas_stays_visible(tmp_path):
    rgba = np.zeros((28, 28, 4), dtype=np.uint8)
    rgba[6:22, 12:16, 3] = 255  # an opaque black stroke: filling with black would hide it
    path = tmp_path / "pen.png"
    Image.fromarray(rgba, mode="RGBA").save(path)
    imported = load_image_for_model(path, MNIST, background=DARK_BACKGROUND)
    assert "transparent pixels filled with white" in imported.notes
    assert "inverted to match the dataset's dark background" in imported.notes
    assert imported.hwc[0, 0, 0] == 0 and imported.hwc[10, 13, 0] == 255


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 28 * 28).reshape(28, 28).astype(np.uint16)
    path = tmp_path / "scan.png"
    Image.fromarray(ramp).save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    imported = load_image_for_model(path, MNIST)
    assert imported.hwc[0, 0, 0] == 0 and imported.hwc[-1, -1, 0] == 255
    assert 100 < imported.hwc[14, 0, 0] < 155  # the middle of the ramp is mid-gray, not white
    assert any("8 bits" in note for note in imported.notes)


def test_grayscale_file_to_a_colour_model(tmp_path):
    path = tmp_path / "gray.png"
    Image.fromarray(np.full((32, 32), 77, dtype=np.uint8)).save(path)
    imported = load_image_for_model(path, (3, 16, 16))
    assert imported.pixels.shape == (3, 16, 16)
    assert (imported.pixels == 77).all()
    assert "converted grayscale to colour (three equal channels)" in imported.notes
    assert "resized 32×32 → 16×16" in imported.notes


def test_palette_gif_takes_first_frame(tmp_path):
    frames = [Image.new("P", (28, 28), color) for color in (0, 1)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    imported = load_image_for_model(path, MNIST)
    assert "used the first of 2 frames" in imported.notes
    assert (imported.pixels == 0).all()


def test_exif_orientation_is_applied(tmp_path):
    page = np.zeros((20, 40), dtype=np.uint8)
    page[:, :20] = 255  # left half light
    image = Image.fromarray(page)
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "phone.jpg"
    image.save(path, format="JPEG", exif=exif)
    imported = load_image_for_model(path, (1, 40, 20))
    assert "rotated as the camera's orientation tag says" in imported.notes
    assert imported.original_size == (40, 20)
    assert imported.hwc[2, 10, 0] > 200 and imported.hwc[-3, 10, 0] < 50  # light half on top


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "x.png"
    path.write_text("definitely not pixels")
    with pytest.raises(ImageImportError, match="not an image"):
        load_image_for_model(path, MNIST)


def test_truncated_png_is_damaged(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    path = tmp_path / "cut.png"
    Image.fromarray(noise).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageImportError, match="damaged"):
        load_image_for_model(path, MNIST)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageImportError, match="no such file"):
        load_image_for_model(tmp_path / "nope.png", MNIST)
    with pytest.raises(ImageImportError, match="folder"):
        load_image_for_model(tmp_path, MNIST)


def test_too_many_pixels_is_refused(tmp_path, monkeypatch):
    import latentlab.data.image_import as image_import

    monkeypatch.setattr(image_import, "MAX_PIXELS", 100)
    path = tmp_path / "big.png"
    Image.new("L", (20, 20)).save(path)
    with pytest.raises(ImageImportError, match="20×20"):
        load_image_for_model(path, MNIST)


def test_a_dataset_is_dark_or_light_only_when_its_borders_clearly_are():
    dark = np.zeros((4, 28, 28, 1), dtype=np.uint8)
    dark[:, 8:20, 8:20] = 255  # bright centre, black border: MNIST-like
    assert background_of(dark).kind == "dark"
    assert background_of(dark[..., 0]).kind == "dark"  # N×H×W too
    assert background_of(255 - dark).kind == "light"
    assert background_of(np.full((2, 16, 16, 3), 128, dtype=np.uint8)).kind is None
    flat_black = np.zeros((4, 28, 28, 1), dtype=np.uint8)  # no strokes: no contrast
    assert background_of(flat_black).kind is None


def grey_faces(count: int = 120, size: int = 32, seed: int = 0) -> np.ndarray:
    """Face-like photos: an oval of skin tone on a mid-grey, slightly varying backdrop (border
    means 95-140, the case that was read as a light background), N×H×W×1."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    images = []
    for _ in range(count):
        backdrop = rng.uniform(95, 140)
        face = ((xx - 0.5) / 0.3) ** 2 + ((yy - 0.5) / 0.4) ** 2 < 1
        image = np.full((size, size), backdrop) + rng.normal(0, 6, (size, size))
        image[face] = rng.uniform(150, 200) + rng.normal(0, 8, face.sum())
        eyes = (np.abs(yy - 0.42) < 0.04) & (np.abs(np.abs(xx - 0.5) - 0.12) < 0.05)
        image[eyes] = 40
        images.append(np.clip(image, 0, 255).astype(np.uint8))
    return np.stack(images)[..., None]


def test_no_image_of_a_mid_grey_photo_set_is_inverted(tmp_path):
    faces = grey_faces()
    tone = background_of(faces)
    assert tone.kind is None  # neither dark-on-light nor light-on-dark
    for index in range(0, len(faces), 7):
        path = tmp_path / f"face{index}.png"
        Image.fromarray(faces[index, ..., 0]).save(path)
        imported = load_image_for_model(path, (1, 32, 32), background=tone)
        assert not any("inverted" in note for note in imported.notes)
        np.testing.assert_array_equal(imported.hwc, faces[index])


def test_no_image_of_a_dark_dataset_is_inverted_but_a_drawing_on_white_is(tmp_path, digits):
    images = digits.split("test").images.permute(0, 2, 3, 1).numpy()
    tone = background_of(images)
    assert tone.kind == "dark"
    for index in range(0, len(images), 25):
        path = tmp_path / f"digit{index}.png"
        Image.fromarray(images[index, ..., 0]).save(path)
        imported = load_image_for_model(path, (1, 16, 16), background=tone)
        assert not any("inverted" in note for note in imported.notes)
    path = tmp_path / "drawn.png"
    Image.fromarray(255 - images[3, ..., 0]).save(path)  # the same digit drawn black on white
    imported = load_image_for_model(path, (1, 16, 16), background=tone)
    assert "inverted to match the dataset's dark background" in imported.notes
    np.testing.assert_array_equal(imported.hwc, images[3])


def _run(job):
    while True:
        try:
            next(job)
        except StopIteration as done:
            return done.value


@pytest.mark.parametrize("source", ["digits", "grey faces"])
def test_every_test_image_of_a_dataset_encodes_onto_its_own_point(tmp_path, digits, source):
    """Saved as files and encoded as a user's image, the data's own test images land on their
    own points, well within the distance to the nearest other point."""
    import torch

    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.data import ImageSet
    from latentlab.jobs.latents import encode_image_job
    from latentlab.projection import encode_dataset
    from latentlab.training import Trainer

    if source == "digits":
        data = digits
    else:
        faces = torch.from_numpy(grey_faces(160)).permute(0, 3, 1, 2).contiguous()
        test = torch.arange(160) >= 120
        data = ImageSet("grey faces", faces, torch.arange(160) % 4, tuple("abcd"), test)
    trainer = Trainer(ModelConfig(kind="vae", latent_dim=8), TrainConfig(epochs=1), data)
    for _ in trainer.run():
        pass
    model = trainer.model.eval()
    cloud = encode_dataset(model, data.split("test"))
    tone = background_of(cloud.images)
    gaps = np.linalg.norm(cloud.latents[:, None] - cloud.latents[None], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    nearest_other = gaps.min(axis=1)
    for row in range(len(cloud)):
        path = tmp_path / f"{row}.png"
        Image.fromarray(cloud.images[row, ..., 0]).save(path)
        encoded = _run(encode_image_job(model, path, tone))
        assert not any("inverted" in note for note in encoded.imported.notes), row
        distance = np.linalg.norm(encoded.latent - cloud.latents[row])
        assert distance < 0.5 * nearest_other[row] + 1e-4, (row, distance, nearest_other[row])
