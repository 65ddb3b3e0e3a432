"""The generator family side by side: sample quality, speed and conditional accuracy.

Trains, with the dataset's preset (MNIST: latent 16, base 32, batch 128), for ``--epochs``
from the same seed:

- a DCGAN per loss in ``latentlab.gan_losses`` (non-saturating, minimax, WGAN-GP, and any a
  plugin adds), and the style GAN (non-saturating);
- the conditional DCGAN (non-saturating) and the conditional VAE, and the plain VAE beside
  them.

After every epoch: what the training view shows, the Fréchet distance of 2,000 samples to
2,000 test images on the domain classifier's features (``GanQualityMonitor``; a conditional
model's samples are balanced over the classes), with the floor (training against test
images). Per model: the wall time of training and the median training images per second (the
real images seen per second; a WGAN-GP step makes 5 critic updates on one batch). For the
conditional models: *asked class = seen class*, the share of ``--per-class`` samples z ~ N(0, I)
of each class decoded as that class which the classifier puts in it (goal ≥ 95 %), and at a
0.5/0.5 mix of class c and the next, the share seen as one of the two; for the conditional VAE
also the codes of ``--per-class`` test images (their styles) decoded as every class, what the
Preview's "this style as every class" row shows. For the conditional
and the plain VAE: the class purity of PCA and t-SNE maps of the test codes (the share of each
point's 10 nearest map points with its label): a conditional model's z should leave the class
to the label, so lower is what is asked for. For the style GAN: of ``--pairs`` random (A, B)
and each crossover (the coarsest levels from A, the rest from B), the share of mixes the
classifier puts in A's class (goal ≥ 80 % with the coarse styles from A: the coarse levels
carry the class), and the share whose stroke thickness (2 · ink area / ink boundary, in
pixels) is nearer B's than A's (goal: more than half: the fine levels carry the stroke); the
mean ink (mean pixel value) too, which depends on the class as much as on the stroke. JSON
out.

    python benchmarks/gan_family.py [--epochs 5] [--data-root ../shared/data] [--out F]
        [--per-class 1000] [--pairs 1000] [--only KINDS] [--quick]

``--quick`` (the CI smoke test): the built-in digits, one epoch per model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
import traceback
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA_ROOT, REPO_ROOT, code_state, machine_info, mnist_missing_reason

SEED = 0
CONDITIONAL_GAN_LOSS = "non-saturating"


@dataclasses.dataclass(frozen=True)
class Contender:
    kind: str  # a model kind
    loss: str  # its GAN loss ("" for autoencoders)
    label: str


def contenders() -> list[Contender]:
    from latentlab.gan_losses import GAN_LOSSES
    from latentlab.model_kinds import MODEL_KINDS

    models = [Contender("dcgan", loss.name, f"DCGAN, {loss.label}") for loss in GAN_LOSSES]
    models.append(Contender("stylegan", CONDITIONAL_GAN_LOSS, MODEL_KINDS.get("stylegan").label))
    models.append(Contender("cdcgan", CONDITIONAL_GAN_LOSS, MODEL_KINDS.get("cdcgan").label))
    models += [Contender(kind, "", MODEL_KINDS.get(kind).label) for kind in ("cvae", "vae")]
    return models


def train_one(contender: Contender, dataset, epochs: int, monitor):
    """Trains one model; returns (its results, the trained model)."""
    import torch

    from latentlab.config import ModelConfig, TrainConfig
    from latentlab.presets import preset_for
    from latentlab.training import EpochFinished, StepProgress, Trainer

    preset = preset_for(dataset.name)
    torch.manual_seed(SEED)
    settings = {"gan_loss": contender.loss} if contender.loss else {}
    trainer = Trainer(
        ModelConfig(
            kind=contender.kind,
            latent_dim=preset.latent_dim,
            base_channels=preset.base_channels,
            **settings,
        ),
        TrainConfig(epochs=epochs, batch_size=preset.batch_size, seed=SEED),
        dataset,
    )
    per_epoch, rates, training_seconds = [], [], 0.0
    epoch_started = time.perf_counter()
    for record in trainer.run():
        if isinstance(record, StepProgress):
            rates.append(record.images_per_second)
        elif isinstance(record, EpochFinished):
            training_seconds += time.perf_counter() - epoch_started
            quality = monitor.measure(trainer.model.eval(), epoch=record.epoch, step=record.step)
            trainer.model.train()
            per_epoch.append(
                {
                    "epoch": record.epoch + 1,
                    "frechet_distance": round(quality.frechet_distance, 2),
                    "classes_in_use": round(quality.census.effective_classes, 2),
                    "losses": {k: round(v, 4) for k, v in record.losses.items()},
                }
            )
            epoch_started = time.perf_counter()
    rates.sort()
    distances = [e["frechet_distance"] for e in per_epoch]
    result = {
        "kind": contender.kind,
        "loss": contender.loss or None,
        "label": contender.label,
        "epochs": epochs,
        "per_epoch": per_epoch,
        "final_frechet_distance": distances[-1] if distances else None,
        "best_frechet_distance": min(distances) if distances else None,
        "training_seconds": round(training_seconds, 1),
        "images_per_second_median": round(rates[len(rates) // 2]) if rates else None,
    }
    return result, trainer.model.eval()


def asked_class(model, classifier, per_class: int) -> dict:
    """The share of samples of each class, decoded as it, that the classifier puts in it;
    and at a 0.5/0.5 mix of class c and c + 1, the share seen as one of the two."""
    import torch

    from latentlab.training.classifier import predict_labels

    generator = torch.Generator().manual_seed(SEED)
    count = model.n_classes
    pure, mixed = [], []
    for c in range(count):
        z = torch.randn(per_class, model.latent_dim, generator=generator)
        with torch.inference_mode():
            seen = predict_labels(classifier.model, _images(model, z, torch.full((per_class,), c)))
            label = torch.zeros(per_class, count)
            label[:, c] += 0.5
            label[:, (c + 1) % count] += 0.5
            seen_mixed = predict_labels(classifier.model, _images(model, z, label))
        pure.append(float(np.mean(seen == c)))
        mixed.append(float(np.mean((seen_mixed == c) | (seen_mixed == (c + 1) % count))))
    return {
        "per_class": per_class,
        "accuracy": round(float(np.mean(pure)), 4),
        "worst_class": round(min(pure), 4),
        "by_class": [round(a, 4) for a in pure],
        "half_and_half_seen_as_one_of_the_two": round(float(np.mean(mixed)), 4),
    }


def asked_class_of_data_styles(model, dataset, classifier, count: int) -> dict:
    """What the Preview's "this style as every class" row shows: the codes of ``count`` test
    images (their styles, told their own labels), each decoded as every class; the share the
    classifier puts in the asked class."""
    import torch

    from latentlab.training.classifier import predict_labels

    test = dataset.split("test")
    rows = torch.randperm(len(test), generator=torch.Generator().manual_seed(SEED))[:count]
    x = test.images[rows].float().div(255)
    with torch.inference_mode():
        z = model.encode(x, test.labels[rows])
        shares = []
        for c in range(model.n_classes):
            seen = predict_labels(classifier.model, _images(model, z, torch.full((len(z),), c)))
            shares.append(float(np.mean(seen == c)))
    return {
        "styles": len(z),
        "accuracy": round(float(np.mean(shares)), 4),
        "worst_class": round(min(shares), 4),
        "by_class": [round(a, 4) for a in shares],
    }


def _images(model, z, labels) -> np.ndarray:
    """z decoded as ``labels``: N×H×W×C uint8, as the classifier takes them."""
    return _uint8(model.decode(z, labels))


def _uint8(images) -> np.ndarray:
    import torch

    return images.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def stroke_thickness(images):
    """Per image (B×1×H×W in [0, 1]): 2 · ink area / ink boundary, at a 0.5 threshold. A
    stroke of width t and length L has area L·t and a boundary of about 2L, so this is about
    t in pixels, whatever the digit: unlike the mean ink, which a 1 has less of than an 8."""
    import torch.nn.functional as F

    ink = (images[:, :1] > 0.5).float()
    # a pixel of ink on the boundary has a neighbour (of its 8) without ink
    neighbours = F.max_pool2d(1 - ink, 3, stride=1, padding=1)  # any empty pixel near
    boundary = (ink * neighbours).flatten(1).sum(1)
    return 2 * ink.flatten(1).sum(1) / boundary.clamp(min=1)


def style_mixing(model, classifier, pairs: int) -> dict:
    """For ``pairs`` random (A, B) and each crossover k (the k coarsest levels from A, the
    rest from B): the share of mixes the classifier puts in A's class (and in B's), and
    whether the mix's ink (mean pixel value: how much stroke) is nearer B's than A's."""
    import torch

    from latentlab.latent.style_mixing import level_name
    from latentlab.training.classifier import predict_labels

    generator = torch.Generator().manual_seed(SEED)
    a = torch.randn(pairs, model.latent_dim, generator=generator)
    b = torch.randn(pairs, model.latent_dim, generator=generator)
    levels = model.style_levels
    with torch.inference_mode():
        image_a, image_b = model.decode(a), model.decode(b)
        class_a = predict_labels(classifier.model, _uint8(image_a))
        class_b = predict_labels(classifier.model, _uint8(image_b))
        ink_a, ink_b = image_a.mean((1, 2, 3)), image_b.mean((1, 2, 3))
        thick_a, thick_b = stroke_thickness(image_a), stroke_thickness(image_b)
        result = {
            "pairs": pairs,
            "levels": [level_name(s, i, len(levels)) for i, s in enumerate(levels)],
        }
        crossings = []
        for k in range(1, len(levels)):
            mix = model.mix(a, b, tuple(level >= k for level in range(len(levels))))
            seen = predict_labels(classifier.model, _uint8(mix))
            ink = mix.mean((1, 2, 3))
            nearer_b = ((ink - ink_b).abs() < (ink - ink_a).abs()).float().mean()
            thick = stroke_thickness(mix)
            thick_nearer_b = ((thick - thick_b).abs() < (thick - thick_a).abs()).float().mean()
            crossings.append(
                {
                    "from_a": result["levels"][:k],
                    "seen_as_a": round(float(np.mean(seen == class_a)), 4),
                    "seen_as_b": round(float(np.mean(seen == class_b)), 4),
                    "ink_nearer_b": round(float(nearer_b), 4),
                    "ink_error_to_a": round(float((ink - ink_a).abs().mean()), 4),
                    "ink_error_to_b": round(float((ink - ink_b).abs().mean()), 4),
                    "thickness_nearer_b": round(float(thick_nearer_b), 4),
                    "thickness_error_to_a": round(float((thick - thick_a).abs().mean()), 4),
                    "thickness_error_to_b": round(float((thick - thick_b).abs().mean()), 4),
                }
            )
        result["crossovers"] = crossings
    return result


