"""The latent-math walk-through on MNIST, measured, with a screenshot for the README.

What a user does: solo the 7s in the legend, lasso the thick-stroke 7s and the thin-stroke
7s into two groups, pick a 3 with ctrl-click, build "mean(thick) − mean(thin)" in the Latent
math panel, apply it to the 3 with the strength slider, export the strip and reopen it.

Measured (JSON): how thick the lassoed groups really are (ink = mean pixel value), the
vector's split-half reliability, the ink of the decoded strip at strengths −3 … +3 (a
thickness vector must make it rise), and whether the exported PNG reopens to the same
latent bit for bit.

    python benchmarks/latent_math_demo.py --checkpoint CKPT [--screenshot resources/latent_math.png]
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
    keep_datasets_in,
    open_model,
    open_window,
    qt_app,
    spin,
    wait_signal,
    wait_until,
)

SEVEN, THREE = 7, 3


def ink(images: np.ndarray) -> np.ndarray:
    """Mean pixel value of each N×H×W×C uint8 image, 0..1: how much stroke there is."""
    return images.reshape(len(images), -1).mean(axis=1) / 255


def lasso(window, outline: np.ndarray) -> np.ndarray:
    """Draw ``outline`` (K×2, map coordinates) with the lasso tool; the selected rows."""
    window.items_dock.set_tool("lasso")
    selection = window.map.selection
    selection.on_shape_dragged(*outline[0], True, False, 0)
    for k, (x, y) in enumerate(outline[1:], start=1):
        selection.on_shape_dragged(x, y, False, k == len(outline) - 1, 0)
    return window.map.selected_rows()


def blob_outline(xy: np.ndarray, centre: np.ndarray, radius: float, steps: int = 48):
    """A hand-drawn-looking loop around ``centre``."""
    angles = np.linspace(0, 2 * np.pi, steps)
    wobble = 1 + 0.08 * np.sin(3 * angles)
    return centre + radius * wobble[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument(
        "--data-root", type=Path, default=DEFAULT_DATA_ROOT, help="where named datasets are"
    )
    parser.add_argument(
        "--screenshot", type=Path, default=REPO_ROOT / "resources" / "latent_math.png"
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    keep_datasets_in(args.data_root)

    from latentlab.latent.provenance import read_provenance
    from latentlab.projection import decode_latents

    qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        window = open_window(scratch, size=(1500, 900))
        open_model(window, args.checkpoint)
        data, workbench = window.explorer.map_data, window.workbench
        cloud, xy = data.cloud, data.xy
        if cloud.labels is None:
            raise SystemExit(f"the checkpoint's dataset could not be loaded: {window.last_error}")
        sevens = np.flatnonzero(cloud.labels == SEVEN)
        seven_ink = ink(cloud.images[sevens])

        # Where thick and thin 7s sit on the map: the user sees it by hovering; here the
        # 7s' ink picks the two ends, and the lassos are drawn around them.
        window.map.legend.class_soloed.emit(SEVEN)
        spin(0.2)
        thick_end = np.median(xy[sevens[seven_ink >= np.quantile(seven_ink, 0.85)]], axis=0)
        thin_end = np.median(xy[sevens[seven_ink <= np.quantile(seven_ink, 0.15)]], axis=0)
        radius = 0.3 * np.linalg.norm(thick_end - thin_end)
        groups = {}
        for name, centre in (("thick", thick_end), ("thin", thin_end)):
            rows = lasso(window, blob_outline(xy, centre, radius))
            groups[name] = rows
            workbench.make_group(name)
        window.map.legend.class_soloed.emit(SEVEN)  # show every class again

        threes = np.flatnonzero(cloud.labels == THREE)
        typical_three = threes[np.argsort(np.abs(ink(cloud.images[threes]) - 0.12))[0]]
        window.map.set_selection([typical_three], notify=True)
        workbench.make_group("three")
        window.items_dock.set_tool("click")

        math = window.arithmetic_dock
        math.positive.setCurrentText("thick")
        math.negative.setCurrentText("thin")
        math.base.setCurrentText("three")
        vector = workbench.vector
        wait_signal(window.explorer.preview_shown, 30, action=lambda: math.set_strength(2.0))
        wait_until(lambda: math.strip.count() == 7, 30)
        strip_ink = ink(math.strip_images())

        strip_path = window.latent_files.export_strip(scratch / "thickness.png")
        shown = window.explorer.preview_latent.astype(np.float64).copy()
        stored = read_provenance(strip_path)
        window.state.set_preview(None)
        wait_signal(
            window.explorer.preview_shown,
            30,
            action=lambda: window.latent_files.open_latent(strip_path),
        )
        reopened = window.explorer.preview_latent.astype(np.float64)
        base = workbench.items.get("three").latents[0]
        expected = decode_latents(window.explorer.model, (base + 2.0 * vector.direction)[None])

        # The screenshot: the thick group ringed on the map, the 3 made bolder (+1).
        window.items_dock.raise_()
        math.raise_()
        workbench.show_item("thick")
        wait_signal(window.explorer.preview_shown, 30, action=lambda: math.set_strength(1.0))
        spin(0.8)
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.screenshot))

        result = {
            "checkpoint": str(args.checkpoint),
            "map_points": len(cloud),
            "sevens": len(sevens),
            "thick_group": {
                "points": len(groups["thick"]),
                "share_of_sevens": float(np.mean(cloud.labels[groups["thick"]] == SEVEN)),
                "mean_ink": float(ink(cloud.images[groups["thick"]]).mean()),
            },
            "thin_group": {
                "points": len(groups["thin"]),
                "share_of_sevens": float(np.mean(cloud.labels[groups["thin"]] == SEVEN)),
                "mean_ink": float(ink(cloud.images[groups["thin"]]).mean()),
            },
            "all_sevens_mean_ink": float(seven_ink.mean()),
            "vector_norm": vector.norm,
            "reliability_median_cos": vector.reliability,
            "reliability_5th_percentile_cos": vector.reliability_low,
            "strip_strengths": list(stored.recipe.strengths),
            "strip_ink": strip_ink.round(4).tolist(),
            "strip_ink_rises": bool(np.all(np.diff(strip_ink) > 0)),
            "preview_is_decode_of_base_plus_2v": bool(
                np.array_equal(window.preview_dock.preview.image_array(), expected[0])
            )
            if window.preview_dock.preview.image_array() is not None
            else None,
            "reopened_latent_equal": bool(np.array_equal(reopened, shown)),
            "screenshot": str(args.screenshot),
        }
        window.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latent_math_demo.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
