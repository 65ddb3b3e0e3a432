"""Training: the loop as a generator of typed records, its controls, and checkpoints."""

from latentlab.training.checkpoint import (
    CHECKPOINT_SUFFIX,
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
from latentlab.training.records import (
    CheckpointSaved,
    EpochFinished,
    PreviewGrids,
    ProgressRecord,
    StepProgress,
    TrainingFinished,
)
from latentlab.training.trainer import LAST_CHECKPOINT_NAME, Trainer

__all__ = [
    "CHECKPOINT_SUFFIX",
    "LAST_CHECKPOINT_NAME",
    "Checkpoint",
    "CheckpointError",
    "CheckpointSaved",
    "DatasetInfo",
    "EpochFinished",
    "PreviewGrids",
    "ProgressRecord",
    "StepProgress",
    "Trainer",
    "TrainingControl",
    "TrainingFinished",
    "TrainingState",
    "describe_device",
    "load_checkpoint",
    "pick_device",
    "read_metadata",
    "save_checkpoint",
]
