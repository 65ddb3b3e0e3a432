"""Recipes: how a latent was made (a map click, latent arithmetic, an attribute step, ...).

One frozen dataclass per ``kind``; fields hold tuples, never lists, so a recipe is immutable
and hashable. JSON is only for files: ``to_json`` writes the dict exported PNGs have always
carried, and ``recipe_from_json`` reads one back, picking the class by its "kind". A dict of
another kind, or whose fields do not fit its class (a PNG from another version), becomes an
``UnknownRecipe`` that writes the same dict back. Qt-free.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, get_args, get_origin, get_type_hints

import numpy as np


class Recipe(ABC):
    """How a latent was made; ``kind`` names it in JSON."""

    kind: ClassVar[str]

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in exported PNGs."""

    @abstractmethod
    def described(self, description: str) -> Recipe:
        """This recipe with ``description`` (the preview's caption), unless it has one."""


class _Misfit(ValueError):
    """A JSON value does not fit a recipe's field."""


def numbers(values: Any) -> tuple[float, ...]:
    """A vector (numpy or not) as a recipe field: a tuple of Python floats."""
    return tuple(float(value) for value in np.ravel(values))


def json_default(value: Any) -> Any:
    """``json.dumps`` default: numpy arrays and scalars become lists and Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


@dataclass(frozen=True, kw_only=True)
class TypedRecipe(Recipe):
    """A recipe of a kind this version knows. Fields whose default is None are left out of
    the JSON while they are None; the JSON's keys are the field names."""

    description: str | None = None  # the preview's caption, added when a preview is exported

    def to_json(self) -> dict[str, Any]:
        hints = _hints(type(self))
        data: dict[str, Any] = {"kind": self.kind}
        for field in _json_order(type(self)):
            value = getattr(self, field.name)
            if value is None and field.default is None:
                continue
            data[field.name] = _write(hints[field.name], value)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TypedRecipe:
        """The recipe ``data`` describes; _Misfit when a key is missing, extra or mistyped."""
        hints = _hints(cls)
        if set(data) - {"kind"} - set(hints):
            raise _Misfit("keys this kind does not have")
        values = {}
        for field in dataclasses.fields(cls):
            if field.name in data:
                values[field.name] = _read(hints[field.name], data[field.name])
            elif field.default is dataclasses.MISSING:
                raise _Misfit(f"no {field.name!r}")
        return cls(**values)

    def described(self, description: str) -> Recipe:
        if self.description is not None:
            return self
        return dataclasses.replace(self, description=description)


@dataclass(frozen=True)
class UnknownRecipe(Recipe):
    """A recipe this version cannot read, kept as its JSON text so it is written back as is."""

    json_text: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> UnknownRecipe:
        return cls(json.dumps(data, separators=(",", ":"), default=json_default))

    @property
    def kind(self) -> str:  # type: ignore[override]  # read from the dict, not the class
        kind = self.to_json().get("kind")
        return "" if kind is None else str(kind)

    def to_json(self) -> dict[str, Any]:
        return json.loads(self.json_text)  # a fresh dict: callers cannot change this recipe

    def described(self, description: str) -> Recipe:
        data = self.to_json()
        if "description" in data:
            return self
        return UnknownRecipe.of({**data, "description": description})


NO_RECIPE = UnknownRecipe("{}")  # a latent whose making nobody recorded: written as {}


# -- the kinds --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MapClickRecipe(TypedRecipe):
    """A place on the map, decoded through an inverse of the projection."""

    kind: ClassVar[str] = "map click"
    map_xy: tuple[float, float]
    projection: str
    inverse: str


@dataclass(frozen=True, kw_only=True)
class ArithmeticRecipe(TypedRecipe):
    """An expression over named latents; ``items`` names each operand's recipe (a kept result
    has none)."""

    kind: ClassVar[str] = "arithmetic"
    expression: str
    items: tuple[tuple[str, Recipe], ...] | None = None  # (name, recipe), a JSON object


