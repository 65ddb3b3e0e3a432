"""Files of latent math: encoding a user's image, reopening a latent from a PNG, and
exporting selections, attribute strips and previews with their provenance.

Each action has an ``ask_…`` form that shows a file dialog and a plain form taking the path,
which drops, menus and tests use. Errors become messages; nothing here blocks the GUI
longer than writing a few PNGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from latentlab.error_text import user_message
from latentlab.jobs.latents import EncodedImage, encode_image_job
from latentlab.latent.recipes import AttributeRecipe, EncodedImageRecipe
from latentlab.ui.background import start_job

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
PNG_FILTER = "PNG (*.png)"
EXPORT_MIN_SIDE = 128  # exported images are enlarged with whole pixels to at least this
LARGE_LATENT_FILE = 256 * 1024  # bytes: a latent PNG this big (a long strip) is read on a worker


class LatentFiles(QObject):
    """File actions of the Items and Latent math panels, and File › Open latent…."""

    encoded = Signal(object)  # EncodedImage, once it is an item and in the preview
    latent_opened = Signal(object)  # Provenance
    saved = Signal(str)  # path written
    error_raised = Signal(str, str)
    status_changed = Signal(str)

    def __init__(self, window: QWidget, explorer: Any, workbench: Any) -> None:
        super().__init__(window)
        self.window = window
        self.explorer = explorer
        self.workbench = workbench
        self.last_folder = str(Path.home())

    # -- encode an image ---------------------------------------------------------------
    def ask_encode_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Encode image", self.last_folder, IMAGE_FILTER
        )
        if path:
            self.encode_image(path)

    def encode_image(self, path: str | Path) -> None:
        """Fit the image to the model's input and encode it on a worker; it becomes an item,
        the preview shows its reconstruction and the map marks where it lands."""
        model, data = self.explorer.model, self.explorer.map_data
        if model is None or data is None:
            self.error_raised.emit("No model", "Open or train a model before encoding images.")
            return
        from latentlab.data.background import background_of

        background = background_of(data.cloud.images)
        name = Path(path).name
        self.status_changed.emit(
            f"Encoding {name}…" if model.has_encoder else f"Searching the latent of {name}…"
        )
        start_job(
            encode_image_job,
            model,
            str(path),
            background,
            on_yield=lambda progress: self.status_changed.emit(
                f"Inverting {name}: step {progress.step}/{progress.total}, "
                f"error {progress.error:.4f}"
            ),
            on_result=lambda encoded: self._on_encoded(encoded, model),
            on_error=lambda error: self.error_raised.emit("Could not encode the image", str(error)),
        )

    def _on_encoded(self, encoded: EncodedImage, model: Any) -> None:
        imported = encoded.imported
        if model is not self.explorer.model and not self.explorer.state.accepts(encoded.latent):
            name = Path(imported.source).name
            self.status_changed.emit(f"{name} was encoded by the model before; not kept.")
            return
        stem = Path(imported.source).stem
        recipe = EncodedImageRecipe(
            file=imported.source,
            method=encoded.method,
            preprocessing=tuple(imported.notes),
            reconstruction_mse=encoded.error,
            initial_mse=encoded.initial_error,
        )
        how = "encoded" if encoded.method == "encoder" else "inverted"
        if encoded.initial_error is not None:
            how += f" (random starts: error {encoded.initial_error:.4f})"
        item = self.workbench.add_item(
            "image",
            encoded.latent,
            name=self.workbench.items.suggest_name("image", stem),
            description=f"{imported.source} · error {encoded.error:.4f}",
            image=imported.hwc,
            recipe=recipe,
        )
        if item is None:
            return
        self.explorer.preview.show_hover(imported.hwc, f"{imported.source} as the model sees it")
        self.explorer.show_latent(
            encoded.latent,
            f"{item.name}: {imported.source} {how} · reconstruction error {encoded.error:.4f}",
            recipe,
        )
        notes = "; ".join(imported.notes)
        self.status_changed.emit(f"{how.capitalize()} {imported.source} as {item.name}. {notes}")
        self.encoded.emit(encoded)

    # -- open a latent -----------------------------------------------------------------
    def ask_open_latent(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open latent from PNG", self.last_folder, PNG_FILTER
        )
        if path:
            self.open_latent(path)

    def open_latent(self, path: str | Path) -> Any:
        """Read the latent stored in a LatentLab PNG and decode it; returns the Provenance
        (None when it failed, or when a large file is read on a worker: it follows)."""
        from latentlab.latent.provenance import ProvenanceError, read_provenance

        if self.explorer.model is None:
            self.error_raised.emit("No model", "Open the model first, then the latent.")
            return None
        path = Path(path)
        if path.is_file() and path.stat().st_size > LARGE_LATENT_FILE:
            start_job(
                read_provenance,
                path,
                on_result=lambda provenance: self._use_latent(path, provenance),
                on_error=self._latent_failed,
            )
            return None
        try:
            provenance = read_provenance(path)
        except ProvenanceError as error:
            self._latent_failed(error)
            return None
        return self._use_latent(path, provenance)

    def _latent_failed(self, error: Exception) -> None:
        from latentlab.latent.provenance import ProvenanceError

        message = user_message(error, (ProvenanceError,), "Reading the latent")
        self.error_raised.emit("Could not open the latent", message)

    def _use_latent(self, path: Path, provenance: Any) -> Any:
        from latentlab.latent.provenance import ProvenanceError, check_compatible

        model = self.explorer.model
        if model is None:
            self.error_raised.emit("No model", "Open the model first, then the latent.")
            return None
        try:
            warning = check_compatible(
                provenance, model.latent_dim, self.workbench.identity.sha256()
            )
        except ProvenanceError as error:
            self._latent_failed(error)
            return None
        self.last_folder = str(path.parent)
        kind = provenance.recipe.kind or "latent"
        self.workbench.add_item(
            "result",
            provenance.latent,
            name=self.workbench.items.suggest_name("image", path.stem),
            description=f"opened from {path.name} ({kind})",
            recipe=provenance.recipe,
        )
        condition, label = self.explorer.state.condition, provenance.label
        if label is not None and condition is not None and label.shape == condition.shape:
            self.explorer.state.set_condition(label)  # decoded as it was, by this model
        self.explorer.show_latent(provenance.latent, f"{path.name} ({kind})", provenance.recipe)
        self.status_changed.emit(warning or f"Opened the latent in {path.name}")
        if warning:
            self.error_raised.emit("Another model", warning)
        self.latent_opened.emit(provenance)
        return provenance

    # -- exports -----------------------------------------------------------------------
    def ask_export_selection(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Export the selected points into a folder", self.last_folder
        )
        if folder:
            self.export_selection(folder)

    def export_selection(self, folder: str | Path, group_name: str = "selection") -> Any:
        """The selected points' images (PNG with provenance) and a CSV of their indices,
        labels and latents, in ``folder``."""
        from latentlab.latent.export import scale_for_min_side
        from latentlab.latent.selection_export import export_selection

        selection = self.workbench.selection_for_export()
        if selection is None:
            self.error_raised.emit("Nothing selected", "Select points on the map first.")
            return None
        scale = scale_for_min_side(selection["images"].shape[1:], EXPORT_MIN_SIDE)
        try:
            written = export_selection(folder, group_name=group_name, scale=scale, **selection)
        except (OSError, ValueError) as error:
            self.error_raised.emit("Export failed", str(error))
            return None
        self.last_folder = str(folder)
        self.saved.emit(str(written.csv_path))
        return written

    def ask_export_strip(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            "Export attribute strip",
            str(Path(self.last_folder) / "attribute.png"),
            PNG_FILTER,
        )
        if path:
            self.export_strip(path)

    def export_strip(self, path: str | Path) -> Path | None:
        """The attribute strip as one PNG; its metadata holds every frame's latent, and
        reopening it gives the latent the preview shows."""
        from latentlab.latent.export import save_strip_png, scale_for_min_side

        strip = self.workbench.strip_export()
        if strip is None:
            self.error_raised.emit("No strip", "Make an attribute vector first.")
            return None
        images, frames, recipe = strip
        current = self.explorer.preview_latent
        if current is None or not isinstance(self.explorer.preview_recipe, AttributeRecipe):
            current = frames[len(frames) // 2]
        provenance = self.workbench.provenance(current, recipe, frames)
        scale = scale_for_min_side(images.shape[1:], EXPORT_MIN_SIDE)
        return self._write(
            path,
            lambda p: save_strip_png(images, p, scale=scale, gap=2, provenance=provenance),
        )

    def export_preview(self, path: str | Path) -> Path | None:
        """The preview image as PNG, with its latent, model hash and recipe inside."""
        from latentlab.latent.export import scale_for_min_side
        from latentlab.latent.provenance import save_png_with_provenance

        image, latent = self.explorer.preview_image, self.explorer.preview_latent
        if image is None or latent is None:
            self.error_raised.emit("Nothing to export", "Click the map first to decode an image.")
            return None
        recipe = self.explorer.preview_recipe.described(self.explorer.preview_description)
        provenance = self.workbench.provenance(latent, recipe)
        scale = scale_for_min_side(image.shape, EXPORT_MIN_SIDE)
        return self._write(
            path, lambda p: save_png_with_provenance(image, p, provenance, scale=scale)
        )

    def _write(self, path: str | Path, write) -> Path | None:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        try:
            written = write(path)
        except (OSError, ValueError) as error:
            self.error_raised.emit("Export failed", f"Could not write {path}:\n{error}")
            return None
        self.last_folder = str(path.parent)
        self.saved.emit(str(written))
        return written
