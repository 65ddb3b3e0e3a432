"""Dataset sources, each turned into one in-memory ImageSet.

``load_dataset("mnist")``, ``load_dataset("folder:~/faces", image_size=64)`` or
``load_dataset("npz:data.npz")``; see ``describe_sources()`` for every accepted spec.
"""

from latentlab.data.errors import DatasetError, DatasetWarning
from latentlab.data.image_set import ImageSet
from latentlab.data.load import DATASET_NAMES, describe_sources, load_dataset
from latentlab.data.paths import default_data_root

__all__ = [
    "DATASET_NAMES",
    "DatasetError",
    "DatasetWarning",
    "ImageSet",
    "default_data_root",
    "describe_sources",
    "load_dataset",
]
