"""A stopped run's message says what its checkpoint (and `latentlab info`) records."""

from __future__ import annotations

import pytest

from latentlab.cli import main
from latentlab.config import ModelConfig, TrainConfig
from latentlab.training import (
    EpochFinished,
    StepProgress,
    Trainer,
    TrainingControl,
    TrainingFinished,
    read_metadata,
)


def _stop_run(tiny_images, run_dir, stop_when) -> TrainingFinished:
    control = TrainingControl()
    trainer = Trainer(
        ModelConfig(kind="vae", latent_dim=4),
        TrainConfig(epochs=3, batch_size=16, log_every=1),  # 5 steps an epoch
        tiny_images,
        run_dir=run_dir,
        control=control,
    )
    finished = None
    for record in trainer.run():
        if stop_when(record):
            control.stop()
        if isinstance(record, TrainingFinished):
            finished = record
    assert finished is not None and finished.status == "stopped"
    return finished


@pytest.mark.parametrize(
    ("where", "stop_when", "expected"),
    [
        ("boundary", lambda r: isinstance(r, EpochFinished) and r.epoch == 0, (1, 0, 5)),
        ("mid-epoch", lambda r: isinstance(r, StepProgress) and r.step == 7, (1, 2, 7)),
    ],
)
def test_the_stop_message_agrees_with_the_checkpoint(
    tiny_images, tmp_path, capsys, where, stop_when, expected
):
    finished = _stop_run(tiny_images, tmp_path, stop_when)
    training = read_metadata(tmp_path / "checkpoint.safetensors")["training"]
    epochs, steps, total = expected
    assert (training["epoch"], training["step_in_epoch"], training["global_step"]) == expected
    position = f"{epochs} epochs + {steps} steps ({total} steps)"
    assert finished.message.startswith(f"Training stopped after {position}."), where

    capsys.readouterr()
    assert main(["info", str(tmp_path / "checkpoint.safetensors")]) == 0
    assert f"trained        {position}" in capsys.readouterr().out