@dataclass(frozen=True, kw_only=True)
class AttributeRecipe(TypedRecipe):
    """An attribute vector (positive − negative), kept as is or applied to a base: a step at
    ``strength``, or (with ``strengths``) a strip of steps."""

    kind: ClassVar[str] = "attribute"
    positive: str
    negative: str
    base: str | None = None
    vector: tuple[float, ...]
    strengths: tuple[float, ...] | None = None
    strength: float | None = None
    base_latent: tuple[float, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class TraversalRecipe(TypedRecipe):
    """A step along one traversal axis from ``base_latent``, or every axis ``centred``."""

    kind: ClassVar[str] = "traversal"
    mode: str
    axis: str | None = None
    value_std: float | None = None
    direction: tuple[float, ...] | None = None
    base_latent: tuple[float, ...] | None = None
    centred: bool | None = None


@dataclass(frozen=True, kw_only=True)
class EncodedImageRecipe(TypedRecipe):
    """A user's image file, encoded (or inverted by search) into the latent."""

    kind: ClassVar[str] = "encoded image"
    file: str
    method: str
    preprocessing: tuple[str, ...]
    reconstruction_mse: float
    initial_mse: float | None = None  # the inversion's best random start


@dataclass(frozen=True, kw_only=True)
class DataPointRecipe(TypedRecipe):
    """A dataset point's latent, exported with a selection."""

    kind: ClassVar[str] = "data point"
    index: int
    label: str | None  # the class name; None without labels
    group: str


@dataclass(frozen=True, kw_only=True)
class InterpolationRecipe(TypedRecipe):
    """A frame at ``t`` on the path through the keypoints."""

    kind: ClassVar[str] = "interpolation"
    method: str
    keypoints: tuple[tuple[float, ...], ...]
    keypoint_sources: tuple[str, ...]
    t: float


@dataclass(frozen=True, kw_only=True)
class DiffusionSampleRecipe(TypedRecipe):
    """Sample ``index`` (0-based) of ``count`` drawn from a diffusion prior (its file name, or
    "unsaved") by ``sampler`` in ``steps`` steps from the noise of ``seed``; a ``step`` below
    ``steps`` is a point on its way, partly denoised. A conditional prior's samples name
    their ``class_name`` and the ``guidance`` scale."""

    kind: ClassVar[str] = "diffusion sample"
    prior: str
    sampler: str
    steps: int
    seed: int
    count: int
    index: int
    step: int
    class_name: str | None = None
    guidance: float | None = None


@dataclass(frozen=True, kw_only=True)
class KeypointRecipe(TypedRecipe):
    """An interpolation keypoint named in an expression."""

    kind: ClassVar[str] = "keypoint"
    latent: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class GroupRecipe(TypedRecipe):
    """A group of data points: shown by its ``item`` name, or an expression's operand (its
    ``count`` and the first of its dataset ``indices``)."""

    kind: ClassVar[str] = "group"
    item: str | None = None
    count: int | None = None
    indices: tuple[int, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class VectorItemRecipe(TypedRecipe):
    """An item of one latent: shown by its ``item`` name, or an expression's operand (its
    ``latent`` and the recipe it was ``made`` by)."""

    item: str | None = None
    latent: tuple[float, ...] | None = None
    made: Recipe | None = None


@dataclass(frozen=True, kw_only=True)
class PointRecipe(VectorItemRecipe):
    kind: ClassVar[str] = "point"


@dataclass(frozen=True, kw_only=True)
class PlaceRecipe(VectorItemRecipe):
    kind: ClassVar[str] = "place"


@dataclass(frozen=True, kw_only=True)
class ImageRecipe(VectorItemRecipe):
    kind: ClassVar[str] = "image"


@dataclass(frozen=True, kw_only=True)
class ResultRecipe(VectorItemRecipe):
    kind: ClassVar[str] = "result"


RECIPE_CLASSES: dict[str, type[TypedRecipe]] = {
    cls.kind: cls
    for cls in (
        MapClickRecipe,
        ArithmeticRecipe,
        AttributeRecipe,
        TraversalRecipe,
        EncodedImageRecipe,
        DataPointRecipe,
        InterpolationRecipe,
        DiffusionSampleRecipe,
        KeypointRecipe,
        GroupRecipe,
        PointRecipe,
        PlaceRecipe,
        ImageRecipe,
        ResultRecipe,
    )
}


def recipe_from_json(data: dict[str, Any]) -> Recipe:
    """The recipe a JSON object describes; an UnknownRecipe when no class here fits it."""
    kind = data.get("kind")
    cls = RECIPE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is not None:
        try:
            return cls.from_json(data)
        except _Misfit:
            pass
    return UnknownRecipe.of(data)


# -- fields <-> JSON, by the fields' annotations ------------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


@functools.cache
def _json_order(cls: type) -> tuple[dataclasses.Field, ...]:
    """The fields in declaration order, ``description`` last (it was always added last)."""
    fields = dataclasses.fields(cls)
    return tuple(f for f in fields if f.name != "description") + tuple(
        f for f in fields if f.name == "description"
    )


def _optional_inner(hint: Any) -> Any:
    """X for ``X | None``, else None."""
    if get_origin(hint) is types.UnionType:
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return inner
    return None


def _read(hint: Any, value: Any) -> Any:
    inner = _optional_inner(hint)
    if inner is not None:
        return None if value is None else _read(inner, value)
    if get_origin(hint) is tuple:
        args = get_args(hint)
        if args == (tuple[str, Recipe], ...):  # named recipes: a JSON object
            if not isinstance(value, dict):
                raise _Misfit("not an object")
            return tuple((name, _read(Recipe, item)) for name, item in value.items())
        if not isinstance(value, list):
            raise _Misfit("not a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_read(args[0], item) for item in value)
        if len(value) != len(args):
            raise _Misfit(f"not {len(args)} values")
        return tuple(_read(arg, item) for arg, item in zip(args, value, strict=True))
    if hint is Recipe:
        if not isinstance(value, dict):
            raise _Misfit("not an object")
        return recipe_from_json(value)
    if isinstance(value, bool) != (hint is bool):  # JSON true is no number, 1 is no flag
        raise _Misfit("not a flag" if hint is bool else "a flag")
    if hint is float and isinstance(value, (int, float)):
        return float(value)
    if hint in (int, str, bool) and isinstance(value, hint):
        return value
    raise _Misfit(f"not {getattr(hint, '__name__', hint)}")


def _write(hint: Any, value: Any) -> Any:
    """JSON for ``value``; numbers become Python ones (a field may hold numpy scalars)."""
    inner = _optional_inner(hint)
    if inner is not None:
        return None if value is None else _write(inner, value)
    if get_origin(hint) is tuple:
        args = get_args(hint)
        if args == (tuple[str, Recipe], ...):
            return {name: recipe.to_json() for name, recipe in value}
        if len(args) == 2 and args[1] is Ellipsis:
            return [_write(args[0], item) for item in value]
        return [_write(arg, item) for arg, item in zip(args, value, strict=True)]
    if hint is Recipe:
        return value.to_json()
    return hint(value)  # float, int, bool, str
