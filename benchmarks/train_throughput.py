"""Training throughput (images/s) of LatentLab's Trainer against pytorch/examples' VAE loop.

Ours: ``Trainer`` on MNIST 28×28 (train split, 60,000 images) with the 784-400-20 MLP VAE, batch
128, plus the default conv VAE and the DCGAN (ours only). Reference, in the same run: the loop of
pytorch/examples ``vae/main.py`` as written there: torchvision MNIST + ToTensor, a DataLoader with
the example's kwargs, the same 784-400-20 VAE, sigmoid + BCE summed + KLD, Adam lr 1e-3,
``loss.item()`` every step. Both are timed the same way: a warm-up, then wall-clock time over a
fixed number of steps, with a device sync at both ends; runs alternate ours / reference so that
drift in machine load hits both. Reports medians of several repeats and the speed-up ours /
reference against the targets (3× on a CPU, 10× on a GPU).

    python benchmarks/train_throughput.py [--device cpu|cuda|all] [--steps 400] [--repeats 5]
    python benchmarks/train_throughput.py --quick   # smoke test: a few steps
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torch import nn
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from latentlab.config import ModelConfig, TrainConfig
from latentlab.data import ImageSet, load_dataset
from latentlab.presets import preset_for
from latentlab.training import StepProgress, Trainer, TrainingControl, TrainingFinished

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).parent / "results" / "train_throughput.json"
BATCH_SIZE = 128
TARGETS = {"cpu": 3.0, "cuda": 10.0}  # ours / reference images/s, from the issue
SYNTHETIC_TRAIN_SIZE = 60_000
DISTURBED = 0.10  # other processes' share of the CPUs above which a CPU run is measured again


# -- the reference: pytorch/examples vae/main.py, as written there --------------------------------


class ReferenceVAE(nn.Module):
    """The VAE of pytorch/examples ``vae/main.py`` (784-400-20), unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def reference_loss_function(recon_x, x, mu, logvar):
    """Reconstruction + KL divergence losses summed over all elements and batch (the example's)."""
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def reference_step(model: nn.Module, optimizer: torch.optim.Optimizer, data: torch.Tensor) -> float:
    """One step of pytorch/examples' ``train()``, in its order: the loss is read with
    ``.item()`` (a device sync) between ``backward()`` and ``optimizer.step()``."""
    optimizer.zero_grad()
    recon_batch, mu, logvar = model(data)
    loss = reference_loss_function(recon_batch, data, mu, logvar)
    loss.backward()
    value = loss.item()
    optimizer.step()
    return value


def reference_loader(dataset, device: torch.device) -> torch.utils.data.DataLoader:
    kwargs = {"num_workers": 1, "pin_memory": True} if device.type == "cuda" else {}
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, **kwargs)


class SyntheticPilMnist(torch.utils.data.Dataset):
    """Stand-in for torchvision's MNIST when the files are absent: the same per-item work
    (uint8 array -> PIL image -> ToTensor) on synthetic images."""

    def __init__(self, images: np.ndarray) -> None:
        self.images = images  # N×28×28 uint8
        self.transform = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        return self.transform(Image.fromarray(self.images[index])), 0  # uint8 2-D -> mode 'L'


# -- data ------------------------------------------------------------------------------------------


@dataclass
class BenchData:
    source: str  # "mnist" or "synthetic"
    note: str
    image_set: ImageSet  # what our Trainer trains on
    reference_dataset: torch.utils.data.Dataset  # what the reference DataLoader reads
    temporary_dir: Path | None


def synthetic_strokes(n: int, size: int = 28, seed: int = 0) -> torch.Tensor:
    """n uint8 images of size×size, each three random anti-aliased strokes ~3 px wide."""
    generator = torch.Generator().manual_seed(seed)
    ys, xs = torch.meshgrid(torch.arange(float(size)), torch.arange(float(size)), indexing="ij")
    pixels = torch.stack([xs.flatten(), ys.flatten()], 1)  # P×2
    out = torch.empty(n, size, size, dtype=torch.uint8)
    for start in range(0, n, 2000):
        m = min(2000, n - start)
        a = 4 + torch.rand(m, 3, 1, 2, generator=generator) * (size - 8)  # stroke starts
        b = 4 + torch.rand(m, 3, 1, 2, generator=generator) * (size - 8)  # stroke ends
        ab, ap = b - a, pixels - a  # m×3×1×2, m×3×P×2
        t = ((ap * ab).sum(-1) / (ab.pow(2).sum(-1) + 1e-6)).clamp(0, 1)  # m×3×P
        distance = (ap - t[..., None] * ab).norm(dim=-1)  # pixel to nearest point of the stroke
        ink = (2.0 - distance).clamp(0, 1).amax(1)  # m×P
        out[start : start + m] = (ink * 255).round().to(torch.uint8).view(m, size, size)
    return out


