"""The launch check: a machine that lacks Qt's system libraries gets one clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from latentlab import display_check
from latentlab.display_check import import_error_message, launch_problem

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


@pytest.fixture
def plugins(tmp_path) -> Path:
    for name in ("libqxcb.so", "libqwayland.so", "libqoffscreen.so"):
        (tmp_path / name).write_bytes(b"\x7fELF")
    return tmp_path


def fake_ldd(missing_by_plugin: dict[str, list[str]]):
    return lambda library: missing_by_plugin.get(library.name, [])


def test_missing_xcb_libraries_are_all_named_with_the_install_commands(plugins, monkeypatch):
    monkeypatch.setattr(
        display_check.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=LDD_OUTPUT, stderr=""),
    )
    monkeypatch.setattr(display_check.shutil, "which", lambda name: "/usr/bin/ldd")
    message = launch_problem({"DISPLAY": ":0"}, "linux", plugins)
    assert message is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1." in message
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in message
    assert "QT_QPA_PLATFORM=offscreen" in message  # the way on a machine without a screen


def test_a_complete_system_starts(plugins):
    assert launch_problem({"DISPLAY": ":0"}, "linux", plugins, fake_ldd({})) is None


def test_no_display_says_so_instead_of_aborting(plugins):
    message = launch_problem({}, "linux", plugins, fake_ldd({}))
    assert "there is no display" in message and "offscreen" in message


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "vnc"])
def test_platforms_without_a_display_server_are_not_checked(plugins, platform):
    missing = fake_ldd({"libqxcb.so": ["libxcb-icccm.so.4"]})
    assert launch_problem({"QT_QPA_PLATFORM": platform}, "linux", plugins, missing) is None


def test_wayland_session_starts_when_its_plugin_loads_even_if_xcb_would_not(plugins):
    env = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    missing = fake_ldd({"libqxcb.so": ["libxcb-icccm.so.4"]})
    assert launch_problem(env, "linux", plugins, missing) is None


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_systems_ship_what_qt_needs(plugins, platform):
    missing = fake_ldd({"libqxcb.so": ["libxcb-icccm.so.4"]})
    assert launch_problem({}, platform, plugins, missing) is None


def test_unknown_libraries_get_debians_package_name(plugins):
    missing = fake_ldd({"libqxcb.so": ["libxcb-xinerama.so.0", "libfoo2.so.1"]})
    message = launch_problem({"DISPLAY": ":0"}, "linux", plugins, missing)
    assert "apt-get install libxcb-xinerama0 libfoo2-1" in message
    assert "dnf" not in message  # no guessing of Fedora's names


def test_an_undeterminable_check_never_blocks_the_launch(plugins):
    assert launch_problem({"DISPLAY": ":0"}, "linux", plugins, lambda library: None) is None
    assert launch_problem({"DISPLAY": ":0"}, "linux", plugins / "absent", fake_ldd({})) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sonames are Linux's")
def test_qt_failing_to_import_names_the_library():
    error = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert "sudo apt-get install libegl1" in import_error_message(error)


def test_the_app_exits_non_zero_with_the_message_before_qt_starts(monkeypatch, capsys):
    from latentlab.ui import app

    monkeypatch.setattr(display_check, "launch_problem", lambda: "LatentLab could not start: X")
    assert app.run_app() == 1
    assert "LatentLab could not start: X" in capsys.readouterr().err
