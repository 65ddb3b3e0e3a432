"""A seeded monkey: 1,000 random user actions on the real main window, with no sleeps.

Clicks, drags, pans and zooms on the map (with and without shift, ctrl and alt), menu
actions, buttons, sliders, spin boxes, combo boxes, dock tabs and context menus, shortcut
keys, text typed into Latent math, renamed items, projection switches (PCA / short t-SNE
runs), model switches between three small checkpoints (latent sizes 8, 2 and a GAN's 4) and
the ones the run saves, short training runs (the one-click run, shortened), drops, window
resizes, and file dialogs answered at once from ``tmp_path``. The app must raise nothing in a
slot or a thread, show the user no raw exception text, never take 15 s over one action, come
back to idle at the end, and still open a checkpoint and decode a click after all that.

Every choice comes from ``numpy.random.default_rng(SEED)``: the kinds of action and each
action's own random numbers are drawn up front, so a seed always plays the same script (which
widget an action lands on can still depend on what the workers have finished by then). A
failure names the seed and the action, with the actions before it. Environment variables:
``LATENTLAB_MONKEY_SEED=<seed>`` replays a seed, ``LATENTLAB_MONKEY_ACTIONS=<n>`` changes the
count, ``LATENTLAB_MONKEY_SETTLE=1`` waits for the app to be idle after every action (slower,
but the same state at every step), ``LATENTLAB_MONKEY_TRACE=1`` prints every action and the
app's state as it goes (run with ``-s``; it survives a crash that kills the interpreter) and
``LATENTLAB_MONKEY_VERBOSE=1`` prints the last 60 actions at the end.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import traceback
from pathlib import Path

import numpy as np
import pytest
import shiboken6
import torch
from gui_helpers import TIMEOUT, open_and_wait
from hostile_files import hostile_checkpoints, hostile_latent_pngs
from PySide6 import QtWidgets
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QThreadPool, QTimer, QUrl
from PySide6.QtGui import QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QSlider,
    QStackedWidget,
    QTabBar,
    QWidget,
)

SEED = int(os.environ.get("LATENTLAB_MONKEY_SEED", "20250611"))
ACTION_COUNT = int(os.environ.get("LATENTLAB_MONKEY_ACTIONS", "1000"))
SETTLE = os.environ.get("LATENTLAB_MONKEY_SETTLE") == "1"
TRACE = os.environ.get("LATENTLAB_MONKEY_TRACE") == "1"
VERBOSE = os.environ.get("LATENTLAB_MONKEY_VERBOSE") == "1"
SLOW_ACTION_S = 15.0  # one action (GUI thread busy) this long is reported as a hang
IDLE_TIMEOUT_MS = 120_000
GAN_SAMPLES = 400  # points on the map of a model without an encoder (the app's default: 2,000)

# What the monkey does, and how often (relative weights).
WEIGHTS = {
    "click": 16,
    "drag": 7,
    "pan": 2,
    "wheel": 3,
    "double_click": 1,
    "hover": 6,
    "menu": 7,
    "button": 14,
    "slider": 8,
    "spin": 3,
    "combo": 3,
    "key": 8,
    "expression": 6,
    "item": 3,
    "projection": 2,
    "open_model": 1.2,
    "drop": 0.6,
    "tab": 3,
    "context_menu": 0.6,
    "resize": 0.4,
    "wait": 2,
}

NoModifier = Qt.KeyboardModifier.NoModifier
Shift = Qt.KeyboardModifier.ShiftModifier
Ctrl = Qt.KeyboardModifier.ControlModifier
Alt = Qt.KeyboardModifier.AltModifier
MODIFIERS = (
    (NoModifier, ""),
    (NoModifier, ""),
    (NoModifier, ""),
    (Shift, "shift"),
    (Ctrl, "ctrl"),
    (Shift | Ctrl, "shift+ctrl"),
    (Alt, "alt"),
)
KEYS = (
    (Qt.Key.Key_Home, NoModifier, "Home"),
    (Qt.Key.Key_C, NoModifier, "C"),
    (Qt.Key.Key_R, NoModifier, "R"),
    (Qt.Key.Key_L, NoModifier, "L"),
    (Qt.Key.Key_Escape, NoModifier, "Escape"),
    (Qt.Key.Key_B, Ctrl, "Ctrl+B"),
    (Qt.Key.Key_1, Ctrl, "Ctrl+1"),
    (Qt.Key.Key_2, Ctrl, "Ctrl+2"),
    (Qt.Key.Key_3, Ctrl, "Ctrl+3"),
    (Qt.Key.Key_G, Ctrl, "Ctrl+G"),
    (Qt.Key.Key_E, Ctrl, "Ctrl+E"),
    (Qt.Key.Key_S, Ctrl, "Ctrl+S"),
    (Qt.Key.Key_I, Ctrl, "Ctrl+I"),
    (Qt.Key.Key_O, Ctrl, "Ctrl+O"),
    (Qt.Key.Key_O, Ctrl | Shift, "Ctrl+Shift+O"),
    (Qt.Key.Key_N, Ctrl, "Ctrl+N"),
    (Qt.Key.Key_T, Ctrl, "Ctrl+T"),
    (Qt.Key.Key_Delete, NoModifier, "Delete"),
    (Qt.Key.Key_Left, NoModifier, "Left"),
    (Qt.Key.Key_Right, NoModifier, "Right"),
    (Qt.Key.Key_Space, NoModifier, "Space"),
)
EXPRESSION_TOKENS = (
    "+", "-", "*", "/", "(", ")", ",", " ", "0.5", "2", "-1", "1e3", "0", "mean(", "lerp(",
    "slerp(", "unit(", "nan", "inf", "×", "−", "@", "..", "p", "p0", "p7", "p99999", "v1",
    "preview", "__class__", "1/0", ")(", "''",
)  # fmt: skip
# Text the user was shown that is a raw exception rather than a sentence for them.
RAW_EXCEPTION = re.compile(
    r"Traceback \(most recent|\b[A-Z]\w*(Error|Exception)\b: |object has no attribute|"
    r"unsupported operand|'NoneType'|is out of bounds|not subscriptable|unexpected keyword|"
    r"positional argument"
)


# -- data and checkpoints --------------------------------------------------------------


def _blob_images(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` 16×16 blobs in three classes (uint8, N×16×16) and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 3
    grid = np.stack(np.meshgrid(np.arange(16.0), np.arange(16.0), indexing="ij"))
    centres = np.array([[4.0, 4.0], [8.0, 11.0], [12.0, 5.0]])[labels] + rng.normal(size=(count, 2))
    distance = ((grid[None] - centres[:, :, None, None]) ** 2).sum(1)
    return (255 * np.exp(-distance / 6)).round().astype(np.uint8), labels


@pytest.fixture(scope="module")
def monkey_files(tmp_path_factory, digits, digits_checkpoint):
    """The checkpoints the monkey switches between, a tiny npz dataset, and files that are
    not what the dialogs ask for. The datasets' domain classifiers are trained here, into
    the test cache, so the monkey's maps are not all waiting for them."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.training import Trainer
    from latentlab.training.classifier import load_or_train_classifier
    from latentlab.training.data_source import open_dataset

    root = tmp_path_factory.mktemp("monkey")
    images, labels = _blob_images(300, seed=1)
    npz = root / "blobs.npz"
    np.savez(npz, images=images, labels=labels, class_names=np.array(["a", "b", "c"]))
    dataset, info = open_dataset(f"npz:{npz}")
    checkpoints = [Path(digits_checkpoint)]
    for name, config, epochs in (
        ("blobs-vae2.safetensors", ModelConfig(kind="vae", latent_dim=2), 3),
        ("blobs-gan4.safetensors", ModelConfig(kind="dcgan", latent_dim=4), 1),
    ):
        train = TrainConfig(epochs=epochs, batch_size=32)
        trainer = Trainer(config, train, dataset, dataset_info=info)
        for _ in trainer.run():
            pass
        checkpoints.append(trainer.save(root / name))
    for images in (digits, dataset):
        for _ in load_or_train_classifier(images):
            pass

    from PIL import Image

    pictures = []
    for k, (size, mode) in enumerate(((16, "L"), (40, "RGB"), (7, "RGBA"))):
        noise = np.random.default_rng(k).integers(0, 256, (size, size, len(mode)), np.uint8)
        path = root / f"picture{k}.png"
        Image.fromarray(noise[:, :, 0] if mode == "L" else noise, mode).save(path)
        pictures.append(path)
    pickled = root / "weights.pt"
    torch.save({"w": torch.zeros(1)}, pickled)
    garbage = root / "garbage.safetensors"
    garbage.write_bytes(b"\x00not a checkpoint" * 10)
    hostile = root / "hostile"
    hostile.mkdir()
    return {
        "npz": npz,
        "checkpoints": checkpoints,
        "pictures": pictures,
        "broken": [
            pickled,
            garbage,
            root / "missing.safetensors",
            *hostile_checkpoints(Path(digits_checkpoint), hostile, data_folder=root),
        ],
        "hostile_latents": hostile_latent_pngs(hostile),
    }


