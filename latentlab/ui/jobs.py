"""Long jobs the app runs on worker threads: plain functions and generators, no Qt.

The app runs them with superqt's workers; records come back to the GUI thread through queued
signals. Models handed to the GUI are copies in eval mode on the CPU, used read-only, so
exploring never touches the weights that training is updating.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from latentlab.ui.training_request import TrainingRequest

MapPoints = Literal["test", "all"]
MAX_MAP_POINTS = 200_000
PRIOR_SAMPLES = 2_000  # points on the map of a model without an encoder


@dataclass(frozen=True)
class RunStarted:
    """The dataset is loaded and the model built: what the training view needs to set up."""

    kind: str
    loss_names: tuple[str, ...]
    epochs: int
    total_steps: int
    run_dir: str
    device: str
    dataset: Any  # ImageSet
    dataset_info: Any  # DatasetInfo
    trainer: Any  # Trainer: only to save from the GUI thread once the run has ended


@dataclass(frozen=True)
class ModelSnapshot:
    """A read-only CPU copy of the weights at an epoch end, for the map and the previews."""

    model: Any  # LatentModel
    epoch: int
    final: bool = False


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


def training_job(request: TrainingRequest, control: Any) -> Iterator[object]:
    """Load the data, build the trainer, train; yields RunStarted, the trainer's records, and
    a ModelSnapshot after every epoch and at the end. A GAN run also yields the domain
    classifier's progress (when it is not cached yet), GanWarning records, and a
    GanEpochQuality after every epoch (labelled data only)."""
    from latentlab.training import (
        EpochFinished,
        GanRunWatch,
        Trainer,
        TrainingFinished,
        describe_device,
        prepare_quality_monitor,
    )
    from latentlab.training.data_source import open_dataset

    dataset, info = open_dataset(
        request.dataset_spec,
        data_root=request.data_root,
        image_size=request.image_size,
        channels=request.channels,
    )
    trainer = Trainer(
        request.model_config,
        request.train_config,
        dataset,
        dataset_info=info,
        run_dir=request.run_dir,
        control=control,
    )
    yield RunStarted(
        kind=request.model_config.kind,
        loss_names=trainer.objective.loss_names,
        epochs=request.train_config.epochs,
        total_steps=trainer.total_steps,
        run_dir=request.run_dir,
        device=describe_device(trainer.device),
        dataset=dataset,
        dataset_info=info,
        trainer=trainer,
    )
    watch = None
    if request.model_config.kind == "dcgan":
        monitor = None
        if request.watch_quality:
            monitor = yield from prepare_quality_monitor(
                dataset, should_stop=lambda: control.stop_requested
            )
        watch = GanRunWatch(lambda: trainer.model, monitor, request.model_config.gan_loss)
    for record in trainer.run():
        yield record
        if watch is not None:
            yield from watch.observe(record)
        if isinstance(record, EpochFinished):
            yield ModelSnapshot(snapshot_model(trainer), epoch=record.epoch)
        elif isinstance(record, TrainingFinished):
            yield ModelSnapshot(snapshot_model(trainer), epoch=trainer.epoch, final=True)


def snapshot_model(trainer: Any) -> Any:
    """A CPU copy of the trainer's model in eval mode."""
    from latentlab.models import build_model

    model = build_model(trainer.model_config, trainer.dataset.image_shape)
    model.load_state_dict(trainer.weights_snapshot())
    return model.eval()


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


@dataclass(frozen=True)
class CloudEncoded:
    """The latent codes the map will show, before they are projected, and how to place new
    latents on a map of image features (None for maps of latents)."""

    cloud: Any  # LatentCloud
    featurize: Any = None  # Featurize


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


