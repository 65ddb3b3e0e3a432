"""Maps from latent space to the 2-D plane and back, and the latent codes they draw.

Names are imported on first use (PEP 562): most need torch, scikit-learn or openTSNE, which the
app loads behind its window, while its map widget already uses ``hover_index``.
"""

from __future__ import annotations

from latentlab.lazy_exports import lazy_getattr

_EXPORTS = {
    "FeatureSpaceProjection": "feature_space",
    "PRIOR_SOURCE": "latent_cloud",
    "Featurize": "latent_cloud",
    "LatentCloud": "latent_cloud",
    "decode_latents": "latent_cloud",
    "encode_dataset": "latent_cloud",
    "sample_prior": "latent_cloud",
    "InverseMethod": "latent_map",
    "LatentMapData": "latent_map",
    "MapQuality": "latent_map",
    "InverseFitProgress": "learned_inverse",
    "LearnedInverse": "learned_inverse",
    "IdentityProjection": "linear",
    "PCAProjection": "linear",
    "fit_projection": "linear",
    "NeighbourInverse": "neighbours",
    "MapFinished": "pipeline",
    "MapReady": "pipeline",
    "build_map": "pipeline",
    "map_steps": "pipeline",
    "map_trustworthiness": "pipeline",
    "project_cloud": "pipeline",
    "provisional_map": "pipeline",
    "RoundTripError": "round_trip",
    "latent_spread": "round_trip",
    "EmbeddingProjection": "tsne",
    "ProjectionProgress": "tsne",
    "TSNEProjection": "tsne",
    "run_tsne": "tsne",
}

__all__ = list(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
