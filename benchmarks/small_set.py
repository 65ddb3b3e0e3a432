"""A few hundred 64×64 face-like photos: what the default settings gave before runs were sized
by steps, and what they give now, with the click-fidelity panel's figures and their ceiling.

The set is made here (no download): 39 "people", 10 photos each, 64×64 grey on a mid-grey
backdrop; each person has their own face shape, eye spacing, mouth and hair line, and each
photo its own pose shift, lighting and noise. 312 training / 78 test images (the 20% split).

Two runs of the same conv VAE on the same data:
- ``before``: the general preset as it was used (20 epochs of batch 64: 4 steps an epoch);
- ``after``: ``latentlab.training_plan.plan_training`` (batch 32, epochs up to 800 steps).
For each: optimizer steps, seconds, test reconstruction MSE (pixels in [0, 1]), and on a PCA
map of every point the click fidelity (exact inverse) with its ceiling: chance, the domain
classifier on test images, and on the model's reconstructions. Median of ``--repeats`` seeds.

    python benchmarks/small_set.py [--repeats 3] [--out benchmarks/results/small_set.json]
        [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from _common import REPO_ROOT, code_state, machine_info

PEOPLE, PHOTOS, SIZE = 39, 10, 64


def face_photos(people: int = PEOPLE, photos: int = PHOTOS, size: int = SIZE, seed: int = 0):
    """(N×1×H×W uint8 images, N labels)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    images, labels = [], []
    for person in range(people):
        width, height = rng.uniform(0.22, 0.34), rng.uniform(0.3, 0.42)
        eyes, mouth, hair = rng.uniform(0.08, 0.16), rng.uniform(0.1, 0.22), rng.uniform(0.1, 0.3)
        skin = rng.uniform(150, 210)
        for _ in range(photos):
            dx, dy = rng.normal(0, 0.03, 2)
            light = rng.uniform(-20, 20)
            image = np.full((size, size), rng.uniform(100, 135)) + rng.normal(0, 5, (size, size))
            x, y = xx - 0.5 - dx, yy - 0.5 - dy
            face = (x / width) ** 2 + (y / height) ** 2 < 1
            image[face] = skin + light + 30 * x[face]
            image[face & (y < -height + hair)] = 60 + light  # hair
            for side in (-1, 1):
                eye = ((x - side * eyes) / 0.035) ** 2 + ((y + 0.08) / 0.025) ** 2 < 1
                image[eye] = 30
            lips = (np.abs(x) < mouth / 2) & (np.abs(y - 0.15) < 0.018)
            image[lips] = 90 + light
            images.append(np.clip(image, 0, 255).astype(np.uint8))
            labels.append(person)
    return np.stack(images)[:, None], np.array(labels)


def image_set(images: np.ndarray, labels: np.ndarray):
    import torch

    from latentlab.data import ImageSet
    from latentlab.data.splits import random_test_mask

    names = tuple(f"person{i}" for i in range(labels.max() + 1))
    return ImageSet(
        "faces",
        torch.from_numpy(images),
        torch.from_numpy(labels),
        names,
        random_test_mask(len(images)),
    )


def run(dataset, batch_size: int, epochs: int, seed: int, classifier) -> dict:
    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.projection import build_map, decode_latents, encode_dataset
    from latentlab.projection.fidelity import click_fidelity, fidelity_ceiling
    from latentlab.training import Trainer
    from latentlab.training.classifier import predict_labels

    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=16),
        TrainConfig(epochs=epochs, batch_size=batch_size, seed=seed),
        dataset,
    )
    started = time.perf_counter()
    for _ in trainer.run():
        pass
    seconds = time.perf_counter() - started
    model = trainer.model.eval()
    test_cloud = encode_dataset(model, dataset.split("test"))
    data = build_map(encode_dataset(model, dataset))  # every point, as the app now maps it

    def decode(latents):
        return decode_latents(model, latents)

    def classify(images):
        return predict_labels(classifier.model, images)

    fidelity = click_fidelity(data, data.cloud.labels, decode, classify, "exact", clicks=300)
    ceiling = fidelity_ceiling(data.cloud, decode, classify, classifier.test_accuracy)
    return {
        "batch_size": batch_size,
        "epochs": epochs,
        "steps": trainer.global_step,
        "seconds": round(seconds, 1),
        "test_reconstruction_mse": float(np.mean(test_cloud.reconstruction_errors)),
        "fidelity": None if fidelity.clicks == 0 else round(fidelity.fidelity, 3),
        "chance": round(ceiling.chance, 3),
        "classifier_test_accuracy": round(ceiling.classifier_accuracy, 3),
        "reconstruction_accuracy": round(ceiling.reconstruction_accuracy, 3),
        "fidelity_of_ceiling": None
        if fidelity.clicks == 0
        else round(ceiling.relative(fidelity.fidelity), 3),
    }


def median_of(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float) or v is None]
    out = {}
    for key in keys:
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "small_set.json"
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 8 people, 32×32")
    args = parser.parse_args()

    from latentlab.presets import preset_for
    from latentlab.training.classifier import TrainedClassifier, train_classifier
    from latentlab.training_plan import plan_training

    people, size = (8, 32) if args.quick else (PEOPLE, SIZE)
    dataset = image_set(*face_photos(people=people, size=size))
    train_images = int((~dataset.test_mask).sum())
    classifier = next(r for r in train_classifier(dataset) if isinstance(r, TrainedClassifier))
    preset = preset_for("npz:faces.npz")  # the general preset a user's file gets
    plan = plan_training(preset, "vae", train_images)
    settings = {
        "before": (preset.batch_size, preset.epochs),
        "after": (plan.batch_size, plan.epochs),
    }
    if args.quick:
        settings = {name: (batch, min(epochs, 3)) for name, (batch, epochs) in settings.items()}
    repeats = 1 if args.quick else args.repeats
    results, failures = {}, []
    for name, (batch, epochs) in settings.items():
        runs = []
        for seed in range(repeats):
            try:
                runs.append(run(dataset, batch, epochs, seed, classifier))
            except Exception as error:  # reported, not raised: the other runs still count
                failures.append(f"{name} seed {seed}: {type(error).__name__}: {error}")
        results[name] = {"median": median_of(runs) if runs else None, "runs": runs}
    report = {
        "benchmark": "small_set",
        "machine": machine_info(),
        "code": code_state(),
        "data": f"{people} people × {PHOTOS} photos, {size}×{size} grey, {train_images} train",
        "quick": args.quick,
        "results": results,
        "failures": failures,
    }
    out = args.out if not args.quick else Path("/tmp") / "small_set_quick.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps({name: r["median"] for name, r in results.items()}, indent=2))
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
