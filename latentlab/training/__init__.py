"""Training: the loop as a generator of typed records, its controls, and checkpoints.

Names are imported on first use (PEP 562), so that the app can use the light record types at
start-up without paying for importing torch before its window is on screen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Checkpoint": "checkpoint",
    "CheckpointError": "checkpoint",
    "DatasetInfo": "checkpoint",
    "TrainingState": "checkpoint",
    "load_checkpoint": "checkpoint",
    "read_metadata": "checkpoint",
    "save_checkpoint": "checkpoint",
    "TrainingControl": "control",
    "GanEpochQuality": "gan_monitor",
    "GanQualityMonitor": "gan_monitor",
    "GanRunWatch": "gan_monitor",
    "GanWarning": "gan_monitor",
    "SampleCensus": "gan_monitor",
    "prepare_quality_monitor": "gan_monitor",
    "describe_device": "device",
    "pick_device": "device",
    "CheckpointSaved": "records",
    "EpochFinished": "records",
    "PreviewGrids": "records",
    "ProgressRecord": "records",
    "StepProgress": "records",
    "TrainingFinished": "records",
    "LAST_CHECKPOINT_NAME": "trainer",
    "Trainer": "trainer",
}

__all__ = [
    "LAST_CHECKPOINT_NAME",
    "Checkpoint",
    "CheckpointError",
    "CheckpointSaved",
    "DatasetInfo",
    "EpochFinished",
    "GanEpochQuality",
    "GanQualityMonitor",
    "GanRunWatch",
    "GanWarning",
    "PreviewGrids",
    "ProgressRecord",
    "SampleCensus",
    "StepProgress",
    "Trainer",
    "TrainingControl",
    "TrainingFinished",
    "TrainingState",
    "describe_device",
    "load_checkpoint",
    "pick_device",
    "prepare_quality_monitor",
    "read_metadata",
    "save_checkpoint",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'latentlab.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"latentlab.training.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from latentlab.training.checkpoint import (
        Checkpoint,
        CheckpointError,
        DatasetInfo,
        TrainingState,
        load_checkpoint,
        read_metadata,
        save_checkpoint,
    )
    from latentlab.training.control import TrainingControl
    from latentlab.training.device import describe_device, pick_device
    from latentlab.training.gan_monitor import (
        GanEpochQuality,
        GanQualityMonitor,
        GanRunWatch,
        GanWarning,
        SampleCensus,
        prepare_quality_monitor,
    )
    from latentlab.training.records import (
        CheckpointSaved,
        EpochFinished,
        PreviewGrids,
        ProgressRecord,
        StepProgress,
        TrainingFinished,
    )
    from latentlab.training.trainer import LAST_CHECKPOINT_NAME, Trainer
