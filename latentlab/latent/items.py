"""The named latent items that expressions refer to: groups, points, places, images, results.

Qt-free: the UI keeps one ItemSet and shows it; expressions see it through ``namespace()``.
Names are expression identifiers, so whatever the user sees in the list can be typed as is.
Arrays are stored as read-only float64 copies: an item is a record, and a caller that changes
the array it passed in must not silently change an item (or a result made from it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from latentlab.latent.expression import FUNCTIONS, is_valid_name
from latentlab.latent.recipes import Recipe

ITEM_KINDS = ("group", "point", "place", "image", "result")
# Kinds whose latents come from dataset points, and so are recomputed when the model changes.
INDEXED_KINDS = ("group", "point")
_PREFIXES = {"group": "G", "point": "p", "place": "c", "image": "img", "result": "r"}
_MAX_NAME_LENGTH = 40


@dataclass(frozen=True, eq=False)
class LatentItem:
    """One named item; ``latents`` is N×D (N == 1 for everything but groups)."""

    name: str
    kind: str
    latents: np.ndarray
    indices: np.ndarray | None
    description: str = ""
    image: np.ndarray | None = None
    recipe: Recipe | None = None  # how its latent was made (None: not recorded)

    @property
    def value(self) -> np.ndarray:
        """What the expression evaluator gets: (N, D) for a group, (D,) for the others."""
        return self.latents if self.kind == "group" else self.latents[0]

    @property
    def size(self) -> int:
        """N, the number of latent vectors."""
        return len(self.latents)


def _read_only(array: np.ndarray, dtype) -> np.ndarray:
    array = np.array(array, dtype=dtype)  # a copy, so the caller keeps theirs writable
    array.setflags(write=False)
    return array


def _as_latents(latents: np.ndarray, kind: str) -> np.ndarray:
    """``latents`` (D,) or (N, D) checked and stored as read-only float64 N×D."""
    latents = np.asarray(latents, dtype=np.float64)
    if latents.ndim == 1:
        latents = latents[None]
    if latents.ndim != 2 or latents.shape[0] == 0 or latents.shape[1] == 0:
        raise ValueError(f"latents must be (D,) or (N, D) with N, D ≥ 1, got {latents.shape}")
    if kind != "group" and len(latents) != 1:
        raise ValueError(f"a {kind} is one latent vector, got {len(latents)}")
    if not np.isfinite(latents).all():
        raise ValueError("latents contain values that are not finite (inf or NaN)")
    return _read_only(latents, np.float64)


def _as_indices(indices: np.ndarray | None, kind: str, count: int) -> np.ndarray | None:
    if indices is None:
        return None
    if kind not in INDEXED_KINDS:
        raise ValueError(f"only a group or a point has dataset indices, not a {kind}")
    indices = np.asarray(indices).reshape(-1)
    if len(indices) != count:
        raise ValueError(f"{len(indices)} dataset indices for {count} latent vectors")
    return _read_only(indices, np.int64)


def _as_image(image: np.ndarray | None) -> np.ndarray | None:
    if image is None:
        return None
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"a thumbnail is H×W(×C) uint8, got {image.dtype} {image.shape}")
    return _read_only(image, np.uint8)


def _sanitise(text: str) -> str:
    """``text`` lowered to letters, digits and single underscores ("My cat (1)" -> "my_cat_1")."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:_MAX_NAME_LENGTH].rstrip("_")


def _name_error(name: object) -> str:
    if not isinstance(name, str) or not name:
        return "a name can't be empty"
    if name in FUNCTIONS:
        return f"'{name}' is a function name; choose another"
    return f"'{name}' is not a valid name: use letters, digits and _, not starting with a digit"


