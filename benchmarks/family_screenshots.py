"""Screenshots of the generator family in one window: a conditional VAE's class controls, then
a style GAN's Style mixing panel.

1. Opens an MNIST conditional VAE (``--cvae``, or one trained here for ``--epochs``), clicks
   the middle of the 2s on the PCA map of its test codes and decodes that style as 4 mixed
   half-and-half with 9 (the Preview's Class box, the row of the style as every class, the
   map's class purity in the Projection panel): ``resources/conditional_classes.png``.
2. Opens an MNIST style GAN (``--stylegan``, or one trained here for ``--epochs``) in the same
   window, keeps the panel's random A, takes B from a click on a sample of its map, the
   coarse styles from A and the rest from B, and a traversal of the fine resolution:
   ``resources/style_mixing.png``.

Prints a JSON report (what was shown, errors).

    python benchmarks/family_screenshots.py [--cvae CKPT] [--stylegan CKPT] [--epochs 5]
        [--keep DIR] [--data-root ../shared/data] [--out-dir resources] [--quick]

``--quick`` (the CI smoke test) trains both on the built-in digits and writes to a temporary
folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from _common import (
    REPO_ROOT,
    class_centre,
    click_map,
    keep_datasets_in,
    open_model,
    open_window,
    qt_app,
    skipped_without_mnist,
    spin,
    train_digits_checkpoint,
    train_mnist_checkpoint,
    wait_until,
)

CLICKED_CLASS, FIRST, SECOND, MIX = 2, 4, 9, 50  # the mix slider runs 0..100


def show_classes(window, errors: list[str]) -> dict:
    """Click a 2's place, then decode it as a half-and-half mix of two other classes."""
    from latentlab.session.decode_purposes import ClassRowDecode

    controls = window.preview_dock.classes
    rows: list[object] = []
    window.explorer.decoder.decoded.connect(
        lambda result: rows.append(result) if isinstance(result.purpose, ClassRowDecode) else None
    )
    if not wait_until(lambda: window.state.map_data.quality is not None, 120):
        errors.append("the map was not measured within 120 s")
    x, y = class_centre(window.state.map_data, CLICKED_CLASS)
    click_map(window, x, y)
    if not wait_until(lambda: bool(rows) and window.state.preview is not None, 60):
        errors.append("the click's class row was not decoded")
    controls.first.setCurrentIndex(FIRST)
    controls.second.setCurrentIndex(SECOND)
    controls.mix.setValue(MIX)
    wanted = 1 - MIX / 100
    if not wait_until(lambda: abs(float(window.state.condition[FIRST]) - wanted) < 1e-6, 10):
        errors.append("the mixed label was not set")
    spin(1.0)
    quality = window.state.map_data.quality
    return {
        "condition": [round(float(v), 2) for v in window.state.condition],
        "label_text": controls.weights.text(),
        "class_purity": None if quality is None else quality.class_purity,
        "chance_purity": None if quality is None else quality.chance_purity,
    }


def show_style_mixing(window, errors: list[str]) -> dict:
    """A: the panel's first random draw; B: a sample clicked on the map (nearest points, so
    the click gives that sample's own latent); the coarse styles from A; the fine level
    traversed."""
    import numpy as np

    dock, controller = window.style_mixing_dock, window.style_mixing
    dock.show()
    dock.raise_()
    shown: list[bool] = []
    controller.mix_shown.connect(lambda: shown.append(True))
    window.state.set_inverse_method("neighbours")
    data = window.state.map_data
    row = int(np.argmax(data.xy[:, 0]))  # the sample furthest right: away from the middle
    before = window.state.preview
    click_map(window, *data.xy[row])
    if not wait_until(lambda: window.state.preview is not before, 30):
        errors.append("the click on the map was not decoded")
    shown.clear()
    dock.source_buttons[1][0].click()
    if not wait_until(lambda: bool(shown), 30):
        errors.append("the mix was not shown after taking B from the preview")
    dock.traverse_level.setCurrentIndex(len(controller.names) - 1)
    shown.clear()
    dock.set_from_b([level > 0 for level in range(len(controller.names))])
    if not wait_until(lambda: bool(shown), 30):
        errors.append("the mix was not shown")
    spin(1.0)
    return {"levels": controller.names, "from_b": list(dock.from_b()), "b_from_row": row}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cvae", type=Path, help="an MNIST conditional VAE to open")
    parser.add_argument("--stylegan", type=Path, help="an MNIST style GAN to open")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "resources")
    parser.add_argument("--quick", action="store_true", help="smoke test: the digits")
    parser.add_argument(
        "--keep", type=Path, help="a folder to keep the trained models in, and reuse them from"
    )
    args = parser.parse_args()

    qt_app()
    report: dict = {"quick": args.quick}
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        out_dir = scratch / "shots" if args.quick else args.out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        if not args.quick and skipped_without_mnist(report, args.data_root, scratch / "r.json"):
            print(json.dumps(report))
            return
        checkpoints = {}
        for kind, given in (("cvae", args.cvae), ("stylegan", args.stylegan)):
            keep = args.keep / f"mnist-{kind}.safetensors" if args.keep else None
            if given is None and keep is not None and keep.is_file():
                given = keep
            if args.quick:
                checkpoints[kind] = train_digits_checkpoint(scratch, epochs=4, kind=kind)
            elif given is not None:
                checkpoints[kind] = Path(shutil.copy(given, scratch / given.name))
            else:
                checkpoints[kind] = train_mnist_checkpoint(
                    scratch, args.data_root, epochs=args.epochs, kind=kind
                )
                if keep is not None:
                    shutil.copy(checkpoints[kind], keep)
        keep_datasets_in(args.data_root)
        window = open_window(scratch, size=(1400, 1000))
        window.explorer.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        for dock in (window.training_dock, window.metrics_dock, window.items_dock):
            dock.hide()
        screenshots = []
        for kind, show, name in (
            ("cvae", show_classes, "conditional_classes.png"),
            ("stylegan", show_style_mixing, "style_mixing.png"),
        ):
            open_model(window, checkpoints[kind])
            report[kind] = show(window, errors)
            screenshots.append(str(out_dir / name))
            window.grab().save(screenshots[-1])
        report["screenshots"] = screenshots
        window.close()
    report["errors"] = errors
    print(json.dumps(report))
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
