"""Latent math in the app: selections and named items, expressions, attribute vectors.

The workbench owns the named items (groups of data points, points, clicked places,
encoded images, results) and wires the Items and Latent math panels to the explorer:
results are decoded into the preview, marked where they land on the map, and exported
with their provenance. Items made of data points are re-read from every new map, so they
follow the model while it trains.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from latentlab.latent.attributes import (
    AttributeVector,
    attribute_vector,
    class_versus_rest,
    strength_values,
)
from latentlab.latent.expression import ExpressionError, evaluate_expression, parse_expression
from latentlab.latent.items import LatentItem
from latentlab.latent.recipes import (
    NO_RECIPE,
    RECIPE_CLASSES,
    ArithmeticRecipe,
    AttributeRecipe,
    GroupRecipe,
    KeypointRecipe,
    Recipe,
    numbers,
)
from latentlab.session import ModelSwitch
from latentlab.session.decode_purposes import AttributeStripDecode
from latentlab.ui.latent.arithmetic_dock import PREVIEW, REST, ArithmeticDock
from latentlab.ui.latent.items_dock import ItemsDock

STRIP_FRAMES = 7
CLASS_PREFIX = "class: "
ITEM_MARKER_COLOUR = (255, 255, 255)
MAX_RECIPE_INDICES = 5000  # a group's indices kept in an exported PNG's recipe


class LatentWorkbench(QObject):
    """Named items and the arithmetic on them; owns no widgets."""

    error_raised = Signal(str, str)
    status_changed = Signal(str)
    items_changed = Signal()

    def __init__(
        self,
        explorer: Any,
        items_dock: ItemsDock,
        arithmetic_dock: ArithmeticDock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.explorer = explorer
        self.state = explorer.state
        self.map = explorer.map
        self.items_dock = items_dock
        self.arithmetic = arithmetic_dock
        self.items = self.state.items
        self.map_data: Any = None
        self.vector: AttributeVector | None = None
        self.vector_recipe: AttributeRecipe | None = None
        self._attribute_base: np.ndarray | None = None
        self._result: tuple[np.ndarray, str] | None = None  # latent, expression
        self._strip_latents: np.ndarray | None = None
        self._connect()

    def _connect(self) -> None:
        explorer, items, math = self.explorer, self.items_dock, self.arithmetic
        explorer.map_ready.connect(self._on_map_ready)
        self.state.model_switched.connect(self._on_model_switched)
        self.state.items_changed.connect(self._items_changed)
        self.state.keypoints.changed.connect(self._reevaluate)  # expressions may name A, B
        self.state.preview_changed.connect(self._on_preview_changed)
        explorer.decoder.decoded.connect(self._on_decoded)
        explorer.placer.placed.connect(self._on_placed)
        self.map.selection_changed.connect(self._on_selection_changed)
        self.state.selection_changed.connect(self._on_state_selection_changed)
        items.tool_chosen.connect(self.map.set_selection_tool)
        items.make_group_requested.connect(self.make_group)
        items.clear_selection_requested.connect(lambda: self.map.selection.clear())
        items.add_preview_requested.connect(self.add_preview)
        items.item_chosen.connect(self.show_item)
        items.insert_requested.connect(self.insert_into_expression)
        items.keypoint_requested.connect(self.use_as_keypoint)
        items.rename_requested.connect(self.rename)
        items.remove_requested.connect(self.remove)
        math.expression_changed.connect(self.evaluate)
        math.keep_result_requested.connect(self.keep_result)
        math.attribute_changed.connect(lambda: self.rebuild_vector(apply=True))
        math.strength_changed.connect(self.apply_vector)
        math.keep_vector_requested.connect(self.keep_vector)

    # -- the model and its map -------------------------------------------------------
    @property
    def identity(self):
        """The explored model's name and hash for exported files."""
        return self.state.fingerprint

    def set_model_identity(self, name: str, path: str | Path | None) -> None:
        """What exported PNGs name as their model (the hash is taken on first export)."""
        self.state.set_fingerprint(name, path)

    def _on_model_switched(self, switch: ModelSwitch) -> None:
        """Another model: results, vectors and bases of another latent size go; the map
        they were drawn on is about to be replaced."""
        if not switch.keeps_latents:
            self.vector = None
            self._attribute_base = None
            self._result = None
            self._strip_latents = None
            self.arithmetic.show_vector(None, "Choose the points that have the attribute.")
        if self.state.map_data is None:
            self.map_data = None
            self.map.clear_extra_points("items")
        self._items_changed()

    def _on_map_ready(self, data: Any) -> None:
        """A new map (new weights, another epoch, another projection): the state has re-read
        items of data points from it; the selection follows its dataset indices."""
        self.map_data = data
        self.map.set_selection(self._rows_of(self.state.selected_indices), notify=False)
        self.items_dock.set_selection_count(len(self.map.selected_rows()))
        self.items_dock.set_has_model(True, self.state.identity.has_encoder)
        self._items_changed()
        self._reevaluate()

    def _showing(self, recipe_class: type[Recipe]) -> bool:
        """Whether the preview shows a latent made so (arithmetic, attribute)."""
        return isinstance(self.explorer.preview_recipe, recipe_class)

    def _reevaluate(self) -> None:
        """Items changed: evaluate the expression again, and show the new result only if the
        preview shows the expression's result (never take the preview from the user)."""
        self.evaluate(self.arithmetic.expression.text(), show=self._showing(ArithmeticRecipe))

    def _rows_of(self, indices: np.ndarray) -> np.ndarray:
        """Rows of the map's points for dataset ``indices`` (those on the map)."""
        return self.state.rows_of(indices)

    # -- selection and items ---------------------------------------------------------
    @property
    def selected_indices(self) -> np.ndarray:
        """Dataset indices of the selected points: they survive new maps of the dataset."""
        return self.state.selected_indices

    def _on_state_selection_changed(self, indices: np.ndarray) -> None:
        """The selection was made elsewhere (in the Compare view's map): ring it here too."""
        rows = np.sort(self._rows_of(indices))
        if not np.array_equal(rows, self.map.selected_rows()):
            self.map.set_selection(rows, notify=False)
        self.items_dock.set_selection_count(len(rows))

    def _on_selection_changed(self, rows: np.ndarray) -> None:
        if self.map_data is None:
            return
        self.state.set_selection(self.map_data.cloud.indices[rows])
        self.items_dock.set_selection_count(len(rows))

    def make_group(self, name: str | None = None) -> LatentItem | None:
        """The selected points as a named group."""
        rows = self.map.selected_rows()
        if self.map_data is None or len(rows) == 0:
            return None
        cloud = self.map_data.cloud
        return self.add_item(
            "group",
            cloud.latents[rows],
            name=name,
            indices=cloud.indices[rows],
            description=_describe_points(cloud, rows),
            image=cloud.images[rows[0]],
        )

    def add_preview(self) -> LatentItem | None:
        """The preview's latent as an item (a clicked place, a result, an encoded image)."""
        latent = self.explorer.preview_latent
        if latent is None:
            self.error_raised.emit("Nothing to add", "Click the map first to decode a latent.")
            return None
        return self.add_item(
            "place",
            latent,
            description=self.explorer.preview_description,
            image=self.explorer.preview_image,
            recipe=self.explorer.preview_recipe,
        )

    def add_item(self, kind: str, latent: np.ndarray, **details: Any) -> LatentItem | None:
        """Add any item (encoded images, reopened latents) and show it in the list; one that
        does not fit the other items (another latent size) is refused with a message."""
        try:
            item = self.items.add(kind, latent, **details)
        except ValueError as error:
            self.error_raised.emit("Not added", str(error))
            return None
        self._items_changed(select=item.name)
        return item

    def rename(self, old: str, new: str) -> None:
        try:
            self.items.rename(old, new)
        except ValueError as error:
            self.error_raised.emit("Cannot rename", str(error))
        self._items_changed(select=new if new in self.items else old)
        self._reevaluate()

    def remove(self, name: str) -> None:
        self.items.remove(name)
        self._items_changed()
        self._reevaluate()

    def show_item(self, name: str) -> None:
        """A group: select its points on the map. Anything else: decode it."""
        item = self.items.get(name)
        if item.kind == "group" and self.map_data is not None:
            self.map.set_selection(self._rows_of(item.indices), notify=True)
        else:
            recipe = item.recipe
            if recipe is None or recipe == NO_RECIPE:  # not recorded: name the item
                recipe = RECIPE_CLASSES[item.kind](item=item.name)
            self.explorer.show_latent(item.latents[0], f"{item.name} · {item.description}", recipe)

    def use_as_keypoint(self, name: str, index: int) -> None:
        item = self.items.get(name)
        latent = item.latents.mean(axis=0)
        source = f"mean({name})" if item.kind == "group" else name
        self.explorer.decode_keypoint(index, latent, source)

    def _items_changed(self, select: str | None = None) -> None:
        self.items_dock.set_items(list(self.items))
        if select is not None:
            self.items_dock.select_item(select)
        self._refresh_attribute_choices()
        self._draw_items()
        self.items_changed.emit()

    def _draw_items(self) -> None:
        """Vectors (places, images, results) as white diamonds where they land."""
        vectors = [item.latents[0] for item in self.items if item.kind != "group"]
        data = self.map_data
        if data is None or not vectors or not self.state.accepts(vectors[0]):
            self.map.clear_extra_points("items")
            return
        if data.instant_placement:
            self._draw_item_markers(data.to_map(np.stack(vectors)))
        else:  # a map of image features: placed on a worker
            self.map.clear_extra_points("items")
            self.explorer.placer.request("items", data, np.stack(vectors), tag=len(vectors))

    def _draw_item_markers(self, xy: np.ndarray) -> None:
        self.map.set_extra_points("items", xy, symbol="d", colour=ITEM_MARKER_COLOUR, size=11)

    def _on_placed(self, name: str, data: Any, xy: np.ndarray, count: Any) -> None:
        vectors = sum(1 for item in self.items if item.kind != "group")
        if name == "items" and data is self.map_data and count == vectors == len(xy):
            self._draw_item_markers(xy)

    # -- expressions -----------------------------------------------------------------
    def insert_into_expression(self, name: str) -> None:
        """Put ``name`` into the expression and bring the Latent math panel forward."""
        self.arithmetic.show()
        self.arithmetic.raise_()
        self.arithmetic.insert_name(name)

    def evaluate(self, text: str, show: bool = True) -> np.ndarray | None:
        """Evaluate the expression and (with ``show``) decode it into the preview; a bad one
        gets an inline message pointing at the problem."""
        self._result = None
        if not text.strip():
            self.arithmetic.clear_expression_message()
            return None
        try:
            parsed = parse_expression(text)
            latent = evaluate_expression(parsed, self._namespace())
        except ExpressionError as error:
            self.arithmetic.show_expression_error(text, error.message, error.position, error.length)
            return None
        self._result = (latent, text)
        recipe = ArithmeticRecipe(
            expression=text,
            items=tuple((name, self._recipe_of(name)) for name in parsed.names),
        )
        self.arithmetic.show_expression_result(f"= a {latent.size}-dimensional latent")
        if show and self.explorer.model is not None:
            self.explorer.show_latent(latent, text, recipe)
        return latent

    def _namespace(self) -> dict[str, np.ndarray]:
        """The names an expression may use: the items, and the interpolation keypoints A, B,
        ... (an item of the same name wins)."""
        return {**self.state.keypoints.namespace(), **self.items.namespace()}

    def _recipe_of(self, name: str) -> Recipe:
        if name in self.items:
            return _item_recipe(self.items.get(name))
        return KeypointRecipe(latent=numbers(self.state.keypoints.namespace()[name]))

    def keep_result(self) -> LatentItem | None:
        if self._result is None:
            return None
        latent, text = self._result
        return self.add_item(
            "result",
            latent,
            description=text,
            recipe=ArithmeticRecipe(expression=text),
        )

    # -- attribute vectors -----------------------------------------------------------
    def _refresh_attribute_choices(self) -> None:
        groups = [item.name for item in self.items if item.kind == "group"]
        bases = self.items.names()  # a group's base is its mean
        classes: list[str] = []
        cloud = None if self.map_data is None else self.map_data.cloud
        if cloud is not None and cloud.labels is not None and cloud.class_names:
            present = np.unique(cloud.labels)
            classes = [cloud.class_names[k] for k in present if k < len(cloud.class_names)]
        self.arithmetic.set_choices(groups, classes, bases)
        self.rebuild_vector(apply=self._showing(AttributeRecipe))

    def _points_of(self, choice: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Latents and map rows of a group name or a 'class: name' choice."""
        cloud = self.map_data.cloud
        if choice.startswith(CLASS_PREFIX) and cloud.labels is not None:
            label = list(cloud.class_names).index(choice[len(CLASS_PREFIX) :])
            rows = np.flatnonzero(cloud.labels == label)
            return cloud.latents[rows], rows
        if choice in self.items:
            item = self.items.get(choice)
            return item.latents, self._rows_of(item.indices)
        return None

    def rebuild_vector(self, apply: bool = True) -> None:
        """Make the attribute vector from the chosen groups; with ``apply``, decode it
        applied to the base into the preview (the strip is made either way)."""
        self.vector = None
        self._strip_latents = None
        if self.map_data is None:
            return
        positive_name, negative_name, base_name = self.arithmetic.attribute_choice()
        positive = self._points_of(positive_name)
        if positive is None:
            self.arithmetic.show_vector(None, "Choose the points that have the attribute.")
            return
        cloud = self.map_data.cloud
        try:
            if negative_name == REST:
                rest = np.ones(len(cloud), dtype=bool)
                rest[positive[1]] = False
                if positive_name.startswith(CLASS_PREFIX):
                    label = list(cloud.class_names).index(positive_name[len(CLASS_PREFIX) :])
                    _, negative_latents = class_versus_rest(cloud.latents, cloud.labels, label)
                else:
                    negative_latents = cloud.latents[rest]
            else:
                negative = self._points_of(negative_name)
                negative_latents = negative[0] if negative is not None else np.zeros((0, 1))
            self.vector = attribute_vector(positive[0], negative_latents)
        except ValueError as error:
            self.arithmetic.show_vector(None, str(error))
            return
        self.vector_recipe = AttributeRecipe(
            positive=positive_name,
            negative=negative_name,
            base=base_name,
            vector=numbers(self.vector.direction),
        )
        summary = (
            f"{positive_name} ({self.vector.positive_count:,}) − {negative_name} "
            f"({self.vector.negative_count:,}): length {self.vector.norm:.2f}. "
            f"{self.vector.verdict()}"
        )
        self.arithmetic.show_vector(self.vector, summary)
        self._attribute_base = self._base_latent(base_name)
        if apply:
            self.apply_vector(self.arithmetic.strength_value())
        self._request_strip()

    def _base_latent(self, base_name: str) -> np.ndarray | None:
        if base_name == PREVIEW or base_name not in self.items:
            return self.explorer.preview_latent
        return self.items.get(base_name).latents.mean(axis=0)

    def _vector_and_base(self) -> tuple[Any, np.ndarray] | None:
        """The attribute vector and its base, when both fit the model explored now."""
        base, vector = self._attribute_base, self.vector
        if (
            vector is None
            or not self.state.accepts(base)
            or not self.state.accepts(vector.direction)
        ):
            return None
        return vector, base

    def apply_vector(self, strength: float) -> None:
        """Decode base + strength·vector into the preview."""
        ready = self._vector_and_base()
        if ready is None:
            return
        vector, base = ready
        latent = vector.apply(base, strength)
        positive, negative, base_name = self.arithmetic.attribute_choice()
        recipe = replace(self.vector_recipe, strength=float(strength), base_latent=numbers(base))
        description = f"{base_name} {strength:+.2f}·({positive} − {negative})"
        self.explorer.show_latent(latent, description, recipe)

    def _request_strip(self) -> None:
        ready = self._vector_and_base()
        if ready is None:
            return
        vector, base = ready
        strengths = strength_values(STRIP_FRAMES)
        self._strip_latents = vector.strip(base, strengths)
        self.explorer.request_decode(AttributeStripDecode(numbers(strengths)), self._strip_latents)

    def _on_preview_changed(self, preview: Any) -> None:
        """A new preview from elsewhere becomes the base when the base is 'the preview'."""
        if preview is None or isinstance(preview.recipe, AttributeRecipe):
            return
        if self.arithmetic.attribute_choice()[2] == PREVIEW and self.vector is not None:
            self._attribute_base = np.asarray(preview.latent, dtype=np.float64)
            self._request_strip()

    def keep_vector(self) -> LatentItem | None:
        if self.vector is None:
            return None
        positive, negative, _ = self.arithmetic.attribute_choice()
        return self.add_item(
            "result",
            self.vector.direction,
            name=self.items.suggest_name("result", None),
            description=f"vector {positive} − {negative}",
            recipe=replace(self.vector_recipe, base=None),
        )

    def strip_export(self) -> tuple[np.ndarray, np.ndarray, AttributeRecipe] | None:
        """(images, frame latents, recipe) of the attribute strip shown, for export."""
        images = self.arithmetic.strip_images()
        if images is None or self._strip_latents is None:
            return None
        recipe = replace(
            self.vector_recipe,
            strengths=numbers(strength_values(STRIP_FRAMES)),
            strength=self.arithmetic.strength_value(),  # the frame the preview shows
            base_latent=numbers(self._attribute_base),
        )
        return images, self._strip_latents, recipe

    def _on_decoded(self, result: Any) -> None:
        if isinstance(result.purpose, AttributeStripDecode):
            self.arithmetic.show_strip(result.images, np.array(result.purpose.strengths))

    # -- export ----------------------------------------------------------------------
    def provenance(self, latent: np.ndarray, recipe: Recipe, frames: np.ndarray | None = None):
        """Provenance for an exported PNG of ``latent`` made by ``recipe``."""
        from latentlab.latent.provenance import Provenance

        return Provenance(
            latent=np.asarray(latent, dtype=np.float64),
            model_sha256=self.identity.sha256(),
            model_name=self.identity.name,
            recipe=recipe,
            frames=frames,
            label=self.explorer.state.condition,  # what a conditional model decoded it as
        )

    def selection_for_export(self) -> dict | None:
        """What export_selection needs for the selected points, or None."""
        rows = self.map.selected_rows()
        if self.map_data is None or len(rows) == 0:
            return None
        cloud = self.map_data.cloud
        return {
            "images": cloud.images[rows],
            "indices": cloud.indices[rows],
            "latents": cloud.latents[rows],
            "labels": None if cloud.labels is None else cloud.labels[rows],
            "class_names": cloud.class_names,
            "model_sha256": self.identity.sha256(),
            "model_name": self.identity.name,
        }


def _item_recipe(item: LatentItem) -> Recipe:
    """What an expression's item was, for the result's provenance: a group's data indices
    (up to MAX_RECIPE_INDICES), a vector's latent and how it was made."""
    if item.kind == "group":
        indices = tuple(int(index) for index in item.indices[:MAX_RECIPE_INDICES])
        return GroupRecipe(count=item.size, indices=indices)
    made = NO_RECIPE if item.recipe is None else item.recipe
    return RECIPE_CLASSES[item.kind](latent=numbers(item.latents[0]), made=made)


def _describe_points(cloud: Any, rows: np.ndarray) -> str:
    """'12 points: 7 ×10, 1 ×2' (the most common classes first)."""
    text = f"{len(rows):,} point{'s' * (len(rows) != 1)}"
    if cloud.labels is None or not cloud.class_names:
        return text
    labels, counts = np.unique(cloud.labels[rows], return_counts=True)
    order = np.argsort(-counts)[:3]
    parts = [f"{cloud.class_names[labels[i]]} ×{counts[i]}" for i in order]
    more = "…" if len(labels) > 3 else ""
    return f"{text}: {', '.join(parts)}{more}"
