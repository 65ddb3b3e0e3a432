"""Grids, rows and PNG files of uint8 images: one implementation for previews, strips,
backdrops and exports."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from latentlab.image_tiles import tile_images
from latentlab.png_files import write_png
from latentlab.training.grids import image_grid


def numbered(n: int, h: int = 2, w: int = 3) -> np.ndarray:
    return np.stack([np.full((h, w, 1), 10 * (i + 1), np.uint8) for i in range(n)])


def test_a_grid_places_images_row_major_with_gaps_border_and_fill():
    grid = tile_images(numbered(3), columns=2, gap=1, border=2, fill=7)
    assert grid.shape == (2 * 2 + 1 + 4, 2 * 3 + 1 + 4, 1)
    assert (grid[2:4, 2:5] == 10).all() and (grid[2:4, 6:9] == 20).all()
    assert (grid[5:7, 2:5] == 30).all()
    assert (grid[5:7, 6:9] == 7).all()  # the short last row is fill
    assert (grid[:2] == 7).all() and (grid[4] == 7).all()  # border and gap


def test_without_gaps_a_grid_is_the_images_side_by_side():
    images = np.random.default_rng(0).integers(0, 256, (6, 4, 5, 3), dtype=np.uint8)
    grid = tile_images(images, columns=3)
    expected = images.reshape(2, 3, 4, 5, 3).transpose(0, 2, 1, 3, 4).reshape(8, 15, 3)
    np.testing.assert_array_equal(grid, expected)


def test_training_previews_are_grey_bordered_grids_of_the_outputs():
    outputs = torch.rand(5, 1, 4, 4)
    grid = image_grid(outputs, columns=3)
    assert grid.shape == (2 * 4 + 3, 3 * 4 + 4, 1) and grid.dtype == np.uint8
    np.testing.assert_array_equal(
        grid[1:5, 1:5, 0], (outputs[0, 0] * 255).round().to(torch.uint8).numpy()
    )
    assert grid[0, 0, 0] == 128


def test_a_png_is_written_enlarged_with_text_and_whole(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Software", "LatentLab test")
    path = write_png(numbered(1)[0], tmp_path / "sub" / "one.png", scale=3, text=text)
    with Image.open(path) as image:
        assert image.size == (9, 6) and image.text["Software"] == "LatentLab test"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["one.png"]  # no temporary left


@pytest.mark.parametrize("bad", [np.zeros((2, 2), np.float32), np.zeros((1, 2, 2, 1), np.uint8)])
def test_a_png_of_anything_but_one_uint8_image_is_refused(tmp_path, bad):
    with pytest.raises(ValueError):
        write_png(bad, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
