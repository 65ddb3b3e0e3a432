"""Generative image models behind one interface (``LatentModel``) and a registry by name."""

from latentlab.models.autoencoder import Autoencoder, AutoencoderLosses, VariationalAutoencoder
from latentlab.models.base import EncoderUnavailableError, ImageShape, LatentModel
from latentlab.models.classifier import DomainClassifier
from latentlab.models.dcgan import DCGAN, DiscriminatorLosses
from latentlab.models.registry import build_model, registered_kinds

__all__ = [
    "DCGAN",
    "Autoencoder",
    "AutoencoderLosses",
    "DiscriminatorLosses",
    "DomainClassifier",
    "EncoderUnavailableError",
    "ImageShape",
    "LatentModel",
    "VariationalAutoencoder",
    "build_model",
    "registered_kinds",
]
