"""The one model switch: what a new model (or another epoch's weights) keeps and drops.

Every way a model arrives (a new training run's first epoch, Open checkpoint, an adapter, the
epoch scrubber, a resumed run) is one ``ModelSwitch``. It decides, for each thing that
depends on the model, whether it is kept, revalidated or dropped:

* latents (the preview, keypoints, places and results, a traversal or attribute base) are
  kept only in a latent space of the same size: one of another size never reaches a decoder;
* groups and the selection hold dataset indices, so they are kept only for the same dataset
  (and then re-read from the new map: revalidated);
* a diffusion prior is kept only for the very weights whose codes it learned (their hash);
* a map is dropped at once when latents or groups go (the MapController makes the new one;
  new weights of the same run keep theirs until it comes).
"""

from __future__ import annotations

from dataclasses import dataclass

from latentlab.session.identity import ModelIdentity


@dataclass(frozen=True)
class ModelSwitch:
    before: ModelIdentity | None
    after: ModelIdentity

    @property
    def keeps_latents(self) -> bool:
        """Whether latents made for the model before can be decoded by this one."""
        return self.before is not None and self.before.latent_dim == self.after.latent_dim

    @property
    def keeps_groups(self) -> bool:
        """Whether dataset indices (groups, the selection) still name the same points."""
        return (
            self.before is not None
            and self.after.dataset is not None
            and self.before.dataset == self.after.dataset
        )

    def summary(self, dropped_groups: list[str], dropped_latents: bool) -> str:
        """What the user is told in the status bar ('' when nothing was dropped)."""
        parts = []
        if dropped_groups:
            before = self.before.dataset_name if self.before is not None else "another dataset"
            noun = "group" if len(dropped_groups) == 1 else "groups"
            parts.append(
                f"dropped {noun} {', '.join(dropped_groups)} and the selection ({before} points)"
            )
        if dropped_latents and self.before is not None:
            parts.append(
                f"latent size {self.before.latent_dim} → {self.after.latent_dim}: cleared the "
                "preview, keypoints and latent items"
            )
        if not parts:
            return ""
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."
