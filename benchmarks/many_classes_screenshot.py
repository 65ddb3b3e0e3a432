"""Screenshot of a 40-class map at 1366×768: the shipped MNIST digits in four orientations.

Each of the 10,000 digits of ``mnist-small`` is drawn upright, turned 90°, upside down or
mirrored, and labelled "7, upside down" and so on: 40 classes, saved as an .npz the way a user
brings their own data. Trains a VAE on it (``--epochs``, default 6), opens the checkpoint
mapped on that .npz, makes a t-SNE map, clicks a cluster, hovers a point, types "upside"
in the legend's search and presses Enter (the ten upside-down classes keep their colours, the
others turn grey), clears the search so the legend lists all 40 again, and saves
``window.grab()``. Prints a JSON report (the legend's size, its search matches, the coloured
classes, the smallest colour difference of the palette, errors).

    python benchmarks/many_classes_screenshot.py [--epochs 6] [--out resources/many_classes.png]
        [--quick]

``--quick`` (the CI smoke test) trains one epoch on 2,000 digits, keeps the PCA map and
writes to a temporary file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from _common import REPO_ROOT, click_map, open_window, qt_app, spin, wait_signal, wait_until

SIZE = (1366, 768)
TURNS = ("upright", "turned 90°", "upside down", "mirrored")
SEARCH = "upside"


def write_oriented_digits(path: Path, count: int) -> int:
    """``count`` shipped MNIST digits, each in one of four orientations, as an .npz with 40
    named classes (digit-major: "0, upright", "0, turned 90°", ...); returns the classes."""
    from latentlab.data import load_dataset

    digits = load_dataset("mnist-small")
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(digits))[:count]
    images = digits.images[rows].numpy()  # (count, 1, 28, 28)
    turn = rng.integers(0, len(TURNS), count)
    images[turn == 1] = np.rot90(images[turn == 1], 1, axes=(2, 3))
    images[turn == 2] = np.rot90(images[turn == 2], 2, axes=(2, 3))
    images[turn == 3] = images[turn == 3][..., ::-1]
    labels = digits.labels[rows].numpy() * len(TURNS) + turn
    names = [f"{d}, {t}" for d in digits.class_names for t in TURNS]
    np.savez(
        path,
        images=np.ascontiguousarray(images),
        labels=labels,
        class_names=np.array(names),
        test_mask=digits.test_mask[rows].numpy(),
    )
    return len(names)


def train(npz: Path, folder: Path, epochs: int) -> Path:
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.data import load_dataset
    from latentlab.training import DatasetInfo, Trainer

    spec = f"npz:{npz}"
    data = load_dataset(spec)
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=16),
        TrainConfig(epochs=epochs, batch_size=128),
        data,
        dataset_info=DatasetInfo(name=npz.stem, class_names=data.class_names, spec=spec),
    )
    for _ in trainer.run():
        pass
    return trainer.save(folder / "oriented-digits-vae.safetensors")


def hover(window, row: int) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    viewport = window.map.plot_widget.viewport()
    pos = window.map.data_to_viewport(*window.map.points.xy[row])
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(viewport.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


def make_tsne_map(window, errors: list[str]) -> None:
    dock, explorer = window.projection_dock, window.explorer
    dock.method.setCurrentIndex(dock.method.findData("tsne"))
    dock.method.activated.emit(dock.method.currentIndex())
    if not wait_until(lambda: explorer.map_data.learned_inverse is not None, 600):
        errors.append("the t-SNE map's learned inverse did not arrive within 600 s")


def colour_search_matches(window, text: str) -> list[str]:
    """Type ``text`` into the legend's search, press Enter (colour only the matches), clear
    the search; returns the names listed while searching."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    search = window.map.legend.search
    QTest.keyClicks(search, text)
    listed = window.map.legend.listed_names()
    QTest.keyClick(search, Qt.Key.Key_Return)
    search.clear()
    return listed


def palette_min_difference(n: int) -> float:
    from latentlab.class_palette import ciede2000, srgb_to_lab
    from latentlab.ui.map.map_colours import categorical_colours

    lab = srgb_to_lab(categorical_colours(n)[:, :3])
    d = ciede2000(lab[:, None], lab[None])
    d[np.eye(n, dtype=bool)] = np.inf
    return round(float(d.min()), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "resources" / "many_classes.png")
    parser.add_argument("--quick", action="store_true", help="smoke test: one epoch, PCA")
    args = parser.parse_args()

    qt_app()
    errors: list[str] = []
    listed: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        npz = scratch / "oriented-digits.npz"
        n_classes = write_oriented_digits(npz, 2_000 if args.quick else 10_000)
        checkpoint = train(npz, scratch, 1 if args.quick else args.epochs)
        window = open_window(scratch, size=SIZE)
        window.explorer.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        explorer = window.explorer
        opened = wait_signal(
            explorer.map_ready,
            300,
            action=lambda: window.open_checkpoint(checkpoint, dataset_spec=f"npz:{npz}"),
        )
        if opened is None:
            errors.append(f"the checkpoint did not open: {window.last_error or 'timeout'}")
        else:
            if not args.quick:
                make_tsne_map(window, errors)
                if explorer.classifier.classifier is None:  # captions say what they look like
                    wait_signal(explorer.classifier.ready, 300)
            spin(0.5)
            data = explorer.map_data
            labels = data.cloud.labels
            seven_mirrored = 7 * len(TURNS) + 3
            click_map(window, *np.median(data.xy[labels == seven_mirrored], axis=0))
            wait_until(lambda: explorer.preview_latent is not None, 60)
            hover(window, int(np.flatnonzero(labels == 2 * len(TURNS) + 2)[0]))
            listed = colour_search_matches(window, SEARCH)
            spin(1.0)
        legend = window.map.legend
        out = Path(tempfile.mkstemp(suffix=".png")[1]) if args.quick else args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        report = {
            "screenshot": str(out),
            "window": [window.width(), window.height()],
            "classes": n_classes,
            "legend_entries": len(legend.toggles),
            "search": SEARCH,
            "listed_while_searching": listed,
            "coloured": [
                legend.toggles[k].text() for k in np.flatnonzero(window.map.coloured_classes())
            ],
            "legend_width_px": legend.width(),
            "palette_min_ciede2000": {n: palette_min_difference(n) for n in (10, 40, 60)},
            "caption": window.preview_dock.caption.text(),
            "hover_title": window.preview_dock.hover_title.text(),
            "axis_titles": [window.map.axis_titles.full_text(a) for a in ("bottom", "left")],
            "errors": errors,
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        window.close()
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
