"""Errors and warnings a user sees when a dataset cannot be (fully) loaded."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset could not be loaded; the message says why and what to do about it."""


class DatasetWarning(UserWarning):
    """A dataset loaded, but something was left out or changed (e.g. unreadable files)."""
