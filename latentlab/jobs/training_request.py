"""TrainingRequest: everything needed to start a run, as chosen in the "New training" dialog."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from latentlab.config import ConfigError, ModelConfig, TrainConfig
from latentlab.data.catalog import SOURCES, missing_files
from latentlab.data.sizes import training_size
from latentlab.data.torchvision_datasets import INSTALL_HINT
from latentlab.presets import preset_for
from latentlab.training_plan import plan_training

DEFAULT_DATASET = "mnist-small"  # the one-click run's: shipped, 28×28, no download
# What the trainer autosaves into a run folder (training.LAST_CHECKPOINT_NAME, kept here so
# this module stays free of torch).
CHECKPOINT_NAME = "checkpoint.safetensors"


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
    # GANs: judge samples after every epoch (Fréchet distance, class census) with the dataset's
    # domain classifier, trained first if it is not cached yet.
    watch_quality: bool = True


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


def default_request(dataset_spec: str = DEFAULT_DATASET) -> TrainingRequest:
    """The one-click run: a convolutional VAE on the shipped MNIST subset (or on
    ``dataset_spec``) with the dataset's preset, its epochs planned by steps when the
    dataset's size is known."""
    preset = preset_for(dataset_spec)
    size = training_size(dataset_spec)
    plan = plan_training(preset, "vae", size.train_images) if size is not None else None
    return TrainingRequest(
        dataset_spec=dataset_spec,
        data_root=None,
        image_size=None,
        channels=None,
        model_config=ModelConfig(
            kind="vae",
            architecture="conv",
            latent_dim=preset.latent_dim,
            base_channels=preset.base_channels,
        ),
        train_config=TrainConfig(
            epochs=plan.epochs if plan else preset.epochs,
            batch_size=plan.batch_size if plan else preset.batch_size,
        ),
        run_dir=str(default_run_dir(dataset_spec, "vae")),
    )


def request_to_json(request: TrainingRequest) -> str:
    """The request as JSON, for the dialog to remember between sessions (QSettings)."""
    return json.dumps(dataclasses.asdict(request))


def request_from_json(text: object) -> TrainingRequest | None:
    """A remembered request, or None when there is none or it no longer reads (settings of
    another version, edited by hand): the dialog then starts from the default."""
    if not isinstance(text, str) or not text:
        return None
    try:
        fields = json.loads(text)
        request = TrainingRequest(
            dataset_spec=str(fields["dataset_spec"]),
            data_root=_optional(fields["data_root"], str),
            image_size=_optional(fields["image_size"], int),
            channels=_optional(fields["channels"], int),
            model_config=ModelConfig.from_dict(fields["model_config"]),
            train_config=TrainConfig.from_dict(fields["train_config"]),
            run_dir=str(fields["run_dir"]),
            watch_quality=bool(fields.get("watch_quality", True)),
        )
    except (ValueError, KeyError, TypeError, ConfigError):
        return None
    return request


def _optional(value: object, kind: type) -> object:
    if value is None or isinstance(value, kind):
        return value
    raise TypeError(f"expected {kind.__name__} or null, got {type(value).__name__}")


# -- checks of what a user typed: each returns a sentence for the user, or None when fine ------


def absolute_path(text: str) -> Path:
    """A typed path with ``~`` and ``$VARS`` expanded, relative to the working folder."""
    path = Path(os.path.expandvars(text.strip())).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def parse_learning_rate(text: str) -> float | None:
    """Blank or "default" -> None (the model's default); otherwise a positive number, or
    ValueError with a message for the user."""
    text = text.strip()
    if not text or text.lower() == "default":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError("Learning rate must be a positive number such as 0.001 (blank: default).")
    return value


def image_folder_problem(text: str) -> str | None:
    if not text.strip():
        return "Choose a folder of images."
    path = absolute_path(text)
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "does not exist"
        return f"The image folder {text.strip()} {what}."
    return None


def npz_file_problem(text: str) -> str | None:
    if not text.strip():
        return "Choose an .npz file."
    path = absolute_path(text)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        return f"The npz file {text.strip()} {what}."
    return None


def data_root_problem(text: str) -> str | None:
    """Blank is fine (the default folder); a missing folder is created by the download."""
    path = absolute_path(text) if text.strip() else None
    if path is not None and path.exists() and not path.is_dir():
        return f"The data folder {text.strip()} is a file."
    return None


@dataclass(frozen=True)
class DownloadStatus:
    message: str
    blocking: bool  # True: training cannot get the data at all


def download_status(name: str, data_root: Path) -> DownloadStatus | None:
    """What the dialog says about a downloadable dataset in ``data_root``: None when its
    files are all there; else where to put them, and whether this install can download."""
    source = SOURCES[name]
    missing = missing_files(source, data_root)
    if not missing:
        return None
    folder = data_root / source.folder
    files = ", ".join(missing)
    if importlib.util.find_spec("torchvision") is None:
        return DownloadStatus(
            f"{source.title} is not in {folder}, and this install cannot download it "
            f"(torchvision is not installed). Put {files} there, or {INSTALL_HINT}.",
            blocking=True,
        )
    return DownloadStatus(
        f"{source.title} is not in {folder} yet: it is downloaded when training starts "
        f"(needs internet). Offline? Put {files} there.",
        blocking=False,
    )


def run_dir_problem(text: str) -> tuple[str, bool] | None:
    """(message, blocking): a file where the folder should be blocks; a folder that already
    holds a checkpoint is only a warning (training overwrites it)."""
    if not text.strip():
        return "Choose a run folder for the checkpoints.", True
    path = absolute_path(text)
    if path.exists() and not path.is_dir():
        return f"The run folder {text.strip()} is a file.", True
    if (path / CHECKPOINT_NAME).exists():
        return "The run folder already holds a checkpoint: training will overwrite it.", False
    return None
