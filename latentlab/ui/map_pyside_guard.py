"""TEMPORARY shim, to be deleted: PySide6 6.12.0 is excluded in pyproject.toml instead."""


def guard_pyside_refcounts() -> bool:
    return False
