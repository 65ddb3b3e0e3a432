"""Before the first QApplication: can Qt show a window here? If not, say why in one message.

Qt aborts the process (exit 134, "could not load the Qt platform plugin") when a system library
its platform plugin links against is missing, and names at most one of them. On Linux the
plugin is checked first with ``ldd``, and every missing library is named with the command that
installs it. Other platforms ship what Qt needs; nothing is checked there.

Imports no Qt library (finding PySide6's folder does not load it), so it runs before Qt can
abort.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package), for the libraries Qt's plugins need that a
# minimal system lacks. Others are named by their soname and the Debian naming rule.
PACKAGES = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
CANNOT_OPEN = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")
# The platform plugins that need a display server, and what tells that one is there.
DISPLAY_PLUGINS = {
    "xcb": ("DISPLAY", "libqxcb.so"),
    "wayland": ("WAYLAND_DISPLAY", "libqwayland.so"),
}
HEADLESS_HINT = (
    "For scripted use without a screen: QT_QPA_PLATFORM=offscreen latentlab ..., or the "
    "command line (latentlab train --help)."
)


def launch_problem(
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    plugin_folder: Path | None = None,
    missing_of: Callable[[Path], list[str] | None] | None = None,
) -> str | None:
    """Why Qt cannot open a window here (one message for the terminal), or None if it can.

    ``missing_of(library)`` lists the libraries ``library`` needs that cannot be found (None:
    unknown); by default ``ldd``. Unknowns never block a launch: Qt's own message stands.
    """
    environ = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    candidates = _platform_candidates(environ)
    if not all(name in DISPLAY_PLUGINS for name in candidates):
        return None  # offscreen, vnc, eglfs, ... among them: no display server to look for
    shown = [name for name in candidates if environ.get(DISPLAY_PLUGINS.get(name, ("",))[0])]
    if not shown:
        return (
            "LatentLab could not start: there is no display (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set). Run it in a desktop session, or over ssh -X. " + HEADLESS_HINT
        )
    folder = plugin_folder if plugin_folder is not None else _qt_platform_plugins()
    missing_of = missing_of or _missing_by_ldd
    if folder is None:
        return None
    problems: list[str] = []
    for name in shown:
        plugin = folder / DISPLAY_PLUGINS[name][1]
        if not plugin.is_file():
            return None
        missing = missing_of(plugin)
        if not missing:
            return None  # this platform loads ([]) or we cannot tell (None): let Qt start
        problems = missing
    return missing_libraries_message(problems, f"Qt's {shown[-1]} platform plugin")


def missing_libraries_message(sonames: list[str], needed_by: str) -> str:
    """One message naming ``sonames`` and the commands that install them."""
    debian = [PACKAGES.get(s, (_debian_name(s), None))[0] for s in sonames]
    fedora = [PACKAGES[s][1] for s in sonames if s in PACKAGES]
    lines = [
        f"LatentLab could not start: {needed_by} needs system libraries that are not "
        f"installed: {', '.join(sonames)}.",
        "Install them, then start LatentLab again:",
        f"  Debian / Ubuntu:  sudo apt-get install {' '.join(debian)}",
    ]
    if len(fedora) == len(sonames):
        lines.append(f"  Fedora:           sudo dnf install {' '.join(fedora)}")
    lines.append(HEADLESS_HINT)
    return "\n".join(lines)


def import_error_message(error: ImportError) -> str:
    """What to say when importing Qt itself failed on a missing system library."""
    found = CANNOT_OPEN.search(str(error))
    if found and sys.platform.startswith("linux"):
        return missing_libraries_message([found.group(1)], "Qt")
    return f"LatentLab could not start: Qt (PySide6) did not import: {error}"


def _platform_candidates(environ: Mapping[str, str]) -> list[str]:
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return [part.split(":")[0].strip() for part in chosen.split(";") if part.strip()]
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"]
    return ["xcb"]


def _qt_platform_plugins() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def _missing_by_ldd(library: Path) -> list[str] | None:
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        out = subprocess.run(
            [ldd, str(library)], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return list(dict.fromkeys(NOT_FOUND.findall(out)))  # in order, each once


def _debian_name(soname: str) -> str:
    """Debian's rule: libfoo-bar.so.4 is in libfoo-bar4 (libfoo2.so.1 in libfoo2-1)."""
    stem, _, version = soname.partition(".so.")
    stem = stem.lower()
    major = version.split(".")[0]
    if not major:
        return stem
    return f"{stem}-{major}" if stem[-1].isdigit() else f"{stem}{major}"
