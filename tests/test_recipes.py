"""Recipes (latentlab.latent.recipes): every kind as the JSON PNGs carry, in files and back;
PNGs of earlier versions and of unknown kinds (no Qt)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

from latentlab.latent.provenance import (
    PROVENANCE_KEY,
    Provenance,
    read_provenance,
    save_png_with_provenance,
)
from latentlab.latent.recipes import (
    NO_RECIPE,
    RECIPE_CLASSES,
    ArithmeticRecipe,
    AttributeRecipe,
    DataPointRecipe,
    EncodedImageRecipe,
    GroupRecipe,
    InterpolationRecipe,
    KeypointRecipe,
    MapClickRecipe,
    PlaceRecipe,
    TraversalRecipe,
    UnknownRecipe,
    recipe_from_json,
)

CLICK = {
    "kind": "map click",
    "map_xy": [0.5, -1.25],
    "projection": "pca",
    "inverse": "exact",
}
# The dicts earlier versions wrote, key for key and in their order (the preview's
# "description" was added last when a preview was exported).
OLD_RECIPES = {
    "map click": {**CLICK, "description": "map (0.50, -1.25)"},
    "arithmetic": {
        "kind": "arithmetic",
        "expression": "G1 - c1 + A - r1",
        "items": {
            "G1": {"kind": "group", "count": 3, "indices": [4, 8, 15]},
            "c1": {"kind": "place", "latent": [0.1, 0.2], "made": CLICK},
            "A": {"kind": "keypoint", "latent": [1e-300, -2.5]},
            "r1": {"kind": "result", "latent": [0.0, 1.0], "made": {}},
        },
    },
    "kept arithmetic": {"kind": "arithmetic", "expression": "A - B"},
    "attribute step": {
        "kind": "attribute",
        "positive": "thick",
        "negative": "(the rest)",
        "base": "(the preview)",
        "vector": [0.25, -0.5],
        "strength": -1.5,
        "base_latent": [1.0, 2.0],
    },
    "attribute strip": {
        "kind": "attribute",
        "positive": "class: 7",
        "negative": "thin",
        "base": "base",
        "vector": [0.25, -0.5],
        "strengths": [-3.0, 0.0, 3.0],
        "strength": 1.0,
        "base_latent": [1.0, 2.0],
    },
    "kept vector": {"kind": "attribute", "positive": "a", "negative": "b", "vector": [1.0, 0.0]},
    "traversal": {
        "kind": "traversal",
        "mode": "pca",
        "axis": "PC1",
        "value_std": 1.25,
        "direction": [0.6, 0.8],
        "base_latent": [0.0, 0.0],
    },
    "traversal centred": {"kind": "traversal", "mode": "dimensions", "centred": True},
    "encoded image": {
        "kind": "encoded image",
        "file": "/home/me/cat.png",
        "method": "encoder",
        "preprocessing": ["resized to 28×28", "made gray"],
        "reconstruction_mse": 0.0123,
    },
    "inverted image": {
        "kind": "encoded image",
        "file": "cat.png",
        "method": "search",
        "preprocessing": [],
        "reconstruction_mse": 0.05,
        "initial_mse": 0.2,
    },
    "data point": {"kind": "data point", "index": 12, "label": "7", "group": "odd ones"},
    "unlabelled data point": {"kind": "data point", "index": 3, "label": None, "group": "g"},
    "interpolation": {
        "kind": "interpolation",
        "method": "slerp",
        "keypoints": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]],
        "keypoint_sources": ["map (0.10, 0.20)", "point #3", "c1"],
        "t": 0.25,
    },
    "diffusion sample": {
        "kind": "diffusion sample",
        "prior": "run.prior.safetensors",
        "sampler": "ddim",
        "steps": 50,
        "seed": 0,
        "count": 12,
        "index": 3,
        "step": 20,
        "class_name": "7",
        "guidance": 3.0,
    },
    "unconditional diffusion sample": {
        "kind": "diffusion sample",
        "prior": "unsaved",
        "sampler": "ddpm",
        "steps": 25,
        "seed": 7,
        "count": 1,
        "index": 0,
        "step": 25,
    },
    **{
        f"shown {kind}": {"kind": kind, "item": f"{kind}1"}
        for kind in ("group", "point", "place", "image", "result")
    },
    "reopened result": {
        "kind": "result",
        "latent": [3.0, 4.0],
        "made": {"kind": "image", "latent": [1.0, 1.0], "made": {}},
    },
}
UNKNOWN = {
    "kind": "hologram",  # a kind of a later version
    "beams": [[1, 2.5], [True, None]],
    "source": {"kind": "map click", "map_xy": "somewhere"},
    "description": "a hologram",
}


def png_round_trip(recipe, tmp_path, name="r.png"):
    path = tmp_path / name
    provenance = Provenance(latent=np.array([0.5, -0.5]), recipe=recipe)
    save_png_with_provenance(np.zeros((4, 4), np.uint8), path, provenance)
    return read_provenance(path).recipe, path


def stored_recipe_text(path) -> str:
    """The recipe exactly as the PNG's JSON spells it."""
    with Image.open(path) as png:
        text = png.text[PROVENANCE_KEY]
    start = text.index('"recipe":') + len('"recipe":')
    return text[start : text.index(',"frames":')]


