"""The main window: a latent map in the middle, docks around it, menus on top.

Importing this module must stay cheap (no torch): the window is shown first and PyTorch is
loaded on a background thread while the user reads the welcome page.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
)

from latentlab.error_text import user_message
from latentlab.session import ExplorerState
from latentlab.training.bundled import BUNDLED_MODELS
from latentlab.ui.background import start_job, wait_for_jobs
from latentlab.ui.classes.class_controller import ClassController
from latentlab.ui.compare.compare_controller import CompareController
from latentlab.ui.compare.compare_sources import CompareSources
from latentlab.ui.compare.compare_view import CompareView
from latentlab.ui.dialogs.checkpoint_files import CHECKPOINT_FILTER, ask_checkpoint_to_open
from latentlab.ui.diffusion.diffusion_controller import DiffusionController
from latentlab.ui.diffusion.diffusion_dock import DiffusionDock
from latentlab.ui.explorer import Explorer
from latentlab.ui.interpolation.interpolation_dock import InterpolationDock
from latentlab.ui.latent.arithmetic_dock import ArithmeticDock
from latentlab.ui.latent.items_dock import ItemsDock
from latentlab.ui.latent.latent_files import LatentFiles
from latentlab.ui.latent.latent_workbench import LatentWorkbench
from latentlab.ui.latent.traversal_controller import TraversalController
from latentlab.ui.latent.traversal_dock import TraversalDock
from latentlab.ui.map.latent_map import LatentMap
from latentlab.ui.map.projection_dock import ProjectionDock
from latentlab.ui.metrics_dock import MetricsDock
from latentlab.ui.preview_dock import PreviewDock
from latentlab.ui.styles.style_mixing_controller import StyleMixingController
from latentlab.ui.styles.style_mixing_dock import StyleMixingDock
from latentlab.ui.training.training_controller import TrainingController
from latentlab.ui.training.training_dock import TrainingDock
from latentlab.ui.welcome_page import WelcomePage
from latentlab.ui.widgets.elided_label import ElidedLabel

MAX_RECENT_FILES = 8
CONFIRMED_DATASETS_KEY = "datasets/confirmed"  # folders / .npz files the user let us read
MAX_CONFIRMED = 32
LAST_REQUEST_KEY = "training/last_request"  # the New training dialog starts from it


class MainWindow(QMainWindow):
    """LatentLab's window. ``open_checkpoint``, ``start_training`` and the docks are the
    public surface that menus, drops and tests use."""

    torch_ready = Signal()
    map_shown = Signal()  # the map is on screen, fitted to the new points

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("LatentLab")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("LatentLab", "LatentLab")
        self.error_box: QMessageBox | None = None
        self.last_error: str = ""
        self._torch_loaded = False
        self._pending_open: str | None = None
        self.help_dialog: Any = None  # the Help page on screen, if any
        self._opened_checkpoint: Path | None = None  # the checkpoint shown, to map on other data
        self._trained_binarized = False  # the explored model saw binarized images in training

        self.state = ExplorerState()  # what is explored: model, map, preview, items, ...
        self.welcome = WelcomePage()
        self.map = LatentMap()
        self.compare_view = CompareView()
        self.compare_view.hide()
        self.map_area = QSplitter(Qt.Orientation.Horizontal)  # A's map, and B's beside it
        self.map_area.setChildrenCollapsible(False)
        self.map_area.addWidget(self.map)
        self.map_area.addWidget(self.compare_view)
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.map_area)
        self.setCentralWidget(self.central)

        self.preview_dock = PreviewDock(self)
        self.training_dock = TrainingDock(self)
        self.interpolation_dock = InterpolationDock(self, keypoints=self.state.keypoints)
        self.projection_dock = ProjectionDock(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.preview_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.interpolation_dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.training_dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.projection_dock)
        self.metrics_dock = MetricsDock(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.metrics_dock)
        self.items_dock = ItemsDock(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.items_dock)
        self.tabifyDockWidget(self.projection_dock, self.metrics_dock)
        self.tabifyDockWidget(self.projection_dock, self.items_dock)
        self.projection_dock.raise_()
        self.arithmetic_dock = ArithmeticDock(self)
        self.traversal_dock = TraversalDock(self)
        self.diffusion_dock = DiffusionDock(self)
        self.style_mixing_dock = StyleMixingDock(self)
        for dock in (
            self.arithmetic_dock,
            self.traversal_dock,
            self.diffusion_dock,
            self.style_mixing_dock,
        ):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.interpolation_dock, dock)
        self.interpolation_dock.raise_()

        self.explorer = Explorer(
            self.state, self.map, self.preview_dock, self.interpolation_dock, self
        )
        self.workbench = LatentWorkbench(self.explorer, self.items_dock, self.arithmetic_dock, self)
        self.traversal = TraversalController(self.explorer, self.traversal_dock, self)
        self.latent_files = LatentFiles(self, self.explorer, self.workbench)
        self.diffusion = DiffusionController(self, self.explorer, self.diffusion_dock)
        self.classes = ClassController(self.state, self.explorer, self.preview_dock.classes, self)
        self.style_mixing = StyleMixingController(self.explorer, self.style_mixing_dock, self)
        self.training = TrainingController(self.training_dock, self)
        self.compare = CompareController(self.explorer, self.compare_view, self)
        self.compare_sources = CompareSources(self.compare, self)
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_settings()

    # -- start-up -----------------------------------------------------------------------

    def load_torch_in_background(self) -> None:
        """Import PyTorch on a thread so the window is usable at once; buttons that need it
        wait for ``torch_ready``."""
        self.welcome.set_busy("Loading PyTorch…")

        def load() -> None:
            # Importing these pulls in torch and the models; torch._dynamo (~0.9 s, imported by
            # the first optimizer) too, so it is not imported later while the GUI is in use.
            import torch._dynamo  # noqa: F401

            import latentlab.projection
            import latentlab.training.trainer

            for name in latentlab.projection.__all__:  # its names load on first use: now
                getattr(latentlab.projection, name)
            self.torch_ready.emit()  # queued to the GUI thread

        threading.Thread(target=load, name="import torch", daemon=True).start()

    def _on_torch_ready(self) -> None:
        from latentlab.training import describe_device, pick_device

        self._torch_loaded = True
        self.welcome.set_busy("")
        self.device_label.setText(describe_device(pick_device("auto")))
        if self._pending_open:
            path, self._pending_open = self._pending_open, None
            self.open_checkpoint(path)

    # -- actions ------------------------------------------------------------------------

    def explore_bundled(self, key: str) -> None:
        """Open a trained model shipped with LatentLab (on its shipped dataset subset)."""
        from latentlab.training.bundled import bundled_model

        self.open_checkpoint(bundled_model(key).path)

    def quick_train(self) -> None:
        """One click: a VAE on the shipped MNIST subset with its preset."""
        from latentlab.jobs.training_request import default_request

        self.start_training(default_request())

    def new_training(self) -> None:
        from latentlab.jobs.training_request import request_from_json, request_to_json
        from latentlab.ui.training.training_dialog import TrainingDialog

        remembered = request_from_json(self.settings.value(LAST_REQUEST_KEY, ""))
        dialog = TrainingDialog(self, initial=remembered)
        if dialog.exec():
            request = dialog.request()
            self.settings.setValue(LAST_REQUEST_KEY, request_to_json(request))
            self.start_training(request)

    def start_training(self, request: Any) -> None:
        self.training_dock.show()
        self.training_dock.raise_()
        self._trained_binarized = request.train_config.binarize
        self.training.start(request)
        self.status.showMessage(f"Loading {request.dataset_spec} and building the model…")

    def ask_open_checkpoint(self) -> None:
        path = ask_checkpoint_to_open(self, "Open checkpoint", self._last_folder())
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(
        self, path: str | Path, read_named_files: bool = False, dataset_spec: str | None = None
    ) -> None:
        """Open a checkpoint on a worker; the map fills when it has been encoded. Files the
        checkpoint names as its data are read only after the user said yes to them;
        ``dataset_spec`` maps it on data the user picked instead."""
        from latentlab.jobs.models import open_model_job

        path = str(path)
        if not self._torch_loaded:
            self._pending_open = path  # opened as soon as PyTorch is loaded
            return
        self.status.showMessage(f"Opening {path}…")
        start_job(
            open_model_job,
            path,
            read_named_files,
            dataset_spec,
            on_result=self._on_model_opened,
            on_error=lambda error: self.show_error(
                "Could not open the checkpoint", _open_error_text(path, error)
            ),
        )

    def _may_read_named_files(self, opened: Any) -> bool:
        """Ask (once per dataset spec) whether to read the files a checkpoint names."""
        spec = opened.dataset_to_confirm
        confirmed = self._setting_list(CONFIRMED_DATASETS_KEY)
        if spec in confirmed:
            return True
        answer = QMessageBox.question(
            self,
            "Read the checkpoint's data?",
            f"{opened.path.name} was trained on {spec}.\n\nRead those files to draw its map? "
            "Opening a checkpoint reads no file it names until you say so; without them the "
            "map shows samples from the model's prior.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.settings.setValue(CONFIRMED_DATASETS_KEY, [spec, *confirmed][:MAX_CONFIRMED])
        return True

    def ask_map_on_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Map the checkpoint on the images in a folder", self._last_folder()
        )
        if folder:
            self.map_on_data(f"folder:{folder}")

    def ask_map_on_npz(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Map the checkpoint on the images in an .npz file",
            self._last_folder(),
            "NumPy arrays (*.npz *.npy);;All files (*)",
        )
        if path:
            self.map_on_data(f"npz:{path}")

    def map_on_data(self, spec: str) -> None:
        """Open the shown checkpoint again, mapped on ``spec`` (data the user picked)."""
        if self._opened_checkpoint is None:
            self.show_error(
                "No checkpoint open", "Open a checkpoint first, then choose data to map it on."
            )
            return
        self.open_checkpoint(self._opened_checkpoint, dataset_spec=spec)

    def ask_open_adapter(self) -> None:
        from latentlab.ui.dialogs.adapter_dialog import AdapterDialog

        if not self._torch_loaded:
            self.show_error("Still starting", "PyTorch is loading; try again in a moment.")
            return
        dialog = AdapterDialog(self)
        if dialog.exec():
            self.open_adapter(dialog.request())

    def open_adapter(self, request: Any) -> None:
        """Open a model trained elsewhere through an adapter, on a worker. What the adapter
        cannot tell (the latent size, the decoder's output range) is asked here."""
        from latentlab.jobs.models import open_adapter_job

        self.status.showMessage(f"Opening {request.weights_path} through its adapter…")
        start_job(
            open_adapter_job,
            request,
            on_result=self._on_model_opened,
            on_error=lambda error: self._on_adapter_error(request, error),
        )

    def _on_adapter_error(self, request: Any, error: Exception) -> None:
        import dataclasses

        from PySide6.QtWidgets import QInputDialog

        from latentlab.models import AdapterNeedsInfo, AdapterRangeError

        if isinstance(error, AdapterNeedsInfo) and "latent_dim" in error.missing:
            size, ok = QInputDialog.getInt(
                self, "Latent size", f"{error}\n\nLatent size of this model:", 16, 1, 4096
            )
            if ok:
                self.open_adapter(dataclasses.replace(request, latent_dim=size))
            return
        if isinstance(error, AdapterNeedsInfo) and "image_shape" in error.missing:
            text, ok = QInputDialog.getText(
                self, "Image shape", f"{error}\n\nImage shape as channels, height, width:"
            )
            shape = _parse_shape(text) if ok else None
            if shape is not None:
                self.open_adapter(dataclasses.replace(request, image_shape=shape))
            elif ok:
                self.show_error("Not an image shape", f"Expected three numbers, got {text!r}.")
            return
        if isinstance(error, AdapterRangeError):
            answer = QMessageBox.question(
                self,
                "Decoder output out of range",
                f"{error}\n\nRescale the output as '{error.suggestion}' and open it?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.open_adapter(dataclasses.replace(request, output=error.suggestion))
            return
        self.show_error("Could not open the model", str(error))

    def _on_model_opened(self, opened: Any) -> None:
        if opened.dataset_to_confirm is not None and self._may_read_named_files(opened):
            self.open_checkpoint(opened.path, read_named_files=True)
            return
        if not opened.from_adapter:  # recent files are reopened as checkpoints
            self._remember_recent(str(opened.path))
        self._opened_checkpoint = None if opened.from_adapter else opened.path
        if not self.training.running:
            # The dock describes the model shown or nothing: a finished run's curves go.
            self.training_dock.clear_run()
            self.training_dock.hide()  # nothing to show there: give the map the room
        self._trained_binarized = opened.trained_binarized
        self.explorer.set_model(opened.model, opened.dataset)
        self.workbench.set_model_identity(opened.path.name, opened.path)
        if not opened.from_adapter:
            self.diffusion.look_beside(opened.path)
        self.setWindowTitle(f"LatentLab — {opened.path.name}")
        data = "" if opened.dataset is None else f", mapped on {opened.dataset.name}"
        self.status.showMessage(f"Opened {opened.path}{data}", 5000)
        if opened.warning:
            self.show_error("Dataset not available", opened.warning)
        elif opened.dataset_to_confirm is not None:
            self.status.showMessage(
                f"Opened {opened.path.name} without its data ({opened.dataset_to_confirm}, not "
                "read): the map shows samples from the prior",
                15000,
            )

    def save_checkpoint(self) -> None:
        run = self.training.run
        if run is None:
            self.show_error(
                "Nothing to save", "Train a model first; opened checkpoints are already saved."
            )
            return
        default = str(Path(run.run_dir) / "checkpoint-saved.safetensors")
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", default, CHECKPOINT_FILTER)
        if path:
            self.training.save(path)

    def export_preview(self) -> None:
        """Save the preview as PNG with its latent, model hash and recipe inside."""
        if self.explorer.preview_image is None:
            self.show_error("Nothing to export", "Click the map first to decode an image.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export image", str(Path(self._last_folder()) / "latentlab.png"), "PNG (*.png)"
        )
        if path:
            self.latent_files.export_preview(path)

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking message box: workers' errors never stop the app."""
        self.last_error = f"{title}: {message}"
        self.status.showMessage(self.last_error, 10000)
        if self.error_box is not None:
            self.error_box.close()
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        self.error_box.setWindowModality(Qt.WindowModality.WindowModal)
        self.error_box.open()

    def show_getting_started(self) -> None:
        from latentlab.ui.dialogs.help_pages import HelpDialog, getting_started_html

        self._show_help(HelpDialog("Getting started", getting_started_html(), self))

    def show_shortcuts(self) -> None:
        from latentlab.ui.dialogs.help_pages import HelpDialog, shortcuts_html

        self._show_help(HelpDialog("Keyboard shortcuts", shortcuts_html(self.menuBar()), self))

    def _show_help(self, dialog: Any) -> None:
        if self.help_dialog is not None:
            self.help_dialog.close()
        self.help_dialog = dialog
        dialog.show()

    def show_about(self) -> None:
        from latentlab.ui.dialogs.about import about_text

        QMessageBox.about(self, "About LatentLab", about_text())

    # -- wiring -------------------------------------------------------------------------

    def _connect(self) -> None:
        self.torch_ready.connect(self._on_torch_ready)
        self.welcome.explore_requested.connect(self.explore_bundled)
        self.welcome.quick_train_requested.connect(self.quick_train)
        self.welcome.open_requested.connect(self.ask_open_checkpoint)
        self.welcome.new_training_requested.connect(self.new_training)
        self.training_dock.start_requested.connect(self.new_training)
        self.training_dock.save_requested.connect(self.save_checkpoint)
        self.preview_dock.export_requested.connect(self.export_preview)
        self.interpolation_dock.exported.connect(
            lambda path: self.status.showMessage(f"Saved {path}", 8000)
        )

        self.training.run_started.connect(self._on_run_started)
        self.training.model_updated.connect(self._on_training_snapshot)
        self.training.run_finished.connect(self._on_run_finished)
        self.training.error_raised.connect(self.show_error)
        self.training.checkpoint_saved.connect(
            lambda path: self.status.showMessage(f"Checkpoint saved: {path}", 8000)
        )
        self.explorer.error_raised.connect(self.show_error)
        for source in (self.compare, self.compare_sources):
            source.error_raised.connect(self.show_error)
        self.compare_sources.status_changed.connect(lambda text: self.status.showMessage(text))
        self.state.model_switched.connect(self._on_model_switched)
        self.state.status_reported.connect(lambda text: self.status.showMessage(text, 15000))
        self.explorer.map_ready.connect(self._on_map_ready)
        self.explorer.decode_timed.connect(
            lambda ms: self.decode_label.setText(f"decode {ms:.1f} ms")
        )
        self.explorer.busy_changed.connect(self._on_busy)
        self._connect_projection()
        self._connect_latent_math()

    def _on_training_snapshot(self, snapshot: Any) -> None:
        dataset = self.training.run.dataset
        self.explorer.set_model(snapshot.model, dataset, epoch=snapshot.epoch)
        self.workbench.set_model_identity(
            f"training run on {dataset.name}, epoch {snapshot.epoch} (not saved)", None
        )
        run = self.training.run
        if getattr(snapshot, "final", False):  # the weights the run ended with
            self.setWindowTitle(f"LatentLab — {run.kind} on {dataset.name}, epoch {snapshot.epoch}")
        else:
            self.setWindowTitle(
                f"LatentLab — training {run.kind} on {dataset.name}, epoch {snapshot.epoch}"
            )

    def _on_model_switched(self, switch: Any) -> None:
        """Whatever brought the model, the status bar names the one now explored."""
        self.model_label.setText(switch.after.describe())
        if self.state.map_data is None:
            self.points_label.setText("mapping…")

    def _on_run_finished(self, record: Any) -> None:
        self.status.showMessage(record.message, 10000)
        run = self.training.run
        if run is not None:  # the final weights' snapshot follows and names their epoch
            self.setWindowTitle(f"LatentLab — {run.kind} on {run.dataset.name}")

    def _connect_latent_math(self) -> None:
        files, workbench = self.latent_files, self.workbench
        self.items_dock.export_selection_requested.connect(files.ask_export_selection)
        self.items_dock.encode_image_requested.connect(files.ask_encode_image)
        self.arithmetic_dock.export_strip_requested.connect(files.ask_export_strip)
        self.interpolation_dock.provenance_for = workbench.provenance
        for source in (files, workbench, self.diffusion):
            source.error_raised.connect(self.show_error)
            source.status_changed.connect(lambda text: self.status.showMessage(text, 10000))
        files.saved.connect(lambda path: self.status.showMessage(f"Saved {path}", 8000))

    def _connect_projection(self) -> None:
        dock, maps = self.projection_dock, self.explorer.maps
        dock.config_applied.connect(self.explorer.set_projection)
        dock.cancel_requested.connect(maps.cancel)
        dock.inverse_chosen.connect(self.explorer.set_inverse_method)
        dock.epoch_chosen.connect(maps.show_epoch)
        dock.samples_chosen.connect(maps.set_samples)
        self.explorer.map_ready.connect(
            lambda data: dock.set_model_options(
                prior_samples=data.cloud.from_prior,
                features_available=_labelled(self.explorer.dataset),
                conditional=self.state.condition is not None,
            )
        )
        maps.progress.connect(dock.set_progress)
        maps.history_changed.connect(
            lambda _count, index: dock.set_history([e.epoch for e in maps.history], index)
        )
        self.explorer.map_ready.connect(dock.set_map)
        self.explorer.map_improved.connect(dock.set_map)
        maps.moved.connect(dock.set_map)  # a forming t-SNE map: clicks use its nearest points
        self.explorer.fidelity_measured.connect(dock.set_fidelity)
        self.explorer.map_ready.connect(
            lambda _data: self.metrics_dock.set_model(
                self.explorer.model,
                self.explorer.dataset,
                trained_binarized=self._trained_binarized,
            )
        )
        self.metrics_dock.error_raised.connect(self.show_error)

    def _on_run_started(self, run: Any) -> None:
        self.device_label.setText(run.device)
        self.status.showMessage(f"Training on {run.dataset.name}; the map appears after epoch 1.")
        self.setWindowTitle(f"LatentLab — training {run.kind} on {run.dataset.name}")

    def _on_map_ready(self, data: Any) -> None:
        if self.central.currentWidget() is not self.map_area:
            self.central.setCurrentWidget(self.map_area)
            # The map was fitted while hidden, at another size: fit it again once laid out.
            QTimer.singleShot(0, self._fit_map_once_shown)
        else:
            self.map_shown.emit()
        judged = ", classes as the classifier sees them" if data.cloud.labels_predicted else ""
        self.points_label.setText(f"{len(data.cloud):,} points ({data.cloud.source}{judged})")

    def _fit_map_once_shown(self) -> None:
        self.map.reset_view()
        self.explorer.remember_auto_view()
        self.map_shown.emit()

    def _on_busy(self, message: str) -> None:
        self.busy_label.setText(message)

    # -- menus, status bar --------------------------------------------------------------

    def _build_status_bar(self) -> None:
        self.status = self.statusBar()
        self.busy_label = QLabel("")
        self.device_label = QLabel("device: …")
        # The dataset named in these may be a long path: elided, they never widen the window.
        self.model_label = ElidedLabel("no model")
        self.points_label = ElidedLabel("")
        for label in (self.model_label, self.points_label):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.decode_label = QLabel("")
        for label in (
            self.busy_label,
            self.device_label,
            self.model_label,
            self.points_label,
            self.decode_label,
        ):
            self.status.addPermanentWidget(label)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self._add(file_menu, "&New training…", self.new_training, QKeySequence.StandardKey.New)
        self._add(file_menu, "&Train a VAE on MNIST", self.quick_train, "Ctrl+T")
        self._add(
            file_menu, "&Open checkpoint…", self.ask_open_checkpoint, QKeySequence.StandardKey.Open
        )
        examples = file_menu.addMenu("Open &trained example")
        for entry in BUNDLED_MODELS:
            action = self._add(
                examples,
                entry.name,
                lambda _=False, key=entry.key: self.explore_bundled(key),
            )
            action.setStatusTip(entry.summary)
        self._add(file_menu, "Open model with &adapter…", self.ask_open_adapter)
        compare = file_menu.addMenu("&Compare with")
        self._add(
            compare,
            "&Checkpoint…",
            lambda: self.compare_sources.ask_checkpoint(self._last_folder()),
            "Ctrl+Shift+C",
        )
        self._add(compare, "An earlier &epoch of this run…", self.compare_sources.ask_epoch)
        self._add(compare, "C&lose comparison", self.compare.close)
        other_data = file_menu.addMenu("&Map on other data")
        self._add(other_data, "Images in a &folder…", self.ask_map_on_folder)
        self._add(other_data, "An .&npz file…", self.ask_map_on_npz)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._add(
            file_menu, "&Save checkpoint…", self.save_checkpoint, QKeySequence.StandardKey.Save
        )
        self._add(file_menu, "&Export image…", self.export_preview, "Ctrl+E")
        file_menu.addSeparator()
        self._add(file_menu, "Encode &image…", self.latent_files.ask_encode_image, "Ctrl+I")
        self._add(file_menu, "Open &latent…", self.latent_files.ask_open_latent, "Ctrl+Shift+O")
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self._refresh_recent_menu()

        view = menus.addMenu("&View")
        self._add_choices(
            view.addMenu("&Colour by"),
            (
                ("&Label", "label", "Ctrl+1"),
                ("&Reconstruction error", "value", "Ctrl+2"),
                ("&Discriminator score D(x)", "score", "Ctrl+3"),
            ),
            self.explorer.set_colour_mode,
        )
        self._add_choices(
            view.addMenu("&Points"),
            (("&Test split", "test", None), ("&All points", "all", None)),
            self.explorer.set_points,
        )
        self.backdrop_action = self._add(
            view, "Manifold &backdrop", self.explorer.set_backdrop_enabled, "Ctrl+B", toggles=True
        )
        self._add(view, "&Reset map view", self.map.reset_view, "Home")
        view.addSeparator()
        for dock in (
            self.preview_dock,
            self.training_dock,
            self.projection_dock,
            self.metrics_dock,
            self.items_dock,
            self.interpolation_dock,
            self.arithmetic_dock,
            self.traversal_dock,
            self.diffusion_dock,
            self.style_mixing_dock,
        ):
            view.addAction(dock.toggleViewAction())

        self._build_select_menu(menus.addMenu("&Select"))

        help_menu = menus.addMenu("&Help")
        self._add(help_menu, "&Getting started", self.show_getting_started, "F1")
        self._add(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        help_menu.addSeparator()
        self._add(help_menu, "&About LatentLab", self.show_about)

    def _build_select_menu(self, menu) -> None:
        self._add_choices(
            menu,
            (
                ("&Click (decode)", "click", "C"),
                ("&Rectangle", "rectangle", "R"),
                ("&Lasso", "lasso", "L"),
            ),
            self.items_dock.set_tool,
        )
        menu.addSeparator()
        self._add(menu, "Make &group from selection", self.workbench.make_group, "Ctrl+G")
        self._add(menu, "&Export selection…", self.latent_files.ask_export_selection)
        self._add(menu, "Clear selection", lambda: self.map.selection.clear())

    def _add_choices(self, menu, choices, choose) -> None:
        """Checkable actions, one checked at a time (the first at the start): each
        (text, value, shortcut or None) calls ``choose(value)``."""
        group = QActionGroup(self)
        for text, value, shortcut in choices:
            action = self._add(menu, text, lambda v=value: choose(v), shortcut)
            action.setCheckable(True)
            action.setChecked(value == choices[0][1])
            group.addAction(action)

    def _add(self, menu, text: str, slot, shortcut=None, *, toggles: bool = False) -> QAction:
        """A menu action calling ``slot()``; with ``toggles``, a check-box item calling
        ``slot(checked)``."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(toggles)
        if toggles:
            action.triggered.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # -- settings, recent files, drops, close ------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # first run: give the map the room, the docks what they need
            self.resizeDocks([self.training_dock], [400], Qt.Orientation.Horizontal)
            self.resizeDocks([self.preview_dock], [340], Qt.Orientation.Horizontal)
            self.resizeDocks(
                [self.preview_dock, self.interpolation_dock], [380, 420], Qt.Orientation.Vertical
            )

    def _remember_recent(self, path: str) -> None:
        recent = [p for p in self._recent_files() if p != path]
        self.settings.setValue("recent_files", [path, *recent][:MAX_RECENT_FILES])
        self.settings.setValue("last_folder", str(Path(path).parent))
        self._refresh_recent_menu()

    def _recent_files(self) -> list[str]:
        return self._setting_list("recent_files")

    def _setting_list(self, key: str) -> list[str]:
        value = self.settings.value(key, [])  # an ini file gives one-item lists back as text
        return [value] if isinstance(value, str) else list(value or [])

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self._recent_files()
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_checkpoint(p))
        self.recent_menu.setEnabled(bool(recent))

    def _last_folder(self) -> str:
        return str(self.settings.value("last_folder", str(Path.home())))

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A dropped image is encoded (it becomes an item); anything else is opened as a
        checkpoint."""
        from latentlab.data.image_import import IMAGE_FILE_SUFFIXES

        for url in event.mimeData().urls():
            if url.isLocalFile():
                path = url.toLocalFile()
                if Path(path).suffix.lower() in IMAGE_FILE_SUFFIXES:
                    self.latent_files.encode_image(path)
                else:
                    self.open_checkpoint(path)
                event.acceptProposedAction()
                return

    def closeEvent(self, event) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.training.shutdown()
        self.explorer.shutdown()
        self.compare.shutdown()
        self.metrics_dock.shutdown()
        self.diffusion.shutdown()
        wait_for_jobs()
        super().closeEvent(event)


def _parse_shape(text: str) -> tuple[int, int, int] | None:
    """'1, 28, 28' -> (1, 28, 28); None when it is not three positive numbers."""
    parts = [p for p in text.replace("×", ",").replace("x", ",").split(",") if p.strip()]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        return None
    return shape if len(shape) == 3 and min(shape) > 0 else None  # type: ignore[return-value]


def _labelled(dataset: Any) -> bool:
    return dataset is not None and dataset.labels is not None


def _open_error_text(path: str, error: Exception) -> str:
    from latentlab.training import CheckpointError

    return user_message(error, (CheckpointError,), f"{path} (while opening it)")
