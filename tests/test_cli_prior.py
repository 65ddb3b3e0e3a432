"""``latentlab train-prior``: a prior beside the checkpoint, continued with --resume."""

from __future__ import annotations

import pytest
from trained_models import train_digits_gan, train_digits_vae

from latentlab.cli import main
from latentlab.data import load_dataset
from latentlab.training import load_checkpoint
from latentlab.training.prior_file import load_prior, mismatch

SMALL = ["--hidden", "32", "--blocks", "1", "--batch-size", "64"]


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_train_prior_writes_a_linked_prior_beside_the_checkpoint_and_resumes(
    digits, tmp_path, capsys
):
    checkpoint = train_digits_vae(digits, epochs=1).save(tmp_path / "run.safetensors")
    assert main(["train-prior", str(checkpoint), "--steps", "30", *SMALL]) == 0
    written = tmp_path / "run.prior.safetensors"
    assert "wrote" in capsys.readouterr().out
    prior = load_prior(written)
    assert prior.step == 30 and prior.prior.config.num_classes == 10
    assert mismatch(prior, load_checkpoint(checkpoint).model) is None

    assert main(["train-prior", str(checkpoint), "--resume", str(written), "--steps", "50"]) == 0
    assert load_prior(written).step == 50


def test_train_prior_refuses_a_gan_with_a_reason(digits, tmp_path, capsys):
    checkpoint = train_digits_gan(digits).save(tmp_path / "gan.safetensors")
    assert main(["train-prior", str(checkpoint), *SMALL]) == 2
    assert "has no encoder" in capsys.readouterr().err
    assert not (tmp_path / "gan.prior.safetensors").exists()
