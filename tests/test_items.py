"""The registry of named latent items that expressions refer to (latentlab.latent.items)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentlab.latent.expression import evaluate_expression
from latentlab.latent.items import ITEM_KINDS, ItemSet, LatentItem
from latentlab.latent.recipes import ArithmeticRecipe


def vectors(n: int, d: int = 3, start: float = 0.0) -> np.ndarray:
    return start + np.arange(n * d, dtype=np.float64).reshape(n, d)


@pytest.fixture
def items() -> ItemSet:
    item_set = ItemSet()
    item_set.add("group", vectors(4), name="glasses", indices=[10, 11, 12, 13])
    item_set.add("point", vectors(1, start=100), indices=[7])
    item_set.add("place", np.array([1.0, 2.0, 3.0]), description="map (1.20, -0.30)")
    return item_set


def test_adding_stores_float64_n_by_d_and_the_value_the_evaluator_gets(items):
    assert items.names() == ["glasses", "p7", "c1"]
    assert len(items) == 3
    assert "glasses" in items and "nothing" not in items
    group, point, place = items
    assert isinstance(group, LatentItem)
    assert group.latents.dtype == np.float64 and group.latents.shape == (4, 3)
    assert group.indices.dtype == np.int64 and group.indices.tolist() == [10, 11, 12, 13]
    assert (group.size, point.size, place.size) == (4, 1, 1)
    assert place.latents.shape == (1, 3)
    assert place.indices is None
    assert place.description == "map (1.20, -0.30)"
    namespace = items.namespace()
    assert namespace["glasses"].shape == (4, 3)
    assert namespace["p7"].shape == (3,)
    assert namespace["c1"].tolist() == [1.0, 2.0, 3.0]
    assert items.latent_dim() == 3


def test_the_namespace_feeds_expressions(items):
    result = evaluate_expression("mean(glasses) - p7 + c1", items.namespace())
    np.testing.assert_allclose(result, vectors(4).mean(0) - vectors(1, start=100)[0] + [1, 2, 3])


def test_stored_arrays_are_copies_that_cannot_be_changed():
    latents = vectors(2)
    item_set = ItemSet()
    item = item_set.add("group", latents, name="g")
    latents[0, 0] = 99.0
    assert item.latents[0, 0] == 0.0
    with pytest.raises(ValueError):
        item.latents[0, 0] = 1.0


def test_automatic_names_count_up_per_kind():
    item_set = ItemSet()
    names = [
        item_set.add(kind, np.zeros(2)).name
        for kind in ("group", "group", "place", "result", "place", "image", "point")
    ]
    assert names == ["G1", "G2", "c1", "r1", "c2", "img1", "p1"]
    item_set.remove("G1")
    assert item_set.suggest_name("group") == "G1"


def test_suggested_names_from_hints_are_identifiers():
    item_set = ItemSet()
    assert item_set.suggest_name("point", "123") == "p123"
    assert item_set.suggest_name("image", "My cat (1).png") == "my_cat_1"
    assert item_set.suggest_name("image", "2024 holiday.jpg") == "img_2024_holiday"
    assert item_set.suggest_name("image", "mean.png") == "img_mean"
    assert item_set.suggest_name("image", "???.png") == "img1"
    item_set.add("image", np.zeros(2), name=item_set.suggest_name("image", "My cat (1).png"))
    assert item_set.suggest_name("image", "my-cat 1.jpeg") == "my_cat_1_2"
    item_set.add("point", np.zeros(2), indices=[123])
    assert item_set.names() == ["my_cat_1", "p123"]
    assert item_set.suggest_name("point", "123") == "p123_2"
    with pytest.raises(ValueError, match="unknown item kind"):
        item_set.suggest_name("thing")


def test_an_existing_name_is_refused_unless_replacing_which_keeps_the_order(items):
    with pytest.raises(ValueError, match="'glasses' already exists"):
        items.add("group", vectors(2), name="glasses")
    replaced = items.add("group", vectors(2, start=50), name="glasses", replace=True)
    assert items.names() == ["glasses", "p7", "c1"]
    assert items.get("glasses") is replaced
    assert replaced.size == 2


def test_replacing_the_only_item_may_change_the_dimension():
    item_set = ItemSet()
    item_set.add("place", np.zeros(2), name="c")
    item_set.add("place", np.zeros(5), name="c", replace=True)
    assert item_set.latent_dim() == 5


def test_a_different_dimension_names_both_sizes(items):
    with pytest.raises(ValueError, match=r"size 5 .* size 3"):
        items.add("place", np.zeros(5))


@pytest.mark.parametrize(
    ("kind", "latents", "kwargs", "fragment"),
    [
        ("thing", np.zeros(3), {}, "unknown item kind"),
        ("place", np.zeros((2, 3)), {}, "a place is one latent vector"),
        ("group", np.zeros((0, 3)), {}, "N, D ≥ 1"),
        ("group", np.zeros((2, 3, 1)), {}, "N, D ≥ 1"),
        ("place", np.array([0.0, np.inf, 0.0]), {}, "not finite"),
        ("group", np.zeros((2, 3)), {"indices": [1]}, "1 dataset indices for 2"),
        ("place", np.zeros(3), {"indices": [1]}, "only a group or a point"),
        ("image", np.zeros(3), {"image": np.zeros((4, 4))}, "uint8"),
        ("place", np.zeros(3), {"name": "1st"}, "not a valid name"),
        ("place", np.zeros(3), {"name": "slerp"}, "function name"),
    ],
)
def test_invalid_items_are_refused(kind, latents, kwargs, fragment):
    item_set = ItemSet()
    with pytest.raises(ValueError, match=fragment):
        item_set.add(kind, latents, **kwargs)
    assert len(item_set) == 0


def test_images_recipes_and_kinds_are_kept():
    item_set = ItemSet()
    thumbnail = np.zeros((8, 8, 3), dtype=np.uint8)
    recipe = ArithmeticRecipe(expression="A-B")
    item = item_set.add("result", np.ones(3), image=thumbnail, recipe=recipe)
    with pytest.raises(dataclasses.FrozenInstanceError):  # nothing can change it later
        recipe.expression = "changed later"
    assert item.image.shape == (8, 8, 3)
    assert item.recipe == ArithmeticRecipe(expression="A-B")
    assert item.kind in ITEM_KINDS


def test_a_recipe_must_be_a_recipe_not_a_dict():
    with pytest.raises(TypeError, match="Recipe"):
        ItemSet().add("result", np.ones(3), recipe={"expression": "A-B"})


def test_rename_keeps_the_order_and_checks_the_new_name(items):
    renamed = items.rename("p7", "seven")
    assert items.names() == ["glasses", "seven", "c1"]
    assert renamed.name == "seven" and items.get("seven") is renamed
    assert renamed.indices.tolist() == [7]
    assert items.rename("seven", "seven") is renamed
    with pytest.raises(ValueError, match="not a valid name"):
        items.rename("seven", "my cat")
    with pytest.raises(ValueError, match="function name"):
        items.rename("seven", "mean")
    with pytest.raises(ValueError, match="'glasses' already exists"):
        items.rename("seven", "glasses")
    with pytest.raises(ValueError, match="no item 'nope'"):
        items.rename("nope", "x")
    assert items.names() == ["glasses", "seven", "c1"]


def test_remove_get_and_clear(items):
    items.remove("p7")
    assert items.names() == ["glasses", "c1"]
    with pytest.raises(ValueError, match="no item 'p7'"):
        items.remove("p7")
    with pytest.raises(KeyError):
        items.get("p7")
    items.clear()
    assert len(items) == 0 and items.latent_dim() is None and items.namespace() == {}


def test_refresh_recomputes_indexed_items_and_keeps_the_rest(items):
    removed = items.refresh(lambda indices: np.stack([np.full(3, float(i)) for i in indices]))
    assert removed == []
    assert items.names() == ["glasses", "p7", "c1"]
    assert items.get("glasses").latents[:, 0].tolist() == [10, 11, 12, 13]
    assert items.get("p7").value.tolist() == [7, 7, 7]
    assert items.get("c1").value.tolist() == [1, 2, 3]


def test_refresh_removes_items_whose_points_left_the_map(items):
    removed = items.refresh(lambda indices: None if 7 in indices else np.zeros((len(indices), 3)))
    assert removed == ["p7"]
    assert items.names() == ["glasses", "c1"]


def test_refresh_removes_unindexed_items_of_the_old_dimension(items):
    items.add("result", np.zeros(3))
    removed = items.refresh(lambda indices: np.zeros((len(indices), 5)))
    assert removed == ["c1", "r1"]
    assert items.names() == ["glasses", "p7"]
    assert items.latent_dim() == 5


def test_refresh_takes_the_new_dimension_when_no_item_has_indices():
    item_set = ItemSet()
    item_set.add("place", np.zeros(3))
    assert item_set.refresh(lambda indices: None) == []
    assert item_set.refresh(lambda indices: None, latent_dim=4) == ["c1"]


def test_a_failed_refresh_leaves_the_items_as_they_were(items):
    before = [item.latents for item in items]
    with pytest.raises(ValueError, match="shape"):
        items.refresh(lambda indices: np.zeros((1, 3)))
    assert all(item.latents is old for item, old in zip(items, before, strict=True))
    assert items.names() == ["glasses", "p7", "c1"]
