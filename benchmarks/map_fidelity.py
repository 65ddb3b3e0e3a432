"""Click fidelity: does clicking inside a class region of the map decode an image of that class?

On the MNIST test split (10,000 codes of an MNIST conv VAE, latent 16), for each map and inverse
— PCA + exact inverse, t-SNE + nearest-points inverse, t-SNE + learned inverse (and, for
reference in the same run, PCA + nearest points) — random clicks are drawn uniformly over the
map's bounding box and kept when they fall *inside a class region*:

* their K = 10 nearest map points agree on a label by at least 70% (the region's class), and
* they lie within the data: the distance to the K-th nearest point is no more than the 90th
  percentile of the data points' own distance to their K-th neighbour.

Each kept click is decoded by the map's inverse and the domain classifier (trained once on
MNIST's training split and cached; ``latentlab.training.classifier``) labels the image.
Fidelity is the share of clicks whose image gets the region's label. Clicks are the same for
both inverses of a map. Also reported: the classifier's own test accuracy (a ceiling), and
each map's trustworthiness and round-trip errors. Target: ≥ 90% for t-SNE on MNIST.

    python benchmarks/map_fidelity.py [--clicks 2000] [--seeds 3] [--checkpoint CKPT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from _common import (
    DEFAULT_DATA_ROOT,
    RESULTS_DIR,
    machine_info,
    skipped_without_mnist,
    target,
    train_mnist_checkpoint,
)

TARGET = 0.90


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--checkpoint", type=Path, help="an MNIST model (default: train one)")
    parser.add_argument("--epochs", type=int, default=5, help="when training the model here")
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3, help="click sets per map (median)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "map_fidelity.json")
    args = parser.parse_args()

    from latentlab.config import ProjectionConfig
    from latentlab.data import load_dataset
    from latentlab.projection import MapFinished, decode_latents, encode_dataset, map_steps
    from latentlab.projection.fidelity import (
        INSIDE_PERCENTILE,
        MAJORITY,
        NEIGHBOURS,
        click_fidelity,
    )
    from latentlab.training import load_checkpoint
    from latentlab.training.classifier import (
        TrainedClassifier,
        load_or_train_classifier,
        predict_labels,
    )

    report: dict = {"machine": machine_info()}
    if skipped_without_mnist(report, args.data_root, args.out):
        return
    mnist = load_dataset("mnist", data_root=args.data_root, download=False)
    classifier = next(
        r for r in load_or_train_classifier(mnist) if isinstance(r, TrainedClassifier)
    )
    print(f"domain classifier: test accuracy {classifier.test_accuracy:.2%}")
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = args.checkpoint or train_mnist_checkpoint(
            Path(scratch), args.data_root, epochs=args.epochs
        )
        model = load_checkpoint(checkpoint).model.eval()
    cloud = encode_dataset(model, mnist.split("test"))

    maps = {}
    for method in ("pca", "tsne"):
        records = list(map_steps(cloud, ProjectionConfig(method=method)))
        maps[method] = next(r for r in records if isinstance(r, MapFinished)).data
    rows = []
    for map_name, inverse in (
        ("pca", "exact"),
        ("pca", "neighbours"),
        ("tsne", "neighbours"),
        ("tsne", "learned"),
    ):
        data = maps[map_name]
        scores, acceptance = [], []
        for seed in range(args.seeds):
            result = click_fidelity(
                data,
                cloud.labels,
                lambda latents: decode_latents(model, latents),
                lambda images: predict_labels(classifier.model, images),
                inverse,
                clicks=args.clicks,
                seed=seed,
            )
            assert result.method == inverse
            scores.append(result.fidelity)
            acceptance.append(result.share_inside)
        round_trip = data.quality.round_trip(inverse)
        rows.append(
            {
                "map": map_name,
                "inverse": inverse,
                "fidelity_median": statistics.median(scores),
                "fidelity_runs": scores,
                "clicks_per_run": args.clicks,
                "share_of_random_clicks_inside_regions": statistics.median(acceptance),
                "trustworthiness": data.quality.trustworthiness,
                "round_trip_median": None if round_trip is None else round_trip.median,
            }
        )
        print(
            f"{map_name:5} + {inverse:10}: fidelity {statistics.median(scores):.1%} "
            f"(runs {', '.join(f'{s:.1%}' for s in scores)}), trust "
            f"{data.quality.trustworthiness:.3f}, round trip "
            f"{'-' if round_trip is None else f'{round_trip.median:.2f}'}"
        )
    tsne = [r["fidelity_median"] for r in rows if r["map"] == "tsne"]
    report.update(
        {
            "points": len(cloud),
            "classifier_test_accuracy": classifier.test_accuracy,
            "definition": {
                "neighbours": NEIGHBOURS,
                "majority": MAJORITY,
                "inside_percentile": INSIDE_PERCENTILE,
            },
            "results": rows,
            "targets": [
                target(
                    "click fidelity, t-SNE (worst inverse)",
                    min(tsne),
                    TARGET,
                    higher_is_better=True,
                )
            ],
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
