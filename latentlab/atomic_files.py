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


def temporaries_of(path: str | Path) -> list[Path]:
    """Temporary files of saves of ``path`` (finished saves leave none)."""
    path = Path(path)
    try:
        return sorted(path.parent.glob(f".{_glob_escape(path.name)}.*{TEMPORARY_SUFFIX}"))
    except OSError:
        return []


def remove_stale_temporaries(path: str | Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove temporaries of ``path`` that no save has written to for ``older_than_s``;
    how many went. Errors (a read-only folder) leave them."""
    now, removed = time.time(), 0
    for temporary in temporaries_of(path):
        try:
            if temporary.is_file() and now - temporary.stat().st_mtime > older_than_s:
                temporary.unlink()
                removed += 1
        except OSError:
            continue
    return removed


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


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
