"""The model kinds, registered with what each can do: ``ModelConfig``'s check, ``latentlab
train --model``, the New training dialog (its choices, and which settings apply), the model
builder and the training loop read this registry, so a new kind is its model and objective
modules plus one ``MODEL_KINDS.add`` here.

A model is built as ``Model(config, image_shape)`` (a ``LatentModel``); its objective as
``Objective(model, train_config, device, compile_losses, autocast_to)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from latentlab.registry import Registry, load

MODELS = "latentlab.models"
OBJECTIVES = "latentlab.training.objectives"


@dataclass(frozen=True)
class ModelKind:
    name: str  # as in ModelConfig.kind, checkpoints and --model
    label: str  # what the dialog shows
    description: str  # its tooltip line
    model: str  # "module:Class" of the model
    objective: str  # "module:Class" of its training objective
    has_encoder: bool  # maps the dataset's images (else samples of its prior)
    variational: bool = False  # a KL term: β and KL annealing apply
    adversarial: bool = False  # trained against a discriminator: a GAN loss applies
    conditional: bool = False  # decodes a label vector beside z: needs a labelled dataset
    architectures: tuple[str, ...] = ("conv", "mlp")
    learning_rate: float = 1e-3  # Adam's, unless the user sets one

    def model_class(self) -> Any:
        return load(self.model)

    def objective_class(self) -> Any:
        return load(self.objective)


MODEL_KINDS: Registry[ModelKind] = Registry("model kind")
MODEL_KINDS.add(
    ModelKind(
        "vae",
        "VAE",
        "VAE: a smooth latent space you can sample from (reconstruction + β·KL).",
        model=f"{MODELS}.autoencoder:VariationalAutoencoder",
        objective=f"{OBJECTIVES}:AutoencoderObjective",
        has_encoder=True,
        variational=True,
    )
)
MODEL_KINDS.add(
    ModelKind(
        "ae",
        "Autoencoder",
        "Autoencoder: sharper reconstructions, no sampling.",
        model=f"{MODELS}.autoencoder:Autoencoder",
        objective=f"{OBJECTIVES}:AutoencoderObjective",
        has_encoder=True,
    )
)
MODEL_KINDS.add(
    ModelKind(
        "dcgan",
        "DCGAN",
        "DCGAN: sharp samples, no encoder (Radford et al. 2016).",
        model=f"{MODELS}.dcgan:DCGAN",
        objective=f"{OBJECTIVES}:GANObjective",
        has_encoder=False,
        adversarial=True,
        architectures=("conv",),
        learning_rate=2e-4,
    )
)
MODEL_KINDS.add(
    ModelKind(
        "cvae",
        "Conditional VAE",
        "Conditional VAE: the label goes in beside z, so z keeps the style; decode any style as "
        "any class (needs labels).",
        model=f"{MODELS}.autoencoder:ConditionalVAE",
        objective=f"{OBJECTIVES}:AutoencoderObjective",
        has_encoder=True,
        variational=True,
        conditional=True,
        architectures=("conv",),
    )
)
MODEL_KINDS.add(
    ModelKind(
        "cdcgan",
        "Conditional DCGAN",
        "Conditional DCGAN: generator and discriminator see the label; ask for a class "
        "(Mirza & Osindero 2014; needs labels).",
        model=f"{MODELS}.conditional_dcgan:ConditionalDCGAN",
        objective=f"{OBJECTIVES}:GANObjective",
        has_encoder=False,
        adversarial=True,
        conditional=True,
        architectures=("conv",),
        learning_rate=2e-4,
    )
)
MODEL_KINDS.add(
    ModelKind(
        "stylegan",
        "Style GAN",
        "Style GAN: z enters at every resolution, so coarse and fine styles can come from "
        "different latents (after Karras et al. 2019; small).",
        model=f"{MODELS}.style_generator:StyleGAN",
        objective=f"{OBJECTIVES}:GANObjective",
        has_encoder=False,
        adversarial=True,
        architectures=("conv",),
        learning_rate=2e-4,
    )
)