# -- the monkey ---------------------------------------------------------------------------


class Monkey:
    """Plays ``ACTION_COUNT`` random actions; keeps a log and everything that went wrong."""

    def __init__(self, qtbot, window, files, tmp_path, monkeypatch, seed: int) -> None:
        self.qtbot, self.window, self.files = qtbot, window, files
        self.out = tmp_path / "monkey-out"
        self.out.mkdir()
        self.seed = seed
        rng = np.random.default_rng(seed)
        names = list(WEIGHTS)
        weights = np.array([WEIGHTS[n] for n in names], dtype=float)
        self.kinds = rng.choice(names, size=ACTION_COUNT, p=weights / weights.sum())
        self.action_seeds = rng.integers(0, 2**63, size=ACTION_COUNT)
        self.rng = np.random.default_rng(0)  # the current action's numbers
        self.index = -1
        self.log: list[str] = []
        self.errors_shown: list[tuple[int, str]] = []  # (action, text of the message box)
        self.problems: list[str] = []  # what the test fails on
        self.unexpected_modals: list[str] = []
        self.slowest: tuple[float, int] = (0.0, -1)
        self._saved = 0
        self._training_runs = 0
        self.exceptions_seen = 0
        self.time_per_kind: dict[str, float] = {}
        self.played_s = 0.0
        self._last_busy: list[str] = []
        self.first_problem_log = ""
        self._patch_dialogs(monkeypatch)
        self._watch_errors(monkeypatch)
        # A modal dialog nobody patched would block the loop: close it and say so.
        self._modal_guard = QTimer()
        self._modal_guard.setInterval(200)
        self._modal_guard.timeout.connect(self._close_unexpected_modal)
        self._modal_guard.start()

    # -- bookkeeping ---------------------------------------------------------------------

    @staticmethod
    def pump() -> None:
        """Process pending events, and delete what was deleteLater()'d, as the app's event
        loop does between two events (processEvents alone leaves those widgets alive)."""
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def choose(self, options):
        """One of ``options``, drawn from the seeded generator."""
        return options[int(self.rng.integers(len(options)))]

    def note(self, text: str) -> None:
        self.log.append(f"#{self.index} {self.kinds[self.index]}: {text}")
        if TRACE:  # as it happens, for a crash that takes the interpreter down
            print(self.log[-1], file=sys.__stderr__, flush=True)

    def recent_log(self, count: int = 20) -> str:
        return "\n".join(self.log[-count:])

    def replay_hint(self) -> str:
        return f"seed {self.seed} (LATENTLAB_MONKEY_SEED={self.seed} to replay)"

    def _close_unexpected_modal(self) -> None:
        modal = QApplication.activeModalWidget() or QApplication.activePopupWidget()
        if modal is None or modal is self.window.error_box:
            return
        name = f"{type(modal).__name__} {modal.windowTitle()!r}"
        self.unexpected_modals.append(f"action #{self.index}: {name}")
        if isinstance(modal, QDialog):
            modal.reject()
        else:
            modal.close()

    def problem(self, text: str) -> None:
        """Something the test fails on; the first one keeps the actions that led to it."""
        if not self.problems:
            self.first_problem_log = self.recent_log()
        self.problems.append(text)

    def _watch_errors(self, monkeypatch) -> None:
        """Every message the app shows the user (through its error signals, or a direct
        ``show_error`` call) is kept; raw exception text in one is a bug: the user was meant
        to read a sentence."""
        window = self.window
        show_error = window.show_error

        def shown(title: str, message: str) -> None:
            self.record_error(f"{title}: {message}")
            show_error(title, message)

        monkeypatch.setattr(window, "show_error", shown)
        sources = (
            window.explorer,
            window.training,
            window.workbench,
            window.latent_files,
            window.metrics_dock,
        )
        for source in sources:  # connected to the original show_error when it was built
            source.error_raised.connect(
                lambda title, message: self.record_error(f"{title}: {message}")
            )

    def record_error(self, text: str) -> None:
        if self.errors_shown and self.errors_shown[-1] == (self.index, text):
            return  # the same message through the signal and through show_error
        self.errors_shown.append((self.index, text))
        if TRACE:
            print(f"    message shown: {text[:200]!r}", file=sys.__stderr__, flush=True)
        if RAW_EXCEPTION.search(text):
            self.problem(f"action #{self.index}: raw exception text shown to the user: {text!r}")

    # -- dialogs answered from tmp_path ------------------------------------------------

    def _patch_dialogs(self, monkeypatch) -> None:
        from latentlab.jobs import training_request
        from latentlab.ui.dialogs import adapter_dialog
        from latentlab.ui.training import training_dialog

        def open_file(parent, caption="", folder="", file_filter="", *args, **kwargs):
            caption = str(caption).lower()
            if ".npz" in caption:  # data to map the shown checkpoint on
                options = [self.files["npz"], *self.files["broken"][:1]]
            elif "checkpoint" in caption:
                options = [*self.checkpoint_paths(), *self.files["broken"]]
            elif "latent" in caption:
                options = [
                    *sorted(self.out.glob("*.png")),
                    *self.files["pictures"][:1],
                    *self.files["hostile_latents"],
                ]
            elif "image" in caption or "encode" in caption:
                exported = sorted(self.out.glob("*.png"))[:3]
                options = [*self.files["pictures"], *exported, self.files["npz"]]
            else:
                options = []
            chosen = str(self.choose(["", *options])) if options else ""
            self.note(f"  open dialog {caption!r} -> {chosen or 'cancel'}")
            return chosen, ""

        def save_file(parent, caption="", default="", file_filter="", *args, **kwargs):
            self._saved += 1
            suffix = Path(str(default)).suffix
            chosen = self.choose(
                ["", f"saved{self._saved}{suffix}", f"saved{self._saved}", "nofolder/x"]
            )
            path = "" if not chosen else str(self.out / chosen)
            self.note(f"  save dialog {str(caption)!r} -> {path or 'cancel'}")
            return path, ""

        def folder(parent, caption="", start="", *args, **kwargs):
            chosen = self.choose(["", str(self.out / f"folder{self.index}"), str(self.out)])
            if chosen and not chosen.endswith("monkey-out"):
                Path(chosen).mkdir(exist_ok=True)
            self.note(f"  folder dialog -> {chosen or 'cancel'}")
            return chosen

        def message(*args, **kwargs):
            self.note(f"  message box {args[1:3]!r}")
            return QMessageBox.StandardButton.Ok

        def question(*args, **kwargs):
            answer = self.choose([QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No])
            self.note(f"  question {args[1:2]!r} -> {answer.name}")
            return answer

        def rejected(dialog):
            self.note(f"  {type(dialog).__name__} cancelled")
            return QDialog.DialogCode.Rejected.value

        def short_run():
            """The one-click run, bounded: three epochs of a small model on the blobs."""
            from latentlab.config import ModelConfig, TrainConfig
            from latentlab.jobs.training_request import TrainingRequest

            self._training_runs += 1
            kind = str(self.choose(["vae", "vae", "ae", "dcgan"]))
            latent, epochs = int(self.choose([2, 3, 8])), 3
            self.note(f"  short training run #{self._training_runs}: {kind}, latent {latent}")
            return TrainingRequest(
                dataset_spec=f"npz:{self.files['npz']}",
                data_root=None,
                image_size=None,
                channels=None,
                model_config=ModelConfig(kind=kind, latent_dim=latent, base_channels=8),
                train_config=TrainConfig(epochs=epochs, batch_size=16, preview_every=5),
                run_dir=str(self.out / f"run{self._training_runs}"),
            )

        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_file))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_file))
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder))

        def number(*args, **kwargs):
            return int(self.rng.integers(1, 9)), bool(self.rng.integers(2))

        monkeypatch.setattr(QInputDialog, "getInt", staticmethod(number))
        monkeypatch.setattr(
            QInputDialog, "getText", staticmethod(lambda *a, **k: ("1, 16, 16", True))
        )
        for name in ("about", "warning", "information", "critical"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(message))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
        monkeypatch.setattr(training_dialog.TrainingDialog, "exec", rejected)
        monkeypatch.setattr(adapter_dialog.AdapterDialog, "exec", rejected)
        monkeypatch.setattr(training_request, "default_request", short_run)

        class ChoosingMenu(QMenu):
            """A context menu that picks one of its actions at once. (QMenu.exec itself
            cannot be patched: shiboken looks the overloaded method up on the instance.)"""

            def exec(menu, *args, **kwargs):
                chosen = self.choose([None, *[a for a in menu.actions() if not a.isSeparator()]])
                self.note(f"  context menu -> {chosen.text() if chosen else 'closed'}")
                return chosen

        monkeypatch.setattr(QtWidgets, "QMenu", ChoosingMenu)

    def checkpoint_paths(self) -> list[Path]:
        return [*self.files["checkpoints"], *sorted(self.out.glob("**/*.safetensors"))[:4]]

    # -- the loop -------------------------------------------------------------------------

    def play(self, exceptions) -> None:
        for index in range(ACTION_COUNT):
            self.index = index
            self.rng = np.random.default_rng(self.action_seeds[index])
            seen = len(exceptions)
            started = time.perf_counter()
            try:
                self.act(self.kinds[index])
            except Exception as error:
                if _stale_widget_of_ours(error):
                    self.note(f"  the widget went away under the monkey's hand: {error}")
                else:
                    self.problem(
                        f"action #{index} ({self.log[-1] if self.log else ''}) raised:\n"
                        + traceback.format_exc()
                    )
            self.pump()
            spent = time.perf_counter() - started
            if SETTLE:
                self.wait_until_idle()
            kind = self.kinds[index]
            self.time_per_kind[kind] = self.time_per_kind.get(kind, 0.0) + spent
            if spent > self.slowest[0]:
                self.slowest = (spent, index)
            if spent > SLOW_ACTION_S:
                self.problem(f"action #{index} took {spent:.1f} s: {self.log[-1]}")
            self.exceptions_seen = len(exceptions)
            for error in exceptions[seen:]:
                self.problem(
                    f"action #{index} ({self.log[-1] if self.log else ''}): unhandled "
                    f"exception in a slot:\n" + "".join(traceback.format_exception(*error))
                )
            if TRACE:
                print(f"    state: {self.state()}", file=sys.__stderr__, flush=True)

    def act(self, kind: str) -> None:
        window = self.window
        box = window.error_box
        if box is not None and box.isVisible() and self.rng.random() < 0.8:
            self.note("dismiss the message box")
            box.close()  # a user reads it and clicks OK before doing anything else
            return
        getattr(self, f"do_{kind}")()

    # -- the map ---------------------------------------------------------------------------

    def _map_place(self) -> tuple[float, float]:
        """Somewhere in the view (a tenth beyond it on each side), often on a data point."""
        data = self.window.explorer.map_data
        if data is not None and self.rng.random() < 0.35 and len(data.xy):
            x, y = self.choose(data.xy)
            return float(x), float(y)
        x0, x1, y0, y1 = self.window.map.view_range()
        fx, fy = self.rng.uniform(-0.1, 1.1, size=2)
        return x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)

    def _viewport_point(self) -> tuple[QPoint, str]:
        x, y = self._map_place()
        return self._on_viewport(self.window.map.data_to_viewport(x, y)), f"({x:.3g}, {y:.3g})"

    def _on_viewport(self, point: QPoint) -> QPoint:
        """Where a mouse can be: zoomed far in, a map place can lie 10^10 pixels away."""
        viewport = self.window.map.plot_widget.viewport()
        return QPoint(
            min(max(point.x(), 0), viewport.width() - 1),
            min(max(point.y(), 0), viewport.height() - 1),
        )

    def _modifier(self):
        return self.choose(MODIFIERS)

    def do_click(self) -> None:
        point, where = self._viewport_point()
        modifier, name = self._modifier()
        self.note(f"{name}+click at {where}" if name else f"click at {where}")
        viewport = self.window.map.plot_widget.viewport()
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, point)

    def do_double_click(self) -> None:
        point, where = self._viewport_point()
        self.note(f"double click at {where}")
        viewport = self.window.map.plot_widget.viewport()
        QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, NoModifier, point)

    def _drag(self, button, modifier, steps: int) -> str:
        viewport = self.window.map.plot_widget.viewport()
        start, where = self._viewport_point()
        QTest.mousePress(viewport, button, modifier, start)
        point = start
        for _ in range(steps):
            dx, dy = self.rng.integers(-40, 41, size=2)
            point = self._on_viewport(QPoint(point.x() + int(dx), point.y() + int(dy)))
            QTest.mouseMove(viewport, point)
            if self.rng.random() < 0.3:
                self.pump()
        QTest.mouseRelease(viewport, button, modifier, point)
        return f"from {where}, {steps} moves"

    def do_drag(self) -> None:
        modifier, name = self._modifier()
        steps = int(self.rng.integers(1, 9))
        tool = self.window.map.selection.tool
        text = self._drag(Qt.MouseButton.LeftButton, modifier, steps)
        self.note(f"{name + '+' if name else ''}left drag ({tool} tool) {text}")

    def do_pan(self) -> None:
        button = (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton)[
            int(self.rng.integers(2))
        ]
        text = self._drag(button, NoModifier, int(self.rng.integers(1, 5)))
        self.note(f"{button.name} drag {text}")

    def do_wheel(self) -> None:
        point, where = self._viewport_point()
        notches = int(self.rng.choice([-5, -2, -1, -1, 1, 1, 2, 5]))
        viewport = self.window.map.plot_widget.viewport()
        event = QWheelEvent(
            QPointF(point),
            QPointF(viewport.mapToGlobal(point)),
            QPoint(0, 0),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        self.note(f"wheel {notches:+d} at {where}")
        QApplication.sendEvent(viewport, event)

    def do_hover(self) -> None:
        viewport = self.window.map.plot_widget.viewport()
        if self.rng.random() < 0.15:
            self.note("mouse leaves the map")
            QTest.mouseMove(viewport, QPoint(2, 2))
            return
        point, where = self._viewport_point()
        self.note(f"hover at {where}")
        QTest.mouseMove(viewport, point)

    # -- menus, buttons and other widgets -------------------------------------------------

    def _menu_actions(self, menu_actions) -> list:
        found = []
        for action in menu_actions:
            if action.menu() is not None:
                found += self._menu_actions(action.menu().actions())
            elif not action.isSeparator() and action.text() and action.text() != "&Quit":
                found.append(action)
        return found

    def do_menu(self) -> None:
        actions = [a for a in self._menu_actions(self.window.menuBar().actions()) if a.isEnabled()]
        action = self.choose(actions)
        self.note(f"menu {action.text()!r}")
        action.trigger()

    def _shown(self, widgets) -> list:
        """Widgets a user could reach: visible and enabled, not in a message box."""
        return [
            w
            for w in widgets
            if w.isVisible() and w.isEnabled() and not isinstance(w.window(), QMessageBox)
        ]

    def do_button(self) -> None:
        window = self.window
        buttons = self._shown(window.findChildren(QAbstractButton))
        if not buttons:
            self.note("no button to click")
            return
        button = self.choose(buttons)
        if button is window.metrics_dock.run_button:  # bounded: a few samples, few images
            dock = window.metrics_dock
            dock.k.setValue(int(self.rng.integers(1, 4)))
            dock.max_images.setValue(int(self.rng.integers(20, 200)))
            dock.setting.setCurrentIndex(dock.setting.findData("custom"))  # not a time budget
        owner = button.parent()
        while owner is not None and not isinstance(owner, (QDockWidget, QStackedWidget)):
            owner = owner.parent()
        where = owner.windowTitle() if isinstance(owner, QDockWidget) else "the centre"
        name = button.text() or button.toolTip()[:30] or type(button).__name__
        if self.rng.random() < 0.1:
            self.note(f"double click button {name!r} in {where}")
            QTest.mouseDClick(button, Qt.MouseButton.LeftButton)
            return
        self.note(f"button {name!r} in {where}")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def do_slider(self) -> None:
        sliders = self._shown(self.window.findChildren(QSlider))
        if not sliders:
            self.note("no slider")
            return
        slider = self.choose(sliders)
        moves = int(self.rng.integers(1, 6))
        values = self.rng.integers(slider.minimum(), slider.maximum() + 1, size=moves)
        self.note(f"slider {slider.toolTip()[:40]!r} to {list(map(int, values))}")
        slider.setSliderDown(True)
        for value in values:
            if not shiboken6.isValid(slider):  # the panel rebuilt its sliders meanwhile
                self.note("  the slider was replaced while it was dragged")
                return
            slider.setValue(int(value))
            self.pump()
        if shiboken6.isValid(slider):
            slider.setSliderDown(False)

    def do_spin(self) -> None:
        window = self.window
        projection, metrics = window.projection_dock, window.metrics_dock
        bounds = {  # kept small: each change can start a job
            id(projection.setting("tsne", "iterations")): (10, 100),
            id(projection.setting("tsne", "fit_points")): (100, 1500),
            id(projection.samples): (100, 800),
            id(projection.setting("tsne", "perplexity")): (2, 60),
            id(metrics.k): (1, 4),
            id(metrics.max_images): (0, 300),
        }
        spins = self._shown(window.findChildren(QAbstractSpinBox))
        spins = [s for s in spins if hasattr(s, "setValue")]
        if not spins:
            self.note("no spin box")
            return
        spin = self.choose(spins)
        low, high = bounds.get(id(spin), (spin.minimum(), min(spin.maximum(), spin.minimum() + 50)))
        value = self.rng.uniform(low, high)
        value = int(value) if isinstance(spin.value(), int) else float(value)
        self.note(f"spin {spin.toolTip()[:40]!r} to {value}")
        spin.setValue(value)
        spin.editingFinished.emit()

    def do_combo(self) -> None:
        combos = [c for c in self._shown(self.window.findChildren(QComboBox)) if c.count()]
        if not combos:
            self.note("no combo box")
            return
        combo = self.choose(combos)
        index = int(self.rng.integers(combo.count()))
        self.note(f"combo {combo.toolTip()[:40]!r} -> {combo.itemText(index)!r}")
        item = getattr(combo.model(), "item", lambda _i: None)(index)
        if item is not None and not item.isEnabled():
            return  # a user cannot pick a greyed entry
        combo.setCurrentIndex(index)
        combo.activated.emit(index)

    def do_key(self) -> None:
        window = self.window
        key, modifier, name = self.choose(KEYS)
        target_name = ("window", "map", "expression")[int(self.rng.choice(3, p=[0.5, 0.4, 0.1]))]
        target = {
            "window": window,
            "map": window.map.plot_widget,
            "expression": window.arithmetic_dock.expression,
        }[target_name]
        target.setFocus()
        self.note(f"key {name} on the {target_name}")
        QTest.keyClick(target, key, modifier)

    def do_expression(self) -> None:
        field = self.window.arithmetic_dock.expression
        names = self.window.workbench.items.names()
        tokens = [*EXPRESSION_TOKENS, *names, *names]
        count = int(self.rng.integers(0, 8))
        text = "".join(str(self.choose(tokens)) for _ in range(count))
        how = self.rng.random()
        if how < 0.15 and len(text) <= 12 and text.isascii():  # QTest types ASCII only
            self.note(f"type {text!r} into Latent math")
            field.setFocus()
            QTest.keyClicks(field, text)
        elif how < 0.25:
            self.note("backspace in Latent math")
            field.setFocus()
            field.end(False)
            QTest.keyClick(field, Qt.Key.Key_Backspace)
        else:
            self.note(f"expression {text!r}")
            field.setText(text)

    def do_item(self) -> None:
        """Click an item in the Items list, or rename it (maybe to a bad or taken name)."""
        tree = self.window.items_dock.items
        if tree.topLevelItemCount() == 0:
            self.note("no item")
            return
        row = tree.topLevelItem(int(self.rng.integers(tree.topLevelItemCount())))
        if self.rng.random() < 0.7:
            self.note(f"click item {row.text(0)!r}")
            rect = tree.visualItemRect(row)
            tree.scrollToItem(row)
            rect = tree.visualItemRect(row)
            QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, NoModifier, rect.center())
            return
        names = [*self.window.workbench.items.names(), "", "2x", "a b", "new", "mean", "v1"]
        new = str(self.choose(names))
        self.note(f"rename item {row.text(0)!r} to {new!r}")
        row.setText(0, new)

    def do_projection(self) -> None:
        dock = self.window.projection_dock
        method = ("pca", "tsne")[int(self.rng.integers(2))]
        dock.setting("tsne", "iterations").setValue(int(self.rng.integers(10, 101)))
        dock.setting("tsne", "perplexity").setValue(float(self.rng.uniform(5, 40)))
        index = dock.method.findData(method)
        iterations = dock.setting("tsne", "iterations").value()
        self.note(f"projection {method} ({iterations} iterations)")
        dock.method.setCurrentIndex(index)
        dock.method.activated.emit(index)

    def do_open_model(self) -> None:
        options = [*self.checkpoint_paths()]
        if self.rng.random() < 0.1:
            options = self.files["broken"]
        path = self.choose(options)
        self.note(f"open {Path(path).name}")
        self.window.open_checkpoint(path)

    def do_drop(self) -> None:
        options = [*self.files["checkpoints"], *self.files["pictures"], *self.files["broken"]]
        path = self.choose(options)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        drop = QDropEvent(
            QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, NoModifier
        )
        self.note(f"drop {Path(path).name}")
        self.window.dropEvent(drop)

    def do_tab(self) -> None:
        """Bring a tabbed dock to the front by its tab."""
        bars = [b for b in self._shown(self.window.findChildren(QTabBar)) if b.count() > 1]
        if not bars:
            self.note("no tab bar")
            return
        bar = self.choose(bars)
        index = int(self.rng.integers(bar.count()))
        self.note(f"tab {bar.tabText(index)!r}")
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, NoModifier, bar.tabRect(index).center())

    def do_context_menu(self) -> None:
        """Right-click a widget with a context menu (the keypoint rows)."""
        rows = [
            w
            for w in self._shown(self.window.findChildren(QWidget))
            if w.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
        ]
        if not rows:
            self.note("no context menu")
            return
        row = self.choose(rows)
        self.note(f"context menu of a {type(row).__name__}")
        row.customContextMenuRequested.emit(QPoint(5, 5))

    def do_resize(self) -> None:
        width, height = int(self.rng.integers(700, 1700)), int(self.rng.integers(450, 1000))
        self.note(f"resize the window to {width}×{height}")
        self.window.resize(width, height)

    def do_wait(self) -> None:
        ms = int(self.rng.integers(1, 60))
        self.note(f"wait {ms} ms")
        self.qtbot.wait(ms)

    # -- the end ----------------------------------------------------------------------------

    def state(self) -> str:
        """A line about what is explored (for LATENTLAB_MONKEY_TRACE)."""
        window = self.window
        data, model = window.explorer.map_data, window.explorer.model
        x0, x1, _y0, _y1 = window.map.view_range()
        points = "no map" if data is None else f"map of {len(data.cloud)} ({data.config.method})"
        latent = "no model" if model is None else f"latent {model.latent_dim}"
        maps = window.explorer.maps
        return (
            f"{latent}, {points}, {window.map.point_count()} drawn, view {x1 - x0:.3g} wide, "
            f"busy {self.busy()}, map of {maps.config.space} {maps.config.method}, "
            f"phase {window.projection_dock.phase.text()!r}, status {window.busy_label.text()!r}"
        )

    def busy(self) -> list[str]:
        """What the app is still doing; a paused training run (which holds its worker) is
        not counted."""
        window = self.window
        busy = []
        paused = window.training.running and window.training_dock.pause_button.text() == "Resume"
        jobs = QThreadPool.globalInstance().activeThreadCount() - paused
        if jobs > 0:
            busy.append(f"{jobs} jobs running")
        if window.training.running and not paused:
            busy.append("training")
        if not window.explorer.maps.idle:
            busy.append("a map being made")
        return busy

    def wait_until_idle(self, timeout_ms: int = IDLE_TIMEOUT_MS, *, log: bool = False) -> None:
        """Until no job runs, three times in a row with events processed in between."""
        quiet = [0]

        def idle() -> bool:
            busy = self.busy()
            if log and busy != self._last_busy:
                self._last_busy = busy
                self.note(f"  {time.perf_counter():.1f}: busy with {busy}")
            quiet[0] = quiet[0] + 1 if not busy else 0
            return quiet[0] >= 3

        self.qtbot.waitUntil(idle, timeout=timeout_ms)

    def finish(self) -> None:
        """Stop what would go on for ever (the play button, a paused run) and wait."""
        self.index = ACTION_COUNT
        self.kinds = np.append(self.kinds, "finish")
        window = self.window
        window.interpolation_dock.play_button.setChecked(False)
        if window.training.running:
            window.training.resume()
        if window.error_box is not None:
            window.error_box.close()
        started = time.perf_counter()
        try:
            self.wait_until_idle(log=True)
            self.note(f"idle after {time.perf_counter() - started:.1f} s")
        except Exception:
            self.problem(
                f"the app did not come back to idle within {IDLE_TIMEOUT_MS / 1000:.0f} s after "
                f"the last action: {', '.join(self.busy())}"
            )
        self._modal_guard.stop()

    def report(self) -> str:
        return (
            f"{len(self.problems)} problem(s) in {ACTION_COUNT} monkey actions, "
            f"{self.replay_hint()}:\n\n"
            + "\n\n".join(self.problems[:10])
            + f"\n\nThe 20 actions up to the first problem:\n{self.first_problem_log}"
            + f"\n\nThe last 20 actions:\n{self.recent_log()}"
        )


