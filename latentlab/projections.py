"""The map projections, registered with what each can do: the Projection panel (its methods
and each one's settings rows), ``ProjectionConfig``'s check and the map pipeline read this
registry, so a new projection (UMAP, say) is one module with a runner plus one
``PROJECTIONS.add`` here.

A runner is ``run(cloud, points, config, previous)``: a generator that yields
``ProjectionProgress`` while it works (nothing, for a projection that is done at once) and
returns ``(projection, xy)``. ``points`` is what is projected (latents or image features);
``previous`` is the map shown before, to keep its layout when that makes sense. The
projection object maps latents to the plane (``transform``) and, if ``exact_inverse``, back
(``inverse``); otherwise clicks are decoded through a learned or a nearest-points inverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from latentlab.registry import Registry, load


@dataclass(frozen=True)
class ProjectionKind:
    name: str  # as in ProjectionConfig.method
    label: str  # what the panel shows
    description: str  # its tooltip line
    runner: str  # "module:function", see above
    exact_inverse: bool  # clicks decode exactly: no inverse to learn
    streams: bool  # yields partial maps while it runs: the map animates, Cancel stops it
    # "module:Class" of its own settings, a frozen dataclass of ``setting`` fields
    # (latentlab.settings_fields): ProjectionConfig.settings holds one, the panel shows them.
    settings: str | None = None
    uses_seed: bool = False  # its result depends on the map's seed (the panel offers it)

    def run(self) -> Any:
        return load(self.runner)

    def settings_type(self) -> type | None:
        return None if self.settings is None else load(self.settings)


PROJECTIONS: Registry[ProjectionKind] = Registry("projection")
PROJECTIONS.add(
    ProjectionKind(
        "pca",
        "PCA",
        "PCA: a linear view with an exact inverse (the other components at the data mean); "
        "a new map is turned to match the one before.",
        runner="latentlab.projection.linear:run_linear",
        exact_inverse=True,
        streams=False,
    )
)
PROJECTIONS.add(
    ProjectionKind(
        "tsne",
        "t-SNE",
        "t-SNE: shows the clusters PCA crowds together; forms on screen, placed from the map "
        "before when the points and settings are the same.",
        runner="latentlab.projection.tsne:run_tsne_map",
        exact_inverse=False,
        streams=True,
        settings="latentlab.projection.tsne_settings:TsneSettings",
        uses_seed=True,
    )
)
