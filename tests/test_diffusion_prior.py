"""The latent diffusion prior (no Qt): training, DDIM sampling and inversion, guidance, the
noise-space path, and its file."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from generator_jobs import run_to_end
from safetensors import safe_open
from safetensors.torch import save_file

from latentlab.latent.diffusion_sampling import (
    SampleRequest,
    draw_samples,
    noise_path,
    round_trip_error,
)
from latentlab.models.diffusion import DiffusionPriorConfig
from latentlab.training.checkpoint_schema import CheckpointError
from latentlab.training.prior_file import PriorFile, PriorLink, load_prior, mismatch, save_prior
from latentlab.training.prior_training import PriorStep, PriorTrainConfig, PriorTrainer

CENTRES = np.array([[-3.0, 1.0, 0.5], [3.0, -1.0, 2.0]])  # two classes of 3-number codes


def toy_codes(n: int = 600, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    codes = CENTRES[labels] + 0.3 * rng.standard_normal((n, 3))
    return torch.tensor(codes, dtype=torch.float32), torch.tensor(labels)


@pytest.fixture(scope="module")
def trained() -> PriorTrainer:
    codes, labels = toy_codes()
    config = DiffusionPriorConfig(latent_dim=3, hidden_dim=64, blocks=2, num_classes=2)
    trainer = PriorTrainer(codes, labels, config, PriorTrainConfig(steps=600, batch_size=256))
    trainer.records = list(trainer.run())
    return trainer


def test_the_loss_falls_on_a_toy_latent_set(trained):
    steps = [r for r in trained.records if isinstance(r, PriorStep)]
    assert steps[-1].step == 600
    assert steps[-1].loss < 0.6 * steps[0].loss


def test_ddim_with_the_same_noise_is_deterministic(trained):
    prior = trained.ema
    noise = prior.noise(8, generator=torch.Generator().manual_seed(3))
    first, second = prior.sample(noise, 30).latents, prior.sample(noise.clone(), 30).latents
    assert torch.equal(first, second)
    stochastic = [
        prior.sample(noise, 30, eta=1.0, generator=torch.Generator().manual_seed(s)).latents
        for s in (1, 2)
    ]
    assert not torch.allclose(*stochastic)


def test_samples_land_where_the_codes_are(trained):
    latents = draw_samples(trained.ema, SampleRequest(count=200, steps=50)).latents
    nearest = np.min(np.linalg.norm(latents[:, None] - CENTRES[None], axis=2), axis=1)
    assert np.median(nearest) < 1.0  # the codes' spread is 0.3 per number around a centre
    gaussian = np.random.default_rng(0).standard_normal((200, 3))  # N(0, I) misses them
    assert np.median(np.min(np.linalg.norm(gaussian[:, None] - CENTRES[None], axis=2), 1)) > 2


def test_inversion_then_sampling_comes_back(trained):
    codes, _ = toy_codes(50, seed=1)
    assert round_trip_error(trained.ema, codes.double().numpy(), steps=50) < 0.15


def test_the_trajectory_has_a_point_per_step_and_ends_at_the_sample(trained):
    drawn = draw_samples(trained.ema, SampleRequest(count=5, steps=20, seed=4))
    assert drawn.trajectories.shape == (21, 5, 3)
    assert drawn.steps == 20
    np.testing.assert_array_equal(drawn.trajectories[-1], drawn.latents)
    start = trained.ema.unstandardise(trained.ema.noise(5, torch.Generator().manual_seed(4)))
    np.testing.assert_allclose(drawn.trajectories[0], start.double().numpy(), atol=1e-5)


def test_guidance_moves_the_class_histogram_towards_the_asked_class(trained):
    def share_of_class_1(guidance: float) -> float:
        request = SampleRequest(count=300, steps=30, class_index=1, guidance=guidance, seed=9)
        latents = draw_samples(trained.ema, request).latents
        nearest = np.argmin(np.linalg.norm(latents[:, None] - CENTRES[None], axis=2), axis=1)
        return float(np.mean(nearest == 1))

    unguided, guided = share_of_class_1(0.0), share_of_class_1(3.0)
    assert 0.25 < unguided < 0.75  # no class: both, as the data has them
    assert guided > 0.95


def test_a_noise_path_starts_and_ends_near_its_keypoints(trained):
    keypoints = np.stack([CENTRES[0], CENTRES[1]])
    path = noise_path(trained.ema, keypoints, per_segment=16)
    assert path.shape == (17, 3)
    assert np.linalg.norm(path[0] - keypoints[0]) < 0.5
    assert np.linalg.norm(path[-1] - keypoints[1]) < 0.5


def test_a_training_run_stopped_and_resumed_ends_where_an_unbroken_one_does():
    codes, labels = toy_codes()
    config = DiffusionPriorConfig(latent_dim=3, hidden_dim=32, blocks=1, num_classes=2)
    train = PriorTrainConfig(steps=40, batch_size=64, report_every=5)
    whole = PriorTrainer(codes, labels, config, train)
    list(whole.run())
    stop = {"now": False}
    broken = PriorTrainer(codes, labels, config, train, should_stop=lambda: stop["now"])
    for record in broken.run():
        if isinstance(record, PriorStep) and record.step == 15:
            stop["now"] = True
    assert broken.step == 15
    resumed = PriorTrainer(
        codes, labels, config, train, resume_from=(broken.ema, broken.resume_state())
    )
    list(resumed.run())
    assert resumed.step == 40
    for a, b in zip(
        whole.ema.state_dict().values(), resumed.ema.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b)


def prior_file_of(trainer: PriorTrainer, sha: str = "ab" * 32) -> PriorFile:
    return PriorFile(
        prior=trainer.ema,
        link=PriorLink(sha, "vae", 3, "toy", ("a", "b")),
        train_config=trainer.train_config,
        step=trainer.step,
        loss=trainer.loss,
        elapsed_seconds=trainer.elapsed_seconds,
        codes=len(trainer.latents),
        resume=trainer.resume_state(),
    )


def test_a_prior_file_reopens_the_same_prior_and_its_resume_state(trained, tmp_path):
    path = save_prior(tmp_path / "toy.prior.safetensors", prior_file_of(trained))
    opened = load_prior(path)
    assert opened.link.class_names == ("a", "b") and opened.step == 600 and opened.finished
    noise = trained.ema.noise(4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        opened.prior.sample(noise, 10).latents, trained.ema.sample(noise, 10).latents
    )
    assert opened.resume is not None and opened.resume.step == 600
    assert "conditional diffusion prior, 600 steps" in opened.describe()


def test_files_that_are_not_priors_are_refused_with_a_reason(trained, tmp_path):
    path = save_prior(tmp_path / "toy.prior.safetensors", prior_file_of(trained))
    blob = bytearray(path.read_bytes())
    truncated = tmp_path / "truncated.prior.safetensors"
    truncated.write_bytes(bytes(blob[:-100]))
    with pytest.raises(CheckpointError, match="truncated"):
        load_prior(truncated)
    pickle = tmp_path / "model.pt"
    pickle.write_bytes(b"\x80\x04" + bytes(200))
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_prior(pickle)
    bigger = tmp_path / "lies.prior.safetensors"  # metadata claiming a far larger network
    with safe_open(str(path), "pt") as opened:
        metadata = json.loads(opened.metadata()["latentlab"])
        tensors = {name: opened.get_tensor(name) for name in opened.keys()}  # noqa: SIM118
    metadata["prior"]["hidden_dim"] = 4096
    save_file(tensors, str(bigger), metadata={"latentlab": json.dumps(metadata)})
    with pytest.raises(CheckpointError, match="do not fit"):
        load_prior(bigger)


def test_a_prior_is_refused_for_a_model_whose_codes_it_did_not_learn(trained):
    from latentlab.config import ModelConfig
    from latentlab.models import build_model
    from latentlab.models.weights_hash import weights_sha256

    model = build_model(ModelConfig(kind="vae", latent_dim=3, architecture="mlp"), (1, 8, 8))
    assert "codes of another model" in mismatch(prior_file_of(trained), model)
    assert mismatch(prior_file_of(trained, sha=weights_sha256(model)), model) is None
    other_size = build_model(ModelConfig(kind="vae", latent_dim=4, architecture="mlp"), (1, 8, 8))
    assert "latent size is 4" in mismatch(prior_file_of(trained), other_size)


def test_the_job_trains_a_prior_on_a_models_codes_and_saves_it(tmp_path):
    from latentlab.config import ModelConfig
    from latentlab.data import load_dataset
    from latentlab.jobs.priors import CodesProgress, PriorRequest, train_prior_job
    from latentlab.models import build_model
    from latentlab.training.control import TrainingControl

    digits = load_dataset("digits")
    config = ModelConfig(kind="vae", latent_dim=4, architecture="mlp")
    model = build_model(config, digits.image_shape)
    request = PriorRequest(
        PriorTrainConfig(steps=20, batch_size=64),
        hidden_dim=32,
        blocks=1,
        save_path=str(tmp_path / "d.prior.safetensors"),
    )
    records, prior_file = run_to_end(
        train_prior_job(model.eval(), digits, request, TrainingControl())
    )
    assert isinstance(records[0], CodesProgress) and records[0].total == len(digits.split("train"))
    assert prior_file.prior.config.num_classes == 10 and prior_file.step == 20
    assert mismatch(load_prior(tmp_path / "d.prior.safetensors"), model) is None
