"""A package's public names imported on first use (PEP 562 ``__getattr__``).

The app's window must be on screen before torch (seconds to import) has loaded, so packages
whose modules need torch export their names through this: the package's ``__init__`` lists
each name once, with the module that defines it, and nothing is imported until a name is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each name to the submodule
    (relative to ``package``) that defines it; the value is cached in the package."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
