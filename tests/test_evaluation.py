"""Model quality: IWAE and ELBO bounds, Fréchet distances, binarized training, `latentlab eval`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch.distributions import Bernoulli, Normal
from trained_models import train_digits_vae

from latentlab.cli import main
from latentlab.config import ModelConfig, TrainConfig
from latentlab.training import StepProgress, Trainer, TrainingControl, load_checkpoint
from latentlab.training.classifier import classifier_features, load_or_train_classifier
from latentlab.training.evaluation import (
    JSON_KEYS,
    Evaluation,
    EvaluationError,
    EvaluationPlan,
    EvaluationProgress,
    evaluate,
    frechet_distance,
    generated_vs_real_fd,
    importance_weighted_bound,
    iwae_chunking,
)
from latentlab.training.trainer import binarize_images


def run(steps) -> tuple[list[EvaluationProgress], Evaluation]:
    *records, result = steps
    assert isinstance(result, Evaluation)
    plans = [r for r in records if isinstance(r, EvaluationPlan)]
    assert len(plans) == (1 if result.iwae_k is not None else 0)  # VAEs say their k and images
    progress = [r for r in records if not isinstance(r, EvaluationPlan)]
    assert all(isinstance(p, EvaluationProgress) and 0 <= p.done <= p.total for p in progress)
    return progress, result


@pytest.fixture(scope="module")
def vae(digits):
    return train_digits_vae(digits, epochs=2).model


@pytest.fixture(scope="module")
def classifier(digits):
    *_, trained = load_or_train_classifier(digits)
    return trained


# -- likelihood bounds ------------------------------------------------------------------------


def test_iwae_is_below_the_negative_elbo_and_tightens_as_k_grows(vae, digits):
    results = {k: run(evaluate(vae, digits, k=k, fd_samples=0))[1] for k in (1, 10, 100)}
    nll = {k: r.nll_iwae for k, r in results.items()}
    # Each k's bound is estimated from its own samples, so compare averages over 359 images.
    assert nll[100] <= nll[10] <= nll[1]
    for k in (10, 100):
        assert nll[k] <= results[k].negative_elbo
        assert results[k].negative_elbo == pytest.approx(
            results[k].reconstruction + results[k].kl, rel=1e-9
        )
    # k = 1 is a single-sample estimate of −ELBO (a Monte Carlo KL instead of the closed form):
    # equal in expectation; the mean over 359 images lands within a fraction of a nat.
    assert nll[1] == pytest.approx(results[1].negative_elbo, rel=0.01)
    assert all(math.isfinite(v) for v in nll.values())


def test_the_bound_matches_torch_distributions(vae, digits):
    grey = digits.split("test").images[:6].float().div(255)
    x = binarize_images(grey, generator=torch.Generator().manual_seed(0))  # Bernoulli's support
    k = 32
    terms = importance_weighted_bound(vae, x, k, generator=torch.Generator().manual_seed(5))

    generator = torch.Generator().manual_seed(5)  # the same draws, written out independently
    with torch.no_grad():
        mean, log_var = vae.posterior(x)
        q = Normal(mean, torch.exp(0.5 * log_var))
        z = mean + q.scale * torch.randn(k, *mean.shape, generator=generator)
        logits = vae.decode_logits(z.reshape(-1, mean.shape[1])).reshape(k, len(x), -1)
        log_px = Bernoulli(logits=logits).log_prob(x.flatten(1)).sum(-1)
        log_w = log_px + Normal(0.0, 1.0).log_prob(z).sum(-1) - q.log_prob(z).sum(-1)
    expected = -(torch.logsumexp(log_w.double(), 0) - math.log(k))
    np.testing.assert_allclose(terms.nll, expected.numpy(), rtol=1e-4)
    np.testing.assert_allclose(terms.reconstruction, -log_px.double().mean(0).numpy(), rtol=1e-4)


def test_chunks_bound_memory_without_changing_the_estimate(vae, digits):
    assert iwae_chunking(5000, 784, 2**20) == (1, 1337)
    assert iwae_chunking(10, 256, 2**20) == (256, 10)
    x = digits.split("test").images[:40].float().div(255)
    whole = importance_weighted_bound(vae, x, 64, generator=torch.Generator().manual_seed(1))
    chunked = importance_weighted_bound(
        vae, x, 64, samples_per_chunk=5, generator=torch.Generator().manual_seed(1)
    )
    assert abs(whole.nll.mean() - chunked.nll.mean()) < 1.0  # other draws, same estimate


def test_each_image_gets_the_same_samples_however_the_work_is_split(vae, digits):
    _, full = run(evaluate(vae, digits, k=20, fd_samples=0))
    _, first = run(evaluate(vae, digits, k=20, fd_samples=0, max_images=30, max_decoder_floats=999))
    np.testing.assert_allclose(first.nll_iwae_per_image, full.nll_iwae_per_image[:30], rtol=1e-5)


def test_activity_and_reconstruction_errors(vae, digits):
    _, result = run(evaluate(vae, digits, k=2, fd_samples=0, max_images=100))
    assert result.posterior_mean_variance.shape == result.kl_per_dim.shape == (8,)
    assert 0 <= result.active_units <= 8
    assert result.kl_per_dim.sum() == pytest.approx(result.kl, rel=1e-9)
    assert result.mse_per_image.shape == (100,) and (result.mse_per_image >= 0).all()
    assert result.mse_histogram_counts.sum() == 100
    assert len(result.mse_histogram_edges) == len(result.mse_histogram_counts) + 1
    worst = result.mse_worst_indices(3)
    test_indices = set(digits.test_mask.nonzero().flatten().tolist())
    assert set(worst) <= test_indices
    assert result.note.startswith("grey images") and not result.comparable_to_papers


def test_eval_json_has_the_documented_keys(vae, digits, classifier):
    _, result = run(evaluate(vae, digits, k=3, fd_samples=50, classifier=classifier))
    data = json.loads(json.dumps(result.to_json()))
    assert tuple(data) == JSON_KEYS
    assert data["format"] == "latentlab-evaluation" and data["iwae_k"] == 3
    for key in ("negative_elbo", "nll_iwae", "frechet_distance", "fd_train_vs_test"):
        assert math.isfinite(data[key]), key
    assert data["fd_samples"] == 50 and data["n_images"] == data["n_test_images"] == 359


def test_a_gan_has_no_likelihood_but_a_frechet_distance(tiny_images):
    trainer = Trainer(ModelConfig(kind="dcgan", latent_dim=4), TrainConfig(epochs=1), tiny_images)
    with pytest.raises(EvaluationError, match="no approximate posterior"):
        run(evaluate(trainer.model, tiny_images, k=10))
    _, result = run(evaluate(trainer.model, tiny_images, fd_samples=16))
    assert result.nll_iwae is None and result.to_json()["active_units"] is None
    assert result.frechet_distance > 0 and result.fd_samples == 16


# -- Fréchet distance -------------------------------------------------------------------------


def test_frechet_distance_of_known_gaussians():
    features = np.random.default_rng(0).normal(size=(500, 12))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    shift = np.full(12, 0.5)  # same covariance, means 0.5·√12 apart: FD = ‖shift‖² = 3
    assert frechet_distance(features, features + shift) == pytest.approx(3.0, rel=1e-6)
    # Σ_b = 4Σ_a and μ_b = 2μ_a: FD = ‖μ_a‖² + tr Σ_a.
    expected = (features.mean(0) ** 2).sum() + np.trace(np.cov(features, rowvar=False))
    assert frechet_distance(features, 2 * features) == pytest.approx(expected, rel=1e-6)


def test_real_halves_are_closer_than_noise(digits, classifier):
    net = classifier.model
    test = digits.split("test").images
    first, second = classifier_features(net, test[:180]), classifier_features(net, test[180:])
    noise = torch.randint(
        0, 256, (180, *test.shape[1:]), generator=torch.Generator().manual_seed(0)
    )
    noise_features = classifier_features(net, noise.to(torch.uint8))
    real_vs_real = frechet_distance(first, second)
    assert frechet_distance(first, first) == pytest.approx(0.0, abs=1e-6 * real_vs_real + 1e-9)
    assert real_vs_real < frechet_distance(noise_features, second) / 5


def test_evaluate_and_generated_vs_real_fd_agree(vae, digits, classifier):
    _, result = run(evaluate(vae, digits, k=1, fd_samples=64, classifier=classifier, seed=3))
    test = digits.split("test").images
    direct = generated_vs_real_fd(vae, test, classifier, 64, seed=3)
    assert result.frechet_distance == pytest.approx(direct, rel=1e-9)


# -- binarization -----------------------------------------------------------------------------


def test_a_binarized_batch_is_binary_and_keeps_the_intensities(digits):
    grey = digits.images[:64].float().div(255)
    generator = torch.Generator().manual_seed(0)
    draws = torch.stack([binarize_images(grey, generator=generator) for _ in range(400)])
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    assert draws.mean().item() == pytest.approx(grey.mean().item(), abs=0.002)
    # Each pixel's mean of 400 draws within 6 standard errors of its intensity (seeded).
    standard_error = (grey * (1 - grey) / len(draws)).sqrt()
    assert ((draws.mean(0) - grey).abs() <= 6 * standard_error + 1e-6).all()


def test_binarized_training_sees_fresh_binary_batches(tiny_images):
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=2, batch_size=80, binarize=True),  # one batch: the same images twice
        tiny_images,
    )
    seen = []
    step = trainer.objective.step
    trainer.objective.step = lambda x, progress: seen.append(x.clone()) or step(x, progress)
    list(trainer.run())
    assert len(seen) == 2
    assert all(set(x.unique().tolist()) <= {0.0, 1.0} for x in seen)
    assert not torch.equal(seen[0].sum(0), seen[1].sum(0))  # dynamic: re-drawn every time


def test_binarized_training_resumes_exactly(tiny_images, tmp_path):
    model_config = ModelConfig(kind="vae", latent_dim=4)
    train_config = TrainConfig(epochs=2, batch_size=16, log_every=1, binarize=True)
    uninterrupted = Trainer(model_config, train_config, tiny_images)
    list(uninterrupted.run())

    control = TrainingControl()
    first_half = Trainer(model_config, train_config, tiny_images, control=control)
    for record in first_half.run():
        if isinstance(record, StepProgress) and record.step == 7:
            control.stop()
    checkpoint = load_checkpoint(first_half.save(tmp_path / "half.safetensors"))
    assert checkpoint.training.train_config.binarize
    resumed = Trainer(model_config, train_config, tiny_images, resume=checkpoint)
    list(resumed.run())
    for name, value in uninterrupted.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name]), name


def test_old_train_configs_without_binarize_still_load():
    saved = TrainConfig().to_dict()
    del saved["binarize"]
    assert TrainConfig.from_dict(saved).binarize is False


# -- the command line -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binarized_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "vae"
    assert main(["train", "--epochs", "1", "--binarize", "--out", str(out)]) == 0
    return out / "checkpoint.safetensors"


def test_eval_prints_a_table_and_json(binarized_checkpoint, capsys):
    capsys.readouterr()
    args = ["eval", str(binarized_checkpoint), "--k", "5", "--max-images", "60"]
    assert main([*args, "--fd-samples", "0"]) == 0
    table = capsys.readouterr().out
    for label in ("-ELBO", "NLL (IWAE)", "k = 5", "active units", "binarized once"):
        assert label in table, label
    assert "evaluated on 60 of the 359 test images" in table

    assert main([*args, "--fd-samples", "40", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert tuple(data) == JSON_KEYS
    assert data["binarized"] and data["n_images"] == 60 and data["fd_samples"] == 40

    assert main(["info", str(binarized_checkpoint)]) == 0
    assert "on dynamically binarized images" in capsys.readouterr().out


def test_eval_errors_are_messages(binarized_checkpoint, tmp_path, capsys):
    out = tmp_path / "gan"
    assert main(["train", "--model", "dcgan", "--epochs", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["eval", str(out / "checkpoint.safetensors"), "--k", "100"]) == 2
    assert "no IWAE likelihood bound" in capsys.readouterr().err
    missing = tmp_path / "gone.npz"
    assert main(["eval", str(binarized_checkpoint), "--dataset", str(missing)]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "nothing.safetensors")]) == 2
    assert "no such file" in capsys.readouterr().err
