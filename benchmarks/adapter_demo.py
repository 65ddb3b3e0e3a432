"""Bring your own model, run in the real app and measured, with a screenshot for the README.

What a user with their own model does: train the VAE of pytorch/examples ``vae/main.py`` in
that script's own way (784-400-20, BCE + KL summed, Adam 1e-3, batch 128, 10 epochs, grey
MNIST), save ``model.state_dict()`` with ``torch.save``, then open the weights in LatentLab
through ``resources/examples/mlp_vae_adapter.py`` and use the tools: click the middle of each
class on the map, interpolate between two test images, apply a latent-math vector
(mean of the 7s − mean of the 1s, to a 1), and evaluate it in the Metrics panel.

Measured (JSON): training seconds, what the domain classifier sees in each class-centre click,
the interpolation frames, the vector's reliability and what it does to the 1, and the Metrics
panel's numbers (ELBO, IWAE bound, active units, Fréchet distance) with their seconds.

    python benchmarks/adapter_demo.py [--epochs 10] [--k 1000] [--weights vae.pth]

MNIST comes from ``--data-root`` (default ../shared/data) and is never downloaded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _app_steps import (
    classifier_sees,
    click_class_centres,
    fidelity_by_inverse,
    set_keypoints,
    show_map,
)
from _common import (
    DEFAULT_DATA_ROOT,
    REPO_ROOT,
    code_state,
    machine_info,
    open_window,
    qt_app,
    skipped_without_mnist,
    spin,
    wait_signal,
    wait_until,
)
from train_throughput import (
    ReferenceVAE,
    prepare_data,
    reference_loader,
    reference_step,
)

from latentlab.session.decode_purposes import AttributeStripDecode

ADAPTER = REPO_ROOT / "resources" / "examples" / "mlp_vae_adapter.py"


def train_as_pytorch_examples(data_root: Path, epochs: int, weights: Path) -> float:
    """The training loop of pytorch/examples ``vae/main.py``; seconds taken."""
    torch.manual_seed(1)  # the example's default --seed
    data = prepare_data(data_root)
    device = torch.device("cpu")
    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        train_loss = 0.0
        for x, _ in reference_loader(data.reference_dataset, device):
            train_loss += reference_step(model, optimizer, x)
        average = train_loss / len(data.reference_dataset)
        print(f"====> Epoch: {epoch} Average loss: {average:.4f}", flush=True)
    seconds = time.perf_counter() - started
    torch.save(model.state_dict(), weights)  # what a user of that script keeps
    if data.temporary_dir is not None:
        shutil.rmtree(data.temporary_dir, ignore_errors=True)
    return seconds


def interpolate(window, first: int, second: int) -> dict:
    """Test images of two classes as keypoints A and B; what the strip's frames show."""
    cloud = window.explorer.map_data.cloud
    rows = [int(np.flatnonzero(cloud.labels == c)[0]) for c in (first, second)]
    set_keypoints(window, rows, "test image")
    dock = window.interpolation_dock
    dock.set_t(0.5)
    wait_until(lambda: dock.strip_images() is not None, 30)
    frames = dock.strip_images()
    return {
        "from": cloud.class_names[first],
        "to": cloud.class_names[second],
        "strip_frames_seen_as": [classifier_sees(window, image) for image in frames],
    }


def latent_math(window, plus: int, minus: int, base: int) -> dict:
    """mean(plus) − mean(minus) applied to one image of ``base``, through the Latent math panel."""
    workbench, cloud = window.workbench, window.explorer.map_data.cloud
    names = {}
    for label in (plus, minus):
        window.map.set_selection(np.flatnonzero(cloud.labels == label), notify=True)
        names[label] = f"all_{cloud.class_names[label]}"
        workbench.make_group(names[label])
    window.map.set_selection([int(np.flatnonzero(cloud.labels == base)[0])], notify=True)
    workbench.make_group("base")
    math = window.arithmetic_dock
    math.positive.setCurrentText(names[plus])
    math.negative.setCurrentText(names[minus])
    # The base last, waiting for the strip it asks for (strengths −3 … +3): the strips of the
    # choices before it (on the preview) are already on screen.
    wait_signal(
        window.explorer.decoder.decoded,
        30,
        check=lambda r: isinstance(r.purpose, AttributeStripDecode),
        action=lambda: math.base.setCurrentText("base"),
    )
    spin(0.2)
    wait_signal(window.explorer.preview_shown, 30, action=lambda: math.set_strength(1.0))
    vector = workbench.vector
    return {
        "vector": f"mean({names[plus]}) − mean({names[minus]})",
        "base_class": cloud.class_names[base],
        "reliability_median_cos": round(vector.reliability, 3),
        "strip_strengths": [-3, -2, -1, 0, 1, 2, 3],
        "strip_seen_as": [classifier_sees(window, image) for image in math.strip_images()],
    }


