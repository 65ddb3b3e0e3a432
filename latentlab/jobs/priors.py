"""Diffusion priors as jobs, no Qt: encode the training split's codes and train a prior on
them (the app's Diffusion panel and ``latentlab train-prior`` run the same generator), and
check that a prior file belongs to the model it is opened with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENCODE_BATCH = 1024


@dataclass(frozen=True)
class PriorRequest:
    """What to train: a prior of ``hidden_dim`` × ``blocks`` on the codes of the training
    split, ``conditional`` on its labels when it has them, for ``train_config``; written to
    ``save_path`` at the end (and when stopped) when given. ``resume``: a stopped prior of
    this model (a PriorFile) to continue instead."""

    train_config: Any  # PriorTrainConfig
    conditional: bool = True
    hidden_dim: int = 256
    blocks: int = 3
    save_path: str | None = None
    resume: Any = None  # PriorFile


@dataclass(frozen=True)
class CodesProgress:
    """Encoding the training split: ``done`` of ``total`` images."""

    done: int
    total: int


def training_codes(model: Any, dataset: Any, should_stop=lambda: False) -> Iterator[Any]:
    """Yields CodesProgress while encoding the training split's images to their posterior
    means; returns (codes N×D float32 tensor, labels N int64 tensor or None), or None when
    stopped."""
    import torch

    from latentlab.models.conditional import encode_given

    train = dataset.split("train")
    codes = []
    with torch.inference_mode():
        for start in range(0, len(train), ENCODE_BATCH):
            if should_stop():
                return None
            x = train.images[start : start + ENCODE_BATCH].float().div_(255).to(model.device)
            labels = None if train.labels is None else train.labels[start : start + ENCODE_BATCH]
            codes.append(encode_given(model, x, labels).float().cpu())
            yield CodesProgress(min(start + ENCODE_BATCH, len(train)), len(train))
    return torch.cat(codes), train.labels


def train_prior_job(model: Any, dataset: Any, request: PriorRequest, control: Any):
    """Encode the training split, then train (or continue) the prior; yields CodesProgress,
    then PriorStep records and one PriorTrained. Returns the PriorFile (with its resume
    state, and written to ``request.save_path`` when given). ``control.stop_requested``
    ends it between steps; what was trained so far is kept."""
    from latentlab.models.diffusion import DiffusionPriorConfig
    from latentlab.training.prior_file import PriorFile, link_of, mismatch, save_prior
    from latentlab.training.prior_training import PriorTrained, PriorTrainer

    def stop() -> bool:
        return control.stop_requested

    if not model.has_encoder:
        raise ValueError("a diffusion prior needs a model with an encoder (a VAE or AE)")
    encoded = yield from training_codes(model, dataset, stop)
    if encoded is None:
        return None
    codes, labels = encoded
    resume = request.resume
    if resume is not None:
        problem = mismatch(resume, model)
        if problem is not None:
            raise ValueError(problem)
        config = resume.prior.config
    else:
        classes = len(dataset.class_names) if labels is not None and request.conditional else 0
        config = DiffusionPriorConfig(
            latent_dim=model.latent_dim,
            hidden_dim=request.hidden_dim,
            blocks=request.blocks,
            num_classes=classes,
        )
    trainer = PriorTrainer(
        codes,
        labels,
        config,
        request.train_config,
        resume_from=None if resume is None else (resume.prior, resume.resume),
        should_stop=stop,
    )
    for record in trainer.run():
        yield record
        if isinstance(record, PriorTrained):
            break
    result = PriorFile(
        prior=trainer.ema,
        link=link_of(model, dataset),
        train_config=request.train_config,
        step=trainer.step,
        loss=trainer.loss,
        elapsed_seconds=trainer.elapsed_seconds,
        codes=len(codes),
        resume=trainer.resume_state(),
    )
    if request.save_path is not None:
        save_prior(request.save_path, result)
        result = _with_path(result, Path(request.save_path))
    return result


def _with_path(prior_file: Any, path: Path) -> Any:
    import dataclasses

    return dataclasses.replace(prior_file, path=path)
