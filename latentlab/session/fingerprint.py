"""Which model made an exported image: a name and a SHA-256 for the provenance metadata.

An opened checkpoint is identified by its file's hash (what a user can check against the file
they keep). A model still training has no file yet, so its weights are hashed instead, and
its name says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ModelFingerprint:
    """The explored model's name and where it came from; the hash is computed when first
    asked (hashing a 50 MB checkpoint takes a few tenths of a second)."""

    name: str = ""
    path: Path | None = None
    model: Any = None
    _sha256: str | None = field(default=None, repr=False)

    def set_model(self, model: Any) -> None:
        """The weights now explored; an unsaved run's hash is taken again for new weights."""
        if model is not self.model:
            self.model = model
            if self.path is None:
                self._sha256 = None

    def sha256(self) -> str:
        if self._sha256 is None:
            from latentlab.latent.provenance import file_sha256
            from latentlab.models.weights_hash import weights_sha256  # torch: lazily

            if self.path is not None and self.path.is_file():
                self._sha256 = file_sha256(self.path)
            elif self.model is not None:
                self._sha256 = weights_sha256(self.model)
            else:
                self._sha256 = ""
        return self._sha256
