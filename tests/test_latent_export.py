"""Strip PNGs and morph GIFs written by latentlab.latent.export (no Qt)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PIL import Image

from latentlab.latent.export import (
    GAP_VALUE,
    morph_sequence,
    save_morph_gif,
    save_strip_png,
    scale_for_min_side,
    strip_array,
)


def ramp(n: int, h: int = 6, w: int = 5, channels: int = 1) -> np.ndarray:
    """n distinct uniform frames N×H×W×C going from dark to light."""
    levels = np.linspace(0, 250, n).round().astype(np.uint8)
    return np.broadcast_to(levels[:, None, None, None], (n, h, w, channels)).copy()


def test_strip_array_places_enlarged_frames_with_unscaled_gaps():
    images = ramp(3, h=2, w=3)
    row = strip_array(images, scale=2, gap=1)
    assert row.shape == (4, 3 * 6 + 2, 1)
    assert (row[:, 0:6] == images[0, 0, 0, 0]).all()
    assert (row[:, 6] == GAP_VALUE).all()
    assert (row[:, 7:13] == images[1, 0, 0, 0]).all()
    assert (row[:, 14:20] == images[2, 0, 0, 0]).all()


def test_strip_array_enlarges_with_nearest_pixels():
    image = np.array([[[0], [255]]], dtype=np.uint8)[None]  # 1×1×2×1: black | white
    row = strip_array(image, scale=3, gap=0)
    assert row.shape == (3, 6, 1)
    assert set(np.unique(row)) == {0, 255}  # no blended grey
    assert (row[:, :3] == 0).all() and (row[:, 3:] == 255).all()


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB")])
def test_save_strip_png_size_and_mode(tmp_path, channels, mode):
    path = save_strip_png(ramp(4, h=6, w=5, channels=channels), tmp_path / "s.png", scale=4, gap=2)
    with Image.open(path) as image:
        assert image.size == (4 * 5 * 4 + 3 * 2, 6 * 4)
        assert image.mode == mode
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed away


def test_save_strip_png_accepts_n_h_w(tmp_path):
    path = save_strip_png(ramp(2)[..., 0], tmp_path / "s.png", scale=1, gap=0)
    with Image.open(path) as image:
        assert image.size == (10, 6)


@pytest.mark.parametrize("channels", [1, 3])
def test_save_morph_gif_bounces_and_loops(tmp_path, channels):
    path = save_morph_gif(ramp(5, channels=channels), tmp_path / "m.gif", scale=3, fps=10)
    with Image.open(path) as gif:
        assert gif.n_frames == 2 * 5 - 2
        assert gif.size == (5 * 3, 6 * 3)
        assert gif.info["loop"] == 0
        assert gif.info["duration"] == 100
        # Frame 5 is on the way back: the same picture as frame 3.
        gif.seek(3)
        fourth = np.asarray(gif.convert("L"))
        gif.seek(5)
        assert np.array_equal(np.asarray(gif.convert("L")), fourth)


def test_save_morph_gif_without_bounce(tmp_path):
    path = save_morph_gif(ramp(4), tmp_path / "m.gif", scale=1, bounce=False)
    with Image.open(path) as gif:
        assert gif.n_frames == 4


def test_morph_sequence_does_not_repeat_endpoints():
    assert morph_sequence(4) == [0, 1, 2, 3, 2, 1]
    assert morph_sequence(2) == [0, 1]
    assert morph_sequence(3, bounce=False) == [0, 1, 2]


def test_scale_for_min_side():
    assert scale_for_min_side((16, 16, 1), 128) == 8
    assert scale_for_min_side((28, 28), 128) == 5
    assert scale_for_min_side((256, 128, 3), 128) == 1


@pytest.mark.parametrize(
    "images",
    [
        np.zeros((2, 4, 4, 1), np.float32),  # not uint8
        np.zeros((2, 4, 4, 4), np.uint8),  # RGBA
        np.zeros((0, 4, 4, 1), np.uint8),  # no frames
    ],
)
def test_bad_images_are_refused(tmp_path, images):
    with pytest.raises(ValueError):
        save_strip_png(images, tmp_path / "s.png")
    assert not list(tmp_path.iterdir())


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = save_strip_png(ramp(2), tmp_path / "s.png", scale=1)
    before = path.read_bytes()

    def broken_save(self, fp, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError):
        save_strip_png(ramp(3), path, scale=1)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.png"]
