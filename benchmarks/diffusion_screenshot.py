"""Screenshots of the Diffusion panel: samples' denoising paths on an MNIST t-SNE map, and an
interpolation through the diffusion prior's noise.

Opens an MNIST VAE (``--checkpoint``, or one trained here for ``--vae-epochs``), makes its
map with t-SNE, trains a diffusion prior from the Diffusion panel (``--prior-steps``), draws
12 samples and scrubs them to step 30 of 50 (``resources/diffusion_trajectories.png``); then
takes a 1 and a 7 of the map as keypoints A and B, interpolates through the noise and saves
the window with the path and the strip (``resources/noise_interpolation.png``). Prints a JSON
report (seconds, what was shown, errors).

    python benchmarks/diffusion_screenshot.py [--checkpoint CKPT] [--vae-epochs 5]
        [--prior-steps 4000] [--data-root ../shared/data] [--out-dir resources] [--quick]

``--quick`` (the CI smoke test) uses a digits VAE, a PCA map and a 300-step prior, and
writes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import (
    REPO_ROOT,
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

SCRUB_STEP = 30
SAMPLE_STEPS = 50


def make_tsne_map(window, errors: list[str]) -> None:
    """Choose t-SNE in the Projection panel and Project, as a user does; wait until the map
    is made and its learned inverse measured (so the prior trains on a quiet machine)."""
    maps, dock = window.explorer.maps, window.projection_dock
    measured: list[bool] = []
    window.explorer.fidelity_measured.connect(lambda _results: measured.append(True))
    dock.method.setCurrentIndex(dock.method.findData("tsne"))
    dock.project.click()
    done = wait_until(
        lambda: (
            maps.idle
            and window.explorer.map_data is not None
            and window.explorer.map_data.config.method == "tsne"
        ),
        600,
    )
    if not done:
        errors.append("the t-SNE map was not made within 600 s")
    if not wait_until(lambda: bool(measured), 300):
        errors.append("the t-SNE map's inverse was not measured within 300 s")
    spin(0.5)


def train_prior(window, steps: int, errors: list[str]) -> float:
    dock, diffusion = window.diffusion_dock, window.diffusion
    dock.show()
    dock.raise_()
    trained: list[object] = []
    diffusion.prior_trained.connect(trained.append)
    dock.train_steps.setValue(steps)
    started = time.perf_counter()
    dock.train_button.click()
    if not wait_until(lambda: bool(trained) or not diffusion.training, 900):
        errors.append("the prior did not train within 900 s")
    if not trained:
        errors.append("no prior was trained")
    seconds = time.perf_counter() - started
    wait_until(lambda: window.state.prior is not None and window.state.prior.path, 60)
    return seconds


def draw_samples(window, errors: list[str]) -> dict:
    dock, diffusion = window.diffusion_dock, window.diffusion
    shown: list[bool] = []
    diffusion.trajectories_shown.connect(lambda: shown.append(True))
    dock.count.setValue(12)
    dock.steps.setValue(SAMPLE_STEPS)
    dock.sample_button.click()
    if not wait_until(lambda: bool(shown), 120):
        errors.append("the trajectories were not shown")
        return {}
    data = window.explorer.map_data
    if data.can_refine:  # t-SNE: drawn at once from neighbours, then placed by openTSNE
        wait_until(lambda: len(shown) >= 2, 180)
    dock.set_step(SCRUB_STEP)
    spin(1.0)
    return {
        "map": data.config.method,
        "trajectory_drawings": len(shown),
        "paths_shape": list(window.map.trajectories.paths().shape),
        "preview": window.state.preview.description if window.state.preview else None,
    }


def interpolate_through_noise(window, errors: list[str]) -> dict:
    diffusion_dock, dock = window.diffusion_dock, window.interpolation_dock
    diffusion_dock.clear_button.click()
    dock.show()
    dock.raise_()
    cloud = window.explorer.map_data.cloud
    for index, label in enumerate((1, 7)):
        row = int(np.flatnonzero(cloud.labels == label)[0])
        dock.set_keypoint(index, cloud.latents[row], cloud.images[row], f"a {label}")
    found: list[bool] = []
    window.state.keypoints.noise_path_found.connect(lambda: found.append(True))
    dock.method_buttons["noise"].setChecked(True)
    if not wait_until(lambda: bool(found), 120):
        errors.append("the noise path was not found")
        return {}
    dock.set_t(0.5)
    wait_until(lambda: dock.strip.count() == dock.frame_count(), 60)
    wait_until(lambda: window.map.overlays.path_visible, 120)
    spin(1.5)
    return {"method": dock.method(), "strip_frames": dock.strip.count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, help="an MNIST VAE to open")
    parser.add_argument("--vae-epochs", type=int, default=5)
    parser.add_argument("--prior-steps", type=int, default=4000)
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "resources")
    parser.add_argument("--quick", action="store_true", help="smoke test: digits, PCA map")
    args = parser.parse_args()

    qt_app()
    report: dict = {"quick": args.quick}
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        out_dir = scratch / "shots" if args.quick else args.out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        if args.quick:
            checkpoint = train_digits_checkpoint(scratch, epochs=10)
        elif args.checkpoint is not None:
            checkpoint = Path(shutil.copy(args.checkpoint, scratch / args.checkpoint.name))
        else:
            if skipped_without_mnist(report, args.data_root, scratch / "report.json"):
                print(json.dumps(report))
                return
            checkpoint = train_mnist_checkpoint(scratch, args.data_root, epochs=args.vae_epochs)
        keep_datasets_in(args.data_root)
        window = open_window(scratch, size=(1500, 950))
        for source in (window.explorer, window.diffusion):
            source.error_raised.connect(lambda title, text: errors.append(f"{title}: {text}"))
        open_model(window, checkpoint)
        for dock in (window.training_dock, window.metrics_dock, window.items_dock):
            dock.hide()
        if not args.quick:
            make_tsne_map(window, errors)
        report["prior_seconds"] = round(
            train_prior(window, 300 if args.quick else args.prior_steps, errors), 1
        )
        if window.state.prior is not None:
            report["prior"] = window.state.prior.describe()
            report["samples"] = draw_samples(window, errors)
            trajectories = out_dir / "diffusion_trajectories.png"
            window.grab().save(str(trajectories))
            report["noise_interpolation"] = interpolate_through_noise(window, errors)
            interpolation = out_dir / "noise_interpolation.png"
            window.grab().save(str(interpolation))
            report["screenshots"] = [str(trajectories), str(interpolation)]
        window.close()
    report["errors"] = errors
    print(json.dumps(report))
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
