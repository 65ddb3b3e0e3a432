"""Training as a job the app runs on a worker thread: a generator of records, no Qt (the CLI
drives the same Trainer, with the same run watch and run-folder rule). Records come back to
the GUI thread through queued signals; the models it hands out are CPU copies in eval mode,
used read-only, so exploring never touches the weights that training is updating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from latentlab.jobs.training_request import TrainingRequest


@dataclass(frozen=True)
class RunStarted:
    """The dataset is loaded and the model built: what the training view needs to set up."""

    kind: str
    loss_names: tuple[str, ...]
    epochs: int
    total_steps: int
    run_dir: str
    device: str
    dataset: Any  # ImageSet
    dataset_info: Any  # DatasetInfo
    trainer: Any  # Trainer: only to save from the GUI thread once the run has ended


@dataclass(frozen=True)
class ModelSnapshot:
    """A read-only CPU copy of the weights at an epoch end, for the map and the previews."""

    model: Any  # LatentModel
    epoch: int
    final: bool = False


def training_job(request: TrainingRequest, control: Any) -> Iterator[object]:
    """Load the data, build the trainer, train; yields RunStarted, the trainer's records, and
    a ModelSnapshot after every epoch and at the end. A GAN run also yields the domain
    classifier's progress (when it is not cached yet), GanWarning records, and a
    GanEpochQuality after every epoch (labelled data only)."""
    from latentlab.training import (
        EpochFinished,
        Trainer,
        TrainingFinished,
        describe_device,
        prepare_run_watch,
    )
    from latentlab.training.data_source import open_dataset

    dataset, info = open_dataset(
        request.dataset_spec,
        data_root=request.data_root,
        image_size=request.image_size,
        channels=request.channels,
    )
    trainer = Trainer(
        request.model_config,
        request.train_config,
        dataset,
        dataset_info=info,
        run_dir=request.run_dir,
        control=control,
    )
    yield RunStarted(
        kind=request.model_config.kind,
        loss_names=trainer.objective.loss_names,
        epochs=request.train_config.epochs,
        total_steps=trainer.total_steps,
        run_dir=request.run_dir,
        device=describe_device(trainer.device),
        dataset=dataset,
        dataset_info=info,
        trainer=trainer,
    )
    watch = yield from prepare_run_watch(
        trainer,
        dataset,
        judge_samples=request.watch_quality,
        should_stop=lambda: control.stop_requested,
    )
    for record in trainer.run():
        yield record
        if watch is not None:
            yield from watch.observe(record)
        if isinstance(record, EpochFinished):
            yield ModelSnapshot(snapshot_model(trainer), epoch=record.epoch)
        elif isinstance(record, TrainingFinished):
            yield ModelSnapshot(snapshot_model(trainer), epoch=trainer.epoch, final=True)


def snapshot_model(trainer: Any) -> Any:
    """A CPU copy of the trainer's model in eval mode."""
    from latentlab.models import build_model

    model = build_model(trainer.model_config, trainer.dataset.image_shape)
    model.load_state_dict(trainer.weights_snapshot())
    return model.eval()
