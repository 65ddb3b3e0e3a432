"""t-SNE's own settings (imported without openTSNE: the config checks them, the panel shows
them). See ``latentlab.projection.tsne`` for how they are used."""

from __future__ import annotations

from dataclasses import dataclass

from latentlab.settings_fields import check_settings, setting


@dataclass(frozen=True, kw_only=True)
class TsneSettings:
    """t-SNE (van der Maaten & Hinton 2008, via openTSNE's FFT-accelerated gradients, Linderman
    et al. 2019) is fitted on at most ``fit_points`` points, chosen at random with the map's
    seed; the others are then placed into that embedding with openTSNE's transform, which
    keeps 70,000 points within a minute on two cores."""

    perplexity: float = setting(
        30.0,
        "Perplexity",
        2,
        500,
        decimals=1,
        tooltip="Roughly how many neighbours each point keeps close (5–50).",
    )
    fit_points: int = setting(
        10_000,
        "Fit on at most",
        100,
        200_000,
        step=1_000,
        tooltip="t-SNE is fitted on at most this many points, chosen at random; the rest are "
        "placed into that map afterwards (much faster for large sets).",
    )
    # Early exaggeration (12): the clusters form here.
    exaggeration_iterations: int = setting(250, "Forming iterations", 0, 5_000, shown=False)
    iterations: int = setting(
        500,
        "Iterations",
        1,
        5_000,
        step=50,
        tooltip="Iterations after the 250 of early exaggeration: the clusters settle.",
    )

    def __post_init__(self) -> None:
        check_settings(self)
