"""Training: the loop as a generator of typed records, its controls, and checkpoints.

Names are imported on first use (PEP 562), so that the app can use the light record types at
start-up without paying for importing torch before its window is on screen.
"""

from __future__ import annotations

from latentlab.lazy_exports import lazy_getattr

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
    "prepare_run_watch": "gan_monitor",
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

__all__ = list(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
