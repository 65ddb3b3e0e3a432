"""The About box: versions and the device in use."""

from __future__ import annotations

import platform


def about_text() -> str:
    import pyqtgraph
    import PySide6
    import torch

    import latentlab
    from latentlab.training import describe_device, pick_device

    return (
        f"<h3>LatentLab {latentlab.__version__}</h3>"
        "<p>Explore the latent spaces of VAEs and GANs: train or open a model, click the map "
        "to generate, drag sliders to interpolate.</p>"
        f"<p>Device: {describe_device(pick_device('auto'))}<br>"
        f"Python {platform.python_version()} · PyTorch {torch.__version__} · "
        f"PySide6 {PySide6.__version__} · pyqtgraph {pyqtgraph.__version__}</p>"
    )