def map_job(
    model: Any,
    dataset: Any | None,
    points: MapPoints = "test",
    config: Any = None,
    previous: Any = None,
    cloud: Any = None,
    classifier: Any = None,
    samples: int = PRIOR_SAMPLES,
) -> Iterator[object]:
    """Encode the dataset (the test split, or everything; skipped when ``cloud`` is given) and
    project it, streaming progress. Yields CloudEncoded, then the records of
    ``latentlab.projection.map_steps`` (ProjectionProgress, MapReady, ..., MapFinished).

    Models without an encoder, or without a dataset, get a map of ``samples`` prior samples.
    With the domain ``classifier`` (a TrainedClassifier), every point gets its image's
    features, and prior samples get the class the classifier sees in them as their label.
    ``previous`` is the map on screen: the new one is aligned with it.
    """
    from latentlab.config import ProjectionConfig
    from latentlab.projection import ProjectionProgress, map_steps

    config = config or ProjectionConfig()
    if config.space == "features" and not _classifier_fits(classifier, model):
        raise ValueError(
            "A map of image features needs the domain classifier of a labelled dataset with "
            "images of the model's size. Use a map of latents for this model."
        )
    if cloud is None:
        yield ProjectionProgress("Encoding", 0, 1, None)
        cloud = encode_for_map(model, dataset, points, samples)
        if (
            previous is not None
            and not cloud.from_prior  # generated images change with the weights
            and np.array_equal(previous.cloud.indices, cloud.indices)
        ):
            # The same images as the last map: share them rather than hold one copy per epoch.
            cloud = dataclasses.replace(cloud, images=previous.cloud.images)
        cloud = with_discriminator_scores(cloud, model)
    # Prior samples always get the classifier's view (their colours); dataset images only
    # for maps of image features.
    if (config.space == "features" or cloud.from_prior) and cloud.features is None:
        cloud = with_classifier_view(cloud, model, classifier)
    featurize = image_featurizer(model, classifier) if config.space == "features" else None
    yield CloudEncoded(cloud, featurize)
    yield from map_steps(cloud, config, previous, featurize=featurize)


def encode_for_map(
    model: Any, dataset: Any | None, points: MapPoints = "test", samples: int = PRIOR_SAMPLES
) -> Any:
    """The LatentCloud a map shows: the dataset's codes, or prior samples without an encoder."""
    from latentlab.projection import encode_dataset, sample_prior

    if dataset is None or not model.has_encoder:
        return sample_prior(model, samples)
    images = dataset
    if points == "test" and bool(dataset.test_mask.any()):
        images = dataset.split("test")
    return encode_dataset(model, images, max_points=MAX_MAP_POINTS)


def with_classifier_view(cloud: Any, model: Any, classifier: Any) -> Any:
    """The cloud with the domain classifier's features of its images and, for prior samples
    (which have no labels), the classes it sees in them as labels."""
    if not _classifier_fits(classifier, model):
        return cloud
    from latentlab.training.classifier import classify_with_features

    features, predicted = classify_with_features(classifier.model, cloud.images)
    if cloud.labels is not None:
        return dataclasses.replace(cloud, features=features)
    return dataclasses.replace(
        cloud,
        features=features,
        labels=predicted,
        class_names=classifier.class_names,
        labels_predicted=True,
    )


def with_discriminator_scores(cloud: Any, model: Any) -> Any:
    """The cloud with a GAN discriminator's D(x) of each image (other models: as it is)."""
    if not hasattr(model, "realness"):
        return cloud
    import torch

    nchw = torch.from_numpy(np.ascontiguousarray(cloud.images)).permute(0, 3, 1, 2)
    scores = [
        model.realness(chunk.to(model.device).float().div_(255)).float().cpu()
        for chunk in nchw.split(1024)
    ]
    return dataclasses.replace(cloud, discriminator_scores=torch.cat(scores).numpy())


def image_featurizer(model: Any, classifier: Any):
    """N×D latents -> N×F classifier features of the images they decode to."""
    from latentlab.projection import decode_latents
    from latentlab.training.classifier import classifier_features

    def featurize(latents: np.ndarray) -> np.ndarray:
        return classifier_features(classifier.model, decode_latents(model, latents))

    return featurize


def _classifier_fits(classifier: Any, model: Any) -> bool:
    return classifier is not None and tuple(classifier.image_shape) == tuple(model.image_shape)


def placement_job(data: Any, latents: Any) -> Any:
    """Where ``latents`` belong on the map ``data``, by the projection's own placement."""
    return data.refine_positions(latents)
