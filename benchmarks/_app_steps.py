"""What a user does in the app, as steps the walk-through benchmarks share (gan_demo.py,
adapter_demo.py): show a map and wait for its click fidelity, click the middle of each class,
set interpolation keypoints, and ask the domain classifier what an image shows."""

from __future__ import annotations

import dataclasses

import numpy as np
from _common import spin, wait_signal, wait_until

from latentlab.session.decode_purposes import KeypointDecode


def fidelity_by_inverse(found) -> dict:
    """The Projection panel's click fidelity per inverse (None where no click was measured),
    and its ceiling (``FidelityReport``)."""
    result = {
        m: None if f.clicks == 0 else round(f.fidelity, 3) for m, f in found.by_method.items()
    }
    if found.ceiling is not None:
        result["ceiling"] = dataclasses.asdict(found.ceiling)
    return result


def show_map(window, space: str, method: str, timeout_s: float = 300) -> dict:
    """Choose 'Map of' and 'Method' in the Projection panel, project, and wait for the map's
    click fidelity ({} if none came within ``timeout_s``)."""
    dock = window.projection_dock
    dock.space.setCurrentIndex(dock.space.findData(space))
    dock.method.setCurrentIndex(dock.method.findData(method))
    found = wait_signal(window.explorer.fidelity_measured, timeout_s, action=dock.project.click)
    wait_until(lambda: not window.explorer.maps.animation.is_running(), 10)
    window.map.reset_view()
    spin(0.3)
    return {} if found is None else fidelity_by_inverse(found[0])


def classifier_sees(window, image: np.ndarray) -> str:
    """The class the domain classifier sees in one H×W×C uint8 image."""
    from latentlab.training.classifier import predict_labels

    classifier = window.explorer.classifier.classifier
    return classifier.class_names[int(predict_labels(classifier.model, image[None])[0])]


def click_class_centres(window) -> list[dict]:
    """Click the point nearest the middle of each class region; what the classifier sees in
    the generated image."""
    data = window.explorer.map_data
    class_names = window.explorer.classifier.classifier.class_names
    clicks = []
    for label in np.unique(data.cloud.labels):
        members = data.xy[data.cloud.labels == label]
        centre = members[np.argmin(np.linalg.norm(members - np.median(members, 0), axis=1))]
        wait_signal(
            window.explorer.preview_shown, 30, action=lambda c=centre: window.explorer.decode_at(*c)
        )
        clicks.append(
            {
                "region": class_names[label],
                "generated": classifier_sees(window, window.explorer.preview_image),
                "points_in_class": len(members),
            }
        )
    return clicks


def set_keypoints(window, rows, source: str) -> None:
    """Map points ``rows`` as interpolation keypoints A, B, …, named f"{source} #row"."""
    cloud = window.explorer.map_data.cloud
    for index, row in enumerate(rows):
        wait_signal(
            window.explorer.decoder.decoded,
            30,
            check=lambda r: isinstance(r.purpose, KeypointDecode),
            action=lambda i=index, r=row: window.explorer.decode_keypoint(
                i, cloud.latents[r], f"{source} #{r}"
            ),
        )
