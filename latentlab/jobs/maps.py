"""Maps as jobs for a worker thread, no Qt: encode the data (or sample the prior), project,
stream the forming map; and place new latents on a map.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

MapPoints = Literal["test", "all"]
MAX_MAP_POINTS = 200_000
PRIOR_SAMPLES = 2_000  # points on the map of a model without an encoder
# A test split smaller than this (in all, or per class) makes a near-empty map with no class
# regions to click in: the map then shows every point, and says why.
MIN_TEST_POINTS, MIN_TEST_POINTS_PER_CLASS = 200, 10


@dataclass(frozen=True)
class CloudEncoded:
    """The latent codes the map will show, before they are projected, and how to place new
    latents on a map of image features (None for maps of latents)."""

    cloud: Any  # LatentCloud
    featurize: Any = None  # Featurize


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
    images, why_all = points_of(dataset, points)
    cloud = encode_dataset(model, images, max_points=MAX_MAP_POINTS)
    return cloud if why_all is None else dataclasses.replace(cloud, source=why_all)


def points_of(dataset: Any, points: MapPoints) -> tuple[Any, str | None]:
    """The images a map shows: the test split when asked for and big enough, else all; with
    why all are shown when the test split was asked for (None otherwise)."""
    test = dataset.test_mask
    if points != "test" or not bool(test.any()):
        return dataset, None
    count = int(test.sum())
    classes = len(dataset.class_names) if dataset.labels is not None else 1
    per_class = count / max(1, classes)
    if count >= MIN_TEST_POINTS and per_class >= MIN_TEST_POINTS_PER_CLASS:
        return dataset.split("test"), None
    few = f"{count} test images" + (f", {per_class:.0f} per class" if classes > 1 else "")
    return dataset, f"{dataset.name}, all points: its test split has only {few}"


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
