"""Maps from latent space to the 2-D plane and back, and the latent codes they draw."""

from latentlab.projection.feature_space import FeatureSpaceProjection
from latentlab.projection.latent_cloud import (
    PRIOR_SOURCE,
    Featurize,
    LatentCloud,
    decode_latents,
    encode_dataset,
    sample_prior,
)
from latentlab.projection.latent_map import InverseMethod, LatentMapData, MapQuality
from latentlab.projection.learned_inverse import InverseFitProgress, LearnedInverse
from latentlab.projection.linear import IdentityProjection, PCAProjection, fit_projection
from latentlab.projection.neighbours import NeighbourInverse
from latentlab.projection.pipeline import (
    MapFinished,
    MapReady,
    build_map,
    map_steps,
    map_trustworthiness,
    project_cloud,
    provisional_map,
)
from latentlab.projection.round_trip import RoundTripError, latent_spread
from latentlab.projection.tsne import (
    EmbeddingProjection,
    ProjectionProgress,
    TSNEProjection,
    run_tsne,
)

__all__ = [
    "PRIOR_SOURCE",
    "EmbeddingProjection",
    "FeatureSpaceProjection",
    "Featurize",
    "IdentityProjection",
    "InverseFitProgress",
    "InverseMethod",
    "LatentCloud",
    "LatentMapData",
    "LearnedInverse",
    "MapFinished",
    "MapQuality",
    "MapReady",
    "NeighbourInverse",
    "PCAProjection",
    "ProjectionProgress",
    "RoundTripError",
    "TSNEProjection",
    "build_map",
    "decode_latents",
    "encode_dataset",
    "fit_projection",
    "latent_spread",
    "map_steps",
    "map_trustworthiness",
    "project_cloud",
    "provisional_map",
    "run_tsne",
    "sample_prior",
]