@pytest.mark.parametrize("name", OLD_RECIPES)
def test_every_kind_reads_typed_and_writes_the_same_dict(name):
    data = OLD_RECIPES[name]
    recipe = recipe_from_json(data)
    assert type(recipe) is RECIPE_CLASSES[data["kind"]]
    assert recipe.kind == data["kind"]
    assert recipe.to_json() == data
    assert list(recipe.to_json()) == list(data)  # same key order: the same bytes in the file
    assert recipe_from_json(recipe.to_json()) == recipe
    hash(recipe)  # tuples inside, never lists: hashable and immutable


@pytest.mark.parametrize("name", OLD_RECIPES)
def test_every_kind_survives_a_png(tmp_path, name):
    data = OLD_RECIPES[name]
    recipe = recipe_from_json(data)
    back, path = png_round_trip(recipe, tmp_path)
    assert back == recipe
    assert json.loads(stored_recipe_text(path)) == data


def test_nested_recipes_are_recipes():
    recipe = recipe_from_json(OLD_RECIPES["arithmetic"])
    items = dict(recipe.items)
    assert isinstance(items["G1"], GroupRecipe) and items["G1"].indices == (4, 8, 15)
    assert isinstance(items["c1"], PlaceRecipe) and isinstance(items["c1"].made, MapClickRecipe)
    assert items["c1"].made.map_xy == (0.5, -1.25)
    assert isinstance(items["A"], KeypointRecipe)
    assert items["r1"].made == NO_RECIPE


def test_recipes_built_in_code_write_what_the_app_always_wrote():
    made = [
        MapClickRecipe(map_xy=(0.5, -1.25), projection="pca", inverse="exact"),
        AttributeRecipe(positive="a", negative="b", vector=np.array([1.0, 0.0])),
        TraversalRecipe(mode="dimensions", centred=True),
        EncodedImageRecipe(
            file="cat.png",
            method="search",
            preprocessing=(),
            reconstruction_mse=np.float32(0.05),
            initial_mse=0.2,
        ),
        DataPointRecipe(index=np.int64(3), label=None, group="g"),
        InterpolationRecipe(
            method="slerp",
            keypoints=np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]),
            keypoint_sources=("map (0.10, 0.20)", "point #3", "c1"),
            t=0.25,
        ),
    ]
    expected = [
        CLICK,
        OLD_RECIPES["kept vector"],
        OLD_RECIPES["traversal centred"],
        {**OLD_RECIPES["inverted image"], "reconstruction_mse": float(np.float32(0.05))},
        OLD_RECIPES["unlabelled data point"],
        OLD_RECIPES["interpolation"],
    ]
    for recipe, data in zip(made, expected, strict=True):
        assert json.loads(json.dumps(recipe.to_json())) == data


def test_an_export_adds_the_description_only_where_there_is_none():
    click = recipe_from_json(CLICK)
    assert click.described("map (0.50, -1.25)").to_json() == OLD_RECIPES["map click"]
    described = recipe_from_json(OLD_RECIPES["map click"])
    assert described.described("reopened.png (map click)") is described
    unknown = recipe_from_json(UNKNOWN)
    assert unknown.described("something else") is unknown
    assert NO_RECIPE.described("x").to_json() == {"description": "x"}


@pytest.mark.parametrize(
    "data",
    [
        UNKNOWN,
        {},
        {"no": "kind"},
        {"kind": ["map click"]},  # not text
        {**CLICK, "map_xy": [1.0]},  # one coordinate
        {**CLICK, "map_xy": "here"},
        {**CLICK, "zoom": 2},  # a key this version does not know
        {"kind": "map click", "map_xy": [0, 0], "projection": "pca"},  # no inverse
        {"kind": "data point", "index": True, "label": None, "group": "g"},  # a flag, no index
        {"kind": "data point", "index": 1.5, "label": None, "group": "g"},
        {"kind": "traversal", "mode": "pca", "centred": 1},  # a number, no flag
        {"kind": "arithmetic", "expression": "A", "items": [["A", {}]]},
    ],
)
def test_what_does_not_fit_is_kept_unknown_and_written_back_unchanged(tmp_path, data):
    recipe = recipe_from_json(data)
    assert isinstance(recipe, UnknownRecipe)
    assert recipe.to_json() == data
    back, path = png_round_trip(recipe, tmp_path)
    assert back == recipe
    assert json.loads(stored_recipe_text(path)) == data


def test_an_unknown_kind_survives_a_reopen_and_a_re_export_byte_for_byte(tmp_path):
    text = json.dumps(UNKNOWN, separators=(",", ":"))
    first, path = png_round_trip(UnknownRecipe(text), tmp_path, "first.png")
    assert first.kind == "hologram"
    again, path_again = png_round_trip(first, tmp_path, "again.png")
    assert stored_recipe_text(path) == stored_recipe_text(path_again) == text
    assert again.to_json() == UNKNOWN


def test_an_unknown_recipe_inside_a_known_one_is_kept():
    data = {"kind": "arithmetic", "expression": "h", "items": {"h": UNKNOWN}}
    recipe = recipe_from_json(data)
    assert isinstance(recipe, ArithmeticRecipe)
    assert isinstance(dict(recipe.items)["h"], UnknownRecipe)
    assert recipe.to_json() == data


def test_recipes_are_frozen_and_an_unknown_one_hands_out_copies():
    recipe = recipe_from_json(CLICK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.inverse = "learned"
    unknown = recipe_from_json(UNKNOWN)
    unknown.to_json()["beams"].clear()
    assert unknown.to_json() == UNKNOWN


def test_a_provenance_without_a_recipe_writes_an_empty_object():
    provenance = Provenance(latent=[1.0])
    assert json.loads(provenance.to_json())["recipe"] == {}
    assert Provenance.from_json(provenance.to_json()).recipe == NO_RECIPE
