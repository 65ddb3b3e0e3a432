"""Settings that work well per dataset, used where the user did not choose.

Keyed by dataset name (the part of a spec before any ':'); ``None`` entries mean "the general
default". Numbers were chosen by looking at samples after short runs on a 2-core CPU.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    latent_dim: int
    batch_size: int
    epochs: int
    gan_epochs: int  # GANs need more passes to give clean samples
    base_channels: int = 32

    def epochs_for(self, kind: str) -> int:
        """The epochs for a model of ``kind`` (adversarial kinds get ``gan_epochs``)."""
        from latentlab.model_kinds import MODEL_KINDS

        return self.gan_epochs if MODEL_KINDS.get(kind).adversarial else self.epochs


_PRESETS: dict[str, Preset] = {
    # 1,438 training images of 16×16: small batches give enough steps per epoch.
    "digits": Preset(latent_dim=8, batch_size=32, epochs=20, gan_epochs=60),
    # 10,000 / 5,000 training images: batches of 64 give 156 / 78 steps an epoch.
    "mnist-small": Preset(latent_dim=16, batch_size=64, epochs=10, gan_epochs=30),
    "fashion-mnist-small": Preset(latent_dim=16, batch_size=64, epochs=20, gan_epochs=40),
    "mnist": Preset(latent_dim=16, batch_size=128, epochs=10, gan_epochs=10),
    "fashion-mnist": Preset(latent_dim=16, batch_size=128, epochs=10, gan_epochs=10),
    "kmnist": Preset(latent_dim=16, batch_size=128, epochs=10, gan_epochs=10),
    "emnist-letters": Preset(latent_dim=16, batch_size=128, epochs=10, gan_epochs=10),
    "cifar10": Preset(latent_dim=64, batch_size=128, epochs=30, gan_epochs=30, base_channels=64),
    "svhn": Preset(latent_dim=32, batch_size=128, epochs=20, gan_epochs=20, base_channels=64),
    "celeba": Preset(latent_dim=64, batch_size=128, epochs=10, gan_epochs=10, base_channels=64),
}
_GENERAL = Preset(latent_dim=16, batch_size=64, epochs=20, gan_epochs=40)


def preset_for(dataset_spec: str) -> Preset:
    """The preset of a dataset spec such as 'mnist' or 'folder:/photos' (general default)."""
    return _PRESETS.get(dataset_spec.split(":", 1)[0].lower(), _GENERAL)
