"""TrainingRequest: everything needed to start a run, as chosen in the "New training" dialog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from latentlab.config import ModelConfig, TrainConfig
from latentlab.presets import preset_for

DEFAULT_DATASET = "digits"


@dataclass(frozen=True)
class TrainingRequest:
    """What to load (the arguments of ``load_dataset``), what to build, how to train, and
    where the run writes its checkpoints."""

    dataset_spec: str
    data_root: str | None
    image_size: int | None
    channels: int | None
    model_config: ModelConfig
    train_config: TrainConfig
    run_dir: str


def default_runs_root() -> Path:
    """Where run folders go unless the user picks another place: ``~/LatentLab/runs``."""
    return Path.home() / "LatentLab" / "runs"


def default_run_dir(
    dataset_spec: str,
    kind: str,
    *,
    root: str | Path | None = None,
    when: datetime | None = None,
) -> Path:
    """``ROOT/<dataset>-<model>-<YYYYmmdd-HHMMSS>``, like ``latentlab train``'s default; a
    folder or npz dataset is named after its folder or file."""
    prefix, colon, argument = dataset_spec.partition(":")
    path = Path(argument.strip()).expanduser()
    name = prefix
    if colon and argument.strip():
        name = path.stem if prefix.lower() == "npz" else path.name
    # Keep folder names portable whatever the user's folder or file was called.
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "data"
    stamp = f"{when or datetime.now():%Y%m%d-%H%M%S}"
    return Path(root or default_runs_root()) / f"{name.lower()}-{kind}-{stamp}"


def default_request() -> TrainingRequest:
    """The one-click run: a convolutional VAE on the built-in digits with their preset."""
    preset = preset_for(DEFAULT_DATASET)
    return TrainingRequest(
        dataset_spec=DEFAULT_DATASET,
        data_root=None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(
            kind="vae",
            architecture="conv",
            latent_dim=preset.latent_dim,
            base_channels=preset.base_channels,
        ),
        train_config=TrainConfig(epochs=preset.epochs, batch_size=preset.batch_size),
        run_dir=str(default_run_dir(DEFAULT_DATASET, "vae")),
    )