def map_purity(model, dataset) -> dict:
    """Class purity of PCA and t-SNE maps of the test split's codes."""
    from latentlab.config import ProjectionConfig
    from latentlab.projection.class_purity import chance_purity, neighbour_class_purity
    from latentlab.projection.latent_cloud import encode_dataset
    from latentlab.projection.pipeline import build_map

    test = dataset.split("test")
    cloud = encode_dataset(model, test)
    result = {"points": len(cloud), "chance": round(chance_purity(cloud.labels), 4)}
    for method in ("pca", "tsne"):
        data = build_map(cloud, ProjectionConfig(method=method))
        result[method] = round(neighbour_class_purity(data.xy, cloud.labels), 4)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "benchmarks/results/gan_family.json"
    )
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=1000, help="style-mixing pairs")
    parser.add_argument(
        "--only",
        help="model kinds to measure again, comma-separated (e.g. stylegan); the other runs "
        "in --out are kept, each with the code state it was measured at",
    )
    parser.add_argument("--quick", action="store_true", help="digits, one epoch per model")
    args = parser.parse_args()

    from latentlab.data import load_dataset
    from latentlab.training.gan_monitor import prepare_quality_monitor

    report: dict = {
        "benchmark": "gan_family",
        "quick": args.quick,
        "machine": machine_info(),
        "code": code_state(),
        "errors": [],
        "runs": [],
    }
    only = set(args.only.split(",")) if args.only else None
    if only and args.out.is_file():
        previous = json.loads(args.out.read_text())
        kept = [run for run in previous.get("runs", []) if run["kind"] not in only]
        report["runs"] = [{"code": previous.get("code"), **run} for run in kept]
    missing = None if args.quick else mnist_missing_reason(args.data_root)
    epochs, per_class, pairs = args.epochs, args.per_class, args.pairs
    if args.quick or missing:
        dataset = load_dataset("digits")
        if args.quick:
            epochs, per_class, pairs = 1, 50, 100
        if missing:
            report["note"] = f"{missing}; measured on the built-in digits instead"
    else:
        dataset = load_dataset("mnist", data_root=args.data_root, download=False)
    report["dataset"] = {"name": dataset.name, "images": len(dataset)}

    monitor_job = prepare_quality_monitor(dataset)
    try:
        while True:
            next(monitor_job)
    except StopIteration as done:
        monitor = done.value
    if monitor is None:
        report["errors"].append("no domain classifier for this dataset: nothing to measure")
    else:
        report["floor_frechet_distance"] = round(monitor.reference_distance or 0.0, 2)
        for contender in contenders():
            if only and contender.kind not in only:
                continue
            try:
                run, model = train_one(contender, dataset, epochs, monitor)
                if model.conditional:
                    run["asked_class"] = asked_class(model, monitor.classifier, per_class)
                if model.conditional and model.has_encoder:
                    run["asked_class_of_data_styles"] = asked_class_of_data_styles(
                        model, dataset, monitor.classifier, per_class
                    )
                if hasattr(model, "mix"):
                    run["style_mixing"] = style_mixing(model, monitor.classifier, pairs)
                if model.has_encoder:
                    run["map_class_purity"] = map_purity(model, dataset)
            except Exception as error:  # reported, and the others still measured
                report["errors"].append(f"{contender.label}: {type(error).__name__}: {error}")
                traceback.print_exc()
                continue
            report["runs"].append({**run, "code": report["code"]})
            print(_line(run), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=_plain))
    print(f"wrote {args.out}")
    return 1 if report["errors"] else 0