def prepare_data(data_root: Path) -> BenchData:
    raw = data_root / "MNIST" / "raw"
    if raw.is_dir():
        image_set = load_dataset("mnist", data_root=data_root, download=False)
        # torchvision extracts next to the .gz files: give it a copy, never the shared folder.
        temporary = Path(tempfile.mkdtemp(prefix="latentlab-bench-"))
        shutil.copytree(raw, temporary / "MNIST" / "raw")
        reference = datasets.MNIST(
            str(temporary), train=True, download=True, transform=transforms.ToTensor()
        )  # the files are there with the right md5: verified and extracted, no network
        return BenchData("mnist", f"MNIST from {data_root}", image_set, reference, temporary)
    images = synthetic_strokes(SYNTHETIC_TRAIN_SIZE)
    image_set = ImageSet(
        name="synthetic-mnist",
        images=images[:, None],  # N×1×28×28
        labels=None,
        class_names=(),
        test_mask=torch.zeros(len(images), dtype=torch.bool),
    )
    note = (
        f"MNIST not found at {raw}: SYNTHETIC MNIST-shaped data (60,000 random strokes, uint8); "
        "the reference reads it through PIL + ToTensor per item like torchvision's MNIST"
    )
    return BenchData("synthetic", note, image_set, SyntheticPilMnist(images.numpy()), None)


# -- measuring ---------------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _busy_cpu_seconds() -> float | None:
    """CPU seconds all processes have spent busy since boot (Linux), else None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def machine_busy_fraction(seconds: float = 0.5) -> float | None:
    before = _busy_cpu_seconds()
    time.sleep(seconds)
    after = _busy_cpu_seconds()
    if before is None or after is None:
        return None
    return (after - before) / (seconds * (os.cpu_count() or 1))


def wait_for_quiet_machine(max_wait: float, threshold: float = 0.15) -> dict:
    """Wait (up to max_wait s) until other processes use < threshold of the CPUs: the machine may
    be shared, and a busy neighbour distorts every figure."""
    start = time.perf_counter()
    busy = None
    while True:
        busy = machine_busy_fraction()
        if busy is None or busy < threshold or time.perf_counter() - start >= max_wait:
            break
    return {"waited_s": round(time.perf_counter() - start, 2), "busy_before": busy}


class Stopwatch:
    """Wall time, our CPU time and everyone else's CPU time between start() and stop()."""

    def start(self, device: torch.device) -> None:
        sync(device)
        self._t = time.perf_counter()
        self._own = time.process_time()
        self._busy = _busy_cpu_seconds()

    def stop(self, device: torch.device) -> dict:
        sync(device)
        wall = time.perf_counter() - self._t
        own = time.process_time() - self._own
        busy_now = _busy_cpu_seconds()
        cpus = os.cpu_count() or 1
        others = None
        if busy_now is not None and self._busy is not None:
            # Includes DataLoader worker processes (CUDA reference) along with other programs.
            others = max(0.0, (busy_now - self._busy - own) / (wall * cpus))
        return {
            "seconds": wall,
            "own_cpu_fraction": own / (wall * cpus),
            "others_cpu_fraction": others,
        }