class ItemSet:
    """Ordered, named items; names are valid expression identifiers and unique."""

    def __init__(self) -> None:
        self._items: dict[str, LatentItem] = {}  # dicts keep insertion order

    def add(
        self,
        kind: str,
        latents: np.ndarray,
        *,
        name: str | None = None,
        indices: np.ndarray | None = None,
        description: str = "",
        image: np.ndarray | None = None,
        recipe: Recipe | None = None,
        replace: bool = False,
    ) -> LatentItem:
        """Add an item (``name`` None: a suggested one); ``replace`` swaps one in place."""
        if kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {kind!r}; kinds are {', '.join(ITEM_KINDS)}")
        if recipe is not None and not isinstance(recipe, Recipe):
            raise TypeError(f"a recipe is a Recipe, got {type(recipe).__name__}")
        latents = _as_latents(latents, kind)
        indices = _as_indices(indices, kind, len(latents))
        if name is None:
            # A single dataset point is best known by its index: p123.
            hint = str(int(indices[0])) if kind == "point" and indices is not None else None
            name = self.suggest_name(kind, hint)
        elif not is_valid_name(name):
            raise ValueError(_name_error(name))
        if name in self._items and not replace:
            raise ValueError(f"an item named '{name}' already exists")
        dim = self._dim_without(name)
        if dim is not None and latents.shape[1] != dim:
            raise ValueError(
                f"latent vectors of size {latents.shape[1]} don't fit items of size {dim}"
            )
        item = LatentItem(
            name=name,
            kind=kind,
            latents=latents,
            indices=indices,
            description=description,
            image=_as_image(image),
            recipe=recipe,
        )
        self._items[name] = item  # an existing key keeps its place in the order
        return item

    def _dim_without(self, name: str) -> int | None:
        """D of the items other than ``name`` (which a replacement may change, if alone)."""
        for other in self._items.values():
            if other.name != name:
                return other.latents.shape[1]
        return None

    def suggest_name(self, kind: str, hint: str | None = None) -> str:
        """A free name for a new ``kind`` item: G1, p123, c1, r1, my_cat_1 (from a file name)."""
        if kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {kind!r}; kinds are {', '.join(ITEM_KINDS)}")
        prefix = _PREFIXES[kind]
        if hint is not None and kind == "image":
            hint = PurePath(hint).stem
        base = _sanitise(hint) if hint is not None else ""
        if not base:
            # Images without a usable file name and the counted kinds: G1, G2, ...
            return self._first_free(prefix, 1)
        if kind == "point":
            base = prefix + base if base[0].isdigit() else f"{prefix}_{base}"
        elif base[0].isdigit() or base in FUNCTIONS:
            base = f"{prefix}_{base}"
        return base if base not in self._items else self._first_free(f"{base}_", 2)

    def _first_free(self, stem: str, start: int) -> str:
        number = start
        while f"{stem}{number}" in self._items:
            number += 1
        return f"{stem}{number}"

    def rename(self, old: str, new: str) -> LatentItem:
        """Give item ``old`` the name ``new``, keeping its place in the order."""
        item = self._require(old)
        if new == old:
            return item
        if not is_valid_name(new):
            raise ValueError(_name_error(new))
        if new in self._items:
            raise ValueError(f"an item named '{new}' already exists")
        renamed = dataclasses.replace(item, name=new)
        self._items = {
            (new if name == old else name): (renamed if name == old else other)
            for name, other in self._items.items()
        }
        return renamed

    def remove(self, name: str) -> None:
        """Remove item ``name``; ValueError if there is none."""
        self._require(name)
        del self._items[name]

    def _require(self, name: str) -> LatentItem:
        if name not in self._items:
            raise ValueError(f"no item '{name}'")
        return self._items[name]

    def get(self, name: str) -> LatentItem:
        """Item ``name``; KeyError if there is none."""
        return self._items[name]

    def names(self) -> list[str]:
        """The item names, in order."""
        return list(self._items)

    def __iter__(self) -> Iterator[LatentItem]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def namespace(self) -> dict[str, np.ndarray]:
        """name -> item.value, the mapping evaluate_expression takes."""
        return {name: item.value for name, item in self._items.items()}

    def clear(self) -> None:
        """Remove every item."""
        self._items.clear()

    def latent_dim(self) -> int | None:
        """D shared by all items, or None while there are none."""
        return self._dim_without("")

    def refresh(
        self,
        latents_of: Callable[[np.ndarray], np.ndarray | None],
        *,
        latent_dim: int | None = None,
    ) -> list[str]:
        """The model changed: recompute items from their dataset indices; return removed names.

        ``latents_of(indices)`` gives the new N×D latents of those dataset points, or None when
        they are not in the new map (the item is removed). Items without indices keep their
        vectors unless their D differs from the new one (``latent_dim``, else that of the
        recomputed latents), and are removed then. All or nothing: if ``latents_of`` fails or
        returns a wrong shape, the set is left as it was."""
        updated: dict[str, LatentItem | None] = {}
        new_dim = latent_dim
        for item in self._items.values():
            if item.indices is None:
                continue
            latents = latents_of(item.indices)
            if latents is None:
                updated[item.name] = None
                continue
            latents = np.asarray(latents, dtype=np.float64)
            if latents.ndim == 1 and item.size == 1:
                latents = latents[None]
            if latents.ndim != 2 or len(latents) != item.size:
                raise ValueError(
                    f"latents_of gave shape {latents.shape} for the {item.size} points of "
                    f"'{item.name}'"
                )
            if new_dim is None:
                new_dim = latents.shape[1]
            elif latents.shape[1] != new_dim:
                raise ValueError(
                    f"latents_of gave vectors of size {latents.shape[1]} for '{item.name}', "
                    f"expected {new_dim}"
                )
            updated[item.name] = dataclasses.replace(item, latents=_as_latents(latents, item.kind))
        removed = []
        items = {}
        for name, item in self._items.items():
            if name in updated:
                item = updated[name]
            elif new_dim is not None and item.latents.shape[1] != new_dim:
                item = None
            if item is None:
                removed.append(name)
            else:
                items[name] = item
        self._items = items
        return removed
