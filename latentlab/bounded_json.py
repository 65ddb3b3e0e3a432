"""JSON from files LatentLab did not write: parsed with limits on depth and size.

``json.loads`` of ten thousand nested brackets raises RecursionError, and a 400-digit integer
is a valid JSON number that overflows as soon as it is used as a float. Every JSON a file
brings (checkpoint metadata, an exported image's recipe) goes through ``loads`` here, whose
only error is ``JSONLimitError`` (a ValueError) with a one-line reason.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # LatentLab's own files nest 5 deep
MAX_INTEGER_DIGITS = 20  # 64-bit counters fit; a 400-digit number does not


class JSONLimitError(ValueError):
    """Not JSON, or JSON beyond the limits; the message says which."""


def loads(
    text: str | bytes,
    *,
    max_chars: int | None = None,
    max_depth: int = MAX_DEPTH,
    allow_nan: bool = True,
) -> Any:
    """Parse ``text``; JSONLimitError when it is not JSON, longer than ``max_chars``, nested
    deeper than ``max_depth``, holds an integer too long for any counter, or (with
    ``allow_nan=False``) NaN or Infinity."""
    if max_chars is not None and len(text) > max_chars:
        raise JSONLimitError(
            f"its JSON is {len(text):,} characters long (the limit: {max_chars:,})"
        )
    try:
        constant = _constant if allow_nan else _refuse_constant
        value = json.loads(text, parse_int=_bounded_int, parse_constant=constant)
    except RecursionError:
        raise JSONLimitError(f"its JSON is nested more than {max_depth} levels deep") from None
    except JSONLimitError:
        raise
    except (ValueError, TypeError) as error:  # JSONDecodeError, UnicodeDecodeError
        raise JSONLimitError(f"it holds no valid JSON ({_first_line(error)})") from None
    if _depth(value) > max_depth:
        raise JSONLimitError(f"its JSON is nested more than {max_depth} levels deep")
    return value


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JSONLimitError(f"it holds an integer of {len(digits)} digits")
    return int(digits)


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _refuse_constant(name: str) -> float:
    raise JSONLimitError(f"it holds the non-finite value {name}")


def _depth(value: Any) -> int:
    """Nesting depth, without recursion (one level per list or object)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