def evaluate_in_metrics_panel(window, k: int, images: int) -> dict:
    dock = window.metrics_dock
    dock.raise_()
    dock.setting.setCurrentIndex(dock.setting.findData("custom"))  # not a time budget
    dock.k.setValue(k)
    dock.max_images.setValue(images)
    started = time.perf_counter()
    found = wait_signal(dock.evaluated, 3600, action=dock.run_button.click)
    if found is None:
        raise SystemExit(f"the evaluation did not finish: {window.last_error}")
    result = found[0]
    wait_until(lambda: dock.run_button.isEnabled(), 60)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "k": result.iwae_k,
        "test_images": result.n_images,
        "binarized": result.binarized,
        "negative_elbo": round(result.negative_elbo, 2),
        "reconstruction": round(result.reconstruction, 2),
        "kl": round(result.kl, 2),
        "iwae_nll": round(result.nll_iwae, 2),
        "iwae_nll_stderr": round(result.nll_iwae_stderr, 2),
        "active_units": result.active_units,
        "frechet_distance": round(result.frechet_distance, 2),
        "note": result.note,
        "panel_summary": dock.summary.text(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="the example's default: 10")
    parser.add_argument("--k", type=int, default=1000, help="IWAE samples in the Metrics panel")
    parser.add_argument("--images", type=int, default=1000, help="test images evaluated")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument(
        "--weights", type=Path, help="keep the trained state dict here; reused when it exists"
    )
    parser.add_argument("--screenshot", type=Path, default=REPO_ROOT / "resources" / "adapter.png")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    out_file = args.out / "adapter_demo.json"
    report: dict = {"benchmark": "adapter_demo", "machine": machine_info(), "code": code_state()}
    if skipped_without_mnist(report, args.data_root, out_file):
        return

    from latentlab.jobs.models import AdapterRequest

    qt_app()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        weights = args.weights or scratch / "vae.pth"
        train_seconds = None
        if not weights.exists():
            train_seconds = train_as_pytorch_examples(args.data_root, args.epochs, weights)

        window = open_window(scratch, size=(1500, 900))
        request = AdapterRequest(
            adapter_path=str(ADAPTER),
            weights_path=str(weights),
            dataset_spec="mnist",
            data_root=str(args.data_root),
        )
        measured = []
        window.explorer.fidelity_measured.connect(
            lambda found: measured.append(fidelity_by_inverse(found))
        )
        started = time.perf_counter()
        if wait_signal(window.map_shown, 600, action=lambda: window.open_adapter(request)) is None:
            raise SystemExit(f"the adapter did not open: {window.last_error}")
        open_seconds = time.perf_counter() - started
        model = window.explorer.model
        wait_until(lambda: window.explorer.classifier.classifier is not None, 600)
        wait_until(lambda: bool(measured), 300)  # the first map's (PCA) click fidelity
        tsne_fidelity = show_map(window, "latent", "tsne", timeout_s=600)
        if not tsne_fidelity:
            raise SystemExit(f"no t-SNE map: {window.last_error}")
        window.projection_dock.inverse_buttons["learned"].click()  # clicks go through it
        clicks = click_class_centres(window)
        path = interpolate(window, 4, 9)
        vector = latent_math(window, 7, 1, 1)
        metrics = evaluate_in_metrics_panel(window, args.k, args.images)

        # The screenshot: a click decoded, the 4 → 9 path on the map, the Metrics panel.
        window.map.set_selection([], notify=True)
        window.interpolation_dock.raise_()
        data = window.explorer.map_data
        sixes = data.xy[data.cloud.labels == 6]
        wait_signal(
            window.explorer.preview_shown,
            30,
            action=lambda: window.explorer.decode_at(*np.median(sixes, axis=0)),
        )
        spin(0.8)
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.screenshot))
        errors = window.last_error
        model_label = window.model_label.text()
        window.close()
        spin(0.2)

    report |= {
        "adapter": str(ADAPTER.relative_to(REPO_ROOT)),
        "trained_by": "pytorch/examples vae/main.py's loop (grey MNIST, BCE + KL, Adam 1e-3)",
        "epochs": args.epochs,
        "train_seconds": None if train_seconds is None else round(train_seconds, 1),
        "open_seconds": round(open_seconds, 1),
        "probed": {"latent_dim": model.latent_dim, "image_shape": list(model.image_shape)},
        "model_label": model_label,
        "map_points": len(data.cloud),
        "click_fidelity": {"pca": measured[0] if measured else None, "tsne": tsne_fidelity},
        "clicks_at_class_centres": clicks,
        "class_centre_clicks_matching": sum(c["region"] == c["generated"] for c in clicks),
        "interpolation": path,
        "latent_math": vector,
        "metrics_panel": metrics,
        "errors_shown": errors,
        "screenshot": str(args.screenshot),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k not in ("machine", "code")}, indent=2))


if __name__ == "__main__":
    main()
