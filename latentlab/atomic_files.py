"""Files written whole or not at all, with the user's permissions.

Every file LatentLab writes (checkpoints, exported images and latents, the classifier cache)
is written to a temporary file beside the target and renamed over it, so a crash or a kill
never leaves half a file. The temporary file is created with mode 0666 less the user's umask
(``tempfile.mkstemp`` would make every file 0600), and temporaries that a killed save left
behind are removed by the next save of the same file.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
# A temporary not written to for this long belongs to a save that died: no live save of a
# LatentLab file pauses for minutes between writes.
STALE_AFTER_S = 600.0


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then move the file it wrote to ``path``; on any error
    the temporary goes and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    temporary = _create_temporary(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, blob: bytes) -> Path:
    """Write ``blob`` to ``path`` atomically and durably (flushed to disk before the rename)."""

    def write(temporary: Path) -> None:
        with temporary.open("wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, write)


# Temporaries that killed saves left, by folder and then by the file they were saving, as the
# first save into that folder in this process found them. A save that dies takes its process
# with it (a failed one removes its own temporary), so what this process's saves leave later is
# never stale: one listing per folder is enough, not one per file saved (1.5 ms each in a
# folder of 2,000 exported images).
_left_behind: dict[Path, dict[str, list[Path]]] = {}
_left_behind_lock = threading.Lock()


def temporaries_of(path: str | Path) -> list[Path]:
    """Temporary files of saves of ``path`` in its folder now (finished saves leave none)."""
    path = Path(path)
    return sorted(_temporaries_in(path.parent).get(path.name, []))


def remove_stale_temporaries(path: str | Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove temporaries of ``path`` that no save has written to for ``older_than_s``;
    how many went. Errors (a read-only folder) leave them."""
    path = Path(path)
    with _left_behind_lock:
        found = _left_behind.get(path.parent)
        if found is None:
            found = _left_behind[path.parent] = _temporaries_in(path.parent)
        candidates = found.pop(path.name, [])
    now, removed, kept = time.time(), 0, []
    for temporary in candidates:
        try:
            if now - temporary.stat().st_mtime > older_than_s:
                temporary.unlink()
                removed += 1
            else:  # not stale yet: looked at again by the next save of the same file
                kept.append(temporary)
        except OSError:
            continue
    if kept:
        with _left_behind_lock:
            found.setdefault(path.name, []).extend(kept)
    return removed


def _temporaries_in(folder: Path) -> dict[str, list[Path]]:
    """``.NAME.TOKEN.tmp`` files in ``folder`` by the NAME they were saving."""
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    by_target: dict[str, list[Path]] = {}
    for name in names:
        if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
            target, dot, _token = name[1 : -len(TEMPORARY_SUFFIX)].rpartition(".")
            if dot and target and (folder / name).is_file():
                by_target.setdefault(target, []).append(folder / name)
    return by_target


def _create_temporary(path: Path) -> Path:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
        try:
            os.close(os.open(temporary, flags, 0o666))  # the umask applies, as for any file
        except FileExistsError:
            continue
        return temporary
    raise FileExistsError(f"could not create a temporary file beside {path}")
