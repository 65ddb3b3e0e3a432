"""Generative image models behind one interface (``LatentModel``) and a registry by name."""

from latentlab.models.adapters import (
    AdapterError,
    AdapterModel,
    AdapterNeedsInfo,
    AdapterRangeError,
    load_adapter,
)
from latentlab.models.autoencoder import Autoencoder, AutoencoderLosses, VariationalAutoencoder
from latentlab.models.base import EncoderUnavailableError, ImageShape, LatentModel
from latentlab.models.classifier import DomainClassifier
from latentlab.models.dcgan import DCGAN, DiscriminatorLosses
from latentlab.models.registry import build_model, registered_kinds

__all__ = [
    "DCGAN",
    "AdapterError",
    "AdapterModel",
    "AdapterNeedsInfo",
    "AdapterRangeError",
    "Autoencoder",
    "AutoencoderLosses",
    "DiscriminatorLosses",
    "DomainClassifier",
    "EncoderUnavailableError",
    "ImageShape",
    "LatentModel",
    "VariationalAutoencoder",
    "build_model",
    "load_adapter",
    "registered_kinds",
]
