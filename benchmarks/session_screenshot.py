"""Screenshot of a session after a model switch: a digits VAE explored first, then an MNIST VAE
of another latent size opened in the same window.

Trains both models (a digits VAE, latent 8, and an MNIST VAE, latent 16, one epoch), opens
the first, clicks its map, makes a group and sets two keypoints; then opens the second, switches
its map to t-SNE, waits for the learned inverse, clicks between two clusters and saves
``window.grab()``. The status bar then says what the switch dropped.

    python benchmarks/session_screenshot.py [--data-root ../shared/data]
        [--out resources/session.png] [--quick]

``--quick`` (the CI smoke test) uses a second digits model of latent 4 instead of MNIST and
writes to a temporary file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from _common import (
    DEFAULT_DATA_ROOT,
    REPO_ROOT,
    class_centre,
    click_map,
    keep_datasets_in,
    open_model,
    open_window,
    qt_app,
    spin,
    train_digits_checkpoint,
    train_mnist_checkpoint,
    wait_until,
)


def explore_first(window, checkpoint: Path) -> None:
    """Click, group, keypoints: what a user has built up before switching."""
    open_model(window, checkpoint)
    data = window.explorer.map_data
    for slot, label in enumerate((1, 7)):
        click_map(window, *class_centre(data, label))
        spin(0.3)
        window.explorer.use_preview_as_keypoint(slot)
    window.map.set_selection(np.flatnonzero(data.cloud.labels == 3), notify=True)
    window.workbench.make_group("threes")
    spin(0.3)


def second_checkpoint(folder: Path, data_root: Path, quick: bool) -> Path:
    if quick or not (data_root / "MNIST" / "raw").is_dir():
        from latentlab.config import ModelConfig, TrainConfig
        from latentlab.data import load_dataset
        from latentlab.training import DatasetInfo, Trainer

        digits = load_dataset("digits")
        trainer = Trainer(
            ModelConfig(kind="vae", latent_dim=4),
            TrainConfig(epochs=3, batch_size=64),
            digits,
            dataset_info=DatasetInfo(name="digits", class_names=digits.class_names, spec="digits"),
        )
        for _ in trainer.run():
            pass
        return trainer.save(folder / "digits-vae-latent4.safetensors")
    return train_mnist_checkpoint(folder, data_root, epochs=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "resources" / "session.png")
    parser.add_argument("--quick", action="store_true", help="smoke test: small models")
    args = parser.parse_args()
    keep_datasets_in(args.data_root)

    qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        first = train_digits_checkpoint(scratch, epochs=4 if args.quick else 20)
        second = second_checkpoint(scratch, args.data_root, args.quick)
        window = open_window(scratch, size=(1360, 860))
        told: list[str] = []
        errors: list[str] = []
        window.state.status_reported.connect(told.append)
        window.explorer.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        explore_first(window, first)
        open_model(window, second)
        explorer, dock = window.explorer, window.projection_dock
        dock.setting("tsne", "iterations").setValue(150 if args.quick else 500)
        dock.method.setCurrentIndex(dock.method.findData("tsne"))
        dock.method.activated.emit(dock.method.currentIndex())
        learned = wait_until(lambda: explorer.map_data.learned_inverse is not None, 600)
        if not learned:
            errors.append("the t-SNE map's learned inverse did not arrive within 600 s")
        data = explorer.map_data
        first_label, second_label = (4, 9) if data.cloud.labels is not None else (0, 0)
        a = class_centre(data, first_label)
        b = class_centre(data, second_label)
        click_map(window, *((a + b) / 2))
        wait_until(lambda: explorer.preview_latent is not None, 60)
        spin(1.0)
        window.status.showMessage(" ".join(told), 60_000)  # what the switch dropped, all of it
        spin(0.3)
        out = Path(tempfile.mkstemp(suffix=".png")[1]) if args.quick else args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        report = {
            "screenshot": str(out),
            "status_messages": told,
            "errors": errors,
            "model": window.model_label.text(),
            "title": window.windowTitle(),
            "groups_after_switch": [i.name for i in window.state.items if i.kind == "group"],
            "keypoints_after_switch": len(window.state.keypoints),
        }
        print(json.dumps(report, indent=2))
        window.close()


if __name__ == "__main__":
    main()
