"""Settings that a registered entry (a map projection) declares for itself, in its own frozen
dataclass: each field says what a panel needs to offer it (label, range, step, tooltip) and
the range it is checked against, so a new entry brings its settings without touching the
shared config or the panel.

    @dataclass(frozen=True, kw_only=True)
    class UmapSettings:
        neighbours: int = setting(15, "Neighbours", 2, 200)

        def __post_init__(self) -> None:
            check_settings(self)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

_SPEC = "latentlab.setting"


@dataclass(frozen=True)
class SettingSpec:
    label: str  # the panel's row label
    minimum: float
    maximum: float
    step: float | None = None  # the spin box's step (None: 1, or 0.1 with decimals)
    decimals: int = 0  # 0: a whole number
    tooltip: str = ""
    shown: bool = True  # offered in the panel (else only set from code or the CLI)


def setting(
    default: float,
    label: str,
    minimum: float,
    maximum: float,
    *,
    step: float | None = None,
    decimals: int = 0,
    tooltip: str = "",
    shown: bool = True,
) -> Any:
    """A dataclass field with its default and what the panel and the check need to know."""
    spec = SettingSpec(label, minimum, maximum, step, decimals, tooltip, shown)
    return dataclasses.field(default=default, metadata={_SPEC: spec})


def setting_specs(settings_type: type) -> list[tuple[str, SettingSpec]]:
    """(field name, spec) of each declared setting, in the order of the dataclass."""
    return [
        (f.name, f.metadata[_SPEC])
        for f in dataclasses.fields(settings_type)
        if _SPEC in f.metadata
    ]


def check_settings(settings: Any) -> None:
    """ConfigError naming the first setting that is not a number in its range."""
    from latentlab.config import ConfigError

    for name, spec in setting_specs(type(settings)):
        value = getattr(settings, name)
        whole = spec.decimals == 0
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (whole and not isinstance(value, int)) or not math.isfinite(value):
            kind = "a whole number" if whole else "a finite number"
            raise ConfigError(f"{name} must be {kind}, got {value!r}")
        if not spec.minimum <= value <= spec.maximum:
            raise ConfigError(
                f"{name} must be between {spec.minimum:g} and {spec.maximum:g}, got {value}"
            )
