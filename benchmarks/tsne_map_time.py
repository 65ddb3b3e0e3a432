"""How long a t-SNE map of 70,000 MNIST codes takes, against a full openTSNE fit of them.

Ours: ``latentlab.projection.map_steps`` with the default ProjectionConfig (t-SNE fitted on
10,000 random points, the other 60,000 placed into it with openTSNE's placement, streamed),
timed to MapReady (the map can be clicked) and to MapFinished (trustworthiness, round-trip
errors and the learned inverse are there too). Reference, in the same run: openTSNE's
``TSNE(n_jobs=cores).fit`` of all 70,000 codes, its recommended default. Both see the same
codes (an MNIST conv VAE, latent 16, encoded by the app's own ``encode_dataset``) and are
judged by the same trustworthiness (k = 10 on 2,000 random points).

Also measured: placing new latents on the finished map, at once (``to_map``: from nearest
data points) and refined (openTSNE placement), for 1 and 1,000 latents, against openTSNE's
own ``transform`` on the same embedding.

    python benchmarks/tsne_map_time.py [--runs 3] [--reference-runs 1] [--checkpoint CKPT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from _common import (
    DEFAULT_DATA_ROOT,
    RESULTS_DIR,
    machine_info,
    skipped_without_mnist,
    target,
    train_mnist_checkpoint,
)

TARGET_SECONDS = 60.0  # 70,000 MNIST latents mapped on 2 CPU cores (the issue)


def encode_all_mnist(checkpoint: Path, data_root: Path):
    from latentlab.data import load_dataset
    from latentlab.projection import encode_dataset
    from latentlab.training import load_checkpoint

    model = load_checkpoint(checkpoint).model.eval()
    mnist = load_dataset("mnist", data_root=data_root, download=False)
    started = time.perf_counter()
    cloud = encode_dataset(model, mnist)
    return cloud, time.perf_counter() - started


def time_ours(cloud) -> dict:
    from latentlab.config import ProjectionConfig
    from latentlab.projection import MapFinished, MapReady, ProjectionProgress, map_steps

    started = time.perf_counter()
    phases: dict[str, float] = {}
    phase, phase_started, frames = None, started, 0
    ready_at = None
    for record in map_steps(cloud, ProjectionConfig(method="tsne")):
        now = time.perf_counter()
        if isinstance(record, ProjectionProgress):
            if record.phase != phase:
                if phase is not None:
                    phases[phase] = now - phase_started
                phase, phase_started = record.phase, now
            frames += record.xy is not None
        elif isinstance(record, MapReady):
            phases[phase] = now - phase_started
            ready_at = now - started
        elif isinstance(record, MapFinished):
            finished_at = now - started
            data = record.data
    quality = data.quality
    return {
        "seconds_to_clickable_map": ready_at,
        "seconds_to_measured_map": finished_at,
        "phases_seconds": phases,
        "frames_streamed": frames,
        "trustworthiness": quality.trustworthiness,
        "round_trip": {
            r.method: {"median": r.median, "mean": r.mean, "p90": r.p90, "held_out": r.held_out}
            for r in quality.round_trips
        },
        "learned_inverse_seconds": data.learned_inverse.seconds,
        "learned_inverse_steps": data.learned_inverse.steps,
        "_data": data,
    }


def time_reference(cloud, cores: int) -> dict:
    from openTSNE import TSNE

    from latentlab.projection import map_trustworthiness

    started = time.perf_counter()
    embedding = TSNE(n_jobs=cores, random_state=0).fit(cloud.latents.astype("float64"))
    seconds = time.perf_counter() - started
    trust, _ = map_trustworthiness(cloud.latents, embedding)
    return {"seconds": seconds, "trustworthiness": trust, "_embedding": embedding}


def time_placement(data, reference_embedding, repeats: int = 5) -> dict:
    """Placing 1 and 1,000 new latents: ours at once, ours refined, openTSNE's transform."""
    import numpy as np

    rng = np.random.default_rng(0)
    results = {}
    for count in (1, 1000):
        rows = rng.choice(len(data.cloud), count, replace=False)
        latents = data.cloud.latents[rows] + rng.normal(scale=0.05, size=(count, 16))
        latents = latents.astype("float32")
        row = {}
        for name, place in (
            ("at_once_ms", lambda lat=latents: data.to_map(lat)),
            ("refined_ms", lambda lat=latents: data.refine_positions(lat)),
            (
                "opentsne_transform_ms",
                lambda lat=latents: reference_embedding.transform(lat.astype("float64")),
            ),
        ):
            runs = 1 if name == "opentsne_transform_ms" else repeats
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                place()
                times.append(1000 * (time.perf_counter() - began))
            row[name] = statistics.median(times)
        results[f"{count}_latents"] = row
    return results


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument("--checkpoint", type=Path, help="an MNIST model (default: train one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference-runs", type=int, default=1, help="each takes minutes")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "tsne_map_time.json")
    args = parser.parse_args()

    report: dict = {"machine": machine_info()}
    if skipped_without_mnist(report, args.data_root, args.out):
        return
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = args.checkpoint or train_mnist_checkpoint(
            Path(scratch), args.data_root, epochs=2
        )
        cloud, encode_seconds = encode_all_mnist(checkpoint, args.data_root)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{len(cloud):,} codes of dimension {cloud.latents.shape[1]}, {cores} cores")

    ours, reference = [], []
    for run in range(max(args.runs, args.reference_runs)):
        if run < args.runs:
            ours.append(time_ours(cloud))
            print(f"ours run {run + 1}: {ours[-1]['seconds_to_clickable_map']:.1f} s")
        if run < args.reference_runs:
            reference.append(time_reference(cloud, cores))
            print(f"openTSNE full fit run {run + 1}: {reference[-1]['seconds']:.1f} s")
    placement = time_placement(ours[-1]["_data"], reference[-1]["_embedding"])

    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    clickable = median(ours, "seconds_to_clickable_map") + encode_seconds
    report.update(
        {
            "points": len(cloud),
            "latent_dim": int(cloud.latents.shape[1]),
            "cores": cores,
            "encode_seconds": encode_seconds,
            "ours": [{k: v for k, v in row.items() if not k.startswith("_")} for row in ours],
            "reference_opentsne_full_fit": [
                {k: v for k, v in row.items() if not k.startswith("_")} for row in reference
            ],
            "median": {
                "ours_encode_plus_clickable_map_s": clickable,
                "ours_clickable_map_s": median(ours, "seconds_to_clickable_map"),
                "ours_measured_map_s": median(ours, "seconds_to_measured_map"),
                "reference_full_fit_s": median(reference, "seconds"),
                "ours_trustworthiness": median(ours, "trustworthiness"),
                "reference_trustworthiness": median(reference, "trustworthiness"),
            },
            "placement": placement,
            "targets": [target("70k MNIST latents mapped (encode + t-SNE), s", clickable, 60.0)],
        }
    )
    report["machine"]["load_average_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    m = report["median"]
    print(
        f"\nmedian of {len(ours)}: ours {m['ours_clickable_map_s']:.1f} s to a clickable map "
        f"(+{encode_seconds:.1f} s encoding), {m['ours_measured_map_s']:.1f} s with quality "
        f"and learned inverse; openTSNE full fit {m['reference_full_fit_s']:.1f} s\n"
        f"trustworthiness: ours {m['ours_trustworthiness']:.3f}, "
        f"full fit {m['reference_trustworthiness']:.3f}"
    )
    for name, row in placement.items():
        print(name, {k: round(v, 1) for k, v in row.items()})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
