"""Dataset sources, each turned into one in-memory ImageSet.

``load_dataset("mnist")``, ``load_dataset("folder:~/faces", image_size=64)`` or
``load_dataset("npz:data.npz")``; see ``describe_sources()`` for every accepted spec.

The names that need torch are imported on first use (PEP 562), so that the catalog, the
errors and the paths cost the app's start-up nothing (importing torch takes seconds).
"""

from __future__ import annotations

from latentlab.data.errors import DatasetError, DatasetWarning
from latentlab.data.paths import default_data_root
from latentlab.lazy_exports import lazy_getattr

_LAZY = {
    "ImageSet": "image_set",
    "DATASET_NAMES": "load",
    "describe_sources": "load",
    "load_dataset": "load",
}

__all__ = ["DatasetError", "DatasetWarning", "default_data_root", *_LAZY]
__getattr__ = lazy_getattr(__name__, _LAZY)
