"""Named things that grow (GAN losses, map projections): each entry is declared once, with
what it can do, and the menus, dialogs, command-line choices and checks are built from the
registry. Entries name their implementation by import path ("module:attribute"), so listing
them imports nothing heavy (no torch before the window is up) and no layer imports upward.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


E = TypeVar("E", bound=Named)


class Registry(Generic[E]):
    """Entries by name, in the order they were added (the order menus show them)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, E] = {}

    def add(self, entry: E) -> E:
        if entry.name in self._entries:
            raise ValueError(f"a {self.what} named {entry.name!r} is already registered")
        self._entries[entry.name] = entry
        return entry

    def remove(self, name: str) -> None:
        """Take an entry out again (tests that add their own)."""
        del self._entries[name]

    def get(self, name: str) -> E:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries)
            raise ValueError(f"unknown {self.what} {name!r}; known: {known}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __iter__(self) -> Iterator[E]:
        return iter(list(self._entries.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._entries


def load(path: str) -> Any:
    """The object at ``"package.module:attribute"`` (imported now)."""
    module, _, attribute = path.partition(":")
    if not module or not attribute:
        raise ValueError(f"an implementation path is 'module:attribute', got {path!r}")
    return getattr(importlib.import_module(module), attribute)
