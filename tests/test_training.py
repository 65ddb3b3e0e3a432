"""The training loop: learning, records, controls, failures, reproducibility, exact resume."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from latentlab.config import ModelConfig, TrainConfig
from latentlab.training import (
    EpochFinished,
    PreviewGrids,
    StepProgress,
    Trainer,
    TrainingControl,
    TrainingFinished,
    load_checkpoint,
)


def run_all(trainer: Trainer) -> list:
    return list(trainer.run())


def weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}


def test_a_short_run_lowers_the_vae_loss_on_digits(digits):
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=8),
        TrainConfig(epochs=3, batch_size=32, log_every=10),
        digits,
    )
    records = run_all(trainer)
    steps = [r for r in records if isinstance(r, StepProgress)]
    assert steps[-1].losses["total"] < 0.85 * steps[0].losses["total"]
    assert set(steps[0].losses) == {"total", "reconstruction", "kl"}
    assert all(s.images_per_second > 0 and s.eta_seconds >= 0 for s in steps)
    epochs = [r for r in records if isinstance(r, EpochFinished)]
    assert [e.epoch for e in epochs] == [0, 1, 2]
    assert isinstance(records[-1], TrainingFinished) and records[-1].status == "completed"


def test_previews_are_image_grids(tiny_images):
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=1, batch_size=16, preview_every=2, preview_count=16),
        tiny_images,
    )
    previews = [r for r in run_all(trainer) if isinstance(r, PreviewGrids)]
    assert previews
    grid = previews[-1]
    assert grid.samples.dtype.name == "uint8" and grid.samples.ndim == 3
    assert grid.samples.shape[2] == 1 and grid.samples.shape[0] > 16 * 3
    assert grid.reconstructions is not None and grid.reconstructions.shape[2] == 1


def test_gan_training_reports_both_players(tiny_images):
    trainer = Trainer(
        ModelConfig(kind="dcgan", latent_dim=8), TrainConfig(epochs=2, batch_size=16), tiny_images
    )
    records = run_all(trainer)
    steps = [r for r in records if isinstance(r, StepProgress)]
    assert set(steps[-1].losses) == {"discriminator", "generator", "D(x)", "D(G(z))"}
    assert all(math.isfinite(v) for v in steps[-1].losses.values())
    previews = [r for r in records if isinstance(r, PreviewGrids)]
    assert previews[-1].reconstructions is None


def test_the_same_seed_gives_the_same_weights(tiny_images):
    config = ModelConfig(kind="vae", latent_dim=4)
    first = Trainer(config, TrainConfig(epochs=2, batch_size=16, seed=3), tiny_images)
    second = Trainer(config, TrainConfig(epochs=2, batch_size=16, seed=3), tiny_images)
    other = Trainer(config, TrainConfig(epochs=2, batch_size=16, seed=4), tiny_images)
    for trainer in (first, second, other):
        run_all(trainer)
    for name, value in weights(first).items():
        assert torch.equal(value, weights(second)[name]), name
    assert not all(torch.equal(v, weights(other)[k]) for k, v in weights(first).items())


@pytest.mark.parametrize(
    ("kind", "schedule"), [("vae", "constant"), ("dcgan", "constant"), ("vae", "cosine")]
)
def test_resume_equals_uninterrupted_training(tiny_images, tmp_path, kind, schedule):
    model_config = ModelConfig(kind=kind, latent_dim=4)
    train_config = TrainConfig(epochs=3, batch_size=16, log_every=1, lr_schedule=schedule)
    uninterrupted = Trainer(model_config, train_config, tiny_images)
    run_all(uninterrupted)

    control = TrainingControl()
    first_half = Trainer(model_config, train_config, tiny_images, control=control)
    for record in first_half.run():
        if isinstance(record, StepProgress) and record.step == 7:  # mid-epoch (5 steps/epoch)
            control.stop()
    assert first_half.global_step == 7
    path = first_half.save(tmp_path / "half.safetensors")

    resumed = Trainer(model_config, train_config, tiny_images, resume=load_checkpoint(path))
    assert (resumed.epoch, resumed.step_in_epoch) == (1, 2)
    records = run_all(resumed)
    assert records[-1].status == "completed" and resumed.global_step == 15
    for name, value in weights(uninterrupted).items():
        assert torch.equal(value, weights(resumed)[name]), name


@pytest.mark.parametrize("kind", ["vae", "dcgan"])
def test_cosine_schedule_lowers_the_learning_rate_to_zero_over_the_run(tiny_images, kind):
    train_config = TrainConfig(
        epochs=4, batch_size=16, log_every=1, learning_rate=1e-3, lr_schedule="cosine"
    )
    trainer = Trainer(ModelConfig(kind=kind, latent_dim=4), train_config, tiny_images)
    optimizers = [o for o in vars(trainer.objective).values() if isinstance(o, torch.optim.Adam)]
    rates = {}  # learning rate used by each step, read as the step's record arrives
    for record in trainer.run():
        if isinstance(record, StepProgress):
            rates[record.step] = [o.param_groups[0]["lr"] for o in optimizers]
    total = trainer.total_steps
    assert optimizers and all(r == pytest.approx(1e-3) for r in rates[1])
    middle = rates[total // 2 + 1]  # step n runs at epoch progress (n - 1) / steps per epoch
    assert all(r == pytest.approx(0.5e-3, rel=1e-6) for r in middle)
    assert all(0 < r < 1e-5 for r in rates[total])
    assert all(a >= b for a, b in zip(rates[1], rates[total], strict=True))


def test_constant_schedule_keeps_the_learning_rate(tiny_images):
    train_config = TrainConfig(epochs=2, batch_size=16, learning_rate=3e-4)
    trainer = Trainer(ModelConfig(kind="vae", latent_dim=4), train_config, tiny_images)
    run_all(trainer)
    assert trainer.objective.optimizer.param_groups[0]["lr"] == 3e-4


def test_pause_blocks_between_steps_and_stop_ends_the_run(tiny_images, tmp_path):
    control = TrainingControl()
    trainer = Trainer(
        ModelConfig(kind="ae", latent_dim=4),
        TrainConfig(epochs=50, batch_size=16, log_every=1),
        tiny_images,
        control=control,
        run_dir=tmp_path,
    )
    records = trainer.run()
    next(records)
    control.pause()
    assert control.paused
    control.stop()  # a stop also wakes a paused loop
    rest = list(records)
    assert isinstance(rest[-1], TrainingFinished) and rest[-1].status == "stopped"
    assert trainer.global_step < 10
    assert (tmp_path / "checkpoint.safetensors").is_file()  # stopping saves the run


def test_a_nan_loss_stops_training_and_keeps_finite_weights(tiny_images):
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=5, batch_size=16, log_every=2),
        tiny_images,
    )
    real_step = trainer.objective.step

    def poisoned_step(x, progress):
        if trainer.global_step == 6:  # a blow-up: the weights become NaN mid-run
            with torch.no_grad():
                next(trainer.model.parameters()).fill_(float("nan"))
        return real_step(x, progress)

    trainer.objective.step = poisoned_step
    records = run_all(trainer)
    finished = records[-1]
    assert finished.status == "failed"
    assert "nan" in finished.message.lower() and "learning rate" in finished.message
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    assert trainer.global_step < 10


def test_a_nan_stop_saves_a_state_that_resumes_and_finishes(tiny_images, tmp_path):
    """The drill of #22: a batch poisons the weights mid-run. The state saved after the stop
    is the last finite one (weights, Adam moments, step counter), and resuming it finishes.
    Before, 24 of 36 Adam tensors were saved as NaN and the step said 60 for weights of 40."""
    model_config = ModelConfig(kind="vae", latent_dim=4)
    train_config = TrainConfig(epochs=5, batch_size=16, log_every=2)
    trainer = Trainer(model_config, train_config, tiny_images)
    real_step = trainer.objective.step
    poisoned = {"done": False}

    def poisoned_step(x, progress):
        if trainer.global_step == 7 and not poisoned["done"]:  # a batch that blows up
            poisoned["done"] = True
            with torch.no_grad():
                for p in trainer.model.parameters():
                    p.add_(float("nan"))
        return real_step(x, progress)

    trainer.objective.step = poisoned_step
    finished = run_all(trainer)[-1]
    assert finished.status == "failed" and trainer.non_finite_at == 8
    assert trainer.global_step == finished.step <= 6  # the counter of the state kept
    assert "--lr" in finished.message and "resume" in finished.message.lower()
    path = trainer.save(tmp_path / "checkpoint.safetensors")

    saved = load_checkpoint(path)
    assert saved.training.global_step == trainer.global_step
    moments = [
        value
        for state in saved.optimizer_states["adam"]["state"].values()
        for value in state.values()
        if isinstance(value, torch.Tensor)
    ]
    assert moments and all(torch.isfinite(m).all() for m in moments)
    assert all(torch.isfinite(p).all() for p in saved.model.parameters())

    resumed = Trainer(model_config, train_config, tiny_images, resume=saved)
    records = run_all(resumed)
    assert records[-1].status == "completed"
    assert resumed.global_step == resumed.total_steps
    assert all(math.isfinite(v) for v in records[-1].losses.values())


def test_out_of_memory_suggests_a_smaller_batch(tiny_images):
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4), TrainConfig(epochs=1, batch_size=16), tiny_images
    )

    def out_of_memory(x, progress):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    trainer.objective.step = out_of_memory
    finished = run_all(trainer)[-1]
    assert finished.status == "failed"
    assert "out of memory" in finished.message and "batch size, e.g. 8" in finished.message


def test_checkpoint_requests_are_served_between_steps(tiny_images, tmp_path):
    control = TrainingControl()
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=1, batch_size=16, log_every=1),
        tiny_images,
        control=control,
    )
    control.request_checkpoint(tmp_path / "asked.safetensors")
    saved = [r for r in trainer.run() if type(r).__name__ == "CheckpointSaved"]
    assert len(saved) == 1 and (tmp_path / "asked.safetensors").is_file()


def test_compiled_losses_train_when_asked(tiny_images):
    """torch.compile is used on CUDA by default; on a CPU it must work when asked for."""
    trainer = Trainer(
        ModelConfig(kind="vae", architecture="mlp", latent_dim=4, hidden_dim=32),
        TrainConfig(epochs=1, batch_size=16, compile="on"),
        tiny_images,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        finished = run_all(trainer)[-1]
    assert not [w for w in caught if "torch.compile failed" in str(w.message)]
    assert finished.status == "completed"
    assert all(math.isfinite(v) for v in finished.losses.values())


def test_bf16_autocast_trains_like_fp32_and_keeps_fp32_weights(digits):
    results = {}
    for precision in ("fp32", "bf16"):
        trainer = Trainer(
            ModelConfig(kind="vae", latent_dim=8),
            TrainConfig(epochs=3, batch_size=32, precision=precision),
            digits,
        )
        results[precision] = run_all(trainer)[-1].losses["total"]
        assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert results["bf16"] == pytest.approx(results["fp32"], rel=0.03)


def test_auto_precision_uses_bf16_only_where_the_cpu_has_it(monkeypatch):
    from latentlab.training import device as device_module

    cpu = torch.device("cpu")
    monkeypatch.setattr(device_module, "has_native_bf16", lambda d: True)
    assert device_module.autocast_dtype("auto", cpu) is torch.bfloat16
    assert device_module.autocast_dtype("fp32", cpu) is None
    monkeypatch.setattr(device_module, "has_native_bf16", lambda d: False)
    assert device_module.autocast_dtype("auto", cpu) is None
    assert device_module.autocast_dtype("bf16", cpu) is torch.bfloat16
    assert not device_module.has_native_bf16(torch.device("cuda"))  # GPUs: fp32 by default
