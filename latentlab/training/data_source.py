"""Opening a training dataset and remembering how, so a checkpoint can reopen it."""

from __future__ import annotations

from pathlib import Path

from latentlab.data import DatasetError, ImageSet, load_dataset
from latentlab.data.load import source_name
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


class DatasetNeedsConsent(DatasetError):
    """A checkpoint names files of its own (a folder or an .npz) as its data: they are read
    only once the user says so."""

    def __init__(self, spec: str, dataset_name: str) -> None:
        self.spec = spec
        super().__init__(
            f"the model was trained on {spec!r} ({dataset_name}); opening a checkpoint never "
            "reads files it names on its own: pass --dataset with that spec (or another) to "
            "use them"
        )


def reopen_dataset(
    info: DatasetInfo,
    *,
    spec: str | None = None,
    data_root: str | Path | None = None,
    read_named_files: bool = False,
) -> ImageSet:
    """The data a checkpoint's model is explored, evaluated or resumed on, opened passively.

    ``spec`` is what the user chose (``--dataset``, a dialog): it is loaded as asked, and a
    dataset it names may be downloaded into ``data_root``. Without it, ``info`` (what the file
    says it was trained on) is only a suggestion: a named dataset is looked for where the
    user keeps data (``data_root``, else the default root; never a folder the file names) and
    is never downloaded; a folder or .npz the file names is read only with
    ``read_named_files`` (the user said yes), else DatasetNeedsConsent. Either way the images
    are shaped as the model was trained (``info``'s size and channels).
    """
    shaping = {"image_size": info.image_size, "channels": info.channels}
    if spec is not None:
        return load_dataset(spec, data_root=data_root, **shaping)
    if not info.spec:
        raise DatasetError(
            f"the checkpoint does not say how to reload its dataset {info.name!r}; pass --dataset"
        )
    if source_name(info.spec) is None and not read_named_files:
        raise DatasetNeedsConsent(info.spec, info.name)
    return load_dataset(info.spec, data_root=data_root, download=False, **shaping)