def _line(run: dict) -> str:
    text = (
        f"{run['label']:28s} FD after {run['epochs']} epochs {run['final_frechet_distance']:>7} "
        f"(best {run['best_frechet_distance']}) · {run['training_seconds']:>6} s · "
        f"{run['images_per_second_median']} images/s"
    )
    if "asked_class" in run:
        asked = run["asked_class"]
        text += (
            f" · asked class seen {asked['accuracy']:.1%} (worst {asked['worst_class']:.1%}),"
            f" half/half seen as one of the two {asked['half_and_half_seen_as_one_of_the_two']:.1%}"
        )
    for crossing in run.get("style_mixing", {}).get("crossovers", []):
        text += (
            f" · {'+'.join(n.split(' ')[0] for n in crossing['from_a'])} from A: "
            f"A's class {crossing['seen_as_a']:.1%}, ink nearer B {crossing['ink_nearer_b']:.1%},"
            f" thickness nearer B {crossing['thickness_nearer_b']:.1%}"
        )
    if "asked_class_of_data_styles" in run:
        styles = run["asked_class_of_data_styles"]
        text += f" · test images' styles as every class: {styles['accuracy']:.1%}"
    if "map_class_purity" in run:
        purity = run["map_class_purity"]
        text += (
            f" · map class purity PCA {purity['pca']:.2f}, t-SNE {purity['tsne']:.2f}"
            f" (chance {purity['chance']:.2f})"
        )
    return text


def _plain(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
