"""Decodes in the app arrive with the purpose they were asked for, and what each purpose's
images become; recipes of reopened PNGs (old or unknown) in the app."""

from __future__ import annotations

import json

import numpy as np
from gui_helpers import TIMEOUT, decoded_preview
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from latentlab.latent.provenance import (
    PROVENANCE_KEY,
    Provenance,
    read_provenance,
    save_png_with_provenance,
)
from latentlab.latent.recipes import AttributeRecipe, MapClickRecipe, UnknownRecipe
from latentlab.session.decode_purposes import (
    AttributeStripDecode,
    BackdropDecode,
    HoverDecode,
    InterpolationFrameDecode,
    InterpolationStripDecode,
    KeypointDecode,
    PreviewDecode,
)

CLICK = MapClickRecipe(map_xy=(0.5, -0.5), projection="pca", inverse="exact")
PURPOSES = [
    (PreviewDecode("made in a test", CLICK), 1),
    (HoverDecode(0), 1),
    (KeypointDecode(0, "a test's A"), 1),
    (InterpolationFrameDecode(), 1),
    (InterpolationStripDecode(), 5),
    (BackdropDecode((-1.0, -1.0, 2.0, 2.0), rows=2, columns=3), 6),
    (AttributeStripDecode((-1.0, 0.0, 1.0)), 3),
]


def test_every_purpose_comes_back_with_its_images(qtbot, opened):
    window = opened
    latents = window.explorer.map_data.cloud.latents
    for purpose, count in PURPOSES:
        with qtbot.waitSignal(
            window.explorer.decoder.decoded,
            timeout=TIMEOUT,
            check_params_cb=lambda result, purpose=purpose: result.purpose is purpose,
        ) as decoded:
            window.explorer.request_decode(purpose, latents[:count])
        result = decoded.args[0]
        assert result.images.shape[0] == count and result.latents.shape[0] == count
    # The explorer and the workbench heard them first (connected before the test).
    preview = window.state.preview
    assert preview.recipe is CLICK and preview.description == "made in a test"
    assert window.state.keypoints[0].source == "a test's A"
    assert window.map.overlays.backdrop_visible
    assert window.arithmetic_dock.strip.count() == 3


def test_a_png_of_an_unknown_kind_reopens_and_exports_unchanged(qtbot, opened, tmp_path):
    window = opened
    latent = window.explorer.map_data.cloud.latents[3].astype(np.float64)
    unknown = {"kind": "hologram", "beams": [[1, 2.5], [True, None]], "description": "later"}
    original = tmp_path / "hologram.png"
    recipe = UnknownRecipe(json.dumps(unknown, separators=(",", ":")))
    save_png_with_provenance(
        np.zeros((4, 4), np.uint8), original, Provenance(latent=latent, recipe=recipe)
    )
    decoded_preview(qtbot, window, lambda: window.latent_files.open_latent(original))
    assert window.explorer.preview_recipe == recipe
    exported = window.latent_files.export_preview(tmp_path / "again.png")
    assert read_provenance(exported).recipe.to_json() == unknown
    with Image.open(original) as first, Image.open(exported) as second:
        before = json.loads(first.text[PROVENANCE_KEY])["recipe"]
        after = json.loads(second.text[PROVENANCE_KEY])["recipe"]
    assert list(after.items()) == list(before.items()) == list(unknown.items())


def test_an_old_attribute_png_reopens_as_an_attribute_step(qtbot, opened, tmp_path):
    window = opened
    latent = window.explorer.map_data.cloud.latents[5].astype(np.float64)
    old = {  # as an earlier version wrote an exported attribute step
        "kind": "attribute",
        "positive": "thick",
        "negative": "(the rest)",
        "base": "(the preview)",
        "vector": [0.0] * latent.size,
        "strength": 2.0,
        "base_latent": latent.tolist(),
        "description": "(the preview) +2.00·(thick − (the rest))",
    }
    path = tmp_path / "old.png"
    text = json.dumps({"format_version": 1, "latent": latent.tolist(), "recipe": old})
    info = PngInfo()
    info.add_itxt(PROVENANCE_KEY, text)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path, pnginfo=info)
    decoded_preview(qtbot, window, lambda: window.latent_files.open_latent(path))
    recipe = window.explorer.preview_recipe
    assert isinstance(recipe, AttributeRecipe) and recipe.strength == 2.0
    assert window.workbench.items.get("old").recipe == recipe
    exported = window.latent_files.export_preview(tmp_path / "again.png")
    assert read_provenance(exported).recipe.to_json() == old
