"""The layers of DESIGN.md, enforced by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_qt_and_layers_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.replace("0 broken", "")


def test_importing_the_core_loads_no_qt():
    code = (
        "import sys, latentlab.cli, latentlab.training, latentlab.projection, latentlab.latent;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_window_comes_up_before_torch_is_imported():
    """The window is on screen in under a second because PyTorch (seconds to import) loads
    behind it: nothing the window imports at start may pull it in (a catalog import once did,
    through latentlab.data, and the window took 2.7 s instead of 0.7 s)."""
    code = (
        "import sys, tempfile;"
        "from PySide6.QtCore import QSettings;"
        "from PySide6.QtWidgets import QApplication;"
        "app = QApplication([]);"
        "from latentlab.ui.main_window import MainWindow;"
        "w = MainWindow(QSettings(tempfile.mktemp(suffix='.ini'), QSettings.Format.IniFormat));"
        "w.show(); app.processEvents();"
        "heavy = ('torch', 'sklearn', 'openTSNE', 'scipy.spatial');"
        "heavy = [m for m in heavy if m in sys.modules];"
        "w.close(); print(heavy, flush=True); sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ui_holds_only_qt_code_by_rooms():
    """Qt-free code lives in the core (jobs/, session/, ...), not in ui/; ui/ is rooms by
    feature, each saying what lives there; nothing in ui/ reaches into the CLI."""
    ui = Path(__file__).resolve().parents[1] / "latentlab" / "ui"
    qt = ("PySide6", "pyqtgraph", "superqt")
    for path in ui.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "__init__.py":
            assert text.lstrip().startswith('"""'), f"{path} says nothing of its room"
            continue
        imports = [line for line in text.splitlines() if "import " in line]
        assert any(name in line for line in imports for name in qt), f"{path} has no Qt"
        assert not any("latentlab.cli" in line for line in imports), f"{path} imports the CLI"
    rooms = [p for p in ui.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert len(rooms) >= 5
    assert len(list(ui.glob("*.py"))) <= 12, "ui/'s top level is for the window's own parts"
