"""torchvision's dataset classes, imported on demand: they download the built-in datasets
(and read CIFAR-10 / SVHN), and torchvision is an optional install (``latentlab[download]``).

Without it, the loaders say plainly what to install instead of a bare ModuleNotFoundError.
"""

from __future__ import annotations

from types import ModuleType

from latentlab.data.catalog import Source
from latentlab.data.errors import DatasetError

INSTALL_HINT = (
    "pip install torchvision (from the same index as your torch; for the CPU-only build: "
    "pip install torchvision --index-url https://download.pytorch.org/whl/cpu)"
)


def torchvision_datasets(source: Source, purpose: str) -> ModuleType:
    """``torchvision.datasets``, or a DatasetError naming ``source``, ``purpose`` and the fix."""
    try:
        import torchvision.datasets
    except ImportError as err:
        raise DatasetError(
            f"{purpose} {source.title} needs torchvision, which this install left out: "
            f"{INSTALL_HINT}."
        ) from err
    return torchvision.datasets
