"""The command line: train, resume, info, and clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from latentlab.cli import main
from latentlab.training import load_checkpoint


def test_train_writes_a_checkpoint_and_a_sample_grid(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--dataset", "digits", "--model", "vae", "--epochs", "2", "--out", str(out)]
    code = main([*args, "--lr-schedule", "cosine"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "final losses: total" in printed and "checkpoint:" in printed
    checkpoint = load_checkpoint(out / "checkpoint.safetensors")
    assert checkpoint.training.epoch == 2 and checkpoint.optimizer_states
    assert checkpoint.training.train_config.lr_schedule == "cosine"
    assert checkpoint.optimizer_states["adam"]["param_groups"][0]["lr"] < 1e-5  # decayed to ~0
    samples = np.asarray(Image.open(out / "samples.png"))
    assert samples.ndim == 2 and samples.std() > 10  # a real picture, not a flat square
    assert (out / "reconstructions.png").is_file()


def test_resume_continues_to_more_epochs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "ae", "--epochs", "1", "--out", str(out)]) == 0
    ckpt = out / "checkpoint.safetensors"
    assert main(["train", "--resume", str(ckpt), "--epochs", "2"]) == 0
    resumed = load_checkpoint(ckpt)
    assert resumed.training.epoch == 2
    assert "epoch 2/2" in capsys.readouterr().out


def test_resume_with_a_lower_rate_trains_with_it(tmp_path):
    """What a NaN stop tells the user to do: --resume CHECKPOINT --lr (lower)."""
    out = tmp_path / "run"
    assert main(["train", "--model", "ae", "--epochs", "1", "--out", str(out)]) == 0
    ckpt = out / "checkpoint.safetensors"
    assert main(["train", "--resume", str(ckpt), "--epochs", "2", "--lr", "1e-4"]) == 0
    resumed = load_checkpoint(ckpt)
    assert resumed.training.train_config.learning_rate == 1e-4
    assert resumed.optimizer_states["adam"]["param_groups"][0]["lr"] == 1e-4


def test_gan_training_prints_sample_quality_after_every_epoch(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "dcgan", "--epochs", "3", "--batch-size", "32", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if "samples: Fréchet distance" in line]
    assert len(lines) == 3 and "(real images" in lines[0] and "of 10 classes" in lines[0]
    distances = [float(line.split("distance ")[1].split()[0]) for line in lines]
    assert distances[-1] < distances[0]
    assert main([*args[:-2], "--out", str(tmp_path / "b"), "--no-sample-quality"]) == 0
    assert "Fréchet" not in capsys.readouterr().out


def test_info_describes_a_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    main(["train", "--model", "dcgan", "--epochs", "1", "--out", str(out)])
    capsys.readouterr()
    assert main(["info", str(out / "checkpoint.safetensors")]) == 0
    text = capsys.readouterr().out
    assert "dcgan (conv), latent dim 8" in text and "digits (10 classes" in text
    assert main(["info", "--json", str(out / "checkpoint.safetensors")]) == 0
    assert '"format_version": 1' in capsys.readouterr().out


def test_errors_are_messages_not_tracebacks(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04not really a pickle")
    assert main(["info", str(bad)]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["train", "--dataset", "nonsense"]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["train", "--latent-dim", "1000", "--out", str(tmp_path / "x")]) == 2
    assert "latent_dim" in capsys.readouterr().err


def test_offline_mnist_trains_from_the_shared_files(shared_data_root, tmp_path, capsys):
    """The torchvision layout, read-only, no network: one short epoch on a subset."""
    out = tmp_path / "mnist"
    code = main(
        [
            "train",
            "--dataset",
            "mnist",
            "--data-root",
            str(shared_data_root),
            "--model",
            "vae",
            "--arch",
            "mlp",
            "--epochs",
            "1",
            "--batch-size",
            "512",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert load_checkpoint(out / "checkpoint.safetensors").image_shape == (1, 28, 28)


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"]])
def test_python_dash_m_runs_the_same_command(args):
    result = subprocess.run(
        [sys.executable, "-m", "latentlab", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "usage: latentlab" in result.stdout
