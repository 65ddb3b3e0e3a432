"""The GAN losses, registered with what each can do: the New training dialog, ``latentlab
train --gan-loss``, the model and the GAN monitor all read this registry, so a new loss is one
function module plus one ``GAN_LOSSES.add`` here (or from a plugin or test).

A loss is two functions of the discriminator's raw outputs (logits, or a critic's scores):
``discriminator(real, fake)`` and ``generator(fake)``, each returning a scalar tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from latentlab.registry import Registry, load

FUNCTIONS = "latentlab.models.gan_loss_functions"


@dataclass(frozen=True)
class GanLossKind:
    name: str  # as in ModelConfig.gan_loss, checkpoints and --gan-loss
    label: str  # what the dialog shows
    description: str  # its tooltip line
    discriminator: str  # "module:function": (real outputs, fake outputs) -> loss
    generator: str  # "module:function": (fake outputs) -> loss
    critic: bool = False  # D gives a score, not a probability: no sigmoid, no "D wins"
    critic_steps: int = 1  # discriminator updates per generator update
    saturates_when_d_wins: bool = False  # its generator gradients vanish when D is sure
    # The range of D's score of an image (realness): a probability, or None for a critic's
    # score of no fixed range (the map then colours over the range its points span).
    score_range: tuple[float, float] | None = (0.0, 1.0)
    # λ of a gradient penalty on the critic at points between real and fake images (0: none;
    # Gulrajani et al. 2017). A penalised critic has no batch norm: the penalty is per image.
    gradient_penalty: float = 0.0
    batch_norm: bool = True  # in the discriminator (DCGAN's) or not (a WGAN-GP critic's)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam's, for both networks (DCGAN's default)
    learning_rate: float | None = None  # None: the model kind's (2e-4 for a DCGAN)

    @property
    def score_name(self) -> str:
        """What the map's colour bar and the hover caption call D's score of an image."""
        return "critic score" if self.critic else "discriminator score D(x)"

    def discriminator_loss(self) -> Any:
        return load(self.discriminator)

    def generator_loss(self) -> Any:
        return load(self.generator)


GAN_LOSSES: Registry[GanLossKind] = Registry("GAN loss")
GAN_LOSSES.add(
    GanLossKind(
        "non-saturating",
        "Non-saturating",
        "Non-saturating: the generator maximises log D(G(z)), strong gradients from the start "
        "(recommended; Goodfellow et al. 2014, section 3, and DCGAN).",
        discriminator=f"{FUNCTIONS}:binary_discriminator",
        generator=f"{FUNCTIONS}:non_saturating_generator",
    )
)
GAN_LOSSES.add(
    GanLossKind(
        "minimax",
        "Minimax",
        "Minimax: the original min log(1 − D(G(z))) (Goodfellow et al. 2014, eq. 1), whose "
        "gradients vanish while D easily spots the fakes.",
        discriminator=f"{FUNCTIONS}:binary_discriminator",
        generator=f"{FUNCTIONS}:minimax_generator",
        saturates_when_d_wins=True,
    )
)
GAN_LOSSES.add(
    GanLossKind(
        "wgan-gp",
        "WGAN-GP",
        "WGAN-GP: a critic estimates the Wasserstein distance between real and generated "
        "images, kept 1-Lipschitz by a gradient penalty (λ = 10), 5 critic steps per generator "
        "step, Adam(0, 0.9), no batch norm in the critic (Gulrajani et al. 2017).",
        discriminator=f"{FUNCTIONS}:wasserstein_critic",
        generator=f"{FUNCTIONS}:wasserstein_generator",
        critic=True,
        critic_steps=5,
        score_range=None,
        gradient_penalty=10.0,
        batch_norm=False,
        betas=(0.0, 0.9),
        learning_rate=1e-4,
    )
)
