"""Screenshot of the Compare view: two epochs of one MNIST run side by side.

Trains the one-click VAE on the shipped MNIST subset in the window (``--epochs``, default 8),
then File › Compare with › an earlier epoch (epoch 1) beside the last; selects the 0s in the
first map (the same images ring in the second), plays an interpolation between a 1 and a 7
to its middle (both frames in the two-up preview), clicks between two classes, and saves
``window.grab()``. Prints a JSON report (what was linked, errors).

    python benchmarks/compare_screenshot.py [--epochs 8] [--out resources/compare.png]
        [--quick]

``--quick`` (the CI smoke test) trains two epochs and writes to a temporary file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
from _common import REPO_ROOT, class_centre, click_map, open_window, qt_app, spin, wait_until


def train_in_window(window, epochs: int, run_dir: Path, errors: list[str]) -> bool:
    from latentlab.jobs.training_request import default_request

    request = default_request()
    request = dataclasses.replace(
        request,
        train_config=dataclasses.replace(request.train_config, epochs=epochs),
        run_dir=str(run_dir),
    )
    finished: list[object] = []
    window.training.run_finished.connect(finished.append)
    window.start_training(request)
    history = window.explorer.maps.history
    done = wait_until(
        lambda: (
            bool(finished)
            and len(history) >= epochs
            and window.explorer.maps.idle
            and window.explorer.map_data is not None
        ),
        900,
    )
    if not done:
        errors.append(f"the run did not finish {epochs} epochs within 900 s")
    return done


def compare_epochs(window, errors: list[str]) -> dict:
    sources, compare = window.compare_sources, window.compare
    shown: list[bool] = []
    compare.shown.connect(lambda: shown.append(True))
    sources.compare_with_epoch(1)
    if not wait_until(lambda: bool(shown), 120):
        errors.append("the epoch-1 map did not show")
        return {}
    data = window.explorer.map_data
    window.map.set_selection(np.flatnonzero(data.cloud.labels == 0), notify=True)
    spin(0.3)
    dock = window.interpolation_dock
    for keypoint, label in enumerate((1, 7)):
        row = int(np.flatnonzero(data.cloud.labels == label)[0])
        dock.set_keypoint(keypoint, data.cloud.latents[row], data.cloud.images[row], f"a {label}")
    dock.set_t(0.5)
    wait_until(lambda: compare.view.caption_b.text().endswith("t = 0.50"), 30)
    spin(0.5)
    between = (class_centre(data, 4) + class_centre(data, 9)) / 2
    click_map(window, *between)
    if not wait_until(lambda: "map (" in compare.view.caption_b.text(), 30):
        errors.append("B did not decode the click")
    spin(1.0)
    return {
        "linked": compare.link.linked,
        "link_note": compare.view.link_note.text(),
        "title": compare.view.title.text(),
        "selected_in_a": len(window.map.selected_rows()),
        "ringed_in_b": len(compare.view.map.selected_rows()),
        "caption_b": compare.view.caption_b.text(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "resources" / "compare.png")
    parser.add_argument("--quick", action="store_true", help="smoke test: two epochs")
    args = parser.parse_args()
    epochs = 2 if args.quick else args.epochs

    qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        window = open_window(scratch, size=(1500, 900))
        errors: list[str] = []
        window.explorer.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        window.compare.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        report: dict = {}
        if train_in_window(window, epochs, scratch / "run", errors):
            for dock in (window.training_dock, window.projection_dock, window.metrics_dock):
                dock.hide()  # the two maps get the room
            window.items_dock.hide()
            report = compare_epochs(window, errors)
        out = Path(tempfile.mkstemp(suffix=".png")[1]) if args.quick else args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(json.dumps({"screenshot": str(out), "epochs": epochs, **report, "errors": errors}))
        window.close()
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