def _stale_widget_of_ours(error: Exception) -> bool:
    """Whether ``error`` is this file touching a widget the app has deleted meanwhile (a
    panel rebuilt while the monkey was still using its old widget): not the app's fault."""
    if not isinstance(error, RuntimeError) or "already deleted" not in str(error):
        return False
    return traceback.extract_tb(error.__traceback__)[-1].filename == __file__


def test_a_thousand_random_actions_raise_nothing_and_end_idle(
    qtbot, window, monkey_files, tmp_path, monkeypatch, capsys
):
    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    open_and_wait(qtbot, window, monkey_files["checkpoints"][0])
    # Every t-SNE run stays short, and so does the map of a GAN's samples.
    window.projection_dock.setting("tsne", "iterations").setValue(60)
    window.projection_dock.samples.setValue(GAN_SAMPLES)
    window.explorer.maps.set_samples(GAN_SAMPLES)

    monkey = Monkey(qtbot, window, monkey_files, tmp_path, monkeypatch, SEED)
    print(f"monkey seed {SEED}, {ACTION_COUNT} actions")
    started = time.perf_counter()
    with qtbot.capture_exceptions() as exceptions:
        try:
            monkey.play(exceptions)
        finally:
            monkey.played_s = time.perf_counter() - started
            monkey.finish()
        # Still usable: a checkpoint opens and a click decodes.
        try:
            open_and_wait(qtbot, window, monkey_files["checkpoints"][0])
            with qtbot.waitSignal(window.explorer.decoder.decoded, timeout=TIMEOUT):
                window.explorer.decode_at(0.0, 0.0)
        except Exception as error:
            monkey.problem(f"the app was not usable after the monkey: {error!r}")
    for error in exceptions[monkey.exceptions_seen :]:
        monkey.problem(
            "unhandled exception in a slot after the last action:\n"
            + "".join(traceback.format_exception(*error))
        )
    for args in thread_errors:
        monkey.problem(
            f"unhandled exception in thread {args.thread.name if args.thread else '?'}:\n"
            + "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        )
    if monkey.unexpected_modals:
        monkey.problem(f"unpatched modal dialogs: {monkey.unexpected_modals}")
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nmonkey seed {SEED}: {ACTION_COUNT} actions in {elapsed:.1f} s (slowest "
            f"#{monkey.slowest[1]}: {monkey.slowest[0]:.2f} s), {len(monkey.errors_shown)} "
            f"messages shown to the user; actions {monkey.played_s:.1f} s, the rest waiting"
        )
        if VERBOSE or TRACE:
            costs = sorted(monkey.time_per_kind.items(), key=lambda kv: -kv[1])
            print("  time per kind: " + ", ".join(f"{k} {v:.1f} s" for k, v in costs))
            titles: dict[str, int] = {}
            for _index, text in monkey.errors_shown:
                titles[text.partition(":")[0]] = titles.get(text.partition(":")[0], 0) + 1
            print("  messages: " + ", ".join(f"{t!r} ×{n}" for t, n in titles.items()))
        if VERBOSE:
            print("\n".join(monkey.log[-60:]))
    assert not monkey.problems, monkey.report()
