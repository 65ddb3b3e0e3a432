"""The GAN walk-through, run in the real app and measured, with a screenshot for the README.

What a user does: start a DCGAN on MNIST from the training view (the dataset's preset), watch
the Fréchet distance fall and the class census fill in epoch after epoch, then explore: the
map of samples coloured by the class the domain classifier sees in each, switched to a map
of image features (PCA, then t-SNE), clicks in the middle of each class region, and a slerp
interpolation between two samples.

Measured (JSON): the Fréchet distance after every epoch (domain-classifier features of the
same 2,000 samples against 2,000 test images, with training images against the same test
images as the floor), the classes in use, seconds per epoch, the warnings shown, click
fidelity of every map (share of clicks inside class regions that generate an image of that
class), the clicks at class centres, and the latent norm along slerp and lerp paths.

    python benchmarks/gan_demo.py [--dataset mnist] [--epochs N] [--screenshot resources/gan.png]

Without MNIST (``--data-root``) it runs on the built-in digits instead and says so.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _app_steps import click_class_centres, fidelity_by_inverse, set_keypoints, show_map
from _common import (
    DEFAULT_DATA_ROOT,
    REPO_ROOT,
    code_state,
    machine_info,
    mnist_missing_reason,
    open_window,
    qt_app,
    spin,
    wait_until,
)


def train_in_app(window, dataset: str, data_root: Path, epochs: int | None, run_dir: Path):
    """Start a DCGAN with the dataset's preset, as the New training dialog fills it in; the
    quality records and the seconds each epoch took."""
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.jobs.training_request import TrainingRequest
    from latentlab.presets import preset_for

    preset = preset_for(dataset)
    request = TrainingRequest(
        dataset_spec=dataset,
        data_root=str(data_root) if dataset != "digits" else None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(
            kind="dcgan", latent_dim=preset.latent_dim, base_channels=preset.base_channels
        ),
        train_config=TrainConfig(epochs=epochs or preset.gan_epochs, batch_size=preset.batch_size),
        run_dir=str(run_dir),
    )
    qualities, epoch_ends = [], []
    window.training.quality_measured.connect(qualities.append)
    window.training.model_updated.connect(lambda _s: epoch_ends.append(time.perf_counter()))
    started = time.perf_counter()
    window.start_training(request)
    if not wait_until(lambda: not window.training.running, 3600):
        raise SystemExit("training did not end within an hour")
    maps = window.explorer.maps
    wait_until(
        lambda: (
            maps._worker is None
            and window.explorer.map_data is not None
            and window.explorer.map_data.cloud.labels_predicted
        ),
        300,
    )
    spin(0.5)
    seconds = np.diff([started, *epoch_ends[: len(qualities)]]).tolist()
    return request, qualities, seconds


def slerp_between_samples(window) -> dict:
    """Two samples of different classes as keypoints A and B; latent norms along the path."""
    from latentlab.latent import lerp, slerp

    cloud = window.explorer.map_data.cloud
    a = int(np.flatnonzero(cloud.labels == cloud.labels[0])[0])
    b = int(np.flatnonzero(cloud.labels != cloud.labels[0])[0])
    set_keypoints(window, (a, b), "sample")
    spin(0.2)
    dock = window.interpolation_dock
    dock.set_t(0.5)
    spin(0.5)
    t = np.linspace(0, 1, 11)
    za, zb = cloud.latents[a].astype(np.float64), cloud.latents[b].astype(np.float64)
    norms = {
        name: [round(float(np.linalg.norm(mix(za, zb, s))), 3) for s in t]
        for name, mix in (("slerp", slerp), ("lerp", lerp))
    }
    return {
        "method_in_panel": dock.method(),
        "from_class": cloud.class_names[cloud.labels[a]],
        "to_class": cloud.class_names[cloud.labels[b]],
        "latent_norm_along_path": norms,
        "expected_norm_sqrt_d": float(np.sqrt(cloud.latents.shape[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--screenshot", type=Path, default=REPO_ROOT / "resources" / "gan.png")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    dataset, note = args.dataset, None
    if dataset != "digits" and mnist_missing_reason(args.data_root) is not None:
        dataset, note = "digits", f"{args.dataset} not found at {args.data_root}: ran on digits"
        print(note)

    qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        window = open_window(scratch, size=(1600, 980))
        measured = []  # (map space, method, {inverse: fidelity}) as the panel reports them
        window.explorer.fidelity_measured.connect(
            lambda found: measured.append(
                (
                    window.explorer.map_data.config.space,
                    window.explorer.map_data.config.method,
                    fidelity_by_inverse(found),
                )
            )
        )
        request, qualities, seconds = train_in_app(
            window, dataset, args.data_root, args.epochs, scratch / "run"
        )
        warnings = window.training_dock.warnings()
        latent_fidelity = next((r for s, m, r in reversed(measured) if s == "latent"), {})
        pca_fidelity = show_map(window, "features", "pca")
        tsne_fidelity = show_map(window, "features", "tsne")
        clicks = click_class_centres(window)
        slerp = slerp_between_samples(window)
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.screenshot))
        training_shot = args.screenshot.with_name(args.screenshot.stem + "_training.png")
        dock = window.training_dock
        dock.setFloating(True)
        dock.resize(560, 1040)
        spin(0.5)
        dock.grab().save(str(training_shot))
        window_errors = window.last_error
        window.close()
        spin(0.2)

    result = {
        "benchmark": "gan_demo",
        "machine": machine_info(),
        "code": code_state(),
        "dataset": dataset,
        "note": note,
        "model": request.model_config.to_dict(),
        "train": request.train_config.to_dict(),
        "frechet_distance_per_epoch": [round(q.frechet_distance, 2) for q in qualities],
        "frechet_floor_real_images": round(qualities[-1].reference_distance, 2),
        "fd_samples": qualities[-1].samples,
        "classes_in_use_per_epoch": [round(q.census.effective_classes, 2) for q in qualities],
        "final_census": dict(
            zip(qualities[-1].census.class_names, qualities[-1].census.counts.tolist(), strict=True)
        ),
        "seconds_per_epoch": [round(s, 1) for s in seconds],
        "warnings_shown_at_the_end": warnings,
        "errors_shown": window_errors,
        "click_fidelity": {
            "latent_pca": latent_fidelity,
            "features_pca": pca_fidelity,
            "features_tsne": tsne_fidelity,
        },
        "clicks_at_class_centres": clicks,
        "class_centre_clicks_matching": sum(c["region"] == c["generated"] for c in clicks),
        "slerp": slerp,
        "screenshots": [str(args.screenshot), str(training_shot)],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gan_demo.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("machine", "code")}, indent=2))


if __name__ == "__main__":
    main()
