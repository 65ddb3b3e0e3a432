"""Spin boxes for a projection's own settings, made from its settings dataclass (see
``latentlab.settings_fields``), and the settings read back from them."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QSpinBox

from latentlab.settings_fields import SettingSpec, setting_specs


def spin_box(spec: SettingSpec, value: float) -> QAbstractSpinBox:
    """A spin box over the setting's range, at ``value``, with its tooltip."""
    if spec.decimals:
        box: Any = QDoubleSpinBox(decimals=spec.decimals)
        box.setSingleStep(spec.step or 10.0**-spec.decimals)
    else:
        box = QSpinBox()
        box.setSingleStep(int(spec.step or 1))
        box.setGroupSeparatorShown(spec.maximum >= 10_000)
    box.setRange(spec.minimum, spec.maximum)
    box.setValue(value)
    box.setToolTip(spec.tooltip)
    return box


def setting_boxes(settings_type: type) -> dict[str, tuple[str, QAbstractSpinBox]]:
    """field name -> (label, spin box at its default) for each setting the panel offers."""
    defaults = settings_type()
    return {
        name: (spec.label, spin_box(spec, getattr(defaults, name)))
        for name, spec in setting_specs(settings_type)
        if spec.shown
    }


def read_settings(settings_type: type, boxes: dict[str, tuple[str, Any]]) -> Any:
    """The settings the boxes show (those not offered keep their defaults)."""
    values = {name: box.value() for name, (_label, box) in boxes.items()}
    return dataclasses.replace(settings_type(), **values)
