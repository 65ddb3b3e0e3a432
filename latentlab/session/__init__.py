"""The explorer's state and its model-switch transition: what the app (and a test, or a
script) explores, without Qt."""

from latentlab.session.fingerprint import ModelFingerprint
from latentlab.session.identity import DatasetIdentity, ModelIdentity
from latentlab.session.keypoints import Keypoint, Keypoints, keypoint_label
from latentlab.session.state import ExplorerState, Preview
from latentlab.session.transition import ModelSwitch

__all__ = [
    "DatasetIdentity",
    "ExplorerState",
    "Keypoint",
    "Keypoints",
    "ModelFingerprint",
    "ModelIdentity",
    "ModelSwitch",
    "Preview",
    "keypoint_label",
]
