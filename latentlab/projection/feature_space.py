"""Maps of what the images look like: a projection fitted on image features, not on latents.

The features are the domain classifier's penultimate activations of each point's image. Such a
map groups samples by appearance (for a GAN, the map of z itself shows no structure: z is
drawn from N(0, I)). Going from the map back to latent space has no exact inverse: clicks use
the learned or the neighbour inverse, fitted on (map position, latent) pairs like any
non-linear map. Placing a new latent decodes it and projects its image's features.
"""

from __future__ import annotations

import numpy as np

from latentlab.projection.latent_cloud import Featurize


class FeatureSpaceProjection:
    """A projection of image features (``inner``: PCA, t-SNE, ...) that takes latents."""

    exact_inverse = False

    def __init__(self, inner, featurize: Featurize) -> None:
        self.inner = inner
        self.featurize = featurize
        first, second = inner.axis_labels
        self.axis_labels = (f"{first} of image features", second)
        self.name = f"{getattr(inner, 'name', 'map')} of image features"

    @property
    def refinable(self) -> bool:
        return hasattr(self.inner, "refine")

    def transform(self, latents: np.ndarray) -> np.ndarray:
        """N×D latents -> N×2: where the images they decode to sit on the map."""
        return self.inner.transform(self.featurize(np.atleast_2d(latents)))

    def refine(self, latents: np.ndarray) -> np.ndarray:
        """As ``transform``, by the inner projection's own placement when it has one."""
        features = self.featurize(np.atleast_2d(latents))
        if self.refinable:
            return self.inner.refine(features)
        return self.inner.transform(features)


def unwrap(projection):
    """The projection fitted on the map's input (itself, unless it is a feature map)."""
    return projection.inner if isinstance(projection, FeatureSpaceProjection) else projection
