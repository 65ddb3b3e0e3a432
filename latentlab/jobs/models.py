"""Opening a model to explore, as jobs for a worker thread, no Qt: a checkpoint (never runs
code from it) or a model trained elsewhere through an adapter, with the data to map it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OpenedModel:
    """A checkpoint opened for exploring, with its dataset when that could be loaded."""

    path: Path
    model: Any  # LatentModel
    dataset: Any | None  # ImageSet
    dataset_info: Any  # DatasetInfo
    warning: str | None  # e.g. the dataset could not be found
    from_adapter: bool = False  # a model trained elsewhere, opened through an adapter
    trained_binarized: bool = False  # trained on dynamically binarized images
    dataset_to_confirm: str | None = None  # files the checkpoint names as its data, not read


@dataclass(frozen=True)
class AdapterRequest:
    """What the "Open model with adapter" dialog asks for (see latentlab.models.adapters)."""

    adapter_path: str | None  # the user's Python adapter file; None for a TorchScript file
    weights_path: str  # state dict (.pt/.pth, loaded weights_only), .safetensors or TorchScript
    dataset_spec: str | None  # the data to map (None: samples from the prior)
    data_root: str | None = None
    latent_dim: int | None = None  # None: probed
    image_shape: tuple[int, int, int] | None = None  # (C, H, W); None: probed
    output: str | None = None  # 'unit', 'tanh' or 'logits'; None: the adapter's own choice


def open_model_job(
    path: str | Path, read_named_files: bool = False, dataset_spec: str | None = None
) -> OpenedModel:
    """Load a checkpoint (never runs code from it) and the data to map it on: the dataset
    the user picked (``dataset_spec``), else the one it was trained on if it is where the
    user keeps data. A named dataset is never downloaded, and a folder or .npz the checkpoint
    names is read only with ``read_named_files`` (the user said yes; else
    ``OpenedModel.dataset_to_confirm`` asks)."""
    from latentlab.training import load_checkpoint
    from latentlab.training.data_source import DatasetNeedsConsent, reopen_dataset

    checkpoint = load_checkpoint(path)
    dataset, warning, to_confirm = None, None, None
    try:
        dataset = reopen_dataset(
            checkpoint.dataset, spec=dataset_spec, read_named_files=read_named_files
        )
    except DatasetNeedsConsent as needed:
        to_confirm = needed.spec
    except Exception as error:  # the model still opens: the map then shows prior samples
        which = dataset_spec or checkpoint.dataset.name
        warning = (
            f"The dataset '{which}' could not be loaded ({error}); the map shows samples from "
            "the prior instead."
        )
    if dataset is not None and dataset.image_shape != checkpoint.image_shape:
        warning = f"The dataset's images {dataset.image_shape} do not fit the model; not shown."
        dataset = None
    return OpenedModel(
        path=Path(path),
        model=checkpoint.model,
        dataset=dataset,
        dataset_info=checkpoint.dataset,
        warning=warning,
        dataset_to_confirm=to_confirm,
        trained_binarized=bool(
            checkpoint.training.train_config and checkpoint.training.train_config.binarize
        ),
    )


def open_adapter_job(request: AdapterRequest) -> OpenedModel:
    """Build a model trained elsewhere through an adapter (this runs the adapter file, which
    the user agreed to) and load the dataset to map, sized to the model's images."""
    from latentlab.models import load_adapter
    from latentlab.training import DatasetInfo
    from latentlab.training.data_source import open_dataset

    model = load_adapter(
        Path(request.adapter_path) if request.adapter_path else None,
        Path(request.weights_path),
        latent_dim=request.latent_dim,
        image_shape=request.image_shape,
        output=request.output,
    )
    dataset, warning = None, None
    info = DatasetInfo(name="samples from the prior")
    if request.dataset_spec:
        channels, height, _ = model.image_shape
        try:
            dataset, info = open_dataset(
                request.dataset_spec,
                data_root=request.data_root,
                image_size=height,
                channels=channels,
            )
        except Exception as error:  # the model still opens: the map shows prior samples
            warning = (
                f"The dataset '{request.dataset_spec}' could not be loaded ({error}); the map "
                "shows samples from the prior instead."
            )
    return OpenedModel(
        path=Path(request.weights_path),
        model=model,
        dataset=dataset,
        dataset_info=info,
        warning=warning,
        from_adapter=True,
    )