def run_ours(
    image_set: ImageSet,
    model_config: ModelConfig,
    device: torch.device,
    warmup: int,
    steps: int,
    profiler=None,
) -> dict:
    """Steady-state images/s of our Trainer over ``steps`` steps after ``warmup`` steps.

    Timing starts and stops at progress records (every ``log_every`` steps, where the loop reads
    the losses from the device), so warmup and steps are rounded up to multiples of it.
    """
    config = TrainConfig(batch_size=BATCH_SIZE, epochs=1_000, device=device.type)
    warmup = -(-warmup // config.log_every) * config.log_every
    steps = -(-steps // config.log_every) * config.log_every
    control = TrainingControl()
    trainer = Trainer(model_config, config, image_set, control=control)
    watch, start_step, timing, reported = Stopwatch(), None, None, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for record in trainer.run():
            if isinstance(record, TrainingFinished) and record.status == "failed":
                raise RuntimeError(f"our training failed: {record.message}")
            if not isinstance(record, StepProgress) or timing is not None:
                continue
            if start_step is None and record.step >= warmup:
                watch.start(device)
                _start(profiler)
                start_step = record.step
            elif start_step is not None:
                reported.append(record.images_per_second)
                if record.step >= start_step + steps:
                    _stop(profiler)
                    timing = watch.stop(device)
                    timing["steps"] = record.step - start_step
                    control.stop()
    images = timing["steps"] * BATCH_SIZE
    compile_on = config.compile == "on" or (config.compile == "auto" and device.type == "cuda")
    fell_back = any("torch.compile failed" in str(w.message) for w in caught)
    return {
        **timing,
        "images": images,
        "images_per_second": images / timing["seconds"],
        "trainer_reported_images_per_second": statistics.median(reported),
        "torch_compile": compile_on and not fell_back,
        "torch_compile_fell_back": fell_back,
    }


def run_reference(dataset, device: torch.device, warmup: int, steps: int, profiler=None) -> dict:
    """Steady-state images/s of the pytorch/examples loop, timed like ``run_ours``: from the end
    of step ``warmup`` to the end of step ``warmup + steps`` (batch loading included)."""
    loader = reference_loader(dataset, device)
    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    train_loss, done, images, watch = 0.0, 0, 0, Stopwatch()
    while True:  # epochs, as many as the step count needs
        for data, _ in loader:
            data = data.to(device)
            train_loss += reference_step(model, optimizer, data)
            done += 1
            if done > warmup:
                images += len(data)
            if done == warmup:
                watch.start(device)
                _start(profiler)
            elif done == warmup + steps:
                _stop(profiler)
                timing = watch.stop(device)
                return {
                    **timing,
                    "steps": steps,
                    "images": images,
                    "images_per_second": images / timing["seconds"],
                }


# -- where the time goes -------------------------------------------------------------------------


def _start(profiler) -> None:
    if profiler is not None:
        profiler.start()


def _stop(profiler) -> None:
    if profiler is not None:
        profiler.stop()


def top_ops(data: BenchData, device: torch.device, warmup: int, steps: int, rows: int) -> dict:
    """torch.profiler over the timed steps of each side (mlp VAE): the ops taking the most time,
    in ms per step. The reference's batch loading shows up as the DataLoader's ``__next__``."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    mlp = ModelConfig(kind="vae", architecture="mlp", latent_dim=20, hidden_dim=400)
    sides = {
        "ours": lambda prof: run_ours(data.image_set, mlp, device, warmup, steps, prof),
        "reference": lambda prof: run_reference(
            data.reference_dataset, device, warmup, steps, prof
        ),
    }
    result = {}
    for side, run in sides.items():
        profiler = profile(activities=activities)
        timed = run(profiler)
        events = profiler.key_averages()
        per_step = 1e3 * timed["steps"]  # profiler times are in µs
        key = "self_device_time_total" if device.type == "cuda" else "self_cpu_time_total"
        events = sorted(events, key=lambda e: getattr(e, key), reverse=True)
        total = sum(getattr(e, key) for e in events)
        result[side] = {
            "time_kind": "device (GPU) self time" if device.type == "cuda" else "CPU self time",
            "ms_per_step_profiled": total / per_step,
            "wall_ms_per_step_while_profiled": 1e3 * timed["seconds"] / timed["steps"],
            "top": [
                {
                    "op": e.key,
                    "ms_per_step": getattr(e, key) / per_step,
                    "share": getattr(e, key) / total if total else 0.0,
                }
                for e in events[:rows]
            ],
        }
    return result


def _rate(fn: Callable[[], int], device: torch.device, warmup: int, steps: int) -> float:
    for _ in range(warmup):
        fn()
    sync(device)
    start, images = time.perf_counter(), 0
    for _ in range(steps):
        images += fn()
    sync(device)
    return images / (time.perf_counter() - start)


def breakdown(data: BenchData, device: torch.device, steps: int) -> dict:
    """The reference's DataLoader alone, the reference's step alone (one batch reused), and our
    batch preparation alone (index gather from the uint8 set + convert to float, as the Trainer
    does), in images/s."""
    loader = reference_loader(data.reference_dataset, device)

    def endless():
        while True:
            yield from loader

    batches = endless()
    loader_rate = _rate(lambda: len(next(batches)[0]), device, 5, steps)

    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    fixed = next(batches)[0].to(device)

    def step_on_fixed_batch() -> int:
        reference_step(model, optimizer, fixed)
        return len(fixed)

    compute_rate = _rate(step_on_fixed_batch, device, 20, steps)

    train = data.image_set.split("train").images.to(device)
    order = torch.randperm(len(train), device=device)
    position = [0]

    def our_batch() -> int:
        start = position[0] % (len(train) - BATCH_SIZE)
        position[0] += BATCH_SIZE
        index = order[start : start + BATCH_SIZE]
        return len(train.index_select(0, index).float().div_(255))

    prep_rate = _rate(our_batch, device, 20, steps)
    return {
        "reference_loader_only_images_per_second": loader_rate,
        "reference_step_only_images_per_second": compute_rate,
        "our_batch_preparation_only_images_per_second": prep_rate,
        # Seconds per image spent in each part of the reference, as a share of its whole step.
        "reference_loader_share_estimate": (1 / loader_rate) / (1 / loader_rate + 1 / compute_rate),
    }


# -- driver ------------------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def others_cpu(runs: list[dict]) -> float | None:
    """Median share of the CPUs other processes used during the runs (None off Linux)."""
    values = [r["others_cpu_fraction"] for r in runs if r["others_cpu_fraction"] is not None]
    return statistics.median(values) if values else None


def machine_info(devices: list[torch.device]) -> dict:
    cpu_name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu_name = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_name,
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "devices": {},
    }
    for device in devices:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name
        info["devices"][device.type] = name
    return info


def measure(run: Callable[[], dict], device: torch.device, args: argparse.Namespace) -> dict:
    """One run, after waiting for a quiet machine. On a CPU, a run that other processes disturbed
    (they took more than DISTURBED of the CPUs) is measured again, up to ``--retries`` times; the
    discarded runs stay in the JSON. (On CUDA the reference's DataLoader worker is one of the
    "other processes", so nothing is retried there.)"""
    discarded: list[dict] = []
    while True:
        quiet = wait_for_quiet_machine(args.wait_quiet) if args.wait_quiet > 0 else {}
        result = run() | quiet
        others = result["others_cpu_fraction"]
        result["disturbed"] = device.type == "cpu" and others is not None and others > DISTURBED
        if not result["disturbed"] or len(discarded) >= args.retries:
            result["discarded_disturbed_runs"] = discarded
            return result
        discarded.append(result)


def bench_device(
    device: torch.device, data: BenchData, args: argparse.Namespace, log: Callable[[str], None]
) -> dict:
    preset = preset_for("mnist")
    mlp = ModelConfig(kind="vae", architecture="mlp", latent_dim=20, hidden_dim=400)
    runs: dict[str, list[dict]] = {"ours": [], "reference": []}
    for repeat in range(args.repeats):
        for side in ("ours", "reference"):  # A B A B ...: drift affects both sides alike
            if side == "ours":
                result = measure(
                    lambda: run_ours(data.image_set, mlp, device, args.warmup, args.steps),
                    device,
                    args,
                )
            else:
                result = measure(
                    lambda: run_reference(data.reference_dataset, device, args.warmup, args.steps),
                    device,
                    args,
                )
            runs[side].append(result)
            log(
                f"  {device.type} mlp-vae {side:<9} repeat {repeat + 1}/{args.repeats}: "
                f"{result['images_per_second']:9,.0f} images/s"
            )
    ours = [r["images_per_second"] for r in runs["ours"]]
    reference = [r["images_per_second"] for r in runs["reference"]]
    ratio = statistics.median(ours) / statistics.median(reference)
    target = TARGETS.get(device.type, TARGETS["cuda"])
    result = {
        "mlp_vae": {
            "model": "vae, mlp 784-400-20 (ours: ModelConfig(kind='vae', architecture='mlp', "
            "latent_dim=20, hidden_dim=400))",
            "ours": summary(ours),
            "reference": summary(reference),
            "speedup": ratio,
            "speedup_of_paired_runs": summary(
                [o / r for o, r in zip(ours, reference, strict=True)]
            ),
            "target": target,
            "target_met": ratio >= target,
            "torch_compile": runs["ours"][0]["torch_compile"],
            "others_cpu_fraction_median": others_cpu(runs["ours"] + runs["reference"]),
            "disturbed_runs_kept": sum(r["disturbed"] for r in runs["ours"] + runs["reference"]),
            "runs": runs,
        },
        "ours_only": {},
    }
    others = {
        f"conv vae (latent {preset.latent_dim}, base {preset.base_channels})": ModelConfig(
            kind="vae", latent_dim=preset.latent_dim, base_channels=preset.base_channels
        ),
        f"dcgan (latent {preset.latent_dim}, base {preset.base_channels}, mnist preset)": (
            ModelConfig(
                kind="dcgan", latent_dim=preset.latent_dim, base_channels=preset.base_channels
            )
        ),
    }
    for name, config in others.items():
        other_runs = []
        for repeat in range(args.repeats):
            run = measure(
                lambda config=config: run_ours(
                    data.image_set, config, device, args.warmup, args.other_steps
                ),
                device,
                args,
            )
            other_runs.append(run)
            log(
                f"  {device.type} {name:<45} repeat {repeat + 1}/{args.repeats}: "
                f"{run['images_per_second']:9,.0f} images/s"
            )
        result["ours_only"][name] = {
            "model_config": config.to_dict(),
            "ours": summary([r["images_per_second"] for r in other_runs]),
            "torch_compile": other_runs[0]["torch_compile"],
            "others_cpu_fraction_median": others_cpu(other_runs),
            "disturbed_runs_kept": sum(r["disturbed"] for r in other_runs),
            "runs": other_runs,
        }
    if args.wait_quiet > 0:
        wait_for_quiet_machine(args.wait_quiet)
    result["breakdown"] = breakdown(data, device, args.steps)
    if args.profile:
        if args.wait_quiet > 0:
            wait_for_quiet_machine(args.wait_quiet)
        result["profile"] = top_ops(data, device, args.warmup, min(args.steps, 100), rows=8)
    return result


def print_table(results: dict) -> None:
    header = (
        f"{'device':<6} {'model':<48} {'ours images/s median [min-max]':>32} "
        f"{'reference images/s':>28} {'ours/ref':>8} {'target':>7} {'met':>4} {'others':>7}"
    )
    print(header)
    print("-" * len(header))
    for device, result in results.items():
        mlp = result["mlp_vae"]
        o, r = mlp["ours"], mlp["reference"]
        compiled = " +compile" if mlp["torch_compile"] else ""
        print(
            f"{device:<6} {'mlp vae 784-400-20' + compiled:<48} "
            f"{_cell(o):>32} {_cell(r):>28} {mlp['speedup']:>7.2f}× "
            f"{mlp['target']:>6.0f}× {'yes' if mlp['target_met'] else 'no':>4} "
            f"{_share(mlp['others_cpu_fraction_median']):>7}"
        )
        for name, other in result["ours_only"].items():
            compiled = " +compile" if other["torch_compile"] else ""
            print(
                f"{device:<6} {name + compiled:<48} {_cell(other['ours']):>32} {'—':>28} "
                f"{'':>8} {'':>7} {'':>4} {_share(other['others_cpu_fraction_median']):>7}"
            )
    print(
        "others: median share of the CPUs that other processes used during the timed runs; "
        "above ~5% the figures are disturbed (the machine is shared)."
    )
    disturbed = sum(
        row["disturbed_runs_kept"]
        for result in results.values()
        for row in [result["mlp_vae"], *result["ours_only"].values()]
    )
    if disturbed:
        print(
            f"{disturbed} run(s) stayed disturbed after {DISTURBED:.0%}-busy retries and are in "
            "the min/max (the medians are robust to a minority of them); see the JSON."
        )
    for device, result in results.items():
        parts = result["breakdown"]
        print(f"\n{device}: where the time goes (mlp VAE, batch {BATCH_SIZE})")
        print(
            f"  reference DataLoader alone (PIL + ToTensor per item):  "
            f"{parts['reference_loader_only_images_per_second']:>10,.0f} images/s"
        )
        print(
            f"  reference step alone (one batch reused):               "
            f"{parts['reference_step_only_images_per_second']:>10,.0f} images/s"
        )
        print(
            f"  -> loading is ~{parts['reference_loader_share_estimate']:.0%} of the reference's "
            "time per image"
        )
        print(
            f"  our batch preparation alone (gather + to float):       "
            f"{parts['our_batch_preparation_only_images_per_second']:>10,.0f} images/s"
        )
        for side, profiled in result.get("profile", {}).items():
            print(
                f"  {side}: profiled {profiled['ms_per_step_profiled']:.2f} ms/step of "
                f"{profiled['time_kind']}; top ops:"
            )
            for op in profiled["top"]:
                print(f"    {op['op'][:60]:<60} {op['ms_per_step']:7.3f} ms  {op['share']:5.1%}")


def _share(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"


def _cell(stats: dict) -> str:
    return f"{stats['median']:,.0f} [{stats['min']:,.0f}-{stats['max']:,.0f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all")
    parser.add_argument("--steps", type=int, default=400, help="timed steps, mlp vae")
    parser.add_argument("--other-steps", type=int, default=100, help="timed steps, conv models")
    parser.add_argument("--warmup", type=int, default=40, help="untimed steps before timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=20.0,
        help="before each run, wait up to this many seconds for other processes to leave the "
        "CPUs idle (0: don't wait)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times a CPU run disturbed by other processes is measured again",
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the torch.profiler pass that lists where each side's step time goes",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: few steps, 3 repeats")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.other_steps, args.warmup, args.repeats = 20, 20, 20, 3
        args.wait_quiet, args.profile, args.retries = 0.0, False, 0
    if args.repeats < 1 or args.steps < 1 or args.other_steps < 1 or args.warmup < 1:
        parser.error("--steps, --other-steps, --warmup and --repeats must be positive")

    devices = []
    if args.device in ("cpu", "all"):
        devices.append(torch.device("cpu"))
    if args.device in ("cuda", "all"):
        if torch.cuda.is_available():
            devices.append(torch.device("cuda"))
        elif args.device == "cuda":
            parser.error("--device cuda: PyTorch sees no CUDA GPU")

    data = prepare_data(args.data_root)
    print(f"data: {data.note}", flush=True)
    started = time.perf_counter()
    try:
        results = {}
        for device in devices:
            results[device.type] = bench_device(device, data, args, lambda s: print(s, flush=True))
    finally:
        if data.temporary_dir is not None:
            shutil.rmtree(data.temporary_dir, ignore_errors=True)

    print()
    print_table(results)
    if data.source == "synthetic":
        print(f"NOTE: {data.note}")
    report = {
        "benchmark": "train_throughput",
        "machine": machine_info(devices),
        "data": {"source": data.source, "note": data.note},
        "settings": {
            "batch_size": BATCH_SIZE,
            "steps": args.steps,
            "other_steps": args.other_steps,
            "warmup": args.warmup,
            "repeats": args.repeats,
            "wait_quiet_s": args.wait_quiet,
            "retries_of_disturbed_runs": args.retries,
            "disturbed_threshold": DISTURBED,
            "quick": args.quick,
            "ours": "latentlab Trainer, TrainConfig(batch_size=128) defaults otherwise "
            "(log_every=20, previews every 200 steps); timed between progress records",
            "reference": "pytorch/examples vae/main.py loop: torchvision MNIST + ToTensor, "
            "DataLoader(batch_size=128, shuffle=True, num_workers=1 + pin_memory on CUDA), "
            "sigmoid + binary_cross_entropy(sum) + KLD, Adam(lr=1e-3), loss.item() per step",
        },
        "results": results,
        "seconds_total": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out} ({report['seconds_total']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
