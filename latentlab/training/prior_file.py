"""Diffusion prior files: one ``.safetensors`` file per prior, linked to the autoencoder whose
codes it learned by the SHA-256 of that model's weights.

It holds the averaged weights used for sampling (``prior.*``), and, for continuing the run,
the raw weights (``train.*``), Adam's state (``optim.adam.*``) and the batch generator's
state (``rng.batches``); JSON metadata under ``latentlab`` says what it is. Like a
checkpoint, it is checked before anything is built (the network is first built on PyTorch's
meta device and its shapes compared with the file's tensors), opening it never runs code
from it, and writes are atomic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from latentlab.atomic_files import atomic_write_bytes
from latentlab.config import ConfigError
from latentlab.models.diffusion import DiffusionPrior, DiffusionPriorConfig
from latentlab.models.weights_hash import weights_sha256
from latentlab.training.checkpoint import file_header, flatten_optimizer, unflatten_optimizer
from latentlab.training.checkpoint_schema import (
    MAX_COUNTER,
    CheckpointError,
    FieldChecker,
    read_safetensors_header,
)
from latentlab.training.prior_training import PriorResumeState, PriorTrainConfig

FORMAT_NAME = "latentlab-diffusion-prior"
FORMAT_VERSION = 1
METADATA_KEY = "latentlab"
SUFFIX = ".prior.safetensors"


@dataclass(frozen=True)
class PriorLink:
    """The autoencoder a prior belongs to: its weights' hash, and what it was."""

    autoencoder_sha256: str
    model_kind: str
    latent_dim: int
    dataset: str
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorFile:
    """A diffusion prior, ready to sample (eval mode, no gradients), and its story."""

    prior: DiffusionPrior
    link: PriorLink
    train_config: PriorTrainConfig
    step: int
    loss: float
    elapsed_seconds: float
    codes: int  # how many codes it learned from
    resume: PriorResumeState | None  # None: the file was written without it
    path: Path | None = None

    @property
    def finished(self) -> bool:
        return self.step >= self.train_config.steps

    def describe(self) -> str:
        """'conditional diffusion prior, 4,000 steps (loss 0.213, 71 s) on 50,000 codes'."""
        kind = "conditional" if self.prior.config.conditional else "unconditional"
        planned = "" if self.finished else f" of {self.train_config.steps:,}"
        return (
            f"{kind} diffusion prior, {self.step:,}{planned} steps (loss {self.loss:.3f}, "
            f"{self.elapsed_seconds:.0f} s) on {self.codes:,} codes"
        )


def default_prior_path(checkpoint: str | Path) -> Path:
    """Where a checkpoint's prior goes: ``run.safetensors`` -> ``run.prior.safetensors``."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.name.removesuffix(".safetensors") + SUFFIX)


def link_of(model: Any, dataset: Any) -> Any:
    """The PriorLink of a prior trained on ``model``'s codes of ``dataset``."""
    return PriorLink(
        autoencoder_sha256=weights_sha256(model),
        model_kind=model.kind,
        latent_dim=model.latent_dim,
        dataset=getattr(dataset, "name", ""),
        class_names=tuple(getattr(dataset, "class_names", ()) or ()),
    )


def mismatch(prior_file: Any, model: Any) -> str | None:
    """Why ``prior_file`` cannot be used with ``model`` (None: it can): a prior learned one
    model's codes, and another model's codes mean something else, even at the same size."""
    link = prior_file.link
    if not model.has_encoder:
        return "a diffusion prior learns an autoencoder's codes, and this model has no encoder"
    if link.latent_dim != model.latent_dim:
        return (
            f"this prior is of {link.latent_dim}-number codes, and the model's latent size is "
            f"{model.latent_dim}"
        )
    if link.autoencoder_sha256 != weights_sha256(model):
        return (
            f"this prior learned the codes of another model (a {link.model_kind} on "
            f"{link.dataset or 'unknown data'}, weights {link.autoencoder_sha256[:12]}…), so its "
            "samples would mean nothing to this one. Train a prior on this model instead."
        )
    return None


def save_prior(path: str | Path, prior: PriorFile) -> Path:
    """Write ``prior`` (with its resume state, if it has one) to ``path`` atomically."""
    tensors = {f"prior.{k}": v.detach().cpu().contiguous() for k, v in _weights(prior.prior)}
    optimizers: dict[str, Any] = {}
    if prior.resume is not None:
        tensors.update(
            {f"train.{k}": v.cpu().contiguous() for k, v in prior.resume.weights.items()}
        )
        optim_tensors, optimizers["adam"] = flatten_optimizer("adam", prior.resume.optimizer)
        tensors.update(optim_tensors)
        tensors["rng.batches"] = prior.resume.rng.cpu().contiguous()
    link = prior.link
    metadata = {
        **file_header(FORMAT_NAME, FORMAT_VERSION),
        "prior": prior.prior.config.to_dict(),
        "autoencoder": {
            "sha256": link.autoencoder_sha256,
            "kind": link.model_kind,
            "latent_dim": link.latent_dim,
            "dataset": link.dataset,
            "class_names": list(link.class_names),
        },
        "training": {
            "step": prior.step,
            "loss": prior.loss if prior.loss == prior.loss else None,  # NaN is not JSON
            "elapsed_seconds": round(prior.elapsed_seconds, 3),
            "codes": prior.codes,
            "train_config": prior.train_config.to_dict(),
        },
        "optimizers": optimizers,
    }
    blob = save_safetensors_bytes(tensors, metadata={METADATA_KEY: json.dumps(metadata)})
    return atomic_write_bytes(path, blob)


