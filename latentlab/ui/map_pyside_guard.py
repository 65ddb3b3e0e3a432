"""Guard against a PySide6 reference-counting bug that crashes the interpreter.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` without taking a
reference to it. On CPython < 3.12 (where True is not immortal) every emit then
drops True's reference count by one; after a few hundred emits it reaches zero
and CPython aborts with "bool_dealloc: deallocating True or False". pyqtgraph
emits several signals per frame, so a map being panned dies within seconds.

:func:`guard_emit_refcount` probes for the leak once and, only if it is there,
raises the reference counts of True/False so far that the leak can never bring
them to zero (the objects are static and never freed, so the count has no
other meaning). It is a no-op on fixed PySide6 versions and on CPython >= 3.12.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6 import QtCore

_PROBE_EMITS = 16
_HEADROOM = 1 << 40  # 1e12 emits: centuries of frames
_applied = False


class _Probe(QtCore.QObject):
    fired = QtCore.Signal()


def _leaked_refs(obj: object) -> int:
    """How many references to ``obj`` a burst of emits loses."""
    probe = _Probe()
    before = sys.getrefcount(obj)
    for _ in range(_PROBE_EMITS):
        probe.fired.emit()
    return before - sys.getrefcount(obj)


def guard_emit_refcount() -> bool:
    """Apply the workaround when the leak is present; True when applied.

    Safe to call many times; the probe runs only until it has been applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _applied
    for obj in (True, False):
        if _leaked_refs(obj) > 0:
            # ob_refcnt is the first field of every object in CPython 3.11.
            ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
            _applied = True
    return _applied
