"""Make the datasets and trained models shipped inside the package (run from the repo root).

    .venv/bin/python resources/make_bundled.py --data-root ../shared/data

Writes latentlab/data/bundled/{mnist-small,fashion-mnist-small}.npz (class-balanced random
subsets, seed 0, of the official train and test splits) and trains, with LatentLab's own
Trainer on those subsets, the models in latentlab/training/bundled/ (see BUNDLED_MODELS there).
Deterministic for a given torch build and machine; about 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from latentlab.data import load_dataset  # noqa: E402
from latentlab.data.bundled import bundled_set_path  # noqa: E402
from latentlab.data.catalog import SOURCES  # noqa: E402

SUBSETS = {  # name: (full dataset, training images, test images)
    "mnist-small": ("mnist", 10_000, 2_000),
    "fashion-mnist-small": ("fashion-mnist", 5_000, 1_000),
}


def balanced_choice(rng, rows: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    classes = np.unique(labels[rows])
    per_class = count // len(classes)
    chosen = [rng.choice(rows[labels[rows] == c], per_class, replace=False) for c in classes]
    return np.sort(np.concatenate(chosen))


def make_subset(name: str, data_root: Path) -> Path:
    full_name, n_train, n_test = SUBSETS[name]
    full = load_dataset(full_name, data_root=data_root, download=False)
    labels, test = full.labels.numpy(), full.test_mask.numpy()
    rng = np.random.default_rng(0)
    rows = np.concatenate(
        [
            balanced_choice(rng, np.flatnonzero(~test), labels, n_train),
            balanced_choice(rng, np.flatnonzero(test), labels, n_test),
        ]
    )
    path = bundled_set_path(name)
    np.savez_compressed(
        path,
        images=full.images.numpy()[rows, 0],
        labels=labels[rows].astype(np.uint8),
        class_names=np.array(SOURCES[name].class_names, dtype=str),
        test_mask=test[rows],
    )
    print(f"{path.name}: {n_train:,} train + {n_test:,} test, {path.stat().st_size / 1e6:.2f} MB")
    return path


def train_model(entry) -> Path:
    from latentlab.training import DatasetInfo, Trainer

    dataset = load_dataset(entry.dataset)
    trainer = Trainer(
        entry.model_config,
        entry.train_config,
        dataset,
        dataset_info=DatasetInfo(
            name=entry.dataset, class_names=dataset.class_names, spec=entry.dataset
        ),
    )
    started = time.perf_counter()
    for _ in trainer.run():
        pass
    path = trainer.save(entry.path, with_optimizer=False)
    seconds = time.perf_counter() - started
    print(f"{path.name}: {trainer.global_step:,} steps in {seconds:.0f} s, {trainer.last_losses}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--only", choices=["data", "models"], help="make only one half")
    args = parser.parse_args()
    if args.only != "models":
        for name in SUBSETS:
            make_subset(name, args.data_root)
    if args.only != "data":
        from latentlab.training.bundled import BUNDLED_MODELS

        for entry in BUNDLED_MODELS:
            train_model(entry)


if __name__ == "__main__":
    main()
