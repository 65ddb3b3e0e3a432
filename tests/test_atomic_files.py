"""Files written whole or not at all: no temporaries left by killed saves, the user's umask."""

from __future__ import annotations

import os
import stat
import time

import pytest

from latentlab.atomic_files import (
    STALE_AFTER_S,
    atomic_write,
    atomic_write_bytes,
    remove_stale_temporaries,
    temporaries_of,
)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_get_the_users_umask_not_0600(tmp_path, umask_022):
    """Before, checkpoints and exports were 0600 whatever the umask."""
    written = atomic_write_bytes(tmp_path / "checkpoint.safetensors", b"x")
    assert _mode(written) == 0o644
    os.umask(0o077)
    private = atomic_write(tmp_path / "export.png", lambda p: p.write_bytes(b"png"))
    assert _mode(private) == 0o600


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    target = tmp_path / "checkpoint.safetensors"
    # What a SIGKILL in the middle of a save leaves: a temporary beside the target.
    killed = tmp_path / ".checkpoint.safetensors.dead1234.tmp"
    killed.write_bytes(b"half a checkpoint")
    old = time.time() - STALE_AFTER_S - 60
    os.utime(killed, (old, old))
    live = tmp_path / ".checkpoint.safetensors.live5678.tmp"  # another save, writing now
    live.write_bytes(b"being written")
    other = tmp_path / ".other.safetensors.dead9999.tmp"  # of another file: not ours to judge
    other.write_bytes(b"?")
    os.utime(other, (old, old))

    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert not killed.exists()
    assert live.exists() and other.exists()
    assert temporaries_of(target) == [live]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.png"
    target.write_bytes(b"old")

    def fails(path):
        path.write_bytes(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fails)
    assert target.read_bytes() == b"old"
    assert temporaries_of(target) == []


def test_names_with_glob_characters_are_matched_literally(tmp_path):
    target = tmp_path / "run[1]*.safetensors"
    stale = tmp_path / ".run[1]*.safetensors.abcd.tmp"
    stale.write_bytes(b"")
    decoy = tmp_path / ".run1x.safetensors.abcd.tmp"  # would match the unescaped pattern
    decoy.write_bytes(b"")
    assert remove_stale_temporaries(target, older_than_s=-1) == 1
    assert not stale.exists() and decoy.exists()
