"""Where downloaded datasets live by default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ROOT_ENV = "LATENTLAB_DATA"


def default_data_root() -> Path:
    """The per-user dataset cache folder (not created here).

    ``$LATENTLAB_DATA`` wins; otherwise the platform's cache folder plus ``latentlab/datasets``:
    ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS and
    ``%LOCALAPPDATA%`` on Windows.
    """
    override = os.environ.get(DATA_ROOT_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec says relative values are invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "latentlab" / "datasets"
