"""Regenerate the README screenshot: the real app on a t-SNE map of MNIST.

Opens an MNIST VAE checkpoint in a 1360×860 window (offscreen), switches the Projection panel
to t-SNE, waits for the map, its learned inverse and its click fidelity, clicks between two
clusters, sets an interpolation across them, and saves ``window.grab()``.

    python benchmarks/screenshot.py --checkpoint CKPT [--out resources/screenshot.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import (
    DEFAULT_DATA_ROOT,
    REPO_ROOT,
    keep_datasets_in,
    open_model,
    open_window,
    qt_app,
    spin,
    wait_signal,
)


def between_clusters(data, first: int, second: int) -> tuple[float, float]:
    """The midpoint between the centres of two classes on the map."""
    labels = data.cloud.labels
    a = np.median(data.xy[labels == first], axis=0)
    b = np.median(data.xy[labels == second], axis=0)
    return tuple((a + b) / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument(
        "--data-root", type=Path, default=DEFAULT_DATA_ROOT, help="where named datasets are"
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "resources" / "screenshot.png")
    args = parser.parse_args()
    keep_datasets_in(args.data_root)

    import tempfile

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    qt_app()
    with tempfile.TemporaryDirectory() as settings_dir:
        window = open_window(Path(settings_dir), size=(1360, 860))
        open_model(window, args.checkpoint)
        explorer, dock = window.explorer, window.projection_dock
        dock.method.setCurrentIndex(dock.method.findData("tsne"))
        wait_signal(
            explorer.map_improved,
            300,
            action=lambda: dock.method.activated.emit(dock.method.currentIndex()),
        )
        wait_signal(explorer.fidelity_measured, 300)
        dock.inverse_buttons["learned"].click()
        data = explorer.map_data
        window.map.reset_view()
        spin(0.5)
        for slot, (first, second) in enumerate(((4, 9), (1, 7))):
            x, y = between_clusters(data, first, second)
            point = window.map.data_to_viewport(x, y)
            viewport = window.map.plot_widget.viewport()
            QTest.mouseClick(
                viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
            )
            spin(0.5)
            explorer.use_preview_as_keypoint(slot)
            spin(0.5)
        x, y = between_clusters(data, 3, 5)
        QTest.mouseClick(
            window.map.plot_widget.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            window.map.data_to_viewport(x, y),
        )
        window.interpolation_dock.set_t(0.5)
        spin(4.0)  # the path is placed again by openTSNE in the background
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        print(f"wrote {args.out}")
        window.close()


if __name__ == "__main__":
    main()
