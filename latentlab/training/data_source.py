"""Opening a training dataset and remembering how, so a checkpoint can reopen it."""

from __future__ import annotations

from pathlib import Path

from latentlab.data import ImageSet, load_dataset
from latentlab.training.checkpoint import DatasetInfo


def open_dataset(
    spec: str,
    *,
    data_root: str | Path | None = None,
    image_size: int | None = None,
    channels: int | None = None,
) -> tuple[ImageSet, DatasetInfo]:
    """Load ``spec`` (see ``latentlab.data.load_dataset``) and describe it for checkpoints."""
    images = load_dataset(spec, data_root=data_root, image_size=image_size, channels=channels)
    info = DatasetInfo(
        name=images.name,
        class_names=images.class_names,
        spec=spec,
        data_root=str(data_root) if data_root is not None else None,
        image_size=image_size,
        channels=channels,
    )
    return images, info


def reopen_dataset(info: DatasetInfo) -> ImageSet:
    """The dataset a checkpoint was trained on, loaded the same way."""
    if not info.spec:
        raise ValueError(f"the checkpoint does not say how to reload its dataset {info.name!r}")
    images, _ = open_dataset(
        info.spec, data_root=info.data_root, image_size=info.image_size, channels=info.channels
    )
    return images
