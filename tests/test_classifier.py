"""The domain classifier: training, its on-disk cache and the inference helpers."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from latentlab.models import DomainClassifier
from latentlab.models.classifier import FEATURE_DIM
from latentlab.training.classifier import (
    CLASSIFIER_VERSION,
    METADATA_KEY,
    ClassifierError,
    ClassifierProgress,
    ClassifierStopped,
    TrainedClassifier,
    classifier_cache_dir,
    classifier_features,
    load_or_train_classifier,
    predict_labels,
    train_classifier,
)


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # Where other jobs share two cores, two torch threads wait on each other: training digits
    # took 30 s instead of 3 s in our measurements. The assertions hold with either count.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("classifiers")


@pytest.fixture(scope="module")
def digits_run(digits, cache_dir):
    """Every record of one default training run on digits, cached in ``cache_dir``."""
    return list(load_or_train_classifier(digits, cache_dir=cache_dir))


@pytest.fixture(scope="module")
def trained(digits_run) -> TrainedClassifier:
    return digits_run[-1]


def _last(records) -> TrainedClassifier:
    *_, last = records
    assert isinstance(last, TrainedClassifier)
    return last


def test_digits_classifier_is_accurate_and_cached(digits, trained):
    assert trained.test_accuracy >= 0.90
    assert not trained.from_cache
    assert trained.path is not None and trained.path.is_file()
    assert trained.class_names == digits.class_names
    assert trained.image_shape == (1, 16, 16)
    assert not trained.model.training


def test_training_reports_progress_before_the_result(digits_run):
    progress = digits_run[:-1]
    assert progress and all(isinstance(p, ClassifierProgress) for p in progress)
    steps = [p.step for p in progress]
    assert steps == sorted(steps) and steps[-1] == progress[-1].total_steps
    assert all(math.isfinite(p.loss) for p in progress)
    assert progress[-1].loss < progress[0].loss


def test_second_call_comes_from_cache_and_predicts_the_same(digits, cache_dir, trained):
    records = list(load_or_train_classifier(digits, cache_dir=cache_dir))
    assert len(records) == 1
    cached = records[0]
    assert cached.from_cache and cached.path == trained.path
    assert cached.test_accuracy == trained.test_accuracy
    sample = digits.images[:200]
    np.testing.assert_array_equal(
        predict_labels(cached.model, sample), predict_labels(trained.model, sample)
    )


@pytest.mark.parametrize("damage", ["garbage", "truncated", "stale version"])
def test_a_damaged_cache_file_is_trained_over(tiny_images, tmp_path, damage):
    first = _last(load_or_train_classifier(tiny_images, cache_dir=tmp_path, epochs=2))
    if damage == "stale version":
        with safe_open(str(first.path), framework="pt") as handle:
            weights = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
            metadata = json.loads(handle.metadata()[METADATA_KEY])
        metadata["version"] = CLASSIFIER_VERSION - 1
        save_file(weights, first.path, metadata={METADATA_KEY: json.dumps(metadata)})
    else:
        data = first.path.read_bytes()
        first.path.write_bytes(b"not a safetensors file" if damage == "garbage" else data[:100])

    again = _last(load_or_train_classifier(tiny_images, cache_dir=tmp_path, epochs=2))
    assert not again.from_cache and again.path == first.path
    assert _last(load_or_train_classifier(tiny_images, cache_dir=tmp_path, epochs=2)).from_cache
    assert [p.name for p in tmp_path.iterdir()] == [first.path.name]  # no temporary files left


def test_unlabelled_data_cannot_have_a_classifier(tiny_images, tmp_path):
    unlabelled = dataclasses.replace(tiny_images, labels=None, class_names=())
    with pytest.raises(ClassifierError, match="no labels"):
        next(train_classifier(unlabelled))
    with pytest.raises(ClassifierError, match="no labels"):
        next(load_or_train_classifier(unlabelled, cache_dir=tmp_path))


def test_features_are_finite_and_feature_dim_wide(digits, trained):
    features = classifier_features(trained.model, digits.images[:50])
    assert features.shape == (50, FEATURE_DIM) and features.dtype == np.float32
    assert np.isfinite(features).all()


def test_numpy_nhwc_and_torch_nchw_give_the_same_answers(digits, trained):
    nchw = digits.images[:64]
    nhwc = nchw.permute(0, 2, 3, 1).numpy()
    predicted = predict_labels(trained.model, nchw)
    assert predicted.dtype == np.int64 and predicted.shape == (64,)
    np.testing.assert_array_equal(predict_labels(trained.model, nhwc), predicted)
    np.testing.assert_allclose(
        classifier_features(trained.model, nhwc), classifier_features(trained.model, nchw)
    )


def test_images_of_another_shape_are_refused(trained):
    with pytest.raises(ValueError, match="shape"):
        predict_labels(trained.model, torch.zeros(2, 1, 28, 28, dtype=torch.uint8))


def test_should_stop_stops_training_and_caches_nothing(tiny_images, tmp_path):
    calls = []

    def should_stop() -> bool:
        calls.append(None)
        return len(calls) > 3

    with pytest.raises(ClassifierStopped):
        list(load_or_train_classifier(tiny_images, cache_dir=tmp_path, should_stop=should_stop))
    assert len(calls) == 4
    assert not list(tmp_path.iterdir())


def test_training_is_seeded_and_leaves_the_global_rng_alone(tiny_images):
    rng_before = torch.get_rng_state()
    first = _last(train_classifier(tiny_images, epochs=2, seed=3)).model.state_dict()
    second = _last(train_classifier(tiny_images, epochs=2, seed=3)).model.state_dict()
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_data_without_a_test_split_holds_some_out(tiny_images):
    no_split = dataclasses.replace(tiny_images, test_mask=torch.zeros(96, dtype=torch.bool))
    result = _last(train_classifier(no_split, epochs=1))
    assert 0.0 <= result.test_accuracy <= 1.0


@pytest.mark.parametrize("shape", [(1, 16, 16), (1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_model_shapes(shape):
    model = DomainClassifier(image_shape=shape, num_classes=7)
    x = torch.rand(2, *shape)
    assert model(x).shape == (2, 7)
    assert model.features(x).shape == (2, FEATURE_DIM)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LATENTLAB_CACHE_DIR", str(tmp_path))
    assert classifier_cache_dir() == tmp_path / "classifiers"
    monkeypatch.delenv("LATENTLAB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert classifier_cache_dir() == tmp_path / "xdg" / "latentlab" / "classifiers"


def test_an_unwritable_cache_is_no_error(tiny_images, tmp_path):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    result = _last(load_or_train_classifier(tiny_images, cache_dir=blocker, epochs=1))
    assert result.path is None and not result.from_cache