def load_prior(path: str | Path) -> PriorFile:
    """Open a diffusion prior file; a CheckpointError with a one-line reason otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    data = path.read_bytes()
    raw, layout = read_safetensors_header(
        path,
        data,
        len(data),
        METADATA_KEY,
        what="diffusion prior",
        instead="Train a prior on the open model (Diffusion panel, or latentlab train-prior).",
    )
    metadata = _checked(path, raw)
    config = metadata["prior"]
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in _weights(DiffusionPrior(config))}
    for prefix in ("prior.", *(("train.",) if metadata["optimizers"] else ())):
        found = {k.removeprefix(prefix): e.shape for k, e in layout.items() if k.startswith(prefix)}
        if found != expected:
            raise CheckpointError(
                f"{path}: its weights ({prefix.rstrip('.')}) do not fit the diffusion prior "
                f"(hidden {config.hidden_dim}, {config.blocks} blocks, latent "
                f"{config.latent_dim}) it describes"
            )
    try:
        tensors = load_safetensors_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path}: the file is damaged ({error})") from None
    broken = [k for k, v in tensors.items() if v.is_floating_point() and not v.isfinite().all()]
    if broken:
        raise CheckpointError(f"{path}: {broken[0]} holds NaN or infinite values")
    prior = DiffusionPrior(config)
    prior.load_state_dict(_prefixed(tensors, "prior."))
    prior.requires_grad_(False).eval()
    training = metadata["training"]
    resume = None
    if metadata["optimizers"]:
        if "rng.batches" not in tensors:
            raise CheckpointError(f"{path}: its resume state has no batch generator state")
        resume = PriorResumeState(
            weights=_prefixed(tensors, "train."),
            optimizer=unflatten_optimizer(path, "adam", metadata["optimizers"]["adam"], tensors),
            rng=tensors["rng.batches"],
            step=training["step"],
            loss=training["loss"],
            elapsed_seconds=training["elapsed_seconds"],
        )
    return PriorFile(
        prior=prior,
        link=metadata["autoencoder"],
        train_config=training["train_config"],
        step=training["step"],
        loss=training["loss"],
        elapsed_seconds=training["elapsed_seconds"],
        codes=training["codes"],
        resume=resume,
        path=path,
    )


def _checked(path: Path, raw: Any) -> dict[str, Any]:
    """The metadata with its parts parsed into their types; CheckpointError otherwise."""
    check = FieldChecker(path)
    m = check.object(raw, "the metadata")
    if m.get("format") != FORMAT_NAME:
        hint = (
            " (it is a model checkpoint: open it with File › Open)"
            if m.get("format") == "latentlab-checkpoint"
            else ""
        )
        raise CheckpointError(f"{path}: not a LatentLab diffusion prior{hint}")
    version = check.integer(m.get("format_version"), "format_version", 1, MAX_COUNTER)
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer LatentLab (prior format {version}); this one reads "
            f"formats up to {FORMAT_VERSION}. Please upgrade LatentLab."
        )
    try:
        config = DiffusionPriorConfig.from_dict(check.object(m.get("prior"), "prior"))
        tr = check.object(m.get("training"), "training")
        train_config = PriorTrainConfig.from_dict(tr.get("train_config"))
    except ConfigError as error:
        raise CheckpointError(f"{path}: {error}") from None
    ae = check.object(m.get("autoencoder"), "autoencoder")
    sha = check.text(ae.get("sha256"), "the autoencoder's sha256", limit=64)
    link = PriorLink(
        autoencoder_sha256=sha,
        model_kind=check.text(ae.get("kind"), "the autoencoder's kind"),
        latent_dim=check.integer(ae.get("latent_dim"), "latent_dim", 1, 10**6),
        dataset=check.text(ae.get("dataset", ""), "the dataset"),
        class_names=tuple(check.names(ae.get("class_names") or [], "class_names")),
    )
    if link.latent_dim != config.latent_dim:
        raise CheckpointError(f"{path}: its prior and its autoencoder disagree on the latent size")
    loss = tr.get("loss")
    return {
        "prior": config,
        "autoencoder": link,
        "training": {
            "step": check.integer(tr.get("step"), "step", 0, MAX_COUNTER),
            "loss": float("nan") if loss is None else check.number(loss, "loss"),
            "elapsed_seconds": check.number(tr.get("elapsed_seconds", 0.0), "elapsed_seconds"),
            "codes": check.integer(tr.get("codes", 0), "codes", 0, MAX_COUNTER),
            "train_config": train_config,
        },
        "optimizers": _optimizers(path, check.optimizers(m.get("optimizers") or {})),
    }


def _optimizers(path: Path, optimizers: dict[str, Any]) -> dict[str, Any]:
    if optimizers and set(optimizers) != {"adam"}:
        raise CheckpointError(f"{path}: its resume state names optimizers it does not use")
    return optimizers


def _weights(prior: DiffusionPrior) -> list[tuple[str, torch.Tensor]]:
    return list(prior.state_dict().items())


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}
